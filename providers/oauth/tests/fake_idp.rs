//! What a compliant provider never does, from a provider written for the
//! tests (tests/common/fake_idp.rs) over real HTTP: ID tokens for another
//! audience, expired, from another issuer or signed with an unpublished
//! key; key rotation; broken token and userinfo endpoints; GitHub's email
//! fallback. Each failure has its log code and makes no session.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::fake_idp::{CLIENT_ID, CLIENT_SECRET, FakeIdp, Key};
use common::{Browser, IdpBrowser, OAuthSteps, ORIGIN, SECRET};
use keyway_core::{Adapter, Auth};
use keyway_memory::MemoryAdapter;
use keyway_oauth::{JwsAlgorithm, OAuth, github_enterprise, tiktok, vk, wechat};
use keyway_testkit::support::LogCapture;
use serde_json::json;

struct Rig {
    idp: FakeIdp,
    mem: MemoryAdapter,
    auth: Auth,
}

async fn rig() -> Rig {
    let idp = FakeIdp::start().await;
    let mem = MemoryAdapter::new();
    let auth = Auth::builder()
        .secret(SECRET)
        .url(ORIGIN)
        .adapter(Arc::new(mem.clone()))
        .provider(
            OAuth::oidc("fake", "Fake")
                .issuer(&idp.issuer)
                .client_id(CLIENT_ID)
                .client_secret(CLIENT_SECRET),
        )
        .provider(
            github_enterprise(&idp.issuer)
                .client_id(CLIENT_ID)
                .client_secret(CLIENT_SECRET),
        )
        .provider(wechat_at(&idp))
        // The same provider, allowed only algorithms it does not sign with
        // (it signs with ES256).
        .provider(
            OAuth::oidc("rsa-only", "RSA only")
                .issuer(&idp.issuer)
                .client_id(CLIENT_ID)
                .client_secret(CLIENT_SECRET)
                .id_token_algorithms(&[JwsAlgorithm::RS256, JwsAlgorithm::PS256]),
        )
        .build()
        .unwrap();
    Rig { idp, mem, auth }
}

/// The WeChat preset with the test provider's endpoints.
fn wechat_at(idp: &FakeIdp) -> OAuth {
    let i = &idp.issuer;
    wechat()
        .authorization_endpoint(format!("{i}/authorize"))
        .token_endpoint(format!("{i}/sns/oauth2/access_token"))
        .userinfo_endpoint(format!("{i}/sns/userinfo"))
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
}

impl Rig {
    async fn sign_in(&self, provider: &str) -> (Browser, common::Resp) {
        let mut b = Browser::new(self.auth.clone());
        let url = b.start(provider, "").await;
        assert!(url.starts_with(&self.idp.issuer), "{url}");
        let answer = IdpBrowser::new().authorize(&url).await;
        let r = b.finish(&answer).await;
        (b, r)
    }

