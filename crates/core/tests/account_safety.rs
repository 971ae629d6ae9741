//! Account safety through `Auth::handle` (issue 16): no sign-in link on a
//! forged host, no account joined by an address nobody proved, linking only
//! from a checked, fresh session, and remote text kept to one log line.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use common::{Browser, Resp, SECRET, SignIn};
use keyway_core::callbacks::{JwtParams, JwtTrigger};
use keyway_core::jwt::Claims;
use keyway_core::oauth::{
    AuthorizationRequest, CallbackRequest, OAuthCallback, OAuthError, OAuthProfile, OAuthProvider,
    TokenSet,
};
use keyway_core::provider::{BoxError, ProviderType, VerificationRequest};
use keyway_core::{
    Account, AccountType, Adapter, Auth, AuthBuilder, Callbacks, EmailProvider, LogCode, Provider,
    SessionStrategy, User,
};
use keyway_credentials::credentials;
use keyway_memory::MemoryAdapter;
use keyway_testkit::support::LogCapture;

const SITE: &str = "https://app.example.com";
const VICTIM: &str = "victim@example.com";

// ---------- providers written for these tests ----------

/// Records every sign-in link it is asked to send.
#[derive(Default)]
struct Outbox(Mutex<Vec<String>>);

impl Outbox {
    fn sent(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
    fn last_path(&self) -> String {
        let url = self.sent().pop().expect("a link was sent");
        let at = url.find("/api/auth/").expect("a link to the engine");
        url[at..].to_owned()
    }
}

#[async_trait]
impl EmailProvider for Outbox {
    fn id(&self) -> &str {
        "email"
    }
    fn name(&self) -> &str {
        "Email"
    }
    async fn send_verification_request(&self, r: &VerificationRequest<'_>) -> Result<(), BoxError> {
        self.0.lock().unwrap().push(r.url.to_owned());
        Ok(())
    }
}

/// An OAuth provider whose next profile the test sets; it records the
/// state and redirect URI the engine sends.
#[derive(Default)]
struct Idp {
    profile: Mutex<OAuthProfile>,
    state: Mutex<Option<String>>,
    redirect_uris: Mutex<Vec<String>>,
}

impl Idp {
    fn next(&self, id: &str, email: Option<&str>, verified: bool) {
        *self.profile.lock().unwrap() = OAuthProfile {
            id: id.into(),
            email: email.map(Into::into),
            email_verified: verified,
            ..OAuthProfile::default()
        };
    }
}

#[async_trait]
impl OAuthProvider for Idp {
    fn id(&self) -> &str {
        "idp"
    }
    fn name(&self) -> &str {
        "Idp"
    }
    fn kind(&self) -> ProviderType {
        ProviderType::OAuth
    }
    async fn authorization_url(&self, r: &AuthorizationRequest<'_>) -> Result<String, OAuthError> {
        *self.state.lock().unwrap() = r.state.map(Into::into);
        self.redirect_uris
            .lock()
            .unwrap()
            .push(r.redirect_uri.to_owned());
        Ok(format!(
            "https://idp.example/authorize?state={}",
            r.state.unwrap_or_default()
        ))
    }
    async fn callback(&self, _: &CallbackRequest<'_>) -> Result<OAuthCallback, OAuthError> {
        Ok(OAuthCallback {
            profile: self.profile.lock().unwrap().clone(),
            tokens: TokenSet::default(),
        })
    }
    async fn refresh(&self, _: &str) -> Result<TokenSet, OAuthError> {
        Err(OAuthError::new(LogCode::OauthGetAccessTokenError, "unused"))
    }
}

/// Revokes JWT sessions the way applications do: the `jwt` callback ends a
/// session whose `sub` is on the list.
#[derive(Clone, Default)]
struct Revocations(Arc<Mutex<Vec<String>>>);

#[async_trait]
impl Callbacks for Revocations {
    async fn jwt(&self, token: Claims, p: &JwtParams<'_>) -> Result<Option<Claims>, BoxError> {
        let sub = token.get("sub").and_then(|v| v.as_str()).unwrap_or("");
        let revoked = self.0.lock().unwrap().iter().any(|r| r == sub);
        Ok(
            (p.trigger == JwtTrigger::SignIn || p.trigger == JwtTrigger::SignUp || !revoked)
                .then_some(token),
        )
    }
}

struct Site {
    auth: Auth,
    mem: MemoryAdapter,
    outbox: Arc<Outbox>,
    idp: Arc<Idp>,
}

fn site_with(strategy: SessionStrategy, change: impl FnOnce(AuthBuilder) -> AuthBuilder) -> Site {
    let mem = MemoryAdapter::new();
    let outbox = Arc::new(Outbox::default());
    let idp = Arc::new(Idp::default());
    let b = Auth::builder()
        .secret(SECRET)
        .url(SITE)
        .adapter(Arc::new(mem.clone()))
        .session_strategy(strategy)
        .provider(Provider::Email(outbox.clone()))
        .provider(Provider::OAuth(idp.clone()));
    Site {
        auth: change(b).build().unwrap(),
        mem,
        outbox,
        idp,
    }
}

fn site(strategy: SessionStrategy) -> Site {
    site_with(strategy, |b| b)
}

/// Signs `email` in by the link the outbox received.
async fn email_sign_in(site: &Site, b: &mut Browser, email: &str) -> Resp {
    let csrf = b.csrf().await;
    b.post_form(
        "/api/auth/signin/email",
        &[("csrfToken", csrf.as_str()), ("email", email)],
    )
    .await;
    b.get(&site.outbox.last_path()).await
}

/// Runs the OAuth flow with the profile set on the provider.
async fn oauth_sign_in(site: &Site, b: &mut Browser) -> Resp {
    let csrf = b.csrf().await;
    let r = b
        .post_form("/api/auth/signin/idp", &[("csrfToken", csrf.as_str())])
        .await;
    assert!(
        r.location()
            .unwrap_or_default()
            .starts_with("https://idp.example/"),
        "{}",
        r.summary()
    );
    let state = site.idp.state.lock().unwrap().clone().unwrap();
    b.get(&format!("/api/auth/callback/idp?code=c&state={state}"))
        .await
}

fn signin_error(r: &Resp) -> Option<String> {
    let l = r.location()?;
    l.starts_with(&format!("{SITE}/api/auth/signin?"))
        .then(|| l.rsplit("error=").next().unwrap_or_default().to_owned())
}

async fn user_of_account(mem: &MemoryAdapter, provider: &str, id: &str) -> Option<User> {
    mem.get_user_by_account(provider, id).await.unwrap()
}

// ---------- 1. forged host ----------

fn behind_proxy(hosts: &[&str]) -> (Auth, Arc<Outbox>, Arc<Idp>) {
    let outbox = Arc::new(Outbox::default());
    let idp = Arc::new(Idp::default());
    let auth = Auth::builder()
        .secret(SECRET)
        .trust_host(true)
        .trusted_hosts(hosts.iter().copied())
        .adapter(Arc::new(MemoryAdapter::new()))
        .provider(Provider::Email(outbox.clone()))
        .provider(Provider::OAuth(idp.clone()))
        .build()
        .unwrap();
    (auth, outbox, idp)
}

fn forwarded(b: &mut Browser, host: &str) {
    b.extra_headers = vec![
        ("Host".into(), "internal:8080".into()),
        ("X-Forwarded-Host".into(), host.into()),
        ("X-Forwarded-Proto".into(), "https".into()),
    ];
}

#[test]
fn email_sign_in_with_only_trust_host_is_refused_at_build() {
    let e = Auth::builder()
        .secret(SECRET)
        .trust_host(true)
        .adapter(Arc::new(MemoryAdapter::new()))
        .provider(Provider::Email(Arc::new(Outbox::default())))
        .build()
        .expect_err("links would be built on a header");
    assert!(
        e.message().contains("AUTH_URL") && e.message().contains("AUTH_TRUSTED_HOSTS"),
        "{e}"
    );
    assert_eq!(e.code(), Some(LogCode::SigninEmailError));
    let e = Auth::builder()
        .secret(SECRET)
        .trusted_hosts(["https://app.example.com"])
        .build()
        .expect_err("a URL is not a host");
    assert!(e.message().contains("AUTH_TRUSTED_HOSTS"), "{e}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_forged_host_gets_no_sign_in_link() {
    let (auth, outbox, _) = behind_proxy(&["app.example.com"]);
    let logs = LogCapture::start();
    let mut b = Browser::new(auth);
    forwarded(&mut b, "evil.example");
    let r = b.get("/api/auth/csrf").await;
    assert_eq!(r.status, 400, "{}", r.summary());
    let r = b
        .post_form(
            "/api/auth/signin/email",
            &[("csrfToken", "x"), ("email", VICTIM)],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.summary());
    assert!(r.location().is_none() && r.set_cookies().is_empty());
    assert!(!r.body.contains("evil.example"), "{}", r.body);
    assert!(outbox.sent().is_empty(), "no mail: {:?}", outbox.sent());
    let text = logs.take();
    assert!(
        text.contains("SIGNIN_EMAIL_ERROR") && text.contains("evil.example"),
        "{text}"
    );

    // The listed host works, and its links point to it.
    forwarded(&mut b, "app.example.com");
    let csrf = b.csrf().await;
    let r = b
        .post_form(
            "/api/auth/signin/email",
            &[("csrfToken", csrf.as_str()), ("email", VICTIM)],
        )
        .await;
    assert_eq!(r.status, 302, "{}", r.summary());
    let sent = outbox.sent();
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].starts_with("https://app.example.com/api/auth/callback/email?"),
        "{}",
        sent[0]
    );
}

