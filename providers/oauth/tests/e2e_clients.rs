//! The same sign-in through each kind of client the test OpenID provider
//! has: client_secret_post, a public client, ES256 and HS256 ID tokens,
//! userinfo merged over the ID token, `response_mode=form_post`, and
//! discovery failing at sign-in.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::{Answer, Browser, ISSUER, IdpBrowser, OAuthSteps, ORIGIN, SECRET, idp_up};
use keyway_core::{Adapter, Auth};
use keyway_memory::MemoryAdapter;
use keyway_oauth::{JwsAlgorithm, OAuth, TokenAuthMethod};
use keyway_testkit::support::LogCapture;

async fn signs_in(provider: OAuth, hint: &str) -> (Answer, MemoryAdapter) {
    let id = keyway_core::oauth::OAuthProvider::id(&provider).to_owned();
    let mem = MemoryAdapter::new();
    let auth = Auth::builder()
        .secret(SECRET)
        .url(ORIGIN)
        .adapter(Arc::new(mem.clone()))
        .provider(provider)
        .build()
        .unwrap();
    let mut b = Browser::new(auth);
    let url = b.start(&id, &format!("?login_hint={hint}")).await;
    let answer = IdpBrowser::new().authorize(&url).await;
    let r = b.finish(&answer).await;
    assert_eq!(
        r.location(),
        Some(format!("{ORIGIN}/after").as_str()),
        "{id}"
    );
    // The test provider marks alice's and bob's addresses verified, not
    // carol's: an unverified address is neither shown nor stored.
    let email = (hint != "carol").then(|| format!("{hint}@example.com"));
    assert_eq!(b.session_email().await, email, "{id} {hint}");
    let user = mem.get_user_by_account(&id, hint).await.unwrap().unwrap();
    assert_eq!(user.email, email, "{id} {hint}");
    assert_eq!(
        user.email_verified.is_some(),
        email.is_some(),
        "{id} {hint}"
    );
    (answer, mem)
}

fn idp(id: &str, client: &str, secret: &str) -> OAuth {
    OAuth::oidc(id, "Test IdP")
        .issuer(ISSUER)
        .client_id(client)
        .client_secret(secret)
}

