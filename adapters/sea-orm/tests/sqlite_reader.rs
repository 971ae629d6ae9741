//! SQLite's read lane: session reads on a SQLite file go through read-only
//! connections of their own. They must read exactly what the pool reads,
//! see every write at once, and stop with the adapter.

mod common;

use chrono::{TimeDelta, Utc};
use keyway_core::{Adapter, AdapterErrorKind, Session, SessionToken, SessionUpdate, User};
use keyway_sea_orm::testing::execute;

fn uses_lane(a: &keyway_sea_orm::SeaOrmAdapter) -> bool {
    format!("{a:?}").contains("sqlite_reader: true")
}

#[tokio::test(flavor = "multi_thread")]
async fn only_sqlite_files_get_the_lane() {
    let file = common::sqlite_file();
    let a = file.adapter().await;
    assert!(uses_lane(&a), "{a:?}");
    assert!(!uses_lane(&a.clone().without_sqlite_reader()));
    let m = common::sqlite_memory().adapter().await;
    assert!(!uses_lane(&m), "{m:?}");
}

/// Rows written by hand, with every timestamp form SQLite and sqlx know,
/// read through the lane and through the pool.
#[tokio::test(flavor = "multi_thread")]
async fn the_lane_reads_what_the_pool_reads() {
    let db = common::sqlite_file();
    let lane = db.adapter().await;
    let pool = lane.clone().without_sqlite_reader();
    let stamps = [
        "'2026-11-23T16:15:26.785123456+00:00'",
        "'2026-11-23T18:15:26+02:00'",
        "'2026-11-23 16:15:26'",
        "'2026-11-23 16:15'",
        "'2026-11-23T16:15:26.5Z'",
        "1795435200",
        "2461368.25",
        "NULL",
    ];
    let mut sql = String::new();
    for (i, t) in stamps.iter().enumerate() {
        let expires = if *t == "NULL" {
            "'2030-01-01T00:00:00+00:00'"
        } else {
            t
        };
        sql.push_str(&format!(
            "INSERT INTO users (id, name, email, email_verified, image) \
             VALUES ('u{i}', 'Zoë {i}', NULL, {t}, NULL); \
             INSERT INTO sessions (id, session_token, user_id, expires) \
             VALUES ('s{i}', 't{i}', 'u{i}', {expires});"
        ));
    }
    // A value that is no timestamp: both fail alike.
    sql.push_str(
        "INSERT INTO users (id, email) VALUES ('bad', 'bad@example.test'); \
         INSERT INTO sessions (id, session_token, user_id, expires) \
         VALUES ('sbad', 'tbad', 'bad', 'next tuesday');",
    );
    execute(&db.url, &sql).await.unwrap();

    for (i, stamp) in stamps.iter().enumerate() {
        let token = SessionToken::new(format!("t{i}"));
        let from_lane = lane.get_session_and_user(&token).await;
        let from_pool = pool.get_session_and_user(&token).await;
        match (from_lane, from_pool) {
            (Ok(l), Ok(p)) => {
                assert!(l.is_some(), "{stamp}");
                assert_eq!(l, p, "{stamp}");
            }
            // The column has TEXT affinity, so SQLite stores a number as its
            // text, which neither reads as a timestamp.
            (Err(l), Err(p)) if stamp.starts_with(|c: char| c.is_ascii_digit()) => {
                assert_eq!(l.kind(), p.kind(), "{stamp}: {l} / {p}");
            }
            (l, p) => panic!("{stamp}: lane {l:?}, pool {p:?}"),
        }
    }
    let missing = SessionToken::new("no-such-token");
    assert_eq!(lane.get_session_and_user(&missing).await.unwrap(), None);

    let bad = SessionToken::new("tbad");
    let from_lane = lane.get_session_and_user(&bad).await.unwrap_err();
    let from_pool = pool.get_session_and_user(&bad).await.unwrap_err();
    assert_eq!(from_lane.kind(), AdapterErrorKind::Other, "{from_lane}");
    assert_eq!(from_lane.kind(), from_pool.kind());
    assert_eq!(from_lane.operation(), Some("get_session_and_user"));
}

