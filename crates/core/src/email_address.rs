//! Email addresses as email sign-in sees them: one normal form, so that
//! `Alice@Example.COM ` and `alice@example.com` are the same user.
//!
//! ```
//! use keyway_core::email_address::normalize;
//!
//! assert_eq!(normalize("  Alice@Example.COM ").as_deref(), Some("alice@example.com"));
//! assert_eq!(normalize("not an address"), None);
//! ```

use unicode_normalization::UnicodeNormalization;

/// The longest address accepted, in bytes (after normalising).
pub const MAX_LEN: usize = 320;

/// Rounds of NFKC and lower-casing tried before an address is refused.
const MAX_ROUNDS: usize = 4;

/// Normalises an email address as Auth.js does: NFKC, trimmed, lower case,
/// exactly one `@` with non-empty parts, no `"`, the domain cut at a `,`.
/// `None` for anything that is not an address by those rules, holds
/// whitespace or a control character, or is longer than [`MAX_LEN`] bytes.
///
/// The result is its own normal form: normalising it again gives it back.
/// The engine normalises every address an email sign-in posts before it
/// sends, stores or looks anything up; an application that matches users
/// by email itself can use the same function.
pub fn normalize(raw: &str) -> Option<String> {
    let mut s: String = raw.nfkc().collect::<String>().trim().to_lowercase();
    // Lower-casing can undo NFKC (`İ` becomes `i` and a combining dot, which
    // must be reordered against a following mark), so both run again until
    // neither changes anything: the result is then its own normal form. Two
    // rounds settle every string seen; one that never settles is refused.
    let mut settled = false;
    for _ in 0..MAX_ROUNDS {
        let next = s.nfkc().collect::<String>().to_lowercase();
        if next == s {
            settled = true;
            break;
        }
        s = next;
    }
    if !settled || s.contains('"') || s.len() > MAX_LEN || s.chars().any(char::is_control) {
        return None;
    }
    let (local, domain) = s.split_once('@')?;
    let domain = domain.split(',').next().unwrap_or_default();
    if local.is_empty()
        || domain.is_empty()
        || domain.contains('@')
        || s.contains(char::is_whitespace)
    {
        return None;
    }
    Some(format!("{local}@{domain}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalised() {
        assert_eq!(
            normalize("  Alice@Example.COM ").as_deref(),
            Some("alice@example.com")
        );
        assert_eq!(
            normalize("bob@example.com,evil.com").as_deref(),
            Some("bob@example.com")
        );
        assert_eq!(
            normalize("ａｌｉｃｅ@example.com").as_deref(),
            Some("alice@example.com")
        );
        for bad in [
            "",
            "nobody",
            "@example.com",
            "a@",
            "a@b@c",
            "\"a\"@b.c",
            "a b@c.d",
            "a@\u{7}b.c",
            "a@,b.c",
        ] {
            assert_eq!(normalize(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn normalising_twice_changes_nothing() {
        // Found by the `email_address` fuzz target: `İ` lower-cases to `i`
        // and U+0307, which NFKC must then order after U+0337.
        let found = "a@0ZZZZZ(ZZZZ\u{130}\u{337};Z";
        for raw in [
            found,
            "\u{130}stanbul@example.com",
            "x@\u{130}\u{301}\u{337}.example",
            "\u{212a}elvin@example.com",
            "ﬀ@example.com",
        ] {
            let once = normalize(raw).unwrap_or_else(|| panic!("{raw:?} refused"));
            assert_eq!(normalize(&once).as_deref(), Some(once.as_str()), "{raw:?}");
            assert_eq!(once.to_lowercase(), once);
        }
        assert_eq!(
            normalize(found).as_deref(),
            Some("a@0zzzzz(zzzzi\u{337}\u{307};z")
        );
    }
}
