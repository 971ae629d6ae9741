//! # keyway-sea-orm
//!
//! A [`keyway_core::Adapter`] that keeps users, accounts, sessions and
//! verification tokens in SQLite, PostgreSQL or MySQL/MariaDB through
//! [SeaORM](https://www.sea-ql.org/SeaORM/).
//!
//! ```no_run
//! # async fn demo() -> Result<(), keyway_core::AdapterError> {
//! use keyway_sea_orm::{SeaOrmAdapter, SeaOrmOptions};
//!
//! let adapter = SeaOrmAdapter::connect("sqlite://keyway.db", SeaOrmOptions::default()).await?;
//! let adapter: std::sync::Arc<dyn keyway_core::Adapter> = std::sync::Arc::new(adapter);
//! # Ok(()) }
//! ```
//!
//! * **URLs**: `sqlite:` (`sqlite::memory:`, `sqlite://path/to/file.db`),
//!   `postgres:`/`postgresql:`, `mysql:`/`mariadb:`.
//! * **Features**: `sqlite`, `postgres`, `mysql` (all on by default) choose
//!   which drivers are compiled.
//! * **Tables**: `users`, `accounts`, `sessions`, `verification_tokens`,
//!   `keyway_rate_limits` and `keyway_migrations`, created by [`SeaOrmAdapter::connect`] unless
//!   [`SeaOrmOptions::migrate`] is off. Names and a prefix are configurable
//!   ([`SeaOrmOptions::tables`], [`SeaOrmOptions::table_prefix`]).
//! * **SQLite** connections enforce foreign keys (deleting a user cascades),
//!   and file databases use WAL with a busy timeout.
//! * **SQLite session reads**: on a SQLite file, [`Adapter::get_session_and_user`](keyway_core::Adapter::get_session_and_user),
//!   the query behind every request with a database session cookie, runs on
//!   read-only connections of its own (rusqlite, each on a dedicated thread:
//!   half the cores, one to four, no more than
//!   [`SeaOrmOptions::max_connections`]) instead of the pool. Through sqlx
//!   and SeaORM that one indexed `SELECT` cost several thread hand-offs and
//!   about 130 µs of CPU on a two-core machine, most of the request; there
//!   it costs one hand-off each way and about 20 µs, and the async runtime
//!   still never blocks. WAL keeps it invisible: a read on another
//!   connection sees every committed write, and every write still goes
//!   through the pool (transactions, foreign keys, busy timeout). In-memory
//!   databases, files that are not in WAL mode and URLs that pick a `vfs`
//!   keep every query on the pool. A session read again while nothing was
//!   committed to the file (by any connection of any process) is answered
//!   from memory: the lane remembers up to 1024 sessions found, each with
//!   the file's WAL-index header as it was before the read, and answers
//!   only while that header is unchanged, the test SQLite itself uses to
//!   keep its page cache (one `pread` instead of a read on the lane). Any
//!   write to the file, to any table, makes every remembered read stale.
//!   `KEYWAY_SQLITE_READ_MEMO=off` in the environment reads every time.
//! * **PostgreSQL session reads**: `get_session_and_user`, and `get_user`
//!   (what every read of a session kept in a Redis store asks), run on
//!   tokio-postgres connections of its own (one per two cores, one to four, no
//!   more than [`SeaOrmOptions::max_connections`]) with their statements
//!   prepared once per connection: one round trip and a few µs of CPU where
//!   SeaORM and sqlx spent about 160 µs. Any failure there runs the read on
//!   the pool instead, so errors are the pool's. It is used only where the
//!   pool would not encrypt either (`sslmode=disable`, or a loopback or
//!   Unix-socket server without `sslmode=require`). `KEYWAY_PG_READ_LANE=off`
//!   keeps every read on the pool.
//! * **Single use**: [`Adapter::use_verification_token`](keyway_core::Adapter::use_verification_token)
//!   fetches and deletes in one statement (`DELETE ... RETURNING`) on
//!   PostgreSQL, SQLite 3.35+ and MariaDB 10.5+, and in a transaction with
//!   `SELECT ... FOR UPDATE` on MySQL.
//! * **Rate limits**: [`Adapter::hit`](keyway_core::Adapter::hit) is one
//!   upsert (`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`) on PostgreSQL
//!   and SQLite, and `INSERT ... ON DUPLICATE KEY UPDATE` read back in the
//!   same transaction on MySQL/MariaDB. Counters whose window has ended are
//!   deleted now and then by a later hit. Added by schema version 2: an
//!   existing database gets the table at the next `connect`/`migrate`.
//! * **Pruning**: [`Adapter::delete_expired`](keyway_core::Adapter::delete_expired)
//!   is one `DELETE` per table (sessions, verification tokens, counters)
//!   comparing with the caller's clock.
//!
//! No SeaORM or sqlx type appears in this crate's API, so its SeaORM version
//! can change without breaking yours.

