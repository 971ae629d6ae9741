//! Configuration refusals, bad requests, hosts, logging, snapshots of the JSON
//! actions, and the email flow through the engine.

mod common;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use common::{Browser, ORIGIN, SECRET, SignIn, assert_redirected, builder, configured};
use keyway_core::config::{CookieKey, CookieOverride};
use keyway_core::provider::{BoxError, VerificationRequest};
use keyway_core::{Auth, EmailProvider, LogCode, Pages, Provider, SessionStrategy, WireMode};
use keyway_memory::MemoryAdapter;
use keyway_testkit::support::LogCapture;

// ---------- configuration refused at build time ----------

#[test]
fn config_without_secret_is_refused() {
    let e = Auth::builder().url(ORIGIN).build().expect_err("no secret");
    assert!(e.message().contains("AUTH_SECRET"), "{e}");
    let e = Auth::builder()
        .secret("short")
        .url(ORIGIN)
        .build()
        .expect_err("short");
    assert!(e.message().contains("shorter"), "{e}");
}

#[test]
fn config_without_origin_is_refused() {
    let e = Auth::builder()
        .secret(SECRET)
        .build()
        .expect_err("no origin");
    assert!(
        e.message().contains("AUTH_URL") && e.message().contains("AUTH_TRUST_HOST"),
        "{e}"
    );
    assert!(
        Auth::builder()
            .secret(SECRET)
            .trust_host(true)
            .build()
            .is_ok()
    );
}

#[test]
fn email_without_adapter_is_refused() {
    let e = Auth::builder()
        .secret(SECRET)
        .url(ORIGIN)
        .provider(Provider::Email(Arc::new(Mailbox::default())))
        .build()
        .expect_err("email needs an adapter");
    assert_eq!(e.code(), Some(LogCode::EmailRequiresAdapterError));
    assert!(e.to_string().contains("EMAIL_REQUIRES_ADAPTER_ERROR"));
}

#[test]
fn credentials_with_database_sessions_needs_opt_in() {
    let e = builder()
        .adapter(Arc::new(MemoryAdapter::new()))
        .build()
        .expect_err("credentials + database");
    assert_eq!(e.code(), Some(LogCode::CallbackCredentialsJwtError));
    assert!(
        e.message()
            .contains("allow_credentials_with_database_sessions")
    );
    assert!(
        builder()
            .adapter(Arc::new(MemoryAdapter::new()))
            .session_strategy(SessionStrategy::Jwt)
            .build()
            .is_ok()
    );
}

#[test]
fn bad_provider_ids_and_page_loops_are_refused() {
    let dup = builder().provider(keyway_credentials::credentials(|_| async { Ok(None) }));
    assert!(
        dup.build()
            .expect_err("duplicate id")
            .message()
            .contains("twice")
    );
    let weird =
        builder().provider(keyway_credentials::credentials(|_| async { Ok(None) }).id("a/b"));
    assert!(weird.build().is_err());
    let looping = builder().pages(Pages {
        error: Some("/api/auth/error".into()),
        ..Pages::default()
    });
    assert!(
        looping
            .build()
            .expect_err("loop")
            .message()
            .contains("forever")
    );
    let offsite = builder().pages(Pages {
        sign_in: Some("https://evil.com/login".into()),
        ..Pages::default()
    });
    assert!(offsite.build().is_err());
    let db_without_adapter = builder().session_strategy(SessionStrategy::Database);
    assert!(db_without_adapter.build().is_err());
}

// ---------- bad requests ----------

#[tokio::test]
async fn unknown_actions_and_methods_answer_400() {
    for (mode, body) in [
        (WireMode::AuthJs, "\"Bad request.\""),
        (WireMode::NextAuthV4, ""),
    ] {
        let (auth, _) = configured(SessionStrategy::Jwt, mode);
        let mut b = Browser::new(auth);
        for path in [
            "/api/auth/foo",
            "/api/auth/session/extra",
            "/api/auth",
            "/elsewhere",
        ] {
            let r = b.get(path).await;
            assert_eq!(r.status, 400, "{path}");
            if !body.is_empty() {
                assert_eq!(r.body, body);
            }
        }
        let r = b
            .send(
                http::Request::builder()
                    .method("PUT")
                    .uri("/api/auth/session"),
                bytes::Bytes::new(),
            )
            .await;
        assert_eq!(r.status, 400);
        let r = b.post_form("/api/auth/providers", &[]).await;
        assert_eq!(r.status, 400);
    }
}

