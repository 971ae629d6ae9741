//! The profile document: the validated ID token's claims (OpenID Connect,
//! optionally merged with userinfo), or the userinfo answer (OAuth 2), plus
//! the email look-ups some providers need.

use std::collections::BTreeMap;

use keyway_core::LogCode;
use keyway_core::oauth::OAuthError;
use keyway_core::provider::ProviderType;
use serde_json::{Map, Value};

use crate::config::{CLIENT_ID_PLACEHOLDER, Dialect, EmailFallback, OAuth, UserinfoRequest};
use crate::http::Auth;
use crate::id_token::Expect;
use crate::profile::text_at;
use crate::token::TokenResponse;

fn profile_error(message: impl Into<String>) -> OAuthError {
    OAuthError::new(LogCode::OauthGetProfileError, message)
}

impl OAuth {
    async fn userinfo(&self, response: &TokenResponse) -> Result<Map<String, Value>, OAuthError> {
        let access_token = response.tokens.access_token.as_deref().unwrap_or_default();
        let url = self
            .endpoint(
                &self.userinfo_endpoint,
                |m| m.userinfo_endpoint.clone(),
                "userinfo_endpoint",
            )
            .await
            .map_err(|e| profile_error(e.to_string()))?;
        if self.dialect == Dialect::WeChat {
            return self
                .wechat_userinfo(&url, response)
                .await
                .map_err(|e| profile_error(format!("userinfo: {e}")));
        }
        let http = &self.runtime.http;
        let bearer = Auth::Bearer(access_token);
        let headers = self.profile_headers();
        let answer = match self.userinfo_request {
            UserinfoRequest::Post => http.post_json(&url, bearer, &headers).await,
            _ => http.get_json(&url, bearer, &headers).await,
        };
        answer.map_err(|e| profile_error(format!("userinfo: {e}")))
    }

    /// The headers of profile requests, with `{client_id}` filled in.
    fn profile_headers(&self) -> Vec<(String, String)> {
        let client_id = self.client_id.as_deref().unwrap_or_default();
        self.userinfo_headers
            .iter()
            .map(|(k, v)| (k.clone(), v.replace(CLIENT_ID_PLACEHOLDER, client_id)))
            .collect()
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
                let info = self.userinfo(response).await?;
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
                _ => Value::Object(self.userinfo(response).await?),
            }
        };
        // Fields only the token answer has (VK's `email`), unless the
        // profile has them too.
        if let Value::Object(map) = &mut document {
            for field in self.token_fields {
                if let Some(value) = response.raw.get(*field).filter(|v| !v.is_null()) {
                    map.entry(*field).or_insert_with(|| value.clone());
                }
            }
        }
        // Apple sends the name once, on first consent, as a `user` form field.
        if self.form_post
            && let (Some(user), Value::Object(map)) = (params.get("user"), &mut document)
            && let Ok(user @ Value::Object(_)) = serde_json::from_str::<Value>(user)
        {
            map.insert("user".into(), user);
        }
        if !matches!(self.email_fallback, EmailFallback::None) && document.is_object() {
            // The profile's own `email` says nothing about verification: the
            // emails API decides which address is kept, and the mapping
            // reads `email_verified`.
            let stated = text_at(&document, &["email"]);
            let verified = self.verified_email(access_token, stated.as_deref()).await;
            if let Value::Object(map) = &mut document {
                map.insert("email_verified".into(), Value::Bool(verified.is_some()));
                match verified {
                    Some(email) => map.insert("email".into(), Value::String(email)),
                    None => map.remove("email"),
                };
            }
        }
        Ok(document)
    }

    /// A verified address from the provider's emails API: `stated` (the
    /// profile's public one) when the list marks it verified, else the
    /// primary verified one. Failures only lose the email.
    async fn verified_email(&self, access_token: &str, stated: Option<&str>) -> Option<String> {
        type Pick = fn(&Value, Option<&str>) -> Option<String>;
        let (url, pick): (String, Pick) = match &self.email_fallback {
            EmailFallback::None => return None,
            EmailFallback::Github { api } => {
                (format!("{}/user/emails", self.resolve(api)), github_email)
            }
            EmailFallback::Bitbucket { api } => (format!("{api}/user/emails"), bitbucket_email),
        };
        match self
            .runtime
            .http
            .get_value(&url, Auth::Bearer(access_token), &self.profile_headers())
            .await
        {
            Ok(list) => pick(&list, stated),
            Err(e) => {
                tracing::warn!(provider = %self.id, cause = %e, "[keyway][warn] the emails request failed; signing in without an email");
                None
            }
        }
    }
}

