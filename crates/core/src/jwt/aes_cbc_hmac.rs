//! `A256CBC-HS512` (RFC 7518 §5.2): AES-256-CBC with PKCS#7 padding,
//! authenticated by HMAC-SHA-512 truncated to 256 bits, composed from the
//! RustCrypto primitives.

use aes::Aes256;
use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, InnerIvInit, KeyInit};
use hmac::{Hmac, Mac};
use sha2::Sha512;

use super::JwtError;

/// Length of the combined key: MAC key then encryption key.
pub(super) const KEY_LEN: usize = 64;
/// Length of the initialisation vector (one AES block).
pub(super) const IV_LEN: usize = 16;
/// Length of the authentication tag (half the HMAC-SHA-512 output).
pub(super) const TAG_LEN: usize = 32;

/// A ready-to-use `A256CBC-HS512` key.
///
/// Both halves are expanded once: the HMAC state already holds the keyed
/// inner/outer pads and the AES key schedule is computed, so a call only
/// clones them.
#[derive(Clone)]
pub(super) struct AesCbcHmac {
    mac: Hmac<Sha512>,
    aes: Aes256,
    /// The MAC state after the additional authenticated data every token of
    /// this key carries (its protected header), so that the header's blocks
    /// are hashed once, not on every encryption and decryption.
    prepared: Option<(Box<[u8]>, Hmac<Sha512>)>,
}

impl AesCbcHmac {
    /// Splits `key` (64 bytes) into MAC key (first 32) and ENC key (last 32).
    pub(super) fn new(key: &[u8]) -> Result<Self, JwtError> {
        if key.len() != KEY_LEN {
            return Err(JwtError::InvalidConfig("A256CBC-HS512 needs a 64-byte key"));
        }
        let (mac_key, enc_key) = key.split_at(KEY_LEN / 2);
        let mac = <Hmac<Sha512> as Mac>::new_from_slice(mac_key)
            .map_err(|_| JwtError::InvalidConfig("HMAC key setup failed"))?;
        let aes = Aes256::new_from_slice(enc_key)
            .map_err(|_| JwtError::InvalidConfig("AES key setup failed"))?;
        Ok(Self {
            mac,
            aes,
            prepared: None,
        })
    }

    /// Remembers the MAC state after `aad`; later calls whose AAD is exactly
    /// `aad` start from it (same result, fewer hash blocks).
    pub(super) fn prepare_aad(&mut self, aad: &[u8]) {
        let mut mac = self.mac.clone();
        mac.update(aad);
        self.prepared = Some((aad.into(), mac));
    }

    /// Encrypts `plaintext`; returns the ciphertext and the tag.
    pub(super) fn encrypt(
        &self,
        iv: &[u8; IV_LEN],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<(Vec<u8>, [u8; TAG_LEN]), JwtError> {
        let ciphertext = cbc::Encryptor::<Aes256>::inner_iv_slice_init(self.aes.clone(), iv)
            .map_err(|_| JwtError::Encoding("bad IV length"))?
            .encrypt_padded_vec_mut::<Pkcs7>(plaintext);
        let full = self.mac_over(aad, iv, &ciphertext);
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&full.finalize().into_bytes()[..TAG_LEN]);
        Ok((ciphertext, tag))
    }

    /// Verifies `tag` in constant time, and only then decrypts.
    pub(super) fn decrypt(
        &self,
        iv: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
        tag: &[u8],
    ) -> Result<Vec<u8>, JwtError> {
        if iv.len() != IV_LEN || tag.len() != TAG_LEN {
            return Err(JwtError::Decryption);
        }
        self.mac_over(aad, iv, ciphertext)
            .verify_truncated_left(tag)
            .map_err(|_| JwtError::Decryption)?;
        cbc::Decryptor::<Aes256>::inner_iv_slice_init(self.aes.clone(), iv)
            .map_err(|_| JwtError::Decryption)?
            .decrypt_padded_vec_mut::<Pkcs7>(ciphertext)
            .map_err(|_| JwtError::Decryption)
    }