#[tokio::test]
async fn oversized_and_malformed_bodies_are_refused_cleanly() {
    let (auth, _) = configured(SessionStrategy::Jwt, WireMode::AuthJs);
    let mut b = Browser::new(auth.clone());
    let big = "a".repeat(auth.max_body_bytes() + 1);
    let r = b
        .post_form("/api/auth/callback/credentials", &[("x", big.as_str())])
        .await;
    assert_eq!(r.status, 413);
    let r = b
        .send(
            http::Request::builder()
                .method("POST")
                .uri("/api/auth/session")
                .header("content-type", "application/json"),
            bytes::Bytes::from_static(b"{not json"),
        )
        .await;
    assert_eq!(r.status, 400);
    // Garbage cookies never cause an error.
    b.jar.insert("authjs.session-token".into(), "%ZZ%%".into());
    b.jar.insert("authjs.csrf-token".into(), "|||".into());
    let r = b.get("/api/auth/session").await;
    assert_eq!((r.status.as_u16(), r.body.as_str()), (200, "null"));
}

#[tokio::test]
async fn unknown_or_unusable_providers_go_to_the_configuration_page() {
    let (auth, _) = configured(SessionStrategy::Jwt, WireMode::AuthJs);
    let mut b = Browser::new(auth);
    let csrf = b.csrf().await;
    let r = b
        .post_form("/api/auth/signin/nope", &[("csrfToken", csrf.as_str())])
        .await;
    assert_redirected(&r, "/api/auth/error?error=Configuration");
    let r = b.get("/api/auth/callback/credentials").await;
    assert_redirected(&r, "/api/auth/error?error=Configuration");
    let r = b
        .post_form(
            "/api/auth/signin/credentials",
            &[("csrfToken", csrf.as_str())],
        )
        .await;
    assert_redirected(&r, "/api/auth/signin");
}

// ---------- hosts ----------

#[tokio::test]
async fn spoofed_host_changes_nothing_with_a_configured_url() {
    let (auth, _) = configured(SessionStrategy::Jwt, WireMode::AuthJs);
    let mut b = Browser::new(auth);
    b.extra_headers.push(("Host".into(), "evil.com".into()));
    b.extra_headers
        .push(("X-Forwarded-Host".into(), "evil.com".into()));
    b.extra_headers
        .push(("X-Forwarded-Proto".into(), "https".into()));
    let r = b.sign_in("wonderland").await;
    assert_redirected(&r, "/dashboard");
    assert!(
        r.set_cookie("authjs.session-token").is_some(),
        "no __Secure- prefix from a header"
    );
    let r = b.get("/api/auth/providers").await;
    assert!(!r.body.contains("evil.com"));
}

#[tokio::test]
async fn trusted_host_uses_forwarded_headers_and_secure_cookies() {
    let auth = Auth::builder()
        .secret(SECRET)
        .trust_host(true)
        .build()
        .expect("config");
    let mut b = Browser::new(auth);
    b.extra_headers
        .push(("Host".into(), "internal:8080".into()));
    b.extra_headers
        .push(("X-Forwarded-Host".into(), "app.example.com".into()));
    b.extra_headers
        .push(("X-Forwarded-Proto".into(), "https".into()));
    let r = b.get("/api/auth/csrf").await;
    let csrf = r
        .set_cookie("__Host-authjs.csrf-token")
        .expect("__Host- prefix");
    assert!(
        csrf.ends_with("; Path=/; HttpOnly; Secure; SameSite=Lax"),
        "{csrf}"
    );
    assert!(
        r.set_cookie("__Secure-authjs.callback-url")
            .expect("callback")
            .contains("https%3A%2F%2Fapp.example.com")
    );
}

