//! Throw-away databases for adapter tests: a SQLite file in a fresh temp
//! dir, an in-memory SQLite, a fresh PostgreSQL schema and a fresh
//! MariaDB/MySQL database, each with a random name and removed when its
//! guard drops (even when the test fails). Every SQL adapter crate's tests
//! use them, each bringing its own way to run one admin statement
//! ([`Admin`]).
//!
//! PostgreSQL and MariaDB are found at `KEYWAY_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) and `KEYWAY_TEST_MYSQL_URL`
//! (default `mysql://root@127.0.0.1:3306/test`). When one cannot be reached
//! its tests are skipped with a notice, unless `KEYWAY_REQUIRE_SERVICES=1`,
//! which makes them fail.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use keyway_core::{AdapterError, AdapterErrorKind};

/// Runs one SQL statement (the second argument) on a short-lived connection
/// to a URL (the first); an unreachable server is the connection kind.
pub type Admin =
    fn(String, String) -> Pin<Box<dyn Future<Output = Result<(), AdapterError>> + Send>>;

/// A fresh random name, `keyway_<12 hex digits>`.
pub fn unique_name() -> String {
    format!("keyway_{}", &keyway_core::random::hex(6))
}

/// The PostgreSQL server the tests use.
pub fn postgres_url() -> String {
    std::env::var("KEYWAY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// The MariaDB/MySQL server the tests use (its admin database).
pub fn mysql_url() -> String {
    std::env::var("KEYWAY_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_owned())
}

/// Whether servers must be reachable (`KEYWAY_REQUIRE_SERVICES=1`).
pub fn services_required() -> bool {
    std::env::var("KEYWAY_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

/// A database made for one test, removed on drop.
pub struct ScratchDb {
    /// What it is, for messages.
    pub label: String,
    /// The URL an adapter connects to.
    pub url: String,
    /// PostgreSQL: the schema made for the test, to pass as the adapter's
    /// schema option.
    pub schema: Option<String>,
    cleanup: Option<Cleanup>,
}

enum Cleanup {
    Dir(PathBuf),
    Sql {
        admin: Admin,
        admin_url: String,
        sql: String,
    },
}

impl std::fmt::Debug for ScratchDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScratchDb")
            .field("label", &self.label)
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

impl ScratchDb {
    /// Whether this is `sqlite::memory:` (each pool its own database).
    pub fn is_memory(&self) -> bool {
        self.url.contains(":memory:")
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        match self.cleanup.take() {
            Some(Cleanup::Dir(dir)) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Some(Cleanup::Sql {
                admin,
                admin_url,
                sql,
            }) => {
                // Drop may run inside a runtime: clean up on a thread and
                // runtime of its own.
                let done = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| AdapterError::other("no runtime").with_source(e))?;
                    rt.block_on(admin(admin_url, sql))
                })
                .join()
                .unwrap_or_else(|_| Err(AdapterError::other("the cleanup thread panicked")));
                if let Err(e) = done {
                    eprintln!("warning: could not clean up a test database: {e}");
                }
            }
            None => {}
        }
    }
}

/// A SQLite database file in a fresh temp dir.
pub fn sqlite_file() -> ScratchDb {
    let dir = std::env::temp_dir().join(unique_name());
    std::fs::create_dir_all(&dir).expect("temp dir");
    ScratchDb {
        label: "sqlite file".to_owned(),
        url: format!("sqlite://{}", dir.join("keyway.db").display()),
        schema: None,
        cleanup: Some(Cleanup::Dir(dir)),
    }
}

/// `sqlite::memory:`.
pub fn sqlite_memory() -> ScratchDb {
    ScratchDb {
        label: "sqlite memory".to_owned(),
        url: "sqlite::memory:".to_owned(),
        schema: None,
        cleanup: None,
    }
}

/// Runs `sql` with `admin`: `Ok(true)` when done, `Ok(false)` (after a
/// notice) when the server is unreachable and not required.
async fn create(admin: Admin, url: &str, sql: &str, what: &str) -> bool {
    match admin(url.to_owned(), sql.to_owned()).await {
        Ok(()) => true,
        Err(e) if e.kind() == AdapterErrorKind::Connection => {
            let text = super::error_text(&e);
            if services_required() {
                panic!(
                    "{what} at {url} is required (KEYWAY_REQUIRE_SERVICES=1) but unreachable: {text}"
                );
            }
            eprintln!("notice: skipping {what} tests: {url} is unreachable ({text})");
            false
        }
        Err(e) => panic!("{what}: {sql}: {}", super::error_text(&e)),
    }
}

/// A fresh schema on the test PostgreSQL server, or `None` (after a notice)
/// when the server is unreachable and not required.
pub async fn postgres(admin: Admin) -> Option<ScratchDb> {
    let url = postgres_url();
    let schema = unique_name();
    if !create(
        admin,
        &url,
        &format!("CREATE SCHEMA \"{schema}\""),
        "PostgreSQL",
    )
    .await
    {
        return None;
    }
    Some(ScratchDb {
        label: format!("postgres schema {schema}"),
        url: url.clone(),
        schema: Some(schema.clone()),
        cleanup: Some(Cleanup::Sql {
            admin,
            admin_url: url,
            sql: format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"),
        }),
    })
}

/// A fresh database on the test MariaDB/MySQL server, or `None` (after a
/// notice) when the server is unreachable and not required.
pub async fn mysql(admin: Admin) -> Option<ScratchDb> {
    let admin_url = mysql_url();
    let name = unique_name();
    let sql = format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4");
    if !create(admin, &admin_url, &sql, "MariaDB/MySQL").await {
        return None;
    }
    // The same server and credentials, the new database as the path.
    let (server, query) = match admin_url.split_once('?') {
        Some((s, q)) => (s, format!("?{q}")),
        None => (admin_url.as_str(), String::new()),
    };
    let after_scheme = server.find("://").map_or(0, |i| i + 3);
    let base = match server[after_scheme..].find('/') {
        Some(i) => &server[..after_scheme + i],
        None => server,
    };
    Some(ScratchDb {
        label: format!("mysql database {name}"),
        url: format!("{base}/{name}{query}"),
        schema: None,
        cleanup: Some(Cleanup::Sql {
            admin,
            admin_url,
            sql: format!("DROP DATABASE IF EXISTS `{name}`"),
        }),
    })
}

/// Every database available here: both SQLite kinds always, PostgreSQL and
/// MariaDB when reachable.
pub async fn all(admin: Admin) -> Vec<ScratchDb> {
    let mut dbs = vec![sqlite_file(), sqlite_memory()];
    dbs.extend(postgres(admin).await);
    dbs.extend(mysql(admin).await);
    dbs
}
