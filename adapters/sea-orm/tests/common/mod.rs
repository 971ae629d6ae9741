//! Throw-away databases for the tests: a SQLite file in a fresh temp dir, an
//! in-memory SQLite, a fresh PostgreSQL schema and a fresh MariaDB/MySQL
//! database, each with a random name and removed when its guard drops (even
//! when the test fails).
//!
//! PostgreSQL and MariaDB are found at `KEYWAY_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) and `KEYWAY_TEST_MYSQL_URL`
//! (default `mysql://root@127.0.0.1:3306/test`). When one cannot be reached
//! its tests are skipped with a notice, unless `KEYWAY_REQUIRE_SERVICES=1`,
//! which makes them fail.

#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;

use keyway_sea_orm::{SeaOrmAdapter, SeaOrmOptions};

/// A fresh random name, `keyway_<12 hex digits>`.
pub fn unique_name() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("keyway_{}", &id[..12])
}

/// A database made for one test, removed on drop.
pub struct TestDb {
    /// What it is, for messages.
    pub label: String,
    /// The URL the adapter connects to.
    pub url: String,
    /// Options that point the adapter at this database (schema).
    pub options: SeaOrmOptions,
    cleanup: Option<Cleanup>,
}

enum Cleanup {
    Dir(PathBuf),
    Sql { admin_url: String, sql: String },
}

impl TestDb {
    /// Connects an adapter to this database with `tweak` applied to the
    /// options.
    pub async fn adapter_with(&self, tweak: impl FnOnce(&mut SeaOrmOptions)) -> SeaOrmAdapter {
        let mut options = self.options.clone();
        tweak(&mut options);
        SeaOrmAdapter::connect(&self.url, options)
            .await
            .unwrap_or_else(|e| panic!("{}: connect failed: {e} ({e:?})", self.label))
    }

    /// Connects an adapter with this database's default options.
    pub async fn adapter(&self) -> SeaOrmAdapter {
        self.adapter_with(|_| {}).await
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self.cleanup.take() {
            Some(Cleanup::Dir(dir)) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Some(Cleanup::Sql { admin_url, sql }) => {
                if let Err(e) = keyway_sea_orm::testing::execute_blocking(&admin_url, &sql) {
                    eprintln!("warning: could not clean up a test database: {e}");
                }
            }
            None => {}
        }
    }
}

/// Creates a schema or database with `sql`: `None` when done, `Some(None)`
/// (after a notice) when the server is unreachable and not required.
async fn create(url: &str, sql: &str, what: &str) -> Option<Option<TestDb>> {
    match keyway_sea_orm::testing::execute(url, sql).await {
        Ok(()) => None,
        Err(e) if e.kind() == keyway_core::AdapterErrorKind::Connection => {
            Some(unreachable(what, url, &e))
        }
        Err(e) => panic!("{what}: {sql}: {e}"),
    }
}

/// A SQLite database file in a fresh temp dir.
pub fn sqlite_file() -> TestDb {
    let dir = std::env::temp_dir().join(unique_name());
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite://{}", dir.join("keyway.db").display());
    TestDb {
        label: "sqlite file".to_owned(),
        url,
        options: SeaOrmOptions::default(),
        cleanup: Some(Cleanup::Dir(dir)),
    }
}

/// `sqlite::memory:`.
pub fn sqlite_memory() -> TestDb {
    TestDb {
        label: "sqlite memory".to_owned(),
        url: "sqlite::memory:".to_owned(),
        options: SeaOrmOptions::default(),
        cleanup: None,
    }
}

fn required() -> bool {
    std::env::var("KEYWAY_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

fn unreachable(what: &str, url: &str, err: &dyn std::fmt::Display) -> Option<TestDb> {
    if required() {
        panic!("{what} at {url} is required (KEYWAY_REQUIRE_SERVICES=1) but unreachable: {err}");
    }
    eprintln!("notice: skipping {what} tests: {url} is unreachable ({err})");
    None
}

/// A fresh schema on the test PostgreSQL server, or `None` (after a notice)
/// when the server is unreachable and not required.
pub async fn postgres() -> Option<TestDb> {
    let url = std::env::var("KEYWAY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let schema = unique_name();
    if let Some(skip) = create(&url, &format!("CREATE SCHEMA \"{schema}\""), "PostgreSQL").await {
        return skip;
    }
    Some(TestDb {
        label: format!("postgres schema {schema}"),
        url: url.clone(),
        options: SeaOrmOptions {
            schema: Some(schema.clone()),
            ..SeaOrmOptions::default()
        },
        cleanup: Some(Cleanup::Sql {
            admin_url: url,
            sql: format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"),
        }),
    })
}

/// A fresh database on the test MariaDB/MySQL server, or `None` (after a
/// notice) when the server is unreachable and not required.
pub async fn mysql() -> Option<TestDb> {
    let admin_url = std::env::var("KEYWAY_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_owned());
    let name = unique_name();
    let sql = format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4");
    if let Some(skip) = create(&admin_url, &sql, "MariaDB/MySQL").await {
        return skip;
    }
    let mut url = url::Url::parse(&admin_url).expect("mysql url");
    url.set_path(&format!("/{name}"));
    Some(TestDb {
        label: format!("mysql database {name}"),
        url: url.to_string(),
        options: SeaOrmOptions::default(),
        cleanup: Some(Cleanup::Sql {
            admin_url,
            sql: format!("DROP DATABASE IF EXISTS `{name}`"),
        }),
    })
}

/// Every database available here: both SQLite kinds always, PostgreSQL and
/// MariaDB when reachable.
pub async fn all() -> Vec<TestDb> {
    let mut dbs = vec![sqlite_file(), sqlite_memory()];
    dbs.extend(postgres().await);
    dbs.extend(mysql().await);
    dbs
}
