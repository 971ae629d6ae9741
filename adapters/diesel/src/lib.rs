//! # keyway-diesel
//!
//! A [`keyway_core::Adapter`] that keeps users, accounts, sessions and
//! verification tokens in SQLite, PostgreSQL or MySQL/MariaDB through
//! [Diesel](https://diesel.rs), **on the same tables as keyway-sea-orm**:
//! same names, columns, types, keys and migration ledger, so an app moves
//! from one crate to the other with no data migration.
//!
//! ```no_run
//! # async fn demo() -> Result<(), keyway_core::AdapterError> {
//! use keyway_diesel::{DieselAdapter, DieselOptions};
//!
//! let adapter = DieselAdapter::connect("sqlite://keyway.db", DieselOptions::default()).await?;
//! let adapter: std::sync::Arc<dyn keyway_core::Adapter> = std::sync::Arc::new(adapter);
//! # Ok(()) }
//! ```
//!
//! * **URLs**: `sqlite:` (`sqlite::memory:`, `sqlite://path/to/file.db`),
//!   `postgres:`/`postgresql:`, `mysql:`/`mariadb:`.
//! * **Features**: `sqlite`, `postgres`, `mysql` (all on by default).
//! * **Drivers**: diesel-async's pure-Rust drivers for PostgreSQL
//!   (tokio-postgres) and MySQL/MariaDB (mysql_async), and diesel's SQLite
//!   connection on the bundled libsqlite3, whose calls run on one thread
//!   per pooled connection ([`SqliteThread`]): no C client library to
//!   install, and the async runtime never blocks. Connections are pooled
//!   with deadpool.
//! * **Tables**: `users`, `accounts`, `sessions`, `verification_tokens` and
//!   `keyway_migrations`, created by [`DieselAdapter::connect`] unless
//!   [`DieselOptions::migrate`] is off, with the prefix and the PostgreSQL
//!   schema of [`DieselOptions`]. The migrations are embedded SQL run on
//!   connect, recorded in keyway-sea-orm's ledger (see `schema.rs` for why
//!   not diesel_migrations).
//! * **Dynamic table names**: diesel's `table!` names are fixed when the
//!   crate is compiled, and keyway's take a prefix; so every statement is
//!   SQL text built once per adapter for its backend and names, run with
//!   `diesel::sql_query` and bound values.
//! * **Single use**: [`Adapter::use_verification_token`](keyway_core::Adapter::use_verification_token)
//!   fetches and deletes in one statement (`DELETE ... RETURNING`) on
//!   PostgreSQL, SQLite 3.35+ and MariaDB 10.5+, and in a transaction with
//!   `SELECT ... FOR UPDATE` on MySQL.
//! * **Errors**: a unique violation is
//!   [`Conflict`](keyway_core::AdapterErrorKind::Conflict), a lost or
//!   refused connection is [`Connection`](keyway_core::AdapterErrorKind::Connection),
//!   each with the operation; the driver's error is only the source, for the
//!   log. A connection that failed is dropped from the pool, so the pool
//!   recovers when the server is back.
//!
//! ## diesel-async or a blocking pool
//!
//! The choice: diesel-async (deadpool) for every backend. On PostgreSQL and
//! MySQL/MariaDB its drivers are pure Rust and asynchronous; a blocking
//! pool (r2d2 with `spawn_blocking`) would need diesel's C client libraries
//! (libpq, libmysqlclient) on every machine that builds keyway, and a
//! thread hand-off each way per query. On SQLite, which has no network
//! client, diesel-async's wrapper *is* a blocking pool. By default it runs
//! each query on tokio's blocking threads, a pool that under load grew to
//! some sixty threads for eight connections (a finished thread is not idle
//! yet when the next query comes, so another starts), each with its own
//! allocator arena: keyway-diesel gives each connection a thread of its own
//! instead ([`SqliteConnection`]), so threads stay as many as connections.
//!
//! Not measured yet, side by side: a blocking pool against diesel-async on
//! the same queries (the machine's disk filled up while this crate was
//! written). `cargo xtask bench --only session-sqlite,session-sqlite-diesel,session-postgres,session-postgres-diesel`
//! compares keyway-diesel's session read with keyway-sea-orm's.
//!
//! No Diesel type appears in this crate's API but the pools the
//! `from_*_pool` constructors take (and [`SqliteConnection`], the type of
//! the SQLite pool's connections).

