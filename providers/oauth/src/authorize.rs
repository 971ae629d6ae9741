//! The authorization URL. The `oauth2` crate writes the request
//! (`response_type`, `client_id`, `redirect_uri`, `state`, the PKCE
//! `code_challenge` with `code_challenge_method=S256`, `scope` and the other
//! parameters); keyway decides which parameters win and keeps Auth.js v5's
//! order: the endpoint's own query, `response_type`, `client_id`,
//! `redirect_uri`, the provider's parameters, the sign-in request's
//! parameters, then `state`, `code_challenge`, `code_challenge_method`,
//! `nonce`, and `scope=openid profile email` for OpenID Connect when no
//! scope was given.

use std::borrow::Cow;

use keyway_core::LogCode;
use keyway_core::oauth::{AuthorizationRequest, OAuthError};
use keyway_core::provider::ProviderType;
use oauth2::{AuthUrl, CsrfToken, PkceCodeChallenge, RedirectUrl, Scope};

use crate::config::{Dialect, OAuth};

/// The default scope of OpenID Connect providers.
pub(crate) const OIDC_SCOPE: &str = "openid profile email";

/// Parameters the sign-in request may not change: they carry the protocol
/// and its protections.
const PROTECTED: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "response_mode",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
];

/// Parameters the `oauth2` crate writes itself.
const WRITTEN_BY_OAUTH2: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "code_challenge",
    "code_challenge_method",
];

/// An ordered parameter list where setting a name again replaces its value
/// in place (as `URLSearchParams.set` does).
#[derive(Default)]
struct Params(Vec<(String, String)>);

impl Params {
    fn set(&mut self, name: &str, value: &str) {
        match self.0.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value.to_owned(),
            None => self.0.push((name.to_owned(), value.to_owned())),
        }
    }
    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
    fn position(&self, name: &str) -> Option<usize> {
        self.0.iter().position(|(k, _)| k == name)
    }
}

fn url_error(message: impl Into<String>) -> OAuthError {
    OAuthError::new(LogCode::GetAuthorizationUrlError, message)
}

/// The engine's S256 challenge as the `oauth2` crate's type (the engine
/// keeps the verifier in its check cookie, so the challenge is given).
fn s256(challenge: &str) -> Result<PkceCodeChallenge, OAuthError> {
    serde_json::from_value(serde_json::json!({
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }))
    .map_err(|_| url_error("the PKCE code challenge could not be set"))
}

