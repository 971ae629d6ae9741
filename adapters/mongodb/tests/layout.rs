//! The documents as stored: collection names, field names and BSON types
//! are those of Auth.js's MongoDB adapter, read back raw from the server;
//! documents written the way Auth.js writes them read through keyway; the
//! unique indexes exist.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use chrono::{TimeDelta, Utc};
use keyway_core::{Account, AccountType, Adapter, Session, SessionToken, User, VerificationToken};
use keyway_mongodb::CollectionNames;
use keyway_mongodb::testing::TestDatabase;
use mongodb::bson::oid::ObjectId;
use mongodb::bson::{Bson, DateTime, Document, doc};

fn keys(d: &Document) -> BTreeSet<&str> {
    d.keys().map(String::as_str).collect()
}

fn object_id(d: &Document, field: &str) -> ObjectId {
    match d.get(field) {
        Some(Bson::ObjectId(id)) => *id,
        other => panic!("`{field}` is not an ObjectId: {other:?}"),
    }
}

fn date(d: &Document, field: &str) -> DateTime {
    match d.get(field) {
        Some(Bson::DateTime(t)) => *t,
        other => panic!("`{field}` is not a date: {other:?}"),
    }
}

fn string<'a>(d: &'a Document, field: &str) -> &'a str {
    match d.get(field) {
        Some(Bson::String(s)) => s,
        other => panic!("`{field}` is not a string: {other:?}"),
    }
}

