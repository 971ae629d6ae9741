//! PostgreSQL's read lane: the session read, the query of every request with
//! a database session cookie, and the user read by id, the query of every
//! such request when the sessions live in a [`keyway_core::Store`] (Redis),
//! on tokio-postgres connections of its own with the statements prepared
//! once per connection, and the reads that wait for a connection together
//! answered by one execution per kind.
//!
//! # Why
//!
//! Through SeaORM and sqlx, that one indexed `SELECT ... JOIN` cost about
//! 160-175 µs of the server's CPU per request on a two-core machine (the
//! pool's acquire and release, sqlx's statement cache lookup, a `Parse`/
//! `Describe` check per query, SeaORM's dynamic row). On a tokio-postgres
//! client the query is one `Bind`/`Execute`/`Sync` round trip of a
//! statement prepared when the connection opened, decoded straight into
//! keyway's models.
//!
//! Under load many reads wait at once, and each execution costs both the
//! server and the PostgreSQL backend (which share the machine's cores) more
//! than the row it returns. So each connection has a driver task with a
//! queue: it takes one read, sends it at once, and when that execution is
//! done takes every read that queued meanwhile (up to [`BATCH`]) and
//! answers them all with one execution of a second statement,
//! `... WHERE session_token = ANY($1)` with the distinct tokens as one
//! `TEXT[]` (on the token's unique index, as the single read is). A read
//! that finds its connection idle waits for no batch: at low load each read
//! is one round trip, as without batching. Before it sends, the driver
//! yields once to the tasks already due to run on its worker, so the
//! requests waiting there queue their reads into the same execution. `cargo xtask bench`'s PostgreSQL
//! row and its "where the time goes" line show the difference.
//!
//! # What it keeps
//!
//! * Only these two reads: every write, and every other query, goes
//!   through the pool. A batch holding both kinds sends its two
//!   executions together; user reads are matched back by the user id as
//!   session reads are by the token, and user statements that cannot be
//!   prepared (an `id` column that is not text, in a schema made by hand)
//!   leave user reads to the pool without turning the session reads off.
//!   A read on another connection sees every committed write (PostgreSQL's
//!   read committed): a read's statement is sent after the read was queued,
//!   so it sees every write committed before the read was asked for, batch
//!   or not, and the lane reads exactly what the pool would.
//! * Each read gets the row of its own token: rows are matched back to the
//!   reads by their token column (several reads of one token each get the
//!   row), a token without a row gets `None`. Rows that do not settle a
//!   token (two rows for it, or a row for a token not asked, possible only
//!   on a schema made by hand) leave its reads to the pool.
//! * Any failure of the lane (it cannot connect, the connection drops, a
//!   column has a type the lane does not read) runs the same read on the
//!   pool, so errors, their kinds and their log lines are the pool's; a
//!   failed execution sends every read of its batch to the pool. A
//!   connection that failed is opened again on a later read, no more than
//!   once a second; a statement that cannot be prepared, or a row that
//!   cannot be decoded, turns the lane off.
//! * Memory stays bounded under overload: a connection's queue holds at
//!   most [`QUEUE`] reads, and a read that finds it full goes to the pool.
//!   A caller that stops waiting leaves its answer unread.
//! * It carries the session token in clear text, so it is used only where
//!   the pool would not encrypt either: `sslmode=disable`, or a server on
//!   the loopback interface or a Unix socket without `sslmode=require`.
//!   Any other URL, or one tokio-postgres cannot parse, keeps every query on
//!   the pool.
//! * [`PgReader::close`] stops it: later reads go to the (closed) pool and
//!   fail as its reads do; the drivers end with their connections.
//! * `KEYWAY_PG_READ_LANE=off` in the environment keeps every read on the
//!   pool (to compare the two, or should a proxy in between not take the
//!   lane's prepared statements).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use keyway_core::{Session, SessionToken, User};
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::types::Type;
use tokio_postgres::{Client, Config, NoTls, Row, Statement};

use crate::rows::{SESSION_COLUMNS, USER_COLUMNS};

