//! Opening the pool: which backend a URL names, the per-backend connection
//! settings, and what the server can do.

use keyway_core::AdapterError;
use keyway_core::redact::redact_url;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
};

use crate::error::ResultExt;
use crate::options::SeaOrmOptions;

/// The database server a [`SeaOrmAdapter`](crate::SeaOrmAdapter) talks to.
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

/// What was learnt about the server when connecting.
#[derive(Debug, Clone)]
pub(crate) struct Server {
    pub(crate) backend: Backend,
    pub(crate) version: String,
    /// `DELETE ... RETURNING` works (PostgreSQL, SQLite 3.35+, MariaDB 10.5+).
    pub(crate) delete_returning: bool,
    /// `UPDATE ... RETURNING` works (PostgreSQL, SQLite 3.35+; not MySQL or
    /// MariaDB).
    pub(crate) update_returning: bool,
}

/// How long a SQLite connection waits for another one's lock before failing.
#[cfg(feature = "sqlite")]
pub(crate) const SQLITE_BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The driver families a URL can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Sqlite,
    Postgres,
    MySql,
}

/// The driver family a URL names, and the URL the driver should get
/// (`mariadb:` is spoken to with the MySQL driver).
fn backend_of(url: &str) -> Result<(Family, String), AdapterError> {
    let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
    let (backend, feature) = match scheme.as_deref() {
        Some("sqlite") => (Family::Sqlite, "sqlite"),
        Some("postgres" | "postgresql") => (Family::Postgres, "postgres"),
        Some("mysql" | "mariadb") => (Family::MySql, "mysql"),
        _ => {
            return Err(AdapterError::other(format!(
                "`{}` is not a SQLite, PostgreSQL or MySQL/MariaDB URL \
                 (expected sqlite:, postgres:, postgresql:, mysql: or mariadb:)",
                redact_url(url)
            ))
            .with_operation("connect"));
        }
    };
    if !compiled(backend) {
        return Err(AdapterError::other(format!(
            "keyway-sea-orm was built without {feature} support: enable its `{feature}` feature"
        ))
        .with_operation("connect"));
    }
    let url = match url.get(..8) {
        Some(s) if s.eq_ignore_ascii_case("mariadb:") => format!("mysql:{}", &url[8..]),
        _ => url.to_owned(),
    };
    if let Err(e) = url::Url::parse(&url) {
        return Err(AdapterError::other(format!(
            "`{}` is not a valid database URL: {e}",
            redact_url(&url)
        ))
        .with_operation("connect"));
    }
    Ok((backend, url))
}

fn compiled(family: Family) -> bool {
    match family {
        Family::Sqlite => cfg!(feature = "sqlite"),
        Family::Postgres => cfg!(feature = "postgres"),
        Family::MySql => cfg!(feature = "mysql"),
    }
}

/// Opens the pool for `url` with `options` and learns what the server is.
pub(crate) async fn open(
    url: &str,
    options: &SeaOrmOptions,
) -> Result<(DatabaseConnection, Server), AdapterError> {
    let (backend, url) = backend_of(url)?;
    let mut opts = ConnectOptions::new(url.clone());
    opts.sqlx_logging(false);
    if let Some(n) = options.max_connections {
        opts.max_connections(n.max(1));
    }
    if let Some(t) = options.connect_timeout {
        opts.connect_timeout(t).acquire_timeout(t);
    }
    match backend {
        #[cfg(feature = "sqlite")]
        Family::Sqlite => configure_sqlite(&mut opts, &url),
        #[cfg(not(feature = "sqlite"))]
        Family::Sqlite => {}
        Family::Postgres => {
            if let Some(schema) = &options.schema {
                crate::options::check_identifier(schema, 63, "schema name")?;
                opts.set_schema_search_path(schema.clone());
            }
        }
        Family::MySql => {}
    }
    let db = Database::connect(opts).await.map_err(|e| {
        let e = crate::error::db_error("connect", e);
        let message = format!("could not open {}: {}", redact_url(&url), e.message());
        scrub(
            AdapterError::new(e.kind(), message).with_operation("connect"),
            e,
            &url,
        )
    })?;
    let server = detect(&db).await?;
    tracing::debug!(
        backend = %server.backend,
        version = %server.version,
        delete_returning = server.delete_returning,
        "keyway-sea-orm connected"
    );
    Ok((db, server))
}

/// Attaches `source` to `err` unless its text would show the URL's password.
fn scrub(err: AdapterError, source: AdapterError, url: &str) -> AdapterError {
    let password = url::Url::parse(url)
        .ok()
        .and_then(|u| u.password().map(str::to_owned))
        .filter(|p| !p.is_empty());
    let mut text = String::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(&source);
    while let Some(e) = cur {
        text.push_str(&e.to_string());
        text.push_str(&format!("{e:?}"));
        cur = e.source();
    }
    match password {
        Some(p) if text.contains(&p) || text.contains(&decode(&p)) => err,
        _ => err.with_source(source),
    }
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(feature = "sqlite")]
fn configure_sqlite(opts: &mut ConnectOptions, url: &str) {
    let lower = url.to_ascii_lowercase();
    let in_memory = lower.contains(":memory:") || lower.contains("mode=memory");
    let mode_given = lower.contains("mode=");
    if in_memory {
        // Every connection to `:memory:` is its own database, and the
        // database goes away with its last connection: keep exactly one,
        // forever.
        opts.max_connections(1)
            .min_connections(1)
            .idle_timeout(None::<std::time::Duration>)
            .max_lifetime(None::<std::time::Duration>);
    }
    opts.map_sqlx_sqlite_opts(move |o| {
        use sea_orm::sqlx::sqlite::SqliteJournalMode;
        // Cascading deletes need foreign keys, which SQLite enforces only
        // when asked to, on each connection.
        let o = o.foreign_keys(true).busy_timeout(SQLITE_BUSY_TIMEOUT);
        if in_memory {
            o
        } else {
            let o = o.journal_mode(SqliteJournalMode::Wal);
            if mode_given {
                o
            } else {
                o.create_if_missing(true)
            }
        }
    });
}

pub(crate) async fn detect(db: &DatabaseConnection) -> Result<Server, AdapterError> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => "SELECT sqlite_version() AS v",
        DbBackend::Postgres => "SELECT current_setting('server_version') AS v",
        _ => "SELECT VERSION() AS v",
    };
    let row = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .op("connect")?;
    let version: String = match row {
        Some(row) => row.try_get("", "v").op("connect")?,
        None => String::new(),
    };
    let (major, minor) = leading_version(&version);
    let (backend, delete_returning, update_returning) = match backend {
        DbBackend::Sqlite => {
            let returning = (major, minor) >= (3, 35);
            (Backend::Sqlite, returning, returning)
        }
        DbBackend::Postgres => (Backend::Postgres, true, true),
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
    fn reads_leading_versions() {
        assert_eq!(leading_version("10.11.6-MariaDB-0+deb12u1"), (10, 11));
        assert_eq!(leading_version("3.45.1"), (3, 45));
        assert_eq!(leading_version("8.0.36"), (8, 0));
        assert_eq!(leading_version(""), (0, 0));
    }

    #[test]
    fn mariadb_urls_use_the_mysql_driver() {
        if cfg!(feature = "mysql") {
            let (b, url) = backend_of("mariadb://root@localhost/x").unwrap();
            assert_eq!(b, Family::MySql);
            assert_eq!(url, "mysql://root@localhost/x");
        }
        let err = backend_of("redis://:pw@localhost").unwrap_err();
        assert!(!err.to_string().contains("pw@"), "{err}");
    }
}