fn millis(t: chrono::DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// Writes one of everything through the adapter and reads the raw
/// documents of each collection.
#[tokio::test]
async fn documents_have_authjs_names_and_bson_types() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let adapter = db.adapter().await;
    let now = Utc::now();
    let user = adapter
        .create_user(User {
            id: "4f1c0d9e-0000-4000-8000-000000000001".to_owned(),
            name: Some("Ada".to_owned()),
            email: Some("ada@example.com".to_owned()),
            email_verified: Some(now),
            image: None,
        })
        .await
        .unwrap();
    assert_eq!(
        user.id.len(),
        24,
        "the id is an ObjectId's hex: {}",
        user.id
    );
    let mut account = Account::new(&user.id, AccountType::Oidc, "google", "1234");
    account.access_token = Some("at".to_owned());
    account.expires_at = Some(1_900_000_000);
    account.token_type = Some("bearer".to_owned());
    account.scope = Some("openid email".to_owned());
    account.id_token = Some("eyJ.x.y".to_owned());
    adapter.link_account(account).await.unwrap();
    let session = Session {
        session_token: SessionToken::generate(),
        user_id: user.id.clone(),
        expires: now + TimeDelta::days(30),
    };
    adapter.create_session(session.clone()).await.unwrap();
    let token = VerificationToken {
        identifier: "ada@example.com".to_owned(),
        token: "a".repeat(64),
        expires: now + TimeDelta::hours(24),
    };
    adapter
        .create_verification_token(token.clone())
        .await
        .unwrap();

    let count = adapter
        .hit("email:0123abcd", now, std::time::Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(count, 1);

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

    let users = db.documents("users").await;
    assert_eq!(users.len(), 1);
    let u = &users[0];
    assert_eq!(
        keys(u),
        BTreeSet::from(["_id", "name", "email", "emailVerified", "image"])
    );
    let user_oid = object_id(u, "_id");
    assert_eq!(user_oid.to_hex(), user.id);
    assert_eq!(string(u, "email"), "ada@example.com");
    assert_eq!(string(u, "name"), "Ada");
    assert_eq!(date(u, "emailVerified").timestamp_millis(), millis(now));
    assert_eq!(
        u.get("image"),
        Some(&Bson::Null),
        "unset is null, as Auth.js writes it"
    );

    let accounts = db.documents("accounts").await;
    assert_eq!(accounts.len(), 1);
    let a = &accounts[0];
    assert_eq!(
        keys(a),
        BTreeSet::from([
            "_id",
            "userId",
            "type",
            "provider",
            "providerAccountId",
            "access_token",
            "expires_at",
            "token_type",
            "scope",
            "id_token",
        ]),
        "unset tokens (refresh_token, session_state) are left out"
    );
    object_id(a, "_id");
    assert_eq!(object_id(a, "userId"), user_oid);
    assert_eq!(string(a, "type"), "oidc");
    assert_eq!(string(a, "provider"), "google");
    assert_eq!(string(a, "providerAccountId"), "1234");
    assert_eq!(string(a, "access_token"), "at");
    assert_eq!(a.get("expires_at"), Some(&Bson::Int64(1_900_000_000)));

    let sessions = db.documents("sessions").await;
    assert_eq!(sessions.len(), 1);
    let s = &sessions[0];
    assert_eq!(
        keys(s),
        BTreeSet::from(["_id", "sessionToken", "userId", "expires"])
    );
    object_id(s, "_id");
    assert_eq!(string(s, "sessionToken"), session.session_token.as_str());
    assert_eq!(object_id(s, "userId"), user_oid);
    assert_eq!(
        date(s, "expires").timestamp_millis(),
        millis(session.expires)
    );

    let tokens = db.documents("verification_tokens").await;
    assert_eq!(tokens.len(), 1);
    let t = &tokens[0];
    assert_eq!(
        keys(t),
        BTreeSet::from(["_id", "identifier", "token", "expires"])
    );
    object_id(t, "_id");
    assert_eq!(string(t, "identifier"), token.identifier);
    assert_eq!(string(t, "token"), token.token);
    assert_eq!(date(t, "expires").timestamp_millis(), millis(token.expires));

    let counters = db.documents("keyway_rate_limits").await;
    assert_eq!(counters.len(), 1);
    let c = &counters[0];
    assert_eq!(keys(c), BTreeSet::from(["_id", "count", "windowEnd"]));
    assert_eq!(string(c, "_id"), "email:0123abcd");
    assert_eq!(c.get("count"), Some(&Bson::Int64(1)));
    assert_eq!(
        date(c, "windowEnd").timestamp_millis(),
        millis(now) + 3_600_000
    );
}

/// The unique indexes exist after connecting, on the keys Auth.js's
/// documents use, and the counters expire.
#[tokio::test]
async fn unique_indexes_are_created_on_connect() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let adapter = db.adapter().await;
    for (collection, keys) in [
        ("users", doc! { "email": 1 }),
        ("accounts", doc! { "provider": 1, "providerAccountId": 1 }),
        ("sessions", doc! { "sessionToken": 1 }),
        ("verification_tokens", doc! { "identifier": 1, "token": 1 }),
    ] {
        let specs = db
            .database()
            .run_command(doc! { "listIndexes": collection })
            .await
            .unwrap();
        let specs = specs
            .get_document("cursor")
            .and_then(|c| c.get_array("firstBatch"))
            .unwrap()
            .clone();
        let found = specs.iter().filter_map(Bson::as_document).find(|s| {
            s.get_document("key").ok() == Some(&keys) && s.get_bool("unique").ok() == Some(true)
        });
        assert!(
            found.is_some(),
            "no unique index on {keys} in `{collection}`: {specs:?}"
        );
    }
    let specs = db
        .database()
        .run_command(doc! { "listIndexes": "keyway_rate_limits" })
        .await
        .unwrap();
    let ttl = specs
        .get_document("cursor")
        .and_then(|c| c.get_array("firstBatch"))
        .unwrap()
        .iter()
        .filter_map(Bson::as_document)
        .find(|s| s.get_document("key").ok() == Some(&doc! { "windowEnd": 1 }))
        .cloned()
        .expect("an index on the counters' windowEnd");
    let after = ttl.get("expireAfterSeconds").cloned();
    assert!(
        matches!(after, Some(Bson::Int32(60) | Bson::Int64(60))),
        "{ttl:?}"
    );
    // The users' email index holds only for users that have an email.
    let second = |email: Option<&str>| User {
        email: email.map(str::to_owned),
        ..User::new(ObjectId::new().to_hex(), "")
    };
    adapter.create_user(second(None)).await.unwrap();
    adapter.create_user(second(None)).await.unwrap();
}

