//! PostgreSQL's read lane: the session read, the query of every request with
//! a database session cookie, on tokio-postgres connections of its own with
//! the statement prepared once per connection.
//!
//! # Why
//!
//! Through SeaORM and sqlx, that one indexed `SELECT ... JOIN` cost about
//! 160-175 µs of the server's CPU per request on a two-core machine (the
//! pool's acquire and release, sqlx's statement cache lookup, a `Parse`/
//! `Describe` check per query, SeaORM's dynamic row). On a tokio-postgres
//! client the query is one `Bind`/`Execute`/`Sync` round trip of a
//! statement prepared when the connection opened, decoded straight into
//! keyway's models; concurrent reads share a connection by pipelining
//! instead of waiting for a pooled one. `cargo xtask bench`'s PostgreSQL row
//! and its "where the time goes" line show the difference.
//!
//! # What it keeps
//!
//! * Only reads: every write, and every other query, goes through the pool.
//!   A read on another connection sees every committed write (PostgreSQL's
//!   read committed), so the lane reads exactly what the pool would.
//! * Any failure of the lane (it cannot connect, the connection drops, a
//!   column has a type the lane does not read) runs the same read on the
//!   pool, so errors, their kinds and their log lines are the pool's. A
//!   connection that failed is opened again on a later read, no more than
//!   once a second; a statement that cannot be prepared turns the lane off.
//! * It carries the session token in clear text, so it is used only where
//!   the pool would not encrypt either: `sslmode=disable`, or a server on
//!   the loopback interface or a Unix socket without `sslmode=require`.
//!   Any other URL, or one tokio-postgres cannot parse, keeps every query on
//!   the pool.
//! * [`PgReader::close`] stops it: later reads go to the (closed) pool and
//!   fail as its reads do.
//! * `KEYWAY_PG_READ_LANE=off` in the environment keeps every read on the
//!   pool (to compare the two, or should a proxy in between not take the
//!   lane's prepared statements).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use keyway_core::{Session, SessionToken, User};
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::types::Type;
use tokio_postgres::{Client, Config, NoTls, Row, Statement};

use crate::rows::{SESSION_COLUMNS, USER_COLUMNS};

/// How long after a failed connect the lane leaves reads to the pool.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// One open connection and its prepared statement.
struct Conn {
    client: Client,
    session_and_user: Statement,
}

/// A connection slot: the live connection, and a lock that lets one task
/// open a new one while the others wait for it.
#[derive(Default)]
struct Slot {
    live: Mutex<Option<Arc<Conn>>>,
    opening: tokio::sync::Mutex<()>,
}

struct Inner {
    config: Config,
    /// `SET search_path = ...` for a configured schema, run once per
    /// connection.
    search_path: Option<String>,
    sql: Arc<str>,
    slots: Box<[Slot]>,
    next: AtomicUsize,
    /// Set by [`PgReader::close`], or when the statement cannot be prepared.
    off: AtomicBool,
    /// Milliseconds since `started` before which no connect is tried.
    retry_at_ms: AtomicU64,
    started: Instant,
    /// Reads the lane answered (for tests: that it, not the pool, did).
    answered: AtomicU64,
}

