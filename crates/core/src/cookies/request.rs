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
    /// Every name and decoded value, back to back: one allocation for all
    /// of them, however many cookies a request carries.
    text: String,
    /// Per cookie: where its name ends and its value starts in `text`, and
    /// where its value ends (the name starts where the previous value
    /// ended).
    pairs: Vec<Pair>,
    /// Name → position, built only once a request holds more than
    /// [`LINEAR_LOOKUP_MAX`] cookies: a browser sends a handful, which a
    /// scan finds faster than hashing, while a hostile request with
    /// thousands must not make every lookup and insertion a scan.
    index: Option<HashMap<String, usize>>,
}

#[derive(Clone, Copy)]
struct Pair {
    start: usize,
    name_end: usize,
    value_end: usize,
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
        let all = headers.get_all(COOKIE);
        // Decoding never lengthens a value: the headers' length bounds the
        // text.
        cookies
            .text
            .reserve(all.iter().map(|h| h.as_bytes().len()).sum());
        for header in all {
            match std::str::from_utf8(header.as_bytes()) {
                // The usual case: the pairs are found with a vectorised
                // search for `;`, not byte by byte (a session token is
                // hundreds of bytes).
                Ok(text) => {
                    let mut rest = text;
                    loop {
                        let end = memchr::memchr(b';', rest.as_bytes()).unwrap_or(rest.len());
                        // `;` is ASCII: `end` is a char boundary.
                        let (pair, after) = rest.split_at(end);
                        if let Some((name, value)) = parse_pair(pair) {
                            cookies.insert(name, value);
                        }
                        match after.get(1..) {
                            Some(next) => rest = next,
                            None => break,
                        }
                    }
                }
                // Some pair is not UTF-8: only that pair is skipped.
                Err(_) => {
                    for pair in header.as_bytes().split(|&b| b == b';') {
                        if let Some((name, value)) =
                            std::str::from_utf8(pair).ok().and_then(parse_pair)
                        {
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
        let i = match &self.index {
            Some(index) => *index.get(name)?,
            None => (0..self.pairs.len()).find(|&i| self.name(i) == name)?,
        };
        Some(self.value(i))
    }

    /// Every cookie as `(name, decoded value)`, in the order first sent.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        (0..self.pairs.len()).map(|i| (self.name(i), self.value(i)))
    }

    fn name(&self, i: usize) -> &str {
        let p = self.pairs[i];
        self.text.get(p.start..p.name_end).unwrap_or_default()
    }

    fn value(&self, i: usize) -> &str {
        let p = self.pairs[i];
        self.text.get(p.name_end..p.value_end).unwrap_or_default()
    }

    fn insert(&mut self, name: &str, raw_value: &str) {
        if self.get(name).is_some() {
            return;
        }
        if let Some(index) = &mut self.index {
            index.insert(name.to_owned(), self.pairs.len());
        } else if self.pairs.len() == LINEAR_LOOKUP_MAX {
            let mut index: HashMap<String, usize> = (0..self.pairs.len())
                .map(|i| (self.name(i).to_owned(), i))
                .collect();
            index.insert(name.to_owned(), self.pairs.len());
            self.index = Some(index);
        }
        let start = self.text.len();
        self.text.push_str(name);
        let name_end = self.text.len();
        decode_uri_component_into(raw_value, &mut self.text);
        self.pairs.push(Pair {
            start,
            name_end,
            value_end: self.text.len(),
        });
    }
}

impl fmt::Debug for RequestCookies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(n, _)| (n, "[redacted]")))
            .finish()
    }
}

/// One `name=value` pair, trimmed; `None` for anything unusable. The value
/// is still encoded.
fn parse_pair(pair: &str) -> Option<(&str, &str)> {
    let (name, value) = pair.split_once('=')?;
    let name = name.trim_matches(is_ows);
    if name.is_empty() {
        return None;
    }
    let mut value = value.trim_matches(is_ows);
    if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
        value = &value[1..value.len() - 1];
    }
    Some((name, value))
}

/// Optional whitespace around cookie names and values.
fn is_ows(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Appends `decodeURIComponent(raw)` to `out`, or `raw` itself where
/// JavaScript would throw: a `%` not followed by two hex digits, or bytes
/// that are not UTF-8.
fn decode_uri_component_into(raw: &str, out: &mut String) {
    let start = out.len();
    if memchr::memchr(b'%', raw.as_bytes()).is_none() {
        out.push_str(raw);
        return;
    }
    // Nearly every encoded cookie value (`token%7Chash`, a URL) decodes to
    // ASCII: decode straight into `out`, and only for other bytes decode
    // again through a buffer that checks UTF-8.
    match decode_ascii(raw, out) {
        Some(()) => {}
        None => {
            out.truncate(start);
            match percent_decode(raw.as_bytes()).map(String::from_utf8) {
                Some(Ok(text)) => out.push_str(&text),
                _ => out.push_str(raw),
            }
        }
    }
}

/// Decodes `%XX` escapes into `out` while every byte is ASCII; `None` at the
/// first escape that is invalid or not ASCII.
fn decode_ascii(raw: &str, out: &mut String) -> Option<()> {
    let mut rest = raw;
    while let Some(at) = memchr::memchr(b'%', rest.as_bytes()) {
        out.push_str(&rest[..at]);
        let b = escaped(rest.as_bytes(), at)?;
        if !b.is_ascii() {
            return None;
        }
        out.push(char::from(b));
        // The escape is three ASCII bytes: a char boundary follows it.
        rest = rest.get(at + 3..)?;
    }
    out.push_str(rest);
    Some(())
}

/// Every `%XX` escape decoded; `None` when one is invalid.
fn percent_decode(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            decoded.push(escaped(bytes, i)?);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    Some(decoded)
}

/// The byte of the escape `%XX` at `i`.
fn escaped(bytes: &[u8], i: usize) -> Option<u8> {
    let hi = bytes.get(i + 1).and_then(|&b| hex_value(b))?;
    let lo = bytes.get(i + 2).and_then(|&b| hex_value(b))?;
    Some(hi << 4 | lo)
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
