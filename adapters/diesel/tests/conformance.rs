//! keyway-testkit's adapter conformance suite (the 32-way token race
//! included) against every backend: SQLite (file and in-memory), PostgreSQL
//! and MariaDB, with the default table names and with the `kw_` prefix.

mod common;

use std::sync::Arc;

use common::ScratchDb;
use keyway_core::Adapter;
use keyway_diesel::DieselAdapter;
use keyway_testkit::support::scratch;

async fn run_suite(db: &ScratchDb, prefix: Option<&str>) {
    let adapter = common::diesel_with(db, |o| o.table_prefix = prefix.map(str::to_owned)).await;
    run_on(db, adapter, prefix).await;
}

async fn run_on(db: &ScratchDb, adapter: DieselAdapter, prefix: Option<&str>) {
    if let Some(p) = prefix {
        assert!(adapter.tables().users.starts_with(p));
    }
    eprintln!(
        "conformance: {} ({} {}), tables {:?}",
        db.label,
        adapter.backend(),
        adapter.server_version(),
        adapter.tables()
    );
    let inspector = Arc::new(adapter.inspector());
    let adapter: Arc<dyn Adapter> = Arc::new(adapter);
    keyway_testkit::conformance::run(adapter, inspector)
        .await
        .assert_all_passed();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_file() {
    run_suite(&scratch::sqlite_file(), None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_memory() {
    run_suite(&scratch::sqlite_memory(), None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_file_with_prefix() {
    run_suite(&scratch::sqlite_file(), Some("kw_")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres() {
    if let Some(db) = common::postgres().await {
        run_suite(&db, None).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_with_prefix() {
    if let Some(db) = common::postgres().await {
        run_suite(&db, Some("kw_")).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mysql() {
    if let Some(db) = common::mysql().await {
        run_suite(&db, None).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mysql_with_prefix() {
    if let Some(db) = common::mysql().await {
        run_suite(&db, Some("kw_")).await;
    }
}

/// MySQL's fetch-and-delete (a locking read and a DELETE in a transaction)
/// and update-then-read, exercised on the servers at hand.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn locking_fetch_and_delete_on_sqlite_file() {
    let db = scratch::sqlite_file();
    let adapter = common::diesel(&db).await.without_delete_returning();
    run_on(&db, adapter, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn locking_fetch_and_delete_on_mysql() {
    if let Some(db) = common::mysql().await {
        let adapter = common::diesel(&db).await.without_delete_returning();
        run_on(&db, adapter, None).await;
    }
}
