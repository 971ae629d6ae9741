//! The session-token codec: Auth.js v5 and next-auth v4 encrypted JWTs, and
//! a signed-only JWS mode.
//!
//! The same mechanism protects the OAuth check cookies (state, PKCE
//! verifier, nonce): build one [`JwtCodec`] per cookie name, since the
//! cookie name is the key-derivation salt.
//!
//! | format | header | key |
//! |---|---|---|
//! | [`TokenFormat::AuthJs`] | `{"alg":"dir","enc":"A256CBC-HS512","kid":<thumbprint>}` | HKDF-SHA256(secret, salt, `Auth.js Generated Encryption Key (<salt>)`), 64 bytes |
//! | [`TokenFormat::NextAuthV4`] | `{"alg":"dir","enc":"A256GCM"}` | HKDF-SHA256(secret, salt, `NextAuth.js Generated Encryption Key[ (<salt>)]`), 32 bytes |
//! | [`TokenFormat::Signed`] | `{"typ":"JWT","alg":"HS512"}` (or HS256/HS384) | the bytes given; the engine gives the key it derives for this purpose ([`crate::keys::Purpose::SessionSigning`]), never the secret |
//! | [`JwtCodec::key_pair`] | `{"typ":"JWT","alg":"EdDSA"\|"ES256","kid":<thumbprint>}` | an Ed25519 or P-256 [`SigningKey`]; public keys as a JWKS ([`jwks`]) |
//!
//! Keys are derived once, in [`JwtCodec::new`]; encoding and decoding only
//! use them.
//!
//! ```
//! use keyway_core::jwt::{Claims, JwtCodec, TokenFormat};
//!
//! let codec = JwtCodec::new(TokenFormat::AuthJs, &["a long random secret"], "authjs.session-token")?;
//! let now = chrono::Utc::now();
//! let mut claims = Claims::new();
//! claims.insert("sub".into(), "1".into());
//! let token = codec.encode(claims, 30 * 24 * 3600, now)?;
//! let back = codec.decode(&token, now)?;
//! assert_eq!(back["sub"], "1");
//! # Ok::<(), keyway_core::jwt::JwtError>(())
//! ```

mod aes_cbc_hmac;
mod claims;
mod content;
mod error;
mod jwe;
mod jws;
mod keys;
mod memo;
mod session_claims;
mod signing_key;

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use error::JwtError;
pub(crate) use session_claims::SessionClaims;
pub(crate) use signing_key::split_pem_blocks;
pub use signing_key::{KeyAlgorithm, KeyError, PublicKey, SigningKey, jwks};

use jwe::{Flavour, Jwe};
use jws::Jws;

/// Allowed clock skew when checking `exp` and `nbf`, in seconds (as Auth.js).
pub const CLOCK_TOLERANCE_SECS: i64 = 15;

/// A token's claims: a JSON object.
pub type Claims = serde_json::Map<String, serde_json::Value>;

/// The HMAC algorithms of the signed-only mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JwsAlgorithm {
    /// HMAC with SHA-256.
    HS256,
    /// HMAC with SHA-384.
    HS384,
    /// HMAC with SHA-512 (the default).
    #[default]
    HS512,
}

/// Which token format a codec writes and reads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TokenFormat {
    /// Auth.js v5: compact JWE, `dir` + `A256CBC-HS512`, `kid` = RFC 7638
    /// thumbprint of the key. Also reads v5's `A256GCM` tokens. The default.
    #[default]
    AuthJs,
    /// next-auth v4: compact JWE, `dir` + `A256GCM`, no `kid`.
    NextAuthV4,
    /// A signed, unencrypted JWS with HMAC (readable by anyone holding the
    /// token, verifiable by anyone holding the key). The engine keys it with
    /// [`keys::derive`](crate::keys::derive)`(secret, Purpose::SessionSigning)`,
    /// not with the secret.
    Signed {
        /// The algorithm new tokens are signed with.
        algorithm: JwsAlgorithm,
        /// The algorithms accepted when decoding; empty means only
        /// `algorithm`. Must contain `algorithm` otherwise. A token signed
        /// with another algorithm fails with
        /// [`JwtError::AlgorithmNotAccepted`].
        accepted: Vec<JwsAlgorithm>,
    },
    /// A signed, unencrypted JWS made with an asymmetric key: built with
    /// [`JwtCodec::key_pair`] (the engine does so when a
    /// [`SigningKey`] is configured), never with secrets.
    KeyPair {
        /// The signing key's algorithm.
        algorithm: KeyAlgorithm,
    },
}