/// Sessions created, extended and deleted through the pool, by many tasks
/// at once, are read through the lane right after each write.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_lane_sees_each_write_at_once() {
    let db = common::sqlite_file();
    let a = db.adapter().await;
    assert!(uses_lane(&a));
    let user = a
        .create_user(User::new("lane-user", "lane@example.test"))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for t in 0..8 {
        let a = a.clone();
        let user_id = user.id.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..25 {
                let token = SessionToken::new(format!("task{t}-{i}"));
                let expires = Utc::now() + TimeDelta::days(1);
                let s = Session {
                    session_token: token.clone(),
                    user_id: user_id.clone(),
                    expires,
                };
                a.create_session(s).await.unwrap();
                let (read, _) = a.get_session_and_user(&token).await.unwrap().unwrap();
                assert_eq!(read.expires, expires);

                let later = expires + TimeDelta::days(30);
                let updated = a
                    .update_session(SessionUpdate::expires(token.clone(), later))
                    .await
                    .unwrap()
                    .unwrap();
                assert_eq!(updated.expires, later);
                let (read, _) = a.get_session_and_user(&token).await.unwrap().unwrap();
                assert_eq!(read.expires, later);

                a.delete_session(&token).await.unwrap().unwrap();
                assert_eq!(a.get_session_and_user(&token).await.unwrap(), None);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    // Deleting the user cascades to its sessions, and the lane sees it.
    let token = SessionToken::new("last");
    let s = Session {
        session_token: token.clone(),
        user_id: user.id.clone(),
        expires: Utc::now(),
    };
    a.create_session(s).await.unwrap();
    a.delete_user(&user.id).await.unwrap();
    assert_eq!(a.get_session_and_user(&token).await.unwrap(), None);
}

/// A session read again while nothing was written is answered from the
/// lane's memo; any write, through the adapter or by another connection,
/// to the session, its user or another table, is seen by the next read.
#[tokio::test(flavor = "multi_thread")]
async fn remembered_reads_see_every_write() {
    let db = common::sqlite_file();
    let a = db.adapter().await;
    let pool = a.clone().without_sqlite_reader();
    let user = a
        .create_user(User::new("memo-user", "memo@example.test"))
        .await
        .unwrap();
    let token = SessionToken::new("memo-token");
    let expires = Utc::now() + TimeDelta::days(1);
    a.create_session(Session {
        session_token: token.clone(),
        user_id: user.id.clone(),
        expires,
    })
    .await
    .unwrap();
    let read = |a: &keyway_sea_orm::SeaOrmAdapter| {
        let a = a.clone();
        let token = token.clone();
        async move { a.get_session_and_user(&token).await.unwrap() }
    };

    let first = read(&a).await;
    assert_eq!(first.as_ref().map(|(s, _)| s.expires), Some(expires));
    let hits = a.sqlite_reader_memo_hits();
    assert_eq!(read(&a).await, first);
    assert_eq!(read(&a).await, first);
    assert_eq!(
        a.sqlite_reader_memo_hits(),
        hits + 2,
        "unchanged: remembered"
    );

    // The user renamed by another connection.
    execute(
        &db.url,
        "UPDATE users SET name = 'Renamed' WHERE id = 'memo-user'",
    )
    .await
    .unwrap();
    let (_, u) = read(&a).await.unwrap();
    assert_eq!(u.name.as_deref(), Some("Renamed"));
    assert_eq!(read(&a).await, read(&pool).await);

    // The session extended through the adapter.
    let later = expires + TimeDelta::days(30);
    a.update_session(SessionUpdate::expires(token.clone(), later))
        .await
        .unwrap();
    assert_eq!(read(&a).await.map(|(s, _)| s.expires), Some(later));

    // A write to another table only: the next read is not remembered, and
    // reads the same row.
    let hits = a.sqlite_reader_memo_hits();
    execute(&db.url, "DELETE FROM verification_tokens")
        .await
        .unwrap();
    assert_eq!(read(&a).await.map(|(s, _)| s.expires), Some(later));
    assert_eq!(a.sqlite_reader_memo_hits(), hits);

    // The session deleted by another connection, then (re-created and
    // remembered) through the adapter.
    read(&a).await;
    execute(
        &db.url,
        "DELETE FROM sessions WHERE session_token = 'memo-token'",
    )
    .await
    .unwrap();
    assert_eq!(read(&a).await, None);
    a.create_session(Session {
        session_token: token.clone(),
        user_id: user.id.clone(),
        expires,
    })
    .await
    .unwrap();
    assert!(read(&a).await.is_some());
    assert!(read(&a).await.is_some());
    a.delete_session(&token).await.unwrap();
    assert_eq!(read(&a).await, None);
    assert_eq!(read(&pool).await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_adapter_fails_session_reads_as_connection_errors() {
    let db = common::sqlite_file();
    let a = db.adapter().await;
    let clone = a.clone();
    // A session read, remembered before the adapter closes.
    let user = a
        .create_user(User::new("closing-user", "closing@example.test"))
        .await
        .unwrap();
    let token = SessionToken::new("x");
    a.create_session(Session {
        session_token: token.clone(),
        user_id: user.id,
        expires: Utc::now() + TimeDelta::days(1),
    })
    .await
    .unwrap();
    assert!(a.get_session_and_user(&token).await.unwrap().is_some());
    assert!(a.get_session_and_user(&token).await.unwrap().is_some());
    a.close().await.unwrap();
    for adapter in [&a, &clone] {
        let e = adapter.get_session_and_user(&token).await.unwrap_err();
        assert_eq!(e.kind(), AdapterErrorKind::Connection, "{e}");
        assert_eq!(e.operation(), Some("get_session_and_user"));
    }
}