/// How long after a failed connect the lane leaves reads to the pool.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// The most reads one execution answers.
const BATCH: usize = 128;

/// The most reads waiting for one connection; more go to the pool.
const QUEUE: usize = 4 * BATCH;

/// The SQL of the lane's statements.
#[derive(Debug, Clone)]
pub(crate) struct LaneSql {
    /// The session read for the one `TEXT` token bound.
    pub(crate) one: Arc<str>,
    /// The same read for every token in the one `TEXT[]` bound.
    pub(crate) many: Arc<str>,
    /// The user read for the one `TEXT` id bound, then for every id in the
    /// one `TEXT[]` bound.
    pub(crate) users: (Arc<str>, Arc<str>),
}

/// One open connection: its queue to the task that runs its statements.
struct Conn {
    /// Shared with the driver, here for [`Client::is_closed`].
    client: Arc<Client>,
    queue: mpsc::Sender<Read>,
}

/// What a read asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    /// The session with this token, and its user.
    Session,
    /// The user with this id.
    User,
}

/// A read waiting for a connection's driver: a session token or a user id.
struct Read {
    ask: Ask,
    key: String,
    reply: oneshot::Sender<Answer>,
}

/// What a read found: a session with its user, or a user.
#[derive(Debug, Clone)]
enum Hit {
    Session(Session, User),
    User(User),
}

/// The driver's answer to one read.
type Answer = Result<Option<Hit>, Miss>;

