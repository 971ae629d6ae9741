//! End to end against a real OpenID provider (the npm package
//! `oidc-provider`, started by `cargo xtask services` on 127.0.0.1:4700):
//! `Auth::handle` in-process, the provider over HTTP, through the whole
//! redirect chain.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::{Browser, ISSUER, IdpBrowser, OAuthSteps, ORIGIN, SECRET, idp_up};
use keyway_core::model::AccountType;
use keyway_core::{Adapter, AdapterErrorKind, Auth, AuthBuilder, Pages, SessionStrategy, User};
use keyway_memory::MemoryAdapter;
use keyway_oauth::{OAuth, TokenAuthMethod};
use keyway_testkit::support::{FaultyAdapter, LogCapture};

const SCOPE: &str = "openid profile email offline_access";

/// A provider at the test IdP through its confidential `keyway-basic` client.
fn idp(id: &str) -> OAuth {
    OAuth::oidc(id, "Test IdP")
        .issuer(ISSUER)
        .client_id("keyway-basic")
        .client_secret("keyway-basic-secret")
        .scope(SCOPE)
}

fn post_client(id: &str) -> OAuth {
    OAuth::oidc(id, "Test IdP (post)")
        .issuer(ISSUER)
        .client_id("keyway-post")
        .client_secret("keyway-post-secret")
        .token_auth_method(TokenAuthMethod::ClientSecretPost)
}

fn builder(adapter: Option<Arc<dyn Adapter>>) -> AuthBuilder {
    let mut b = Auth::builder().secret(SECRET).url(ORIGIN);
    if let Some(a) = adapter {
        b = b.adapter(a);
    }
    b
}

/// Signs in through the IdP as `login_hint`; returns the callback answer.
async fn sign_in(b: &mut Browser, provider: &str, login_hint: &str) -> common::Resp {
    let url = b
        .start(provider, &format!("?login_hint={login_hint}"))
        .await;
    let answer = IdpBrowser::new().authorize(&url).await;
    b.finish(&answer).await
}

