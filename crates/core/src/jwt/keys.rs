//! Content-encryption keys: HKDF-SHA256 derivation from a secret and a salt
//! (the cookie name), and the RFC 7638 thumbprint used as `kid`.
//!
//! Keys are derived once, when the codec is built; the raw key bytes are
//! wiped as soon as the expanded cipher state and the thumbprint exist.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hkdf::Hkdf;
use sha2::{Digest, Sha256, Sha512};
use zeroize::Zeroizing;

use super::JwtError;
use super::content::{ContentCipher, Enc};

/// Which library's derivation (and so which `info` string) to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kdf {
    /// Auth.js v5: `Auth.js Generated Encryption Key (<salt>)`.
    AuthJs,
    /// next-auth v4: `NextAuth.js Generated Encryption Key`, with
    /// ` (<salt>)` appended when the salt is not empty.
    NextAuthV4,
}

impl Kdf {
    /// The HKDF `info` for `salt`.
    pub(super) fn info(self, salt: &str) -> String {
        match self {
            Self::AuthJs => format!("Auth.js Generated Encryption Key ({salt})"),
            Self::NextAuthV4 if salt.is_empty() => "NextAuth.js Generated Encryption Key".into(),
            Self::NextAuthV4 => format!("NextAuth.js Generated Encryption Key ({salt})"),
        }
    }
}

/// HKDF-SHA256(IKM = `secret`, salt = `salt`, info = `kdf.info(salt)`),
/// `len` bytes.
pub(super) fn derive(
    kdf: Kdf,
    secret: &[u8],
    salt: &str,
    len: usize,
) -> Result<Zeroizing<Vec<u8>>, JwtError> {
    let mut okm = Zeroizing::new(vec![0u8; len]);
    Hkdf::<Sha256>::new(Some(salt.as_bytes()), secret)
        .expand(kdf.info(salt).as_bytes(), &mut okm)
        .map_err(|_| JwtError::InvalidConfig("HKDF output length out of range"))?;
    Ok(okm)
}

/// RFC 7638 thumbprint of the symmetric JWK `{"k":b64url(key),"kty":"oct"}`:
/// SHA-512 for a 64-byte key, SHA-256 otherwise, as base64url (Auth.js
/// picks the digest by key size, `sha<bits>`).
pub(super) fn thumbprint(key: &[u8]) -> String {
    let jwk = Zeroizing::new(format!(
        r#"{{"k":"{}","kty":"oct"}}"#,
        URL_SAFE_NO_PAD.encode(key)
    ));
    if key.len() == 64 {
        URL_SAFE_NO_PAD.encode(Sha512::digest(jwk.as_bytes()))
    } else {
        URL_SAFE_NO_PAD.encode(Sha256::digest(jwk.as_bytes()))
    }
}

/// One derived key: its `kid` and its expanded cipher.
#[derive(Clone)]
pub(super) struct ContentKey {
    pub(super) kid: String,
    pub(super) cipher: ContentCipher,
}

impl ContentKey {
    /// Derives the key for `enc` from `secret` and `salt`.
    pub(super) fn derive(kdf: Kdf, enc: Enc, secret: &[u8], salt: &str) -> Result<Self, JwtError> {
        let key = derive(kdf, secret, salt, enc.key_len())?;
        Ok(Self {
            kid: thumbprint(&key),
            cipher: ContentCipher::new(enc, &key)?,
        })
    }
}

/// Every key one secret yields for one salt: one per `enc` the codec reads.
#[derive(Clone)]
pub(super) struct SecretKeys {
    keys: Vec<ContentKey>,
}

impl SecretKeys {
    /// Derives a key for each of `encs`.
    pub(super) fn derive(
        kdf: Kdf,
        encs: &[Enc],
        secret: &[u8],
        salt: &str,
    ) -> Result<Self, JwtError> {
        let keys = encs
            .iter()
            .map(|&enc| ContentKey::derive(kdf, enc, secret, salt))
            .collect::<Result<_, _>>()?;
        Ok(Self { keys })
    }

    /// Prepares the key for `enc` (if any) for tokens whose protected
    /// header is `aad`; see [`ContentCipher::prepare_aad`].
    pub(super) fn prepare_aad(&mut self, enc: Enc, aad: &[u8]) {
        if let Some(key) = self.keys.iter_mut().find(|k| k.cipher.enc() == enc) {
            key.cipher.prepare_aad(aad);
        }
    }

    /// The key for `enc`, if this codec reads it.
    pub(super) fn for_enc(&self, enc: Enc) -> Option<&ContentKey> {
        self.keys.iter().find(|k| k.cipher.enc() == enc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_strings() {
        assert_eq!(
            Kdf::AuthJs.info("authjs.session-token"),
            "Auth.js Generated Encryption Key (authjs.session-token)"
        );
        assert_eq!(
            Kdf::NextAuthV4.info(""),
            "NextAuth.js Generated Encryption Key"
        );
        assert_eq!(
            Kdf::NextAuthV4.info("next-auth.state"),
            "NextAuth.js Generated Encryption Key (next-auth.state)"
        );
    }

    #[test]
    fn derivation_matches_an_independent_hkdf() {
        let got = derive(Kdf::AuthJs, b"secret", "authjs.session-token", 64).unwrap();
        let mut want = [0u8; 64];
        Hkdf::<Sha256>::new(Some(b"authjs.session-token"), b"secret")
            .expand(
                b"Auth.js Generated Encryption Key (authjs.session-token)",
                &mut want,
            )
            .unwrap();
        assert_eq!(&got[..], &want[..]);
        // The 32-byte key is the prefix of the 64-byte one (HKDF blocks).
        let short = derive(Kdf::AuthJs, b"secret", "authjs.session-token", 32).unwrap();
        assert_eq!(&short[..], &want[..32]);
    }

    #[test]
    fn thumbprint_length_follows_key_size() {
        assert_eq!(thumbprint(&[0u8; 64]).len(), 86);
        assert_eq!(thumbprint(&[0u8; 32]).len(), 43);
        assert_ne!(thumbprint(&[0u8; 64]), thumbprint(&[1u8; 64]));
    }

    #[test]
    fn secret_keys_cover_the_requested_encs() {
        let keys = SecretKeys::derive(Kdf::NextAuthV4, &[Enc::A256Gcm], b"s", "").unwrap();
        assert!(keys.for_enc(Enc::A256Gcm).is_some());
        assert!(keys.for_enc(Enc::A256CbcHs512).is_none());
    }
}
