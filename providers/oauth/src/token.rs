//! The token endpoint: the code exchange and the refresh grant, with the
//! client authenticated by `client_secret_basic`, `client_secret_post` or
//! not at all, and the answer read into a [`TokenSet`].

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use keyway_core::LogCode;
use keyway_core::oauth::{OAuthError, TokenSet};
use serde_json::{Map, Value};

use crate::config::{OAuth, TokenAuthMethod};
use crate::http::Auth;

/// A token endpoint answer: the tokens and the whole document (some
/// providers put the profile in it).
#[derive(Debug)]
pub(crate) struct TokenResponse {
    pub tokens: TokenSet,
    pub raw: Map<String, Value>,
}

fn token_error(message: impl Into<String>) -> OAuthError {
    OAuthError::new(LogCode::OauthGetAccessTokenError, message)
}

pub(crate) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn string(map: &Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// Reads a token answer. `expires_at = now + expires_in`; a `scope` array
/// (Twitch) is joined with spaces.
pub(crate) fn parse_tokens(map: &Map<String, Value>, now: i64) -> Result<TokenSet, String> {
    let access_token = string(map, "access_token").ok_or("the token answer has no access_token")?;
    let expires_in = match map.get("expires_in") {
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    let scope = match map.get("scope") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        _ => None,
    };
    Ok(TokenSet {
        access_token: Some(access_token),
        refresh_token: string(map, "refresh_token"),
        expires_at: expires_in
            .filter(|s| *s >= 0)
            .map(|s| now.saturating_add(s)),
        token_type: string(map, "token_type"),
        scope,
        id_token: string(map, "id_token"),
        session_state: string(map, "session_state"),
    })
}

fn form_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl OAuth {
    /// Sends a grant to the token endpoint.
    pub(crate) async fn token_request(
        &self,
        grant: &[(&str, &str)],
    ) -> Result<TokenResponse, OAuthError> {
        let url = self
            .endpoint(
                &self.token_endpoint,
                |m| Some(m.token_endpoint.clone()),
                "token_endpoint",
            )
            .await
            .map_err(|e| token_error(e.to_string()))?;
        let client_id = self.client_id.as_deref().unwrap_or_default();
        let secret = self
            .client_secret
            .as_ref()
            .map(|s| s.expose())
            .unwrap_or("");
        let mut form: Vec<(&str, &str)> = grant.to_vec();
        let auth = match self.auth_method {
            TokenAuthMethod::ClientSecretBasic => {
                // RFC 6749 §2.3.1: both parts form-urlencoded first.
                let pair = format!("{}:{}", form_encode(client_id), form_encode(secret));
                Auth::Basic(STANDARD.encode(pair))
            }
            TokenAuthMethod::ClientSecretPost => {
                form.push(("client_id", client_id));
                form.push(("client_secret", secret));
                Auth::None
            }
            TokenAuthMethod::None => {
                form.push(("client_id", client_id));
                Auth::None
            }
        };
        let raw = self
            .runtime
            .http
            .post_json(&url, Some(&form), auth, &[])
            .await
            .map_err(|e| token_error(e.to_string()))?;
        let tokens = parse_tokens(&raw, now_secs()).map_err(token_error)?;
        Ok(TokenResponse { tokens, raw })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn a_full_answer() {
        let t = parse_tokens(
            &map(json!({
                "access_token": "at", "refresh_token": "rt", "expires_in": 3600,
                "token_type": "Bearer", "scope": "openid email", "id_token": "x.y.z"
            })),
            1_000,
        )
        .unwrap();
        assert_eq!(t.access_token.as_deref(), Some("at"));
        assert_eq!(t.refresh_token.as_deref(), Some("rt"));
        assert_eq!(t.expires_at, Some(4_600));
        assert_eq!(t.scope.as_deref(), Some("openid email"));
        assert_eq!(t.id_token.as_deref(), Some("x.y.z"));
    }

    #[test]
    fn odd_answers() {
        let t = parse_tokens(
            &map(json!({"access_token": "at", "expires_in": "60", "scope": ["a", "b"]})),
            10,
        )
        .unwrap();
        assert_eq!(t.expires_at, Some(70));
        assert_eq!(t.scope.as_deref(), Some("a b"));
        let t = parse_tokens(&map(json!({"access_token": "at", "expires_in": -5})), 10).unwrap();
        assert_eq!(t.expires_at, None);
        assert!(parse_tokens(&map(json!({"token_type": "bearer"})), 0).is_err());
        assert!(parse_tokens(&map(json!({"access_token": 5})), 0).is_err());
        assert!(parse_tokens(&map(json!({"access_token": "a", "expires_in": 1e300})), 0).is_ok());
    }

    #[test]
    fn basic_credentials_are_form_encoded_first() {
        assert_eq!(form_encode("a b:c"), "a+b%3Ac");
    }
}