#[tokio::test]
async fn cookie_overrides_apply() {
    let auth = builder()
        .cookie(
            CookieKey::SessionToken,
            CookieOverride {
                name: Some("app.session".into()),
                domain: Some("example.com".into()),
                ..CookieOverride::default()
            },
        )
        .build()
        .expect("config");
    let mut b = Browser::new(auth);
    let r = b.sign_in("wonderland").await;
    let set = r.set_cookie("app.session").expect("renamed cookie");
    assert!(set.contains("Domain=example.com"), "{set}");
    assert_eq!(
        b.get("/api/auth/session").await.json()["user"]["name"],
        "Alice Liddell"
    );
}

#[tokio::test]
async fn secret_rotation_keeps_sessions() {
    let old = builder().build().expect("config");
    let mut b = Browser::new(old);
    b.sign_in("wonderland").await;
    // Re-issued on this read (update age 0), so with the new secret.
    let rotated = Auth::builder()
        .secret("the-new-secret-value-0123456789abcdef")
        .secret(SECRET)
        .url(ORIGIN)
        .jwt_update_age(0)
        .build()
        .expect("config");
    b.app = rotated;
    let r = b.get("/api/auth/session").await;
    assert_eq!(
        r.json()["user"]["email"],
        "alice@example.com",
        "old secret still verifies"
    );
    let only_new = Auth::builder()
        .secret("the-new-secret-value-0123456789abcdef")
        .url(ORIGIN)
        .build()
        .expect("config");
    b.app = only_new;
    let r = b.get("/api/auth/session").await;
    assert_eq!(
        r.json()["user"]["email"],
        "alice@example.com",
        "re-issued with the new secret"
    );
}

// ---------- logging ----------

#[tokio::test(flavor = "current_thread")]
async fn tampered_token_is_logged_once_as_jwt_session_error() {
    let logs = LogCapture::start();
    let (auth, _) = configured(SessionStrategy::Jwt, WireMode::AuthJs);
    let mut b = Browser::new(auth);
    b.sign_in("wonderland").await;
    let token = b.cookie("authjs.session-token").expect("token").to_owned();
    let mut chars: Vec<char> = token.chars().collect();
    let i = chars.len() - 5;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    b.jar
        .insert("authjs.session-token".into(), chars.into_iter().collect());
    let r = b.get("/api/auth/session").await;
    assert_eq!(r.body, "null");
    assert!(
        r.set_cookie("authjs.session-token")
            .expect("cleared")
            .contains("Max-Age=0")
    );
    let text = logs.text();
    assert_eq!(
        text.matches("JWT_SESSION_ERROR").count(),
        2,
        "code field + message, one line: {text}"
    );
    assert_eq!(
        text.lines()
            .filter(|l| l.contains("JWT_SESSION_ERROR"))
            .count(),
        1
    );
    assert!(text.contains(&keyway_core::LogCode::JwtSessionError.docs_url()));
    assert!(!text.contains(SECRET));
}

#[tokio::test(flavor = "current_thread")]
async fn failing_authorize_is_logged_with_its_cause() {
    let logs = LogCapture::start();
    let (auth, _) = configured(SessionStrategy::Jwt, WireMode::AuthJs);
    let mut b = Browser::new(auth);
    let r = b.post_credentials(&[("username", "broken")]).await;
    assert_redirected(&r, "/api/auth/error?error=Configuration");
    let text = logs.text();
    assert!(
        text.contains("CALLBACK_CREDENTIALS_HANDLER_ERROR"),
        "{text}"
    );
    assert!(
        text.contains("the user store is down"),
        "cause logged: {text}"
    );
    let page = b.get("/api/auth/error?error=Configuration").await;
    assert!(
        !page.body.contains("the user store is down"),
        "never shown to the user"
    );
}

// ---------- snapshots of the JSON actions ----------

