//! The provider's signing keys (JWKS): fetched once, kept, and fetched again
//! when a token names a key the cached set does not have (key rotation).

use std::sync::Arc;

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Header};
use serde_json::Value;
use tokio::sync::Mutex;

use crate::http::{Auth, Http, HttpError};

/// Why no key could verify a token.
#[derive(Debug, thiserror::Error)]
pub(crate) enum JwksError {
    #[error("the provider's keys (JWKS) could not be fetched: {0}")]
    Fetch(#[from] HttpError),
    #[error("the provider's key set has no \"keys\" array")]
    Invalid,
}

/// The cached key set of one provider.
#[derive(Debug, Default)]
pub(crate) struct JwksCache(Mutex<Option<Arc<Vec<Jwk>>>>);

/// Whether a JWK may verify a token signed with `alg`.
fn usable(jwk: &Jwk, header: &Header) -> bool {
    if let (Some(kid), Some(want)) = (&jwk.common.key_id, &header.kid)
        && kid != want
    {
        return false;
    }
    if header.kid.is_some() && jwk.common.key_id.is_none() {
        return false;
    }
    if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
        return false;
    }
    if let Some(alg) = &jwk.common.key_algorithm
        && alg.to_string() != format!("{:?}", header.alg)
    {
        return false;
    }
    use Algorithm::*;
    match (&jwk.algorithm, header.alg) {
        (AlgorithmParameters::RSA(_), RS256 | RS384 | RS512 | PS256 | PS384 | PS512) => true,
        (AlgorithmParameters::EllipticCurve(_), ES256 | ES384) => true,
        (AlgorithmParameters::OctetKeyPair(_), EdDSA) => true,
        // Symmetric keys never come from a published key set.
        _ => false,
    }
}

/// Reads a key set, skipping keys this library cannot use (encryption keys,
/// unknown algorithms) instead of refusing the whole set.
fn parse(document: serde_json::Map<String, Value>) -> Result<Vec<Jwk>, JwksError> {
    let Some(Value::Array(keys)) = document.get("keys") else {
        return Err(JwksError::Invalid);
    };
    Ok(keys
        .iter()
        .filter_map(|k| serde_json::from_value::<Jwk>(k.clone()).ok())
        .collect())
}

impl JwksCache {
    async fn fetch(&self, http: &Http, url: &str) -> Result<Arc<Vec<Jwk>>, JwksError> {
        let keys = Arc::new(parse(http.get_json(url, Auth::None, &[]).await?)?);
        Ok(keys)
    }

    /// The keys that may verify a token with this header; the set is fetched
    /// again once when none matches.
    pub(crate) async fn keys_for(
        &self,
        http: &Http,
        url: &str,
        header: &Header,
    ) -> Result<Vec<DecodingKey>, JwksError> {
        let mut slot = self.0.lock().await;
        let mut fetched_now = false;
        let keys = match slot.as_ref() {
            Some(keys) => keys.clone(),
            None => {
                fetched_now = true;
                let keys = self.fetch(http, url).await?;
                *slot = Some(keys.clone());
                keys
            }
        };
        let mut found = decoding_keys(&keys, header);
        if found.is_empty() && !fetched_now {
            let keys = self.fetch(http, url).await?;
            *slot = Some(keys.clone());
            found = decoding_keys(&keys, header);
        }
        Ok(found)
    }
}

fn decoding_keys(keys: &[Jwk], header: &Header) -> Vec<DecodingKey> {
    keys.iter()
        .filter(|k| usable(k, header))
        .filter_map(|k| DecodingKey::from_jwk(k).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(alg: Algorithm, kid: Option<&str>) -> Header {
        let mut h = Header::new(alg);
        h.kid = kid.map(str::to_owned);
        h
    }

    fn set() -> Vec<Jwk> {
        let doc = serde_json::json!({"keys": [
            {"kty": "RSA", "kid": "r1", "use": "sig", "alg": "RS256", "n": "sXch", "e": "AQAB"},
            {"kty": "RSA", "kid": "enc", "use": "enc", "n": "sXch", "e": "AQAB"},
            {"kty": "EC", "kid": "e1", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            {"kty": "oct", "kid": "h1", "k": "c2VjcmV0"},
            {"kty": "unknown-type", "kid": "x"},
        ]});
        match doc {
            Value::Object(m) => parse(m).unwrap(),
            _ => unreachable!(),
        }
    }

    #[test]
    fn unknown_keys_are_skipped_not_fatal() {
        assert_eq!(set().len(), 4);
    }

    #[test]
    fn keys_are_chosen_by_kid_use_and_family() {
        let keys = set();
        assert_eq!(
            decoding_keys(&keys, &header(Algorithm::RS256, Some("r1"))).len(),
            1
        );
        assert_eq!(
            decoding_keys(&keys, &header(Algorithm::RS256, Some("enc"))).len(),
            0
        );
        assert_eq!(
            decoding_keys(&keys, &header(Algorithm::RS384, Some("r1"))).len(),
            0,
            "alg pinned by the JWK"
        );
        assert_eq!(
            decoding_keys(&keys, &header(Algorithm::ES256, Some("e1"))).len(),
            1
        );
        assert_eq!(
            decoding_keys(&keys, &header(Algorithm::ES256, None)).len(),
            1
        );
        assert_eq!(
            decoding_keys(&keys, &header(Algorithm::HS256, Some("h1"))).len(),
            0
        );
        assert_eq!(
            decoding_keys(&keys, &header(Algorithm::RS256, Some("zz"))).len(),
            0
        );
    }

    #[test]
    fn a_set_without_keys_is_invalid() {
        assert!(matches!(
            parse(serde_json::Map::new()),
            Err(JwksError::Invalid)
        ));
    }
}