#[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
compile_error!("keyway-diesel needs at least one of the features `sqlite`, `postgres`, `mysql`");

mod adapter;
mod connect;
mod error;
#[cfg(feature = "testkit")]
mod inspect;
mod options;
mod queries;
mod schema;
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite_thread;
#[cfg(feature = "sqlite")]
pub use connect::SqliteConnection;
#[cfg(feature = "sqlite")]
pub use sqlite_thread::SqliteThread;
#[cfg(feature = "testkit")]
pub mod testing;
mod time;

use std::fmt;
use std::sync::Arc;

use keyway_core::AdapterError;

pub use connect::Backend;
#[cfg(feature = "testkit")]
pub use inspect::DieselInspector;
pub use options::{DieselOptions, MAX_TABLE_NAME_LEN, TableNames};

use connect::{Pools, Server};

/// keyway's [`Adapter`](keyway_core::Adapter) on a Diesel connection pool.
///
/// Cheap to clone (clones share the pool). Wrap it in an `Arc` to hand it to
/// keyway: `Arc::new(adapter) as Arc<dyn Adapter>`.
#[derive(Clone)]
pub struct DieselAdapter {
    pools: Pools,
    server: Server,
    sql: Arc<sql::Sql>,
    schema: Option<String>,
}

/// Runs `$body` with `$conn`, a pooled connection of the adapter's backend,
/// and `$q`, that backend's module of queries. A connection that failed
/// with the connection kind leaves the pool.
macro_rules! with_conn {
    ($self:expr, $op:expr, |$conn:ident, $q:ident| $body:expr) => {{
        let op: &'static str = $op;
        match &$self.pools {
            #[cfg(feature = "sqlite")]
            crate::connect::Pools::Sqlite(pool) => {
                #[allow(unused_imports)]
                use crate::queries::sqlite as $q;
                let mut obj = pool
                    .get()
                    .await
                    .map_err(|e| crate::error::pool_error(op, e))?;
                let $conn = &mut *obj;
                // SQLite has no connection to lose, and an in-memory
                // database lives in its one connection: it always stays.
                $body
            }
            #[cfg(feature = "postgres")]
            crate::connect::Pools::Postgres(pool) => {
                #[allow(unused_imports)]
                use crate::queries::postgres as $q;
                let mut obj = pool
                    .get()
                    .await
                    .map_err(|e| crate::error::pool_error(op, e))?;
                let $conn = &mut *obj;
                let r = $body;
                crate::drop_if_lost(obj, &r);
                r
            }
            #[cfg(feature = "mysql")]
            crate::connect::Pools::MySql(pool) => {
                #[allow(unused_imports)]
                use crate::queries::mysql as $q;
                let mut obj = pool
                    .get()
                    .await
                    .map_err(|e| crate::error::pool_error(op, e))?;
                let $conn = &mut *obj;
                let r = $body;
                crate::drop_if_lost(obj, &r);
                r
            }
        }
    }};
}
pub(crate) use with_conn;

/// Takes a connection out of its pool (closing it) when `r` says it is lost.
#[cfg(any(feature = "postgres", feature = "mysql"))]
fn drop_if_lost<C, T>(
    obj: diesel_async::pooled_connection::deadpool::Object<C>,
    r: &Result<T, AdapterError>,
) where
    C: diesel_async::pooled_connection::PoolableConnection + Send + 'static,
    diesel_async::pooled_connection::AsyncDieselConnectionManager<C>:
        deadpool::managed::Manager<Type = C>,
{
    if matches!(r, Err(e) if e.kind() == keyway_core::AdapterErrorKind::Connection) {
        drop(diesel_async::pooled_connection::deadpool::Object::take(obj));
    }
}

