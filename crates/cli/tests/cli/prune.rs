//! `keyway prune`: expired sessions and tokens gone, live ones kept, counts
//! reported.

use chrono::{TimeDelta, Utc};
use keyway::adapter::AdapterCrate;
use keyway::{Session, SessionToken, User, VerificationToken};

use crate::common::{self, TestDb};

async fn prune_on(db: &TestDb) {
    let run = db.keyway("migrate", &[], &[]);
    assert_eq!(run.code, 0, "{run:#?}");
    let adapter = db.open().await;
    let now = Utc::now();
    let user = adapter
        .create_user(User::new(keyway::random::uuid(), "grace@example.com"))
        .await
        .expect("user");
    let session = |expires| Session {
        session_token: SessionToken::generate(),
        user_id: user.id.clone(),
        expires,
    };
    let expired = [
        session(now - TimeDelta::hours(1)),
        session(now - TimeDelta::days(40)),
    ];
    let live = session(now + TimeDelta::days(30));
    for s in expired.iter().chain([&live]) {
        adapter.create_session(s.clone()).await.expect("session");
    }
    let token = |expires| VerificationToken {
        identifier: "grace@example.com".to_owned(),
        token: keyway::random::hex(32),
        expires,
    };
    let (old_token, live_token) = (
        token(now - TimeDelta::minutes(5)),
        token(now + TimeDelta::hours(1)),
    );
    for t in [&old_token, &live_token] {
        adapter
            .create_verification_token(t.clone())
            .await
            .expect("token");
    }
    // A counter whose window ended long ago.
    adapter
        .hit(
            "cli-test:ended",
            now - TimeDelta::hours(2),
            std::time::Duration::from_secs(60),
        )
        .await
        .expect("hit");

    let run = db.keyway("prune", &["--json"], &[]);
    assert_eq!(run.code, 0, "{} {run:#?}", db.label);
    let v = run.json();
    assert_eq!(v["command"], "prune");
    assert_eq!(v["sessions"], 2, "{v}");
    assert_eq!(v["verification_tokens"], 1, "{v}");
    // At most our one counter (a hit may sweep ended counters itself).
    assert!(v["counters"].as_u64().is_some_and(|n| n <= 1), "{v}");

    for s in &expired {
        let found = adapter
            .get_session_and_user(&s.session_token)
            .await
            .expect("read");
        assert!(found.is_none(), "{}: an expired session is left", db.label);
    }
    let found = adapter
        .get_session_and_user(&live.session_token)
        .await
        .expect("read");
    assert!(found.is_some(), "{}: the live session is gone", db.label);
    assert_eq!(adapter.get_user(&user.id).await.expect("user"), Some(user));
    let used = adapter
        .use_verification_token(&old_token.identifier, &old_token.token)
        .await
        .expect("use");
    assert!(used.is_none(), "{}: the expired token is left", db.label);
    let used = adapter
        .use_verification_token(&live_token.identifier, &live_token.token)
        .await
        .expect("use");
    assert!(used.is_some(), "{}: the live token is gone", db.label);

    // Readable too, and nothing left to do.
    let run = db.keyway("prune", &[], &[]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stdout
            .contains("deleted 0 expired session(s), 0 expired verification token(s)"),
        "{run:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    prune_on(&common::sqlite()).await;
    prune_on(&common::sqlite().with(AdapterCrate::Diesel)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    for krate in [AdapterCrate::SeaOrm, AdapterCrate::Diesel] {
        if let Some(db) = common::postgres().await {
            prune_on(&db.with(krate)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb() {
    for krate in [AdapterCrate::SeaOrm, AdapterCrate::Diesel] {
        if let Some(db) = common::mysql().await {
            prune_on(&db.with(krate)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongodb() {
    if let Some(db) = common::mongodb().await {
        prune_on(&db).await;
    }
}

#[test]
fn a_database_without_tables_fails_with_code_3_and_says_to_migrate() {
    let db = common::sqlite();
    let run = db.keyway("prune", &[], &[]);
    assert_eq!(run.code, 3, "{run:#?}");
    assert!(run.stderr.contains("keyway migrate"), "{run:#?}");
}
