//! Splitting a large cookie value over `NAME.0`, `NAME.1`, … and back.
//!
//! Browsers cap a cookie at 4096 bytes, so Auth.js stores a session token that
//! does not fit in one cookie as consecutive slices named `NAME.0`, `NAME.1`, …
//! A value that fits goes in the plain `NAME`.

use std::borrow::Cow;

use super::{CookieOptions, RequestCookies, SetCookie};

/// Auth.js v5's chunk size: characters of value per cookie (4096 − 160).
pub const CHUNK_SIZE_AUTHJS: usize = 3936;

/// NextAuth.js v4's chunk size: characters of value per cookie (4096 − 163).
pub const CHUNK_SIZE_NEXTAUTH_V4: usize = 3933;

/// The most chunks [`read_chunked`] puts back together: 16 chunks hold over
/// 60 KB, far more than any server accepts in request headers, so only a
/// hostile request sends more. It is refused as if it held no cookie,
/// before any chunk is copied.
pub const MAX_CHUNKS: usize = 16;

/// Which part of a chunked cookie a request cookie is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Part {
    /// The plain `NAME`.
    Plain,
    /// `NAME.<index>`.
    Chunk(usize),
}

/// What `cookie_name` is to the chunked cookie `name`, if anything. Only a
/// canonical decimal index counts (`NAME.0`, `NAME.12`; not `NAME.01`), so no
/// two request cookies can claim the same slice.
fn part_of(cookie_name: &str, name: &str) -> Option<Part> {
    let rest = cookie_name.strip_prefix(name)?;
    if rest.is_empty() {
        return Some(Part::Plain);
    }
    let digits = rest.strip_prefix('.')?;
    let canonical = digits == "0"
        || (!digits.starts_with('0')
            && !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit()));
    if !canonical {
        return None;
    }
    digits.parse().ok().map(Part::Chunk)
}

/// Every request cookie that is a part of `name`, plain first, then chunks in
/// index order.
fn existing_parts<'a>(existing: &'a RequestCookies, name: &str) -> Vec<(Part, &'a str, &'a str)> {
    let mut parts: Vec<_> = existing
        .iter()
        .filter_map(|(n, v)| part_of(n, name).map(|p| (p, n, v)))
        .collect();
    parts.sort_unstable_by_key(|&(p, _, _)| p);
    parts
}

/// Reads the possibly chunked cookie `name`, as Auth.js does.
///
/// A non-empty plain `NAME` is returned as is; otherwise the non-empty
/// `NAME.<n>` cookies are concatenated in integer order of `n`. `None` when
/// there is neither, and when the request holds more than [`MAX_CHUNKS`]
/// `NAME.<n>` cookies (empty ones included).
///
/// ```
/// use http::{HeaderMap, HeaderValue, header::COOKIE};
/// use keyway_core::cookies::{RequestCookies, read_chunked};
///
/// let mut headers = HeaderMap::new();
/// headers.insert(COOKIE, HeaderValue::from_static("s.1=world; s.0=hello-"));
/// let cookies = RequestCookies::from_headers(&headers);
/// assert_eq!(read_chunked(&cookies, "s").as_deref(), Some("hello-world"));
/// ```
pub fn read_chunked(cookies: &RequestCookies, name: &str) -> Option<String> {
    read_chunked_borrowed(cookies, name).map(Cow::into_owned)
}

/// [`read_chunked`], borrowing a plain cookie's value from `cookies`: a
/// session read then copies its token nowhere.
pub(crate) fn read_chunked_borrowed<'a>(
    cookies: &'a RequestCookies,
    name: &str,
) -> Option<Cow<'a, str>> {
    if let Some(plain) = cookies.get(name).filter(|v| !v.is_empty()) {
        return Some(Cow::Borrowed(plain));
    }
    let parts = existing_parts(cookies, name);
    let chunk_count = parts
        .iter()
        .filter(|&&(p, _, _)| matches!(p, Part::Chunk(_)))
        .count();
    if chunk_count > MAX_CHUNKS {
        tracing::debug!(
            cookie = name,
            chunks = chunk_count,
            max = MAX_CHUNKS,
            "too many cookie chunks; ignored"
        );
        return None;
    }
    let chunks: Vec<&str> = parts
        .into_iter()
        .filter(|&(p, _, v)| matches!(p, Part::Chunk(_)) && !v.is_empty())
        .map(|(_, _, v)| v)
        .collect();
    if chunks.is_empty() {
        None
    } else {
        Some(Cow::Owned(chunks.concat()))
    }
}

