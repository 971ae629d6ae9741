//! Keeping redirects on the site's own origin.
//!
//! Auth.js's default `redirect` callback sends the browser to a relative path
//! on the site or to an absolute URL of the same origin, and to the site
//! origin otherwise. keyway does the same, but decides on parsed URLs and
//! refuses every ambiguous spelling that a browser might resolve to another
//! host (`//evil.com`, `/\evil.com`, `https:evil.com`, userinfo, tabs, …), so
//! a `callbackUrl` can never turn the site into an open redirector.
//!
//! ```
//! use keyway_core::redirect::{Origin, default_redirect};
//!
//! let origin = Origin::parse("https://example.com").unwrap();
//! assert_eq!(default_redirect("/dashboard", &origin), "https://example.com/dashboard");
//! assert_eq!(default_redirect("https://evil.com/", &origin), "https://example.com");
//! assert_eq!(default_redirect("//evil.com", &origin), "https://example.com");
//! ```

use std::fmt;

use url::Url;

/// Longest URL considered, in bytes; anything longer is refused (it could
/// not be stored in the callback-url cookie anyway).
const MAX_URL_LEN: usize = 4096;

/// The site origin, e.g. `"https://example.com"` or `"http://127.0.0.1:3000"`
/// (`scheme://host[:port]`, no path, lower-case scheme/host, default port omitted).
/// Cloning it shares the text: the engine clones the site's origin for
/// every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin(std::sync::Arc<str>);

impl Origin {
    /// The origin of the http(s) URL `url`; any path, query or fragment is
    /// ignored (`https://example.com/api/auth` gives `https://example.com`).
    ///
    /// `None` unless `url` is spelled `http://host…` or `https://host…`
    /// without credentials, whitespace, control characters or backslashes.
    pub fn parse(url: &str) -> Option<Self> {
        if !is_clean(url) {
            return None;
        }
        split_absolute(url)?;
        let parsed = Url::parse(url).ok()?;
        if !is_plain_http(&parsed) {
            return None;
        }
        Some(Origin(parsed.origin().ascii_serialization().into()))
    }

    /// The serialised origin, e.g. `"http://127.0.0.1:3000"`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `host[:port]`, e.g. `"127.0.0.1:3000"` or `"example.com"`.
    pub fn host(&self) -> &str {
        self.0.split_once("://").map_or("", |(_, host)| host)
    }

    /// Whether the scheme is `https` (which calls for secure cookies).
    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Auth.js's default redirect callback made strict: a relative path `/x` →
/// `"{origin}/x"`; an absolute URL with exactly this origin → kept
/// (normalised; with nothing after the host it is the origin itself, as
/// Auth.js writes it); everything else → `None`.
///
/// Refused: protocol-relative `//host`, backslashes anywhere, `https:host`
/// and `https:/host`, credentials (`https://a@b`), other schemes, any
/// whitespace or control character, the empty string, and URLs over 4096
/// bytes. When `Some`, the result always parses as an absolute URL whose
/// origin is `origin`, and `same_origin` returns it unchanged.
pub fn same_origin(url: &str, origin: &Origin) -> Option<String> {
    // The origin itself (what the callback-url cookie holds on most
    // requests) is its own answer: an `Origin` is already a parsed,
    // serialised origin, so the checks below would only confirm it.
    if url == origin.as_str() {
        return Some(url.to_owned());
    }
    // The next most common answers, a plain path on the site (`/dashboard`)
    // or the origin followed by one (what the callback-url cookie holds
    // after a sign-in), come out of the parser byte for byte: answer them
    // without parsing. Anything else takes the full road below.
    if let Some(path) = url.strip_prefix(origin.as_str()).or(Some(url))
        && is_plain_path(path)
    {
        return Some(if path.len() == url.len() {
            format!("{}{path}", origin.as_str())
        } else {
            url.to_owned()
        });
    }
    same_origin_parsed(url, origin)
}

/// [`same_origin`] without its shortcuts: decides on parsed URLs.
fn same_origin_parsed(url: &str, origin: &Origin) -> Option<String> {
    if !is_clean(url) {
        return None;
    }
    let base = Url::parse(origin.as_str()).ok()?;
    let mut origin_only = false;
    let resolved = if url.starts_with('/') {
        if url.starts_with("//") {
            return None;
        }
        base.join(url).ok()?
    } else {
        let rest = split_absolute(url)?;
        origin_only = rest.is_empty();
        Url::parse(url).ok()?
    };
    if !is_plain_http(&resolved) || resolved.origin().ascii_serialization() != origin.as_str() {
        return None;
    }
    if origin_only {
        Some(origin.as_str().to_owned())
    } else {
        Some(resolved.into())
    }
}

/// [`same_origin`]`(url, origin)`, or the origin itself.
pub fn default_redirect(url: &str, origin: &Origin) -> String {
    same_origin(url, origin).unwrap_or_else(|| origin.as_str().to_owned())
}

/// A path the URL parser keeps exactly as written: `/`, then segments of
/// ASCII letters, digits, `-`, `_`, `~` and `.`, none of them `.` or `..`
/// and none empty (so no `//`), at most [`MAX_URL_LEN`] bytes. No query,
/// fragment, percent-escape or anything else the parser might rewrite.
fn is_plain_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    if path.len() > MAX_URL_LEN {
        return false;
    }
    let mut segments = rest.split('/').peekable();
    while let Some(segment) = segments.next() {
        // A trailing slash leaves one empty last segment, which the parser
        // keeps; an empty segment anywhere else is `//`.
        let plain = if segment.is_empty() {
            segments.peek().is_none()
        } else {
            segment != "."
                && segment != ".."
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_~.".contains(&b))
        };
        if !plain {
            return false;
        }
    }
    true
}

