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
//! * A session found is remembered with the database's state before its
//!   read, and a later read of its token is answered from memory only
//!   while that state is unchanged, that is while nothing was committed
//!   to the file (see [`memo`] for why that is exact).
//! * [`SqliteReader::close`] stops it: later calls fail with a connection
//!   error, as the closed pool's do.
//!
//! # Bounded work
//!
//! * The queue holds at most [`QUEUE_PER_READER`] jobs per thread. When it
//!   is full, [`SqliteReader::run`] hands the read back undone and the
//!   caller reads through the pool, which has its own bound (its
//!   connections and their acquire timeout).
//! * A job whose caller has gone (the request was dropped, or its time ran
//!   out) is dropped unrun when a thread reaches it.
//! * Each read has a time limit ([`READ_TIME_LIMIT`]), counted from when it
//!   is queued. Past it the caller gets a connection error (the engine logs
//!   `ADAPTER_CONNECTION_ERROR`, as for a pool that cannot answer) and a
//!   statement still running for it is interrupted, so its thread is free
//!   for the next job.

mod decode;
mod memo;

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use keyway_core::{AdapterError, Session, User};
use rusqlite::{Connection, InterruptHandle, OpenFlags};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use crate::connect::SQLITE_BUSY_TIMEOUT;

pub(crate) use decode::{session, user};
pub(crate) use memo::WalState;

/// How many queued jobs the lane holds per reader thread before it hands
/// reads back to the pool. A session read takes tens of microseconds, so a
/// full queue is milliseconds of work.
pub(crate) const QUEUE_PER_READER: usize = 64;

/// How long a read through the lane may take, from when it is queued to its
/// answer.
pub(crate) const READ_TIME_LIMIT: Duration = Duration::from_secs(5);

/// The lane's bounds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    /// Reader threads (at least one).
    pub(crate) readers: usize,
    /// Queued jobs, in all (at least one).
    pub(crate) queue: usize,
    /// The time limit of one read.
    pub(crate) time_limit: Duration,
}

impl Bounds {
    /// `readers` threads with the default queue and time limit.
    pub(crate) fn with_readers(readers: usize) -> Self {
        let readers = readers.max(1);
        Self {
            readers,
            queue: readers * QUEUE_PER_READER,
            time_limit: READ_TIME_LIMIT,
        }
    }
}

/// A job for a reader thread, with what the thread needs to know before
/// and while running it.
struct Job {
    /// Runs on the thread's connection and sends the answer.
    work: Box<dyn FnOnce(&Connection) + Send>,
    /// Whether the caller still waits for the answer.
    wanted: Box<dyn Fn() -> bool + Send>,
    /// The end of the job's time.
    deadline: Instant,
    /// Where the thread leaves its connection's interrupt handle while the
    /// job runs, for a caller whose time runs out.
    running: Arc<Mutex<Option<InterruptHandle>>>,
}

