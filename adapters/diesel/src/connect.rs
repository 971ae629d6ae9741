//! Opening the pool: which backend a URL names, the per-backend connection
//! set-up, and what the server can do.

use std::time::Duration;

use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, SimpleAsyncConnection};
use keyway_core::AdapterError;
use keyway_core::redact::redact_url;

use crate::options::{DieselOptions, check_identifier};

/// The database server a [`DieselAdapter`](crate::DieselAdapter) talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// SQLite (a file or an in-memory database).
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// Oracle MySQL.
    MySql,
    /// MariaDB (spoken to with the MySQL driver).
    MariaDb,
}

impl Backend {
    /// A stable lower-case name (`"sqlite"`, `"postgres"`, `"mysql"`, `"mariadb"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
            Self::MySql => "mysql",
            Self::MariaDb => "mariadb",
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The SQLite connection keyway-diesel pools: diesel's synchronous
/// connection behind diesel-async's `SyncConnectionWrapper`, its operations
/// run on a thread of its own ([`SqliteThread`](crate::SqliteThread)), not
/// on tokio's blocking pool. Build the pool given to
/// [`DieselAdapter::from_sqlite_pool`](crate::DieselAdapter::from_sqlite_pool)
/// from this type.
#[cfg(feature = "sqlite")]
pub type SqliteConnection = diesel_async::sync_connection_wrapper::SyncConnectionWrapper<
    diesel::SqliteConnection,
    crate::sqlite_thread::SqliteThread,
>;
#[cfg(feature = "sqlite")]
pub(crate) type SqliteConn = SqliteConnection;
#[cfg(feature = "postgres")]
pub(crate) type PgConn = diesel_async::AsyncPgConnection;
#[cfg(feature = "mysql")]
pub(crate) type MysqlConn = diesel_async::AsyncMysqlConnection;

/// The pool, of the backend's connection type.
#[derive(Clone)]
pub(crate) enum Pools {
    #[cfg(feature = "sqlite")]
    Sqlite(Pool<SqliteConn>),
    #[cfg(feature = "postgres")]
    Postgres(Pool<PgConn>),
    #[cfg(feature = "mysql")]
    MySql(Pool<MysqlConn>),
}

impl Pools {
    pub(crate) fn close(&self) {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(p) => p.close(),
            #[cfg(feature = "postgres")]
            Self::Postgres(p) => p.close(),
            #[cfg(feature = "mysql")]
            Self::MySql(p) => p.close(),
        }
    }
}

/// What was learnt about the server when connecting.
#[derive(Debug, Clone)]
pub(crate) struct Server {
    pub(crate) backend: Backend,
    pub(crate) version: String,
    /// `DELETE ... RETURNING` works (PostgreSQL, SQLite 3.35+, MariaDB 10.5+).
    pub(crate) delete_returning: bool,
    /// `UPDATE ... RETURNING` works (PostgreSQL, SQLite 3.35+).
    pub(crate) update_returning: bool,
}

/// How long a SQLite connection waits for another one's lock, as
/// keyway-sea-orm's.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5000;

/// The driver families a URL can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Sqlite,
    Postgres,
    MySql,
}

fn family_of(url: &str) -> Result<Family, AdapterError> {
    let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
    let (family, feature, compiled) = match scheme.as_deref() {
        Some("sqlite") => (Family::Sqlite, "sqlite", cfg!(feature = "sqlite")),
        Some("postgres" | "postgresql") => {
            (Family::Postgres, "postgres", cfg!(feature = "postgres"))
        }
        Some("mysql" | "mariadb") => (Family::MySql, "mysql", cfg!(feature = "mysql")),
        _ => {
            return Err(AdapterError::other(format!(
                "`{}` is not a SQLite, PostgreSQL or MySQL/MariaDB URL \
                 (expected sqlite:, postgres:, postgresql:, mysql: or mariadb:)",
                redact_url(url)
            ))
            .with_operation("connect"));
        }
    };
    if !compiled {
        return Err(AdapterError::other(format!(
            "keyway-diesel was built without {feature} support: enable its `{feature}` feature"
        ))
        .with_operation("connect"));
    }
    Ok(family)
}

/// What diesel's SQLite connection opens for a `sqlite:` URL, and whether
/// it is an in-memory database. `sqlite://path`, `sqlite:path`,
/// `sqlite::memory:` and query parameters (`?mode=rwc`, as an SQLite URI)
/// are understood as keyway-sea-orm understands them.
pub(crate) fn sqlite_target(url: &str) -> (String, bool) {
    let rest = &url["sqlite:".len().min(url.len())..];
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let memory = path == ":memory:"
        || path.is_empty()
        || query.is_some_and(|q| q.split('&').any(|kv| kv == "mode=memory"));
    if path == ":memory:" || path.is_empty() {
        return (":memory:".to_owned(), true);
    }
    match query {
        Some(q) if !q.is_empty() => (format!("file:{path}?{q}"), memory),
        _ => (path.to_owned(), memory),
    }
}