#[tokio::test(flavor = "current_thread")]
async fn oauth_redirect_uris_come_from_listed_hosts_only() {
    let (auth, _, idp) = behind_proxy(&["app.example.com", "www.example.com"]);
    let mut b = Browser::new(auth);
    for host in ["app.example.com", "www.example.com", "evil.example"] {
        forwarded(&mut b, host);
        b.jar.clear();
        let csrf = b.get("/api/auth/csrf").await;
        if host == "evil.example" {
            assert_eq!(csrf.status, 400);
            let r = b
                .post_form("/api/auth/signin/idp", &[("csrfToken", "x")])
                .await;
            assert_eq!(r.status, 400, "{}", r.summary());
            continue;
        }
        let token = csrf.json()["csrfToken"].as_str().unwrap().to_owned();
        let r = b
            .post_form("/api/auth/signin/idp", &[("csrfToken", token.as_str())])
            .await;
        assert_eq!(r.status, 302, "{}", r.summary());
    }
    assert_eq!(
        *idp.redirect_uris.lock().unwrap(),
        [
            "https://app.example.com/api/auth/callback/idp",
            "https://www.example.com/api/auth/callback/idp"
        ]
    );
}

#[tokio::test(flavor = "current_thread")]
async fn the_host_header_wins_over_the_request_uri() {
    let (auth, _, _) = behind_proxy(&["app.example.com"]);
    let request = http::Request::get("http://evil.example/api/auth/providers")
        .header("host", "app.example.com")
        .body(bytes::Bytes::new())
        .unwrap();
    let r = auth.handle(request).await;
    assert_eq!(r.status(), 200);
    let body = String::from_utf8(r.body().to_vec()).unwrap();
    assert!(
        body.contains("http://app.example.com/api/auth/signin/idp"),
        "{body}"
    );
    assert!(!body.contains("evil.example"), "{body}");
}

