//! Keys kept apart: every purpose for which keyway alone reads a value gets
//! its own key, derived from the secret with HKDF-SHA256 and a label of its
//! own, once, when the engine is built.
//!
//! A service handed one of these keys (say the HMAC key that verifies
//! signed session tokens) can do that one thing: it cannot forge OAuth
//! check cookies, one-time codes or rate-limit keys, and it never learns the
//! secret.
//!
//! | purpose | key |
//! |---|---|
//! | signed session tokens (`HS256`/`HS384`/`HS512`) | [`Purpose::SessionSigning`], 64 bytes |
//! | OAuth state / PKCE / nonce cookies and the one-time code cookie | [`Purpose::CheckCookies`], 64 bytes, then Auth.js's own derivation salted with each cookie's name |
//! | one-time code rows (nonce, code hash) | [`Purpose::EmailCode`], 32 bytes |
//! | rate-limit counter keys | [`Purpose::RateLimit`], 32 bytes |
//! | the session cookie cache ([`AuthBuilder::session_cache`](crate::AuthBuilder::session_cache)) | [`Purpose::SessionCache`], 32 bytes |
//!
//! Every derivation is `HKDF-SHA256(IKM = secret, salt = "keyway", info =
//! <label>)`; the labels are [`Purpose::label`].
//!
//! Three values keep Auth.js's format, because an Auth.js app sharing the
//! secret (and the cookies or the database) reads them:
//!
//! - the encrypted session token (JWE, v5 and v4): Auth.js's own HKDF
//!   derivation with the cookie name as salt;
//! - the CSRF cookie's hash, `sha256(token ‖ secret)`;
//! - the stored verification-token hash, `sha256(token ‖ secret)`.
//!
//! With several secrets (`AUTH_SECRET_1..3`, rotation) each secret yields
//! its own set: the first secret's keys write, every secret's keys read.

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::random;

/// The HKDF salt of every keyway derivation.
const SALT: &[u8] = b"keyway";

/// What a derived key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Purpose {
    /// Signs and verifies signed-only (HMAC) session tokens.
    SessionSigning,
    /// Seals the OAuth check cookies (state, PKCE verifier, nonce) and the
    /// one-time code cookie.
    CheckCookies,
    /// Keys the HMACs behind one-time codes (per-message nonce, stored code
    /// hash).
    EmailCode,
    /// Keys the hash of identifiers in rate-limit counter keys.
    RateLimit,
    /// Signs the cookie that caches a database session read.
    SessionCache,
}

impl Purpose {
    /// Every purpose.
    pub const ALL: [Purpose; 5] = [
        Self::SessionSigning,
        Self::CheckCookies,
        Self::EmailCode,
        Self::RateLimit,
        Self::SessionCache,
    ];

    /// The HKDF `info` label of this purpose.
    pub const fn label(self) -> &'static str {
        match self {
            Self::SessionSigning => "keyway session token signing key (HMAC)",
            Self::CheckCookies => "keyway check cookie key",
            Self::EmailCode => "keyway one-time code key",
            Self::RateLimit => "keyway rate limit key",
            Self::SessionCache => "keyway session cache key",
        }
    }

    /// The length of this purpose's key, in bytes.
    pub const fn key_len(self) -> usize {
        match self {
            Self::SessionSigning | Self::CheckCookies => 64,
            Self::EmailCode | Self::RateLimit | Self::SessionCache => 32,
        }
    }
}

/// Derives the key of `purpose` from `secret`:
/// `HKDF-SHA256(IKM = secret, salt = "keyway", info = purpose.label())`.
///
/// A service that verifies keyway's HMAC-signed session tokens
/// ([`TokenFormat::Signed`](crate::jwt::TokenFormat::Signed) with an `HS`
/// algorithm) uses `derive(secret, Purpose::SessionSigning)` as its HMAC key,
/// never the secret itself. Services that should hold no secret at all
/// verify asymmetric tokens against the JWKS instead.
///
/// ```
/// use keyway_core::keys::{Purpose, derive};
///
/// let signing = derive(b"a long random secret", Purpose::SessionSigning);
/// let cookies = derive(b"a long random secret", Purpose::CheckCookies);
/// assert_eq!(signing.len(), 64);
/// assert_ne!(signing[..32], cookies[..32]);
/// ```
pub fn derive(secret: &[u8], purpose: Purpose) -> Zeroizing<Vec<u8>> {
    let mut okm = Zeroizing::new(vec![0u8; purpose.key_len()]);
    // Lengths are at most 64 bytes, far below HKDF-SHA256's 8160: expand
    // cannot fail, and a zero key would only ever follow a bug.
    if Hkdf::<Sha256>::new(Some(SALT), secret)
        .expand(purpose.label().as_bytes(), &mut okm)
        .is_err()
    {
        okm.fill(0);
    }
    okm
}