/// Why the driver did not answer a read; the caller then asks the pool.
#[derive(Debug, Clone, Copy)]
enum Miss {
    /// The execution failed; `closed` when the connection is gone.
    Failed { closed: bool },
    /// A row has a column type the lane does not read: the lane turns off.
    Undecodable,
    /// The rows did not settle this token: two rows for it, or a row for a
    /// token not asked (a schema made by hand, without the unique index or
    /// with a collation that calls different bytes equal); or a user read
    /// on a connection whose user statements could not be prepared.
    Unsure,
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
    sql: LaneSql,
    slots: Box<[Slot]>,
    next: AtomicUsize,
    /// Set by [`PgReader::close`], or when a statement cannot be prepared.
    off: AtomicBool,
    /// Set when the user statements cannot be prepared: user reads go to
    /// the pool.
    no_user_reads: AtomicBool,
    /// Milliseconds since `started` before which no connect is tried.
    retry_at_ms: AtomicU64,
    started: Instant,
    /// Reads the lane answered (for tests: that it, not the pool, did).
    answered: AtomicU64,
    /// Executions that answered more than one read (for tests).
    shared: Arc<AtomicU64>,
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

/// Connections of the lane: one per two cores, one to four, no more than
/// `max_connections`. Each execution answers every read queued on its
/// connection, so fewer connections mean larger batches and fewer wake-ups
/// of PostgreSQL's backends, which share the machine's cores with the
/// server (measured on two cores with `wrk` at 16 connections: one lane
/// connection served 32-36k session reads a second, two 23-29k).
pub(crate) fn default_connections(max_connections: Option<u32>) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let n = (cores / 2).clamp(1, 4);
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
        sql: LaneSql,
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
                no_user_reads: AtomicBool::new(false),
                retry_at_ms: AtomicU64::new(0),
                started: Instant::now(),
                answered: AtomicU64::new(0),
                shared: Arc::default(),
            }),
        })
    }

    /// How many reads the lane answered.
    #[cfg(feature = "testkit")]
    pub(crate) fn answered(&self) -> u64 {
        self.inner.answered.load(Ordering::Relaxed)
    }

    /// How many executions answered more than one read.
    #[cfg(feature = "testkit")]
    pub(crate) fn shared_executions(&self) -> u64 {
        self.inner.shared.load(Ordering::Relaxed)
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
        match self.ask(Ask::Session, token.as_str()).await? {
            None => Ok(None),
            Some(Hit::Session(session, user)) => Ok(Some((session, user))),
            Some(Hit::User(_)) => Err(Unanswered),
        }
    }

    /// The user with `id`, or [`Unanswered`] when the lane cannot say (the
    /// caller asks the pool).
    pub(crate) async fn user(&self, id: &str) -> Result<Option<User>, Unanswered> {
        if self.inner.no_user_reads.load(Ordering::Relaxed) {
            return Err(Unanswered);
        }
        match self.ask(Ask::User, id).await? {
            None => Ok(None),
            Some(Hit::User(user)) => Ok(Some(user)),
            Some(Hit::Session(..)) => Err(Unanswered),
        }
    }

    /// Queues one read on the next connection and waits for its answer.
    async fn ask(&self, ask: Ask, key: &str) -> Result<Option<Hit>, Unanswered> {
        let inner = &*self.inner;
        if inner.off.load(Ordering::Relaxed) {
            return Err(Unanswered);
        }
        let i = inner.next.fetch_add(1, Ordering::Relaxed) % inner.slots.len();
        let slot = &inner.slots[i];
        let conn = self.connection(slot).await?;
        let (reply, answer) = oneshot::channel();
        let read = Read {
            ask,
            key: key.to_owned(),
            reply,
        };
        match conn.queue.try_send(read) {
            Ok(()) => {}
            // Overload: this read goes to the pool rather than wait.
            Err(TrySendError::Full(_)) => return Err(Unanswered),
            Err(TrySendError::Closed(_)) => {
                forget(slot, &conn);
                return Err(Unanswered);
            }
        }
        match answer.await {
            Ok(Ok(found)) => {
                inner.answered.fetch_add(1, Ordering::Relaxed);
                Ok(found)
            }
            Ok(Err(Miss::Undecodable)) => {
                // A column type the lane does not read (a schema made by
                // hand): the pool reads it.
                inner.off.store(true, Ordering::SeqCst);
                Err(Unanswered)
            }
            Ok(Err(Miss::Failed { closed: false } | Miss::Unsure)) => Err(Unanswered),
            // The driver stopped with the connection.
            Ok(Err(Miss::Failed { closed: true })) | Err(_) => {
                forget(slot, &conn);
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

    /// Connects, prepares both statements and starts the connection's
    /// driver.
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
        let prepare_failed = |e: tokio_postgres::Error| {
            if e.is_closed() {
                Open::Connect(e)
            } else {
                Open::Prepare(e)
            }
        };
        let one = client
            .prepare_typed(&inner.sql.one, &[Type::TEXT])
            .await
            .map_err(prepare_failed)?;
        let many = client
            .prepare_typed(&inner.sql.many, &[Type::TEXT_ARRAY])
            .await
            .map_err(prepare_failed)?;
        // The user reads are a bonus: statements that cannot be prepared
        // (an `id` column that is not text) leave them to the pool.
        let (user_one, user_many) = &inner.sql.users;
        let users = match (
            client.prepare_typed(user_one, &[Type::TEXT]).await,
            client.prepare_typed(user_many, &[Type::TEXT_ARRAY]).await,
        ) {
            (Ok(one), Ok(many)) => Some((one, many)),
            (Err(e), _) | (_, Err(e)) if e.is_closed() => return Err(Open::Connect(e)),
            (Err(e), _) | (_, Err(e)) => {
                tracing::debug!(error = %e, "keyway-sea-orm: user reads stay on the pool");
                inner.no_user_reads.store(true, Ordering::SeqCst);
                None
            }
        };
        let statements = Statements { one, many, users };
        let client = Arc::new(client);
        let (queue, reads) = mpsc::channel(QUEUE);
        let shared = inner.shared.clone();
        tokio::spawn(drive(client.clone(), statements, reads, shared));
        Ok(Conn { client, queue })
    }

    /// `EXPLAIN` of the batch statement for `tokens`, on a connection of
    /// its own, one line of the plan a line.
    #[cfg(feature = "testkit")]
    pub(crate) async fn explain_batch(
        &self,
        tokens: &[&str],
    ) -> Result<String, tokio_postgres::Error> {
        let inner = &*self.inner;
        let (client, connection) = inner.config.connect(NoTls).await?;
        let connection = tokio::spawn(connection);
        if let Some(sql) = &inner.search_path {
            client.batch_execute(sql).await?;
        }
        let explain = format!("EXPLAIN {}", inner.sql.many);
        let statement = client.prepare_typed(&explain, &[Type::TEXT_ARRAY]).await?;
        let lines = client.query(&statement, &[&tokens]).await?;
        let plan = lines
            .iter()
            .map(|row| row.try_get::<_, String>(0))
            .collect::<Result<Vec<_>, _>>()?
            .join("\n");
        drop(client);
        let _ = connection.await;
        Ok(plan)
    }
}

/// A connection's prepared statements.
struct Statements {
    one: Statement,
    many: Statement,
    /// The user reads' (one id, many ids), unless they could not be
    /// prepared.
    users: Option<(Statement, Statement)>,
}

/// A connection's driver: it waits for a read, then answers it and every
/// read queued behind it (up to [`BATCH`]) with one execution, and again,
/// until its connection is dropped from its slot or closes.
/// `shared` counts the executions that answered more than one read.
async fn drive(
    client: Arc<Client>,
    statements: Statements,
    mut reads: mpsc::Receiver<Read>,
    shared: Arc<AtomicU64>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    // `recv_many` waits only while the queue is empty.
    while reads.recv_many(&mut batch, BATCH).await > 0 {
        // The read that woke the driver would otherwise run next on its
        // worker (tokio runs a task woken by the running one first), ahead
        // of the requests already waiting there, whose reads would then
        // wait a whole round trip. Yielding once lets those tasks run and
        // queue their reads first; with nothing else to run the driver
        // goes on at once, so a lone read still waits for no batch.
        if batch.len() < BATCH {
            tokio::task::yield_now().await;
            while batch.len() < BATCH {
                match reads.try_recv() {
                    Ok(read) => batch.push(read),
                    Err(_) => break,
                }
            }
        }
        if batch.len() > 1 {
            shared.fetch_add(1, Ordering::Relaxed);
        }
        if let Err(true) = answer(&client, &statements, &mut batch).await {
            // Reads still queued get no answer: their callers see the
            // driver gone and ask the pool.
            break;
        }
    }
}

/// What one execution found for one distinct key.
enum Found {
    Absent,
    Row(Hit),
    Unsure,
}

impl Found {
    /// The answer for a waiter, the row copied.
    fn answer(&self) -> Answer {
        match self {
            Self::Absent => Ok(None),
            Self::Row(hit) => Ok(Some(hit.clone())),
            Self::Unsure => Err(Miss::Unsure),
        }
    }

    /// The answer for the last waiter, the row moved.
    fn into_answer(self) -> Answer {
        match self {
            Self::Absent => Ok(None),
            Self::Row(hit) => Ok(Some(hit)),
            Self::Unsure => Err(Miss::Unsure),
        }
    }
}

/// Answers (and drains) `batch`: one execution for its session reads and
/// one for its user reads, sent together; `Err` when an execution failed,
/// holding whether the connection is gone.
async fn answer(
    client: &Client,
    statements: &Statements,
    batch: &mut Vec<Read>,
) -> Result<(), bool> {
    let mut users = Vec::new();
    if batch.iter().any(|r| r.ask == Ask::User) {
        let mut i = 0;
        while i < batch.len() {
            if batch[i].ask == Ask::User {
                users.push(batch.swap_remove(i));
            } else {
                i += 1;
            }
        }
    }
    let (sessions, users) = tokio::join!(
        answer_one_kind(client, statements, Ask::Session, batch),
        answer_one_kind(client, statements, Ask::User, &mut users),
    );
    match (sessions, users) {
        (Err(a), Err(b)) => Err(a || b),
        (Err(closed), _) | (_, Err(closed)) => Err(closed),
        (Ok(()), Ok(())) => Ok(()),
    }
}

/// Runs one execution for `batch`, whose reads all ask `ask`, and answers
/// (and drains) it; `Err` when the execution failed, holding whether the
/// connection is gone.
async fn answer_one_kind(
    client: &Client,
    statements: &Statements,
    ask: Ask,
    batch: &mut Vec<Read>,
) -> Result<(), bool> {
    if batch.is_empty() {
        return Ok(());
    }
    let (one, many) = match ask {
        Ask::Session => (&statements.one, &statements.many),
        Ask::User => match &statements.users {
            Some((one, many)) => (one, many),
            // Not prepared on this connection (`no_user_reads` is set, so
            // only reads queued before it was get here): the pool reads them.
            None => {
                reply_all(batch, Miss::Unsure);
                return Ok(());
            }
        },
    };
    // The distinct keys, and for each read the index of its key.
    let mut keys: Vec<&str> = Vec::with_capacity(batch.len());
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(batch.len());
    let mut key_of = Vec::with_capacity(batch.len());
    for read in batch.iter() {
        let i = *index.entry(read.key.as_str()).or_insert_with(|| {
            keys.push(read.key.as_str());
            keys.len() - 1
        });
        key_of.push(i);
    }
    let rows = match keys.as_slice() {
        [key] => client.query(one, &[key]).await,
        many_keys => client.query(many, &[&many_keys]).await,
    };
    let found = match rows {
        Ok(rows) => settle(&rows, &index, keys.len(), ask),
        Err(e) => {
            tracing::debug!(error = %e, "keyway-sea-orm: PostgreSQL read lane query failed");
            let closed = e.is_closed() || client.is_closed();
            reply_all(batch, Miss::Failed { closed });
            return Err(closed);
        }
    };
    let mut found = match found {
        Ok(found) => found,
        Err(e) => {
            tracing::debug!(error = %e, "keyway-sea-orm: the PostgreSQL read lane is off");
            reply_all(batch, Miss::Undecodable);
            return Err(false);
        }
    };
    // Waiters left per key: the last one takes the row, the others a copy.
    let mut waiters = vec![0_usize; found.len()];
    for &i in &key_of {
        waiters[i] += 1;
    }
    for (read, i) in batch.drain(..).zip(key_of) {
        waiters[i] -= 1;
        let answer = if waiters[i] == 0 {
            std::mem::replace(&mut found[i], Found::Absent).into_answer()
        } else {
            found[i].answer()
        };
        // A caller that stopped waiting needs no answer.
        let _ = read.reply.send(answer);
    }
    Ok(())
}

/// The rows of an execution of `ask`, by the index in `index` of their key
/// (the first column: the session token, or the user id); `Err` when a row
/// cannot be decoded.
fn settle(
    rows: &[Row],
    index: &HashMap<&str, usize>,
    keys: usize,
    ask: Ask,
) -> Result<Vec<Found>, tokio_postgres::Error> {
    let mut found: Vec<Found> = (0..keys).map(|_| Found::Absent).collect();
    let mut stray = false;
    for row in rows {
        let key: &str = row.try_get(0)?;
        match index.get(key) {
            Some(&i) => {
                let hit = match ask {
                    Ask::Session => {
                        let (session, user) = decode(row)?;
                        Hit::Session(session, user)
                    }
                    Ask::User => Hit::User(decode_user(row, 0)?),
                };
                found[i] = match found[i] {
                    Found::Absent => Found::Row(hit),
                    _ => Found::Unsure,
                };
            }
            None => stray = true,
        }
    }
    if stray {
        // A row whose key was not asked for may be the one a key with no
        // row was after: the pool reads those.
        for f in &mut found {
            if let Found::Absent = f {
                *f = Found::Unsure;
            }
        }
    }
    Ok(found)
}

/// Answers every read of `batch` with `miss`, and drains it.
fn reply_all(batch: &mut Vec<Read>, miss: Miss) {
    for read in batch.drain(..) {
        let _ = read.reply.send(Err(miss));
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
        .filter(|c| !c.client.is_closed() && !c.queue.is_closed())
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
    Ok((session, decode_user(row, SESSION_COLUMNS.len())?))
}

/// The [`USER_COLUMNS`] of `row` from column `at` on.
fn decode_user(row: &Row, at: usize) -> Result<User, tokio_postgres::Error> {
    Ok(User {
        id: row.try_get(at)?,
        name: row.try_get(at + 1)?,
        email: row.try_get(at + 2)?,
        email_verified: row.try_get::<_, Option<DateTime<Utc>>>(at + 3)?,
        image: row.try_get(at + 4)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(url: &str) -> Option<PgReader> {
        let sql = LaneSql {
            one: Arc::from("SELECT 1"),
            many: Arc::from("SELECT 1"),
            users: (Arc::from("SELECT 1"), Arc::from("SELECT 1")),
        };
        PgReader::for_url(url, None, sql, 2, None)
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

    /// A client of the test server (`KEYWAY_TEST_POSTGRES_URL`), or `None`
    /// after a notice when it is unreachable, unless
    /// `KEYWAY_REQUIRE_SERVICES=1`, which makes that a failure.
    async fn test_server() -> Option<Client> {
        let url = std::env::var("KEYWAY_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        match tokio_postgres::connect(&url, NoTls).await {
            Ok((client, connection)) => {
                tokio::spawn(connection);
                Some(client)
            }
            Err(e) if std::env::var("KEYWAY_REQUIRE_SERVICES").is_ok_and(|v| v == "1") => {
                panic!("PostgreSQL at {url} is required but unreachable: {e}")
            }
            Err(e) => {
                eprintln!("notice: skipping a PostgreSQL test: {url} is unreachable ({e})");
                None
            }
        }
    }

    /// Answers `reads` (session tokens and user ids) as the driver does, the
    /// last caller gone before the answer, and returns what each other
    /// caller got: `user_id:id` for a session, `user:id` for a user, `None`,
    /// or `Err` for a read left to the pool.
    async fn run(
        client: &Client,
        statements: &Statements,
        reads: &[(Ask, &str)],
    ) -> Vec<Result<Option<String>, ()>> {
        let mut batch = Vec::new();
        let mut answers = Vec::new();
        for &(ask, key) in reads {
            let (reply, answer) = oneshot::channel();
            batch.push(Read {
                ask,
                key: key.to_owned(),
                reply,
            });
            answers.push(answer);
        }
        drop(answers.pop());
        answer(client, statements, &mut batch)
            .await
            .expect("the execution");
        assert!(batch.is_empty());
        let mut got = Vec::new();
        for (answer, &(ask, key)) in answers.into_iter().zip(reads) {
            let found = answer.await.expect("a reply").map_err(|_| ());
            got.push(found.map(|f| {
                f.map(|hit| match hit {
                    Hit::Session(s, u) => {
                        assert_eq!((ask, s.session_token.as_str()), (Ask::Session, key));
                        format!("{}:{}", s.user_id, u.id)
                    }
                    Hit::User(u) => {
                        assert_eq!((ask, u.id.as_str()), (Ask::User, key));
                        format!("user:{}", u.id)
                    }
                })
            }));
        }
        got
    }

    fn sessions<'a>(tokens: &[&'a str]) -> Vec<(Ask, &'a str)> {
        tokens.iter().map(|t| (Ask::Session, *t)).collect()
    }

    /// One execution for a batch with a token several callers wait for, an
    /// expired and a deleted session, an unknown token, and (in a table made
    /// by hand, without the unique index) a token with two rows: each caller
    /// gets the row of its own token, or none, and the doubtful one is left
    /// to the pool.
    #[tokio::test]
    async fn one_execution_answers_each_caller_by_its_token() {
        let Some(client) = test_server().await else {
            return;
        };
        // Temporary tables come first in the search path.
        client
            .batch_execute(
                "CREATE TEMP TABLE users (id text PRIMARY KEY, name text, email text, \
                   email_verified timestamptz, image text); \
                 CREATE TEMP TABLE sessions (id text PRIMARY KEY, session_token text NOT NULL, \
                   user_id text NOT NULL REFERENCES users (id), expires timestamptz NOT NULL); \
                 INSERT INTO users VALUES ('u1', 'One', 'one@example.test', NULL, NULL), \
                   ('u2', NULL, NULL, NULL, NULL); \
                 INSERT INTO sessions VALUES \
                   ('s1', 'live', 'u1', now() + interval '1 day'), \
                   ('s2', 'expired', 'u2', now() - interval '1 day'), \
                   ('s3', 'deleted', 'u1', now()), \
                   ('s4', 'twice', 'u1', now()), ('s5', 'twice', 'u2', now()); \
                 DELETE FROM sessions WHERE session_token = 'deleted';",
            )
            .await
            .expect("tables");
        let sql = crate::hot_sql::HotSql::new(
            sea_orm::DbBackend::Postgres,
            &crate::options::TableNames::default(),
        );
        let many = sql.sessions_and_users.expect("PostgreSQL's batch read");
        let (user_one, user_many) = sql.users_by_id.expect("PostgreSQL's user reads");
        let mut statements = Statements {
            one: client
                .prepare_typed(&sql.session_and_user, &[Type::TEXT])
                .await
                .expect("one"),
            many: client
                .prepare_typed(&many, &[Type::TEXT_ARRAY])
                .await
                .expect("many"),
            users: Some((
                client
                    .prepare_typed(&user_one, &[Type::TEXT])
                    .await
                    .expect("user one"),
                client
                    .prepare_typed(&user_many, &[Type::TEXT_ARRAY])
                    .await
                    .expect("user many"),
            )),
        };
        let live = Ok(Some("u1:u1".to_owned()));
        let expired = Ok(Some("u2:u2".to_owned()));
        let tokens = [
            "live", "expired", "live", "deleted", "unknown", "twice", "live", "live",
        ];
        let got = run(&client, &statements, &sessions(&tokens)).await;
        let want = [
            live.clone(),
            expired.clone(),
            live.clone(),
            Ok(None),
            Ok(None),
            Err(()),
            live.clone(),
        ];
        assert_eq!(got, want);
        // One distinct token: the single-token statement.
        let got = run(
            &client,
            &statements,
            &sessions(&["expired", "expired", "expired"]),
        )
        .await;
        assert_eq!(got, [expired.clone(), expired.clone()]);
        let got = run(&client, &statements, &sessions(&["live", "gone"])).await;
        assert_eq!(got, std::slice::from_ref(&live));

        // User reads, alone and beside session reads in one batch: each
        // caller gets its own user, or none; a user id equal to a session
        // token is not mistaken for it.
        let u1 = Ok(Some("user:u1".to_owned()));
        let u2 = Ok(Some("user:u2".to_owned()));
        let got = run(
            &client,
            &statements,
            &[(Ask::User, "u2"), (Ask::User, "u2")],
        )
        .await;
        assert_eq!(got, std::slice::from_ref(&u2));
        let mixed = [
            (Ask::User, "u1"),
            (Ask::Session, "live"),
            (Ask::User, "nobody"),
            (Ask::Session, "u1"),
            (Ask::User, "live"),
            (Ask::User, "u2"),
            (Ask::Session, "expired"),
            (Ask::User, "u1"),
            (Ask::Session, "live"),
        ];
        let got = run(&client, &statements, &mixed).await;
        assert_eq!(
            got,
            [
                u1.clone(),
                live.clone(),
                Ok(None),
                Ok(None),
                Ok(None),
                u2,
                expired,
                u1
            ]
        );
        // Without user statements, user reads are left to the pool and the
        // session reads of the same batch are answered.
        statements.users = None;
        let got = run(
            &client,
            &statements,
            &[
                (Ask::User, "u1"),
                (Ask::Session, "live"),
                (Ask::Session, "live"),
            ],
        )
        .await;
        assert_eq!(got, [Err(()), live]);
    }

    #[test]
    fn connections_follow_the_cores_within_the_pool_size() {
        assert!((1..=4).contains(&default_connections(None)));
        assert_eq!(default_connections(Some(1)), 1);
        assert_eq!(default_connections(Some(0)), 1);
    }
}
