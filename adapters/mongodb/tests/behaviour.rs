//! What keyway-mongodb adds to the conformance suite: ids that are not
//! ObjectIds, sessions of users that never existed, connecting (the
//! database from the URL, an unreachable server, a bad URL, indexes that
//! exist already).

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use chrono::Utc;
use keyway_core::{
    Account, AccountType, Adapter, AdapterErrorKind, Session, SessionToken, SessionUpdate, User,
    UserUpdate,
};
use keyway_mongodb::testing::{TestDatabase, with_database};
use keyway_mongodb::{MongoAdapter, MongoOptions};
use keyway_testkit::support::error_text;
use mongodb::bson::doc;
use mongodb::bson::oid::ObjectId;

const NOT_AN_OBJECT_ID: &str = "4f1c0d9e-0000-4000-8000-000000000001";

#[tokio::test]
async fn ids_that_are_not_object_ids_name_nothing() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let a = db.adapter().await;
    for id in [NOT_AN_OBJECT_ID, "", "zzzzzzzzzzzzzzzzzzzzzzzz", "0123"] {
        assert_eq!(a.get_user(id).await.unwrap(), None, "get_user({id:?})");
        assert_eq!(
            a.delete_user(id).await.unwrap(),
            None,
            "delete_user({id:?})"
        );
        let mut update = UserUpdate::new(id);
        update.name = Some(Some("x".to_owned()));
        let err = a.update_user(update).await.unwrap_err();
        assert_eq!(
            err.kind(),
            AdapterErrorKind::NotFound,
            "update_user({id:?})"
        );
    }

    // A session or an account cannot point at such an id: `userId` holds
    // ObjectIds. Nothing is written.
    let err = a
        .link_account(Account::new(
            NOT_AN_OBJECT_ID,
            AccountType::Oauth,
            "github",
            "1",
        ))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), AdapterErrorKind::Other);
    assert_eq!(err.operation(), Some("link_account"));
    let session = Session {
        session_token: SessionToken::generate(),
        user_id: NOT_AN_OBJECT_ID.to_owned(),
        expires: Utc::now(),
    };
    let err = a.create_session(session).await.unwrap_err();
    assert_eq!(err.operation(), Some("create_session"));
    assert!(db.documents("accounts").await.is_empty());
    assert!(db.documents("sessions").await.is_empty());
}

#[tokio::test]
async fn a_session_of_a_user_that_never_existed_is_no_session() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let a = db.adapter().await;
    let session = Session {
        session_token: SessionToken::generate(),
        user_id: ObjectId::new().to_hex(),
        expires: Utc::now(),
    };
    a.create_session(session.clone()).await.unwrap();
    assert_eq!(
        a.get_session_and_user(&session.session_token)
            .await
            .unwrap(),
        None
    );
    // Moving a session to another user stores that user's ObjectId.
    let user = a
        .create_user(User::new("", "moved@example.com"))
        .await
        .unwrap();
    let update = SessionUpdate {
        session_token: session.session_token.clone(),
        expires: None,
        user_id: Some(user.id.clone()),
    };
    let moved = a.update_session(update).await.unwrap().unwrap();
    assert_eq!(moved.user_id, user.id);
    let (_, owner) = a
        .get_session_and_user(&session.session_token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(owner, user);
}

#[tokio::test]
async fn the_database_comes_from_the_url_then_the_default() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let quiet = || MongoOptions {
        create_indexes: false,
        ..db.options()
    };
    let a = MongoAdapter::connect(db.url(), quiet()).await.unwrap();
    assert_eq!(a.database_name(), db.name());

    let server = keyway_mongodb::testing::server_url();
    let a = MongoAdapter::connect(&with_database(&server, ""), quiet())
        .await
        .unwrap();
    assert_eq!(a.database_name(), keyway_mongodb::DEFAULT_DATABASE);
    assert_eq!(a.database_name(), "keyway");

    let named = MongoOptions {
        database: Some(db.name().to_owned()),
        ..quiet()
    };
    let a = MongoAdapter::connect(&with_database(&server, "elsewhere"), named)
        .await
        .unwrap();
    assert_eq!(a.database_name(), db.name(), "the option wins over the URL");
}

/// No server listens on port 1: connecting fails within the timeout with
/// the connection kind, naming the operation. Needs no server.
#[tokio::test]
async fn an_unreachable_server_is_a_connection_error() {
    let started = Instant::now();
    let err = MongoAdapter::connect(
        "mongodb://127.0.0.1:1/keyway?directConnection=true",
        MongoOptions {
            connect_timeout: Some(Duration::from_millis(500)),
            ..MongoOptions::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), AdapterErrorKind::Connection, "{err}");
    assert_eq!(err.operation(), Some("connect"));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the connect timeout bounds the wait"
    );
}

/// A URL the driver cannot read is a clear error that never shows the
/// password. Needs no server.
#[tokio::test]
async fn a_bad_url_is_an_error_without_its_password() {
    for url in [
        "mongodb://ada:hunter2@127.0.0.1:notaport/keyway",
        "mongodb://ada:hunter2@127.0.0.1/keyway?unknownOption=1",
    ] {
        let err = MongoAdapter::connect(url, MongoOptions::default())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), AdapterErrorKind::Other, "{url}: {err}");
        let text = error_text(&err);
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("ada:***@127.0.0.1"), "{text}");
    }
}

/// An app that already made an index on the same keys with other options
/// (Auth.js's docs leave indexes to the app) still connects; keyway keeps
/// that index.
#[tokio::test]
async fn an_existing_index_with_other_options_is_kept() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    db.database()
        .run_command(doc! {
            "createIndexes": "users",
            "indexes": [{ "key": { "email": 1 }, "name": "email_1", "unique": true }],
        })
        .await
        .unwrap();
    let a = db.adapter().await;
    a.create_user(User::new("", "kept@example.com"))
        .await
        .unwrap();
    let err = a
        .create_user(User::new("", "kept@example.com"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), AdapterErrorKind::Conflict);
    let text = error_text(&err);
    assert!(!text.contains("kept@example.com"), "{text}");
    assert!(text.contains("email_1"), "{text}");
}