/// The lane. Clones share its connections.
#[derive(Clone)]
pub(crate) struct PgReader {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for PgReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgReader")
            .field("connections", &self.inner.slots.len())
            .field("off", &self.inner.off.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Why the lane did not answer; the caller then asks the pool.
#[derive(Debug)]
pub(crate) struct Unanswered;

/// Connections of the lane: one per core, one to four, no more than
/// `max_connections`. A connection pipelines concurrent reads, so a few
/// keep the server's cores busy.
pub(crate) fn default_connections(max_connections: Option<u32>) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let n = cores.clamp(1, 4);
    match max_connections {
        Some(max) => n.min(max.max(1) as usize),
        None => n,
    }
}

/// Whether a URL's connection may carry tokens without TLS: the pool would
/// not encrypt them either.
fn plain_text_is_fine(config: &Config) -> bool {
    match config.get_ssl_mode() {
        SslMode::Disable => true,
        SslMode::Prefer => config.get_hosts().iter().all(|h| match h {
            Host::Tcp(name) => {
                let name = name.trim_start_matches('[').trim_end_matches(']');
                name == "localhost"
                    || name
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            }
            #[cfg(unix)]
            Host::Unix(_) => true,
        }),
        _ => false,
    }
}

impl PgReader {
    /// A lane for `url`, or `None` when the URL is not one it serves (see
    /// the module docs). Connects lazily, on the first read.
    pub(crate) fn for_url(
        url: &str,
        schema: Option<&str>,
        sql: Arc<str>,
        connections: usize,
        connect_timeout: Option<Duration>,
    ) -> Option<Self> {
        if std::env::var("KEYWAY_PG_READ_LANE").is_ok_and(|v| v.eq_ignore_ascii_case("off")) {
            return None;
        }
        let mut config: Config = match url.parse() {
            Ok(c) => c,
            Err(e) => {
                tracing::debug!(error = %e, "keyway-sea-orm: PostgreSQL reads stay on the pool");
                return None;
            }
        };
        if config.get_hosts().is_empty() || !plain_text_is_fine(&config) {
            tracing::debug!("keyway-sea-orm: PostgreSQL reads stay on the pool (TLS or no host)");
            return None;
        }
        config.connect_timeout(connect_timeout.unwrap_or(Duration::from_secs(5)));
        let search_path = schema.map(|s| format!("SET search_path = \"{s}\""));
        let slots = (0..connections.max(1)).map(|_| Slot::default()).collect();
        Some(Self {
            inner: Arc::new(Inner {
                config,
                search_path,
                sql,
                slots,
                next: AtomicUsize::new(0),
                off: AtomicBool::new(false),
                retry_at_ms: AtomicU64::new(0),
                started: Instant::now(),
                answered: AtomicU64::new(0),
            }),
        })
    }

    /// How many reads the lane answered.
    #[cfg(feature = "testkit")]
    pub(crate) fn answered(&self) -> u64 {
        self.inner.answered.load(Ordering::Relaxed)
    }

    /// Stops the lane: open connections are dropped and later reads go to
    /// the pool.
    pub(crate) fn close(&self) {
        self.inner.off.store(true, Ordering::SeqCst);
        for slot in &self.inner.slots {
            take(&slot.live);
        }
    }

    /// The session with `token` and its user, or [`Unanswered`] when the
    /// lane cannot say (the caller asks the pool).
    pub(crate) async fn session_and_user(
        &self,
        token: &SessionToken,
    ) -> Result<Option<(Session, User)>, Unanswered> {
        let inner = &*self.inner;
        if inner.off.load(Ordering::Relaxed) {
            return Err(Unanswered);
        }
        let i = inner.next.fetch_add(1, Ordering::Relaxed) % inner.slots.len();
        let slot = &inner.slots[i];
        let conn = self.connection(slot).await?;
        match conn
            .client
            .query_opt(&conn.session_and_user, &[&token.as_str()])
            .await
        {
            Ok(None) => {
                inner.answered.fetch_add(1, Ordering::Relaxed);
                Ok(None)
            }
            Ok(Some(row)) => match decode(&row) {
                Ok(found) => {
                    inner.answered.fetch_add(1, Ordering::Relaxed);
                    Ok(Some(found))
                }
                Err(e) => {
                    // A column type the lane does not read (a schema made by
                    // hand): the pool reads it.
                    tracing::debug!(error = %e, "keyway-sea-orm: the PostgreSQL read lane is off");
                    inner.off.store(true, Ordering::SeqCst);
                    Err(Unanswered)
                }
            },
            Err(e) => {
                tracing::debug!(error = %e, "keyway-sea-orm: PostgreSQL read lane query failed");
                if e.is_closed() || conn.client.is_closed() {
                    forget(slot, &conn);
                }
                Err(Unanswered)
            }
        }
    }

