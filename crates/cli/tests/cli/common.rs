//! Running the built `keyway` binary as a user would, with an environment
//! the test controls (nothing of the test's own environment leaks in), and
//! throw-away databases: a SQLite file in a fresh temp dir, a fresh
//! PostgreSQL schema, a fresh MariaDB database, each removed when its guard
//! drops.
//!
//! PostgreSQL and MariaDB are found at `KEYWAY_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) and `KEYWAY_TEST_MYSQL_URL`
//! (default `mysql://root@127.0.0.1:3306/test`). When one cannot be reached
//! its tests are skipped with a notice, unless `KEYWAY_REQUIRE_SERVICES=1`,
//! which makes them fail.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use keyway::Adapter;
use keyway::adapter::{AdapterCrate, ConnectOptions, connect_with};

/// What one run of `keyway` did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Standard output and error together.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Standard output as the one JSON object `--json` prints.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("stdout is not one JSON object ({e}): {self:#?}"))
    }
}

/// Runs `keyway args...` with exactly the variables `env` (and PATH).
pub fn keyway(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_keyway"));
    cmd.args(args).env_clear();
    if let Ok(path) = std::env::var("PATH") {
        cmd.env("PATH", path);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = cmd.output().expect("the keyway binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A fresh random name, `keyway_cli_<12 hex digits>`.
pub fn unique_name() -> String {
    format!("keyway_cli_{}", &keyway::random::hex(6))
}

/// A fresh temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(unique_name());
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A database made for one test, removed on drop.
pub struct TestDb {
    pub label: String,
    /// The URL `keyway` gets.
    pub url: String,
    /// The adapter crate that opens it.
    pub krate: AdapterCrate,
    /// Extra arguments that point `keyway` at this database (`--adapter`,
    /// `--schema`).
    pub args: Vec<String>,
    /// The same for opening the adapter in the test.
    pub options: ConnectOptions,
    cleanup: Cleanup,
}

enum Cleanup {
    // Held for its Drop, which removes the directory.
    Dir(#[allow(dead_code)] TempDir),
    Sql { admin_url: String, sql: String },
    Mongo(keyway_mongodb::testing::TestDatabase),
}

impl TestDb {
    /// The same database through another SQL adapter crate (`sea-orm` or
    /// `diesel`).
    pub fn with(mut self, krate: AdapterCrate) -> Self {
        self.label = format!("{} via {}", self.label, krate.crate_name());
        self.krate = krate;
        self.args
            .retain(|a| a != "--adapter" && AdapterCrate::ALL.iter().all(|c| a != c.name()));
        self.args
            .extend(["--adapter".to_owned(), krate.name().to_owned()]);
        self.options.adapter = Some(krate);
        self
    }

    /// The collection names, on MongoDB.
    pub async fn collection_names(&self) -> Option<Vec<String>> {
        match &self.cleanup {
            Cleanup::Mongo(db) => Some(db.collection_names().await),
            _ => None,
        }
    }

    /// `keyway <command> --database-url <url> <args>` plus `extra`.
    pub fn keyway(&self, command: &str, extra: &[&str], env: &[(&str, &str)]) -> Run {
        let mut args = vec![command, "--database-url", &self.url];
        args.extend(self.args.iter().map(String::as_str));
        args.extend_from_slice(extra);
        keyway(&args, env)
    }

    /// Opens the adapter in the test, without migrating.
    pub async fn open(&self) -> Arc<dyn Adapter> {
        let options = ConnectOptions {
            migrate: false,
            ..self.options.clone()
        };
        connect_with(&self.url, options)
            .await
            .unwrap_or_else(|e| panic!("{}: open failed: {e}", self.label))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Sql { admin_url, sql } = &self.cleanup
            && let Err(e) = keyway_sea_orm::testing::execute_blocking(admin_url, sql)
        {
            eprintln!("warning: could not clean up {}: {e}", self.label);
        }
    }
}

fn required() -> bool {
    std::env::var("KEYWAY_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

/// Runs `sql` on `url`; `false` (after a notice) when the server is
/// unreachable and not required.
async fn create(url: &str, sql: &str, what: &str) -> bool {
    match keyway_sea_orm::testing::execute(url, sql).await {
        Ok(()) => true,
        Err(e) if e.kind() == keyway::AdapterErrorKind::Connection => {
            if required() {
                panic!(
                    "{what} at {url} is required (KEYWAY_REQUIRE_SERVICES=1) but unreachable: {e}"
                );
            }
            eprintln!("notice: skipping {what} tests: {url} is unreachable ({e})");
            false
        }
        Err(e) => panic!("{what}: {sql}: {e}"),
    }
}

/// A SQLite file in a fresh temp dir (`mode=rwc`: created by the first
/// connection).
pub fn sqlite() -> TestDb {
    let dir = TempDir::new();
    let url = format!("sqlite://{}?mode=rwc", dir.0.join("keyway.db").display());
    TestDb {
        label: "sqlite file".to_owned(),
        url,
        krate: AdapterCrate::SeaOrm,
        args: Vec::new(),
        options: ConnectOptions::default(),
        cleanup: Cleanup::Dir(dir),
    }
    .with(AdapterCrate::SeaOrm)
}

/// A fresh schema on the test PostgreSQL server, or `None`.
pub async fn postgres() -> Option<TestDb> {
    let url = std::env::var("KEYWAY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let schema = unique_name();
    // Made by `keyway migrate` itself; the guard drops it either way. The
    // probe only finds out whether the server is there.
    if !create(&url, "SELECT 1", "PostgreSQL").await {
        return None;
    }
    Some(
        TestDb {
            label: format!("postgres schema {schema}"),
            url: url.clone(),
            krate: AdapterCrate::SeaOrm,
            args: vec!["--schema".to_owned(), schema.clone()],
            options: ConnectOptions {
                schema: Some(schema.clone()),
                ..ConnectOptions::default()
            },
            cleanup: Cleanup::Sql {
                admin_url: url,
                sql: format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"),
            },
        }
        .with(AdapterCrate::SeaOrm),
    )
}

/// A fresh database on the test MariaDB/MySQL server, or `None`.
pub async fn mysql() -> Option<TestDb> {
    let admin_url = std::env::var("KEYWAY_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_owned());
    let name = unique_name();
    let sql = format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4");
    if !create(&admin_url, &sql, "MariaDB/MySQL").await {
        return None;
    }
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(b, _)| b);
    Some(
        TestDb {
            label: format!("mysql database {name}"),
            url: format!("{base}/{name}"),
            krate: AdapterCrate::SeaOrm,
            args: Vec::new(),
            options: ConnectOptions::default(),
            cleanup: Cleanup::Sql {
                admin_url,
                sql: format!("DROP DATABASE IF EXISTS `{name}`"),
            },
        }
        .with(AdapterCrate::SeaOrm),
    )
}

/// A fresh database on the test MongoDB server, or `None`.
pub async fn mongodb() -> Option<TestDb> {
    let db = keyway_mongodb::testing::TestDatabase::create().await?;
    Some(TestDb {
        label: format!("mongodb database {}", db.name()),
        url: db.url().to_owned(),
        krate: AdapterCrate::MongoDb,
        args: Vec::new(),
        options: ConnectOptions::default(),
        cleanup: Cleanup::Mongo(db),
    })
}
