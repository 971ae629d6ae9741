//! Cutting the database connection mid-run: requests fail cleanly (the
//! connection kind, one ADAPTER_CONNECTION_ERROR log line, the Configuration
//! error page, no panic), and once the connection is back everything works
//! again without restarting the app.
//!
//! The cut is real: the adapter talks to PostgreSQL through a small TCP proxy
//! inside the test, which is closed (every connection dropped, the port
//! refusing) and then reopened on the same port.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keyway_core::{Adapter, AdapterErrorKind, Auth};
use keyway_sea_orm::SeaOrmAdapter;
use keyway_testkit::support::{Browser, LogCapture, Resp};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const ORIGIN: &str = "http://127.0.0.1:3000";

/// A TCP proxy to `target` that can be cut and restored on the same port.
struct Proxy {
    addr: SocketAddr,
    target: SocketAddr,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let proxy = Self {
            addr,
            target,
            tasks: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let target = self.target;
        let tasks = self.tasks.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let conn = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.lock().expect("lock").push(conn);
            }
        });
        self.tasks.lock().expect("lock").push(accept);
    }

    /// Drops every connection and stops listening.
    fn cut(&self) {
        for t in self.tasks.lock().expect("lock").drain(..) {
            t.abort();
        }
    }

    /// Listens again on the same port.
    async fn restore(&self) {
        let mut last = None;
        for _ in 0..50 {
            match TcpListener::bind(self.addr).await {
                Ok(l) => return self.serve(l),
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("could not re-bind the proxy port: {last:?}");
    }
}

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

#[tokio::test]
async fn a_cut_connection_fails_cleanly_and_recovers() {
    let Some(db) = common::postgres().await else {
        return;
    };
    let logs = LogCapture::start();

    let pg: SocketAddr = "127.0.0.1:5432".parse().expect("addr");
    let proxy = Proxy::start(pg).await;
    let url = db
        .url
        .replacen("127.0.0.1:5432", &proxy.addr.to_string(), 1);
    assert_ne!(url, db.url, "the adapter goes through the proxy");
    let mut options = db.options.clone();
    options.connect_timeout = Some(Duration::from_secs(2));
    options.max_connections = Some(2);
    let adapter = SeaOrmAdapter::connect(&url, options)
        .await
        .expect("connect");
    let provider = keyway_credentials::credentials(|input| async move {
        Ok(
            (input.get("username") == Some("alice") && input.get("password") == Some("wonderland"))
                .then(|| keyway_core::User::new("1", "alice@example.com")),
        )
    })
    .username_password();
    let auth = Auth::builder()
        .secret("a-long-enough-test-secret-0123456789")
        .url(ORIGIN)
        .adapter(Arc::new(adapter.clone()))
        .allow_credentials_with_database_sessions(true)
        .provider(provider)
        .build()
        .expect("config");

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
    let err = adapter
        .get_user("whoever")
        .await
        .expect_err("the database is gone");
    assert_eq!(err.kind(), AdapterErrorKind::Connection, "{err}");

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
    assert!(
        !html.contains("postgres")
            && !html.contains("connection refused")
            && !html.contains("sqlx")
    );

    // Back: the same app, the same pool, working again.
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
    adapter.close().await.ok();
}
