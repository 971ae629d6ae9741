//! keyway-diesel and keyway-sea-orm on the same tables: what one crate
//! writes (a user, an account, a session, a verification token) the other
//! reads, updates and uses (and a rate-limit counter both hit), in both
//! directions, on SQLite, PostgreSQL and
//! MariaDB, with the default names and with a table prefix. Whichever crate
//! migrates first, the other finds the schema up to date.

mod common;

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use common::ScratchDb;
use keyway_core::{
    Account, AccountType, Adapter, AdapterErrorKind, Session, SessionToken, SessionUpdate, User,
    UserUpdate, VerificationToken,
};

/// A timestamp both crates store exactly (microseconds: MySQL's
/// `datetime(6)`).
fn at(offset_hours: i64) -> DateTime<Utc> {
    let t = Utc::now() + TimeDelta::hours(offset_hours);
    DateTime::from_timestamp_micros(t.timestamp_micros()).expect("time")
}

/// Writes through `writer`, then reads, updates and uses through `reader`;
/// then checks `writer` sees the reader's changes.
async fn swap(label: &str, writer: Arc<dyn Adapter>, reader: Arc<dyn Adapter>) {
    let id = keyway_core::random::uuid();
    let mut user = User::new(id.clone(), format!("{id}@example.test"));
    user.name = Some("Zoë ✓".to_owned());
    user.email_verified = Some(at(-1));
    let user = writer.create_user(user).await.expect("create_user");

    let mut account = Account::new(&id, AccountType::Oidc, "oidc", format!("sub-{id}"));
    account.access_token = Some("at".to_owned());
    account.expires_at = Some(1_900_000_000);
    account.scope = Some(String::new());
    let account = writer.link_account(account).await.expect("link_account");

    let session = Session {
        session_token: SessionToken::new(format!("st-{id}")),
        user_id: id.clone(),
        expires: at(24),
    };
    let session = writer
        .create_session(session)
        .await
        .expect("create_session");

    let token = VerificationToken {
        identifier: user.email.clone().expect("email"),
        token: format!("hash-{id}"),
        expires: at(1),
    };
    writer
        .create_verification_token(token.clone())
        .await
        .expect("create_verification_token");

    // Read everything back through the other crate.
    assert_eq!(
        reader.get_user(&id).await.unwrap(),
        Some(user.clone()),
        "{label}"
    );
    assert_eq!(
        reader
            .get_user_by_email(user.email.as_deref().unwrap())
            .await
            .unwrap(),
        Some(user.clone()),
        "{label}"
    );
    assert_eq!(
        reader
            .get_user_by_account("oidc", &account.provider_account_id)
            .await
            .unwrap(),
        Some(user.clone()),
        "{label}"
    );
    assert_eq!(
        reader
            .get_account("oidc", &account.provider_account_id)
            .await
            .unwrap(),
        Some(account.clone()),
        "{label}"
    );
    assert_eq!(
        reader
            .get_session_and_user(&session.session_token)
            .await
            .unwrap(),
        Some((session.clone(), user.clone())),
        "{label}"
    );

    // The unique keys are the same keys.
    let dup = reader
        .create_user(User::new(
            keyway_core::random::uuid(),
            user.email.clone().unwrap(),
        ))
        .await
        .unwrap_err();
    assert_eq!(dup.kind(), AdapterErrorKind::Conflict, "{label}: {dup}");

    // Update through the other crate; the writer sees it.
    let mut update = UserUpdate::new(&id);
    update.name = Some(None);
    update.image = Some(Some("https://example.test/z.png".to_owned()));
    let updated = reader.update_user(update).await.expect("update_user");
    assert_eq!(
        writer.get_user(&id).await.unwrap(),
        Some(updated),
        "{label}"
    );

    let later = at(48);
    let moved = reader
        .update_session(SessionUpdate::expires(session.session_token.clone(), later))
        .await
        .unwrap()
        .expect("session");
    assert_eq!(moved.expires, later, "{label}");
    let (seen, _) = writer
        .get_session_and_user(&session.session_token)
        .await
        .unwrap()
        .expect("session");
    assert_eq!(seen.expires, later, "{label}");

    let mut refreshed = account.clone();
    refreshed.access_token = Some("at-2".to_owned());
    refreshed.expires_at = None;
    let stored = reader.update_account(refreshed.clone()).await.unwrap();
    assert_eq!(stored, Some(refreshed.clone()), "{label}");
    assert_eq!(
        writer
            .get_account("oidc", &account.provider_account_id)
            .await
            .unwrap(),
        Some(refreshed),
        "{label}"
    );

    // Use the token through the other crate: once.
    assert_eq!(
        reader
            .use_verification_token(&token.identifier, &token.token)
            .await
            .unwrap(),
        Some(token.clone()),
        "{label}"
    );
    assert_eq!(
        writer
            .use_verification_token(&token.identifier, &token.token)
            .await
            .unwrap(),
        None,
        "{label}"
    );

    // One rate-limit counter, hit through both crates.
    let key = format!("cross:{id}");
    let window = std::time::Duration::from_secs(60);
    assert_eq!(writer.hit(&key, at(0), window).await.unwrap(), 1, "{label}");
    assert_eq!(reader.hit(&key, at(0), window).await.unwrap(), 2, "{label}");
    assert_eq!(writer.hit(&key, at(0), window).await.unwrap(), 3, "{label}");

    // Deleting through the other crate takes the writer's rows with it.
    assert!(reader.delete_user(&id).await.unwrap().is_some(), "{label}");
    assert_eq!(writer.get_user(&id).await.unwrap(), None, "{label}");
    assert_eq!(
        writer
            .get_session_and_user(&session.session_token)
            .await
            .unwrap(),
        None,
        "{label}"
    );
    assert_eq!(
        writer
            .get_account("oidc", &account.provider_account_id)
            .await
            .unwrap(),
        None,
        "{label}"
    );
}

