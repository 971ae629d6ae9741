//! ID token validation (OpenID Connect Core §3.1.3.7): the algorithm against
//! the provider's allow-list, the signature against the provider's keys (or
//! the client secret for `HS*`, when allowed), `iss`, `aud`,
//! `azp`, `exp`/`nbf` with a small leeway, `iat` (present, not in the
//! future), and `nonce`.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use keyway_core::LogCode;
use keyway_core::oauth::OAuthError;
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

use crate::algorithms::{self, JwsAlgorithm};
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
        // Before any key is looked at: an algorithm the provider was not
        // configured for is refused whatever key it would verify with.
        let alg = JwsAlgorithm::of(header.alg);
        if !self.id_token_algorithms.contains(&alg) {
            return Err(invalid(format!(
                "it is signed with {alg}, which this provider does not accept \
                 (id_token_algorithms: {})",
                algorithms::list(&self.id_token_algorithms)
            )));
        }
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

    /// A provider with the default allow-list and no key set (no
    /// `jwks_uri`): looking for an asymmetric key fails with
    /// `OAUTH_CALLBACK_HANDLER_ERROR`.
    fn default_provider() -> OAuth {
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

    /// A provider that accepts `HS256` ID tokens signed with its secret.
    fn provider() -> OAuth {
        default_provider().id_token_algorithms(&[JwsAlgorithm::HS256])
    }

    /// A token whose header says `alg` and whose signature is junk: enough
    /// for what is decided before the signature is checked.
    fn token_with_alg(alg: &str) -> String {
        use base64::Engine as _;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "typ": "JWT"}).to_string());
        let body = URL_SAFE_NO_PAD.encode(claims(Some(crate::token::now_secs())).to_string());
        format!("{header}.{body}.c2lnbmF0dXJl")
    }

    async fn refusal(p: &OAuth, token: &str) -> OAuthError {
        p.validate_id_token(token, Expect { nonce: None })
            .await
            .expect_err("the ID token is refused")
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

    #[tokio::test]
    async fn hs256_is_refused_unless_the_provider_allows_it() {
        let now = crate::token::now_secs();
        let hs256 = token(claims(Some(now)));
        // The default list is asymmetric only, even with a client secret.
        let e = refusal(&default_provider(), &hs256).await;
        assert_eq!(e.code, LogCode::CallbackOauthError);
        assert_eq!(
            e.message,
            "the ID token is not valid: it is signed with HS256, which this provider does \
             not accept (id_token_algorithms: RS256, RS384, RS512, PS256, PS384, PS512, \
             ES256, ES384, EdDSA)"
        );
        // Listed, it verifies with the client secret.
        let ok = provider()
            .validate_id_token(&hs256, Expect { nonce: None })
            .await
            .expect("HS256 allowed");
        assert_eq!(ok["sub"], "u1");
        // HS384 is another algorithm: listing HS256 does not allow it.
        let hs384 = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(Algorithm::HS384),
            &claims(Some(now)),
            &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .expect("encode");
        let e = refusal(&provider(), &hs384).await;
        assert_eq!(e.code, LogCode::CallbackOauthError);
        assert!(e.message.contains("signed with HS384"), "{}", e.message);
    }

    #[tokio::test]
    async fn an_algorithm_outside_the_list_is_refused_before_any_key_is_sought() {
        let rs256 = token_with_alg("RS256");
        let es256_only = default_provider().id_token_algorithms(&[JwsAlgorithm::ES256]);
        let e = refusal(&es256_only, &rs256).await;
        assert_eq!(e.code, LogCode::CallbackOauthError);
        assert!(
            e.message.contains("signed with RS256")
                && e.message.contains("(id_token_algorithms: ES256)"),
            "{}",
            e.message
        );
        // With RS256 listed the same token goes on to the key set, which
        // this provider does not have: another failure, another code.
        let e = refusal(&default_provider(), &rs256).await;
        assert_eq!(e.code, LogCode::OauthCallbackHandlerError, "{}", e.message);
        assert!(e.message.contains("jwks_uri"), "{}", e.message);
    }

    #[tokio::test]
    async fn unsigned_tokens_are_always_refused() {
        let everything = default_provider().id_token_algorithms(&[
            JwsAlgorithm::RS256,
            JwsAlgorithm::ES256,
            JwsAlgorithm::EdDSA,
            JwsAlgorithm::HS256,
        ]);
        for alg in ["none", "None", "NONE", ""] {
            let unsigned = token_with_alg(alg);
            let unsigned = unsigned
                .rsplit_once('.')
                .map_or(unsigned.clone(), |(t, _)| format!("{t}."));
            let e = refusal(&everything, &unsigned).await;
            assert_eq!(e.code, LogCode::CallbackOauthError, "{alg}: {}", e.message);
            assert!(
                e.message.contains("not a signed JWT"),
                "{alg}: {}",
                e.message
            );
        }
    }
}
