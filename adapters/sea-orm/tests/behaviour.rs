//! What the conformance suite does not cover: migrations, error kinds per
//! backend, connection failures, option checks, SQLite foreign keys.

mod common;

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use keyway_core::{
    Account, AccountType, Adapter, AdapterErrorKind, Session, SessionToken, User, UserUpdate,
    VerificationToken,
};
use keyway_sea_orm::{Backend, SeaOrmAdapter, SeaOrmOptions, TableNames};
use keyway_testkit::support::error_text as chain;

fn user() -> User {
    let id = uuid::Uuid::new_v4().to_string();
    User::new(id.clone(), format!("{id}@example.test"))
}

#[tokio::test(flavor = "multi_thread")]
async fn running_the_migrations_again_is_harmless() {
    for db in common::all().await {
        let first = db.adapter().await;
        let u = first.create_user(user()).await.unwrap();
        // Connecting again migrates again (an in-memory database exists only
        // in its own pool); so does an explicit call, twice.
        let second = if db.url.contains(":memory:") {
            first.clone()
        } else {
            db.adapter().await
        };
        second.migrate().await.unwrap();
        second.migrate().await.unwrap();
        assert_eq!(
            second.get_user(&u.id).await.unwrap(),
            Some(u.clone()),
            "{}",
            db.label
        );
        // Two migrations at once on one database.
        let (a, b) = tokio::join!(first.migrate(), second.migrate());
        a.unwrap();
        b.unwrap();
        first.close().await.unwrap();
        second.close().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_migrations_the_tables_are_not_created() {
    let db = common::sqlite_file();
    let adapter = db.adapter_with(|o| o.migrate = false).await;
    let err = adapter.get_user("x").await.unwrap_err();
    assert_eq!(err.kind(), AdapterErrorKind::Other, "{err}");
    adapter.migrate().await.unwrap();
    assert_eq!(adapter.get_user("x").await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn unique_keys_are_conflicts_on_every_backend() {
    for db in common::all().await {
        let a = db.adapter().await;
        let label = &db.label;
        let u = a.create_user(user()).await.unwrap();

        let mut twin = user();
        twin.email = u.email.clone();
        let e = a.create_user(twin).await.unwrap_err();
        assert_eq!(e.kind(), AdapterErrorKind::Conflict, "{label}: {e}");
        assert_eq!(e.operation(), Some("create_user"));
        assert!(
            std::error::Error::source(&e).is_some(),
            "{label}: no source"
        );

        let other = a.create_user(user()).await.unwrap();
        let mut up = UserUpdate::new(other.id.clone());
        up.email = Some(u.email.clone());
        let e = a.update_user(up).await.unwrap_err();
        assert_eq!(e.kind(), AdapterErrorKind::Conflict, "{label}: {e}");

        let acc = Account::new(u.id.clone(), AccountType::Oidc, "google", u.id.clone());
        a.link_account(acc.clone()).await.unwrap();
        let again = Account {
            user_id: other.id.clone(),
            ..acc
        };
        let e = a.link_account(again).await.unwrap_err();
        assert_eq!(e.kind(), AdapterErrorKind::Conflict, "{label}: {e}");

        let s = Session {
            session_token: SessionToken::generate(),
            user_id: u.id.clone(),
            expires: Utc::now() + TimeDelta::days(1),
        };
        a.create_session(s.clone()).await.unwrap();
        let e = a.create_session(s).await.unwrap_err();
        assert_eq!(e.kind(), AdapterErrorKind::Conflict, "{label}: {e}");

        let t = VerificationToken {
            identifier: u.email.clone().unwrap(),
            token: uuid::Uuid::new_v4().simple().to_string(),
            expires: Utc::now(),
        };
        a.create_verification_token(t.clone()).await.unwrap();
        let e = a.create_verification_token(t).await.unwrap_err();
        assert_eq!(e.kind(), AdapterErrorKind::Conflict, "{label}: {e}");

        let e = a
            .update_user(UserUpdate::new("no-such-user"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), AdapterErrorKind::NotFound, "{label}: {e}");
        assert_eq!(e.operation(), Some("update_user"));
        a.close().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_is_detected() {
    for db in common::all().await {
        let a = db.adapter().await;
        let expected = if db.url.starts_with("sqlite") {
            vec![Backend::Sqlite]
        } else if db.url.starts_with("postgres") {
            vec![Backend::Postgres]
        } else {
            vec![Backend::MySql, Backend::MariaDb]
        };
        assert!(
            expected.contains(&a.backend()),
            "{}: {:?}",
            db.label,
            a.backend()
        );
        assert!(!a.server_version().is_empty());
        if a.backend() == Backend::MariaDb {
            assert!(a.server_version().to_lowercase().contains("mariadb"));
        }
        a.ping().await.unwrap();
        a.close().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_enforces_foreign_keys() {
    for db in [common::sqlite_file(), common::sqlite_memory()] {
        let a = db.adapter().await;
        let orphan = Account::new("no-such-user", AccountType::Oauth, "github", "1");
        let e = a.link_account(orphan).await.unwrap_err();
        assert_eq!(e.kind(), AdapterErrorKind::Other, "{}: {e}", db.label);
        assert!(a.get_account("github", "1").await.unwrap().is_none());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_in_memory_database_keeps_its_data_and_is_private() {
    let a = common::sqlite_memory().adapter().await;
    let b = common::sqlite_memory().adapter().await;
    let u = a.create_user(user()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(a.get_user(&u.id).await.unwrap(), Some(u.clone()));
    assert_eq!(b.get_user(&u.id).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_port_is_a_connection_error_without_the_password() {
    for url in [
        "postgres://keyway:hunter2@127.0.0.1:1/test",
        "postgresql://keyway:hunter2@127.0.0.1:1/test",
        "mysql://keyway:hunter2@127.0.0.1:1/test",
        "mariadb://keyway:hunter2@127.0.0.1:1/test",
    ] {
        let options = SeaOrmOptions {
            connect_timeout: Some(Duration::from_secs(2)),
            ..SeaOrmOptions::default()
        };
        let e = SeaOrmAdapter::connect(url, options).await.unwrap_err();
        assert_eq!(e.kind(), AdapterErrorKind::Connection, "{url}: {e}");
        assert_eq!(e.operation(), Some("connect"));
        let text = chain(&e);
        assert!(!text.contains("hunter2"), "{url}: password shown: {text}");
        assert!(text.contains("keyway:***@127.0.0.1:1"), "{url}: {text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_pool_is_a_connection_error() {
    let db = common::sqlite_file();
    let a = db.adapter().await;
    a.close().await.unwrap();
    let e = a.get_user("x").await.unwrap_err();
    assert_eq!(e.kind(), AdapterErrorKind::Connection, "{e}");
    assert_eq!(e.operation(), Some("get_user"));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_urls_and_names_are_refused_before_connecting() {
    let e = SeaOrmAdapter::connect("redis://:hunter2@localhost", SeaOrmOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), AdapterErrorKind::Other);
    assert!(!chain(&e).contains("hunter2"), "{e}");

    let options = SeaOrmOptions {
        tables: TableNames {
            users: "users; DROP TABLE x".to_owned(),
            ..TableNames::default()
        },
        ..SeaOrmOptions::default()
    };
    let e = SeaOrmAdapter::connect("sqlite::memory:", options)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("table name"), "{e}");

    let options = SeaOrmOptions {
        schema: Some("a\"b".to_owned()),
        ..SeaOrmOptions::default()
    };
    let e = SeaOrmAdapter::connect("postgres://u:hunter2@127.0.0.1:1/x", options)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("schema name"), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn custom_table_names_are_used() {
    for db in common::all().await {
        let a = db
            .adapter_with(|o| {
                o.table_prefix = Some("app_".to_owned());
                o.tables = TableNames {
                    users: "people".to_owned(),
                    accounts: "logins".to_owned(),
                    sessions: "visits".to_owned(),
                    verification_tokens: "magic_links".to_owned(),
                    rate_limits: "limits".to_owned(),
                    migrations: "auth_schema".to_owned(),
                };
            })
            .await;
        assert_eq!(a.tables().users, "app_people");
        let u = a.create_user(user()).await.unwrap();
        let inspector = a.inspector();
        use keyway_testkit::conformance::Inspector;
        assert_eq!(inspector.user(&u.id).await, Some(u.clone()), "{}", db.label);
        // The default names were not created.
        let plain = db.adapter_with(|o| o.migrate = false).await;
        let e = plain.get_user(&u.id).await.unwrap_err();
        assert_eq!(e.kind(), AdapterErrorKind::Other, "{}: {e}", db.label);
        a.close().await.unwrap();
        plain.close().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_migrations_create_a_missing_schema() {
    use sea_orm::{ConnectionTrait, Database};
    let Some(db) = common::postgres().await else {
        return;
    };
    let schema = format!("{}_new", db.options.schema.clone().unwrap());
    let a = db.adapter_with(|o| o.schema = Some(schema.clone())).await;
    let u = a.create_user(user()).await.unwrap();
    assert_eq!(a.get_user(&u.id).await.unwrap(), Some(u));
    a.close().await.unwrap();
    let admin = Database::connect(db.url.as_str()).await.unwrap();
    let found = admin
        .query_one_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            format!("SELECT to_regclass('\"{schema}\".users') IS NOT NULL AS found"),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<bool>("", "found")
        .unwrap();
    admin
        .execute_unprepared(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .await
        .unwrap();
    assert!(found, "users was not created in {schema}");
}
