//! The callback-URL check: `Origin::parse`, `same_origin`,
//! `default_redirect`, and the engine's callback-url cookie.
//!
//! Input: a selector byte, then either a URL (checked against one of a few
//! fixed origins) or `origin NUL url`.
//! - an origin reads back as itself;
//! - an accepted URL is an absolute http(s) URL on the origin, without
//!   credentials, whitespace or backslashes, is exactly what the URL parser
//!   makes of it, and is accepted again unchanged;
//! - `default_redirect` and the engine's callback-url cookie never leave
//!   the origin.
#![no_main]

use std::sync::OnceLock;

use keyway_core::Auth;
use keyway_core::redirect::{Origin, default_redirect, same_origin};
use keyway_fuzz::{ORIGIN, block_on, check_answer, on_site, set_cookies};
use libfuzzer_sys::fuzz_target;
use url::Url;

const ORIGINS: [&str; 5] = [
    ORIGIN,
    "https://example.com",
    "http://[::1]:8080",
    "https://xn--bcher-kva.example",
    "http://localhost",
];

fn auth() -> &'static Auth {
    static AUTH: OnceLock<Auth> = OnceLock::new();
    AUTH.get_or_init(|| {
        Auth::builder()
            .secret("fuzzing-secret-that-is-long-enough-0123456789")
            .url(ORIGIN)
            .build()
            .expect("the fuzzing configuration is valid")
    })
}

fn check_origin(text: &str) -> Option<Origin> {
    let origin = Origin::parse(text)?;
    assert_eq!(
        Origin::parse(origin.as_str()).as_ref(),
        Some(&origin),
        "an origin does not read back as itself"
    );
    let parsed = Url::parse(origin.as_str()).expect("an origin is a URL");
    assert_eq!(parsed.origin().ascii_serialization(), origin.as_str());
    Some(origin)
}

fn check_url(url: &str, origin: &Origin) {
    let base = Url::parse(origin.as_str()).expect("an origin is a URL");
    if let Some(accepted) = same_origin(url, origin) {
        assert!(
            !accepted
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '\\'),
            "{url:?} accepted as {accepted:?}"
        );
        let parsed = Url::parse(&accepted).expect("an accepted URL parses");
        assert!(matches!(parsed.scheme(), "http" | "https"));
        assert!(parsed.username().is_empty() && parsed.password().is_none());
        assert_eq!(
            parsed.origin().ascii_serialization(),
            origin.as_str(),
            "{url:?} accepted as {accepted:?}, off the origin"
        );
        // What the parser itself makes of the URL: the shortcuts for plain
        // paths must agree with it.
        let by_parser = if url.starts_with('/') {
            base.join(url).map(String::from).ok()
        } else {
            Url::parse(url).map(String::from).ok()
        };
        assert!(
            Some(&accepted) == by_parser.as_ref() || accepted == origin.as_str(),
            "{url:?} accepted as {accepted:?}, the parser says {by_parser:?}"
        );
        assert_eq!(
            same_origin(&accepted, origin).as_deref(),
            Some(accepted.as_str()),
            "an accepted URL is not accepted again as itself"
        );
    }
    let target = default_redirect(url, origin);
    let parsed = Url::parse(&target).expect("a redirect target parses");
    assert_eq!(parsed.origin().ascii_serialization(), origin.as_str());
}

fn check_engine(url: &str) {
    let enc: String = url::form_urlencoded::byte_serialize(url.as_bytes()).collect();
    let Ok(request) =
        http::Request::get(format!("/api/auth/signin?callbackUrl={enc}")).body(bytes::Bytes::new())
    else {
        return;
    };
    let response = block_on(auth().handle(request));
    check_answer(&response);
    for cookie in set_cookies(&response) {
        if cookie.name.ends_with("callback-url") {
            let value = percent_decode(&cookie.value);
            assert!(
                on_site(&value),
                "callback-url cookie off the site: {value:?}"
            );
        }
    }
    let headers = http::HeaderMap::new();
    let signin = auth().signin_url(&headers, url);
    let parsed = Url::parse(&signin).expect("the sign-in URL parses");
    let callback = parsed
        .query_pairs()
        .find(|(k, _)| k == "callbackUrl")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    assert!(
        on_site(&callback),
        "sign-in URL with callback off the site: {signin}"
    );
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("v={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (origin, url) = match usize::from(selector) % (ORIGINS.len() + 1) {
        i if i < ORIGINS.len() => (
            Origin::parse(ORIGINS[i]).expect("the fixed origins parse"),
            text,
        ),
        _ => {
            let (origin, url) = text.split_once('\0').unwrap_or((text, "/"));
            let Some(origin) = check_origin(origin) else {
                return;
            };
            (origin, url)
        }
    };
    check_url(url, &origin);
    if origin.as_str() == ORIGIN && selector & 0x80 != 0 {
        check_engine(url);
    }
});