#[tokio::test]
async fn json_actions_snapshots() {
    let auth = builder()
        .adapter(Arc::new(MemoryAdapter::new()))
        .session_strategy(SessionStrategy::Jwt)
        .provider(Provider::Email(Arc::new(Mailbox::default())))
        .build()
        .expect("config");
    let mut b = Browser::new(auth);
    let providers = b.get("/api/auth/providers").await;
    assert!(
        providers.set_cookies().is_empty(),
        "providers carries no cookies"
    );
    insta::assert_snapshot!("providers", providers.body);
    let csrf = b.get("/api/auth/csrf").await;
    let token = csrf.json()["csrfToken"].as_str().expect("token").to_owned();
    insta::assert_snapshot!("csrf", csrf.body.replace(&token, "[csrf token]"));
    b.sign_in("wonderland").await;
    let session = b.get("/api/auth/session").await;
    let mut json = session.json();
    json["expires"] = "[expires]".into();
    insta::assert_json_snapshot!("session", json);
}

// ---------- email through the engine ----------

/// An email provider that keeps the messages it "sends", or fails on demand.
#[derive(Default)]
struct Mailbox {
    sent: Mutex<Vec<(String, String)>>,
    fail: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl EmailProvider for Mailbox {
    fn id(&self) -> &str {
        "email"
    }
    fn name(&self) -> &str {
        "Email"
    }
    async fn send_verification_request(
        &self,
        request: &VerificationRequest<'_>,
    ) -> Result<(), BoxError> {
        if self.fail.load(std::sync::atomic::Ordering::SeqCst) {
            return Err("connection refused by the mail server".into());
        }
        self.sent
            .lock()
            .expect("lock")
            .push((request.identifier.to_owned(), request.url.to_owned()));
        Ok(())
    }
}

fn email_auth(mailbox: Arc<Mailbox>, memory: MemoryAdapter) -> Auth {
    Auth::builder()
        .secret(SECRET)
        .url(ORIGIN)
        .adapter(Arc::new(memory))
        .provider(Provider::Email(mailbox))
        .build()
        .expect("config")
}

fn path_of(url: &str) -> String {
    url.strip_prefix(ORIGIN).expect("on the site").to_owned()
}

#[tokio::test]
async fn email_link_signs_in_once() {
    let mailbox = Arc::new(Mailbox::default());
    let memory = MemoryAdapter::new();
    let mut b = Browser::new(email_auth(mailbox.clone(), memory.clone()));
    let csrf = b.csrf().await;
    let r = b
        .post_form(
            "/api/auth/signin/email",
            &[
                ("csrfToken", csrf.as_str()),
                ("email", " Bob@Example.com "),
                ("callbackUrl", "/inbox"),
            ],
        )
        .await;
    assert_redirected(&r, "/api/auth/verify-request?provider=email&type=email");
    let (to, link) = mailbox.sent.lock().expect("lock")[0].clone();
    assert_eq!(to, "bob@example.com");
    assert!(link.starts_with(&format!("{ORIGIN}/api/auth/callback/email?callbackUrl=")));
    assert_eq!(memory.verification_token_count(), 1);
    let token = url::Url::parse(&link)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .expect("token");
    assert!(
        memory
            .stored_verification_token("bob@example.com", &token)
            .is_none(),
        "the plain token is never stored"
    );

    let r = b.get(&path_of(&link)).await;
    assert_redirected(&r, "/inbox");
    let s = b.get("/api/auth/session").await;
    assert_eq!(s.json()["user"]["email"], "bob@example.com");
    assert_eq!(memory.user_count(), 1);

    let mut other = Browser::new(b.app.clone());
    let r = other.get(&path_of(&link)).await;
    assert_redirected(&r, "/api/auth/error?error=Verification");
    let page = other.get("/api/auth/error?error=Verification").await;
    assert_eq!(page.status, 403);
}

#[tokio::test(flavor = "current_thread")]
async fn failed_send_leaves_no_usable_token() {
    let logs = LogCapture::start();
    let mailbox = Arc::new(Mailbox::default());
    mailbox
        .fail
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let memory = MemoryAdapter::new();
    let mut b = Browser::new(email_auth(mailbox, memory.clone()));
    let csrf = b.csrf().await;
    let r = b
        .post_form(
            "/api/auth/signin/email",
            &[("csrfToken", csrf.as_str()), ("email", "c@example.com")],
        )
        .await;
    assert_redirected(&r, "/api/auth/signin?error=EmailSignin");
    assert_eq!(memory.verification_token_count(), 0);
    assert!(logs.text().contains("SEND_VERIFICATION_EMAIL_ERROR"));
    let r = b
        .post_form(
            "/api/auth/signin/email",
            &[("csrfToken", csrf.as_str()), ("email", "not-an-email")],
        )
        .await;
    assert_redirected(&r, "/api/auth/signin?error=EmailSignin");
    assert!(logs.text().contains("SIGNIN_EMAIL_ERROR"));
}

// ---------- pages through the engine ----------

#[tokio::test]
async fn pages_follow_accept_language_and_custom_pages() {
    let (auth, _) = configured(SessionStrategy::Jwt, WireMode::AuthJs);
    let mut b = Browser::new(auth);
    b.extra_headers
        .push(("Accept-Language".into(), "ko-KR,ko;q=0.9,en;q=0.5".into()));
    let r = b.get("/api/auth/signin?error=CredentialsSignin").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("lang=\"ko\""), "Korean page");
    assert!(
        r.set_cookie("authjs.csrf-token").is_some(),
        "pages mint the csrf cookie"
    );

