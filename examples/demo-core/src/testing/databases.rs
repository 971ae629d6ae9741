//! The same demo sign-in flow on SQLite, PostgreSQL and MariaDB with each
//! SQL adapter crate (`KEYWAY_ADAPTER` unset or `sea-orm`, then `diesel`),
//! and on MongoDB, changing only `DATABASE_URL`: the demo binary is started
//! as README says, a
//! client signs in with the demo user's credentials, reaches the protected
//! page and signs out, and the session is looked up in that database
//! through keyway's adapter while it lives and after it ends.
//!
//! Every run gets its own place, removed afterwards (even when the test
//! fails): an SQLite file in a fresh directory; a fresh PostgreSQL schema on
//! `KEYWAY_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), chosen by the URL's
//! `options=-c search_path=...`; a fresh MariaDB database `keyway_<random>`
//! on `KEYWAY_TEST_MYSQL_URL` (default `mysql://root@127.0.0.1:3306/test`);
//! a fresh MongoDB database on `KEYWAY_TEST_MONGODB_URL` (default
//! `mongodb://127.0.0.1:27017/?directConnection=true`), named in the URL's
//! path, where the session document is also read raw: Auth.js's
//! `sessionToken`, an ObjectId `userId`, a date `expires`.
//! A server that cannot be reached skips its test with a notice, unless
//! `KEYWAY_REQUIRE_SERVICES=1` (as in CI), where it fails.

use std::path::PathBuf;

use http::StatusCode;
use keyway::SessionToken;
use keyway::adapter::{AdapterCrate, ConnectOptions};

use super::DemoBinary;
use super::binary::{Client, Demo};

/// The session cookie on an http site.
const SESSION_COOKIE: &str = "authjs.session-token";

fn unique_name() -> String {
    format!("keyway_{}", keyway::random::hex(6))
}

/// A place for one run's tables, removed on drop.
pub(crate) struct TestDatabase {
    /// `DATABASE_URL` for the demo.
    pub(crate) url: String,
    cleanup: Cleanup,
}

pub(crate) enum Cleanup {
    /// The SQLite file's directory.
    Dir(PathBuf),
    /// A server, its admin URL, the namespace and the SQL that drops it.
    Server {
        admin_url: String,
        namespace: String,
        drop_sql: String,
    },
    /// A MongoDB database, dropped when its guard drops.
    Mongo(keyway_mongodb::testing::TestDatabase),
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Server {
                admin_url,
                drop_sql,
                ..
            } => {
                if let Err(e) = keyway_sea_orm::testing::execute_blocking(admin_url, drop_sql) {
                    eprintln!("warning: could not remove a test database ({drop_sql}): {e}");
                }
            }
            Cleanup::Mongo(_) => {}
        }
    }
}

impl TestDatabase {
    /// Checks the session's row as stored, where the test can read it raw
    /// (MongoDB): the document in `sessions` has Auth.js's field names, an
    /// ObjectId `userId` (alice's `_id` in `users`) and a date `expires`.
    async fn check_stored_session(&self, session: &SessionToken) {
        let Cleanup::Mongo(db) = &self.cleanup else {
            return;
        };
        let collections = db.collection_names().await;
        for name in ["accounts", "sessions", "users", "verification_tokens"] {
            assert!(collections.iter().any(|c| c == name), "{collections:?}");
        }
        let sessions = db.documents("sessions").await;
        let stored = sessions
            .iter()
            .find(|d| d.get_str("sessionToken").ok() == Some(session.as_str()))
            .unwrap_or_else(|| panic!("no document with this sessionToken in {sessions:?}"));
        let user_id = stored
            .get_object_id("userId")
            .expect("userId is an ObjectId");
        stored.get_datetime("expires").expect("expires is a date");
        let users = db.documents("users").await;
        let alice = users
            .iter()
            .find(|u| u.get_str("email").ok() == Some("alice@example.com"))
            .unwrap_or_else(|| panic!("no alice in {users:?}"));
        assert_eq!(alice.get_object_id("_id").ok(), Some(user_id));
    }

