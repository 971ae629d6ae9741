//! SQLite's read lane: read-only connections on threads of their own that
//! serve the session read, the query of every request with a database
//! session cookie.
//!
//! # Why
//!
//! sqlx runs each SQLite connection on a worker thread, and its pool and
//! SeaORM add tasks, thread hand-offs and large futures around every query.
//! Measured on a two-core machine (an axum handler loaded with `wrk`, CPU
//! time of the server per request): a bare handler cost 15-20 µs; the same
//! handler with one indexed `SELECT` cost 100-160 µs through a sqlx pool,
//! 130-200 µs through SeaORM, and 30-45 µs through a read-only rusqlite
//! connection on its own thread, reached through one queue and answering
//! through a oneshot channel. The async runtime never blocks: a caller only
//! enqueues a job and awaits its answer.
//!
//! # What it keeps
//!
//! * It is used only for a SQLite *file* in WAL mode (the mode the adapter
//!   sets). There a read on another connection sees every committed write
//!   and never blocks a writer, so a read through the lane sees exactly
//!   what a read through the pool would. An in-memory database (one
//!   connection, private to the pool), a file in another journal mode, or a
//!   URL naming a custom `vfs` keeps every query on the pool.
//! * Its connections are opened read-only: every write still goes through
//!   the pool, with its transactions, foreign keys and busy timeout.
//! * Values read the same as through sqlx (see [`decode`]).
//! * [`SqliteReader::close`] stops it: later calls fail with a connection
//!   error, as the closed pool's do.

mod decode;

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use keyway_core::AdapterError;
use rusqlite::{Connection, OpenFlags};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use crate::connect::SQLITE_BUSY_TIMEOUT;

pub(crate) use decode::{session, user};

/// A job for a reader thread: it runs on that thread's connection.
type Job = Box<dyn FnOnce(&Connection) + Send>;

/// The read lane: a queue that `readers` threads, each with its own
/// read-only connection, take jobs from.
///
/// Clones share the lane. It stops when [`close`](Self::close)d or when the
/// last clone is dropped; the threads finish the queued jobs first.
#[derive(Clone)]
pub(crate) struct SqliteReader {
    /// `None` once closed. Dropping the only sender lets the threads drain
    /// the queue and exit.
    queue: Arc<RwLock<Option<flume::Sender<Job>>>>,
}

impl std::fmt::Debug for SqliteReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteReader").finish_non_exhaustive()
    }
}

impl SqliteReader {
    /// A lane for the database `db` is connected to, or `None` where the
    /// lane would not read what the pool reads (see the module docs) or
    /// could not be opened (then the pool serves every query, as without
    /// the lane).
    pub(crate) async fn for_pool(
        db: &DatabaseConnection,
        url: &str,
        readers: usize,
    ) -> Option<Self> {
        if names_a_vfs(url) {
            return None;
        }
        let path = wal_file(db).await?;
        match Self::open(&path, readers).await {
            Ok(reader) => Some(reader),
            Err(e) => {
                tracing::warn!(
                    error = %e,
                    "keyway-sea-orm: could not open SQLite read connections; session reads go through the pool"
                );
                None
            }
        }
    }

    /// Starts `readers` threads (at least one), each with a read-only
    /// connection on the database file `path`.
    async fn open(path: &Path, readers: usize) -> Result<Self, AdapterError> {
        let (tx, rx) = flume::unbounded::<Job>();
        let mut opened = Vec::new();
        for i in 0..readers.max(1) {
            let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
            let rx = rx.clone();
            let path = path.to_owned();
            // The connection is opened on its thread: opening reads the file.
            std::thread::Builder::new()
                .name(format!("keyway-sqlite-reader-{i}"))
                .spawn(move || match open_read_only(&path) {
                    Ok(conn) => {
                        let _ = ready_tx.send(Ok(()));
                        serve(&conn, &rx);
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                })
                .map_err(|e| {
                    AdapterError::other("could not start a SQLite reader thread")
                        .with_operation("connect")
                        .with_source(e)
                })?;
            opened.push(ready_rx);
        }
        for ready in opened {
            match ready.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    return Err(sqlite_error("connect", e));
                }
                Err(_) => {
                    return Err(AdapterError::other("a SQLite reader thread stopped")
                        .with_operation("connect"));
                }
            }
        }
        Ok(Self {
            queue: Arc::new(RwLock::new(Some(tx))),
        })
    }

    /// Runs `f` on one of the lane's connections and returns what it
    /// returns. Fails with a connection error once the lane is closed.
    pub(crate) async fn run<T, F>(&self, op: &'static str, f: F) -> Result<T, AdapterError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, AdapterError> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let _ = reply.send(f(conn));
        });
        {
            let queue = self.queue.read().unwrap_or_else(|e| e.into_inner());
            let sent = match queue.as_ref() {
                Some(tx) => tx.send(job).is_ok(),
                None => false,
            };
            if !sent {
                return Err(closed(op));
            }
        }
        // A dropped reply means the job panicked.
        answer.await.unwrap_or_else(|_| {
            Err(AdapterError::other("the SQLite read stopped before answering").with_operation(op))
        })
    }

    /// Stops taking jobs; the threads finish the queued ones, close their
    /// connections and exit.
    pub(crate) fn close(&self) {
        let mut queue = self.queue.write().unwrap_or_else(|e| e.into_inner());
        queue.take();
    }
}

