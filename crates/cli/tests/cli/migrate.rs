//! `keyway migrate` on every database the facade opens: the tables are
//! missing before, and usable through the adapter after.

use keyway::User;
use keyway::adapter::{AdapterCrate, ConnectOptions, connect_with};

use crate::common::{self, TestDb, keyway};

/// Before: the adapter opened without migrating cannot read users. Then
/// `keyway migrate` (twice: the second run is an upgrade with nothing to
/// do). After: a user can be written and read back.
async fn migrate_and_use(db: &TestDb) {
    let before = db.open().await.get_user("nobody").await;
    assert!(before.is_err(), "{}: tables exist before migrate", db.label);

    for attempt in ["first", "second"] {
        let run = db.keyway("migrate", &[], &[]);
        assert_eq!(run.code, 0, "{} ({attempt} run): {run:#?}", db.label);
        assert!(run.stdout.contains(db.krate.crate_name()), "{run:#?}");
        assert!(run.stdout.contains("up to date"), "{run:#?}");
    }

    let adapter = db.open().await;
    let user = User::new(keyway::random::uuid(), "ada@example.com");
    let user = adapter.create_user(user).await.expect("create_user");
    let found = adapter.get_user(&user.id).await.expect("get_user");
    assert_eq!(found.map(|u| u.email), Some(user.email), "{}", db.label);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    migrate_and_use(&common::sqlite()).await;
    migrate_and_use(&common::sqlite().with(AdapterCrate::Diesel)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_in_its_own_schema() {
    for krate in [AdapterCrate::SeaOrm, AdapterCrate::Diesel] {
        if let Some(db) = common::postgres().await {
            migrate_and_use(&db.with(krate)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_in_its_own_database() {
    for krate in [AdapterCrate::SeaOrm, AdapterCrate::Diesel] {
        if let Some(db) = common::mysql().await {
            migrate_and_use(&db.with(krate)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongodb_in_its_own_database() {
    let Some(db) = common::mongodb().await else {
        return;
    };
    assert_eq!(db.collection_names().await, Some(Vec::new()));
    let run = db.keyway("migrate", &[], &[]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stdout.contains("keyway-mongodb"), "{run:#?}");
    assert!(run.stdout.contains("collections"), "{run:#?}");
    let names = db.collection_names().await.unwrap_or_default();
    for wanted in ["accounts", "sessions", "users", "verification_tokens"] {
        assert!(names.iter().any(|n| n == wanted), "{wanted}: {names:?}");
    }
    let adapter = db.open().await;
    let user = User::new(keyway::random::uuid(), "ada@example.com");
    let user = adapter.create_user(user).await.expect("create_user");
    let found = adapter.get_user(&user.id).await.expect("get_user");
    assert_eq!(found.map(|u| u.email), Some(user.email));
}

#[test]
fn two_adapters_on_one_scheme_need_a_choice() {
    let db = common::sqlite();
    let run = keyway(&["migrate", "--database-url", &db.url], &[]);
    assert_eq!(run.code, 2, "{run:#?}");
    for needle in ["keyway-sea-orm", "keyway-diesel", "KEYWAY_ADAPTER"] {
        assert!(run.stderr.contains(needle), "{needle}: {run:#?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn table_prefix_and_json() {
    let db = common::sqlite();
    let run = db.keyway("migrate", &["--table-prefix", "auth_", "--json"], &[]);
    assert_eq!(run.code, 0, "{run:#?}");
    let v = run.json();
    assert_eq!(v["command"], "migrate");
    assert_eq!(v["ok"], true);
    assert_eq!(v["adapter"], "sea-orm");
    assert_eq!(v["table_prefix"], "auth_");
    let options = ConnectOptions {
        migrate: false,
        table_prefix: Some("auth_".to_owned()),
        ..db.options.clone()
    };
    let adapter = connect_with(&db.url, options).await.expect("open");
    assert_eq!(adapter.get_user("nobody").await.expect("auth_users"), None);
    // Without the prefix there are no tables.
    assert!(db.open().await.get_user("nobody").await.is_err());
}

#[test]
fn the_memory_adapter_has_nothing_to_create() {
    let run = keyway(&["migrate"], &[("DATABASE_URL", "memory:")]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stdout.contains("keyway-memory"), "{run:#?}");
}

#[test]
fn the_database_url_comes_from_the_environment() {
    let db = common::sqlite();
    let run = keyway(
        &["migrate", "--json"],
        &[("DATABASE_URL", &db.url), ("KEYWAY_ADAPTER", "diesel")],
    );
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.json()["database_url"], db.url);
    assert_eq!(run.json()["adapter"], "diesel");
}

#[test]
fn no_url_or_an_unknown_scheme_is_a_usage_error() {
    let run = keyway(&["migrate"], &[]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("DATABASE_URL"), "{run:#?}");
    let run = keyway(&["migrate", "--database-url", "redis://h/0", "--json"], &[]);
    assert_eq!(run.code, 2, "{run:#?}");
    let v = run.json();
    assert_eq!(v["ok"], false);
    assert_eq!(v["error"]["code"], "Configuration");
    let run = keyway(
        &["migrate", "--adapter", "sqlx"],
        &[("DATABASE_URL", "memory:")],
    );
    assert_eq!(run.code, 2, "{run:#?}");
}

#[test]
fn an_unreachable_server_fails_with_code_3_and_no_password() {
    let run = keyway(
        &["migrate", "--connect-timeout", "2", "--json"],
        &[
            (
                "DATABASE_URL",
                "postgres://app:hunter2-db-pass@127.0.0.1:1/app",
            ),
            ("KEYWAY_ADAPTER", "sea-orm"),
        ],
    );
    assert_eq!(run.code, 3, "{run:#?}");
    assert!(!run.all().contains("hunter2-db-pass"), "{run:#?}");
    let v = run.json();
    assert_eq!(v["error"]["code"], "ADAPTER_CONNECTION_ERROR", "{v}");
}