/// Documents written as Auth.js writes them (its own `_id`s, `expires_at`
/// as a 32-bit integer, `null`s) are read by keyway: a Next.js app's users
/// and sessions are keyway's.
#[tokio::test]
async fn documents_written_by_authjs_read_through_keyway() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let adapter = db.adapter().await;
    let raw = db.database();
    let user_id = ObjectId::new();
    let expires = DateTime::from_millis(Utc::now().timestamp_millis() + 86_400_000);
    raw.collection::<Document>("users")
        .insert_one(doc! {
            "_id": user_id,
            "name": "Grace",
            "email": "grace@example.com",
            "emailVerified": Bson::Null,
            "image": "https://example.com/g.png",
        })
        .await
        .unwrap();
    raw.collection::<Document>("accounts")
        .insert_one(doc! {
            "_id": ObjectId::new(),
            "provider": "github",
            "type": "oauth",
            "providerAccountId": "99",
            "access_token": "gho_x",
            "token_type": "bearer",
            "scope": "read:user,user:email",
            "expires_at": 1_800_000_000_i32,
            "userId": user_id,
        })
        .await
        .unwrap();
    raw.collection::<Document>("sessions")
        .insert_one(doc! {
            "_id": ObjectId::new(),
            "sessionToken": "3c8e5a3c-2d1f-4a7e-9b1e-5f2a1c0d9e8f",
            "userId": user_id,
            "expires": expires,
        })
        .await
        .unwrap();

    let by_account = adapter
        .get_user_by_account("github", "99")
        .await
        .unwrap()
        .expect("the Auth.js user, by account");
    assert_eq!(by_account.id, user_id.to_hex());
    assert_eq!(by_account.email.as_deref(), Some("grace@example.com"));
    assert_eq!(by_account.email_verified, None);
    let account = adapter.get_account("github", "99").await.unwrap().unwrap();
    assert_eq!(account.expires_at, Some(1_800_000_000));
    assert_eq!(account.refresh_token, None);
    let (session, user) = adapter
        .get_session_and_user(&SessionToken::new("3c8e5a3c-2d1f-4a7e-9b1e-5f2a1c0d9e8f"))
        .await
        .unwrap()
        .expect("the Auth.js session");
    assert_eq!(session.user_id, user_id.to_hex());
    assert_eq!(
        session.expires.timestamp_millis(),
        expires.timestamp_millis()
    );
    assert_eq!(user, by_account);

    // Deleting the user through keyway removes Auth.js's rows too.
    adapter.delete_user(&user.id).await.unwrap().unwrap();
    for c in ["users", "accounts", "sessions"] {
        assert_eq!(db.documents(c).await, Vec::<Document>::new(), "{c}");
    }
}

/// Renamed collections are where everything goes.
#[tokio::test]
async fn collection_names_are_configurable() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let adapter = db
        .adapter_with(|o| o.collections = CollectionNames::with_prefix("kw_"))
        .await;
    let user = adapter
        .create_user(User::new("x", "lin@example.com"))
        .await
        .unwrap();
    adapter
        .create_session(Session {
            session_token: SessionToken::generate(),
            user_id: user.id.clone(),
            expires: Utc::now(),
        })
        .await
        .unwrap();
    assert_eq!(
        db.collection_names().await,
        [
            "kw_accounts",
            "kw_keyway_rate_limits",
            "kw_sessions",
            "kw_users",
            "kw_verification_tokens"
        ]
    );
    assert_eq!(db.documents("kw_users").await.len(), 1);
    assert_eq!(db.documents("kw_sessions").await.len(), 1);
}