    /// The sign-in fails on the sign-in page with `OAuthCallback`, logs
    /// `code` and `cause`, and leaves no session or user behind.
    async fn fails(&self, provider: &str, code: &str, cause: &str) {
        let logs = LogCapture::start();
        let (mut b, r) = self.sign_in(provider).await;
        assert_eq!(
            r.location(),
            Some(format!("{ORIGIN}/api/auth/signin?error=OAuthCallback").as_str())
        );
        let text = logs.text();
        assert!(text.contains(code), "{code}: {text}");
        assert!(text.contains(cause), "{cause}: {text}");
        assert!(!b.has_session_cookie());
        assert_eq!(b.session_email().await, None);
        assert!(
            self.mem
                .get_account(provider, "fake-user")
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_valid_id_token_signs_in() {
    let rig = rig().await;
    let (mut b, r) = rig.sign_in("fake").await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/after").as_str()));
    assert_eq!(b.session_email().await.as_deref(), Some("fake@example.com"));
    assert!(
        rig.mem
            .get_account("fake", "fake-user")
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test(flavor = "current_thread")]
async fn wrong_audience_fails() {
    let rig = rig().await;
    rig.idp.with(|b| b.aud = json!("another-client"));
    rig.fails("fake", "CALLBACK_OAUTH_ERROR", "audience").await;
    // An array that names this client among others is accepted.
    rig.idp
        .with(|b| b.aud = json!(["another-client", CLIENT_ID]));
    let (_, r) = rig.sign_in("fake").await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/after").as_str()));
}

#[tokio::test(flavor = "current_thread")]
async fn expired_id_token_fails() {
    let rig = rig().await;
    rig.idp.with(|b| b.exp_in = -3600);
    rig.fails("fake", "CALLBACK_OAUTH_ERROR", "expired").await;
    // Within the clock-skew leeway it is still accepted.
    rig.idp.with(|b| b.exp_in = -5);
    let (_, r) = rig.sign_in("fake").await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/after").as_str()));
}

#[tokio::test(flavor = "current_thread")]
async fn another_issuer_fails() {
    let rig = rig().await;
    rig.idp
        .with(|b| b.iss = Some("https://evil.example".into()));
    rig.fails("fake", "CALLBACK_OAUTH_ERROR", "issuer").await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_key_that_is_not_published_fails() {
    let rig = rig().await;
    // Same kid as the published key, other key material.
    rig.idp.with(|b| b.signing = Key::generate("key-1"));
    rig.fails("fake", "CALLBACK_OAUTH_ERROR", "signature").await;
    rig.idp.with(|b| b.signing = Key::generate("unknown-kid"));
    rig.fails("fake", "CALLBACK_OAUTH_ERROR", "no key").await;
}

#[tokio::test(flavor = "current_thread")]
async fn an_algorithm_the_provider_is_not_allowed_fails() {
    let rig = rig().await;
    rig.fails(
        "rsa-only",
        "CALLBACK_OAUTH_ERROR",
        "it is signed with ES256, which this provider does not accept \
         (id_token_algorithms: RS256, PS256)",
    )
    .await;
    assert_eq!(
        rig.idp.with(|b| b.jwks_fetches),
        0,
        "refused before the key set is fetched"
    );
    // The provider's own key would have verified it.
    let (_, r) = rig.sign_in("fake").await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/after").as_str()));
}

#[tokio::test(flavor = "current_thread")]
async fn rotated_keys_are_fetched_again() {
    let rig = rig().await;
    let (_, r) = rig.sign_in("fake").await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/after").as_str()));
    let (_, r) = rig.sign_in("fake").await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/after").as_str()));
    assert_eq!(rig.idp.with(|b| b.jwks_fetches), 1, "the key set is cached");

    let next = Key::generate("key-2");
    rig.idp.with(|b| {
        b.published = vec![next.clone()];
        b.signing = next;
    });
    let (_, r) = rig.sign_in("fake").await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/after").as_str()));
    assert_eq!(
        rig.idp.with(|b| b.jwks_fetches),
        2,
        "fetched again for the new kid"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn token_endpoint_failures() {
    let rig = rig().await;
    rig.idp
        .with(|b| b.token_failure = Some((500, "<html>oops</html>".into())));
    rig.fails("fake", "OAUTH_GET_ACCESS_TOKEN_ERROR", "answered 500")
        .await;
    rig.idp
        .with(|b| b.token_failure = Some((200, "not json".into())));
    rig.fails(
        "fake",
        "OAUTH_GET_ACCESS_TOKEN_ERROR",
        "not the JSON expected",
    )
    .await;
    rig.idp
        .with(|b| b.token_failure = Some((200, r#"{"token_type":"bearer"}"#.into())));
    rig.fails("fake", "OAUTH_GET_ACCESS_TOKEN_ERROR", "no access_token")
        .await;
    rig.idp.with(|b| {
        b.token_failure = Some((
            200,
            r#"{"error":"bad_verification_code","error_description":"The code is wrong"}"#.into(),
        ))
    });
    rig.fails(
        "fake",
        "OAUTH_GET_ACCESS_TOKEN_ERROR",
        "bad_verification_code",
    )
    .await;
    rig.idp.with(|b| {
        b.token_failure = None;
        b.no_id_token = true;
    });
    rig.fails("fake", "CALLBACK_OAUTH_ERROR", "no id_token")
        .await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_callback_without_code_fails() {
    let rig = rig().await;
    let logs = LogCapture::start();
    let mut b = Browser::new(rig.auth.clone());
    let url = b.start("fake", "").await;
    let answer = IdpBrowser::new().authorize(&url).await;
    let state = answer.param("state").unwrap();
    let r = b
        .get(&format!("/api/auth/callback/fake?state={state}"))
        .await;
    assert_eq!(error_page(&r), "OAuthCallback");
    assert!(
        logs.text().contains("OAUTH_CALLBACK_HANDLER_ERROR"),
        "{}",
        logs.text()
    );
}

fn error_page(r: &common::Resp) -> String {
    r.location()
        .unwrap_or_default()
        .rsplit("error=")
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "current_thread")]
async fn github_private_email_comes_from_user_emails() {
    let rig = rig().await;
    let (mut b, r) = rig.sign_in("github").await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/after").as_str()));
    assert_eq!(b.session_email().await.as_deref(), Some("mona@example.com"));
    let user = rig
        .mem
        .get_user_by_account("github", "1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.name.as_deref(), Some("Mona Lisa"));

    // A public email is used when GitHub lists it as verified.
    rig.idp.with(|b| {
        b.github_user = json!({"id": 2, "login": "octo", "email": "octo@example.com"});
        b.github_emails = json!([
            {"email": "main@example.com", "primary": true, "verified": true},
            {"email": "octo@example.com", "primary": false, "verified": true},
        ]);
    });
    let (mut b, _) = rig.sign_in("github").await;
    assert_eq!(b.session_email().await.as_deref(), Some("octo@example.com"));
}

#[tokio::test(flavor = "current_thread")]
async fn github_unverified_emails_are_not_used() {
    let rig = rig().await;
    // The public address and the primary one are unverified: another
    // verified address is used, never theirs.
    rig.idp.with(|b| {
        b.github_user = json!({"id": 3, "login": "eve", "email": "victim@example.com"});
        b.github_emails = json!([
            {"email": "victim@example.com", "primary": true, "verified": false},
            {"email": "eve@example.com", "primary": false, "verified": true},
        ]);
    });
    let (mut b, _) = rig.sign_in("github").await;
    assert_eq!(b.session_email().await.as_deref(), Some("eve@example.com"));
    let user = rig
        .mem
        .get_user_by_account("github", "3")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.email.as_deref(), Some("eve@example.com"));
    assert!(user.email_verified.is_some());

    // Nothing verified, or the emails API failing: no address at all.
    rig.idp.with(|b| {
        b.github_user = json!({"id": 4, "login": "eve2", "email": "victim@example.com"});
        b.github_emails = json!([
            {"email": "victim@example.com", "primary": true, "verified": false},
        ]);
    });
    let (mut b, r) = rig.sign_in("github").await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/after").as_str()));
    assert_eq!(b.session_email().await, None);
    let user = rig
        .mem
        .get_user_by_account("github", "4")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((user.email, user.email_verified), (None, None));
    assert!(
        rig.mem
            .get_user_by_email("victim@example.com")
            .await
            .unwrap()
            .is_none()
    );
    rig.idp
        .with(|b| b.github_emails = json!({"message": "Not Found"}));
    rig.idp
        .with(|b| b.github_user = json!({"id": 5, "login": "eve3", "email": "victim@example.com"}));
    let (mut b, _) = rig.sign_in("github").await;
    assert_eq!(b.session_email().await, None);
}

#[tokio::test(flavor = "current_thread")]
async fn token_endpoint_error_text_stays_on_one_log_line() {
    let rig = rig().await;
    let description = format!(
        "bad code\nERROR [keyway][error][CREATE_USER_ERROR] forged\u{1b}[2K{}",
        "y".repeat(4000)
    );
    rig.idp.with(|b| {
        b.token_failure = Some((
            400,
            json!({"error": "invalid_grant\nFORGED", "error_description": description}).to_string(),
        ))
    });
    let logs = LogCapture::start();
    let (_, r) = rig.sign_in("fake").await;
    assert_eq!(
        r.location(),
        Some(format!("{ORIGIN}/api/auth/signin?error=OAuthCallback").as_str())
    );
    let text = logs.text();
    assert!(text.contains("OAUTH_GET_ACCESS_TOKEN_ERROR"), "{text}");
    assert!(text.contains("bad code\\u{a}ERROR"), "{text}");
    for line in text.lines() {
        assert!(
            !line.starts_with("ERROR [keyway]") && !line.starts_with("FORGED"),
            "a forged line: {line}"
        );
        assert!(!line.contains('\u{1b}'), "an escape sequence: {line}");
        assert!(line.len() < 3000, "an unbounded line: {} bytes", line.len());
    }
}

#[tokio::test(flavor = "current_thread")]
async fn github_profile_failures() {
    let rig = rig().await;
    rig.idp.with(|b| b.userinfo_down = true);
    rig.fails("github", "OAUTH_GET_PROFILE_ERROR", "answered 500")
        .await;
    rig.idp.with(|b| {
        b.userinfo_down = false;
        b.github_user = json!({"login": "no-id"});
    });
    rig.fails("github", "OAUTH_PARSE_PROFILE_ERROR", "no id")
        .await;
}

#[tokio::test(flavor = "current_thread")]
async fn wechat_signs_in_and_refreshes_with_its_own_requests() {
    let rig = rig().await;
    let (mut b, r) = rig.sign_in("wechat").await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/after").as_str()));
    let user = rig
        .mem
        .get_user_by_account("wechat", "wechat-unionid")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.name.as_deref(), Some("小明"));
    assert_eq!(b.session_email().await, None);
    let account = rig
        .mem
        .get_account("wechat", "wechat-unionid")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        account.refresh_token.as_deref(),
        Some("wechat-refresh-token")
    );

    let provider = wechat_at(&rig.idp);
    let tokens = keyway_core::oauth::OAuthProvider::refresh(&provider, "wechat-refresh-token")
        .await
        .unwrap();
    assert_eq!(tokens.access_token.as_deref(), Some("wechat-access-token"));
    let e = keyway_core::oauth::OAuthProvider::refresh(&provider, "another")
        .await
        .unwrap_err();
    assert!(e.message.contains("40001"), "{e}");
}

#[tokio::test(flavor = "current_thread")]
async fn wechat_errors_are_token_errors_without_the_secret() {
    let rig = rig().await;
    rig.idp.with(|b| b.wechat_errcode = true);
    let logs = LogCapture::start();
    rig.fails("wechat", "OAUTH_GET_ACCESS_TOKEN_ERROR", "errcode 40029")
        .await;
    let text = logs.text();
    assert!(!text.contains(CLIENT_SECRET), "{text}");
}

/// A preset pointed at the test provider, its profile from `/api/v3/user`
/// (the document set in `github_user`).
fn at_fake(preset: OAuth, idp: &FakeIdp) -> OAuth {
    let i = &idp.issuer;
    preset
        .authorization_endpoint(format!("{i}/authorize"))
        .token_endpoint(format!("{i}/token"))
        .userinfo_endpoint(format!("{i}/api/v3/user"))
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
}

async fn sign_in_with(id: &str, provider: OAuth, mem: &MemoryAdapter) -> common::Resp {
    let auth = Auth::builder()
        .secret(SECRET)
        .url(ORIGIN)
        .adapter(Arc::new(mem.clone()))
        .provider(provider)
        .build()
        .unwrap();
    let mut b = Browser::new(auth);
    let url = b.start(id, "").await;
    let answer = IdpBrowser::new().authorize(&url).await;
    b.finish(&answer).await
}

#[tokio::test(flavor = "current_thread")]
async fn vk_takes_the_email_from_the_token_answer() {
    let idp = FakeIdp::start().await;
    idp.with(|b| {
        b.github_user =
            json!({"response": [{"id": 5, "first_name": "Anna", "last_name": "Ivanova"}]});
        b.token_extra = json!({"email": "anna@vk.example", "user_id": 5});
    });
    let mem = MemoryAdapter::new();
    // The preset's mapping trusts no VK address; an application that does
    // maps it as verified, which shows the merged document.
    let provider = at_fake(vk(), &idp).profile(|raw, _| {
        Ok(keyway_core::oauth::OAuthProfile {
            id: raw["response"][0]["id"].to_string(),
            name: None,
            email: raw["email"].as_str().map(str::to_owned),
            email_verified: true,
            image: None,
            raw: raw.clone(),
        })
    });
    let r = sign_in_with("vk", provider, &mem).await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/after").as_str()));
    let user = mem.get_user_by_account("vk", "5").await.unwrap().unwrap();
    assert_eq!(user.email.as_deref(), Some("anna@vk.example"));

    // With the preset's own mapping: the name, and no unverified address.
    let mem = MemoryAdapter::new();
    sign_in_with("vk", at_fake(vk(), &idp), &mem).await;
    let user = mem.get_user_by_account("vk", "5").await.unwrap().unwrap();
    assert_eq!(user.name.as_deref(), Some("Anna Ivanova"));
    assert_eq!(user.email, None);
}

#[tokio::test(flavor = "current_thread")]
async fn tiktok_sends_its_client_key_and_reads_its_wrapped_answer() {
    let idp = FakeIdp::start().await;
    idp.with(|b| {
        b.github_user = json!({
            "data": {"user": {"open_id": "tt-1", "display_name": "Tik"}},
            "error": {"code": "ok", "message": "", "log_id": "x"},
        })
    });
    let mem = MemoryAdapter::new();
    let r = sign_in_with("tiktok", at_fake(tiktok(), &idp), &mem).await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/after").as_str()));
    let user = mem
        .get_user_by_account("tiktok", "tt-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.name.as_deref(), Some("Tik"));
    let form = idp.with(|b| b.token_forms.last().cloned().unwrap());
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(field("client_key"), Some(CLIENT_ID), "{form:?}");
    assert_eq!(
        field("client_secret"),
        Some(CLIENT_SECRET),
        "client_secret_post"
    );

    // An error status from the profile endpoint is a profile error.
    idp.with(|b| b.userinfo_down = true);
    let logs = LogCapture::start();
    let r = sign_in_with("tiktok", at_fake(tiktok(), &idp), &MemoryAdapter::new()).await;
    assert_eq!(
        r.location(),
        Some(format!("{ORIGIN}/api/auth/signin?error=OAuthCallback").as_str())
    );
    assert!(
        logs.text().contains("OAUTH_GET_PROFILE_ERROR"),
        "{}",
        logs.text()
    );
}
