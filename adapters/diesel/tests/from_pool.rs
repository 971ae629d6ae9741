//! `DieselAdapter::from_postgres_pool` / `from_mysql_pool` /
//! `from_sqlite_pool`: keyway on the application's own diesel-async pool. The conformance suite passes on it,
//! and a user keyway makes is read back through the app's pool.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use diesel::QueryableByName;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, PoolableConnection};
use diesel_async::{AsyncMysqlConnection, AsyncPgConnection, RunQueryDsl};
use keyway_core::{Adapter, User};
use keyway_diesel::{DieselAdapter, DieselOptions};
use keyway_testkit::support::scratch;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

async fn suite_then_shared_row<C>(label: &str, adapter: DieselAdapter, pool: &Pool<C>, sql: String)
where
    C: PoolableConnection + Send + 'static,
    AsyncDieselConnectionManager<C>: deadpool::managed::Manager<Type = C>,
    diesel::query_builder::SqlQuery: diesel_async::methods::LoadQuery<'static, C, Count>,
{
    let inspector = Arc::new(adapter.inspector());
    let shared: Arc<dyn Adapter> = Arc::new(adapter.clone());
    keyway_testkit::conformance::run(shared, inspector)
        .await
        .assert_all_passed();
    let email = format!("{}@pool.example", scratch::unique_name());
    adapter
        .create_user(User::new(scratch::unique_name(), email.clone()))
        .await
        .unwrap();
    let Ok(mut conn) = pool.get().await else {
        panic!("{label}: the app's pool gave no connection");
    };
    let sql = sql.replace("{email}", &email);
    let row: Count = diesel::sql_query(sql).get_result(&mut *conn).await.unwrap();
    assert_eq!(row.n, 1, "{label}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres() {
    let Some(db) = common::postgres().await else {
        return;
    };
    let schema = db.schema.clone().unwrap();
    // The app's own pool, its connections working in the test's schema.
    let url = format!("{}?options=-c%20search_path%3D{schema}", db.url);
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url);
    let pool = Pool::builder(manager).max_size(4).build().unwrap();
    let options = DieselOptions {
        schema: Some(schema),
        ..DieselOptions::default()
    };
    let adapter = DieselAdapter::from_postgres_pool(pool.clone(), options)
        .await
        .unwrap();
    suite_then_shared_row(
        &db.label,
        adapter,
        &pool,
        "SELECT COUNT(*) AS n FROM users WHERE email = '{email}'".to_owned(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mariadb() {
    let Some(db) = common::mysql().await else {
        return;
    };
    let manager = AsyncDieselConnectionManager::<AsyncMysqlConnection>::new(db.url.clone());
    let pool = Pool::builder(manager).max_size(4).build().unwrap();
    let adapter = DieselAdapter::from_mysql_pool(pool.clone(), DieselOptions::default())
        .await
        .unwrap();
    suite_then_shared_row(
        &db.label,
        adapter,
        &pool,
        "SELECT COUNT(*) AS n FROM users WHERE email = '{email}'".to_owned(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite() {
    use diesel_async::AsyncConnection;
    use diesel_async::SimpleAsyncConnection;
    use diesel_async::pooled_connection::ManagerConfig;
    use keyway_diesel::SqliteConnection;

    let path = std::env::temp_dir().join(format!(
        "keyway-from-pool-{}.sqlite",
        scratch::unique_name()
    ));
    let url = path.display().to_string();
    let mut config = ManagerConfig::<SqliteConnection>::default();
    // keyway relies on foreign keys (deleting a user removes their
    // accounts and sessions): the app's pool sets them on.
    config.custom_setup = Box::new(|url| {
        let url = url.to_owned();
        Box::pin(async move {
            let mut c = SqliteConnection::establish(&url).await?;
            c.batch_execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;")
                .await
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(c)
        })
    });
    let manager = AsyncDieselConnectionManager::<SqliteConnection>::new_with_config(url, config);
    let pool = Pool::builder(manager).max_size(4).build().unwrap();
    let adapter = DieselAdapter::from_sqlite_pool(pool.clone(), DieselOptions::default())
        .await
        .unwrap();
    suite_then_shared_row(
        "sqlite",
        adapter,
        &pool,
        "SELECT COUNT(*) AS n FROM users WHERE email = '{email}'".to_owned(),
    )
    .await;
    drop(pool);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test]
async fn a_pool_that_cannot_connect_is_a_connection_error_without_its_url() {
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(
        "postgres://keyway:hunter2-secret@127.0.0.1:1/nowhere",
    );
    let pool = Pool::builder(manager)
        .wait_timeout(Some(std::time::Duration::from_secs(2)))
        .create_timeout(Some(std::time::Duration::from_secs(2)))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .unwrap();
    let err = DieselAdapter::from_postgres_pool(pool, DieselOptions::default())
        .await
        .map(|_| ())
        .unwrap_err();
    assert_eq!(
        err.kind(),
        keyway_core::AdapterErrorKind::Connection,
        "{err}"
    );
    let text = keyway_testkit::support::error_text(&err);
    assert!(!text.contains("hunter2"), "{text}");
}
