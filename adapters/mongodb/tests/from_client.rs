//! `MongoAdapter::from_client`: keyway on the application's own MongoDB
//! client. The conformance suite passes on it, and a user keyway makes is
//! read back through the app's client.

use std::sync::Arc;

use keyway_core::{Adapter, User};
use keyway_mongodb::MongoAdapter;
use keyway_mongodb::testing::TestDatabase;
use mongodb::bson::doc;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_apps_client_serves_keyway() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    // The app's client, made by the app from its own settings.
    let client = mongodb::Client::with_uri_str(db.url())
        .await
        .expect("the app's client");
    let adapter = MongoAdapter::from_client(client.clone(), db.name(), db.options())
        .await
        .expect("adapter on the app's client");
    assert_eq!(adapter.database_name(), db.name());
    let inspector = Arc::new(adapter.inspector());
    let shared: Arc<dyn Adapter> = Arc::new(adapter.clone());
    keyway_testkit::conformance::run(shared, inspector)
        .await
        .assert_all_passed();
    let email = format!("{}@pool.example", keyway_core::random::hex(6));
    adapter
        .create_user(User::new(keyway_core::random::hex(8), email.clone()))
        .await
        .expect("create_user");
    let n = client
        .database(db.name())
        .collection::<mongodb::bson::Document>("users")
        .count_documents(doc! { "email": &email })
        .await
        .expect("count through the app's client");
    assert_eq!(n, 1);
}
