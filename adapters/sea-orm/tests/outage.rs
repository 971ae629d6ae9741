//! The database goes away mid-load and comes back, on each SQL database:
//! PostgreSQL and MariaDB are reached through keyway-testkit's
//! [`TcpProxy`], which is cut (every connection dropped, the port refusing)
//! and restored; a SQLite file is locked by another connection holding a
//! write transaction (its sessions still read, through the read lane; every
//! write waits out the busy timeout and fails).
//!
//! While users read their sessions and new visitors sign in, the test
//! checks that
//!
//! - requests during the outage get the documented answers: a session read
//!   answers "no session" (`200`, the cookie kept), a sign-in lands on the
//!   `Configuration` error page (its `500` HTML shows no backend text), and
//!   the log says `ADAPTER_CONNECTION_ERROR`; nothing else answers a `5xx`;
//! - once the database is back, the same engine and adapter work again: the
//!   earlier users are signed in, new visitors sign in, without a restart;
//! - no session or verification token is lost or duplicated: each one a
//!   client holds (or the test stored) is in its table exactly once, counted
//!   with SQL on a connection of its own, and each verification token is
//!   used exactly once after the outage.

mod common;

use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use keyway_core::{Adapter, AdapterErrorKind, Auth, SessionStrategy, User, VerificationToken};
use keyway_sea_orm::SeaOrmAdapter;
use keyway_testkit::support::{Browser, LogCapture, TcpProxy};
use sea_orm::sqlx::{self, Connection};

const ORIGIN: &str = "http://127.0.0.1:3000";
const SESSION_COOKIE: &str = "authjs.session-token";
/// What the error page must not show (lower case).
const BACKEND_WORDS: &[&str] = &[
    "postgres",
    "mysql",
    "mariadb",
    "sqlite",
    "sqlx",
    "sea-orm",
    "sea_orm",
    "connection refused",
    "database is locked",
];

/// How the database goes away.
enum Fault {
    /// A server behind a proxy.
    Proxy(TcpProxy),
    /// A SQLite file, locked by a write transaction on this connection.
    SqliteLock {
        url: String,
        holder: tokio::sync::Mutex<Option<sqlx::SqliteConnection>>,
    },
}

impl Fault {
    async fn cut(&self) {
        match self {
            Fault::Proxy(proxy) => proxy.cut(),
            Fault::SqliteLock { url, holder } => {
                let mut conn = sqlx::SqliteConnection::connect(url)
                    .await
                    .expect("a second connection to the SQLite file");
                sqlx::query("BEGIN IMMEDIATE")
                    .execute(&mut conn)
                    .await
                    .expect("the write lock");
                *holder.lock().await = Some(conn);
            }
        }
    }

    async fn restore(&self) {
        match self {
            Fault::Proxy(proxy) => proxy.restore().await,
            Fault::SqliteLock { holder, .. } => {
                if let Some(mut conn) = holder.lock().await.take() {
                    sqlx::query("ROLLBACK")
                        .execute(&mut conn)
                        .await
                        .expect("the lock released");
                    conn.close().await.ok();
                }
            }
        }
    }

    /// Whether session reads keep working during the outage.
    fn reads_survive(&self) -> bool {
        matches!(self, Fault::SqliteLock { .. })
    }
}

/// Counts rows with SQL of its own, on a connection that does not go through
/// the proxy.
struct Counter {
    url: String,
    /// `"schema".` on PostgreSQL.
    prefix: String,
}