/// How many reader threads an adapter gets: half the cores, from one to
/// four, and no more than the pool's `max_connections` when one is set.
pub(crate) fn default_readers(max_connections: Option<u32>) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let n = (cores / 2).clamp(1, 4);
    match max_connections {
        Some(m) => n.min(usize::try_from(m).unwrap_or(usize::MAX).max(1)),
        None => n,
    }
}

/// The thread's loop: run jobs until the queue is closed and empty.
fn serve(conn: &Connection, jobs: &flume::Receiver<Job>) {
    while let Ok(job) = jobs.recv() {
        // A panicking job must not take the connection's thread with it;
        // its caller sees the reply dropped.
        let _ = std::panic::catch_unwind(AssertUnwindSafe(|| job(conn)));
    }
}

fn open_read_only(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(SQLITE_BUSY_TIMEOUT)?;
    Ok(conn)
}

/// The file the pool's connections use, if it is a file in WAL mode.
async fn wal_file(db: &DatabaseConnection) -> Option<PathBuf> {
    let one = |sql: &str| {
        let stmt = Statement::from_string(db.get_database_backend(), sql.to_owned());
        async move {
            let row = db.query_one_raw(stmt).await.ok()??;
            row.try_get_by_index::<String>(0).ok()
        }
    };
    // Empty for an in-memory or temporary database.
    let file = one("SELECT file FROM pragma_database_list WHERE name = 'main'").await?;
    let mode = one("PRAGMA journal_mode").await?;
    (!file.is_empty() && mode.eq_ignore_ascii_case("wal")).then(|| PathBuf::from(file))
}

/// Whether the URL picks a VFS: the lane's connections would not use it.
fn names_a_vfs(url: &str) -> bool {
    url.split_once('?').is_some_and(|(_, query)| {
        url::form_urlencoded::parse(query.as_bytes()).any(|(k, _)| k == "vfs")
    })
}

/// A SQLite error of `op`, with the kind and message the pool's would have.
pub(crate) fn sqlite_error(op: &'static str, err: rusqlite::Error) -> AdapterError {
    AdapterError::other("the database reported an error")
        .with_operation(op)
        .with_source(err)
}

fn closed(op: &'static str) -> AdapterError {
    AdapterError::connection("the database could not be reached: the adapter is closed")
        .with_operation(op)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vfs_parameter_keeps_the_pool() {
        assert!(names_a_vfs("sqlite:///tmp/x.db?mode=rwc&vfs=unix-dotfile"));
        assert!(!names_a_vfs("sqlite:///tmp/x.db?mode=rwc"));
        assert!(!names_a_vfs("sqlite:///tmp/x.db"));
    }

    #[test]
    fn readers_follow_the_cores_and_the_pool_size() {
        assert!((1..=4).contains(&default_readers(None)));
        assert_eq!(default_readers(Some(1)), 1);
        assert_eq!(default_readers(Some(0)), 1);
    }

    #[tokio::test]
    async fn a_closed_lane_refuses_jobs() {
        let dir = std::env::temp_dir().join(format!("keyway-reader-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("r.db");
        let setup = Connection::open(&path).unwrap();
        setup
            .execute_batch(
                "PRAGMA journal_mode=WAL; CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('a');",
            )
            .unwrap();
        let lane = SqliteReader::open(&path, 2).await.unwrap();
        let read = |lane: SqliteReader| async move {
            lane.run("test", |c| {
                c.query_row("SELECT v FROM t", [], |r| r.get::<_, String>(0))
                    .map_err(|e| sqlite_error("test", e))
            })
            .await
        };
        assert_eq!(read(lane.clone()).await.unwrap(), "a");
        // Read-only: a write fails, and fails as a database error.
        let e = lane
            .run("test", |c| {
                c.execute("INSERT INTO t VALUES ('b')", [])
                    .map_err(|e| sqlite_error("test", e))
            })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), keyway_core::AdapterErrorKind::Other);
        lane.close();
        let e = read(lane).await.unwrap_err();
        assert_eq!(e.kind(), keyway_core::AdapterErrorKind::Connection);
        assert_eq!(e.operation(), Some("test"));
        drop(setup);
        let _ = std::fs::remove_dir_all(dir);
    }
}