    /// The slot's connection, opened if needed.
    async fn connection(&self, slot: &Slot) -> Result<Arc<Conn>, Unanswered> {
        if let Some(c) = live(slot) {
            return Ok(c);
        }
        let inner = &*self.inner;
        let _opening = slot.opening.lock().await;
        if let Some(c) = live(slot) {
            return Ok(c);
        }
        let now_ms = inner.started.elapsed().as_millis() as u64;
        if now_ms < inner.retry_at_ms.load(Ordering::Relaxed) {
            return Err(Unanswered);
        }
        match self.open().await {
            Ok(conn) => {
                let conn = Arc::new(conn);
                *lock(&slot.live) = Some(conn.clone());
                Ok(conn)
            }
            Err(Open::Connect(e)) => {
                tracing::debug!(error = %e, "keyway-sea-orm: PostgreSQL read lane cannot connect");
                let retry = now_ms + RETRY_AFTER.as_millis() as u64;
                inner.retry_at_ms.store(retry, Ordering::Relaxed);
                Err(Unanswered)
            }
            Err(Open::Prepare(e)) => {
                tracing::debug!(error = %e, "keyway-sea-orm: the PostgreSQL read lane is off");
                inner.off.store(true, Ordering::SeqCst);
                Err(Unanswered)
            }
        }
    }

    async fn open(&self) -> Result<Conn, Open> {
        let inner = &*self.inner;
        let (client, connection) = inner.config.connect(NoTls).await.map_err(Open::Connect)?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "keyway-sea-orm: PostgreSQL read lane connection ended");
            }
        });
        if let Some(sql) = &inner.search_path {
            client.batch_execute(sql).await.map_err(Open::Connect)?;
        }
        let session_and_user = client
            .prepare_typed(&inner.sql, &[Type::TEXT])
            .await
            .map_err(|e| {
                if e.is_closed() {
                    Open::Connect(e)
                } else {
                    Open::Prepare(e)
                }
            })?;
        Ok(Conn {
            client,
            session_and_user,
        })
    }
}

enum Open {
    Connect(tokio_postgres::Error),
    Prepare(tokio_postgres::Error),
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn take(m: &Mutex<Option<Arc<Conn>>>) {
    lock(m).take();
}

/// The slot's connection while it is open.
fn live(slot: &Slot) -> Option<Arc<Conn>> {
    lock(&slot.live)
        .as_ref()
        .filter(|c| !c.client.is_closed())
        .cloned()
}

/// Drops `conn` from `slot`, unless another task already replaced it.
fn forget(slot: &Slot, conn: &Arc<Conn>) {
    let mut live = lock(&slot.live);
    if live.as_ref().is_some_and(|c| Arc::ptr_eq(c, conn)) {
        live.take();
    }
}

/// A row of [`SESSION_COLUMNS`] then [`USER_COLUMNS`].
fn decode(row: &Row) -> Result<(Session, User), tokio_postgres::Error> {
    const _: () = assert!(SESSION_COLUMNS.len() == 3 && USER_COLUMNS.len() == 5);
    let session = Session {
        session_token: SessionToken::new(row.try_get::<_, String>(0)?),
        user_id: row.try_get(1)?,
        expires: row.try_get::<_, DateTime<Utc>>(2)?,
    };
    let user = User {
        id: row.try_get(3)?,
        name: row.try_get(4)?,
        email: row.try_get(5)?,
        email_verified: row.try_get::<_, Option<DateTime<Utc>>>(6)?,
        image: row.try_get(7)?,
    };
    Ok((session, user))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(url: &str) -> Option<PgReader> {
        PgReader::for_url(url, None, Arc::from("SELECT 1"), 2, None)
    }

    #[test]
    fn tokens_travel_in_clear_text_only_where_the_pool_would_send_them_so() {
        assert!(reader("postgres://u@127.0.0.1:5432/db").is_some());
        assert!(reader("postgres://u@localhost/db").is_some());
        assert!(reader("postgres://u@[::1]:5432/db").is_some());
        assert!(reader("postgres://u@db.example.com/db?sslmode=disable").is_some());
        // A remote server the pool may reach over TLS.
        assert!(reader("postgres://u@db.example.com/db").is_none());
        assert!(reader("postgres://u@127.0.0.1/db?sslmode=require").is_none());
        // What tokio-postgres cannot parse stays on the pool.
        assert!(reader("postgres://u@127.0.0.1/db?statement-cache-capacity=0").is_none());
    }

    #[test]
    fn connections_follow_the_cores_within_the_pool_size() {
        assert!((1..=4).contains(&default_connections(None)));
        assert_eq!(default_connections(Some(1)), 1);
        assert_eq!(default_connections(Some(0)), 1);
    }
}