impl Counter {
    async fn rows(&self, table: &str, column: &str, value: &str) -> i64 {
        let sql = format!(
            "SELECT COUNT(*) FROM {}{table} WHERE {column} = '{value}'",
            self.prefix
        );
        keyway_sea_orm::testing::query_count(&self.url, &sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

fn engine(adapter: Arc<dyn Adapter>) -> Auth {
    let provider = keyway_credentials::credentials(|input| async move {
        Ok(
            (input.get("username") == Some("alice") && input.get("password") == Some("wonderland"))
                .then(|| User::new("1", "alice@example.com")),
        )
    })
    .username_password();
    Auth::builder()
        .secret("a-long-enough-test-secret-0123456789")
        .url(ORIGIN)
        .adapter(adapter)
        .session_strategy(SessionStrategy::Database)
        .allow_credentials_with_database_sessions(true)
        .provider(provider)
        .build()
        .unwrap_or_else(|e| panic!("config: {e}"))
}

/// Signs a new browser in: `Some(browser)` when it worked, `None` when the
/// engine refused (then it must have sent it to the `Configuration` page).
async fn visitor(auth: &Auth) -> Option<Browser> {
    let mut b = Browser::new(auth.clone());
    let token = b.csrf().await;
    let r = b
        .post_form(
            "/api/auth/callback/credentials",
            &[
                ("csrfToken", token.as_str()),
                ("username", "alice"),
                ("password", "wonderland"),
            ],
        )
        .await;
    match r.location() {
        Some(ORIGIN) => {
            assert!(b.cookie(SESSION_COOKIE).is_some(), "signed in, no cookie");
            Some(b)
        }
        Some(l) if l == format!("{ORIGIN}/api/auth/error?error=Configuration") => {
            assert!(b.cookie(SESSION_COOKIE).is_none(), "refused, yet a cookie");
            None
        }
        _ => panic!("a sign-in answered {}", r.summary()),
    }
}

/// A session read: never a `5xx`; the signed-in email, if any.
async fn session_email(b: &mut Browser) -> Option<String> {
    let r = b.fetch_json("/api/auth/session").await;
    assert_eq!(r.status, 200, "a session read: {}", r.summary());
    r.json()["user"]["email"].as_str().map(str::to_owned)
}

/// The load: visitors signing in, one after another, until `stop`; the
/// session tokens of those that made it.
async fn load(auth: Auth, stop: Rc<RefCell<bool>>) -> Vec<String> {
    let mut tokens = Vec::new();
    while !*stop.borrow() {
        if let Some(b) = visitor(&auth).await {
            tokens.extend(b.cookie(SESSION_COOKIE).map(str::to_owned));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokens
}

async fn outage(adapter: SeaOrmAdapter, fault: Fault, counter: Counter) {
    let logs = LogCapture::start();
    let adapter: Arc<dyn Adapter> = Arc::new(adapter);
    let auth = engine(adapter.clone());

    // Before: users signed in, verification tokens stored.
    let mut users = Vec::new();
    for _ in 0..4 {
        users.push(visitor(&auth).await.expect("a sign-in before the outage"));
    }
    let mut stored = Vec::new();
    for i in 0..3 {
        let token = VerificationToken {
            identifier: format!("user{i}@example.com"),
            token: keyway_core::random::hex(16),
            expires: Utc::now() + TimeDelta::hours(1),
        };
        adapter
            .create_verification_token(token.clone())
            .await
            .expect("a verification token before the outage");
        stored.push(token);
    }
    let stop = Rc::new(RefCell::new(false));
    let background = tokio::task::spawn_local(load(auth.clone(), stop.clone()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    logs.take();

    // Out.
    fault.cut().await;
    for user in &mut users {
        let email = session_email(user).await;
        if fault.reads_survive() {
            assert_eq!(email.as_deref(), Some("alice@example.com"));
        } else {
            assert_eq!(email, None, "the database is gone, yet a session read");
        }
        assert!(
            user.cookie(SESSION_COOKIE).is_some(),
            "an outage signs nobody out"
        );
    }
    let refused = visitor(&auth).await;
    assert!(refused.is_none(), "a sign-in worked during the outage");
    let page = Browser::new(auth.clone())
        .get("/api/auth/error?error=Configuration")
        .await;
    assert_eq!(page.status, 500);
    let html = page.body.to_lowercase();
    for word in BACKEND_WORDS {
        assert!(!html.contains(word), "the error page shows `{word}`");
    }
    let used = adapter
        .use_verification_token(&stored[0].identifier, &stored[0].token)
        .await;
    match used {
        Err(e) => assert_eq!(e.kind(), AdapterErrorKind::Connection, "{e}"),
        Ok(found) => panic!("the database is gone, yet a token was used: {found:?}"),
    }
    let text = logs.take();
    assert!(text.contains("ADAPTER_CONNECTION_ERROR"), "{text}");

    // Back, without a restart.
    fault.restore().await;
    let mut recovered = false;
    for _ in 0..100 {
        if visitor(&auth).await.is_some() {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(recovered, "sign-ins work again after the database is back");
    for user in &mut users {
        assert_eq!(
            session_email(user).await.as_deref(),
            Some("alice@example.com"),
            "a session from before the outage reads again"
        );
    }
    *stop.borrow_mut() = true;
    let mut held: Vec<String> = background.await.expect("the load");
    held.extend(
        users
            .iter()
            .filter_map(|u| u.cookie(SESSION_COOKIE).map(str::to_owned)),
    );

    // Nothing lost, nothing twice.
    for token in &held {
        assert_eq!(
            counter.rows("sessions", "session_token", token).await,
            1,
            "a session a client holds is stored exactly once"
        );
    }
    for token in &stored {
        assert_eq!(
            counter
                .rows("verification_tokens", "token", &token.token)
                .await,
            1,
            "a verification token from before the outage is stored exactly once"
        );
        let first = adapter
            .use_verification_token(&token.identifier, &token.token)
            .await
            .expect("using a token after the outage");
        assert!(first.is_some(), "a token from before the outage was lost");
        let again = adapter
            .use_verification_token(&token.identifier, &token.token)
            .await
            .expect("using a token twice");
        assert!(again.is_none(), "a token was used twice");
    }
    println!(
        "{} sessions held and {} verification tokens checked",
        held.len(),
        stored.len()
    );
}

/// The adapter through a proxy to `server`, with short timeouts.
async fn through_proxy(db: &common::TestDb, server: &str) -> (SeaOrmAdapter, TcpProxy) {
    let target: SocketAddr = server.parse().expect("addr");
    let proxy = TcpProxy::start(target).await;
    let url = db.url.replacen(server, &proxy.addr().to_string(), 1);
    assert_ne!(url, db.url, "the adapter goes through the proxy");
    let mut options = db.options.clone();
    options.connect_timeout = Some(Duration::from_secs(2));
    options.max_connections = Some(4);
    let adapter = SeaOrmAdapter::connect(&url, options)
        .await
        .expect("connect through the proxy");
    (adapter, proxy)
}

fn local() -> tokio::task::LocalSet {
    tokio::task::LocalSet::new()
}

#[tokio::test]
async fn postgresql_goes_away_mid_load_and_comes_back() {
    let Some(db) = common::postgres().await else {
        return;
    };
    let (adapter, proxy) = through_proxy(&db, "127.0.0.1:5432").await;
    let schema = db.options.schema.clone().expect("a schema");
    let counter = Counter {
        url: db.url.clone(),
        prefix: format!("\"{schema}\"."),
    };
    local()
        .run_until(outage(adapter.clone(), Fault::Proxy(proxy), counter))
        .await;
    adapter.close().await.ok();
}

#[tokio::test]
async fn mariadb_goes_away_mid_load_and_comes_back() {
    let Some(db) = common::mysql().await else {
        return;
    };
    let (adapter, proxy) = through_proxy(&db, "127.0.0.1:3306").await;
    let counter = Counter {
        url: db.url.clone(),
        prefix: String::new(),
    };
    local()
        .run_until(outage(adapter.clone(), Fault::Proxy(proxy), counter))
        .await;
    adapter.close().await.ok();
}

#[tokio::test]
async fn a_locked_sqlite_file_fails_writes_and_comes_back() {
    let db = common::sqlite_file();
    let adapter = db.adapter().await;
    assert!(
        format!("{adapter:?}").contains("sqlite_reader: true"),
        "session reads go through the read lane"
    );
    let fault = Fault::SqliteLock {
        url: db.url.clone(),
        holder: tokio::sync::Mutex::new(None),
    };
    let counter = Counter {
        url: db.url.clone(),
        prefix: String::new(),
    };
    local()
        .run_until(outage(adapter.clone(), fault, counter))
        .await;
    adapter.close().await.ok();
}
