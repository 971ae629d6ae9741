//! Starting an OAuth sign-in with a provider that misbehaves: the engine
//! sends the browser only to an absolute http(s) authorization URL;
//! anything else ends on the sign-in page with `OAuthSignin`, logged once
//! as SIGNIN_OAUTH_ERROR, with no check cookies set.

mod common;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use common::{Browser, ORIGIN, SECRET};
use keyway_core::oauth::{
    AuthorizationRequest, CallbackRequest, OAuthCallback, OAuthError, OAuthProvider, TokenSet,
};
use keyway_core::provider::ProviderType;
use keyway_core::{Auth, LogCode, Provider};
use keyway_testkit::support::LogCapture;

/// A provider whose authorization URL is `url` with `{state}` replaced by
/// the state the engine asked for (kept, to check it is never logged).
struct Broken {
    url: &'static str,
    states: Mutex<Vec<String>>,
}

#[async_trait]
impl OAuthProvider for Broken {
    fn id(&self) -> &str {
        "broken"
    }
    fn name(&self) -> &str {
        "Broken"
    }
    fn kind(&self) -> ProviderType {
        ProviderType::OAuth
    }
    async fn authorization_url(
        &self,
        request: &AuthorizationRequest<'_>,
    ) -> Result<String, OAuthError> {
        let state = request.state.expect("the state check is on").to_owned();
        self.states.lock().expect("lock").push(state.clone());
        Ok(self.url.replace("{state}", &state))
    }
    async fn callback(&self, _: &CallbackRequest<'_>) -> Result<OAuthCallback, OAuthError> {
        Err(OAuthError::new(LogCode::CallbackOauthError, "not used"))
    }
    async fn refresh(&self, _: &str) -> Result<TokenSet, OAuthError> {
        Err(OAuthError::new(
            LogCode::OauthGetAccessTokenError,
            "not used",
        ))
    }
}

/// Posts the sign-in form for the provider whose authorization URL is
/// `url`; returns the answer and the state the provider was given.
async fn start(url: &'static str) -> (Browser, keyway_testkit::support::Resp, String) {
    let provider = Arc::new(Broken {
        url,
        states: Mutex::default(),
    });
    let auth = Auth::builder()
        .secret(SECRET)
        .url(ORIGIN)
        .provider(Provider::OAuth(provider.clone()))
        .build()
        .expect("config");
    let mut b = Browser::new(auth);
    let csrf = b.csrf().await;
    let r = b
        .post_form("/api/auth/signin/broken", &[("csrfToken", csrf.as_str())])
        .await;
    let state = provider.states.lock().expect("lock").pop().expect("asked");
    (b, r, state)
}

#[tokio::test(flavor = "current_thread")]
async fn an_invalid_authorization_url_is_signin_oauth_error() {
    for url in [
        "/oauth/authorize?state={state}",
        "idp.example/authorize?state={state}",
        "javascript:alert('{state}')",
        "ftp://idp.example/authorize?state={state}",
        "https://?state={state}",
        "",
    ] {
        let logs = LogCapture::start();
        let (b, r, state) = start(url).await;
        assert_eq!(
            r.location(),
            Some(format!("{ORIGIN}/api/auth/signin?error=OAuthSignin").as_str()),
            "{url:?}"
        );
        assert!(r.set_cookies().is_empty(), "{url:?}: no cookies on errors");
        assert!(
            !b.jar
                .keys()
                .any(|k| k.contains("state") || k.contains("pkce")),
            "{url:?}: no check cookies"
        );
        let text = logs.text();
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("SIGNIN_OAUTH_ERROR"))
            .collect();
        assert_eq!(lines.len(), 1, "{url:?}: logged once:\n{text}");
        assert!(lines[0].contains("authorization URL"), "{}", lines[0]);
        assert!(!text.contains(&state), "{url:?}: the state is not logged");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn an_absolute_http_url_is_followed() {
    for url in [
        "https://idp.example/authorize?state={state}",
        "http://127.0.0.1:4700/auth?state={state}",
    ] {
        let logs = LogCapture::start();
        let (b, r, state) = start(url).await;
        assert_eq!(
            r.location(),
            Some(url.replace("{state}", &state).as_str()),
            "the URL exactly as the provider built it"
        );
        assert!(b.jar.contains_key("authjs.state"), "{url}");
        assert!(b.jar.contains_key("authjs.pkce.code_verifier"), "{url}");
        assert!(!logs.text().contains("SIGNIN_OAUTH_ERROR"));
    }
}