// ---------- 2. credentials joined by email ----------

#[tokio::test(flavor = "current_thread")]
async fn a_credentials_user_with_a_victims_email_is_not_the_victim() {
    let build = |link: bool| {
        site_with(SessionStrategy::Database, move |b| {
            b.provider(
                credentials(|input| async move {
                    let mut user = User::new("cred-7", VICTIM);
                    if input.get("vouch") == Some("yes") {
                        user.email_verified = Some(chrono::Utc::now());
                    }
                    Ok(Some(user))
                })
                .username_password(),
            )
            .allow_credentials_with_database_sessions(true)
            .dangerously_link_credentials_by_email(link)
        })
    };
    let site = build(false);
    let mut victim = Browser::new(site.auth.clone());
    email_sign_in(&site, &mut victim, VICTIM).await;
    let victim_id = site
        .mem
        .get_user_by_email(VICTIM)
        .await
        .unwrap()
        .unwrap()
        .id;

    let mut attacker = Browser::new(site.auth.clone());
    let r = attacker.post_credentials(&[("username", "mallory")]).await;
    assert_eq!(
        signin_error(&r).as_deref(),
        Some("OAuthAccountNotLinked"),
        "{}",
        r.summary()
    );
    assert_eq!(attacker.session_email().await, None);
    assert!(
        user_of_account(&site.mem, "credentials", "cred-7")
            .await
            .is_none()
    );

    // authorize vouches for the address: joined.
    let r = attacker
        .post_credentials(&[("username", "alice"), ("vouch", "yes")])
        .await;
    assert_eq!(r.status, 302, "{}", r.summary());
    assert_eq!(signin_error(&r), None, "{}", r.summary());
    let joined = user_of_account(&site.mem, "credentials", "cred-7")
        .await
        .unwrap();
    assert_eq!(joined.id, victim_id);

    // Or the application opts in, dangerously.
    let site = build(true);
    email_sign_in(&site, &mut Browser::new(site.auth.clone()), VICTIM).await;
    let victim_id = site
        .mem
        .get_user_by_email(VICTIM)
        .await
        .unwrap()
        .unwrap()
        .id;
    let r = Browser::new(site.auth.clone())
        .post_credentials(&[("username", "alice")])
        .await;
    assert_eq!(signin_error(&r), None, "{}", r.summary());
    let joined = user_of_account(&site.mem, "credentials", "cred-7")
        .await
        .unwrap();
    assert_eq!(joined.id, victim_id);
}