/// The cookies that store `value` under `name`, replacing whatever the
/// request held there.
///
/// First the deletions of every existing part of `name` (plain or chunk) that
/// the new set does not overwrite, then the new set: the plain `NAME` when
/// `value` has at most `chunk_size` characters, else `NAME.0`, `NAME.1`, …
/// holding consecutive slices of `chunk_size` characters. No name appears
/// twice. Deletions use `options` with an empty value and `Max-Age=0`.
///
/// ```
/// use keyway_core::cookies::{CookieOptions, RequestCookies, write_chunked};
///
/// let set = write_chunked("s", "abcde", &CookieOptions::defaults(false), 2, &RequestCookies::default());
/// let names: Vec<_> = set.iter().map(|c| c.name.as_str()).collect();
/// assert_eq!(names, ["s.0", "s.1", "s.2"]);
/// ```
pub fn write_chunked(
    name: &str,
    value: &str,
    options: &CookieOptions,
    chunk_size: usize,
    existing: &RequestCookies,
) -> Vec<SetCookie> {
    let chunk_size = chunk_size.max(1);
    // A value of at most `chunk_size` bytes has at most that many
    // characters: one plain cookie, no need to count characters.
    let slices = if value.len() <= chunk_size {
        Vec::new()
    } else {
        split_chars(value, chunk_size)
    };
    let new: Vec<SetCookie> = if slices.len() <= 1 {
        vec![SetCookie::new(name, value, options.clone())]
    } else {
        tracing::debug!(
            cookie = name,
            value_len = value.len(),
            chunks = slices.len(),
            "chunking cookie"
        );
        slices
            .iter()
            .enumerate()
            .map(|(i, slice)| SetCookie::new(format!("{name}.{i}"), *slice, options.clone()))
            .collect()
    };
    // The usual case, a plain cookie replacing at most itself: nothing to
    // delete, no list of the request's parts to make.
    if new.len() == 1
        && !existing
            .iter()
            .any(|(n, _)| n != name && part_of(n, name).is_some())
    {
        return new;
    }
    // At most a few names: a scan beats hashing them.
    let overwritten = |n: &str| new.iter().any(|c| c.name == n);
    let mut out: Vec<SetCookie> = existing_parts(existing, name)
        .into_iter()
        .filter(|(_, n, _)| !overwritten(n))
        .map(|(_, n, _)| SetCookie::removal(n, options))
        .collect();
    out.extend(new);
    out
}

/// The deletions that remove the possibly chunked cookie `name`: the plain
/// `NAME` (always, even if the request did not send it) and every `NAME.<n>`
/// the request holds.
pub fn clear_chunked(
    name: &str,
    options: &CookieOptions,
    existing: &RequestCookies,
) -> Vec<SetCookie> {
    let mut out = vec![SetCookie::removal(name, options)];
    out.extend(
        existing_parts(existing, name)
            .into_iter()
            .filter(|&(p, _, _)| p != Part::Plain)
            .map(|(_, n, _)| SetCookie::removal(n, options)),
    );
    out
}