    /// HMAC over `AAD || IV || ciphertext || AL`, AL = AAD length in bits
    /// as a 64-bit big-endian integer.
    fn mac_over(&self, aad: &[u8], iv: &[u8], ciphertext: &[u8]) -> Hmac<Sha512> {
        let mut mac = match &self.prepared {
            Some((prepared, state)) if **prepared == *aad => state.clone(),
            _ => {
                let mut mac = self.mac.clone();
                mac.update(aad);
                mac
            }
        };
        mac.update(iv);
        mac.update(ciphertext);
        let aad_bits = (aad.len() as u64).wrapping_mul(8);
        mac.update(&aad_bits.to_be_bytes());
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 7518 §5.2.6, "Test Cases for AES_256_CBC_HMAC_SHA_512".
    struct Vector {
        k: Vec<u8>,
        p: Vec<u8>,
        iv: [u8; IV_LEN],
        a: Vec<u8>,
        c: Vec<u8>,
        t: Vec<u8>,
    }

    fn rfc7518_5_2_6() -> Vector {
        let iv: [u8; IV_LEN] = hex("1a f3 8c 2d c2 b9 6f fd d8 66 94 09 23 41 bc 04")
            .try_into()
            .unwrap();
        Vector {
            k: hex("00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f
                    10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f
                    20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f
                    30 31 32 33 34 35 36 37 38 39 3a 3b 3c 3d 3e 3f"),
            p: hex("41 20 63 69 70 68 65 72 20 73 79 73 74 65 6d 20
                    6d 75 73 74 20 6e 6f 74 20 62 65 20 72 65 71 75
                    69 72 65 64 20 74 6f 20 62 65 20 73 65 63 72 65
                    74 2c 20 61 6e 64 20 69 74 20 6d 75 73 74 20 62
                    65 20 61 62 6c 65 20 74 6f 20 66 61 6c 6c 20 69
                    6e 74 6f 20 74 68 65 20 68 61 6e 64 73 20 6f 66
                    20 74 68 65 20 65 6e 65 6d 79 20 77 69 74 68 6f
                    75 74 20 69 6e 63 6f 6e 76 65 6e 69 65 6e 63 65"),
            iv,
            a: hex("54 68 65 20 73 65 63 6f 6e 64 20 70 72 69 6e 63
                    69 70 6c 65 20 6f 66 20 41 75 67 75 73 74 65 20
                    4b 65 72 63 6b 68 6f 66 66 73"),
            c: hex("4a ff aa ad b7 8c 31 c5 da 4b 1b 59 0d 10 ff bd
                    3d d8 d5 d3 02 42 35 26 91 2d a0 37 ec bc c7 bd
                    82 2c 30 1d d6 7c 37 3b cc b5 84 ad 3e 92 79 c2
                    e6 d1 2a 13 74 b7 7f 07 75 53 df 82 94 10 44 6b
                    36 eb d9 70 66 29 6a e6 42 7e a7 5c 2e 08 46 a1
                    1a 09 cc f5 37 0d c8 0b fe cb ad 28 c7 3f 09 b3
                    a3 b7 5e 66 2a 25 94 41 0a e4 96 b2 e2 e6 60 9e
                    31 e6 e0 2c c8 37 f0 53 d2 1f 37 ff 4f 51 95 0b
                    be 26 38 d0 9d d7 a4 93 09 30 80 6d 07 03 b1 f6"),
            t: hex("4d d3 b4 c0 88 a7 f4 5c 21 68 39 64 5b 20 12 bf
                    2e 62 69 a8 c5 6a 81 6d bc 1b 26 77 61 95 5b c5"),
        }
    }

    #[test]
    fn rfc7518_vector_encrypts_to_c_and_t() {
        let v = rfc7518_5_2_6();
        let key = AesCbcHmac::new(&v.k).unwrap();
        let (c, t) = key.encrypt(&v.iv, &v.a, &v.p).unwrap();
        assert_eq!(c, v.c);
        assert_eq!(t.to_vec(), v.t);
    }

    #[test]
    fn rfc7518_vector_decrypts_to_p() {
        let v = rfc7518_5_2_6();
        let key = AesCbcHmac::new(&v.k).unwrap();
        assert_eq!(key.decrypt(&v.iv, &v.a, &v.c, &v.t).unwrap(), v.p);
    }

    #[test]
    fn any_flipped_bit_fails_authentication() {
        let v = rfc7518_5_2_6();
        let key = AesCbcHmac::new(&v.k).unwrap();
        let mut a = v.a.clone();
        a[0] ^= 1;
        assert_eq!(
            key.decrypt(&v.iv, &a, &v.c, &v.t),
            Err(JwtError::Decryption)
        );
        let mut iv = v.iv;
        iv[15] ^= 0x80;
        assert_eq!(
            key.decrypt(&iv, &v.a, &v.c, &v.t),
            Err(JwtError::Decryption)
        );
        let mut c = v.c.clone();
        c[40] ^= 4;
        assert_eq!(
            key.decrypt(&v.iv, &v.a, &c, &v.t),
            Err(JwtError::Decryption)
        );
        let mut t = v.t.clone();
        t[31] ^= 1;
        assert_eq!(
            key.decrypt(&v.iv, &v.a, &v.c, &t),
            Err(JwtError::Decryption)
        );
        // A truncated tag that is a correct prefix must not pass either.
        assert_eq!(
            key.decrypt(&v.iv, &v.a, &v.c, &v.t[..16]),
            Err(JwtError::Decryption)
        );
    }

    #[test]
    fn a_prepared_aad_gives_the_same_tags() {
        let v = rfc7518_5_2_6();
        let plain = AesCbcHmac::new(&v.k).unwrap();
        let mut prepared = plain.clone();
        prepared.prepare_aad(&v.a);
        // The prepared AAD, and another one, both ways round.
        for aad in [&v.a[..], b"another header", b""] {
            let (c1, t1) = plain.encrypt(&v.iv, aad, &v.p).unwrap();
            let (c2, t2) = prepared.encrypt(&v.iv, aad, &v.p).unwrap();
            assert_eq!((&c1, t1), (&c2, t2));
            assert_eq!(prepared.decrypt(&v.iv, aad, &c1, &t1).unwrap(), v.p);
            assert_eq!(plain.decrypt(&v.iv, aad, &c2, &t2).unwrap(), v.p);
        }
        let (c, t) = prepared.encrypt(&v.iv, &v.a, &v.p).unwrap();
        assert_eq!((c, t.to_vec()), (v.c.clone(), v.t.clone()));
        // A prefix of the prepared AAD is a different AAD.
        assert_eq!(
            prepared.decrypt(&v.iv, &v.a[..v.a.len() - 1], &v.c, &v.t),
            Err(JwtError::Decryption)
        );
    }

    #[test]
    fn wrong_key_length_is_refused() {
        assert!(AesCbcHmac::new(&[0u8; 32]).is_err());
    }
}
