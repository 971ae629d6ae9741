//! Signed-only session tokens (JWS) through the `jsonwebtoken` crate, for
//! services that must read the token themselves: HMAC keyed by a key
//! derived for this purpose ([`crate::keys`]), or an Ed25519 / P-256 key pair
//! whose public keys are published as a JWKS document.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};

use super::signing_key::{PublicKey, SigningKey};
use super::{Claims, JwsAlgorithm, JwtError};

impl JwsAlgorithm {
    fn to_jsonwebtoken(self) -> Algorithm {
        match self {
            Self::HS256 => Algorithm::HS256,
            Self::HS384 => Algorithm::HS384,
            Self::HS512 => Algorithm::HS512,
        }
    }
}

/// Signs with the first key; verifies with each key in turn (or, for key
/// pairs, the one whose `kid` the token names).
#[derive(Clone)]
pub(super) struct Jws {
    header: Header,
    signing: EncodingKey,
    verifying: Vec<Verifier>,
    validation: Validation,
}

/// A key that verifies, with its `kid` and algorithm for key pairs.
#[derive(Clone)]
struct Verifier {
    kid: Option<String>,
    algorithm: Option<Algorithm>,
    key: DecodingKey,
}

impl Jws {
    /// Builds the keys once; `accepted` empty means only `algorithm`.
    pub(super) fn new(
        algorithm: JwsAlgorithm,
        accepted: &[JwsAlgorithm],
        secrets: &[&[u8]],
    ) -> Result<Self, JwtError> {
        if !accepted.is_empty() && !accepted.contains(&algorithm) {
            return Err(JwtError::InvalidConfig(
                "the signing algorithm must be one of the accepted algorithms",
            ));
        }
        let first = secrets.first().ok_or(JwtError::NoSecret)?;
        let mut validation = Validation::new(algorithm.to_jsonwebtoken());
        if !accepted.is_empty() {
            validation.algorithms = accepted.iter().map(|a| a.to_jsonwebtoken()).collect();
        }
        // Time claims are checked by the codec against the caller's `now`.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        Ok(Self {
            header: Header::new(algorithm.to_jsonwebtoken()),
            signing: EncodingKey::from_secret(first),
            verifying: secrets
                .iter()
                .map(|s| Verifier {
                    kid: None,
                    algorithm: None,
                    key: DecodingKey::from_secret(s),
                })
                .collect(),
            validation,
        })
    }

    /// Signs with `signing` (its `kid` in the header); verifies with it and
    /// the `retired` public keys.
    pub(super) fn key_pair(signing: &SigningKey, retired: &[PublicKey]) -> Self {
        let algorithm = signing.algorithm().to_jsonwebtoken();
        let mut header = Header::new(algorithm);
        header.kid = Some(signing.kid().to_owned());
        let publics = std::iter::once(signing.public_key()).chain(retired);
        let verifying: Vec<Verifier> = publics
            .map(|k| Verifier {
                kid: Some(k.kid().to_owned()),
                algorithm: Some(k.algorithm().to_jsonwebtoken()),
                key: k.decoding().clone(),
            })
            .collect();
        let mut validation = Validation::new(algorithm);
        validation.algorithms = verifying.iter().filter_map(|v| v.algorithm).collect();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        Self {
            header,
            signing: signing.encoding().clone(),
            verifying,
            validation,
        }
    }

    /// Signs `claims`; refuses those that [`verify`](Self::verify) would
    /// refuse for their shape, so no token is issued that never reads back.
    pub(super) fn sign(&self, claims: &Claims) -> Result<String, JwtError> {
        check_registered_claims(claims)?;
        jsonwebtoken::encode(&self.header, claims, &self.signing)
            .map_err(|_| JwtError::Encoding("JWS signing failed"))
    }

    /// Verifies the signature (any secret) and returns the claims; time
    /// claims are left to the caller.
    pub(super) fn verify(&self, token: &str) -> Result<Claims, JwtError> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| map_error(e.kind()))?;
        if !self.validation.algorithms.contains(&header.alg) {
            return Err(JwtError::AlgorithmNotAccepted);
        }
        // Key pairs: the key the token names, else those of its algorithm.
        let candidates = self.verifying.iter().filter(|v| {
            v.algorithm.is_none_or(|a| a == header.alg)
                && match (&v.kid, &header.kid) {
                    (Some(mine), Some(theirs)) => mine == theirs,
                    _ => true,
                }
        });
        for verifier in candidates {
            match jsonwebtoken::decode::<Claims>(token, &verifier.key, &self.validation) {
                Ok(data) => return Ok(data.claims),
                Err(e) if matches!(e.kind(), ErrorKind::InvalidSignature) => continue,
                Err(e) => return Err(map_error(e.kind())),
            }
        }
        Err(JwtError::InvalidSignature)
    }
}

/// The registered claims whose type the verifier (jsonwebtoken) reads:
/// `sub` and `iss` strings, `aud` a string or an array of strings. A token
/// signed with another shape fails verification as malformed JSON (found by
/// the `session_token` fuzz target: `{"sub": [0, 2.5]}`).
fn check_registered_claims(claims: &Claims) -> Result<(), JwtError> {
    use serde_json::Value;
    for name in ["sub", "iss"] {
        if claims.get(name).is_some_and(|v| !v.is_string()) {
            return Err(JwtError::Encoding(
                "a signed token's `sub` and `iss` claims must be strings",
            ));
        }
    }
    let aud_ok = match claims.get("aud") {
        None | Some(Value::String(_)) => true,
        Some(Value::Array(items)) => items.iter().all(Value::is_string),
        Some(_) => false,
    };
    if !aud_ok {
        return Err(JwtError::Encoding(
            "a signed token's `aud` claim must be a string or an array of strings",
        ));
    }
    Ok(())
}

fn map_error(kind: &ErrorKind) -> JwtError {
    match kind {
        ErrorKind::InvalidAlgorithm => JwtError::AlgorithmNotAccepted,
        ErrorKind::InvalidSignature => JwtError::InvalidSignature,
        ErrorKind::Json(_) => JwtError::Malformed("header or payload is not the expected JSON"),
        ErrorKind::Utf8(_) => JwtError::Malformed("header or payload is not UTF-8"),
        ErrorKind::Base64(_) => JwtError::Malformed("a segment is not valid base64url"),
        _ => JwtError::Malformed("not a valid JWS"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_algorithm_must_be_accepted() {
        assert!(matches!(
            Jws::new(JwsAlgorithm::HS512, &[JwsAlgorithm::HS256], &[b"s"]),
            Err(JwtError::InvalidConfig(_))
        ));
        assert!(Jws::new(JwsAlgorithm::HS512, &[], &[b"s"]).is_ok());
    }

    #[test]
    fn garbage_is_malformed() {
        let jws = Jws::new(JwsAlgorithm::HS512, &[], &[b"s"]).unwrap();
        assert!(matches!(jws.verify("nope"), Err(JwtError::Malformed(_))));
        assert!(matches!(jws.verify("a.b.c"), Err(JwtError::Malformed(_))));
    }
}