    let custom = builder()
        .pages(Pages {
            sign_in: Some("/login".into()),
            error: Some("/oops".into()),
            ..Pages::default()
        })
        .build()
        .expect("config");
    let mut b = Browser::new(custom);
    let r = b
        .get("/api/auth/signin?callbackUrl=%2Fdash&error=SessionRequired")
        .await;
    assert_redirected(
        &r,
        "/login?callbackUrl=http%3A%2F%2F127.0.0.1%3A3000%2Fdash&error=SessionRequired",
    );
    let r = b.get("/api/auth/error?error=AccessDenied").await;
    assert_redirected(&r, "/oops?error=AccessDenied");
    let r = b.sign_in("nope").await;
    assert_redirected(&r, "/login?error=CredentialsSignin&code=credentials");
}

// ---------- signed-only JWS sessions ----------

#[tokio::test(flavor = "current_thread")]
async fn signed_jws_sessions_work_and_refuse_other_algorithms() {
    use keyway_core::jwt::{JwsAlgorithm, TokenFormat};
    let logs = LogCapture::start();
    let auth = builder()
        .token_format(TokenFormat::signed(JwsAlgorithm::HS512))
        .build()
        .expect("config");
    let mut b = Browser::new(auth);
    b.sign_in("wonderland").await;
    let token = b.cookie("authjs.session-token").expect("token").to_owned();
    assert_eq!(token.split('.').count(), 3, "a compact JWS");
    // Another service can verify it with the key derived for this purpose.
    let key = keyway_core::keys::derive(
        SECRET.as_bytes(),
        keyway_core::keys::Purpose::SessionSigning,
    );
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS512);
    validation.validate_exp = true;
    let data = jsonwebtoken::decode::<serde_json::Value>(
        &token,
        &jsonwebtoken::DecodingKey::from_secret(&key),
        &validation,
    )
    .expect("verifies with the derived signing key");
    assert_eq!(data.claims["email"], "alice@example.com");
    assert_eq!(
        b.get("/api/auth/session").await.json()["user"]["name"],
        "Alice Liddell"
    );

    // An HS256 token made with the same key is refused: JWT_SESSION_ERROR.
    let hs256 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &data.claims,
        &jsonwebtoken::EncodingKey::from_secret(&key),
    )
    .expect("encode");
    b.jar.insert("authjs.session-token".into(), hs256);
    let r = b.get("/api/auth/session").await;
    assert_eq!(r.body, "null");
    assert!(logs.text().contains("JWT_SESSION_ERROR"));
}
