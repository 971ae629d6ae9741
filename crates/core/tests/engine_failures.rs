//! Adapter and callback failures: each is logged once with its seed log code
//! and its cause, the user gets the right page, and no backend message ever
//! reaches a response.

mod common;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{Duration, Utc};
use common::{Browser, ORIGIN, SECRET, SignIn, assert_redirected, builder};
use keyway_core::callbacks::SessionParams;
use keyway_core::model::*;
use keyway_core::provider::{BoxError, VerificationRequest};
use keyway_core::{
    Adapter, AdapterErrorKind, Auth, Callbacks, EmailProvider, Provider, SessionData,
};
use keyway_memory::MemoryAdapter;
use keyway_testkit::support::{FaultyAdapter, LogCapture};

const BACKEND_MESSAGE: &str = "backend says: relation users does not exist";

#[derive(Default)]
struct Outbox(Mutex<Vec<String>>);

#[async_trait]
impl EmailProvider for Outbox {
    fn id(&self) -> &str {
        "email"
    }
    fn name(&self) -> &str {
        "Email"
    }
    async fn send_verification_request(&self, r: &VerificationRequest<'_>) -> Result<(), BoxError> {
        self.0.lock().expect("lock").push(r.url.to_owned());
        Ok(())
    }
}

struct Harness {
    /// The memory adapter behind `adapter`, to prepare rows directly.
    memory: MemoryAdapter,
    adapter: FaultyAdapter,
    outbox: Arc<Outbox>,
    browser: Browser,
    logs: LogCapture,
}

fn harness() -> Harness {
    let logs = LogCapture::start();
    let memory = MemoryAdapter::new();
    let adapter = FaultyAdapter::new(Arc::new(memory.clone())).with_message(BACKEND_MESSAGE);
    let outbox = Arc::new(Outbox::default());
    let auth = builder()
        .adapter(Arc::new(adapter.clone()))
        .allow_credentials_with_database_sessions(true)
        .provider(Provider::Email(outbox.clone()))
        .build()
        .expect("config");
    Harness {
        memory,
        adapter,
        outbox,
        browser: Browser::new(auth),
        logs,
    }
}

/// Exactly one log line carries `code`, with the cause, and the response
/// never shows the backend's message.
fn assert_logged_once(logs: &str, code: &str) {
    let lines: Vec<&str> = logs.lines().filter(|l| l.contains(code)).collect();
    assert_eq!(lines.len(), 1, "one line with {code}:\n{logs}");
    assert!(
        lines[0].contains(BACKEND_MESSAGE),
        "cause in the log: {}",
        lines[0]
    );
    assert!(lines[0].contains(&format!(
        "/reference/log-codes.html#{}",
        code.to_lowercase()
    )));
}

fn configuration_page() -> String {
    format!("{ORIGIN}/api/auth/error?error=Configuration")
}

