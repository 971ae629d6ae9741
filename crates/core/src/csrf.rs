//! Auth.js's double-submit CSRF token.
//!
//! The token (32 random bytes, lower-case hex) is given to the page (`GET
//! /csrf`, the built-in forms) and kept in a cookie as `token|hash`, where
//! `hash` is the lower-case hex SHA-256 of `token` followed by the secret. A
//! POST is genuine when its body's `csrfToken` equals the token of a cookie
//! whose hash verifies: a cross-site page can make the browser send the
//! cookie but can neither read it nor forge a hash without the secret.

use std::fmt;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::random;

/// Length of the token and of the hash, in hex characters.
const HEX_LEN: usize = 64;

/// The CSRF token of one request.
///
/// `Debug` never shows the token.
///
/// ```
/// use keyway_core::csrf::CsrfToken;
///
/// let minted = CsrfToken::from_cookie_or_new(None, "secret");
/// let cookie = minted.cookie_value_to_set().map(str::to_owned);
///
/// // The next request sends the cookie back: same token, no new cookie.
/// let again = CsrfToken::from_cookie_or_new(cookie.as_deref(), "secret");
/// assert_eq!(again.token(), minted.token());
/// assert_eq!(again.cookie_value_to_set(), None);
/// assert!(again.verify(Some(minted.token())));
/// ```
#[derive(Clone)]
pub struct CsrfToken {
    token: String,
    /// `token|hash`, only when the token was minted for this request.
    new_cookie: Option<String>,
}

impl CsrfToken {
    /// The token of the CSRF cookie `cookie_value` (decoded, `token|hash`) if
    /// its hash verifies against `secret`, else a freshly minted token.
    ///
    /// `secret` is the string Auth.js hashes with (for several secrets,
    /// Auth.js v5 joins them with commas).
    pub fn from_cookie_or_new(cookie_value: Option<&str>, secret: &str) -> Self {
        if let Some(token) = cookie_value.and_then(|v| verified_token(v, secret)) {
            return CsrfToken {
                token: token.to_owned(),
                new_cookie: None,
            };
        }
        let token = random::hex(HEX_LEN / 2);
        let new_cookie = format!("{token}|{}", hash(&token, secret));
        CsrfToken {
            token,
            new_cookie: Some(new_cookie),
        }
    }

    /// The token, for `GET /csrf` and the forms' hidden `csrfToken` field.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The cookie value `token|hash` to set, only when the token was minted
    /// for this request (no valid cookie came with it).
    pub fn cookie_value_to_set(&self) -> Option<&str> {
        self.new_cookie.as_deref()
    }

    /// Whether the body's `csrfToken` equals this token (constant time);
    /// `false` for `None`. A freshly minted token matches nothing a client
    /// could have sent before, so requests without a valid cookie fail.
    pub fn verify(&self, submitted: Option<&str>) -> bool {
        submitted.is_some_and(|s| bool::from(s.as_bytes().ct_eq(self.token.as_bytes())))
    }
}

impl fmt::Debug for CsrfToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsrfToken")
            .field("token", &"[redacted]")
            .field("minted", &self.new_cookie.is_some())
            .finish()
    }
}

/// The token of `cookie_value` when it is `<64 hex>|<64 hex>` and the hash
/// matches.
fn verified_token<'a>(cookie_value: &'a str, secret: &str) -> Option<&'a str> {
    let (token, given) = cookie_value.split_once('|')?;
    if !is_lower_hex(token) || !is_lower_hex(given) {
        return None;
    }
    let expected = hex_digest(token, secret);
    same_hex(given.as_bytes(), &expected).then_some(token)
}

/// Whether `given` equals `expected`, in time independent of where they
/// differ: the bytes are compared eight at a time, every word folded into
/// one difference, and only that is compared (through `subtle`).
fn same_hex(given: &[u8], expected: &[u8; HEX_LEN]) -> bool {
    if given.len() != HEX_LEN {
        return false;
    }
    let word = |chunk: &[u8]| {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        u64::from_ne_bytes(w)
    };
    let diff = given
        .chunks_exact(8)
        .zip(expected.chunks_exact(8))
        .fold(0u64, |diff, (g, e)| diff | (word(g) ^ word(e)));
    bool::from(diff.ct_eq(&0))
}

/// The lower-case hex SHA-256 of `token` followed by `secret`, on the stack.
fn hex_digest(token: &str, secret: &str) -> [u8; HEX_LEN] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::new()
        .chain_update(token.as_bytes())
        .chain_update(secret.as_bytes())
        .finalize();
    let mut out = [0u8; HEX_LEN];
    for (pair, byte) in out.chunks_exact_mut(2).zip(digest.iter()) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0x0f)];
    }
    out
}

fn is_lower_hex(s: &str) -> bool {
    // Every byte is checked (no early exit): a loop the compiler can
    // vectorise.
    s.len() == HEX_LEN
        && s.bytes().fold(true, |ok, b| {
            ok & ((b.wrapping_sub(b'0') < 10) | (b.wrapping_sub(b'a') < 6))
        })
}

