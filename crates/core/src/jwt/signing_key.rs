//! Asymmetric session-token keys: an Ed25519 (`EdDSA`) or P-256 (`ES256`)
//! private key signs, and its public half, published as a JWKS document,
//! lets any other service verify sessions without holding a secret.
//!
//! Keys are read from PEM: a private key in PKCS#8 (`-----BEGIN PRIVATE
//! KEY-----`, what `openssl genpkey` writes), or for a retired key only its
//! public half (`-----BEGIN PUBLIC KEY-----`, SubjectPublicKeyInfo). ring
//! parses and checks the key; signing goes through `jsonwebtoken`. Each key's
//! `kid` is its RFC 7638 JWK thumbprint (SHA-256, base64url).
//!
//! ```text
//! openssl genpkey -algorithm ed25519 -out session-key.pem
//! openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out session-key.pem
//! ```

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _,
};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The algorithm of an asymmetric session-token key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// Ed25519 signatures (`"alg":"EdDSA"`, JWK `kty` `OKP`, `crv` `Ed25519`).
    EdDSA,
    /// ECDSA on P-256 with SHA-256 (`"alg":"ES256"`, JWK `kty` `EC`, `crv`
    /// `P-256`).
    ES256,
}

impl KeyAlgorithm {
    /// The JOSE `alg` name (`"EdDSA"`, `"ES256"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::EdDSA => "EdDSA",
            Self::ES256 => "ES256",
        }
    }

    pub(super) fn to_jsonwebtoken(self) -> Algorithm {
        match self {
            Self::EdDSA => Algorithm::EdDSA,
            Self::ES256 => Algorithm::ES256,
        }
    }
}

/// Why a key could not be read. Never shows key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(String);

impl KeyError {
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

// DER object identifiers, as they appear in PKCS#8 and SPKI.
const OID_ED25519: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];
const OID_EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// The fixed SPKI prefix of an Ed25519 public key (RFC 8410), before its 32
/// bytes.
const SPKI_ED25519: &[u8] = &[
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];
/// The fixed SPKI prefix of an uncompressed P-256 public key, before its 65
/// bytes (`04 ‖ x ‖ y`).
const SPKI_P256: &[u8] = &[
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The algorithm named by a PKCS#8 or SPKI structure's OIDs.
fn algorithm_of(der: &[u8]) -> Result<KeyAlgorithm, KeyError> {
    if contains(der, OID_ED25519) {
        Ok(KeyAlgorithm::EdDSA)
    } else if contains(der, OID_EC_PUBLIC_KEY) && contains(der, OID_P256) {
        Ok(KeyAlgorithm::ES256)
    } else {
        Err(KeyError::new(
            "unsupported key type: use an Ed25519 or P-256 key \
             (openssl genpkey -algorithm ed25519)",
        ))
    }
}

/// One PEM block: its tag and DER bytes.
fn parse_pem(pem_text: &str) -> Result<pem::Pem, KeyError> {
    // Environment variables often hold PEM with literal `\n`.
    let text = pem_text.trim().replace("\\n", "\n");
    pem::parse(text.as_bytes())
        .map_err(|_| KeyError::new("not a PEM key (expected -----BEGIN PRIVATE KEY-----)"))
}

/// Splits text holding any number of PEM blocks into each block's text.
pub(crate) fn split_pem_blocks(text: &str) -> Vec<String> {
    let text = text.replace("\\n", "\n");
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if line.starts_with("-----END ") {
            out.push(std::mem::take(&mut current));
        }
    }
    out
}

/// The public half of a session-token key: verifies tokens and is published
/// in the JWKS document.
#[derive(Clone)]
pub struct PublicKey {
    algorithm: KeyAlgorithm,
    kid: String,
    /// The JWK members that define the key (`crv`, `kty`, `x`[, `y`]).
    x: String,
    y: Option<String>,
    decoding: DecodingKey,
}

impl PublicKey {
    fn new(algorithm: KeyAlgorithm, point: &[u8]) -> Result<Self, KeyError> {
        let (x, y) = match algorithm {
            KeyAlgorithm::EdDSA if point.len() == 32 => (URL_SAFE_NO_PAD.encode(point), None),
            KeyAlgorithm::ES256 if point.len() == 65 && point[0] == 4 => (
                URL_SAFE_NO_PAD.encode(&point[1..33]),
                Some(URL_SAFE_NO_PAD.encode(&point[33..])),
            ),
            _ => return Err(KeyError::new("malformed public key")),
        };
        let decoding = match &y {
            None => DecodingKey::from_ed_components(&x),
            Some(y) => DecodingKey::from_ec_components(&x, y),
        }
        .map_err(|_| KeyError::new("malformed public key"))?;
        let mut key = Self {
            algorithm,
            kid: String::new(),
            x,
            y,
            decoding,
        };
        key.kid = key.thumbprint();
        Ok(key)
    }

