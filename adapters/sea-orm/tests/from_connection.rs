//! `SeaOrmAdapter::from_connection`: keyway on the application's own SeaORM
//! pool. The conformance suite passes on it, and the app's queries and
//! keyway's go through the same pool and see each other's rows.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use keyway_core::{Adapter, User};
use keyway_sea_orm::{SeaOrmAdapter, SeaOrmOptions};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement};

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_string(backend, sql.to_owned()))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .unwrap_or_else(|| panic!("{sql}: no row"));
    row.try_get_by_index::<i64>(0)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The suite on an adapter made from `db`, then a user made through keyway
/// read back through the app's own connection.
async fn shares_the_pool(label: &str, db: DatabaseConnection, options: SeaOrmOptions) {
    let adapter = SeaOrmAdapter::from_connection(db.clone(), options)
        .await
        .unwrap_or_else(|e| panic!("{label}: {e}"));
    let inspector = Arc::new(adapter.inspector());
    let shared: Arc<dyn Adapter> = Arc::new(adapter.clone());
    keyway_testkit::conformance::run(shared, inspector)
        .await
        .assert_all_passed();
    let email = format!("{}@pool.example", common::unique_name());
    adapter
        .create_user(User::new(common::unique_name(), email.clone()))
        .await
        .unwrap();
    let sql = format!("SELECT COUNT(*) FROM users WHERE email = '{email}'");
    assert_eq!(count(&db, &sql).await, 1, "{label}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres() {
    let Some(test) = common::postgres().await else {
        return;
    };
    let schema = test.options.schema.clone().expect("a schema");
    // The app's pool, working in the test's schema as an app's would in its own.
    let mut options = ConnectOptions::new(test.url.clone());
    options.set_schema_search_path(schema).sqlx_logging(false);
    let db = Database::connect(options).await.unwrap();
    shares_the_pool(&test.label, db, test.options.clone()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_memory_is_one_database_only_through_the_same_pool() {
    // Every connection to `:memory:` is a database of its own: keyway's
    // tables are in the app's database only if keyway uses the app's pool.
    let mut options = ConnectOptions::new("sqlite::memory:");
    options
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None::<std::time::Duration>)
        .max_lifetime(None::<std::time::Duration>)
        .sqlx_logging(false);
    let db = Database::connect(options).await.unwrap();
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_string(
        backend,
        "CREATE TABLE app_notes (id INTEGER PRIMARY KEY)".to_owned(),
    ))
    .await
    .unwrap();
    shares_the_pool("sqlite memory", db.clone(), SeaOrmOptions::default()).await;
    // The app's own table is still there, beside keyway's.
    assert_eq!(count(&db, "SELECT COUNT(*) FROM app_notes").await, 0);
}

#[tokio::test]
async fn a_bad_schema_name_is_refused_before_anything_runs() {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    let err = SeaOrmAdapter::from_connection(
        db,
        SeaOrmOptions {
            schema: Some("bad\"name".to_owned()),
            ..SeaOrmOptions::default()
        },
    )
    .await
    .map(|_| ())
    .unwrap_err();
    assert!(err.to_string().contains("schema"), "{err}");
}