fn error_of(r: &common::Resp) -> String {
    let url = url::Url::parse(r.location().unwrap_or_default()).expect("location");
    url.query_pairs()
        .find(|(k, _)| k == "error")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[tokio::test(flavor = "current_thread")]
async fn sign_in_creates_user_and_account_then_reuses_them() {
    if !idp_up().await {
        return;
    }
    let mem = MemoryAdapter::new();
    let auth = builder(Some(Arc::new(mem.clone())))
        .pages(Pages {
            new_user: Some("/welcome".into()),
            ..Pages::default()
        })
        .provider(idp("oidc"))
        .build()
        .expect("config");

    let mut b = Browser::new(auth.clone());
    let url = b.start("oidc", "").await;
    // Auth.js v5's parameter order (authjs-wire.md §8.1), the provider's scope
    // taking the place of the default one.
    let names: Vec<String> = url::Url::parse(&url)
        .expect("url")
        .query_pairs()
        .map(|(k, _)| k.into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "response_type",
            "client_id",
            "redirect_uri",
            "scope",
            "state",
            "code_challenge",
            "code_challenge_method",
            "nonce"
        ]
    );
    assert!(url.starts_with(&format!("{ISSUER}/auth?response_type=code&client_id=keyway-basic&redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fapi%2Fauth%2Fcallback%2Foidc&scope=openid+profile+email+offline_access&state=")), "{url}");
    for check in ["authjs.state", "authjs.pkce.code_verifier", "authjs.nonce"] {
        assert!(b.jar.contains_key(check), "{check} cookie set");
    }
    let answer = IdpBrowser::new().authorize(&url).await;
    assert_eq!(answer.param("iss").as_deref(), Some(ISSUER));
    let r = b.finish(&answer).await;
    assert_eq!(
        r.location(),
        Some(
            format!("{ORIGIN}/welcome?callbackUrl=http%3A%2F%2F127.0.0.1%3A3000%2Fafter").as_str()
        ),
        "a new user goes to pages.new_user"
    );
    let cleared: Vec<String> = r
        .set_cookies()
        .into_iter()
        .filter(|c| c.contains("Max-Age=0"))
        .map(|c| c.split('=').next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        cleared,
        ["authjs.state", "authjs.pkce.code_verifier", "authjs.nonce"]
    );
    assert_eq!(
        b.session_email().await.as_deref(),
        Some("alice@example.com")
    );

    let user = mem
        .get_user_by_account("oidc", "alice")
        .await
        .unwrap()
        .expect("user linked to the account");
    assert_eq!(user.email.as_deref(), Some("alice@example.com"));
    assert_eq!(user.name.as_deref(), Some("Alice Liddell"));
    assert_eq!(user.image.as_deref(), Some("https://example.com/alice.png"));
    assert_ne!(
        user.id, "alice",
        "the provider's id never becomes the user id"
    );
    let account = mem
        .get_account("oidc", "alice")
        .await
        .unwrap()
        .expect("account");
    assert_eq!(account.kind, AccountType::Oidc);
    assert_eq!(account.token_type.as_deref(), Some("Bearer"));
    assert!(account.access_token.is_some() && account.id_token.is_some());
    assert!(
        account.refresh_token.is_some(),
        "offline_access gives a refresh token"
    );
    let now = chrono_now();
    let expires_at = account.expires_at.expect("expires_at");
    assert!(
        expires_at > now + 3000 && expires_at <= now + 3601,
        "{expires_at} vs {now}"
    );
    assert!(account.scope.as_deref().unwrap_or("").contains("openid"));

    // A second sign-in (another browser) reuses the user and the account.
    let mut again = Browser::new(auth);
    let r = sign_in(&mut again, "oidc", "alice").await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/after").as_str()));
    let same = mem
        .get_user_by_account("oidc", "alice")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(same.id, user.id);
    assert_eq!(
        mem.get_user_by_email("alice@example.com")
            .await
            .unwrap()
            .unwrap()
            .id,
        user.id
    );
    let refreshed = mem.get_account("oidc", "alice").await.unwrap().unwrap();
    assert_ne!(
        refreshed.access_token, account.access_token,
        "the stored tokens are the new sign-in's"
    );
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test(flavor = "current_thread")]
async fn signed_in_user_links_a_second_account() {
    if !idp_up().await {
        return;
    }
    let mem = MemoryAdapter::new();
    let auth = builder(Some(Arc::new(mem.clone())))
        .provider(idp("oidc"))
        .provider(post_client("oidc-post"))
        .build()
        .expect("config");

    let mut alice = Browser::new(auth.clone());
    sign_in(&mut alice, "oidc", "alice").await;
    let alice_id = mem
        .get_user_by_account("oidc", "alice")
        .await
        .unwrap()
        .unwrap()
        .id;
    // Signed in as alice, she links the IdP's "bob" account through the second provider.
    let r = sign_in(&mut alice, "oidc-post", "bob").await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/after").as_str()));
    assert_eq!(
        alice.session_email().await.as_deref(),
        Some("alice@example.com")
    );
    let linked = mem
        .get_user_by_account("oidc-post", "bob")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(linked.id, alice_id);
    assert!(
        mem.get_user_by_email("bob@example.com")
            .await
            .unwrap()
            .is_none()
    );

    // Bob signs in on his own, then tries to link the account alice holds.
    let mut bob = Browser::new(auth);
    sign_in(&mut bob, "oidc", "bob").await;
    assert_eq!(
        bob.session_email().await.as_deref(),
        Some("bob@example.com")
    );
    let r = sign_in(&mut bob, "oidc-post", "bob").await;
    assert_eq!(error_of(&r), "OAuthAccountNotLinked");
    assert_eq!(
        bob.session_email().await.as_deref(),
        Some("bob@example.com")
    );
}