    /// Reads a public key from PEM: SubjectPublicKeyInfo (`PUBLIC KEY`), or
    /// a PKCS#8 private key (`PRIVATE KEY`), of which only the public half is
    /// kept.
    pub fn from_pem(pem_text: &str) -> Result<Self, KeyError> {
        let block = parse_pem(pem_text)?;
        match block.tag() {
            "PUBLIC KEY" => {
                let der = block.contents();
                let (algorithm, point) = if let Some(p) = der.strip_prefix(SPKI_ED25519) {
                    (KeyAlgorithm::EdDSA, p)
                } else if let Some(p) = der.strip_prefix(SPKI_P256) {
                    (KeyAlgorithm::ES256, p)
                } else {
                    return Err(KeyError::new(
                        "unsupported public key: use an Ed25519 or P-256 key",
                    ));
                };
                Self::new(algorithm, point)
            }
            "PRIVATE KEY" => Ok(SigningKey::from_pem(pem_text)?.public_key().clone()),
            other => Err(KeyError::new(format!(
                "a {other:?} PEM block is not a key keyway reads: use PUBLIC KEY or PRIVATE KEY \
                 (PKCS#8; convert with `openssl pkcs8 -topk8 -nocrypt`)"
            ))),
        }
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The key id: the RFC 7638 JWK thumbprint (SHA-256, base64url).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public JWK, with `kid`, `alg` and `use: "sig"`.
    pub fn to_jwk(&self) -> serde_json::Value {
        let mut jwk = serde_json::Map::new();
        match self.algorithm {
            KeyAlgorithm::EdDSA => {
                jwk.insert("kty".into(), "OKP".into());
                jwk.insert("crv".into(), "Ed25519".into());
            }
            KeyAlgorithm::ES256 => {
                jwk.insert("kty".into(), "EC".into());
                jwk.insert("crv".into(), "P-256".into());
            }
        }
        jwk.insert("x".into(), self.x.clone().into());
        if let Some(y) = &self.y {
            jwk.insert("y".into(), y.clone().into());
        }
        jwk.insert("kid".into(), self.kid.clone().into());
        jwk.insert("alg".into(), self.algorithm.as_str().into());
        jwk.insert("use".into(), "sig".into());
        serde_json::Value::Object(jwk)
    }

    /// RFC 7638: SHA-256 of the required members in lexicographic order,
    /// without spaces.
    fn thumbprint(&self) -> String {
        let canonical = match (&self.algorithm, &self.y) {
            (KeyAlgorithm::ES256, Some(y)) => {
                format!(r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{y}"}}"#, self.x)
            }
            _ => format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#, self.x),
        };
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
    }

    pub(super) fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("algorithm", &self.algorithm)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// A private session-token key (Ed25519 or P-256): signs session tokens;
/// its [public half](SigningKey::public_key) verifies them.
///
/// Its `Debug` output shows the algorithm and `kid`, never the key.
#[derive(Clone)]
pub struct SigningKey {
    encoding: EncodingKey,
    public: PublicKey,
}

impl SigningKey {
    /// Reads a PKCS#8 private key (`-----BEGIN PRIVATE KEY-----`) from PEM,
    /// Ed25519 or P-256. Literal `\n` sequences (as environment variables
    /// often hold them) are read as line breaks.
    ///
    /// Errors name what is wrong (not PEM, another key type, a SEC1 `EC
    /// PRIVATE KEY` that needs converting) and never show key material.
    pub fn from_pem(pem_text: &str) -> Result<Self, KeyError> {
        let block = parse_pem(pem_text)?;
        if block.tag() != "PRIVATE KEY" {
            return Err(KeyError::new(format!(
                "a {:?} PEM block is not a PKCS#8 private key: convert it with \
                 `openssl pkcs8 -topk8 -nocrypt`",
                block.tag()
            )));
        }
        let der = Zeroizing::new(block.into_contents());
        let algorithm = algorithm_of(&der)?;
        let point = match algorithm {
            KeyAlgorithm::EdDSA => Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der)
                .map_err(|_| KeyError::new("invalid Ed25519 private key"))?
                .public_key()
                .as_ref()
                .to_vec(),
            KeyAlgorithm::ES256 => EcdsaKeyPair::from_pkcs8(
                &ECDSA_P256_SHA256_FIXED_SIGNING,
                &der,
                &SystemRandom::new(),
            )
            .map_err(|_| KeyError::new("invalid P-256 private key"))?
            .public_key()
            .as_ref()
            .to_vec(),
        };
        let encoding = match algorithm {
            KeyAlgorithm::EdDSA => EncodingKey::from_ed_der(&der),
            KeyAlgorithm::ES256 => EncodingKey::from_ec_der(&der),
        };
        Ok(Self {
            encoding,
            public: PublicKey::new(algorithm, &point)?,
        })
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.public.algorithm
    }

    /// The key id (the public key's thumbprint).
    pub fn kid(&self) -> &str {
        &self.public.kid
    }

    /// The public half.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    pub(super) fn encoding(&self) -> &EncodingKey {
        &self.encoding
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.public.algorithm)
            .field("kid", &self.public.kid)
            .finish_non_exhaustive()
    }
}

/// The JWKS document (`{"keys":[...]}`) of `keys`, in order.
pub fn jwks<'a>(keys: impl IntoIterator<Item = &'a PublicKey>) -> serde_json::Value {
    serde_json::json!({ "keys": keys.into_iter().map(PublicKey::to_jwk).collect::<Vec<_>>() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_finds_every_block() {
        let text = "-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----\\n\n\
                    -----BEGIN PUBLIC KEY-----\nBBBB\n-----END PUBLIC KEY-----\n";
        let blocks = split_pem_blocks(text);
        assert_eq!(blocks.len(), 2);
        assert!(blocks[1].contains("BBBB"));
    }

    #[test]
    fn garbage_is_a_clear_error() {
        assert!(SigningKey::from_pem("hello").is_err());
        let e = SigningKey::from_pem(
            "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("pkcs8"), "{e}");
        assert!(
            PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
                .is_err()
        );
    }
}
