//! `cargo xtask docs`: builds the book under `docs/` with mdBook (installing
//! the pinned version when it is missing) and checks that every relative link
//! and `#anchor` in the built HTML resolves.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use crate::{Result, display, logs_dir, run_logged, workspace_root};

/// The mdBook release the book is built with.
const MDBOOK_VERSION: &str = "0.4.40";

pub(crate) fn run(args: &[String]) -> Result {
    if let Some(arg) = args.first() {
        return Err(format!(
            "`cargo xtask docs` takes no arguments (got `{arg}`)"
        ));
    }
    let root = workspace_root();
    let mdbook = ensure_mdbook()?;
    // In the checkout's own `target/`, not the shared target dir: worktrees
    // building their books at once must not write over each other.
    let out = root.join("target").join("book");
    let mut build = Command::new(&mdbook);
    build
        .arg("build")
        .arg(root.join("docs"))
        .arg("--dest-dir")
        .arg(&out);
    println!("  building the book: {}", display(&build));
    let log = logs_dir()?.join("mdbook-build.log");
    // Start each build's log afresh so a failure shows only its own output.
    let _ = std::fs::remove_file(&log);
    run_logged(&mut build, &log).map_err(|e| {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        format!("{e}\n{text}")
    })?;
    let checked = check_links(&out)?;
    println!(
        "  book in {}: {} pages, {} links and anchors resolve",
        out.display(),
        checked.pages,
        checked.links
    );
    Ok(())
}

/// The mdBook binary: `$HOME/.cache/keyway/mdbook-<version>/bin/mdbook`,
/// installed with `cargo install` the first time.
fn ensure_mdbook() -> Result<PathBuf> {
    // Only the HTML renderer and its search index: no `serve`/`watch`.
    crate::cargo_installed(
        "mdbook",
        MDBOOK_VERSION,
        "mdbook",
        &["--no-default-features", "--features", "search"],
    )
}

/// What a link check went through.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Checked {
    pub(crate) pages: usize,
    pub(crate) links: usize,
}

/// Checks every relative `href` and `src` of every HTML file under `book`:
/// the file it names exists, and its `#fragment`, if any, is an `id` (or
/// `name`) in that file. Links with a scheme (`https:`, `mailto:`) and
/// protocol-relative ones are not followed. Reports every broken link.
pub(crate) fn check_links(book: &Path) -> Result<Checked> {
    let mut pages = Vec::new();
    collect_html(book, &mut pages)?;
    pages.sort();
    let mut ids: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    let mut texts = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page)
            .map_err(|e| format!("cannot read {}: {e}", page.display()))?;
        let mut found = attribute_values(&text, "id");
        found.extend(attribute_values(&text, "name"));
        ids.insert(normalize(page), found.into_iter().collect());
        texts.push(text);
    }
    let mut broken = Vec::new();
    let mut links = 0;
    for (page, text) in pages.iter().zip(&texts) {
        let dir = page.parent().unwrap_or(book);
        let mut targets = attribute_values(text, "href");
        targets.extend(attribute_values(text, "src"));
        for target in targets {
            if is_external(&target) {
                continue;
            }
            links += 1;
            let (path_part, fragment) = match target.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (target.as_str(), None),
            };
            let path_part = path_part.split('?').next().unwrap_or("");
            let file = if path_part.is_empty() {
                normalize(page)
            } else {
                // `/x` is relative to the book's root (mdBook's 404 page
                // links that way).
                let joined = match path_part.strip_prefix('/') {
                    Some(from_root) => normalize(&book.join(from_root)),
                    None => normalize(&dir.join(path_part)),
                };
                if joined.is_dir() {
                    joined.join("index.html")
                } else {
                    joined
                }
            };
            let shown = page.strip_prefix(book).unwrap_or(page).display();
            if !file.is_file() {
                broken.push(format!("{shown}: `{target}`: no such file"));
                continue;
            }
            let Some(fragment) = fragment.filter(|f| !f.is_empty()) else {
                continue;
            };
            let fragment = percent_decode(fragment);
            let known = ids.get(&file).is_some_and(|set| set.contains(&fragment));
            if !known {
                broken.push(format!("{shown}: `{target}`: no anchor `#{fragment}`"));
            }
        }
    }
    if broken.is_empty() {
        Ok(Checked {
            pages: pages.len(),
            links,
        })
    } else {
        Err(format!(
            "{} broken link(s) in the book:\n  {}",
            broken.len(),
            broken.join("\n  ")
        ))
    }
}

