//! Signed-only session tokens (JWS, HMAC) through the `jsonwebtoken` crate,
//! for services that must read the token themselves.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};

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

/// Signs with the first secret; verifies with each secret in turn.
#[derive(Clone)]
pub(super) struct Jws {
    header: Header,
    signing: EncodingKey,
    verifying: Vec<DecodingKey>,
    validation: Validation,
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
                .map(|s| DecodingKey::from_secret(s))
                .collect(),
            validation,
        })
    }

    /// Signs `claims`.
    pub(super) fn sign(&self, claims: &Claims) -> Result<String, JwtError> {
        jsonwebtoken::encode(&self.header, claims, &self.signing)
            .map_err(|_| JwtError::Encoding("JWS signing failed"))
    }

    /// Verifies the signature (any secret) and returns the claims; time
    /// claims are left to the caller.
    pub(super) fn verify(&self, token: &str) -> Result<Claims, JwtError> {
        for key in &self.verifying {
            match jsonwebtoken::decode::<Claims>(token, key, &self.validation) {
                Ok(data) => return Ok(data.claims),
                Err(e) if matches!(e.kind(), ErrorKind::InvalidSignature) => continue,
                Err(e) => return Err(map_error(e.kind())),
            }
        }
        Err(JwtError::InvalidSignature)
    }
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
