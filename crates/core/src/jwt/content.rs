//! The two JWE content-encryption algorithms (`enc`) Auth.js uses, behind
//! one type.

use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce, Tag};

use super::JwtError;
use super::aes_cbc_hmac::{self, AesCbcHmac};

/// A JWE `enc` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Enc {
    /// `A256CBC-HS512`, Auth.js v5's choice.
    A256CbcHs512,
    /// `A256GCM`, next-auth v4's choice (also read by v5).
    A256Gcm,
}

impl Enc {
    /// The header value.
    pub(super) const fn name(self) -> &'static str {
        match self {
            Self::A256CbcHs512 => "A256CBC-HS512",
            Self::A256Gcm => "A256GCM",
        }
    }

    /// Parses a header value.
    pub(super) fn from_name(name: &str) -> Option<Self> {
        match name {
            "A256CBC-HS512" => Some(Self::A256CbcHs512),
            "A256GCM" => Some(Self::A256Gcm),
            _ => None,
        }
    }

    /// Length of the content-encryption key in bytes.
    pub(super) const fn key_len(self) -> usize {
        match self {
            Self::A256CbcHs512 => aes_cbc_hmac::KEY_LEN,
            Self::A256Gcm => 32,
        }
    }

    /// Length of the IV to generate.
    const fn iv_len(self) -> usize {
        match self {
            Self::A256CbcHs512 => aes_cbc_hmac::IV_LEN,
            Self::A256Gcm => GCM_IV_LEN,
        }
    }
}

const GCM_IV_LEN: usize = 12;
/// The longest IV of the two `enc`s: random bytes a seal needs.
pub(super) const MAX_IV_LEN: usize = aes_cbc_hmac::IV_LEN;
const GCM_TAG_LEN: usize = 16;

/// The output of one encryption: IV, ciphertext, tag.
pub(super) struct Sealed {
    pub(super) iv: Vec<u8>,
    pub(super) ciphertext: Vec<u8>,
    pub(super) tag: Vec<u8>,
}

/// A content-encryption key, expanded once.
#[derive(Clone)]
pub(super) enum ContentCipher {
    /// `A256CBC-HS512` (both variants boxed: they hold key schedules and
    /// hash states several hundred bytes long).
    CbcHs512(Box<AesCbcHmac>),
    /// `A256GCM`.
    Gcm(Box<Aes256Gcm>),
}

impl ContentCipher {
    /// Expands `key` for `enc`.
    pub(super) fn new(enc: Enc, key: &[u8]) -> Result<Self, JwtError> {
        match enc {
            Enc::A256CbcHs512 => AesCbcHmac::new(key).map(|k| Self::CbcHs512(Box::new(k))),
            Enc::A256Gcm => Aes256Gcm::new_from_slice(key)
                .map(|k| Self::Gcm(Box::new(k)))
                .map_err(|_| JwtError::InvalidConfig("A256GCM needs a 32-byte key")),
        }
    }

    /// The `enc` this key serves.
    pub(super) fn enc(&self) -> Enc {
        match self {
            Self::CbcHs512(_) => Enc::A256CbcHs512,
            Self::Gcm(_) => Enc::A256Gcm,
        }
    }

    /// See [`AesCbcHmac::prepare_aad`]; nothing to prepare for `A256GCM`.
    pub(super) fn prepare_aad(&mut self, aad: &[u8]) {
        if let Self::CbcHs512(key) = self {
            key.prepare_aad(aad);
        }
    }

    /// Encrypts `plaintext` under a fresh random IV.
    #[cfg(test)]
    pub(super) fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Sealed, JwtError> {
        self.seal_with_iv(&crate::random::bytes::<MAX_IV_LEN>(), aad, plaintext)
    }

    /// Encrypts `plaintext` under an IV taken from `random`, fresh random
    /// bytes (at least [`MAX_IV_LEN`]; the caller draws them together with
    /// its other random values, in one call to the OS).
    pub(super) fn seal_with_iv(
        &self,
        random: &[u8; MAX_IV_LEN],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Sealed, JwtError> {
        match self {
            Self::CbcHs512(key) => {
                let mut iv = [0u8; aes_cbc_hmac::IV_LEN];
                iv.copy_from_slice(&random[..aes_cbc_hmac::IV_LEN]);
                let (ciphertext, tag) = key.encrypt(&iv, aad, plaintext)?;
                Ok(Sealed {
                    iv: iv.to_vec(),
                    ciphertext,
                    tag: tag.to_vec(),
                })
            }
            Self::Gcm(key) => {
                let iv = &random[..GCM_IV_LEN];
                let mut buffer = plaintext.to_vec();
                let tag = key
                    .encrypt_in_place_detached(Nonce::from_slice(iv), aad, &mut buffer)
                    .map_err(|_| JwtError::Encoding("A256GCM encryption failed"))?;
                Ok(Sealed {
                    iv: iv.to_vec(),
                    ciphertext: buffer,
                    tag: tag.to_vec(),
                })
            }
        }
    }

    /// Authenticates and decrypts; any mismatch is [`JwtError::Decryption`].
    pub(super) fn open(
        &self,
        iv: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
        tag: &[u8],
    ) -> Result<Vec<u8>, JwtError> {
        if iv.len() != self.enc().iv_len() {
            return Err(JwtError::Decryption);
        }
        match self {
            Self::CbcHs512(key) => key.decrypt(iv, aad, ciphertext, tag),
            Self::Gcm(key) => {
                if tag.len() != GCM_TAG_LEN {
                    return Err(JwtError::Decryption);
                }
                let mut buffer = ciphertext.to_vec();
                key.decrypt_in_place_detached(
                    Nonce::from_slice(iv),
                    aad,
                    &mut buffer,
                    Tag::from_slice(tag),
                )
                .map_err(|_| JwtError::Decryption)?;
                Ok(buffer)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for enc in [Enc::A256CbcHs512, Enc::A256Gcm] {
            assert_eq!(Enc::from_name(enc.name()), Some(enc));
        }
        assert_eq!(Enc::from_name("A128GCM"), None);
    }

    #[test]
    fn gcm_seals_and_opens_and_rejects_tampering() {
        let key = ContentCipher::new(Enc::A256Gcm, &[7u8; 32]).unwrap();
        let sealed = key.seal(b"aad", b"hello").unwrap();
        assert_eq!(sealed.iv.len(), 12);
        assert_eq!(sealed.tag.len(), 16);
        assert_eq!(
            key.open(&sealed.iv, b"aad", &sealed.ciphertext, &sealed.tag)
                .unwrap(),
            b"hello"
        );
        assert_eq!(
            key.open(&sealed.iv, b"aaD", &sealed.ciphertext, &sealed.tag),
            Err(JwtError::Decryption)
        );
        assert_eq!(
            key.open(&sealed.iv[..11], b"aad", &sealed.ciphertext, &sealed.tag),
            Err(JwtError::Decryption)
        );
    }

    #[test]
    fn ivs_are_fresh() {
        let key = ContentCipher::new(Enc::A256CbcHs512, &[1u8; 64]).unwrap();
        let a = key.seal(b"", b"x").unwrap();
        let b = key.seal(b"", b"x").unwrap();
        assert_eq!(a.iv.len(), 16);
        assert_ne!(a.iv, b.iv);
        assert_ne!(a.ciphertext, b.ciphertext);
    }

    #[test]
    fn wrong_key_lengths_are_refused() {
        assert!(ContentCipher::new(Enc::A256Gcm, &[0u8; 64]).is_err());
        assert!(ContentCipher::new(Enc::A256CbcHs512, &[0u8; 32]).is_err());
    }
}