/// Opens the pool for `url` and learns what the server is; the first
/// connection is made here, so an unreachable server fails `connect`.
pub(crate) async fn open(
    url: &str,
    options: &DieselOptions,
) -> Result<(Pools, Server), AdapterError> {
    const OP: &str = "connect";
    let family = family_of(url)?;
    let timeout = options.connect_timeout.unwrap_or(Duration::from_secs(30));
    let max = options.max_connections.map(|n| n.max(1) as usize);
    if let Some(schema) = &options.schema {
        check_identifier(schema, 63, "schema name")?;
    }
    let fail = |e: diesel_async::pooled_connection::deadpool::PoolError| {
        let err = AdapterError::connection(format!(
            "could not open {}: the database could not be reached",
            redact_url(url)
        ))
        .with_operation(OP);
        // The driver's text may repeat the URL: keep it only without the
        // password.
        if crate::error::shows_password(&e, url) {
            err
        } else {
            err.with_source(e)
        }
    };
    match family {
        #[cfg(feature = "sqlite")]
        Family::Sqlite => {
            let (target, memory) = sqlite_target(url);
            let mut config = ManagerConfig::<SqliteConn>::default();
            config.recycling_method = RecyclingMethod::Fast;
            config.custom_setup = Box::new(move |target| {
                let target = target.to_owned();
                Box::pin(async move {
                    let mut c = SqliteConn::establish(&target).await?;
                    let mut pragmas = format!(
                        "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};"
                    );
                    if !memory {
                        pragmas.push_str(" PRAGMA journal_mode = WAL;");
                    }
                    c.batch_execute(&pragmas)
                        .await
                        .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                    Ok(c)
                })
            });
            let manager = AsyncDieselConnectionManager::new_with_config(target, config);
            // Every connection to `:memory:` is its own database, gone with
            // the connection: keep exactly one.
            let max = if memory { Some(1) } else { max };
            let pool = build(Pool::builder(manager), max, timeout)?;
            let conn = pool.get().await.map_err(fail)?;
            let server = detect(Backend::Sqlite, conn, "SELECT sqlite_version() AS v").await?;
            Ok((Pools::Sqlite(pool), server))
        }
        #[cfg(feature = "postgres")]
        Family::Postgres => {
            let schema = options.schema.clone();
            let mut config = ManagerConfig::<PgConn>::default();
            config.recycling_method = RecyclingMethod::Fast;
            config.custom_setup = Box::new(move |url| {
                let url = url.to_owned();
                let schema = schema.clone();
                Box::pin(async move {
                    let mut c = PgConn::establish(&url).await?;
                    if let Some(schema) = schema {
                        c.batch_execute(&format!("SET search_path TO \"{schema}\""))
                            .await
                            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                    }
                    Ok(c)
                })
            });
            let manager = AsyncDieselConnectionManager::new_with_config(postgres_url(url), config);
            let pool = build(Pool::builder(manager), max, timeout)?;
            let conn = pool.get().await.map_err(fail)?;
            let server = detect(
                Backend::Postgres,
                conn,
                "SELECT current_setting('server_version') AS v",
            )
            .await?;
            Ok((Pools::Postgres(pool), server))
        }
        #[cfg(feature = "mysql")]
        Family::MySql => {
            let url = match url.get(..8) {
                Some(s) if s.eq_ignore_ascii_case("mariadb:") => format!("mysql:{}", &url[8..]),
                _ => url.to_owned(),
            };
            let mut config = ManagerConfig::<MysqlConn>::default();
            config.recycling_method = RecyclingMethod::Fast;
            let manager = AsyncDieselConnectionManager::new_with_config(url, config);
            let pool = build(Pool::builder(manager), max, timeout)?;
            let conn = pool.get().await.map_err(fail)?;
            let server = detect(Backend::MySql, conn, "SELECT VERSION() AS v").await?;
            Ok((Pools::MySql(pool), server))
        }
        #[allow(unreachable_patterns)]
        _ => unreachable!("family_of refuses families that are not compiled in"),
    }
}