/// The derived keys of one engine, per secret (first writes, all read).
pub(crate) struct Keys {
    session_signing: Vec<Zeroizing<Vec<u8>>>,
    check_cookies: Vec<Zeroizing<Vec<u8>>>,
    email_code: Vec<Zeroizing<Vec<u8>>>,
    rate_limit: Zeroizing<Vec<u8>>,
    session_cache: Vec<Zeroizing<Vec<u8>>>,
}

impl Keys {
    /// Derives every purpose's keys from `secrets` (at least one).
    pub(crate) fn derive(secrets: &[impl AsRef<[u8]>]) -> Self {
        let all =
            |p: Purpose| -> Vec<_> { secrets.iter().map(|s| derive(s.as_ref(), p)).collect() };
        Self {
            session_signing: all(Purpose::SessionSigning),
            check_cookies: all(Purpose::CheckCookies),
            email_code: all(Purpose::EmailCode),
            session_cache: all(Purpose::SessionCache),
            // Counters are written and read with one key: after a rotation
            // they start again, once.
            rate_limit: secrets
                .first()
                .map(|s| derive(s.as_ref(), Purpose::RateLimit))
                .unwrap_or_default(),
        }
    }

    /// Signing keys of HMAC session tokens, the writing one first.
    pub(crate) fn session_signing(&self) -> &[Zeroizing<Vec<u8>>] {
        &self.session_signing
    }

    /// Keys of the check cookies, the writing one first.
    pub(crate) fn check_cookies(&self) -> &[Zeroizing<Vec<u8>>] {
        &self.check_cookies
    }

    /// One-time code keys, the writing one first.
    pub(crate) fn email_code(&self) -> &[Zeroizing<Vec<u8>>] {
        &self.email_code
    }

    /// Keys of the session cache cookie, the writing one first.
    pub(crate) fn session_cache(&self) -> &[Zeroizing<Vec<u8>>] {
        &self.session_cache
    }

    /// The counter key of `purpose` and `identifier`:
    /// `<purpose>:<hex HMAC-SHA256(rate-limit key, identifier)>`, 64 hex
    /// digits after the purpose, so no identifier is ever stored.
    pub(crate) fn counter_key(&self, purpose: &str, identifier: &str) -> String {
        let digest = mac(&self.rate_limit, &[identifier]);
        format!("{purpose}:{}", random::to_hex(&digest))
    }
}

/// `HMAC-SHA256(key, part₀ ‖ 0 ‖ part₁ ‖ 0 ‖ ...)`.
pub(crate) fn mac(key: &[u8], parts: &[&str]) -> [u8; 32] {
    // HMAC takes a key of any length.
    let Ok(mut m) = <Hmac<Sha256> as Mac>::new_from_slice(key) else {
        return [0; 32];
    };
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            m.update(b"\0");
        }
        m.update(part.as_bytes());
    }
    m.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_purpose_gets_a_different_key_and_none_is_the_secret() {
        let secret = b"a-long-random-secret-value-0123456789";
        let keys: Vec<_> = Purpose::ALL.iter().map(|&p| derive(secret, p)).collect();
        for (i, a) in keys.iter().enumerate() {
            assert_eq!(a.len(), Purpose::ALL[i].key_len());
            assert!(!a.windows(8).any(|w| secret.windows(8).any(|s| s == w)));
            for b in &keys[i + 1..] {
                assert_ne!(a[..32], b[..32]);
            }
        }
    }

    #[test]
    fn derivation_matches_an_independent_hkdf() {
        let mut want = [0u8; 64];
        Hkdf::<Sha256>::new(Some(b"keyway"), b"s")
            .expand(b"keyway session token signing key (HMAC)", &mut want)
            .expect("64 bytes");
        assert_eq!(&derive(b"s", Purpose::SessionSigning)[..], &want[..]);
    }

    #[test]
    fn each_secret_has_its_own_keys_and_the_first_writes() {
        let keys = Keys::derive(&["first-secret", "second-secret"]);
        assert_eq!(keys.session_signing().len(), 2);
        assert_eq!(
            keys.session_signing()[0],
            derive(b"first-secret", Purpose::SessionSigning)
        );
        assert_ne!(keys.check_cookies()[0], keys.check_cookies()[1]);
        let k = keys.counter_key("email-send", "ada@example.com");
        assert!(k.starts_with("email-send:") && k.len() == 11 + 64, "{k}");
        assert!(!k.contains("ada"));
        assert_ne!(k, keys.counter_key("email-send", "bob@example.com"));
        assert_ne!(
            k,
            Keys::derive(&["other"]).counter_key("email-send", "ada@example.com")
        );
    }

    #[test]
    fn mac_separates_parts() {
        assert_ne!(mac(b"k", &["a", "b"]), mac(b"k", &["ab"]));
        assert_ne!(mac(b"k", &["a"]), mac(b"j", &["a"]));
    }
}
