//! The book's Rust code, compiled and run as doctests.
//!
//! Each page of the book with Rust code is the documentation of one item
//! below, so `cargo test -p keyway-book --doc` compiles every ```` ```rust ````
//! block the reader sees (and runs those not marked `no_run`), read from the
//! page itself: the text and the tests cannot drift apart. Lines starting
//! with `# ` are hidden by both mdBook and rustdoc. Blocks in other languages
//! must say so (```` ```toml ````, ```` ```text ````, ...): rustdoc treats an
//! unmarked block as Rust.
//!
//! The test below fails when a page with Rust code is missing from this list.

/// Every page with Rust code, relative to `docs/src`. Keep in step with the
/// `include_str!` items below (the test checks it).
#[cfg(test)]
const PAGES: &[&str] = &[
    "guide/axum.md",
    "guide/actix-web.md",
    "guide/rocket.md",
    "guide/adapters.md",
    "guide/sessions.md",
    "guide/callbacks.md",
    "guide/pages.md",
    "guide/deployment.md",
    "guide/several-instances.md",
    "guide/nextjs.md",
    "providers/oauth.md",
    "providers/email.md",
    "providers/credentials.md",
];

#[cfg(doctest)]
#[doc = include_str!("src/guide/axum.md")]
struct GuideAxum;

#[cfg(doctest)]
#[doc = include_str!("src/guide/actix-web.md")]
struct GuideActixWeb;

#[cfg(doctest)]
#[doc = include_str!("src/guide/rocket.md")]
struct GuideRocket;

#[cfg(doctest)]
#[doc = include_str!("src/guide/adapters.md")]
struct GuideAdapters;

#[cfg(doctest)]
#[doc = include_str!("src/guide/sessions.md")]
struct GuideSessions;

#[cfg(doctest)]
#[doc = include_str!("src/guide/callbacks.md")]
struct GuideCallbacks;

#[cfg(doctest)]
#[doc = include_str!("src/guide/pages.md")]
struct GuidePages;

#[cfg(doctest)]
#[doc = include_str!("src/guide/deployment.md")]
struct GuideDeployment;

#[cfg(doctest)]
#[doc = include_str!("src/guide/several-instances.md")]
struct GuideSeveralInstances;

#[cfg(doctest)]
#[doc = include_str!("src/guide/nextjs.md")]
struct GuideNextjs;

#[cfg(doctest)]
#[doc = include_str!("src/providers/oauth.md")]
struct ProvidersOauth;

#[cfg(doctest)]
#[doc = include_str!("src/providers/email.md")]
struct ProvidersEmail;

#[cfg(doctest)]
#[doc = include_str!("src/providers/credentials.md")]
struct ProvidersCredentials;

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::PAGES;

    fn book_src() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
    }

    fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("docs/src is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                markdown_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }

    /// The languages of a page's fenced code blocks, as written after the
    /// opening fence (empty for an unmarked block).
    fn fence_languages(text: &str) -> Vec<String> {
        let mut open = false;
        let mut found = Vec::new();
        for line in text.lines() {
            let trimmed = line.trim_start();
            if let Some(info) = trimmed.strip_prefix("```") {
                if !open {
                    found.push(info.trim().to_owned());
                }
                open = !open;
            }
        }
        found
    }

    fn is_rust(info: &str) -> bool {
        info.is_empty() || info.split(',').next() == Some("rust")
    }

    #[test]
    fn every_page_with_rust_code_is_compiled() {
        let src = book_src();
        let mut files = Vec::new();
        markdown_files(&src, &mut files);
        let this = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("book.rs"))
            .expect("book.rs is readable");
        let mut with_rust = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("a readable page");
            if fence_languages(&text).iter().any(|info| is_rust(info)) {
                let relative = file
                    .strip_prefix(&src)
                    .expect("under docs/src")
                    .to_string_lossy()
                    .replace('\\', "/");
                with_rust.push(relative);
            }
        }
        with_rust.sort();
        let mut listed: Vec<String> = PAGES.iter().map(|p| (*p).to_owned()).collect();
        listed.sort();
        assert_eq!(with_rust, listed, "pages with Rust code vs PAGES");
        for page in PAGES {
            let include = format!("#[doc = include_str!(\"src/{page}\")]");
            assert!(this.contains(&include), "book.rs does not include {page}");
        }
    }

    #[test]
    fn fences_are_read_as_rustdoc_reads_them() {
        let page =
            "text\n```rust,no_run\nfn main() {}\n```\n```toml\na = 1\n```\n```\nplain\n```\n";
        assert_eq!(fence_languages(page), ["rust,no_run", "toml", ""]);
        assert!(is_rust("rust,no_run") && is_rust("") && !is_rust("toml") && !is_rust("text"));
    }
}
