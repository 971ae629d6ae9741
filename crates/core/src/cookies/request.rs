//! The `Cookie` side: parsing what the browser sends back.

use std::collections::HashMap;
use std::fmt;

use http::HeaderMap;
use http::header::COOKIE;

/// The cookies of a request, parsed from all its `Cookie` headers.
///
/// Parsing never fails: a pair without `=`, with an empty name or with bytes
/// that are not UTF-8 is skipped. Values are percent-decoded like
/// `decodeURIComponent`; a value whose encoding is invalid is kept as sent.
/// When a name occurs more than once, the first occurrence wins (as in
/// Auth.js). `Debug` shows names only, never values.
#[derive(Clone, Default)]
pub struct RequestCookies {
    pairs: Vec<(String, String)>,
    /// Name → position, built only once a request holds more than
    /// [`LINEAR_LOOKUP_MAX`] cookies: a browser sends a handful, which a
    /// scan finds faster than hashing, while a hostile request with
    /// thousands must not make every lookup and insertion a scan.
    index: Option<HashMap<String, usize>>,
}

/// Up to this many cookies, lookups scan.
const LINEAR_LOOKUP_MAX: usize = 16;

impl RequestCookies {
    /// Parses every `Cookie` header in `headers`.
    ///
    /// ```
    /// use http::{HeaderMap, HeaderValue, header::COOKIE};
    /// use keyway_core::cookies::RequestCookies;
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert(COOKIE, HeaderValue::from_static("a=1; b=x%7Cy; a=2"));
    /// let cookies = RequestCookies::from_headers(&headers);
    /// assert_eq!(cookies.get("a"), Some("1"));
    /// assert_eq!(cookies.get("b"), Some("x|y"));
    /// ```
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let mut cookies = RequestCookies::default();
        for header in headers.get_all(COOKIE) {
            match std::str::from_utf8(header.as_bytes()) {
                // The usual case: split the text (memchr), not byte by byte.
                Ok(text) => {
                    for pair in text.split(';') {
                        if let Some((name, value)) = parse_pair(pair.as_bytes()) {
                            cookies.insert(name, value);
                        }
                    }
                }
                // Some pair is not UTF-8: only that pair is skipped.
                Err(_) => {
                    for pair in header.as_bytes().split(|&b| b == b';') {
                        if let Some((name, value)) = parse_pair(pair) {
                            cookies.insert(name, value);
                        }
                    }
                }
            }
        }
        cookies
    }

    /// The (decoded) value of cookie `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        match &self.index {
            Some(index) => index.get(name).and_then(|&i| self.pairs.get(i)),
            None => self.pairs.iter().find(|(n, _)| n == name),
        }
        .map(|(_, v)| v.as_str())
    }

    /// Every cookie as `(name, decoded value)`, in the order first sent.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    fn insert(&mut self, name: &str, value: String) {
        if self.get(name).is_some() {
            return;
        }
        if let Some(index) = &mut self.index {
            index.insert(name.to_owned(), self.pairs.len());
        } else if self.pairs.len() == LINEAR_LOOKUP_MAX {
            let mut index: HashMap<String, usize> = self
                .pairs
                .iter()
                .enumerate()
                .map(|(i, (n, _))| (n.clone(), i))
                .collect();
            index.insert(name.to_owned(), self.pairs.len());
            self.index = Some(index);
        }
        self.pairs.push((name.to_owned(), value));
    }
}

impl fmt::Debug for RequestCookies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.pairs.iter().map(|(n, _)| (n, "[redacted]")))
            .finish()
    }
}

/// One `name=value` pair, trimmed; `None` for anything unusable.
fn parse_pair(pair: &[u8]) -> Option<(&str, String)> {
    let pair = std::str::from_utf8(pair).ok()?;
    let (name, value) = pair.split_once('=')?;
    let name = name.trim_matches(is_ows);
    if name.is_empty() {
        return None;
    }
    let mut value = value.trim_matches(is_ows);
    if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
        value = &value[1..value.len() - 1];
    }
    Some((name, decode_uri_component(value)))
}

