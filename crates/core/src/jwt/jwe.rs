//! Compact JWE with direct key agreement (`"alg":"dir"`), as Auth.js v5 and
//! next-auth v4 write their session tokens:
//! `b64u(header) . "" . b64u(iv) . b64u(ciphertext) . b64u(tag)`, the
//! additional authenticated data being the ASCII of the first segment.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use super::JwtError;
use super::content::{Enc, MAX_IV_LEN};
use super::keys::{ContentKey, Kdf, SecretKeys};

/// Which library's tokens to write and read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flavour {
    /// Auth.js v5: writes `A256CBC-HS512` with a `kid`; reads that and
    /// `A256GCM`, choosing the secret by `kid`.
    AuthJs,
    /// next-auth v4: writes and reads `A256GCM`, no `kid`.
    NextAuthV4,
}

impl Flavour {
    fn kdf(self) -> Kdf {
        match self {
            Self::AuthJs => Kdf::AuthJs,
            Self::NextAuthV4 => Kdf::NextAuthV4,
        }
    }

    /// The `enc` written, then any others read.
    fn encs(self) -> &'static [Enc] {
        match self {
            Self::AuthJs => &[Enc::A256CbcHs512, Enc::A256Gcm],
            Self::NextAuthV4 => &[Enc::A256Gcm],
        }
    }
}

/// The protected header fields the codec looks at.
#[derive(Deserialize)]
struct Header<'a> {
    #[serde(borrow)]
    alg: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    enc: std::borrow::Cow<'a, str>,
    #[serde(default, borrow)]
    kid: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    zip: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    crit: Option<serde::de::IgnoredAny>,
}

/// Encrypts and decrypts compact JWEs with keys derived at construction.
#[derive(Clone)]
pub(super) struct Jwe {
    flavour: Flavour,
    /// The base64url protected header every token this codec writes carries.
    header_b64: String,
    /// The first secret's key for the written `enc`.
    writer: ContentKey,
    /// Keys for every secret, in configuration order.
    secrets: Vec<SecretKeys>,
}

impl Jwe {
    /// Derives every key for `secrets` (non-empty, checked by the caller).
    pub(super) fn new(flavour: Flavour, secrets: &[&[u8]], salt: &str) -> Result<Self, JwtError> {
        let mut secrets = secrets
            .iter()
            .map(|s| SecretKeys::derive(flavour.kdf(), flavour.encs(), s, salt))
            .collect::<Result<Vec<_>, _>>()?;
        let write_enc = flavour.encs()[0];
        let kid = secrets
            .first()
            .and_then(|keys| keys.for_enc(write_enc))
            .map(|key| key.kid.clone())
            .ok_or(JwtError::NoSecret)?;
        let header = match flavour {
            Flavour::AuthJs => format!(
                r#"{{"alg":"dir","enc":"{}","kid":"{kid}"}}"#,
                write_enc.name()
            ),
            Flavour::NextAuthV4 => format!(r#"{{"alg":"dir","enc":"{}"}}"#, write_enc.name()),
        };
        let header_b64 = URL_SAFE_NO_PAD.encode(header);
        // Every token this codec writes, and so nearly every token it reads,
        // starts with this header: hash it once for the writing key.
        if let Some(first) = secrets.first_mut() {
            first.prepare_aad(write_enc, header_b64.as_bytes());
        }
        let writer = secrets
            .first()
            .and_then(|keys| keys.for_enc(write_enc))
            .cloned()
            .ok_or(JwtError::NoSecret)?;
        Ok(Self {
            flavour,
            header_b64,
            writer,
            secrets,
        })
    }

    /// Encrypts `payload` with the first secret, the IV taken from `random`
    /// (fresh random bytes).
    pub(super) fn encrypt(
        &self,
        random: &[u8; MAX_IV_LEN],
        payload: &[u8],
    ) -> Result<String, JwtError> {
        let sealed =
            self.writer
                .cipher
                .seal_with_iv(random, self.header_b64.as_bytes(), payload)?;
        let b64_len = |n: usize| n.div_ceil(3) * 4;
        let mut token = String::with_capacity(
            self.header_b64.len()
                + 4
                + b64_len(sealed.iv.len())
                + b64_len(sealed.ciphertext.len())
                + b64_len(sealed.tag.len()),
        );
        token.push_str(&self.header_b64);
        token.push_str("..");
        URL_SAFE_NO_PAD.encode_string(&sealed.iv, &mut token);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&sealed.ciphertext, &mut token);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&sealed.tag, &mut token);
        Ok(token)
    }

    /// Checks the header, picks the key(s) and decrypts.
    pub(super) fn decrypt(&self, token: &str) -> Result<Vec<u8>, JwtError> {
        let mut parts = token.split('.');
        let (Some(header_b64), Some(encrypted_key), Some(iv), Some(ciphertext), Some(tag), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(JwtError::Malformed("a compact JWE has five segments"));
        };
        let header_json;
        let (enc, kid) = if header_b64 == self.header_b64 {
            // The header this codec writes (nearly every token it reads):
            // its fields are known, no need to decode and parse them again.
            (self.flavour.encs()[0], self.writer_kid())
        } else {
            header_json = b64(header_b64)?;
            let header: Header<'_> = serde_json::from_slice(&header_json)
                .map_err(|_| JwtError::Malformed("protected header is not a valid JSON object"))?;
            if header.alg != "dir" {
                return Err(JwtError::UnsupportedHeader("`alg` must be `dir`"));
            }
            let enc = Enc::from_name(&header.enc)
                .filter(|enc| self.flavour.encs().contains(enc))
                .ok_or(JwtError::UnsupportedHeader("`enc` is not accepted"))?;
            if header.zip.is_some() {
                return Err(JwtError::UnsupportedHeader("compression is not supported"));
            }
            if header.crit.is_some() {
                return Err(JwtError::UnsupportedHeader(
                    "no critical extension is supported",
                ));
            }
            (enc, header.kid)
        };
        if !encrypted_key.is_empty() {
            return Err(JwtError::Malformed(
                "direct encryption has no encrypted key",
            ));
        }
        let (iv, ciphertext, tag) = (b64(iv)?, b64(ciphertext)?, b64(tag)?);
        let aad = header_b64.as_bytes();
        let mut candidates = self.secrets.iter().filter_map(|keys| keys.for_enc(enc));
        match (self.flavour, kid) {
            // v5 names the key: only the secret whose thumbprint matches.
            (Flavour::AuthJs, Some(kid)) => candidates
                .find(|key| key.kid == kid)
                .ok_or(JwtError::Decryption)?
                .cipher
                .open(&iv, aad, &ciphertext, &tag),
            // No kid (or v4, which ignores it): try each secret in turn.
            _ => candidates
                .find_map(|key| key.cipher.open(&iv, aad, &ciphertext, &tag).ok())
                .ok_or(JwtError::Decryption),
        }
    }
}