/// Linking a second account while signed in with a database session looks
/// the signed-in user up by id; when that read fails, the callback ends on
/// the Configuration page with GET_USER_BY_ID_ERROR logged, nothing is
/// linked and the session stays.
#[tokio::test(flavor = "current_thread")]
async fn failing_user_lookup_while_linking_is_get_user_by_id_error() {
    if !idp_up().await {
        return;
    }
    let logs = LogCapture::start();
    let mem = MemoryAdapter::new();
    let adapter = FaultyAdapter::new(Arc::new(mem.clone()))
        .with_message("backend says: users table is locked");
    let auth = builder(Some(Arc::new(adapter.clone())))
        .session_strategy(SessionStrategy::Database)
        .provider(idp("oidc"))
        .provider(post_client("oidc-post"))
        .build()
        .expect("config");
    let mut alice = Browser::new(auth);
    let r = sign_in(&mut alice, "oidc", "alice").await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/after").as_str()));
    let token = alice
        .cookie("authjs.session-token")
        .expect("session cookie");
    assert!(
        !token.starts_with("eyJ"),
        "a database session token, not a JWT"
    );
    logs.take();

    let url = alice.start("oidc-post", "?login_hint=bob").await;
    let answer = IdpBrowser::new().authorize(&url).await;
    adapter.fail("get_user", AdapterErrorKind::Other);
    let r = alice.finish(&answer).await;
    assert_eq!(
        r.location(),
        Some(format!("{ORIGIN}/api/auth/error?error=Configuration").as_str())
    );
    assert!(r.set_cookies().is_empty(), "error answers set no cookies");
    assert_eq!(adapter.calls("get_user"), 1);
    let text = logs.take();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("GET_USER_BY_ID_ERROR"))
        .collect();
    assert_eq!(lines.len(), 1, "logged once: {text}");
    assert!(lines[0].contains("users table is locked"), "{}", lines[0]);
    assert!(mem.get_account("oidc-post", "bob").await.unwrap().is_none());

    adapter.heal();
    let page = alice.get("/api/auth/error?error=Configuration").await;
    assert!(
        !page.body.contains("users table"),
        "no backend text on the page"
    );
    assert_eq!(
        alice.session_email().await.as_deref(),
        Some("alice@example.com"),
        "still signed in"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn an_existing_email_is_linked_only_when_allowed() {
    if !idp_up().await {
        return;
    }
    let mem = MemoryAdapter::new();
    let mut existing = User::new("u-1", "alice@example.com");
    existing.name = Some("Alice from the database".into());
    mem.create_user(existing).await.unwrap();

    let auth = builder(Some(Arc::new(mem.clone())))
        .provider(idp("oidc"))
        .provider(post_client("trusting").allow_dangerous_email_account_linking(true))
        .build()
        .expect("config");
    let mut b = Browser::new(auth.clone());
    let r = sign_in(&mut b, "oidc", "alice").await;
    assert_eq!(error_of(&r), "OAuthAccountNotLinked");
    assert!(
        r.location()
            .unwrap_or_default()
            .starts_with(&format!("{ORIGIN}/api/auth/signin?"))
    );
    assert!(!b.has_session_cookie());
    assert!(mem.get_account("oidc", "alice").await.unwrap().is_none());

    let r = sign_in(&mut b, "trusting", "alice").await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/after").as_str()));
    let user = mem
        .get_user_by_account("trusting", "alice")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.id, "u-1");
}

/// Starts a sign-in and walks the IdP; returns the browser at the callback.
async fn at_callback(auth: &Auth, hint: &str) -> (Browser, common::Answer) {
    let mut b = Browser::new(auth.clone());
    let url = b.start("oidc", &format!("?login_hint={hint}")).await;
    let answer = IdpBrowser::new().authorize(&url).await;
    (b, answer)
}

/// The failure left no session and no user.
async fn assert_nothing_created(b: &mut Browser, mem: &MemoryAdapter) {
    assert!(!b.has_session_cookie());
    assert_eq!(b.session_email().await, None);
    assert!(
        mem.get_user_by_email("alice@example.com")
            .await
            .unwrap()
            .is_none()
    );
}

fn failing_auth(mem: &MemoryAdapter) -> Auth {
    builder(Some(Arc::new(mem.clone())))
        .provider(idp("oidc"))
        .build()
        .expect("config")
}

#[tokio::test(flavor = "current_thread")]
async fn state_mismatch_fails() {
    if !idp_up().await {
        return;
    }
    let logs = LogCapture::start();
    let mem = MemoryAdapter::new();
    let (mut b, answer) = at_callback(&failing_auth(&mem), "alice").await;
    let r = b.finish(&answer.with("state", "forged")).await;
    assert_eq!(error_of(&r), "OAuthCallback");
    assert!(
        logs.text().contains("CALLBACK_OAUTH_ERROR"),
        "{}",
        logs.text()
    );
    assert!(logs.text().contains("state"), "{}", logs.text());
    assert_nothing_created(&mut b, &mem).await;
}

#[tokio::test(flavor = "current_thread")]
async fn missing_pkce_cookie_fails() {
    if !idp_up().await {
        return;
    }
    let logs = LogCapture::start();
    let mem = MemoryAdapter::new();
    let (mut b, answer) = at_callback(&failing_auth(&mem), "alice").await;
    b.jar.remove("authjs.pkce.code_verifier");
    let r = b.finish(&answer).await;
    assert_eq!(error_of(&r), "OAuthCallback");
    assert!(logs.text().contains("PKCE_ERROR"), "{}", logs.text());
    assert_nothing_created(&mut b, &mem).await;
}

