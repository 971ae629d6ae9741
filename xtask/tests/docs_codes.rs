//! The book has one section per error code, at the anchor
//! `LogCode::docs_url` / `*PageCode::docs_url` link to.
//!
//! The codes are read from `crates/core/src/codes.rs` as text, so xtask
//! keeps building without keyway-core.

use std::collections::BTreeSet;
use std::path::Path;

fn read(relative: &str) -> String {
    // The directory at run time: a target dir shared between checkouts may
    // hold a binary compiled elsewhere.
    let manifest = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
    let root = Path::new(&manifest).join("..");
    std::fs::read_to_string(root.join(relative)).expect(relative)
}

/// The string form of every code: the `Variant = "STRING",` lines.
fn codes() -> BTreeSet<String> {
    read("crates/core/src/codes.rs")
        .lines()
        .filter_map(|line| {
            let (variant, rest) = line.trim().split_once(" = \"")?;
            let code = rest.strip_suffix("\",")?;
            let is_variant = variant.chars().next()?.is_ascii_uppercase()
                && variant.chars().all(|c| c.is_ascii_alphanumeric());
            is_variant.then(|| code.to_owned())
        })
        .collect()
}

/// The `## Heading` titles of a page, without the overview.
fn sections(page: &str) -> BTreeSet<String> {
    page.lines()
        .filter_map(|line| line.strip_prefix("## "))
        .filter(|title| *title != "Overview")
        .map(str::to_owned)
        .collect()
}

fn check(page_path: &str, expected: &BTreeSet<String>) {
    let page = read(page_path);
    assert_eq!(&sections(&page), expected, "sections of {page_path}");
    for code in expected {
        let anchor = format!("<a id=\"{}\"></a>\n## {code}\n", code.to_ascii_lowercase());
        assert!(page.contains(&anchor), "{page_path}: no `{anchor}`");
    }
}

#[test]
fn every_code_has_its_section() {
    let all = codes();
    let (log, page): (BTreeSet<_>, BTreeSet<_>) = all
        .into_iter()
        .partition(|code| !code.chars().any(|c| c.is_ascii_lowercase()));
    assert!(log.contains("PKCE_ERROR") && log.len() >= 30, "{log:?}");
    assert!(
        page.contains("AccessDenied") && page.contains("Default"),
        "{page:?}"
    );
    check("docs/src/reference/log-codes.md", &log);
    check("docs/src/reference/page-codes.md", &page);
}
