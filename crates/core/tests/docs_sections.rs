//! Every code has its section in the book in every language, at the file and
//! anchor its `docs_url_in` names, and the book has no section for a code that
//! does not exist.

use std::collections::BTreeSet;
use std::path::Path;

use keyway_core::{DocsLanguage, ErrorPageCode, LogCode, SignInPageCode};

fn read(relative: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read_to_string(root.join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// The `## ` headings of a page that follow an `<a id="…"></a>` line: the
/// code sections (the overview has no anchor line).
fn code_sections(page: &str) -> BTreeSet<String> {
    let lines: Vec<&str> = page.lines().collect();
    lines
        .windows(2)
        .filter(|w| w[0].starts_with("<a id=\"") && w[1].starts_with("## "))
        .map(|w| w[1].trim_start_matches("## ").to_owned())
        .collect()
}

/// Asserts that `source` has exactly the sections `codes` (as (string,
/// anchor) pairs), each under its anchor, and that the URL names the same
/// file and anchor.
fn check(language: DocsLanguage, source: &str, codes: &[(String, String, String)]) {
    let page = read(source);
    let expected: BTreeSet<String> = codes.iter().map(|(code, _, _)| code.clone()).collect();
    assert_eq!(code_sections(&page), expected, "sections of {source}");
    let all_headings = page.lines().filter(|l| l.starts_with("## ")).count();
    assert_eq!(
        all_headings,
        expected.len() + 1,
        "{source}: every `## ` heading but the overview is a code"
    );
    for (code, anchor, url) in codes {
        let section = format!("<a id=\"{anchor}\"></a>\n## {code}\n");
        assert!(page.contains(&section), "{source}: no `{section}`");
        let html = source
            .trim_start_matches("docs/src/")
            .replace(".md", ".html");
        assert!(
            url.ends_with(&format!("/{html}#{anchor}")),
            "{language:?}: {url} does not name {html}#{anchor}"
        );
        assert!(url.starts_with(keyway_core::codes::DOCS_BASE_URL), "{url}");
    }
}

#[test]
fn every_log_code_has_its_section_in_every_language() {
    for language in DocsLanguage::ALL {
        let codes: Vec<_> = LogCode::ALL
            .iter()
            .map(|c| (c.as_str().to_owned(), c.anchor(), c.docs_url_in(language)))
            .collect();
        check(language, &LogCode::docs_source(language), &codes);
    }
}

#[test]
fn every_page_code_has_its_section_in_every_language() {
    for language in DocsLanguage::ALL {
        assert_eq!(
            ErrorPageCode::docs_source(language),
            SignInPageCode::docs_source(language),
            "both page-code lists share one page"
        );
        let mut codes: Vec<_> = ErrorPageCode::ALL
            .iter()
            .map(|c| (c.as_str().to_owned(), c.anchor(), c.docs_url_in(language)))
            .collect();
        codes.extend(
            SignInPageCode::ALL
                .iter()
                .map(|c| (c.as_str().to_owned(), c.anchor(), c.docs_url_in(language))),
        );
        // `Default` is in both lists and has one section.
        codes.sort();
        codes.dedup();
        check(language, &ErrorPageCode::docs_source(language), &codes);
    }
}

#[test]
fn a_section_without_a_code_is_seen() {
    let page = "# T\n## Overview\n<a id=\"pkce_error\"></a>\n## PKCE_ERROR\n\n<a id=\"gone\"></a>\n## GONE\n";
    assert_eq!(
        code_sections(page),
        BTreeSet::from(["PKCE_ERROR".to_owned(), "GONE".to_owned()])
    );
}