#[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
compile_error!("keyway-sea-orm needs at least one of the features `sqlite`, `postgres`, `mysql`");

mod accounts;
mod adapter;
mod connect;
mod counters;
mod error;
mod hot_sql;
#[cfg(feature = "testkit")]
mod inspect;
mod options;
#[cfg(feature = "postgres")]
mod pg_reader;
mod prune;
mod rows;
mod schema;
mod sessions;
#[cfg(feature = "sqlite")]
mod sqlite_reader;
mod take;
#[cfg(feature = "testkit")]
pub mod testing;
mod tokens;
mod users;

use std::fmt;

use keyway_core::AdapterError;
use sea_orm::{
    DatabaseConnection, DatabaseTransaction, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

pub use connect::Backend;
#[cfg(feature = "testkit")]
pub use inspect::SqlInspector;
/// Hides a connection URL's password, as this crate's errors do.
pub use keyway_core::redact::redact_url;
pub use options::{MAX_TABLE_NAME_LEN, SeaOrmOptions, TableNames};

use connect::Server;
use error::ResultExt;
use hot_sql::HotSql;

/// keyway's [`Adapter`](keyway_core::Adapter) on a SeaORM connection pool.
///
/// Cheap to clone (clones share the pool). Wrap it in an `Arc` to hand it to
/// keyway: `Arc::new(adapter) as Arc<dyn Adapter>`.
#[derive(Clone)]
pub struct SeaOrmAdapter {
    db: DatabaseConnection,
    server: Server,
    tables: TableNames,
    schema: Option<String>,
    sql: HotSql,
    /// SQLite files only: the read-only connections that serve session
    /// reads (see the crate docs).
    #[cfg(feature = "sqlite")]
    sqlite_reader: Option<sqlite_reader::SqliteReader>,
    /// PostgreSQL only: the connections that serve session reads with a
    /// prepared statement (see the crate docs).
    #[cfg(feature = "postgres")]
    pg_reader: Option<pg_reader::PgReader>,
}

impl SeaOrmAdapter {
    /// Opens a pool on `url` and, unless `options.migrate` is `false`, creates
    /// or upgrades keyway's tables.
    ///
    /// Errors: [`Connection`](keyway_core::AdapterErrorKind::Connection) if
    /// the server cannot be reached; [`Other`](keyway_core::AdapterErrorKind::Other)
    /// for a URL of another database, a backend whose feature is off, invalid
    /// table or schema names, or a failed migration. Messages never show the
    /// URL's password.
    pub async fn connect(url: &str, options: SeaOrmOptions) -> Result<Self, AdapterError> {
        // Boxed: sqlx's connect and the migrations nest futures so deeply
        // that an app awaiting them in `main` fails to build in release
        // ("queries overflow the depth limit"). The box keeps that depth
        // here, whatever the caller nests around it.
        Box::pin(Self::open(url, options)).await
    }

    async fn open(url: &str, options: SeaOrmOptions) -> Result<Self, AdapterError> {
        let tables = options.tables.resolve(options.table_prefix.as_deref())?;
        let (db, server) = connect::open(url, &options).await?;
        #[cfg(feature = "sqlite")]
        let sqlite_reader = if server.backend == Backend::Sqlite {
            let readers = sqlite_reader::default_readers(options.max_connections);
            let bounds = sqlite_reader::Bounds::with_readers(readers);
            sqlite_reader::SqliteReader::for_pool(&db, url, bounds).await
        } else {
            None
        };
        let sql = HotSql::new(db.get_database_backend(), &tables);
        #[cfg(feature = "postgres")]
        let pg_reader = match (&sql.sessions_and_users, &sql.users_by_id) {
            (Some(many), Some(users)) if server.backend == Backend::Postgres => {
                pg_reader::PgReader::for_url(
                    url,
                    options.schema.as_deref(),
                    pg_reader::LaneSql {
                        one: sql.session_and_user.clone(),
                        many: many.clone(),
                        users: users.clone(),
                    },
                    pg_reader::default_connections(options.max_connections),
                    options.connect_timeout,
                )
            }
            _ => None,
        };
        let adapter = Self {
            sql,
            db,
            server,
            tables,
            schema: options.schema.clone(),
            #[cfg(feature = "sqlite")]
            sqlite_reader,
            #[cfg(feature = "postgres")]
            pg_reader,
        };
        if options.migrate {
            adapter.migrate().await?;
        }
        Ok(adapter)
    }

    /// keyway's adapter on the application's own SeaORM connection (its
    /// pool), so the app and keyway share one pool; unless
    /// `options.migrate` is `false`, creates or upgrades keyway's tables.
    ///
    /// The connection is used as it is: the pool settings of `options`
    /// (`max_connections`, `connect_timeout`) do not apply, and on
    /// PostgreSQL `options.schema` only names where the migration creates
    /// the tables (the connection's own `search_path` is what queries use,
    /// so it must include that schema). Session reads go through the pool
    /// too (the read-only SQLite connections and PostgreSQL's prepared-statement
    /// connections need a URL).
    ///
    /// This is the one place a SeaORM type appears in this crate's API: it
    /// is the point of the constructor.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use keyway_sea_orm::{SeaOrmAdapter, SeaOrmOptions};
    ///
    /// let db = sea_orm::Database::connect("postgres://app@127.0.0.1/app").await?;
    /// let adapter = SeaOrmAdapter::from_connection(db.clone(), SeaOrmOptions::default()).await?;
    /// // `db` goes on serving the app's own queries.
    /// # Ok(()) }
    /// ```
    pub async fn from_connection(
        db: DatabaseConnection,
        options: SeaOrmOptions,
    ) -> Result<Self, AdapterError> {
        Box::pin(Self::adopt(db, options)).await
    }

    async fn adopt(db: DatabaseConnection, options: SeaOrmOptions) -> Result<Self, AdapterError> {
        let tables = options.tables.resolve(options.table_prefix.as_deref())?;
        if let Some(schema) = &options.schema {
            options::check_identifier(schema, 63, "schema name")?;
        }
        let server = connect::detect(&db).await?;
        let adapter = Self {
            sql: HotSql::new(db.get_database_backend(), &tables),
            db,
            server,
            tables,
            schema: options.schema.clone(),
            #[cfg(feature = "sqlite")]
            sqlite_reader: None,
            // The prepared-statement connections need a URL; the app's
            // pool serves session reads.
            #[cfg(feature = "postgres")]
            pg_reader: None,
        };
        if options.migrate {
            adapter.migrate().await?;
        }
        Ok(adapter)
    }

    /// Creates keyway's tables if they are missing and applies any newer
    /// schema version. Safe to run again, and from several processes at once.
    pub async fn migrate(&self) -> Result<(), AdapterError> {
        // Boxed for the same reason as `connect`.
        Box::pin(schema::migrate(
            &self.db,
            &self.server,
            &self.tables,
            self.schema.as_deref(),
        ))
        .await
    }

    /// The kind of server connected to.
    pub fn backend(&self) -> Backend {
        self.server.backend
    }

    /// The server's version string, as it reports it.
    pub fn server_version(&self) -> &str {
        &self.server.version
    }

    /// The table names in use, prefix included.
    pub fn tables(&self) -> &TableNames {
        &self.tables
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), AdapterError> {
        self.db.ping().await.op("ping")
    }

    /// Closes the pool (and, on a SQLite file, the read connections). Calls
    /// made afterwards fail with a connection error.
    pub async fn close(&self) -> Result<(), AdapterError> {
        #[cfg(feature = "sqlite")]
        if let Some(reader) = &self.sqlite_reader {
            reader.close();
        }
        #[cfg(feature = "postgres")]
        if let Some(reader) = &self.pg_reader {
            reader.close();
        }
        self.db.close_by_ref().await.op("close")
    }

    /// A reader of the raw tables for `keyway_testkit`'s conformance suite.
    #[cfg(feature = "testkit")]
    pub fn inspector(&self) -> SqlInspector {
        SqlInspector::new(self.db.clone(), self.tables.clone())
    }

    /// Testing: fetch-and-delete with a locking read and a `DELETE` in a
    /// transaction (MySQL's way) even where the server has
    /// `DELETE ... RETURNING`, so that path can be tested on MariaDB and
    /// SQLite; rate-limit hits likewise read their count back in a
    /// transaction instead of `RETURNING`.
    #[cfg(feature = "testkit")]
    pub fn without_delete_returning(mut self) -> Self {
        self.server.delete_returning = false;
        self
    }

    /// Testing: every query through the pool, as on an in-memory database,
    /// even on a SQLite file, so both paths can be compared.
    #[cfg(feature = "testkit")]
    pub fn without_sqlite_reader(self) -> Self {
        // Clones may still use the lane: it stops with the last of them.
        Self {
            #[cfg(feature = "sqlite")]
            sqlite_reader: None,
            ..self
        }
    }

    /// Testing: PostgreSQL session reads through the pool too, so both
    /// paths can be compared.
    #[cfg(feature = "testkit")]
    pub fn without_pg_reader(self) -> Self {
        Self {
            #[cfg(feature = "postgres")]
            pg_reader: None,
            ..self
        }
    }

    /// Whether PostgreSQL session reads use the prepared-statement lane
    /// (see the crate docs).
    #[cfg(feature = "testkit")]
    pub fn has_pg_reader(&self) -> bool {
        #[cfg(feature = "postgres")]
        return self.pg_reader.is_some();
        #[cfg(not(feature = "postgres"))]
        false
    }

    /// How many session reads the PostgreSQL lane answered (the others, if
    /// any, went to the pool).
    #[cfg(feature = "testkit")]
    pub fn pg_reader_answers(&self) -> u64 {
        #[cfg(feature = "postgres")]
        return self.pg_reader.as_ref().map_or(0, |r| r.answered());
        #[cfg(not(feature = "postgres"))]
        0
    }

    /// How many of the PostgreSQL lane's statement executions answered more
    /// than one session read (reads that queued while a connection was
    /// busy).
    #[cfg(feature = "testkit")]
    pub fn pg_reader_shared_executions(&self) -> u64 {
        #[cfg(feature = "postgres")]
        return self.pg_reader.as_ref().map_or(0, |r| r.shared_executions());
        #[cfg(not(feature = "postgres"))]
        0
    }

    /// Session reads that SQLite's read lane answered from its memo (reads
    /// remembered while the database file has not changed).
    #[cfg(feature = "testkit")]
    pub fn sqlite_reader_memo_hits(&self) -> u64 {
        #[cfg(feature = "sqlite")]
        return self.sqlite_reader.as_ref().map_or(0, |r| r.memo_hits());
        #[cfg(not(feature = "sqlite"))]
        0
    }

    /// PostgreSQL's `EXPLAIN` of the lane's batched session read for
    /// `tokens`, one plan line a line, or `None` without the lane.
    #[cfg(feature = "testkit")]
    pub async fn pg_reader_batch_plan(&self, tokens: &[&str]) -> Option<String> {
        #[cfg(feature = "postgres")]
        if let Some(reader) = &self.pg_reader {
            return Some(
                reader
                    .explain_batch(tokens)
                    .await
                    .unwrap_or_else(|e| format!("EXPLAIN failed: {e:?}")),
            );
        }
        let _ = tokens;
        None
    }

    /// Starts a transaction that will write. On SQLite it takes the write
    /// lock at once (`BEGIN IMMEDIATE`), waiting up to the busy timeout, so
    /// that a read followed by a write cannot fail on a snapshot another
    /// writer made stale.
    pub(crate) async fn begin_write(
        &self,
        op: &'static str,
    ) -> Result<DatabaseTransaction, AdapterError> {
        if self.server.backend == Backend::Sqlite {
            let options = TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            };
            self.db.begin_with_options(options).await.op(op)
        } else {
            self.db.begin().await.op(op)
        }
    }
}

impl fmt::Debug for SeaOrmAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("SeaOrmAdapter");
        d.field("backend", &self.server.backend)
            .field("server_version", &self.server.version)
            .field("tables", &self.tables)
            .field("schema", &self.schema);
        #[cfg(feature = "sqlite")]
        d.field("sqlite_reader", &self.sqlite_reader.is_some());
        #[cfg(feature = "postgres")]
        d.field("pg_reader", &self.pg_reader.is_some());
        d.finish_non_exhaustive()
    }
}