impl DieselAdapter {
    /// Opens a pool on `url` and, unless `options.migrate` is `false`, creates
    /// or upgrades keyway's tables.
    ///
    /// Errors: [`Connection`](keyway_core::AdapterErrorKind::Connection) if
    /// the server cannot be reached; [`Other`](keyway_core::AdapterErrorKind::Other)
    /// for a URL of another database, a backend whose feature is off, invalid
    /// table or schema names, or a failed migration. Messages never show the
    /// URL's password.
    pub async fn connect(url: &str, options: DieselOptions) -> Result<Self, AdapterError> {
        // Boxed: the drivers' connect futures are deep, and an app awaiting
        // this in `main` must still build in release.
        Box::pin(Self::connect_inner(url, options)).await
    }

    async fn connect_inner(url: &str, options: DieselOptions) -> Result<Self, AdapterError> {
        let tables = options.tables.resolve(options.table_prefix.as_deref())?;
        let (pools, server) = connect::open(url, &options).await?;
        let adapter = Self {
            sql: Arc::new(sql::Sql::new(server.backend, &tables)),
            pools,
            server,
            schema: options.schema.clone(),
        };
        if options.migrate {
            adapter.migrate().await?;
        }
        Ok(adapter)
    }

    /// keyway's adapter on the application's own diesel-async PostgreSQL
    /// pool, so the app and keyway share one pool; unless `options.migrate`
    /// is `false`, creates or upgrades keyway's tables.
    ///
    /// The pool is used as it is: `options.max_connections` and
    /// `connect_timeout` do not apply, and `options.schema` only names where
    /// the migration creates the tables (the pool's connections must have it
    /// on their `search_path`).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use diesel_async::AsyncPgConnection;
    /// use diesel_async::pooled_connection::AsyncDieselConnectionManager;
    /// use diesel_async::pooled_connection::deadpool::Pool;
    /// use keyway_diesel::{DieselAdapter, DieselOptions};
    ///
    /// let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new("postgres://app@127.0.0.1/app");
    /// let pool = Pool::builder(manager).build()?;
    /// let adapter = DieselAdapter::from_postgres_pool(pool.clone(), DieselOptions::default()).await?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "postgres")]
    pub async fn from_postgres_pool(
        pool: diesel_async::pooled_connection::deadpool::Pool<diesel_async::AsyncPgConnection>,
        options: DieselOptions,
    ) -> Result<Self, AdapterError> {
        Box::pin(async move {
            let server = connect::detect_pool(&pool, Backend::Postgres).await?;
            Self::adopt(connect::Pools::Postgres(pool), server, options).await
        })
        .await
    }

    /// keyway's adapter on the application's own diesel-async MySQL or
    /// MariaDB pool; as [`from_postgres_pool`](Self::from_postgres_pool).
    #[cfg(feature = "mysql")]
    pub async fn from_mysql_pool(
        pool: diesel_async::pooled_connection::deadpool::Pool<diesel_async::AsyncMysqlConnection>,
        options: DieselOptions,
    ) -> Result<Self, AdapterError> {
        Box::pin(async move {
            let server = connect::detect_pool(&pool, Backend::MySql).await?;
            Self::adopt(connect::Pools::MySql(pool), server, options).await
        })
        .await
    }