#[tokio::test(flavor = "current_thread")]
async fn client_secret_post() {
    if idp_up().await {
        let p = idp("post", "keyway-post", "keyway-post-secret")
            .token_auth_method(TokenAuthMethod::ClientSecretPost);
        signs_in(p, "bob").await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn public_client_with_pkce() {
    if idp_up().await {
        let p = OAuth::oidc("public", "Test IdP")
            .issuer(ISSUER)
            .client_id("keyway-public")
            .token_auth_method(TokenAuthMethod::None);
        signs_in(p, "alice").await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn es256_and_hs256_id_tokens() {
    if idp_up().await {
        signs_in(idp("es", "keyway-es256", "keyway-es256-secret"), "alice").await;
        // HS256 is refused unless the provider lists it.
        signs_in(
            hs_client().id_token_algorithms(&[JwsAlgorithm::HS256]),
            "bob",
        )
        .await;
    }
}

/// The test provider's client whose ID tokens are HS256, keyed with its
/// secret.
fn hs_client() -> OAuth {
    idp(
        "hs",
        "keyway-hs256",
        "keyway-hs256-secret-that-is-long-enough-0123",
    )
}

#[tokio::test(flavor = "current_thread")]
async fn hs256_id_tokens_are_refused_by_default() {
    if !idp_up().await {
        return;
    }
    let logs = LogCapture::start();
    let mem = MemoryAdapter::new();
    let auth = Auth::builder()
        .secret(SECRET)
        .url(ORIGIN)
        .adapter(Arc::new(mem.clone()))
        .provider(hs_client())
        .build()
        .unwrap();
    let mut b = Browser::new(auth);
    let url = b.start("hs", "?login_hint=bob").await;
    let answer = IdpBrowser::new().authorize(&url).await;
    let r = b.finish(&answer).await;
    assert_eq!(
        r.location(),
        Some(format!("{ORIGIN}/api/auth/signin?error=OAuthCallback").as_str())
    );
    let text = logs.text();
    assert!(
        text.contains("CALLBACK_OAUTH_ERROR") && text.contains("it is signed with HS256"),
        "{text}"
    );
    assert_eq!(b.session_email().await, None);
    assert!(mem.get_account("hs", "bob").await.unwrap().is_none());
}

#[tokio::test(flavor = "current_thread")]
async fn userinfo_is_merged_over_the_id_token() {
    if !idp_up().await {
        return;
    }
    // The profile mapping sees what only userinfo... and the ID token both say.
    // carol's address is unverified at the provider: signed in without it.
    let p = idp("info", "keyway-basic", "keyway-basic-secret")
        .fetch_userinfo(true)
        .profile(|raw, _| {
            assert!(raw.get("iss").is_some(), "ID token claims are kept");
            assert!(
                raw.get("email_verified").is_some(),
                "userinfo claims are merged"
            );
            keyway_oauth::default_profile(raw, &Default::default())
        });
    signs_in(p, "carol").await;
}

#[tokio::test(flavor = "current_thread")]
async fn form_post_answer() {
    if !idp_up().await {
        return;
    }
    let p = idp("fp", "keyway-basic", "keyway-basic-secret").form_post(true);
    let (answer, _) = signs_in(p, "alice").await;
    assert!(matches!(answer, Answer::Post(ref path, _) if path == "/api/auth/callback/fp"));
}

#[tokio::test(flavor = "current_thread")]
async fn form_post_check_cookies_are_cross_site() {
    let auth = Auth::builder()
        .secret(SECRET)
        .url("https://app.example.com")
        .provider(
            OAuth::oidc("apple-like", "A")
                .form_post(true)
                .client_id("c")
                .client_secret("s")
                .metadata(keyway_oauth::ProviderMetadata {
                    issuer: "https://idp.example".into(),
                    authorization_endpoint: "https://idp.example/auth".into(),
                    token_endpoint: "https://idp.example/token".into(),
                    ..Default::default()
                }),
        )
        .build()
        .unwrap();
    let mut b = Browser::new(auth);
    let csrf = b.csrf().await;
    let r = b
        .post_form(
            "/api/auth/signin/apple-like",
            &[("csrfToken", csrf.as_str())],
        )
        .await;
    assert!(
        r.location()
            .unwrap_or_default()
            .contains("response_mode=form_post"),
        "{}",
        r.location().unwrap_or_default()
    );
    let state = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("__Secure-authjs.state="))
        .expect("state cookie");
    assert!(
        state.contains("SameSite=None") && state.contains("Secure"),
        "{state}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn discovery_failure_is_oauth_signin() {
    let logs = LogCapture::start();
    let auth = Auth::builder()
        .secret(SECRET)
        .url(ORIGIN)
        .provider(
            OAuth::oidc("down", "Down")
                .issuer("http://127.0.0.1:9")
                .client_id("c")
                .client_secret("s"),
        )
        .build()
        .unwrap();
    let mut b = Browser::new(auth);
    let csrf = b.csrf().await;
    let r = b
        .post_form("/api/auth/signin/down", &[("csrfToken", csrf.as_str())])
        .await;
    assert_eq!(
        r.location(),
        Some(format!("{ORIGIN}/api/auth/signin?error=OAuthSignin").as_str())
    );
    assert!(
        logs.text().contains("GET_AUTHORIZATION_URL_ERROR"),
        "{}",
        logs.text()
    );
    assert!(
        !b.jar.contains_key("authjs.state"),
        "no check cookies without a URL"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn missing_configuration_is_found_at_build() {
    let Err(e) = Auth::builder()
        .secret(SECRET)
        .url(ORIGIN)
        .provider(OAuth::oidc("nothing-set-here", "X"))
        .build()
    else {
        panic!("a provider without a client id was accepted");
    };
    assert!(e.message().contains("AUTH_NOTHING_SET_HERE_ID"), "{e}");
}