/// From a list of addresses, only those with `verified` set: `stated` when
/// it is one of them, else the one with `primary` set, else the first.
fn pick_verified(
    items: &[Value],
    stated: Option<&str>,
    verified: &str,
    primary: &str,
) -> Option<String> {
    let is = |e: &Value, key: &str| e.get(key).and_then(Value::as_bool) == Some(true);
    let mut ok = items.iter().filter(|e| is(e, verified));
    let same = |e: &&Value| {
        stated.is_some_and(|s| text_at(e, &["email"]).is_some_and(|a| a.eq_ignore_ascii_case(s)))
    };
    ok.clone()
        .find(same)
        .or_else(|| ok.clone().find(|e| is(e, primary)))
        .or_else(|| ok.next())
        .and_then(|e| text_at(e, &["email"]))
}

/// GitHub: `[{email, primary, verified}]`.
fn github_email(list: &Value, stated: Option<&str>) -> Option<String> {
    pick_verified(list.as_array()?, stated, "verified", "primary")
}

/// Bitbucket: `{values: [{email, is_primary, is_confirmed}]}`.
fn bitbucket_email(list: &Value, stated: Option<&str>) -> Option<String> {
    pick_verified(
        list.get("values")?.as_array()?,
        stated,
        "is_confirmed",
        "is_primary",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn github_keeps_only_verified_emails() {
        let list = json!([
            {"email": "old@x", "primary": false, "verified": true},
            {"email": "main@x", "primary": true, "verified": true},
            {"email": "claimed@x", "primary": false, "verified": false},
        ]);
        assert_eq!(github_email(&list, None).as_deref(), Some("main@x"));
        assert_eq!(github_email(&list, Some("OLD@x")).as_deref(), Some("old@x"));
        assert_eq!(
            github_email(&list, Some("claimed@x")).as_deref(),
            Some("main@x"),
            "an unverified public address is not used"
        );
        let list = json!([{"email": "only@x", "primary": true, "verified": false}]);
        assert_eq!(github_email(&list, Some("only@x")), None);
        let list = json!([{"email": "v@x", "primary": false, "verified": true}]);
        assert_eq!(github_email(&list, None).as_deref(), Some("v@x"));
        assert_eq!(github_email(&json!([]), None), None);
        assert_eq!(github_email(&json!({"message": "nope"}), None), None);
    }

    #[test]
    fn profile_headers_carry_the_client_id_where_asked() {
        let headers = crate::trakt().client_id("abc123").profile_headers();
        assert!(
            headers.contains(&("trakt-api-key".into(), "abc123".into())),
            "{headers:?}"
        );
        assert!(
            headers.contains(&("trakt-api-version".into(), "2".into())),
            "{headers:?}"
        );
    }

    #[test]
    fn bitbucket_needs_a_confirmed_email() {
        let list = json!({"values": [
            {"email": "u@x", "is_primary": true, "is_confirmed": false},
            {"email": "c@x", "is_primary": false, "is_confirmed": true},
        ]});
        assert_eq!(bitbucket_email(&list, None).as_deref(), Some("c@x"));
        assert_eq!(bitbucket_email(&list, Some("u@x")).as_deref(), Some("c@x"));
    }
}