    /// keyway's adapter on the application's own pool of SQLite connections
    /// of type [`SqliteConnection`] (diesel-async's `SyncConnectionWrapper`
    /// running each connection's operations on a thread of its own, see
    /// [`SqliteThread`]); as [`from_postgres_pool`](Self::from_postgres_pool).
    /// keyway relies on `PRAGMA foreign_keys = ON` (deleting a user removes
    /// their accounts and sessions): set it on the pool's connections.
    #[cfg(feature = "sqlite")]
    pub async fn from_sqlite_pool(
        pool: diesel_async::pooled_connection::deadpool::Pool<SqliteConnection>,
        options: DieselOptions,
    ) -> Result<Self, AdapterError> {
        Box::pin(async move {
            let server = connect::detect_pool(&pool, Backend::Sqlite).await?;
            Self::adopt(connect::Pools::Sqlite(pool), server, options).await
        })
        .await
    }

    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
    async fn adopt(
        pools: connect::Pools,
        server: connect::Server,
        options: DieselOptions,
    ) -> Result<Self, AdapterError> {
        let tables = options.tables.resolve(options.table_prefix.as_deref())?;
        if let Some(schema) = &options.schema {
            options::check_identifier(schema, 63, "schema name")?;
        }
        let adapter = Self {
            sql: Arc::new(sql::Sql::new(server.backend, &tables)),
            pools,
            server,
            schema: options.schema.clone(),
        };
        if options.migrate {
            adapter.migrate().await?;
        }
        Ok(adapter)
    }

    /// Creates keyway's tables if they are missing and applies any newer
    /// schema version. Safe to run again, from several processes at once, and
    /// on tables keyway-sea-orm created.
    pub async fn migrate(&self) -> Result<(), AdapterError> {
        Box::pin(self.migrate_inner()).await
    }

    async fn migrate_inner(&self) -> Result<(), AdapterError> {
        const OP: &str = "migrate";
        let x = schema::Ddl {
            server: &self.server,
            t: &self.sql.tables,
        };
        let backend = self.server.backend;
        let transactional = matches!(backend, Backend::Sqlite | Backend::Postgres);
        let mut head = Vec::new();
        if backend == Backend::Postgres {
            head = schema::postgres_preamble(self.schema.as_deref(), &self.sql.tables.migrations);
        }
        head.push(schema::migrations_table(&x));
        let select = schema::select_versions(&x);
        let insert = schema::insert_version(&x);
        with_conn!(self, OP, |conn, q| {
            // Serialised by the advisory lock (PostgreSQL) or the write lock
            // (SQLite) for the whole run; MySQL tolerates a concurrent run's
            // version row.
            let mut run = Vec::new();
            run.extend(head.iter().cloned());
            q::run_script(conn, &run, transactional, OP).await?;
            let applied = q::applied(conn, &select).await?;
            for m in schema::MIGRATIONS
                .iter()
                .filter(|m| !applied.contains(&m.version))
            {
                let mut statements = head.clone();
                statements.extend((m.statements)(&x));
                q::run_script(conn, &statements, transactional, OP).await?;
                if q::record(conn, &insert, m.version, m.name).await? {
                    tracing::info!(
                        version = m.version,
                        name = m.name,
                        "keyway-diesel applied a migration"
                    );
                }
            }
            Ok(())
        })
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
        &self.sql.tables
    }

    /// Closes the pool. Calls made afterwards fail with a connection error.
    pub fn close(&self) {
        self.pools.close();
    }

    /// A reader of the raw tables for `keyway_testkit`'s conformance suite.
    #[cfg(feature = "testkit")]
    pub fn inspector(&self) -> DieselInspector {
        DieselInspector::new(self.clone())
    }

    /// Testing: fetch-and-delete with a locking read and a `DELETE` in a
    /// transaction (MySQL's way) even where the server has
    /// `DELETE ... RETURNING`, so that path can be tested on MariaDB and
    /// SQLite.
    #[cfg(feature = "testkit")]
    pub fn without_delete_returning(mut self) -> Self {
        self.server.delete_returning = false;
        self.server.update_returning = false;
        self
    }
}

impl fmt::Debug for DieselAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DieselAdapter")
            .field("backend", &self.server.backend)
            .field("server_version", &self.server.version)
            .field("tables", &self.sql.tables)
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}