impl OAuth {
    pub(crate) async fn build_authorization_url(
        &self,
        request: &AuthorizationRequest<'_>,
    ) -> Result<String, OAuthError> {
        let base = self
            .endpoint(
                &self.authorization_endpoint,
                |m| Some(m.authorization_endpoint.clone()),
                "authorization_endpoint",
            )
            .await
            .map_err(|e| url_error(e.to_string()))?;
        let mut url = url::Url::parse(&base)
            .map_err(|_| url_error(format!("the authorization endpoint {base:?} is not a URL")))?;
        let own: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let mut params = Params(own.clone());
        params.set("response_type", "code");
        params.set("client_id", self.client_id.as_deref().unwrap_or_default());
        params.set("redirect_uri", request.redirect_uri);
        if let Some(name) = self.client_id_param {
            // TikTok's `client_key`, WeChat's `appid`.
            params.set(name, self.client_id.as_deref().unwrap_or_default());
        }
        // The endpoint's own query wins over the provider's parameters.
        let provider_params = self
            .scope
            .as_deref()
            .map(|s| ("scope", s))
            .into_iter()
            .chain(self.params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        for (name, value) in provider_params {
            if !own.iter().any(|(k, _)| k == name) {
                params.set(name, value);
            }
        }
        if self.form_post {
            params.set("response_mode", "form_post");
        }
        for (name, value) in request.params {
            if !PROTECTED.contains(&name.as_str()) {
                params.set(name, value);
            }
        }
        if let Some(state) = request.state {
            params.set("state", state);
        }
        if let Some(challenge) = request.code_challenge {
            params.set("code_challenge", challenge);
            params.set("code_challenge_method", "S256");
        }
        if let Some(nonce) = request.nonce {
            params.set("nonce", nonce);
        }
        if self.kind == ProviderType::Oidc && !params.has("scope") {
            params.set("scope", OIDC_SCOPE);
        }
        url.set_query(None);

        // The `oauth2` crate writes the request ...
        let redirect_uri = RedirectUrl::new(request.redirect_uri.to_owned()).map_err(|_| {
            url_error(format!(
                "the redirect URI {:?} is not a URL",
                request.redirect_uri
            ))
        })?;
        let client = self.protocol_client().set_auth_uri(AuthUrl::from_url(url));
        let state = request.state.unwrap_or_default().to_owned();
        let mut authorize = client
            .authorize_url(|| CsrfToken::new(state))
            .set_redirect_uri(Cow::Owned(redirect_uri));
        if let Some(challenge) = request.code_challenge {
            authorize = authorize.set_pkce_challenge(s256(challenge)?);
        }
        for (name, value) in &params.0 {
            if name == "scope" {
                authorize = authorize.add_scope(Scope::new(value.clone()));
            } else if !WRITTEN_BY_OAUTH2.contains(&name.as_str()) {
                authorize = authorize.add_extra_param(name.as_str(), value.as_str());
            }
        }
        let (mut url, _) = authorize.url();

        // ... in Auth.js's order. It always writes a `state`: a provider
        // without the state check sends none.
        let mut pairs: Vec<(String, String)> = url
            .query_pairs()
            .into_owned()
            .filter(|(name, _)| params.has(name))
            .collect();
        pairs.sort_by_key(|(name, _)| params.position(name));
        if self.dialect == Dialect::WeChat {
            // WeChat reads `appid`, wants its documented order and ignores a
            // request without the `#wechat_redirect` fragment.
            const ORDER: [&str; 5] = ["appid", "redirect_uri", "response_type", "scope", "state"];
            pairs.retain(|(name, _)| name != "client_id");
            pairs.sort_by_key(|(name, _)| {
                ORDER.iter().position(|n| n == name).unwrap_or(ORDER.len())
            });
            url.set_fragment(Some("wechat_redirect"));
        }
        url.query_pairs_mut().clear().extend_pairs(pairs.iter());
        Ok(url.into())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn request<'a>(params: &'a BTreeMap<String, String>) -> AuthorizationRequest<'a> {
        AuthorizationRequest {
            redirect_uri: "https://app.example.com/api/auth/callback/x",
            state: None,
            code_challenge: None,
            nonce: None,
            params,
        }
    }

    #[tokio::test]
    async fn the_endpoint_query_and_the_request_params_keep_their_places() {
        let p = OAuth::oauth2("x", "X")
            .client_id("id")
            .authorization_endpoint("https://idp.example/authorize?tenant=a&scope=own")
            .scope("ignored")
            .authorization_param("prompt", "consent");
        let params = BTreeMap::from([
            ("prompt".to_owned(), "login".to_owned()),
            ("state".to_owned(), "forged".to_owned()),
            ("login_hint".to_owned(), "a@b".to_owned()),
        ]);
        let mut r = request(&params);
        r.code_challenge = Some("CH");
        let url = p.build_authorization_url(&r).await.unwrap();
        assert_eq!(
            url,
            "https://idp.example/authorize?tenant=a&scope=own&response_type=code&client_id=id\
             &redirect_uri=https%3A%2F%2Fapp.example.com%2Fapi%2Fauth%2Fcallback%2Fx\
             &prompt=login&login_hint=a%40b&code_challenge=CH&code_challenge_method=S256"
        );
    }

    #[tokio::test]
    async fn oidc_gets_the_default_scope_last_and_state_only_when_checked() {
        let p = OAuth::oidc("x", "X")
            .client_id("id")
            .authorization_endpoint("https://idp.example/authorize");
        let params = BTreeMap::new();
        let mut r = request(&params);
        r.state = Some("ST");
        r.nonce = Some("NO");
        let url = p.build_authorization_url(&r).await.unwrap();
        assert!(
            url.ends_with("&state=ST&nonce=NO&scope=openid+profile+email"),
            "{url}"
        );
        r.state = None;
        let url = p.build_authorization_url(&r).await.unwrap();
        assert!(!url.contains("state="), "{url}");
    }
}
