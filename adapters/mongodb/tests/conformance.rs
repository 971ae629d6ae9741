//! keyway-testkit's adapter conformance suite (the 32-way token race
//! included) against the MongoDB test server: with transactions, without
//! them (the ordered delete), and with renamed collections. Each run works
//! in a database of its own, dropped afterwards.

use std::sync::Arc;

use keyway_core::Adapter;
use keyway_mongodb::MongoAdapter;
use keyway_mongodb::testing::TestDatabase;

async fn run_suite(db: &TestDatabase, adapter: MongoAdapter) {
    eprintln!("conformance: {adapter:?}");
    let inspector = Arc::new(adapter.inspector());
    let adapter: Arc<dyn Adapter> = Arc::new(adapter);
    keyway_testkit::conformance::run(adapter, inspector)
        .await
        .assert_all_passed();
    // The suite wrote into the test database, under Auth.js's names (and
    // keyway's own for the counters).
    assert_eq!(
        db.collection_names().await,
        [
            "accounts",
            "keyway_rate_limits",
            "sessions",
            "users",
            "verification_tokens"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_transactions() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let adapter = db.adapter().await;
    assert!(
        adapter.uses_transactions(),
        "the test server presents itself as a replica set primary"
    );
    run_suite(&db, adapter).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_transactions() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let adapter = db.adapter_with(|o| o.transactions = false).await;
    assert!(!adapter.uses_transactions());
    run_suite(&db, adapter).await;
}