// ---------- 3. unverified provider emails ----------

#[tokio::test(flavor = "current_thread")]
async fn an_unverified_provider_email_is_not_the_owners() {
    for strategy in [SessionStrategy::Database, SessionStrategy::Jwt] {
        let site = site(strategy);
        // The attacker's provider account claims the victim's address.
        site.idp.next("attacker-1", Some(VICTIM), false);
        let mut attacker = Browser::new(site.auth.clone());
        let r = oauth_sign_in(&site, &mut attacker).await;
        assert_eq!(r.location(), Some(SITE), "{}", r.summary());
        let attackers = user_of_account(&site.mem, "idp", "attacker-1")
            .await
            .unwrap();
        assert_eq!(attackers.email, None, "an unverified address is not stored");

        // The owner signs in by email: a user of their own.
        let mut owner = Browser::new(site.auth.clone());
        let r = email_sign_in(&site, &mut owner, VICTIM).await;
        assert_eq!(r.location(), Some(SITE), "{}", r.summary());
        let owners = site.mem.get_user_by_email(VICTIM).await.unwrap().unwrap();
        assert_ne!(owners.id, attackers.id, "{strategy:?}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_verified_provider_email_is_stored_as_verified() {
    let site = site(SessionStrategy::Database);
    site.idp.next("owner-1", Some("Owner@Example.com"), true);
    let mut b = Browser::new(site.auth.clone());
    oauth_sign_in(&site, &mut b).await;
    let user = user_of_account(&site.mem, "idp", "owner-1").await.unwrap();
    assert_eq!(user.email.as_deref(), Some("owner@example.com"));
    assert!(user.email_verified.is_some());
    // The same person later signs in by email: the same user.
    let r = email_sign_in(
        &site,
        &mut Browser::new(site.auth.clone()),
        "owner@example.com",
    )
    .await;
    assert_eq!(r.location(), Some(SITE), "{}", r.summary());
    let by_email = site
        .mem
        .get_user_by_email("owner@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_email.id, user.id);
}

#[tokio::test(flavor = "current_thread")]
async fn email_sign_in_into_an_unverified_user_is_refused_unless_allowed() {
    for allow in [false, true] {
        let site = site_with(SessionStrategy::Database, |b| {
            b.dangerously_allow_email_sign_in_to_unverified_users(allow)
        });
        // A user from an older database: an OAuth account and an address
        // nobody verified.
        let user = site
            .mem
            .create_user(User::new("u-1", VICTIM))
            .await
            .unwrap();
        site.mem
            .link_account(Account::new("u-1", AccountType::Oauth, "idp", "someone"))
            .await
            .unwrap();
        let mut owner = Browser::new(site.auth.clone());
        let r = email_sign_in(&site, &mut owner, VICTIM).await;
        if allow {
            assert_eq!(r.location(), Some(SITE), "{}", r.summary());
            assert_eq!(owner.session_email().await.as_deref(), Some(VICTIM));
        } else {
            assert_eq!(signin_error(&r).as_deref(), Some("OAuthAccountNotLinked"));
            assert_eq!(owner.session_email().await, None);
            let stored = site.mem.get_user(&user.id).await.unwrap().unwrap();
            assert_eq!(stored.email_verified, None);
        }
    }
}

// ---------- 4. linking to the signed-in user ----------

#[tokio::test(flavor = "current_thread")]
async fn a_fresh_session_links_the_new_account() {
    for strategy in [SessionStrategy::Database, SessionStrategy::Jwt] {
        let site = site(strategy);
        let mut b = Browser::new(site.auth.clone());
        email_sign_in(&site, &mut b, VICTIM).await;
        let me = site.mem.get_user_by_email(VICTIM).await.unwrap().unwrap();
        site.idp.next("mine-1", None, false);
        let r = oauth_sign_in(&site, &mut b).await;
        assert_eq!(signin_error(&r), None, "{strategy:?} {}", r.summary());
        let linked = user_of_account(&site.mem, "idp", "mine-1").await.unwrap();
        assert_eq!(linked.id, me.id, "{strategy:?}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_revoked_session_links_nothing() {
    let revocations = Revocations::default();
    let callbacks = revocations.clone();
    let site = site_with(SessionStrategy::Jwt, move |b| b.callbacks(callbacks));
    let mut victim = Browser::new(site.auth.clone());
    email_sign_in(&site, &mut victim, VICTIM).await;
    let victim_user = site.mem.get_user_by_email(VICTIM).await.unwrap().unwrap();
    // The attacker copied the cookie; the application revoked the session.
    let mut attacker = Browser::new(site.auth.clone());
    attacker.jar = victim.jar.clone();
    revocations.0.lock().unwrap().push(victim_user.id.clone());
    assert_eq!(attacker.clone_session_email().await, None);

    site.idp.next("attacker-2", None, false);
    oauth_sign_in(&site, &mut attacker).await;
    let linked = user_of_account(&site.mem, "idp", "attacker-2")
        .await
        .unwrap();
    assert_ne!(
        linked.id, victim_user.id,
        "the revoked session linked an account"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn an_old_session_links_nothing() {
    for strategy in [SessionStrategy::Database, SessionStrategy::Jwt] {
        let site = site_with(strategy, |b| b.link_max_session_age(1));
        let mut victim = Browser::new(site.auth.clone());
        email_sign_in(&site, &mut victim, VICTIM).await;
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        // Reads keep the session alive but do not make the sign-in recent.
        assert_eq!(victim.session_email().await.as_deref(), Some(VICTIM));

        let logs = LogCapture::start();
        site.idp.next("attacker-3", None, false);
        let r = oauth_sign_in(&site, &mut victim).await;
        assert_eq!(
            signin_error(&r).as_deref(),
            Some("OAuthAccountNotLinked"),
            "{strategy:?} {}",
            r.summary()
        );
        assert!(
            user_of_account(&site.mem, "idp", "attacker-3")
                .await
                .is_none()
        );
        assert!(
            logs.text().contains("link_max_session_age"),
            "{}",
            logs.text()
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_session_without_a_sign_in_time_links_nothing() {
    // A database session made by another server (Auth.js makes plain UUIDs).
    let site = site(SessionStrategy::Database);
    let user = site
        .mem
        .create_user(User::new("u-9", VICTIM))
        .await
        .unwrap();
    let token = keyway_core::SessionToken::generate();
    site.mem
        .create_session(keyway_core::Session {
            session_token: token.clone(),
            user_id: user.id.clone(),
            expires: chrono::Utc::now() + chrono::Duration::days(1),
        })
        .await
        .unwrap();
    let mut b = Browser::new(site.auth.clone());
    b.jar.insert(
        "__Secure-authjs.session-token".into(),
        token.as_str().to_owned(),
    );
    assert_eq!(b.session_email().await.as_deref(), Some(VICTIM));
    site.idp.next("attacker-4", None, false);
    let r = oauth_sign_in(&site, &mut b).await;
    assert_eq!(signin_error(&r).as_deref(), Some("OAuthAccountNotLinked"));
    assert!(
        user_of_account(&site.mem, "idp", "attacker-4")
            .await
            .is_none()
    );
}

/// The `Cookie` header of a browser's jar, as an application handler sees it.
fn cookie_headers(b: &Browser) -> http::HeaderMap {
    let mut h = http::HeaderMap::new();
    let cookies: Vec<String> = b.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
    h.insert(
        http::header::COOKIE,
        http::HeaderValue::from_str(&cookies.join("; ")).unwrap(),
    );
    h
}

/// Keeps the `Set-Cookie` values an application handler would send.
fn keep_cookies(b: &mut Browser, values: &[http::HeaderValue]) {
    for v in values {
        let (name, value) = v
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .split_once('=')
            .unwrap();
        b.jar.insert(name.to_owned(), value.to_owned());
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_link_intent_lets_an_old_session_link_that_provider_once() {
    for strategy in [SessionStrategy::Database, SessionStrategy::Jwt] {
        let site = site_with(strategy, |b| b.link_max_session_age(1));
        let mut b = Browser::new(site.auth.clone());
        // Nobody signed in, or not an OAuth provider: no intent.
        assert!(
            site.auth
                .link_intent(&cookie_headers(&b), "idp")
                .await
                .is_none()
        );
        email_sign_in(&site, &mut b, VICTIM).await;
        let me = site.mem.get_user_by_email(VICTIM).await.unwrap().unwrap();
        assert!(
            site.auth
                .link_intent(&cookie_headers(&b), "email")
                .await
                .is_none()
        );
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;

        // The application checked the user again and made an intent.
        let set = site
            .auth
            .link_intent(&cookie_headers(&b), "idp")
            .await
            .unwrap();
        assert_eq!(set.len(), 1);
        let header = set[0].to_str().unwrap();
        assert!(
            header.contains(".link-intent=") && header.contains("HttpOnly"),
            "{header}"
        );
        keep_cookies(&mut b, &set);
        site.idp.next("mine-2", None, false);
        let r = oauth_sign_in(&site, &mut b).await;
        assert_eq!(signin_error(&r), None, "{strategy:?} {}", r.summary());
        let linked = user_of_account(&site.mem, "idp", "mine-2").await.unwrap();
        assert_eq!(linked.id, me.id, "{strategy:?}");
        assert!(
            !b.jar.keys().any(|k| k.ends_with(".link-intent")),
            "the intent is used up: {:?}",
            b.jar.keys()
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_link_intent_is_bound_to_its_user() {
    let site = site_with(SessionStrategy::Database, |b| b.link_max_session_age(1));
    let mut victim = Browser::new(site.auth.clone());
    email_sign_in(&site, &mut victim, VICTIM).await;
    let mut other = Browser::new(site.auth.clone());
    email_sign_in(&site, &mut other, "other@example.com").await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    // An intent made for another user's session does not let the victim's
    // old session link.
    let set = site
        .auth
        .link_intent(&cookie_headers(&other), "idp")
        .await
        .unwrap();
    keep_cookies(&mut victim, &set);
    site.idp.next("attacker-5", None, false);
    let r = oauth_sign_in(&site, &mut victim).await;
    assert_eq!(signin_error(&r).as_deref(), Some("OAuthAccountNotLinked"));
    assert!(
        user_of_account(&site.mem, "idp", "attacker-5")
            .await
            .is_none()
    );
}

// ---------- 7. remote text in the log ----------

#[tokio::test(flavor = "current_thread")]
async fn a_providers_error_description_stays_on_one_log_line() {
    let site = site(SessionStrategy::Database);
    let logs = LogCapture::start();
    let mut b = Browser::new(site.auth.clone());
    let csrf = b.csrf().await;
    b.post_form("/api/auth/signin/idp", &[("csrfToken", csrf.as_str())])
        .await;
    let state = site.idp.state.lock().unwrap().clone().unwrap();
    let forged = "ERROR [keyway][error][CREATE_USER_ERROR] forged";
    let description = format!("denied\r\n{forged}\u{1b}[2K{}", "x".repeat(5000));
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("state", &state)
        .append_pair("error", "access_denied\nFORGED")
        .append_pair("error_description", &description)
        .finish();
    let r = b.get(&format!("/api/auth/callback/idp?{query}")).await;
    assert_eq!(
        signin_error(&r).as_deref(),
        Some("Callback"),
        "{}",
        r.summary()
    );
    let text = logs.text();
    assert!(text.contains("denied\\u{d}\\u{a}ERROR"), "{text}");
    for line in text.lines() {
        assert!(
            !line.starts_with("ERROR [keyway]") && !line.starts_with("FORGED"),
            "a forged line: {line}"
        );
        assert!(!line.contains('\u{1b}'), "an escape sequence: {line}");
        assert!(line.len() < 2000, "an unbounded line: {} bytes", line.len());
    }
}

/// `session_email` on a copy of the jar, so the test's own reads change
/// nothing the attacker holds.
trait CloneSession {
    async fn clone_session_email(&self) -> Option<String>;
}

impl CloneSession for Browser {
    async fn clone_session_email(&self) -> Option<String> {
        let mut copy = Browser::new(self.app.clone());
        copy.jar = self.jar.clone();
        copy.session_email().await
    }
}
