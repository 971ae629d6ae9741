//! The profile document: the validated ID token's claims (OpenID Connect,
//! optionally merged with userinfo), or the userinfo answer (OAuth 2), plus
//! the email look-ups some providers need.

use std::collections::BTreeMap;

use keyway_core::LogCode;
use keyway_core::oauth::OAuthError;
use keyway_core::provider::ProviderType;
use serde_json::{Map, Value};

use crate::config::{EmailFallback, OAuth, UserinfoRequest};
use crate::http::Auth;
use crate::id_token::Expect;
use crate::profile::text_at;
use crate::token::TokenResponse;

fn profile_error(message: impl Into<String>) -> OAuthError {
    OAuthError::new(LogCode::OauthGetProfileError, message)
}

impl OAuth {
    async fn userinfo(&self, access_token: &str) -> Result<Map<String, Value>, OAuthError> {
        let url = self
            .endpoint(
                &self.userinfo_endpoint,
                |m| m.userinfo_endpoint.clone(),
                "userinfo_endpoint",
            )
            .await
            .map_err(|e| profile_error(e.to_string()))?;
        let http = &self.runtime.http;
        let bearer = Auth::Bearer(access_token);
        let answer = match self.userinfo_request {
            UserinfoRequest::Post => {
                http.post_json(&url, None, bearer, &self.userinfo_headers)
                    .await
            }
            _ => http.get_json(&url, bearer, &self.userinfo_headers).await,
        };
        answer.map_err(|e| profile_error(format!("userinfo: {e}")))
    }

    /// The document the profile mapping reads.
    pub(crate) async fn profile_document(
        &self,
        response: &TokenResponse,
        nonce: Option<&str>,
        params: &BTreeMap<String, String>,
    ) -> Result<Value, OAuthError> {
        let access_token = response.tokens.access_token.as_deref().unwrap_or_default();
        let mut document = if self.kind == ProviderType::Oidc {
            let id_token = response.tokens.id_token.as_deref().ok_or_else(|| {
                OAuthError::new(
                    LogCode::CallbackOauthError,
                    "the token answer of an OpenID Connect provider has no id_token",
                )
            })?;
            let mut claims = self.validate_id_token(id_token, Expect { nonce }).await?;
            if self.fetch_userinfo {
                let info = self.userinfo(access_token).await?;
                if info.get("sub").is_some() && info.get("sub") != claims.get("sub") {
                    return Err(profile_error(
                        "the userinfo answer is about another subject than the ID token",
                    ));
                }
                claims.extend(info);
            }
            Value::Object(claims)
        } else {
            match &self.userinfo_request {
                UserinfoRequest::TokenResponse(path) => {
                    let raw = Value::Object(response.raw.clone());
                    path.iter()
                        .try_fold(&raw, |v, key| v.get(key))
                        .cloned()
                        .unwrap_or(Value::Null)
                }
                _ => Value::Object(self.userinfo(access_token).await?),
            }
        };
        // Apple sends the name once, on first consent, as a `user` form field.
        if self.form_post
            && let (Some(user), Value::Object(map)) = (params.get("user"), &mut document)
            && let Ok(user @ Value::Object(_)) = serde_json::from_str::<Value>(user)
        {
            map.insert("user".into(), user);
        }
        if text_at(&document, &["email"]).is_none()
            && document.is_object()
            && let Some(email) = self.fallback_email(access_token).await
            && let Value::Object(map) = &mut document
        {
            map.insert("email".into(), Value::String(email));
        }
        Ok(document)
    }

    /// The primary address from the provider's emails API, when the profile
    /// has none (private GitHub emails). Failures only lose the email.
    async fn fallback_email(&self, access_token: &str) -> Option<String> {
        let (url, pick): (String, fn(&Value) -> Option<String>) = match &self.email_fallback {
            EmailFallback::None => return None,
            EmailFallback::Github { api } => (format!("{api}/user/emails"), github_email),
            EmailFallback::Bitbucket { api } => (format!("{api}/user/emails"), bitbucket_email),
        };
        match self
            .runtime
            .http
            .get_value(&url, Auth::Bearer(access_token), &self.userinfo_headers)
            .await
        {
            Ok(list) => pick(&list),
            Err(e) => {
                tracing::warn!(provider = %self.id, cause = %e, "[keyway][warn] the emails request failed; signing in without an email");
                None
            }
        }
    }
}

/// GitHub: `[{email, primary, verified}]`: the primary one, else the first.
fn github_email(list: &Value) -> Option<String> {
    let items = list.as_array()?;
    items
        .iter()
        .find(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
        .or_else(|| items.first())
        .and_then(|e| text_at(e, &["email"]))
}

/// Bitbucket: `{values: [{email, is_primary, is_confirmed}]}`: the primary
/// confirmed one, else the first confirmed.
fn bitbucket_email(list: &Value) -> Option<String> {
    let items = list.get("values")?.as_array()?;
    let confirmed = |e: &&Value| e.get("is_confirmed").and_then(Value::as_bool) == Some(true);
    items
        .iter()
        .filter(confirmed)
        .find(|e| e.get("is_primary").and_then(Value::as_bool) == Some(true))
        .or_else(|| items.iter().find(confirmed))
        .and_then(|e| text_at(e, &["email"]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn github_primary_email_else_first() {
        let list = json!([
            {"email": "old@x", "primary": false, "verified": true},
            {"email": "main@x", "primary": true, "verified": true},
        ]);
        assert_eq!(github_email(&list).as_deref(), Some("main@x"));
        let list = json!([{"email": "only@x", "primary": false}]);
        assert_eq!(github_email(&list).as_deref(), Some("only@x"));
        assert_eq!(github_email(&json!([])), None);
        assert_eq!(github_email(&json!({"message": "nope"})), None);
    }

    #[test]
    fn bitbucket_needs_a_confirmed_email() {
        let list = json!({"values": [
            {"email": "u@x", "is_primary": true, "is_confirmed": false},
            {"email": "c@x", "is_primary": false, "is_confirmed": true},
        ]});
        assert_eq!(bitbucket_email(&list).as_deref(), Some("c@x"));
    }
}