#[tokio::test(flavor = "current_thread")]
async fn replayed_code_fails() {
    if !idp_up().await {
        return;
    }
    let logs = LogCapture::start();
    let mem = MemoryAdapter::new();
    let auth = failing_auth(&mem);
    let (mut b, answer) = at_callback(&auth, "alice").await;
    let stolen_cookies = b.jar.clone();
    let r = b.finish(&answer).await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/after").as_str()));

    // The same browser again: its check cookies are gone.
    let r = b.finish(&answer).await;
    assert_eq!(error_of(&r), "OAuthCallback");
    assert!(logs.text().contains("CALLBACK_OAUTH_ERROR"));

    // An attacker with the whole request, cookies included: the IdP refuses
    // the used code.
    let mut attacker = Browser::new(auth);
    attacker.jar = stolen_cookies;
    let r = attacker.finish(&answer).await;
    assert_eq!(error_of(&r), "OAuthCallback");
    let text = logs.text();
    assert!(text.contains("OAUTH_GET_ACCESS_TOKEN_ERROR"), "{text}");
    assert!(text.contains("invalid_grant"), "{text}");
    assert!(!attacker.has_session_cookie());
}

#[tokio::test(flavor = "current_thread")]
async fn wrong_nonce_fails() {
    if !idp_up().await {
        return;
    }
    let logs = LogCapture::start();
    let mem = MemoryAdapter::new();
    let mut b = Browser::new(failing_auth(&mem));
    let url = b.start("oidc", "").await;
    // Someone swaps the nonce on the way to the IdP.
    let mut parsed = url::Url::parse(&url).unwrap();
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "nonce" {
                "injected-nonce".into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    parsed.query_pairs_mut().clear().extend_pairs(pairs);
    let answer = IdpBrowser::new().authorize(parsed.as_str()).await;
    let r = b.finish(&answer).await;
    assert_eq!(error_of(&r), "OAuthCallback");
    let text = logs.text();
    assert!(text.contains("CALLBACK_OAUTH_ERROR"), "{text}");
    assert!(
        text.contains("the ID token is not valid: its nonce"),
        "{text}"
    );
    assert_nothing_created(&mut b, &mem).await;
}

#[tokio::test(flavor = "current_thread")]
async fn provider_error_answer_is_callback() {
    if !idp_up().await {
        return;
    }
    let mem = MemoryAdapter::new();
    let (mut b, answer) = at_callback(&failing_auth(&mem), "deny").await;
    assert_eq!(answer.param("error").as_deref(), Some("access_denied"));
    let r = b.finish(&answer).await;
    assert_eq!(error_of(&r), "Callback");
    assert_nothing_created(&mut b, &mem).await;
}

#[tokio::test(flavor = "current_thread")]
async fn wrong_client_secret_is_a_token_error() {
    if !idp_up().await {
        return;
    }
    let logs = LogCapture::start();
    let mem = MemoryAdapter::new();
    let auth = builder(Some(Arc::new(mem.clone())))
        .provider(idp("oidc").client_secret("not-the-secret"))
        .build()
        .unwrap();
    let (mut b, answer) = at_callback(&auth, "alice").await;
    let r = b.finish(&answer).await;
    assert_eq!(error_of(&r), "OAuthCallback");
    let text = logs.text();
    assert!(text.contains("OAUTH_GET_ACCESS_TOKEN_ERROR"), "{text}");
    assert!(text.contains("invalid_client"), "{text}");
    assert!(!text.contains("not-the-secret"), "secrets stay out of logs");
    assert_nothing_created(&mut b, &mem).await;
}

#[tokio::test(flavor = "current_thread")]
async fn failed_user_creation_is_oauth_create_account() {
    if !idp_up().await {
        return;
    }
    let logs = LogCapture::start();
    let adapter = FaultyAdapter::new(Arc::new(MemoryAdapter::new()))
        .with_message("backend says: users table is read-only");
    adapter.fail("create_user", AdapterErrorKind::Other);
    let auth = builder(Some(Arc::new(adapter.clone())))
        .provider(idp("oidc"))
        .build()
        .unwrap();
    let (mut b, answer) = at_callback(&auth, "alice").await;
    let r = b.finish(&answer).await;
    assert_eq!(error_of(&r), "OAuthCreateAccount");
    assert!(logs.text().contains("CREATE_USER_ERROR"));
    assert!(!b.has_session_cookie());
}