fn collect_html(dir: &Path, out: &mut Vec<PathBuf>) -> Result {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .path();
        if path.is_dir() {
            collect_html(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "html") {
            out.push(path);
        }
    }
    Ok(())
}

/// `a/./b/../c` as `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn is_external(target: &str) -> bool {
    if target.starts_with("//") || target.starts_with("{{") {
        return true;
    }
    // A scheme: letters, digits, `+`, `-` or `.` before the first `:`, and no
    // `/` before it.
    match target.split_once(':') {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// The values of every `name="..."` (or `name='...'`) attribute in `html`,
/// with `&amp;`-style entities for `&`, `"`, `'`, `<` and `>` decoded.
fn attribute_values(html: &str, name: &str) -> Vec<String> {
    let mut values = Vec::new();
    let bytes = html.as_bytes();
    let pattern = format!("{name}=");
    let mut from = 0;
    while let Some(pos) = html[from..].find(&pattern) {
        let at = from + pos;
        from = at + pattern.len();
        // Whole attribute names only: `data-id=` is not `id=`.
        let before = at.checked_sub(1).map(|i| bytes[i]);
        if !matches!(before, Some(b' ' | b'\n' | b'\t' | b'\r')) {
            continue;
        }
        let Some(&quote) = bytes.get(from) else {
            break;
        };
        if quote != b'"' && quote != b'\'' {
            continue;
        }
        let start = from + 1;
        let Some(len) = html[start..].find(quote as char) else {
            break;
        };
        values.push(decode_entities(&html[start..start + len]));
        from = start + len + 1;
    }
    values
}

fn decode_entities(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).and_then(|b| hex(*b)),
                bytes.get(i + 2).and_then(|b| hex(*b)),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A throwaway book directory under the system's temp dir.
    fn book(name: &str, files: &[(&str, &str)]) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("keyway-xtask-links-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        dir
    }

    #[test]
    fn resolving_links_and_anchors_pass() {
        let dir = book(
            "ok",
            &[
                (
                    "index.html",
                    r##"<a href="reference/codes.html#pkce_error">x</a> <a href="#top">t</a>
                    <h1 id="top">T</h1> <img src="img/logo.svg"> <a href="https://example.com/#nowhere">e</a>
                    <a href="mailto:a@example.com">m</a> <a href="ko/">ko</a> <a href="/">root</a>"##,
                ),
                (
                    "reference/codes.html",
                    r#"<a id="pkce_error"></a><a href="../index.html#top">up</a>"#,
                ),
                ("img/logo.svg", "<svg/>"),
                ("ko/index.html", r#"<p data-id="x">ko</p>"#),
            ],
        );
        let checked = check_links(&dir).expect("all links resolve");
        assert_eq!(checked, Checked { pages: 3, links: 6 });
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn missing_files_and_anchors_are_reported() {
        let dir = book(
            "broken",
            &[
                (
                    "index.html",
                    r##"<a href="gone.html">g</a> <a href="page.html#nope">n</a> <a href="#self">s</a>
                    <a href="page.html#%ED%95%9C">k</a>"##,
                ),
                (
                    "page.html",
                    r#"<h2 data-id="nope">x</h2><h2 id="한">한</h2>"#,
                ),
            ],
        );
        let err = check_links(&dir).expect_err("broken links");
        assert!(err.starts_with("3 broken link(s)"), "{err}");
        assert!(
            err.contains("index.html: `gone.html`: no such file"),
            "{err}"
        );
        assert!(err.contains("`page.html#nope`: no anchor `#nope`"), "{err}");
        assert!(err.contains("`#self`: no anchor `#self`"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn schemes_are_external() {
        assert!(is_external("https://keyway.dev"));
        assert!(is_external("mailto:x@example.com"));
        assert!(is_external("//cdn.example.com/x.js"));
        assert!(!is_external("reference/log-codes.html#a:b"));
        assert!(!is_external("../index.html"));
    }
}