/// Lower-case hex SHA-256 of `token` followed by `secret`.
fn hash(token: &str, secret: &str) -> String {
    hex_digest(token, secret)
        .iter()
        .map(|&b| char::from(b))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use super::*;

    const SECRET: &str = "a-test-secret";
    /// A fixed token and its hash with `SECRET`, computed outside this code:
    /// `printf '%s' "$TOKEN$SECRET" | sha256sum`.
    const TOKEN: &str = "adf58e8f4157a4c3bbf2e1f0d1c2b3a4958677869504132231405f6e7d8c9bab";
    const HASH: &str = "ce542ff4bef3386c2355d09f61bf1c562c4128b754e3efa3fd49143f9e10d9e1";

    fn is_cookie_format(v: &str) -> bool {
        let bytes = v.as_bytes();
        bytes.len() == 129 && bytes[64] == b'|' && is_lower_hex(&v[..64]) && is_lower_hex(&v[65..])
    }

    #[test]
    fn without_a_cookie_a_token_is_minted_with_its_hash() {
        let t = CsrfToken::from_cookie_or_new(None, SECRET);
        let cookie = t.cookie_value_to_set().unwrap();
        assert!(is_cookie_format(cookie), "{cookie}");
        assert_eq!(&cookie[..64], t.token());
        let independent = random::to_hex(&Sha256::digest(format!("{}{SECRET}", t.token())));
        assert_eq!(&cookie[65..], independent);
        let other = CsrfToken::from_cookie_or_new(None, SECRET);
        assert_ne!(other.token(), t.token());
    }

    #[test]
    fn hash_matches_an_external_sha256() {
        assert_eq!(hash(TOKEN, SECRET), HASH);
        let t = CsrfToken::from_cookie_or_new(Some(&format!("{TOKEN}|{HASH}")), SECRET);
        assert_eq!(t.token(), TOKEN);
        assert_eq!(t.cookie_value_to_set(), None);
    }

    #[test]
    fn a_cookie_that_does_not_verify_gives_a_new_token() {
        let zeros = "0".repeat(64);
        let upper = HASH.to_uppercase();
        let bad = [
            format!("{TOKEN}|{zeros}"),
            format!("{TOKEN}|{upper}"),
            format!("{TOKEN}|{HASH}|extra"),
            format!("{TOKEN}{HASH}"),
            format!("|{HASH}"),
            TOKEN.to_owned(),
            String::new(),
        ];
        for cookie in &bad {
            let t = CsrfToken::from_cookie_or_new(Some(cookie), SECRET);
            assert_ne!(t.token(), TOKEN, "{cookie}");
            assert!(is_cookie_format(t.cookie_value_to_set().unwrap()));
        }
        let other_secret =
            CsrfToken::from_cookie_or_new(Some(&format!("{TOKEN}|{HASH}")), "another");
        assert_ne!(other_secret.token(), TOKEN);
    }

    #[test]
    fn the_hash_comparison_sees_a_difference_in_any_byte() {
        let expected = hex_digest(TOKEN, SECRET);
        assert!(same_hex(HASH.as_bytes(), &expected));
        for i in 0..HEX_LEN {
            let mut changed = HASH.as_bytes().to_vec();
            changed[i] = if changed[i] == b'0' { b'1' } else { b'0' };
            assert!(!same_hex(&changed, &expected), "byte {i}");
        }
        assert!(!same_hex(&HASH.as_bytes()[..63], &expected));
        assert!(!same_hex(format!("{HASH}0").as_bytes(), &expected));
        assert!(!same_hex(b"", &expected));
        for bad in ["g", "A", "/", ":", "`", "|"] {
            let token = format!("{bad}{}", &TOKEN[1..]);
            assert!(!is_lower_hex(&token), "{bad}");
        }
        assert!(is_lower_hex(TOKEN));
        assert!(!is_lower_hex(&TOKEN[1..]));
    }

    #[test]
    fn verify_compares_with_the_submitted_token() {
        let t = CsrfToken::from_cookie_or_new(Some(&format!("{TOKEN}|{HASH}")), SECRET);
        assert!(t.verify(Some(TOKEN)));
        assert!(!t.verify(None));
        assert!(!t.verify(Some("")));
        assert!(!t.verify(Some(&TOKEN[..63])));
        assert!(!t.verify(Some(&format!("{TOKEN}|{HASH}"))));
        assert!(!t.verify(Some(&TOKEN.to_uppercase())));
        let minted = CsrfToken::from_cookie_or_new(None, SECRET);
        assert!(!minted.verify(Some(TOKEN)));
        assert!(minted.verify(Some(minted.token())));
    }

    #[test]
    fn debug_hides_the_token() {
        let t = CsrfToken::from_cookie_or_new(Some(&format!("{TOKEN}|{HASH}")), SECRET);
        let shown = format!("{t:?}");
        assert!(!shown.contains(&TOKEN[..16]));
    }
}