/// Optional whitespace around cookie names and values.
fn is_ows(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// `decodeURIComponent`, falling back to the raw text where JavaScript would
/// throw: a `%` not followed by two hex digits, or bytes that are not UTF-8.
fn decode_uri_component(raw: &str) -> String {
    if !raw.contains('%') {
        return raw.to_owned();
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = bytes.get(i + 1).and_then(|&b| hex_value(b));
            let lo = bytes.get(i + 2).and_then(|&b| hex_value(b));
            match (hi, lo) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 3;
                }
                _ => return raw.to_owned(),
            }
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| raw.to_owned())
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use http::HeaderValue;

    use super::*;

    fn parse(headers: &[&[u8]]) -> RequestCookies {
        let mut map = HeaderMap::new();
        for h in headers {
            map.append(COOKIE, HeaderValue::from_bytes(h).unwrap());
        }
        RequestCookies::from_headers(&map)
    }

    #[test]
    fn parses_auth_js_cookies_and_decodes_values() {
        let c = parse(&[
            b"authjs.csrf-token=aa%7Cbb; authjs.callback-url=http%3A%2F%2F127.0.0.1%3A3700%2F; authjs.session-token=eyJ.a-b_c",
        ]);
        assert_eq!(c.get("authjs.csrf-token"), Some("aa|bb"));
        assert_eq!(c.get("authjs.callback-url"), Some("http://127.0.0.1:3700/"));
        assert_eq!(c.get("authjs.session-token"), Some("eyJ.a-b_c"));
        assert_eq!(c.get("missing"), None);
        let names: Vec<_> = c.iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "authjs.csrf-token",
                "authjs.callback-url",
                "authjs.session-token"
            ]
        );
    }

    #[test]
    fn reads_every_cookie_header_and_first_occurrence_wins() {
        let c = parse(&[b"a=1; b=2", b"a=3;c=4"]);
        assert_eq!(c.get("a"), Some("1"));
        assert_eq!(c.get("b"), Some("2"));
        assert_eq!(c.get("c"), Some("4"));
        assert_eq!(c.iter().count(), 3);
    }

    #[test]
    fn invalid_encoding_is_kept_raw() {
        let c = parse(&[b"a=100%; b=%zz; c=%C3%28; d=%c3%bc; e=a+b; f=%"]);
        assert_eq!(c.get("a"), Some("100%"));
        assert_eq!(c.get("b"), Some("%zz"));
        assert_eq!(c.get("c"), Some("%C3%28"));
        assert_eq!(c.get("d"), Some("ü"));
        assert_eq!(c.get("e"), Some("a+b"));
        assert_eq!(c.get("f"), Some("%"));
    }

    #[test]
    fn garbage_is_skipped_not_fatal() {
        let c =
            parse(&[b";;; noequals ; =novalue; \t x = \"quoted\" ; y=; z==\"; bad=\xff\xfe; ok=1"]);
        assert_eq!(c.get("x"), Some("quoted"));
        assert_eq!(c.get("y"), Some(""));
        assert_eq!(c.get("z"), Some("=\""));
        assert_eq!(c.get("bad"), None);
        assert_eq!(c.get("ok"), Some("1"));
        assert_eq!(c.get("noequals"), None);
        assert_eq!(c.get(""), None);
        assert_eq!(c.iter().count(), 4);
    }

    #[test]
    fn many_cookies_switch_to_the_index_and_keep_first_wins() {
        // Around the switch from scanning to the index, duplicates on both
        // sides of it, and a lookup of every name.
        let mut header = String::new();
        for i in 0..40 {
            header.push_str(&format!("c{i}=first{i}; "));
        }
        for i in 0..40 {
            header.push_str(&format!("c{i}=second{i}; "));
        }
        let c = parse(&[header.as_bytes()]);
        assert_eq!(c.iter().count(), 40);
        for i in 0..40 {
            assert_eq!(c.get(&format!("c{i}")), Some(format!("first{i}").as_str()));
        }
        assert_eq!(c.get("c40"), None);
        let exactly = parse(&[b"a0=1; a1=1; a2=1; a3=1; a4=1; a5=1; a6=1; a7=1; a8=1; a9=1; b0=1; b1=1; b2=1; b3=1; b4=1; b5=1; b6=x; b0=2"]);
        assert_eq!(exactly.iter().count(), 17);
        assert_eq!(exactly.get("b6"), Some("x"));
        assert_eq!(exactly.get("b0"), Some("1"));
    }

    #[test]
    fn no_cookie_header_is_empty() {
        let c = RequestCookies::from_headers(&HeaderMap::new());
        assert_eq!(c.iter().count(), 0);
    }

    #[test]
    fn debug_shows_names_not_values() {
        let c = parse(&[b"authjs.session-token=very-secret"]);
        let shown = format!("{c:?}");
        assert!(shown.contains("authjs.session-token"));
        assert!(!shown.contains("very-secret"));
    }
}
