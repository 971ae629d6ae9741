//! [`TcpCut`]: a TCP proxy to a database server that a test can cut (every
//! connection dropped, the port refusing) and restore on the same port, and
//! [`TcpCut::outage_scenario`], what every SQL adapter must do across such
//! a cut.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keyway_core::{Adapter, AdapterErrorKind, Auth};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::{Browser, LogCapture, Resp};

/// A TCP proxy to `target` that can be cut and restored on the same port.
#[derive(Debug)]
pub struct TcpCut {
    addr: SocketAddr,
    target: SocketAddr,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl TcpCut {
    /// Starts the proxy on a free local port.
    pub async fn start(target: SocketAddr) -> Self {
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

    /// Where the proxy listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `url` with the target's `host:port` replaced by the proxy's.
    pub fn route(&self, url: &str) -> String {
        let routed = url.replacen(&self.target.to_string(), &self.addr.to_string(), 1);
        assert_ne!(routed, url, "{url} does not name {}", self.target);
        routed
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
    pub fn cut(&self) {
        for t in self.tasks.lock().expect("lock").drain(..) {
            t.abort();
        }
    }

    /// Listens again on the same port.
    pub async fn restore(&self) {
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

    /// The outage an adapter connected through this proxy must survive:
    /// alice signs in (credentials, database sessions); the cut makes the
    /// adapter report the connection kind, a session read answer "no
    /// session" with one `ADAPTER_CONNECTION_ERROR` log line and the cookie
    /// kept, a sign-in land on the Configuration page without backend text
    /// (none of `backend_words`); once restored, the same app reads the old
    /// session and signs in again.
    pub async fn outage_scenario(&self, adapter: Arc<dyn Adapter>, backend_words: &[&str]) {
        const ORIGIN: &str = "http://127.0.0.1:3000";
        let logs = LogCapture::start();
        let provider = keyway_credentials::credentials(|input| async move {
            Ok((input.get("username") == Some("alice")
                && input.get("password") == Some("wonderland"))
            .then(|| keyway_core::User::new("1", "alice@example.com")))
        })
        .username_password();
        let auth = Auth::builder()
            .secret("a-long-enough-test-secret-0123456789")
            .url(ORIGIN)
            .adapter(adapter.clone())
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

        self.cut();

        let err = adapter
            .get_user("whoever")
            .await
            .expect_err("the database is gone");
        assert_eq!(err.kind(), AdapterErrorKind::Connection, "{err}");

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
            assert!(!html.contains(&word.to_lowercase()), "{word} shown: {html}");
        }

        self.restore().await;
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