#[tokio::test(flavor = "current_thread")]
async fn session_read_failures_keep_the_cookie() {
    for (kind, code) in [
        (AdapterErrorKind::Other, "GET_SESSION_ERROR"),
        (AdapterErrorKind::Connection, "ADAPTER_CONNECTION_ERROR"),
    ] {
        let mut h = harness();
        h.browser.sign_in("wonderland").await;
        h.logs.take();
        h.adapter.fail("get_session_and_user", kind);
        let r = h.browser.get("/api/auth/session").await;
        assert_eq!((r.status.as_u16(), r.body.as_str()), (200, "null"));
        assert!(
            r.set_cookie("authjs.session-token").is_none(),
            "an outage signs nobody out"
        );
        assert!(!r.body.contains("backend"));
        assert_logged_once(&h.logs.take(), code);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn session_maintenance_failures_are_logged() {
    let mut h = harness();
    h.browser.sign_in("wonderland").await;
    let token = SessionToken::new(h.browser.cookie("authjs.session-token").expect("token"));
    let stale = Utc::now() + Duration::days(29);
    h.memory
        .update_session(SessionUpdate::expires(token.clone(), stale))
        .await
        .expect("update");
    h.logs.take();
    h.adapter.fail("update_session", AdapterErrorKind::Other);
    let r = h.browser.get("/api/auth/session").await;
    assert_eq!(
        r.json()["user"]["email"],
        "alice@example.com",
        "still signed in"
    );
    assert_logged_once(&h.logs.take(), "UPDATE_SESSION_ERROR");

    h.memory
        .update_session(SessionUpdate::expires(
            token,
            Utc::now() - Duration::seconds(5),
        ))
        .await
        .expect("update");
    h.adapter.fail("delete_session", AdapterErrorKind::Other);
    let r = h.browser.get("/api/auth/session").await;
    assert_eq!(r.body, "null");
    assert_logged_once(&h.logs.take(), "DELETE_SESSION_ERROR");
}

#[tokio::test(flavor = "current_thread")]
async fn sign_out_failure_still_signs_out() {
    let mut h = harness();
    h.browser.sign_in("wonderland").await;
    h.logs.take();
    h.adapter.fail("delete_session", AdapterErrorKind::Other);
    let csrf = h.browser.csrf().await;
    let r = h
        .browser
        .post_form("/api/auth/signout", &[("csrfToken", csrf.as_str())])
        .await;
    assert_eq!(r.status, 302);
    assert!(
        r.set_cookie("authjs.session-token")
            .expect("cleared")
            .contains("Max-Age=0")
    );
    assert_logged_once(&h.logs.take(), "SIGNOUT_ERROR");
}

#[tokio::test(flavor = "current_thread")]
async fn sign_in_write_failures_show_the_configuration_page() {
    for (op, code) in [
        ("create_session", "CREATE_SESSION_ERROR"),
        ("create_user", "CREATE_USER_ERROR"),
        (
            "get_user_by_account",
            "GET_USER_BY_PROVIDER_ACCOUNT_ID_ERROR",
        ),
        ("get_user_by_email", "GET_USER_BY_EMAIL_ERROR"),
        ("link_account", "LINK_ACCOUNT_ERROR"),
    ] {
        let mut h = harness();
        h.adapter.fail(op, AdapterErrorKind::Other);
        let r = h.browser.sign_in("wonderland").await;
        assert_eq!(r.location(), Some(configuration_page().as_str()), "{op}");
        assert!(r.set_cookies().is_empty(), "{op}: no session");
        assert_logged_once(&h.logs.take(), code);
        let page = h.browser.get("/api/auth/error?error=Configuration").await;
        assert_eq!(page.status, 500);
        assert!(
            !page.body.contains("backend"),
            "no backend message on the page"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn unreachable_database_is_adapter_connection_error() {
    let mut h = harness();
    h.adapter
        .fail("get_user_by_account", AdapterErrorKind::Connection);
    let r = h.browser.sign_in("wonderland").await;
    assert_eq!(r.location(), Some(configuration_page().as_str()));
    assert_logged_once(&h.logs.take(), "ADAPTER_CONNECTION_ERROR");
}

#[tokio::test(flavor = "current_thread")]
async fn email_storage_failures() {
    let mut h = harness();
    h.adapter
        .fail("create_verification_token", AdapterErrorKind::Other);
    let csrf = h.browser.csrf().await;
    let r = h
        .browser
        .post_form(
            "/api/auth/signin/email",
            &[("csrfToken", csrf.as_str()), ("email", "d@example.com")],
        )
        .await;
    assert_redirected(&r, "/api/auth/signin?error=EmailSignin");
    assert!(
        h.outbox.0.lock().expect("lock").is_empty(),
        "nothing sent without a stored token"
    );
    assert_logged_once(&h.logs.take(), "CREATE_VERIFICATION_REQUEST_ERROR");

    h.adapter.heal();
    h.browser
        .post_form(
            "/api/auth/signin/email",
            &[("csrfToken", csrf.as_str()), ("email", "d@example.com")],
        )
        .await;
    let link = h.outbox.0.lock().expect("lock")[0].clone();
    h.adapter
        .fail("use_verification_token", AdapterErrorKind::Other);
    let r = h
        .browser
        .get(link.strip_prefix(ORIGIN).expect("on site"))
        .await;
    assert_eq!(r.location(), Some(configuration_page().as_str()));
    assert_logged_once(&h.logs.take(), "DELETE_VERIFICATION_REQUEST_ERROR");
}

struct BrokenSessionCallback;

#[async_trait]
impl Callbacks for BrokenSessionCallback {
    async fn session(
        &self,
        _s: SessionData,
        _p: &SessionParams<'_>,
    ) -> Result<SessionData, BoxError> {
        Err(BACKEND_MESSAGE.into())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn failing_session_callback_is_session_error() {
    let mut h = harness();
    let auth = builder()
        .callbacks(BrokenSessionCallback)
        .build()
        .expect("config");
    h.browser = Browser::new(auth);
    h.browser.sign_in("wonderland").await;
    let r = h.browser.get("/api/auth/session").await;
    assert_eq!(r.body, "null");
    assert_logged_once(&h.logs.take(), "SESSION_ERROR");
}

#[tokio::test(flavor = "current_thread")]
async fn request_outside_the_base_path_is_missing_api_route() {
    let h = harness();
    let auth = Auth::builder()
        .secret(SECRET)
        .url(ORIGIN)
        .base_path("/auth")
        .build()
        .expect("config");
    let mut b = Browser::new(auth);
    let r = b.get("/api/auth/session").await;
    assert_eq!(r.status, 400);
    let logs = h.logs.take();
    assert_eq!(
        logs.lines()
            .filter(|l| l.contains("MISSING_NEXTAUTH_API_ROUTE_ERROR"))
            .count(),
        1,
        "{logs}"
    );
    let r = b.get("/auth/nope").await;
    assert_eq!(r.status, 400);
    assert!(
        !h.logs.take().contains("MISSING_NEXTAUTH_API_ROUTE_ERROR"),
        "a bad action under the base path is the client's mistake"
    );
}
