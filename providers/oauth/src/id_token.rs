//! ID token validation (OpenID Connect Core §3.1.3.7): the signature against
//! the provider's keys (or the client secret for `HS*`), `iss`, `aud`,
//! `azp`, `exp`/`nbf` with a small leeway, `iat` (present, not in the
//! future), and `nonce`.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use keyway_core::LogCode;
use keyway_core::oauth::OAuthError;
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

use crate::config::OAuth;
use crate::discovery::issuer_matches;

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub(crate) const LEEWAY_SECS: u64 = 30;

fn invalid(message: impl Into<String>) -> OAuthError {
    OAuthError::new(
        LogCode::CallbackOauthError,
        format!("the ID token is not valid: {}", message.into()),
    )
}

fn describe(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::ExpiredSignature => "it has expired (exp)".into(),
        ErrorKind::ImmatureSignature => "it is not valid yet (nbf)".into(),
        ErrorKind::InvalidAudience => "its audience (aud) is not this client".into(),
        ErrorKind::InvalidSignature => "its signature does not verify".into(),
        ErrorKind::InvalidAlgorithm => "its algorithm does not fit the key".into(),
        ErrorKind::MissingRequiredClaim(c) => format!("it has no {c:?} claim"),
        other => format!("{other:?}"),
    }
}

/// What the validation expects besides the signature.
pub(crate) struct Expect<'a> {
    /// The nonce from the check cookie; `None` when the nonce check is off or
    /// for a refreshed ID token.
    pub nonce: Option<&'a str>,
}

impl OAuth {
    /// Validates an ID token; returns its claims.
    pub(crate) async fn validate_id_token(
        &self,
        token: &str,
        expect: Expect<'_>,
    ) -> Result<Map<String, Value>, OAuthError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| invalid(format!("it is not a signed JWT ({})", describe(e.kind()))))?;
        let client_id = self.client_id.as_deref().unwrap_or_default();
        let keys = match header.alg {
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
                // OpenID Connect Core §10.1: symmetric signatures use the client secret.
                let secret = self.client_secret.as_ref().ok_or_else(|| {
                    invalid("it is signed with HS*, but there is no client secret")
                })?;
                vec![DecodingKey::from_secret(secret.expose().as_bytes())]
            }
            _ => {
                let url = self
                    .endpoint(&self.jwks_uri, |m| m.jwks_uri.clone(), "jwks_uri")
                    .await
                    .map_err(|e| {
                        OAuthError::new(LogCode::OauthCallbackHandlerError, e.to_string())
                    })?;
                let runtime = &self.runtime;
                runtime
                    .jwks
                    .keys_for(&runtime.http, &url, &header)
                    .await
                    .map_err(|e| {
                        OAuthError::new(LogCode::OauthCallbackHandlerError, e.to_string())
                    })?
            }
        };
        if keys.is_empty() {
            return Err(invalid(format!(
                "no key of the provider's key set fits it (kid {:?}, alg {:?})",
                header.kid, header.alg
            )));
        }

        let mut validation = Validation::new(header.alg);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.set_audience(&[client_id]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);

        let mut last = ErrorKind::InvalidSignature;
        let mut claims = None;
        for key in &keys {
            match jsonwebtoken::decode::<Map<String, Value>>(token, key, &validation) {
                Ok(data) => {
                    claims = Some(data.claims);
                    break;
                }
                Err(e) if matches!(e.kind(), ErrorKind::InvalidSignature) => {
                    last = ErrorKind::InvalidSignature;
                }
                Err(e) => return Err(invalid(describe(e.kind()))),
            }
        }
        let claims = claims.ok_or_else(|| invalid(describe(&last)))?;

        let iss = claims
            .get("iss")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let expected = self
            .expected_issuer()
            .await
            .map_err(|e| OAuthError::new(LogCode::OauthCallbackHandlerError, e.to_string()))?;
        if let Some(expected) = expected {
            let tid = claims.get("tid").and_then(Value::as_str);
            if !issuer_matches(&expected, iss, tid) {
                return Err(invalid(format!(
                    "its issuer (iss) is {iss:?}, not {expected:?}"
                )));
            }
        }
        // OpenID Connect Core §2: `iat` is required; one in the future is a
        // forged or broken token.
        match claims.get("iat").and_then(Value::as_f64) {
            None => return Err(invalid("it has no \"iat\" claim")),
            Some(iat) if iat > (crate::token::now_secs() + LEEWAY_SECS as i64) as f64 => {
                return Err(invalid("it was issued in the future (iat)"));
            }
            Some(_) => {}
        }
        if let Some(azp) = claims.get("azp")
            && azp.as_str() != Some(client_id)
        {
            return Err(invalid("it was issued to another client (azp)"));
        }
        if let Some(nonce) = expect.nonce {
            let got = claims.get("nonce").and_then(Value::as_str).unwrap_or("");
            if !bool::from(got.as_bytes().ct_eq(nonce.as_bytes())) {
                return Err(invalid("its nonce does not match the nonce cookie"));
            }
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::ProviderMetadata;
    use serde_json::json;

    const SECRET: &str = "a-client-secret-long-enough-for-hs256";

    fn provider() -> OAuth {
        OAuth::oidc("x", "X")
            .client_id("client")
            .client_secret(SECRET)
            .metadata(ProviderMetadata {
                issuer: "https://idp.example".into(),
                authorization_endpoint: "https://idp.example/authorize".into(),
                token_endpoint: "https://idp.example/token".into(),
                ..Default::default()
            })
    }

    fn token(claims: Value) -> String {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap()
    }

    fn claims(iat: Option<i64>) -> Value {
        let now = crate::token::now_secs();
        let mut c = json!({
            "iss": "https://idp.example", "aud": "client", "sub": "u1", "exp": now + 600,
        });
        if let Some(iat) = iat {
            c["iat"] = json!(iat);
        }
        c
    }

    #[tokio::test]
    async fn iat_is_required_and_not_in_the_future() {
        let p = provider();
        let now = crate::token::now_secs();
        let ok = p
            .validate_id_token(&token(claims(Some(now))), Expect { nonce: None })
            .await
            .unwrap();
        assert_eq!(ok["sub"], "u1");
        let e = p
            .validate_id_token(&token(claims(None)), Expect { nonce: None })
            .await
            .unwrap_err();
        assert!(e.message.contains("iat"), "{}", e.message);
        let e = p
            .validate_id_token(&token(claims(Some(now + 3600))), Expect { nonce: None })
            .await
            .unwrap_err();
        assert!(e.message.contains("future"), "{}", e.message);
        assert_eq!(e.code, LogCode::CallbackOauthError);
    }
}