/// `value` cut into slices of at most `size` characters (never inside a
/// character). An empty value gives no slice.
fn split_chars(value: &str, size: usize) -> Vec<&str> {
    let mut slices = Vec::new();
    let mut start = 0;
    let mut count = 0;
    for (i, _) in value.char_indices() {
        if count == size {
            slices.push(&value[start..i]);
            start = i;
            count = 0;
        }
        count += 1;
    }
    if start < value.len() {
        slices.push(&value[start..]);
    }
    slices
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use std::collections::HashSet;

    use http::{HeaderMap, HeaderValue, header::COOKIE};

    use super::*;

    const NAME: &str = "authjs.session-token";

    fn cookies(header: &str) -> RequestCookies {
        let mut map = HeaderMap::new();
        map.insert(COOKIE, HeaderValue::from_str(header).unwrap());
        RequestCookies::from_headers(&map)
    }

    fn summary(set: &[SetCookie]) -> Vec<(String, usize, bool)> {
        set.iter()
            .map(|c| {
                (
                    c.name.clone(),
                    c.value.chars().count(),
                    c.options.max_age == Some(0),
                )
            })
            .collect()
    }

    fn assert_unique_names(set: &[SetCookie]) {
        let names: HashSet<_> = set.iter().map(|c| &c.name).collect();
        assert_eq!(names.len(), set.len(), "duplicate cookie names in {set:?}");
    }

    /// What a browser would send back after applying `set`.
    fn browser_after(set: &[SetCookie]) -> RequestCookies {
        let header = set
            .iter()
            .filter(|c| c.options.max_age != Some(0))
            .map(|c| {
                let full = c.header_value();
                full.split("; ").next().unwrap().to_owned()
            })
            .collect::<Vec<_>>()
            .join("; ");
        cookies(&header)
    }

    #[test]
    fn v5_value_one_over_the_limit_makes_two_chunks() {
        let value = "a".repeat(CHUNK_SIZE_AUTHJS + 1);
        let opts = CookieOptions::defaults(false);
        let set = write_chunked(
            NAME,
            &value,
            &opts,
            CHUNK_SIZE_AUTHJS,
            &RequestCookies::default(),
        );
        assert_eq!(
            summary(&set),
            [
                (format!("{NAME}.0"), 3936, false),
                (format!("{NAME}.1"), 1, false)
            ]
        );
        assert_eq!(read_chunked(&browser_after(&set), NAME), Some(value));
    }

    #[test]
    fn v4_value_one_over_the_limit_makes_two_chunks() {
        let name = "next-auth.session-token";
        let value = "b".repeat(3934);
        let opts = CookieOptions::defaults(false);
        let set = write_chunked(
            name,
            &value,
            &opts,
            CHUNK_SIZE_NEXTAUTH_V4,
            &RequestCookies::default(),
        );
        assert_eq!(
            summary(&set),
            [
                (format!("{name}.0"), 3933, false),
                (format!("{name}.1"), 1, false)
            ]
        );
    }

    #[test]
    fn value_at_the_limit_stays_plain() {
        let value = "c".repeat(CHUNK_SIZE_AUTHJS);
        let set = write_chunked(
            NAME,
            &value,
            &CookieOptions::defaults(false),
            CHUNK_SIZE_AUTHJS,
            &RequestCookies::default(),
        );
        assert_eq!(summary(&set), [(NAME.to_owned(), 3936, false)]);
    }

    #[test]
    fn shrinking_back_deletes_the_chunks() {
        let existing = cookies(&format!("{NAME}.0=aaa; {NAME}.1=b; other=1"));
        let set = write_chunked(
            NAME,
            "short",
            &CookieOptions::defaults(false),
            CHUNK_SIZE_AUTHJS,
            &existing,
        );
        assert_eq!(
            summary(&set),
            [
                (format!("{NAME}.0"), 0, true),
                (format!("{NAME}.1"), 0, true),
                (NAME.to_owned(), 5, false),
            ]
        );
        assert_eq!(
            set[0].header_value(),
            format!("{NAME}.0=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax")
        );
        assert_unique_names(&set);
    }

    #[test]
    fn growing_deletes_the_plain_cookie_and_overwrites_chunks_in_place() {
        let existing = cookies(&format!("{NAME}=old; {NAME}.2=x; {NAME}.0=y"));
        let set = write_chunked(NAME, "abcd", &CookieOptions::defaults(false), 2, &existing);
        assert_eq!(
            summary(&set),
            [
                (NAME.to_owned(), 0, true),
                (format!("{NAME}.2"), 0, true),
                (format!("{NAME}.0"), 2, false),
                (format!("{NAME}.1"), 2, false),
            ]
        );
        assert_unique_names(&set);
    }

    #[test]
    fn rewriting_the_plain_cookie_emits_it_once() {
        let existing = cookies(&format!("{NAME}=old"));
        let set = write_chunked(
            NAME,
            "new",
            &CookieOptions::defaults(true),
            CHUNK_SIZE_AUTHJS,
            &existing,
        );
        assert_eq!(summary(&set), [(NAME.to_owned(), 3, false)]);
        assert!(set[0].options.secure);
    }

    #[test]
    fn reading_reassembles_out_of_order_chunks_by_integer_index() {
        let c = cookies(&format!(
            "{NAME}.10=k; {NAME}.1=b; {NAME}.2=c; {NAME}.0=a; {NAME}.3=; {NAME}.01=no; {NAME}.x=no; {NAME}.-1=no; {NAME}x=no; {NAME}.0.1=no"
        ));
        assert_eq!(read_chunked(&c, NAME).as_deref(), Some("abck"));
    }

    #[test]
    fn reading_prefers_a_plain_cookie_and_gives_none_for_nothing() {
        assert_eq!(
            read_chunked(&cookies(&format!("{NAME}.0=chunk; {NAME}=plain")), NAME).as_deref(),
            Some("plain")
        );
        assert_eq!(
            read_chunked(&cookies(&format!("{NAME}=; {NAME}.0=chunk")), NAME).as_deref(),
            Some("chunk")
        );
        assert_eq!(read_chunked(&cookies("other=1"), NAME), None);
        assert_eq!(
            read_chunked(&cookies(&format!("{NAME}=; {NAME}.0=")), NAME),
            None
        );
    }

    #[test]
    fn round_trip_through_a_browser_with_non_ascii_and_encoded_characters() {
        let value: String = "jwe.ü|€/x ".repeat(50);
        let set = write_chunked(
            NAME,
            &value,
            &CookieOptions::defaults(false),
            // 500 characters in slices of 37: 14 chunks, within the cap.
            37,
            &RequestCookies::default(),
        );
        assert_eq!(set.len(), 14);
        assert_unique_names(&set);
        assert_eq!(read_chunked(&browser_after(&set), NAME), Some(value));
    }

    #[test]
    fn more_chunks_than_the_cap_are_refused() {
        let header = |count: usize| {
            (0..count)
                .map(|i| format!("{NAME}.{i}=c{i}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let at_cap = read_chunked(&cookies(&header(MAX_CHUNKS)), NAME).unwrap();
        assert!(
            at_cap.starts_with("c0c1c2") && at_cap.ends_with("c15"),
            "{at_cap}"
        );
        assert_eq!(read_chunked(&cookies(&header(MAX_CHUNKS + 1)), NAME), None);
        // Empty chunks count too: they cost a scan all the same.
        let padded = format!("{}; {NAME}.{MAX_CHUNKS}=", header(MAX_CHUNKS));
        assert_eq!(read_chunked(&cookies(&padded), NAME), None);
        // A plain cookie is read whatever else the request holds.
        let plain = format!("{}; {NAME}=plain", header(MAX_CHUNKS + 5));
        assert_eq!(
            read_chunked(&cookies(&plain), NAME).as_deref(),
            Some("plain")
        );
        // A value that fills every allowed chunk reads back whole.
        let value = "t".repeat(CHUNK_SIZE_NEXTAUTH_V4 * MAX_CHUNKS);
        let set = write_chunked(
            NAME,
            &value,
            &CookieOptions::defaults(false),
            CHUNK_SIZE_NEXTAUTH_V4,
            &RequestCookies::default(),
        );
        assert_eq!(set.len(), MAX_CHUNKS);
        assert_eq!(read_chunked(&browser_after(&set), NAME), Some(value));
    }

    #[test]
    fn clearing_deletes_plain_and_every_chunk() {
        let opts = CookieOptions::defaults(false);
        assert_eq!(
            summary(&clear_chunked(NAME, &opts, &RequestCookies::default())),
            [(NAME.to_owned(), 0, true)]
        );
        let existing = cookies(&format!("{NAME}.1=b; {NAME}=p; {NAME}.0=a"));
        let set = clear_chunked(NAME, &opts, &existing);
        assert_eq!(
            summary(&set),
            [
                (NAME.to_owned(), 0, true),
                (format!("{NAME}.0"), 0, true),
                (format!("{NAME}.1"), 0, true),
            ]
        );
        assert_unique_names(&set);
    }

    #[test]
    fn zero_chunk_size_does_not_loop_forever() {
        let set = write_chunked(
            "n",
            "ab",
            &CookieOptions::defaults(false),
            0,
            &RequestCookies::default(),
        );
        assert_eq!(
            summary(&set),
            [("n.0".to_owned(), 1, false), ("n.1".to_owned(), 1, false)]
        );
    }
}