    /// How many tables the run's schema or database holds (SQL servers
    /// only).
    async fn tables(&self) -> Option<i64> {
        let Cleanup::Server {
            admin_url,
            namespace,
            ..
        } = &self.cleanup
        else {
            return None;
        };
        let sql = format!(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '{namespace}'"
        );
        Some(
            keyway_sea_orm::testing::query_count(admin_url, &sql)
                .await
                .unwrap(),
        )
    }
}

/// Runs `create_sql` on the server at `admin_url`; `None` after a notice
/// when the server is unreachable (a failure when services are required).
async fn create(test: &str, what: &str, admin_url: &str, create_sql: &str) -> Option<()> {
    match keyway_sea_orm::testing::execute(admin_url, create_sql).await {
        Ok(()) => Some(()),
        Err(e) if e.kind() == keyway::AdapterErrorKind::Connection => super::unavailable(
            test,
            &format!(
                "{what} at {admin_url} is unreachable ({e}); `cargo xtask services` starts it"
            ),
        ),
        Err(e) => panic!("{what}: {create_sql}: {e}"),
    }
}

fn sqlite(bin: DemoBinary) -> TestDatabase {
    let dir = bin.temp_dir(&format!("db-{}", unique_name()));
    std::fs::create_dir_all(&dir).unwrap();
    TestDatabase {
        url: format!("sqlite://{}", dir.join("demo.db").display()),
        cleanup: Cleanup::Dir(dir),
    }
}