/// Not empty, not too long, and free of anything a browser would strip or
/// reinterpret: whitespace, control characters and backslashes.
fn is_clean(url: &str) -> bool {
    !url.is_empty()
        && url.len() <= MAX_URL_LEN
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
}

/// For `http://authority…` or `https://authority…` (scheme in any case): what
/// follows the authority. `None` for any other spelling, an empty authority,
/// an authority starting with `/` (`https:///host`) or one holding `@`.
fn split_absolute(url: &str) -> Option<&str> {
    let scheme_len = ["https://", "http://"]
        .iter()
        .find(|p| {
            url.get(..p.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(p))
        })?
        .len();
    let after = &url[scheme_len..];
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let authority = &after[..end];
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some(&after[end..])
}

/// An http(s) URL with a host and no credentials.
fn is_plain_http(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.username().is_empty()
        && url.password().is_none()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn origin(s: &str) -> Origin {
        Origin::parse(s).unwrap()
    }

    #[test]
    fn origin_parse_normalises() {
        let o = origin("HTTPS://Example.COM:443/api/auth?x#y");
        assert_eq!(o.as_str(), "https://example.com");
        assert_eq!(o.host(), "example.com");
        assert!(o.is_https());
        let local = origin("http://127.0.0.1:3000");
        assert_eq!(local.as_str(), "http://127.0.0.1:3000");
        assert_eq!(local.host(), "127.0.0.1:3000");
        assert!(!local.is_https());
        assert_eq!(origin("http://[::1]:8080/").host(), "[::1]:8080");
        assert_eq!(
            origin("http://example.com:80").to_string(),
            "http://example.com"
        );
    }

    #[test]
    fn origin_parse_refuses_non_origins() {
        for bad in [
            "",
            "example.com",
            "/path",
            "ftp://example.com",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "https:example.com",
            "https:/example.com",
            "https:///example.com",
            "https://user@example.com",
            "https://user:pw@example.com",
            "https://",
            "https://exa mple.com",
            "https://example.com\\x",
            " https://example.com",
        ] {
            assert_eq!(Origin::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn an_origin_is_a_fixed_point_of_the_full_check() {
        // The shortcut in `same_origin` answers an origin with itself; that
        // is only right because re-parsing an origin's text gives it back.
        for raw in [
            "https://example.com",
            "HTTPS://Example.COM:443/x",
            "http://127.0.0.1:3000",
            "http://[::1]:8080",
            "http://xn--bcher-kva.example",
            "http://b\u{fc}cher.example:81",
            "http://0x7f.1",
            "https://example.com.",
        ] {
            let o = origin(raw);
            let reparsed = Url::parse(o.as_str()).unwrap();
            assert!(is_plain_http(&reparsed), "{raw}");
            assert_eq!(reparsed.origin().ascii_serialization(), o.as_str(), "{raw}");
            assert_eq!(split_absolute(o.as_str()), Some(""), "{raw}");
            assert!(is_clean(o.as_str()), "{raw}");
            assert_eq!(same_origin(o.as_str(), &o).as_deref(), Some(o.as_str()));
        }
    }

    #[test]
    fn relative_paths_land_on_the_origin() {
        let o = origin("https://example.com");
        assert_eq!(
            same_origin("/dashboard?x=1#y", &o).as_deref(),
            Some("https://example.com/dashboard?x=1#y")
        );
        assert_eq!(
            same_origin("/", &o).as_deref(),
            Some("https://example.com/")
        );
        assert_eq!(
            same_origin("/a/../b", &o).as_deref(),
            Some("https://example.com/b")
        );
        assert_eq!(
            same_origin("/%2f%2fevil.com", &o).as_deref(),
            Some("https://example.com/%2f%2fevil.com")
        );
        assert_eq!(
            same_origin("/caf\u{e9}", &o).as_deref(),
            Some("https://example.com/caf%C3%A9")
        );
    }

    #[test]
    fn same_origin_absolute_urls_are_kept() {
        let o = origin("http://127.0.0.1:3000");
        assert_eq!(
            same_origin("http://127.0.0.1:3000/a", &o).as_deref(),
            Some("http://127.0.0.1:3000/a")
        );
        assert_eq!(
            same_origin("http://127.0.0.1:3000", &o).as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(
            same_origin("HTTP://127.0.0.1:3000/A?b#c", &o).as_deref(),
            Some("http://127.0.0.1:3000/A?b#c")
        );
        let s = origin("https://example.com");
        assert_eq!(
            same_origin("https://EXAMPLE.com:443/x", &s).as_deref(),
            Some("https://example.com/x")
        );
        assert_eq!(
            same_origin("https://example.com?x=1", &s).as_deref(),
            Some("https://example.com/?x=1")
        );
    }

    #[test]
    fn shortcut_paths_match_the_parser() {
        let o = origin("http://127.0.0.1:3000");
        for path in [
            "/",
            "/a",
            "/a/",
            "/a/b.c",
            "/.well-known/x",
            "/a..b",
            "/~u/-_",
            "/a//b",
            "/a/./b",
            "/a/../b",
            "/..",
            "/.",
            "/a/.",
            "/%2e",
            "/a?b",
            "/a#b",
            "/A%20B",
            "//evil.com",
            "/a:b",
        ] {
            for input in [path.to_owned(), format!("{}{path}", o.as_str())] {
                assert_eq!(
                    same_origin(&input, &o),
                    same_origin_parsed(&input, &o),
                    "{input}"
                );
            }
        }
        assert!(is_plain_path("/a/b/"));
        assert!(!is_plain_path("/a//b"));
        assert!(!is_plain_path("/a/../b"));
        assert!(!is_plain_path("a"));
    }

    #[test]
    fn other_origins_are_refused() {
        let o = origin("http://127.0.0.1:3000");
        for other in [
            "http://127.0.0.1:3001/a",
            "https://127.0.0.1:3000/a",
            "http://localhost:3000/a",
            "http://127.0.0.1/a",
            "http://127.0.0.1:3000.evil.com/",
        ] {
            assert_eq!(same_origin(other, &o), None, "{other}");
        }
        let s = origin("https://example.com");
        for other in [
            "https://evil.com",
            "https://example.com.evil.com/",
            "https://evil.com/https://example.com",
            "https://example.com./",
        ] {
            assert_eq!(same_origin(other, &s), None, "{other}");
        }
    }

    #[test]
    fn tricks_are_refused() {
        let o = origin("https://example.com");
        let long_ok = format!("/{}", "a".repeat(MAX_URL_LEN - 1));
        let too_long = format!("/{}", "a".repeat(MAX_URL_LEN));
        assert!(same_origin(&long_ok, &o).is_some());
        let tricks = [
            "",
            "//evil.com",
            "//evil.com/x",
            "///evil.com",
            "//example.com/x",
            "/\\evil.com",
            "\\\\evil.com",
            "\\/evil.com",
            "/x\\y",
            "https:evil.com",
            "https:example.com",
            "https:/evil.com",
            "https:/example.com/x",
            "https:///example.com/x",
            "https:\\\\example.com",
            "https://example.com@evil.com",
            "https://evil.com@example.com",
            "https://user:pw@example.com/",
            "https://:@example.com/",
            "https://@example.com/",
            "javascript:alert(1)",
            "JavaScript://example.com/%0Aalert(1)",
            "data:text/html,<script>alert(1)</script>",
            "file:///etc/passwd",
            "ftp://example.com/",
            "ws://example.com/",
            "/\t/evil.com",
            "/\n/evil.com",
            "/\r/evil.com",
            "\t/x",
            " /x",
            "/x ",
            "/x\u{0}",
            "/x\u{7f}",
            "/x\u{85}",
            "/x\u{a0}",
            "/x\u{2028}",
            "dashboard",
            "?x=1",
            "#y",
            ".",
            &too_long,
        ];
        for trick in tricks {
            assert_eq!(same_origin(trick, &o), None, "{trick:?}");
            assert_eq!(
                default_redirect(trick, &o),
                "https://example.com",
                "{trick:?}"
            );
        }
    }

    const ORIGINS: &[&str] = &[
        "https://example.com",
        "http://127.0.0.1:3000",
        "http://[::1]:8080",
    ];

    const FRAGMENTS: &[&str] = &[
        "/",
        "//",
        "///",
        "/\\",
        "\\",
        "\\\\",
        "@",
        ":",
        "%2f",
        "%2F",
        "%5c",
        "%40",
        "%00",
        "%09",
        "\t",
        "\n",
        "\r",
        " ",
        "\u{0}",
        "\u{7f}",
        "\u{a0}",
        "\u{ff0f}",
        "?",
        "#",
        ".",
        "..",
        "/..",
        "http:",
        "https:",
        "http://",
        "https://",
        "HTTPS://",
        "javascript:",
        "data:",
        "file:",
        "ftp:",
        "evil.com",
        "example.com",
        "EXAMPLE.COM",
        "127.0.0.1",
        "[::1]",
        ":3000",
        ":443",
        ":8080",
        "https://example.com",
        "http://127.0.0.1:3000",
        "http://[::1]:8080",
        "user:pw@",
        "xn--",
        "ü",
        "a",
    ];

    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => prop::sample::select(FRAGMENTS).prop_map(str::to_owned),
            1 => ".{0,6}",
            1 => "[a-zA-Z0-9./:@%?#\\\\-]{0,8}",
        ]
    }

    fn candidate() -> impl Strategy<Value = String> {
        prop::collection::vec(fragment(), 0..8).prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        #[test]
        fn default_redirect_always_stays_on_the_origin(
            prefix in prop::sample::select(&["", "", "/", "origin", "origin/"][..]),
            tail in candidate(),
            site in prop::sample::select(ORIGINS),
        ) {
            // Prefixing the site itself or `/` makes many inputs acceptable,
            // so both branches of `same_origin` are exercised.
            let input = format!("{}{tail}", prefix.replace("origin", site));
            let o = origin(site);
            let out = default_redirect(&input, &o);
            let parsed = Url::parse(&out);
            prop_assert!(parsed.is_ok(), "{input:?} gave unparsable {out:?}");
            let parsed = parsed.unwrap();
            prop_assert_eq!(parsed.origin().ascii_serialization(), site);
            prop_assert!(parsed.username().is_empty() && parsed.password().is_none());
            prop_assert!(is_clean(&out), "{input:?} gave {out:?}");
            if let Some(kept) = same_origin(&input, &o) {
                prop_assert_eq!(same_origin(&kept, &o), Some(kept.clone()));
            }
            // The shortcuts answer exactly what the parser would.
            prop_assert_eq!(same_origin(&input, &o), same_origin_parsed(&input, &o), "{:?}", input);
        }
    }
}
