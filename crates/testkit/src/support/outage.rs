//! [`connection_cut`]: the database connection cut mid-run and restored,
//! the same scenario for every adapter.

use std::sync::Arc;
use std::time::Duration;

use keyway_core::{Adapter, AdapterErrorKind, Auth, User};

use super::{Browser, LogCapture, Resp, TcpProxy};

const ORIGIN: &str = "http://127.0.0.1:3000";

/// Signs alice in with the credentials form; returns the callback answer.
async fn sign_in(b: &mut Browser) -> Resp {
    let token = b.csrf().await;
    b.post_form(
        "/api/auth/callback/credentials",
        &[
            ("csrfToken", token.as_str()),
            ("username", "alice"),
            ("password", "wonderland"),
        ],
    )
    .await
}

/// The signed-in user's email; a session read never answers an error status.
async fn session_email(b: &mut Browser) -> Option<String> {
    let res = b.get("/api/auth/session").await;
    assert_eq!(res.status, 200, "never an error status for a session read");
    res.json()["user"]["email"].as_str().map(str::to_owned)
}

/// Cuts the database connection of an app mid-run and restores it.
///
/// `adapter` must reach its database through `proxy`, with a connect (and,
/// where the driver has one, server selection) timeout of a few seconds.
/// The scenario builds an app with database sessions and credentials
/// sign-in on it and checks that:
///
/// - with the connection up, alice signs in;
/// - once [cut](TcpProxy::cut), the adapter fails with the
///   [`Connection`](AdapterErrorKind::Connection) kind; a session read
///   answers "no session" with status 200 and keeps the cookie, logged as
///   one `ADAPTER_CONNECTION_ERROR` line; a sign-in lands on the
///   `Configuration` error page, whose HTML shows none of `backend_words`
///   (lower case: the driver's and the database's names, their messages);
/// - once [restored](TcpProxy::restore), the same app, with the same
///   adapter, reads alice's session again and signs new visitors in.
///
/// Run it on a current-thread runtime (`#[tokio::test]`): the log capture
/// listens on the test's thread.
///
/// # Panics
///
/// When any of the above does not hold.
pub async fn connection_cut(adapter: Arc<dyn Adapter>, proxy: &TcpProxy, backend_words: &[&str]) {
    let logs = LogCapture::start();
    let provider = keyway_credentials::credentials(|input| async move {
        Ok(
            (input.get("username") == Some("alice") && input.get("password") == Some("wonderland"))
                .then(|| User::new("1", "alice@example.com")),
        )
    })
    .username_password();
    let auth = Auth::builder()
        .secret("a-long-enough-test-secret-0123456789")
        .url(ORIGIN)
        .adapter(adapter.clone())
        .allow_credentials_with_database_sessions(true)
        .provider(provider)
        .build()
        .unwrap_or_else(|e| panic!("config: {e}"));

    let mut alice = Browser::new(auth.clone());
    let res = sign_in(&mut alice).await;
    assert_eq!(res.location(), Some(ORIGIN), "signed in through the proxy");
    assert_eq!(
        session_email(&mut alice).await.as_deref(),
        Some("alice@example.com")
    );
    logs.take();

    proxy.cut();

    // The adapter reports the connection kind.
    match adapter.get_user_by_email("whoever@example.com").await {
        Err(err) => assert_eq!(err.kind(), AdapterErrorKind::Connection, "{err}"),
        Ok(found) => panic!("the database is gone, yet the adapter answered {found:?}"),
    }

    // A session read answers "no session" (the cookie stays), logged once.
    assert_eq!(session_email(&mut alice).await, None);
    assert!(
        alice.jar.contains_key("authjs.session-token"),
        "an outage signs nobody out"
    );
    let text = logs.take();
    assert_eq!(
        text.lines()
            .filter(|l| l.contains("ADAPTER_CONNECTION_ERROR"))
            .count(),
        1,
        "{text}"
    );

    // A sign-in lands on the Configuration error page, without any backend text.
    let mut bob = Browser::new(auth.clone());
    let res = sign_in(&mut bob).await;
    assert_eq!(
        res.location(),
        Some(format!("{ORIGIN}/api/auth/error?error=Configuration").as_str())
    );
    assert!(logs.take().contains("ADAPTER_CONNECTION_ERROR"));
    let page = bob.get("/api/auth/error?error=Configuration").await;
    assert_eq!(page.status, 500);
    let html = page.body.to_lowercase();
    for word in backend_words.iter().chain(&["connection refused"]) {
        assert!(!html.contains(word), "the error page shows `{word}`");
    }

    // Back: the same app, the same adapter, working again.
    proxy.restore().await;
    let mut recovered = false;
    for _ in 0..50 {
        if session_email(&mut alice).await.as_deref() == Some("alice@example.com") {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        recovered,
        "the old session reads again after the connection is back"
    );
    let res = sign_in(&mut bob).await;
    assert_eq!(res.location(), Some(ORIGIN), "new sign-ins work again");
    assert_eq!(
        session_email(&mut bob).await.as_deref(),
        Some("alice@example.com")
    );
}