pub(crate) async fn postgres(test: &str) -> Option<TestDatabase> {
    let admin_url = std::env::var("KEYWAY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let schema = unique_name();
    let create_sql = format!("CREATE SCHEMA \"{schema}\"");
    create(test, "PostgreSQL", &admin_url, &create_sql).await?;
    let mut url = url::Url::parse(&admin_url).unwrap();
    // Every connection of the demo's pool works in the schema.
    url.query_pairs_mut()
        .append_pair("options", &format!("-c search_path={schema}"));
    Some(TestDatabase {
        url: url.to_string(),
        cleanup: Cleanup::Server {
            admin_url,
            drop_sql: format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"),
            namespace: schema,
        },
    })
}

async fn mariadb(test: &str) -> Option<TestDatabase> {
    let admin_url = std::env::var("KEYWAY_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_owned());
    let name = unique_name();
    let create_sql = format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4");
    create(test, "MariaDB", &admin_url, &create_sql).await?;
    let mut url = url::Url::parse(&admin_url).unwrap();
    url.set_path(&format!("/{name}"));
    Some(TestDatabase {
        url: url.to_string(),
        cleanup: Cleanup::Server {
            admin_url,
            drop_sql: format!("DROP DATABASE IF EXISTS `{name}`"),
            namespace: name,
        },
    })
}

async fn mongodb(test: &str) -> Option<TestDatabase> {
    let Some(db) = keyway_mongodb::testing::TestDatabase::create().await else {
        return super::unavailable(
            test,
            "the MongoDB test server is unreachable; `cargo xtask services` starts it",
        );
    };
    Some(TestDatabase {
        url: db.url().to_owned(),
        cleanup: Cleanup::Mongo(db),
    })
}

/// Credentials sign-in, the protected page, sign-out, on the database at
/// `db.url`, through the adapter crate `adapter` (`KEYWAY_ADAPTER` for the
/// SQL crates), with `env` set as well; on SQL databases the session is then
/// looked up through the other SQL crate, on the same tables.
async fn sign_in_flow(
    bin: DemoBinary,
    db: &TestDatabase,
    adapter: AdapterCrate,
    env: &[(&str, &str)],
) {
    let mut vars = vec![("DATABASE_URL", db.url.as_str())];
    let sql = matches!(adapter, AdapterCrate::SeaOrm | AdapterCrate::Diesel);
    if sql {
        vars.push(("KEYWAY_ADAPTER", adapter.name()));
    }
    vars.extend_from_slice(env);
    let demo = Demo::start(bin, &vars).await;
    assert!(
        demo.banner.contains(&format!("database     {}", db.url)),
        "{}",
        demo.banner
    );
    let adapter_line = if sql {
        format!(
            "adapter      {} (KEYWAY_ADAPTER={};",
            adapter.crate_name(),
            adapter.name()
        )
    } else {
        format!("adapter      {}", adapter.crate_name())
    };
    assert!(demo.banner.contains(&adapter_line), "{}", demo.banner);
    assert!(
        demo.banner.contains("sessions     database"),
        "{}",
        demo.banner
    );
    let site = demo.site();
    let mut c = Client::new(demo.port);

    // Signed out, the protected page sends the browser to sign in.
    let r = c.get("/protected").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        r.location
            .starts_with(&format!("{site}/api/auth/signin?callbackUrl=")),
        "{}",
        r.location
    );

    // Sign in with the demo user: back to the protected page.
    let token = c.csrf().await;
    let form =
        format!("csrfToken={token}&username=alice&password=wonderland&callbackUrl=%2Fprotected");
    let r = c.post("/api/auth/callback/credentials", form).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(r.location, format!("{site}/protected"));
    let r = c.get("/protected").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains("Welcome, <strong>alice (alice@example.com)</strong>"),
        "{}",
        r.body
    );

    // The session lives in this database.
    let session = SessionToken::new(c.cookie(SESSION_COOKIE).expect("a session cookie"));
    let other = match adapter {
        AdapterCrate::Diesel => AdapterCrate::SeaOrm,
        AdapterCrate::SeaOrm => AdapterCrate::Diesel,
        same => same,
    };
    let options = ConnectOptions {
        adapter: Some(other),
        ..ConnectOptions::default()
    };
    let adapter = keyway::adapter::connect_with(&db.url, options)
        .await
        .unwrap();
    let (_, user) = adapter
        .get_session_and_user(&session)
        .await
        .unwrap()
        .expect("the session is stored in the database");
    assert_eq!(user.email.as_deref(), Some("alice@example.com"));
    db.check_stored_session(&session).await;
    if let Some(tables) = db.tables().await {
        assert!(tables >= 4, "{tables} tables in the run's own namespace");
    }

    // Sign out: the session is gone, from the browser and the database.
    let token = c.csrf().await;
    let r = c
        .post(
            "/api/auth/signout",
            format!("csrfToken={token}&callbackUrl=%2F"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(r.location, format!("{site}/"));
    assert_eq!(c.cookie(SESSION_COOKIE), None);
    let r = c.get("/protected").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        adapter
            .get_session_and_user(&session)
            .await
            .unwrap()
            .is_none()
    );

    demo.stop().await;
}

pub async fn sign_in_flow_on_sqlite(bin: DemoBinary) {
    let db = sqlite(bin);
    sign_in_flow(bin, &db, AdapterCrate::SeaOrm, &[]).await;
}

pub async fn sign_in_flow_on_postgresql(bin: DemoBinary) {
    let Some(db) = postgres("sign_in_flow_on_postgresql").await else {
        return;
    };
    sign_in_flow(bin, &db, AdapterCrate::SeaOrm, &[]).await;
}

pub async fn sign_in_flow_on_mariadb(bin: DemoBinary) {
    let Some(db) = mariadb("sign_in_flow_on_mariadb").await else {
        return;
    };
    sign_in_flow(bin, &db, AdapterCrate::SeaOrm, &[]).await;
}

pub async fn sign_in_flow_on_sqlite_with_diesel(bin: DemoBinary) {
    let db = sqlite(bin);
    sign_in_flow(bin, &db, AdapterCrate::Diesel, &[]).await;
}

pub async fn sign_in_flow_on_postgresql_with_diesel(bin: DemoBinary) {
    let Some(db) = postgres("sign_in_flow_on_postgresql_with_diesel").await else {
        return;
    };
    sign_in_flow(bin, &db, AdapterCrate::Diesel, &[]).await;
}

pub async fn sign_in_flow_on_mariadb_with_diesel(bin: DemoBinary) {
    let Some(db) = mariadb("sign_in_flow_on_mariadb_with_diesel").await else {
        return;
    };
    sign_in_flow(bin, &db, AdapterCrate::Diesel, &[]).await;
}

/// MongoDB, with the settings the issue names:
/// `SESSION_STRATEGY=database DATABASE_URL=mongodb://.../<db>?directConnection=true`.
pub async fn sign_in_flow_on_mongodb(bin: DemoBinary) {
    let Some(db) = mongodb("sign_in_flow_on_mongodb").await else {
        return;
    };
    sign_in_flow(
        bin,
        &db,
        AdapterCrate::MongoDb,
        &[("SESSION_STRATEGY", "database")],
    )
    .await;
}