impl Jwe {
    /// The `kid` of the header this codec writes, if it writes one.
    fn writer_kid(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self.flavour {
            Flavour::AuthJs => Some(std::borrow::Cow::Borrowed(self.writer.kid.as_str())),
            Flavour::NextAuthV4 => None,
        }
    }
}

fn b64(segment: &str) -> Result<Vec<u8>, JwtError> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| JwtError::Malformed("a segment is not valid base64url"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_of(token: &str) -> String {
        let first = token.split('.').next().unwrap();
        String::from_utf8(URL_SAFE_NO_PAD.decode(first).unwrap()).unwrap()
    }

    #[test]
    fn v4_header_is_exact_and_round_trips() {
        let jwe = Jwe::new(Flavour::NextAuthV4, &[b"s"], "").unwrap();
        let token = jwe.encrypt(&crate::random::bytes(), b"{}").unwrap();
        assert_eq!(header_of(&token), r#"{"alg":"dir","enc":"A256GCM"}"#);
        assert_eq!(jwe.decrypt(&token).unwrap(), b"{}");
    }

    #[test]
    fn header_checks() {
        let jwe = Jwe::new(Flavour::AuthJs, &[b"s"], "salt").unwrap();
        let token = jwe.encrypt(&crate::random::bytes(), b"{}").unwrap();
        let rest = token.split_once('.').unwrap().1;
        let with_header = |h: &str| format!("{}.{rest}", URL_SAFE_NO_PAD.encode(h));
        let cases = [
            (r#"{"alg":"A256KW","enc":"A256GCM"}"#, "alg"),
            (r#"{"alg":"dir","enc":"A128GCM"}"#, "enc"),
            (r#"{"alg":"dir","enc":"A256GCM","zip":"DEF"}"#, "zip"),
            (r#"{"alg":"dir","enc":"A256GCM","crit":["x"]}"#, "crit"),
        ];
        for (header, what) in cases {
            assert!(
                matches!(
                    jwe.decrypt(&with_header(header)),
                    Err(JwtError::UnsupportedHeader(_))
                ),
                "{what}"
            );
        }
        for header in [
            r#"{"enc":"A256GCM"}"#,
            "[]",
            r#"{"alg":"dir","enc":"A256GCM","kid":1}"#,
        ] {
            assert!(matches!(
                jwe.decrypt(&with_header(header)),
                Err(JwtError::Malformed(_))
            ));
        }
    }

    #[test]
    fn v4_refuses_cbc() {
        let v5 = Jwe::new(Flavour::AuthJs, &[b"s"], "").unwrap();
        let v4 = Jwe::new(Flavour::NextAuthV4, &[b"s"], "").unwrap();
        assert!(matches!(
            v4.decrypt(&v5.encrypt(&crate::random::bytes(), b"{}").unwrap()),
            Err(JwtError::UnsupportedHeader(_))
        ));
    }

    #[test]
    fn segment_count_and_encrypted_key_are_checked() {
        let jwe = Jwe::new(Flavour::AuthJs, &[b"s"], "salt").unwrap();
        let token = jwe.encrypt(&crate::random::bytes(), b"{}").unwrap();
        assert!(matches!(jwe.decrypt("a.b.c"), Err(JwtError::Malformed(_))));
        assert!(matches!(
            jwe.decrypt(&format!("{token}.x")),
            Err(JwtError::Malformed(_))
        ));
        let with_key = token.replacen("..", ".AAAA.", 1);
        assert!(matches!(
            jwe.decrypt(&with_key),
            Err(JwtError::Malformed(_))
        ));
    }
}
