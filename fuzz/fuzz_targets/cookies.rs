//! `Cookie` header parsing and session-cookie chunking.
//!
//! Input: `Cookie` header values separated by newlines, then a NUL byte, a
//! chunk-size byte and a value to store.
//! - parsing: every cookie listed is the one `get` finds (first wins), names
//!   are unique and non-empty;
//! - reassembly: `read_chunked` gives the plain cookie when it is set, else
//!   the chunks in index order, and nothing past the chunk cap;
//! - writing: storing the value over what the request held, then reading
//!   back what a browser would send, gives the value again; no cookie name is
//!   set twice; clearing removes every part.
#![no_main]

use std::collections::BTreeMap;

use http::{HeaderMap, HeaderValue, header::COOKIE};
use keyway_core::cookies::{
    CHUNK_SIZE_AUTHJS, CookieOptions, MAX_CHUNKS, RequestCookies, SetCookie, clear_chunked,
    read_chunked, write_chunked,
};
use libfuzzer_sys::fuzz_target;

const NAME: &str = "authjs.session-token";

fn parse(headers: &[u8]) -> RequestCookies {
    let mut map = HeaderMap::new();
    for line in headers.split(|&b| b == b'\n') {
        if let Ok(value) = HeaderValue::from_bytes(line) {
            map.append(COOKIE, value);
        }
    }
    RequestCookies::from_headers(&map)
}

/// The chunk index of `cookie` if it is a canonical `NAME.<n>`.
fn chunk_index(cookie: &str) -> Option<usize> {
    let digits = cookie.strip_prefix(NAME)?.strip_prefix('.')?;
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || (digits.len() > 1 && digits.starts_with('0'))
    {
        return None;
    }
    digits.parse().ok()
}

/// What `read_chunked` must give, written the plain way.
fn expected_read(cookies: &RequestCookies) -> Option<String> {
    if let Some(plain) = cookies.get(NAME).filter(|v| !v.is_empty()) {
        return Some(plain.to_owned());
    }
    let chunks: BTreeMap<usize, &str> = cookies
        .iter()
        .filter_map(|(n, v)| chunk_index(n).map(|i| (i, v)))
        .collect();
    if chunks.len() > MAX_CHUNKS {
        return None;
    }
    let joined: String = chunks.values().copied().collect();
    (!joined.is_empty()).then_some(joined)
}

/// `name=value` as the browser sends it back, from a `Set-Cookie`.
fn pair(cookie: &SetCookie) -> String {
    let header = cookie.header_value();
    header
        .split("; ")
        .next()
        .expect("a Set-Cookie starts with its pair")
        .to_owned()
}

/// The browser's jar after `set`, as one `Cookie` header.
fn browser_after(before: &RequestCookies, set: &[SetCookie]) -> RequestCookies {
    let options = CookieOptions::defaults(false);
    let mut jar: BTreeMap<String, String> = before
        .iter()
        .map(|(n, v)| (n.to_owned(), pair(&SetCookie::new(n, v, options.clone()))))
        .collect();
    for cookie in set {
        if cookie.options.max_age == Some(0) {
            jar.remove(&cookie.name);
        } else {
            jar.insert(cookie.name.clone(), pair(cookie));
        }
    }
    let header = jar.into_values().collect::<Vec<_>>().join("; ");
    parse(header.as_bytes())
}

fn assert_unique(set: &[SetCookie]) {
    let mut names: Vec<&str> = set.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    let count = names.len();
    names.dedup();
    assert_eq!(names.len(), count, "a cookie is set twice: {set:?}");
}

fuzz_target!(|data: &[u8]| {
    let (headers, rest) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let cookies = parse(headers);

    let mut seen = std::collections::HashSet::new();
    for (name, value) in cookies.iter() {
        assert!(!name.is_empty(), "a cookie without a name");
        assert!(seen.insert(name), "{name:?} listed twice");
        assert_eq!(cookies.get(name), Some(value), "get disagrees with iter");
    }
    assert_eq!(read_chunked(&cookies, NAME), expected_read(&cookies));

    let options = CookieOptions::defaults(false);
    let cleared = clear_chunked(NAME, &options, &cookies);
    assert_unique(&cleared);
    assert!(cleared.iter().all(|c| c.options.max_age == Some(0)));
    assert_eq!(read_chunked(&browser_after(&cookies, &cleared), NAME), None);

    let Some((&size, value)) = rest.split_first() else {
        return;
    };
    let Ok(value) = std::str::from_utf8(value) else {
        return;
    };
    let chunk_size = match size {
        0 => CHUNK_SIZE_AUTHJS,
        n => usize::from(n % 64) + 1,
    };
    if value.chars().count() > chunk_size * MAX_CHUNKS {
        return;
    }
    let set = write_chunked(NAME, value, &options, chunk_size, &cookies);
    assert_unique(&set);
    for cookie in &set {
        assert!(
            HeaderValue::from_str(&cookie.header_value()).is_ok(),
            "not a header value: {:?}",
            cookie.header_value()
        );
    }
    let after = browser_after(&cookies, &set);
    let want = (!value.is_empty()).then(|| value.to_owned());
    assert_eq!(
        read_chunked(&after, NAME),
        want,
        "the value did not come back"
    );
});
