//! Token revocation at sign-out (`revoke_on_sign_out`), against the test
//! provider's RFC 7009 endpoint (tests/common/fake_idp.rs) over real https
//! (a certificate of a test CA, trusted with `root_certificate_pem`):
//! the refresh token is revoked with the client's credentials, the stored
//! tokens are forgotten, and a failing revocation never stops the sign-out.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::fake_idp::{CLIENT_ID, CLIENT_SECRET, FakeIdp, TEST_CA};
use common::{Browser, IdpBrowser, OAuthSteps, ORIGIN, SECRET};
use http::StatusCode;
use keyway_core::{Adapter, Auth, SessionStrategy};
use keyway_memory::MemoryAdapter;
use keyway_oauth::OAuth;
use keyway_testkit::support::LogCapture;

fn provider(idp: &FakeIdp, revoke: bool) -> OAuth {
    OAuth::oidc("fake", "Fake")
        .issuer(&idp.issuer)
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .root_certificate_pem(TEST_CA)
        .revoke_on_sign_out(revoke)
}

async fn signed_in(auth: &Auth, idp: &FakeIdp) -> Browser {
    let mut b = Browser::new(auth.clone());
    let url = b.start("fake", "").await;
    let answer = IdpBrowser::new().authorize(&url).await;
    let r = b.finish(&answer).await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/after").as_str()));
    assert!(url.starts_with(&idp.issuer), "{url}");
    b
}

async fn sign_out(b: &mut Browser) {
    let csrf = b.csrf().await;
    let r = b
        .post_form("/api/auth/signout", &[("csrfToken", csrf.as_str())])
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(b.session_email().await, None, "signed out");
}

async fn rig(revoke: bool, strategy: SessionStrategy) -> (FakeIdp, MemoryAdapter, Auth) {
    // RFC 7009 (and the oauth2 crate) want the revocation endpoint on https.
    let idp = FakeIdp::start_tls().await;
    idp.with(|b| b.refresh_token = Some("fake-refresh-token".into()));
    let mem = MemoryAdapter::new();
    let auth = Auth::builder()
        .secret(SECRET)
        .url(ORIGIN)
        .adapter(Arc::new(mem.clone()))
        .session_strategy(strategy)
        .provider(provider(&idp, revoke))
        .build()
        .unwrap();
    (idp, mem, auth)
}

#[tokio::test(flavor = "current_thread")]
async fn sign_out_revokes_the_refresh_token_and_forgets_the_tokens() {
    for strategy in [SessionStrategy::Database, SessionStrategy::Jwt] {
        let (idp, mem, auth) = rig(true, strategy).await;
        let mut b = signed_in(&auth, &idp).await;
        let account = mem.get_account("fake", "fake-user").await.unwrap().unwrap();
        assert_eq!(account.refresh_token.as_deref(), Some("fake-refresh-token"));
        assert!(idp.with(|b| b.revocations.is_empty()));

        sign_out(&mut b).await;
        let revocations = idp.with(|b| b.revocations.clone());
        assert_eq!(revocations.len(), 1, "{strategy:?}: {revocations:?}");
        let (form, basic) = &revocations[0];
        let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(field("token"), Some("fake-refresh-token"));
        assert_eq!(field("token_type_hint"), Some("refresh_token"));
        assert!(basic, "client_secret_basic: {form:?}");
        assert_eq!(field("client_secret"), None);

        let account = mem.get_account("fake", "fake-user").await.unwrap().unwrap();
        assert_eq!(
            (account.access_token, account.refresh_token),
            (None, None),
            "{strategy:?}"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn without_the_setting_nothing_is_revoked() {
    let (idp, mem, auth) = rig(false, SessionStrategy::Database).await;
    let mut b = signed_in(&auth, &idp).await;
    sign_out(&mut b).await;
    assert!(idp.with(|b| b.revocations.is_empty()));
    let account = mem.get_account("fake", "fake-user").await.unwrap().unwrap();
    assert_eq!(account.refresh_token.as_deref(), Some("fake-refresh-token"));
}

#[tokio::test(flavor = "current_thread")]
async fn a_failed_revocation_is_logged_and_the_user_is_signed_out() {
    let (idp, mem, auth) = rig(true, SessionStrategy::Database).await;
    idp.with(|b| b.revocation_status = 503);
    let mut b = signed_in(&auth, &idp).await;
    let logs = LogCapture::start();
    sign_out(&mut b).await;
    let text = logs.text();
    assert!(text.contains("SIGNOUT_ERROR"), "{text}");
    assert!(text.contains("answered 503"), "{text}");
    assert!(!text.contains("fake-refresh-token"), "{text}");
    assert_eq!(idp.with(|b| b.revocations.len()), 1);
    // Not revoked, so kept.
    let account = mem.get_account("fake", "fake-user").await.unwrap().unwrap();
    assert_eq!(account.refresh_token.as_deref(), Some("fake-refresh-token"));
}

#[test]
fn revoking_needs_an_endpoint() {
    let p = OAuth::oauth2("x", "X")
        .client_id("a")
        .client_secret("b")
        .authorization_endpoint("https://x/authorize")
        .token_endpoint("https://x/token")
        .userinfo_endpoint("https://x/me")
        .revoke_on_sign_out(true);
    let e = keyway_core::oauth::OAuthProvider::check_config(&p).unwrap_err();
    assert!(e.contains("revocation_endpoint"), "{e}");
    let p = p.revocation_endpoint("https://x/revoke");
    assert_eq!(keyway_core::oauth::OAuthProvider::check_config(&p), Ok(()));
}

#[test]
fn a_root_certificate_must_be_pem() {
    let p = OAuth::oidc("x", "X")
        .client_id("a")
        .client_secret("b")
        .issuer("https://idp.example");
    let bad = p.clone().root_certificate_pem("not a certificate");
    let e = keyway_core::oauth::OAuthProvider::check_config(&bad).unwrap_err();
    assert!(e.contains("PEM"), "{e}");
    let good = p.root_certificate_pem(TEST_CA);
    assert_eq!(
        keyway_core::oauth::OAuthProvider::check_config(&good),
        Ok(())
    );
}

#[tokio::test(flavor = "current_thread")]
async fn an_untrusted_certificate_is_refused() {
    let idp = FakeIdp::start_tls().await;
    let auth = Auth::builder()
        .secret(SECRET)
        .url(ORIGIN)
        .provider(
            OAuth::oidc("fake", "Fake")
                .issuer(&idp.issuer)
                .client_id(CLIENT_ID)
                .client_secret(CLIENT_SECRET),
        )
        .build()
        .unwrap();
    let logs = LogCapture::start();
    let mut b = Browser::new(auth);
    let csrf = b.csrf().await;
    let r = b
        .post_form("/api/auth/signin/fake", &[("csrfToken", csrf.as_str())])
        .await;
    assert!(
        r.location()
            .unwrap_or_default()
            .contains("error=OAuthSignin"),
        "{:?}",
        r.location()
    );
    assert!(
        logs.text().contains("GET_AUTHORIZATION_URL_ERROR"),
        "{}",
        logs.text()
    );
}