impl TokenFormat {
    /// [`TokenFormat::Signed`] with `algorithm`, accepting only it.
    pub fn signed(algorithm: JwsAlgorithm) -> Self {
        Self::Signed {
            algorithm,
            accepted: vec![algorithm],
        }
    }
}

/// Encodes and decodes session tokens (and check cookies) for one cookie
/// name.
///
/// Cheap to clone (the derived keys are shared). Its `Debug` output names
/// the format and salt and counts the secrets, never showing them.
#[derive(Clone)]
pub struct JwtCodec {
    inner: Arc<Inner>,
    /// Session claims of tokens already read ([`memo`]); shared by clones.
    memo: Option<Arc<memo::ReadMemo>>,
}

struct Inner {
    format: TokenFormat,
    salt: String,
    secret_count: usize,
    engine: Engine,
}

enum Engine {
    Jwe(Box<Jwe>),
    Jws(Box<Jws>),
}

impl JwtCodec {
    /// A codec for signed tokens made with an asymmetric key pair: `signing`
    /// signs (its `kid` in the header), and it and the `retired` public keys
    /// verify. Whoever holds only the public keys (the JWKS) can verify the
    /// tokens and forge none.
    pub fn key_pair(signing: &SigningKey, retired: &[PublicKey]) -> Self {
        Self {
            inner: Arc::new(Inner {
                format: TokenFormat::KeyPair {
                    algorithm: signing.algorithm(),
                },
                salt: String::new(),
                secret_count: 0,
                engine: Engine::Jws(Box::new(Jws::key_pair(signing, retired))),
            }),
            memo: None,
        }
    }

    /// Builds a codec, deriving every key now.
    ///
    /// - `secrets`: the first encrypts/signs; all are tried when decoding
    ///   (rotation: put the new secret first, keep the old ones after it).
    ///   Empty, or containing an empty secret: [`JwtError::NoSecret`].
    /// - `salt`: the cookie name (`authjs.session-token`,
    ///   `__Secure-authjs.session-token`, `authjs.pkce.code_verifier`, ...);
    ///   `""` for next-auth v4's session token. Ignored by
    ///   [`TokenFormat::Signed`].
    pub fn new(
        format: TokenFormat,
        secrets: &[impl AsRef<[u8]>],
        salt: &str,
    ) -> Result<Self, JwtError> {
        let secrets: Vec<&[u8]> = secrets.iter().map(AsRef::as_ref).collect();
        if secrets.is_empty() || secrets.iter().any(|s| s.is_empty()) {
            return Err(JwtError::NoSecret);
        }
        let engine = match &format {
            TokenFormat::AuthJs => {
                Engine::Jwe(Box::new(Jwe::new(Flavour::AuthJs, &secrets, salt)?))
            }
            TokenFormat::NextAuthV4 => {
                Engine::Jwe(Box::new(Jwe::new(Flavour::NextAuthV4, &secrets, salt)?))
            }
            TokenFormat::Signed {
                algorithm,
                accepted,
            } => Engine::Jws(Box::new(Jws::new(*algorithm, accepted, &secrets)?)),
            TokenFormat::KeyPair { .. } => {
                return Err(JwtError::InvalidConfig(
                    "a key-pair token format is built from a signing key (JwtCodec::key_pair)",
                ));
            }
        };
        Ok(Self {
            inner: Arc::new(Inner {
                format,
                salt: salt.to_owned(),
                secret_count: secrets.len(),
                engine,
            }),
            memo: None,
        })
    }

    /// The format this codec writes.
    pub fn format(&self) -> &TokenFormat {
        &self.inner.format
    }