/// What the server behind an application's pool is: its version query on
/// one of the pool's connections.
pub(crate) async fn detect_pool<C>(pool: &Pool<C>, backend: Backend) -> Result<Server, AdapterError>
where
    C: diesel_async::pooled_connection::PoolableConnection + Send + 'static,
    AsyncDieselConnectionManager<C>: deadpool::managed::Manager<Type = C>,
    diesel::query_builder::SqlQuery: diesel_async::methods::LoadQuery<'static, C, Version>,
{
    // The pool's error may carry its URL, which keyway never saw and so
    // cannot redact: only its kind goes into the message.
    let conn = pool.get().await.map_err(|e| {
        let what = match e {
            deadpool::managed::PoolError::Timeout(_) => "timed out",
            deadpool::managed::PoolError::Closed => "is closed",
            _ => "could not open a connection",
        };
        AdapterError::connection(format!("the application's pool {what}")).with_operation("connect")
    })?;
    let sql = match backend {
        Backend::Sqlite => "SELECT sqlite_version() AS v",
        Backend::Postgres => "SELECT current_setting('server_version') AS v",
        Backend::MySql | Backend::MariaDb => "SELECT VERSION() AS v",
    };
    detect(backend, conn, sql).await
}

/// `url` with its query re-encoded for tokio-postgres, which reads `%20`
/// but not `+` as a space (`?options=-c+search_path%3Dx`, as sqlx and libpq
/// accept, becomes `?options=-c%20search_path%3Dx`).
#[cfg(feature = "postgres")]
fn postgres_url(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let enc = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let pairs: Vec<String> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| format!("{}={}", enc(&k), enc(&v)))
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

fn build<C>(
    builder: diesel_async::pooled_connection::deadpool::PoolBuilder<C>,
    max: Option<usize>,
    timeout: Duration,
) -> Result<Pool<C>, AdapterError>
where
    AsyncDieselConnectionManager<C>: deadpool::managed::Manager,
    C: diesel_async::pooled_connection::PoolableConnection + Send + 'static,
{
    let builder = match max {
        Some(n) => builder.max_size(n),
        None => builder,
    };
    builder
        .wait_timeout(Some(timeout))
        .create_timeout(Some(timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|e| {
            AdapterError::other("could not build the pool")
                .with_operation("connect")
                .with_source(e)
        })
}

#[derive(diesel::QueryableByName)]
pub(crate) struct Version {
    #[diesel(sql_type = diesel::sql_types::Text)]
    v: String,
}

async fn detect<C>(backend: Backend, mut conn: Object<C>, sql: &str) -> Result<Server, AdapterError>
where
    C: diesel_async::pooled_connection::PoolableConnection + Send + 'static,
    AsyncDieselConnectionManager<C>: deadpool::managed::Manager<Type = C>,
    diesel::query_builder::SqlQuery: diesel_async::methods::LoadQuery<'static, C, Version>,
{
    use crate::error::ResultExt;
    use diesel_async::RunQueryDsl;
    let row: Version = diesel::sql_query(sql)
        .get_result(&mut *conn)
        .await
        .op("connect")?;
    let version = row.v;
    let (major, minor) = leading_version(&version);
    let (backend, delete_returning, update_returning) = match backend {
        Backend::Sqlite => {
            let r = (major, minor) >= (3, 35);
            (Backend::Sqlite, r, r)
        }
        Backend::Postgres => (Backend::Postgres, true, true),
        _ if version.to_ascii_lowercase().contains("mariadb") => {
            (Backend::MariaDb, (major, minor) >= (10, 5), false)
        }
        _ => (Backend::MySql, false, false),
    };
    Ok(Server {
        backend,
        version,
        delete_returning,
        update_returning,
    })
}

/// `(major, minor)` of a version string such as `10.11.6-MariaDB-0+deb12u1`.
fn leading_version(v: &str) -> (u32, u32) {
    let mut parts = v
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls() {
        assert_eq!(
            sqlite_target("sqlite::memory:"),
            (":memory:".to_owned(), true)
        );
        assert_eq!(
            sqlite_target("sqlite://:memory:"),
            (":memory:".to_owned(), true)
        );
        assert_eq!(
            sqlite_target("sqlite:///tmp/k.db"),
            ("/tmp/k.db".to_owned(), false)
        );
        assert_eq!(sqlite_target("sqlite://k.db"), ("k.db".to_owned(), false));
        assert_eq!(
            sqlite_target("sqlite://k.db?mode=rwc"),
            ("file:k.db?mode=rwc".to_owned(), false)
        );
    }

    #[cfg(feature = "postgres")]
    #[test]
    fn postgres_options_keep_their_spaces() {
        assert_eq!(
            postgres_url("postgres://u@h/db?options=-c+search_path%3Dx&sslmode=disable"),
            "postgres://u@h/db?options=%2Dc%20search%5Fpath%3Dx&sslmode=disable"
        );
        assert_eq!(postgres_url("postgres://u@h/db"), "postgres://u@h/db");
    }

    #[test]
    fn versions_and_urls() {
        assert_eq!(leading_version("10.11.6-MariaDB-0+deb12u1"), (10, 11));
        assert_eq!(leading_version("3.45.1"), (3, 45));
        let err = family_of("redis://:pw@localhost").unwrap_err();
        assert!(!err.to_string().contains("pw@"), "{err}");
    }
}
