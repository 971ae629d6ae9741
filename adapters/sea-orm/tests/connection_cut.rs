//! Cutting the database connection mid-run: requests fail cleanly (the
//! connection kind, one ADAPTER_CONNECTION_ERROR log line, the Configuration
//! error page, no panic), and once the connection is back everything works
//! again without restarting the app.
//!
//! The cut is real: the adapter talks to PostgreSQL through a small TCP proxy
//! inside the test, which is closed (every connection dropped, the port
//! refusing) and then reopened on the same port.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use keyway_core::{Adapter, AdapterErrorKind, Auth};
use keyway_sea_orm::SeaOrmAdapter;
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

#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn take(&self) -> String {
        let mut v = self.0.lock().expect("lock");
        let s = String::from_utf8_lossy(&v).into_owned();
        v.clear();
        s
    }
}

/// Just enough of a browser: cookies in, cookies out.
struct Client {
    auth: Auth,
    jar: BTreeMap<String, String>,
}

impl Client {
    async fn send(
        &mut self,
        method: &str,
        path: &str,
        form: Option<String>,
    ) -> http::Response<Bytes> {
        let mut req = http::Request::builder().method(method).uri(path);
        if !self.jar.is_empty() {
            let cookie: Vec<String> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req = req.header("cookie", cookie.join("; "));
        }
        let body = match form {
            Some(f) => {
                req = req.header("content-type", "application/x-www-form-urlencoded");
                Bytes::from(f)
            }
            None => Bytes::new(),
        };
        let res = self.auth.handle(req.body(body).expect("request")).await;
        for v in res.headers().get_all("set-cookie") {
            let s = v.to_str().expect("ascii");
            let (name, value) = s
                .split(';')
                .next()
                .and_then(|p| p.split_once('='))
                .expect("pair");
            if s.contains("Max-Age=0") {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_owned(), value.to_owned());
            }
        }
        res
    }

    async fn sign_in(&mut self) -> http::Response<Bytes> {
        let csrf = self.send("GET", "/api/auth/csrf", None).await;
        let token =
            serde_json::from_slice::<serde_json::Value>(csrf.body()).expect("json")["csrfToken"]
                .as_str()
                .expect("token")
                .to_owned();
        let form = format!("csrfToken={token}&username=alice&password=wonderland");
        self.send("POST", "/api/auth/callback/credentials", Some(form))
            .await
    }

    async fn session_email(&mut self) -> Option<String> {
        let res = self.send("GET", "/api/auth/session", None).await;
        assert_eq!(
            res.status(),
            200,
            "never an error status for a session read"
        );
        let v: serde_json::Value = serde_json::from_slice(res.body()).expect("json");
        v["user"]["email"].as_str().map(str::to_owned)
    }
}

fn location(res: &http::Response<Bytes>) -> &str {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn a_cut_connection_fails_cleanly_and_recovers() {
    let Some(db) = common::postgres().await else {
        return;
    };
    let logs = Logs::default();
    let writer = logs.clone();
    let _guard = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish(),
    );

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

    let mut alice = Client {
        auth: auth.clone(),
        jar: BTreeMap::new(),
    };
    let res = alice.sign_in().await;
    assert_eq!(
        location(&res),
        format!("{ORIGIN}"),
        "signed in through the proxy"
    );
    assert_eq!(
        alice.session_email().await.as_deref(),
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
    assert_eq!(alice.session_email().await, None);
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
    let mut bob = Client {
        auth: auth.clone(),
        jar: BTreeMap::new(),
    };
    let res = bob.sign_in().await;
    assert_eq!(
        location(&res),
        format!("{ORIGIN}/api/auth/error?error=Configuration")
    );
    assert!(logs.take().contains("ADAPTER_CONNECTION_ERROR"));
    let page = bob
        .send("GET", "/api/auth/error?error=Configuration", None)
        .await;
    assert_eq!(page.status(), 500);
    let html = String::from_utf8_lossy(page.body()).to_lowercase();
    assert!(
        !html.contains("postgres")
            && !html.contains("connection refused")
            && !html.contains("sqlx")
    );

    // Back: the same app, the same pool, working again.
    proxy.restore().await;
    let mut recovered = false;
    for _ in 0..50 {
        if alice.session_email().await.as_deref() == Some("alice@example.com") {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        recovered,
        "the old session reads again after the connection is back"
    );
    let res = bob.sign_in().await;
    assert_eq!(location(&res), ORIGIN, "new sign-ins work again");
    assert_eq!(
        bob.session_email().await.as_deref(),
        Some("alice@example.com")
    );
    adapter.close().await.ok();
}
