//! `keyway::adapter::connect` on the MongoDB test server (feature
//! `mongodb`): the database is the URL's path, and the facade's options
//! reach keyway-mongodb. Each test works in a database of its own, dropped
//! afterwards; without the server the tests are skipped with a notice,
//! unless `KEYWAY_REQUIRE_SERVICES=1`.

#![cfg(feature = "mongodb")]
#![allow(clippy::unwrap_used)]

use keyway::adapter::{self, ConnectOptions};
use keyway::{SessionToken, User};
use keyway_mongodb::testing::TestDatabase;
use mongodb::bson::Bson;

#[tokio::test]
async fn a_mongodb_url_opens_its_database() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let a = adapter::connect(db.url()).await.unwrap();
    let user = a
        .create_user(User::new("u1", "u1@example.test"))
        .await
        .unwrap();
    assert_eq!(a.get_user(&user.id).await.unwrap(), Some(user.clone()));
    let users = db.documents("users").await;
    assert_eq!(users.len(), 1, "the user is in the URL's database");
    assert_eq!(
        users[0]
            .get("_id")
            .and_then(Bson::as_object_id)
            .map(|id| id.to_hex()),
        Some(user.id)
    );
    assert_eq!(
        a.get_session_and_user(&SessionToken::new("none"))
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn the_table_prefix_prefixes_the_collections() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let options = ConnectOptions {
        table_prefix: Some("kw_".to_owned()),
        connect_timeout: Some(keyway_mongodb::testing::TIMEOUT),
        ..ConnectOptions::default()
    };
    let a = adapter::connect_with(db.url(), options).await.unwrap();
    a.create_user(User::new("u1", "u1@example.test"))
        .await
        .unwrap();
    let names = db.collection_names().await;
    assert!(names.contains(&"kw_users".to_owned()), "{names:?}");
    assert!(!names.contains(&"users".to_owned()), "{names:?}");
}