    /// Encodes `claims` after setting `iat` = `now`, `exp` = `now` +
    /// `max_age_secs` and `jti` = a random UUID (previous values of those
    /// three are replaced; every other claim is kept).
    pub fn encode(
        &self,
        mut claims: Claims,
        max_age_secs: i64,
        now: DateTime<Utc>,
    ) -> Result<String, JwtError> {
        // The jti's bytes and the IV's, in one call to the OS CSPRNG.
        let random = crate::random::bytes::<{ 16 + content::MAX_IV_LEN }>();
        let (jti, iv) = random.split_at(16);
        let (mut jti_bytes, mut iv_bytes) = ([0u8; 16], [0u8; content::MAX_IV_LEN]);
        jti_bytes.copy_from_slice(jti);
        iv_bytes.copy_from_slice(iv);
        claims::stamp(&mut claims, max_age_secs, now, jti_bytes)?;
        match &self.inner.engine {
            Engine::Jwe(jwe) => {
                let payload = serde_json::to_vec(&claims)
                    .map_err(|_| JwtError::Encoding("claims could not be serialised"))?;
                jwe.encrypt(&iv_bytes, &payload)
            }
            Engine::Jws(jws) => jws.sign(&claims),
        }
    }

    /// Decrypts or verifies `token` and returns its claims.
    ///
    /// Fails on a wrong secret, any tampering, an unsupported header, a
    /// payload that is not a JSON object, a missing `exp`, `exp` more than
    /// [`CLOCK_TOLERANCE_SECS`] before `now`, or `nbf` more than that after.
    pub fn decode(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, JwtError> {
        let claims = match &self.inner.engine {
            Engine::Jwe(jwe) => claims::parse(&jwe.decrypt(token)?)?,
            Engine::Jws(jws) => jws.verify(token)?,
        };
        claims::check_times(&claims, now)?;
        Ok(claims)
    }

    /// This codec, remembering the session claims of up to `capacity`
    /// encrypted tokens it read ([`decode_session`](Self::decode_session)),
    /// so that reading one of them again costs a hash lookup instead of a
    /// decryption; `0` remembers none. See [`memo`] for what it keeps.
    pub(crate) fn with_read_memo(mut self, capacity: usize) -> Self {
        self.memo = memo::ReadMemo::new(capacity).map(Arc::new);
        self
    }

    /// [`decode`](Self::decode), keeping only the claims a session read
    /// uses: accepts and refuses exactly the same tokens, with the same
    /// errors, without building the claim map for an encrypted token.
    pub(crate) fn decode_session(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<SessionClaims, JwtError> {
        match &self.inner.engine {
            Engine::Jwe(jwe) => {
                if let Some(memo) = &self.memo
                    && let Some(known) = memo.get(token, now)
                {
                    return known;
                }
                let claims = SessionClaims::parse_checked(&jwe.decrypt(token)?, now)?;
                if let Some(memo) = &self.memo {
                    memo.put(token, &claims);
                }
                Ok(claims)
            }
            Engine::Jws(_) => self
                .decode(token, now)
                .map(|claims| SessionClaims::from_claims(&claims)),
        }
    }

    /// The session JSON the read memo keeps for an encrypted `token`; see
    /// [`memo::ReadMemo::session_json`]. `None` without a memo, for a
    /// signed token, or whenever the token must be read as usual.
    pub(crate) fn remembered_session_json(
        &self,
        token: &str,
        now: DateTime<Utc>,
        fresh: impl FnOnce(Option<i64>) -> bool,
        make: impl FnOnce(&SessionClaims) -> Option<bytes::Bytes>,
    ) -> Option<bytes::Bytes> {
        match (&self.inner.engine, &self.memo) {
            (Engine::Jwe(_), Some(memo)) => memo.session_json(token, now, fresh, make),
            _ => None,
        }
    }
}

impl fmt::Debug for JwtCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtCodec")
            .field("format", &self.inner.format)
            .field("salt", &self.inner.salt)
            .field(
                "secrets",
                &format_args!("<{} redacted>", self.inner.secret_count),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codec_is_send_sync_clone() {
        fn assert_bounds<T: Send + Sync + Clone + 'static>() {}
        assert_bounds::<JwtCodec>();
    }

    #[test]
    fn debug_never_shows_secrets_or_keys() {
        let secret = "super-secret-value-1234";
        let codec = JwtCodec::new(TokenFormat::AuthJs, &[secret], "authjs.session-token").unwrap();
        let shown = format!("{codec:?} {codec:#?}");
        assert!(!shown.contains(secret), "{shown}");
        assert!(
            shown.contains("AuthJs") && shown.contains("<1 redacted>"),
            "{shown}"
        );
        let key = keys::derive(
            keys::Kdf::AuthJs,
            secret.as_bytes(),
            "authjs.session-token",
            64,
        )
        .unwrap();
        assert!(!shown.contains(&keys::thumbprint(&key)), "{shown}");
    }

    #[test]
    fn empty_secrets_are_refused() {
        let none: [&str; 0] = [];
        assert_eq!(
            JwtCodec::new(TokenFormat::AuthJs, &none, "x").unwrap_err(),
            JwtError::NoSecret
        );
        assert_eq!(
            JwtCodec::new(TokenFormat::NextAuthV4, &["ok", ""], "x").unwrap_err(),
            JwtError::NoSecret
        );
        assert_eq!(
            JwtCodec::new(TokenFormat::signed(JwsAlgorithm::HS512), &none, "").unwrap_err(),
            JwtError::NoSecret
        );
    }

    #[test]
    fn signed_tokens_refuse_registered_claims_they_could_not_read_back() {
        // Found by the `session_token` fuzz target: an array `sub` signed,
        // then failed verification as malformed JSON.
        let now = chrono::Utc::now();
        let secrets = ["a-long-random-secret-value-0123456789"];
        let codec = JwtCodec::new(TokenFormat::signed(JwsAlgorithm::HS512), &secrets, "").unwrap();
        for (name, value) in [
            ("sub", serde_json::json!([0, 2.5])),
            ("sub", serde_json::json!(7)),
            ("iss", serde_json::json!({"a": 1})),
            ("aud", serde_json::json!([1, 2])),
            ("aud", serde_json::json!(true)),
        ] {
            let mut claims = Claims::new();
            claims.insert(name.to_owned(), value.clone());
            let e = codec.encode(claims, 60, now).unwrap_err();
            assert!(matches!(e, JwtError::Encoding(_)), "{name}={value}: {e:?}");
        }
        // The shapes it reads sign and read back.
        let mut claims = Claims::new();
        claims.insert("sub".into(), "A{\"sub\": [0, 2.5\t]}".into());
        claims.insert("iss".into(), "https://example.com".into());
        claims.insert("aud".into(), serde_json::json!(["a", "b"]));
        let token = codec.encode(claims.clone(), 60, now).unwrap();
        let back = codec.decode(&token, now).unwrap();
        for (name, value) in &claims {
            assert_eq!(back.get(name), Some(value), "{name}");
        }
        // The encrypted formats carry any JSON.
        for format in [TokenFormat::AuthJs, TokenFormat::NextAuthV4] {
            let codec = JwtCodec::new(format, &secrets, "authjs.session-token").unwrap();
            let mut claims = Claims::new();
            claims.insert("sub".into(), serde_json::json!([0, 2.5]));
            let token = codec.encode(claims.clone(), 60, now).unwrap();
            assert_eq!(
                codec.decode(&token, now).unwrap().get("sub"),
                claims.get("sub")
            );
        }
    }

    #[test]
    fn numbers_in_claims_survive_a_round_trip_exactly() {
        // Found by the `session_token` fuzz target: without exact float
        // parsing, 1.0000000000000001e73 came back as 1e73.
        let now = chrono::Utc::now();
        let secrets = ["a-long-random-secret-value-0123456789"];
        for format in [
            TokenFormat::AuthJs,
            TokenFormat::NextAuthV4,
            TokenFormat::signed(JwsAlgorithm::HS256),
        ] {
            let codec = JwtCodec::new(format.clone(), &secrets, "authjs.session-token").unwrap();
            let mut claims = Claims::new();
            for (i, n) in [
                1.000_000_000_000_000_1e73,
                0.1 + 0.2,
                5e-324,
                f64::MAX,
                -1.5e300,
            ]
            .into_iter()
            .enumerate()
            {
                claims.insert(format!("n{i}"), n.into());
            }
            let token = codec.encode(claims.clone(), 60, now).unwrap();
            let back = codec.decode(&token, now).unwrap();
            for (name, value) in &claims {
                assert_eq!(back.get(name), Some(value), "{format:?} {name}");
            }
        }
    }

    #[test]
    fn default_format_is_authjs_and_default_algorithm_hs512() {
        assert_eq!(TokenFormat::default(), TokenFormat::AuthJs);
        assert_eq!(JwsAlgorithm::default(), JwsAlgorithm::HS512);
    }
}