/// Both directions on `db`: keyway-sea-orm migrates first and writes, then
/// keyway-diesel writes what keyway-sea-orm reads.
async fn both_ways(db: &ScratchDb, prefix: Option<&str>) {
    let sea = common::sea_orm(db, prefix).await;
    let diesel = common::diesel_with(db, |o| o.table_prefix = prefix.map(str::to_owned)).await;
    assert_eq!(sea.tables().users, diesel.tables().users);
    let (sea, diesel): (Arc<dyn Adapter>, Arc<dyn Adapter>) = (Arc::new(sea), Arc::new(diesel));
    swap(
        &format!("{}: sea-orm → diesel", db.label),
        sea.clone(),
        diesel.clone(),
    )
    .await;
    swap(&format!("{}: diesel → sea-orm", db.label), diesel, sea).await;
}

/// keyway-diesel migrates a fresh database; keyway-sea-orm opens it with
/// its own migrations on and finds nothing to do, and the reverse.
async fn diesel_first(db: &ScratchDb) {
    let diesel: Arc<dyn Adapter> = Arc::new(common::diesel(db).await);
    let sea: Arc<dyn Adapter> = Arc::new(common::sea_orm(db, None).await);
    swap(&format!("{}: diesel first", db.label), diesel, sea).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    both_ways(&common::scratch::sqlite_file(), None).await;
    both_ways(&common::scratch::sqlite_file(), Some("kw_")).await;
    diesel_first(&common::scratch::sqlite_file()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    if let Some(db) = common::postgres().await {
        both_ways(&db, None).await;
    }
    if let Some(db) = common::postgres().await {
        both_ways(&db, Some("kw_")).await;
    }
    if let Some(db) = common::postgres().await {
        diesel_first(&db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb() {
    if let Some(db) = common::mysql().await {
        both_ways(&db, None).await;
    }
    if let Some(db) = common::mysql().await {
        both_ways(&db, Some("kw_")).await;
    }
    if let Some(db) = common::mysql().await {
        diesel_first(&db).await;
    }
}
