//! The authorization URL, with its parameters in Auth.js v5's order:
//! the endpoint's own query, `response_type`, `client_id`, `redirect_uri`,
//! the provider's parameters, the sign-in request's parameters, then
//! `state`, `code_challenge`, `code_challenge_method=S256`, `nonce`, and
//! `scope=openid profile email` for OpenID Connect when no scope was given.

use keyway_core::LogCode;
use keyway_core::oauth::{AuthorizationRequest, OAuthError};
use keyway_core::provider::ProviderType;

use crate::config::OAuth;

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
}

fn url_error(message: impl Into<String>) -> OAuthError {
    OAuthError::new(LogCode::GetAuthorizationUrlError, message)
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
        url.query_pairs_mut().clear().extend_pairs(params.0.iter());
        Ok(url.into())
    }
}