/// Why [`SqliteReader::run`] gave no answer from the lane.
#[derive(Debug)]
pub(crate) enum Refused {
    /// The queue is full: nothing was queued; read through the pool.
    Full,
    /// The read was queued and failed (closed lane, time limit, SQLite
    /// error): the adapter's answer.
    Failed(AdapterError),
}

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
    /// How long one read may take.
    time_limit: Duration,
    /// Session reads remembered while the file has not changed.
    memo: Option<Arc<memo::ReadMemo>>,
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
        bounds: Bounds,
    ) -> Option<Self> {
        if names_a_vfs(url) {
            return None;
        }
        let path = wal_file(db).await?;
        match Self::open(&path, bounds).await {
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

    /// Starts `bounds.readers` threads (at least one), each with a
    /// read-only connection on the database file `path`.
    async fn open(path: &Path, bounds: Bounds) -> Result<Self, AdapterError> {
        let (tx, rx) = flume::bounded::<Job>(bounds.queue.max(1));
        let mut opened = Vec::new();
        for i in 0..bounds.readers.max(1) {
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
        // The pool and the threads have the file open in WAL mode, so its
        // `-shm` file is there.
        let memo = if memo_wanted() {
            memo::ReadMemo::open(path, memo::ENTRIES).map(Arc::new)
        } else {
            None
        };
        Ok(Self {
            queue: Arc::new(RwLock::new(Some(tx))),
            time_limit: bounds.time_limit,
            memo,
        })
    }

    /// Runs `f` on one of the lane's connections and returns what it
    /// returns, or [`Refused::Full`] without queueing anything when the
    /// queue is full. Fails with a connection error once the lane is closed
    /// or when the read's time limit passes.
    ///
    /// Dropping the returned future before it answers drops the job too: a
    /// thread that reaches it skips it.
    pub(crate) async fn run<T, F>(&self, op: &'static str, f: F) -> Result<T, Refused>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, AdapterError> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let reply = Arc::new(Mutex::new(Some(reply)));
        let wanted = {
            let reply = Arc::clone(&reply);
            move || {
                lock(&reply)
                    .as_ref()
                    .is_some_and(|reply| !reply.is_closed())
            }
        };
        let work = move |conn: &Connection| {
            let outcome = f(conn);
            if let Some(reply) = lock(&reply).take() {
                let _ = reply.send(outcome);
            }
        };
        let running = Arc::new(Mutex::new(None));
        let job = Job {
            work: Box::new(work),
            wanted: Box::new(wanted),
            deadline: Instant::now() + self.time_limit,
            running: Arc::clone(&running),
        };
        {
            let queue = self.queue.read().unwrap_or_else(PoisonError::into_inner);
            let Some(tx) = queue.as_ref() else {
                return Err(Refused::Failed(closed(op)));
            };
            match tx.try_send(job) {
                Ok(()) => {}
                Err(flume::TrySendError::Full(_)) => return Err(Refused::Full),
                Err(flume::TrySendError::Disconnected(_)) => {
                    return Err(Refused::Failed(closed(op)));
                }
            }
        }
        match tokio::time::timeout(self.time_limit, answer).await {
            Ok(Ok(outcome)) => outcome.map_err(Refused::Failed),
            // A dropped reply means the job panicked.
            Ok(Err(_)) => Err(Refused::Failed(
                AdapterError::other("the SQLite read stopped before answering").with_operation(op),
            )),
            Err(_) => {
                // Still queued: the thread skips it, its caller gone. Still
                // running: stop its statement.
                if let Some(handle) = lock(&running).as_ref() {
                    handle.interrupt();
                }
                Err(Refused::Failed(
                    AdapterError::connection(format!(
                        "the database did not answer within {} ms",
                        self.time_limit.as_millis()
                    ))
                    .with_operation(op),
                ))
            }
        }
    }

    /// The database's state now, for [`remembered`](Self::remembered) and
    /// [`remember`](Self::remember): `None` without a memo, once closed, or
    /// when the state cannot be told (then the read is not remembered).
    pub(crate) fn memo_state(&self) -> Option<WalState> {
        let memo = self.memo.as_ref()?;
        let open = self
            .queue
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some();
        if open { memo.state() } else { None }
    }

    /// The session of `token` as a read found it when the database was in
    /// the state `now` (read by [`memo_state`](Self::memo_state) just now).
    pub(crate) fn remembered(&self, token: &str, now: &WalState) -> Option<(Session, User)> {
        self.memo.as_ref()?.get(token, now)
    }

    /// Remembers the session a read of `token` found, `seen` being the
    /// state read before that read was queued.
    pub(crate) fn remember(&self, token: &str, seen: WalState, session: &Session, user: &User) {
        if let Some(memo) = &self.memo {
            memo.put(token, seen, session, user);
        }
    }

    /// Session reads answered from the memo so far.
    #[cfg(feature = "testkit")]
    pub(crate) fn memo_hits(&self) -> u64 {
        self.memo.as_ref().map_or(0, |m| m.hits())
    }

    /// Stops taking jobs; the threads finish the queued ones, close their
    /// connections and exit. The memo forgets everything.
    pub(crate) fn close(&self) {
        let mut queue = self.queue.write().unwrap_or_else(|e| e.into_inner());
        queue.take();
        if let Some(memo) = &self.memo {
            memo.clear();
        }
    }
}

/// Whether reads are remembered: `KEYWAY_SQLITE_READ_MEMO=off` in the
/// environment reads every session from the file (to compare the two).
fn memo_wanted() -> bool {
    !std::env::var("KEYWAY_SQLITE_READ_MEMO").is_ok_and(|v| v.eq_ignore_ascii_case("off"))
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
        // Nobody waits for it any more, or its time is up: the caller has
        // its answer (an error) already.
        if !(job.wanted)() || Instant::now() >= job.deadline {
            continue;
        }
        *lock(&job.running) = Some(conn.get_interrupt_handle());
        let work = job.work;
        // A panicking job must not take the connection's thread with it;
        // its caller sees the reply dropped.
        let _ = std::panic::catch_unwind(AssertUnwindSafe(|| work(conn)));
        // Under the lock: a caller that still sees the handle interrupts
        // this job's statement, never the next job's.
        lock(&job.running).take();
    }
}

/// A lock that a panic elsewhere does not poison for good: the values kept
/// under these locks are whole at every point.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
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

/// A SQLite error of `op`, with the kind and message the pool's would have
/// (a database locked past the busy timeout is a connection error).
pub(crate) fn sqlite_error(op: &'static str, err: rusqlite::Error) -> AdapterError {
    let busy = err.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy);
    let error = if busy {
        AdapterError::connection("the database could not be reached")
    } else {
        AdapterError::other("the database reported an error")
    };
    error.with_operation(op).with_source(err)
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

    /// A WAL database file with a table `t` holding `'a'`, in a fresh
    /// directory (removed by the returned guard's drop).
    struct TestFile {
        dir: PathBuf,
        path: PathBuf,
        _setup: Connection,
    }

    impl TestFile {
        fn new(tag: &str) -> Self {
            let dir = std::env::temp_dir().join(format!(
                "keyway-reader-{tag}-{}-{}",
                std::process::id(),
                keyway_core::random::hex(4)
            ));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("r.db");
            let setup = Connection::open(&path).unwrap();
            setup
                .execute_batch(
                    "PRAGMA journal_mode=WAL; CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('a');",
                )
                .unwrap();
            Self {
                dir,
                path,
                _setup: setup,
            }
        }
    }

    impl Drop for TestFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn bounds(readers: usize, queue: usize, time_limit: Duration) -> Bounds {
        Bounds {
            readers,
            queue,
            time_limit,
        }
    }

    async fn read_a(lane: &SqliteReader) -> Result<String, Refused> {
        lane.run("test", |c| {
            c.query_row("SELECT v FROM t", [], |r| r.get::<_, String>(0))
                .map_err(|e| sqlite_error("test", e))
        })
        .await
    }

    /// Occupies the lane's only thread until the returned sender is used
    /// (or dropped); returns once the thread has started on it.
    async fn block_the_thread(lane: &SqliteReader) -> std::sync::mpsc::Sender<()> {
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let (started_tx, started) = tokio::sync::oneshot::channel();
        let blocker = lane.clone();
        tokio::spawn(async move {
            let _ = blocker
                .run("test", move |_| {
                    let _ = started_tx.send(());
                    let _ = wait.recv();
                    Ok(())
                })
                .await;
        });
        started.await.unwrap();
        release
    }

    #[tokio::test]
    async fn a_full_queue_hands_the_read_back() {
        let file = TestFile::new("full");
        let lane = SqliteReader::open(&file.path, bounds(1, 2, Duration::from_secs(10)))
            .await
            .unwrap();
        let release = block_the_thread(&lane).await;
        // Two jobs fill the queue behind the running one.
        let queued: Vec<_> = (0..2)
            .map(|_| {
                let lane = lane.clone();
                tokio::spawn(async move { read_a(&lane).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(100)).await;
        match read_a(&lane).await {
            Err(Refused::Full) => {}
            other => panic!("a full queue took a job: {other:?}"),
        }
        release.send(()).unwrap();
        for job in queued {
            assert_eq!(job.await.unwrap().unwrap(), "a");
        }
        // With room again, reads go through the lane.
        assert_eq!(read_a(&lane).await.unwrap(), "a");
        lane.close();
    }

    #[tokio::test]
    async fn a_job_whose_caller_is_gone_is_not_run() {
        let file = TestFile::new("gone");
        let lane = SqliteReader::open(&file.path, bounds(1, 8, Duration::from_secs(10)))
            .await
            .unwrap();
        let release = block_the_thread(&lane).await;
        let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = Arc::clone(&ran);
        let abandoned = lane.run("test", move |_| {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        });
        // Queued, then its caller gives up on it.
        let outcome = tokio::time::timeout(Duration::from_millis(100), abandoned).await;
        assert!(outcome.is_err(), "the blocked lane answered: {outcome:?}");
        release.send(()).unwrap();
        // A later read is served after it: by then the thread passed it.
        assert_eq!(read_a(&lane).await.unwrap(), "a");
        assert!(
            !ran.load(std::sync::atomic::Ordering::SeqCst),
            "the abandoned job ran"
        );
        lane.close();
    }

    #[tokio::test]
    async fn a_read_past_its_time_limit_fails_and_frees_its_thread() {
        let file = TestFile::new("slow");
        let limit = Duration::from_millis(200);
        let lane = SqliteReader::open(&file.path, bounds(1, 8, limit))
            .await
            .unwrap();
        let started = Instant::now();
        // Counts far beyond what 200 ms allow.
        let slow = lane
            .run("get_session_and_user", |c| {
                c.query_row(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000000000) \
                     SELECT count(*) FROM n",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .map_err(|e| sqlite_error("get_session_and_user", e))
            })
            .await;
        let Err(Refused::Failed(e)) = slow else {
            panic!("the slow read answered: {slow:?}");
        };
        assert_eq!(e.kind(), keyway_core::AdapterErrorKind::Connection, "{e}");
        assert_eq!(e.operation(), Some("get_session_and_user"));
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        // The statement was interrupted: the only thread serves the next read
        // well within its own limit.
        assert_eq!(read_a(&lane).await.unwrap(), "a");
        lane.close();
    }

    #[tokio::test]
    async fn a_closed_lane_refuses_jobs() {
        let file = TestFile::new("closed");
        let lane = SqliteReader::open(&file.path, Bounds::with_readers(2))
            .await
            .unwrap();
        assert_eq!(read_a(&lane).await.unwrap(), "a");
        // Read-only: a write fails, and fails as a database error.
        let e = lane
            .run("test", |c| {
                c.execute("INSERT INTO t VALUES ('b')", [])
                    .map_err(|e| sqlite_error("test", e))
            })
            .await;
        let Err(Refused::Failed(e)) = e else {
            panic!("a write through the lane: {e:?}");
        };
        assert_eq!(e.kind(), keyway_core::AdapterErrorKind::Other);
        lane.close();
        let Err(Refused::Failed(e)) = read_a(&lane).await else {
            panic!("a closed lane answered");
        };
        assert_eq!(e.kind(), keyway_core::AdapterErrorKind::Connection);
        assert_eq!(e.operation(), Some("test"));
    }
}
