//! PostgreSQL's read lane: session reads on a local PostgreSQL go through
//! tokio-postgres connections with a prepared statement. They must read
//! exactly what the pool reads, see every write at once, and stop with the
//! adapter. Reads that queue while a connection is busy share one
//! execution; each must still get exactly its own row. (The connection-cut
//! test covers a lane whose connection drops: its reads then run on the
//! pool.)

mod common;

use std::sync::Arc;

use chrono::{TimeDelta, Utc};
use keyway_core::{Adapter, AdapterErrorKind, Session, SessionToken, SessionUpdate, User};
use keyway_sea_orm::testing::execute;

#[tokio::test(flavor = "multi_thread")]
async fn only_local_postgres_gets_the_lane() {
    let file = common::sqlite_file().adapter().await;
    assert!(!file.has_pg_reader(), "{file:?}");
    let Some(db) = common::postgres().await else {
        return;
    };
    let a = db.adapter().await;
    assert!(a.has_pg_reader(), "{a:?}");
    assert!(!a.clone().without_pg_reader().has_pg_reader());
}

/// Rows written by hand, with NULLs, text beyond ASCII and timestamps with
/// microseconds and offsets, read through the lane and through the pool.
#[tokio::test(flavor = "multi_thread")]
async fn the_lane_reads_what_the_pool_reads() {
    let Some(db) = common::postgres().await else {
        return;
    };
    let lane = db.adapter().await;
    assert!(lane.has_pg_reader());
    let pool = lane.clone().without_pg_reader();
    let schema = db.options.schema.clone().expect("a schema");
    let rows = [
        (
            "'Zoë 0'",
            "'zoe@example.test'",
            "'2026-11-23 16:15:26.785123+00'",
            "'https://example.test/a.png'",
            "'2030-01-01 00:00:00+00'",
        ),
        ("NULL", "NULL", "NULL", "NULL", "'2026-11-23 18:15:26.5+02'"),
        (
            "'名前'",
            "'x@example.test'",
            "'1999-12-31 23:59:59.999999-08'",
            "''",
            "'2100-06-30 12:00:00+00'",
        ),
    ];
    let mut sql = format!("SET search_path = \"{schema}\";");
    for (i, (name, email, verified, image, expires)) in rows.iter().enumerate() {
        sql.push_str(&format!(
            "INSERT INTO users (id, name, email, email_verified, image) \
             VALUES ('u{i}', {name}, {email}, {verified}, {image}); \
             INSERT INTO sessions (id, session_token, user_id, expires) \
             VALUES ('s{i}', 't{i}', 'u{i}', {expires});"
        ));
    }
    execute(&db.url, &sql).await.expect("rows");
    for i in 0..rows.len() {
        let token = SessionToken::new(format!("t{i}"));
        let answered = lane.pg_reader_answers();
        let from_lane = lane.get_session_and_user(&token).await.expect("lane");
        assert_eq!(lane.pg_reader_answers(), answered + 1, "the lane answered");
        let from_pool = pool.get_session_and_user(&token).await.expect("pool");
        assert!(from_lane.is_some(), "row {i}");
        assert_eq!(from_lane, from_pool, "row {i}");
    }
    let missing = SessionToken::new("no-such-token");
    let answered = lane.pg_reader_answers();
    assert_eq!(
        lane.get_session_and_user(&missing).await.expect("lane"),
        None
    );
    assert_eq!(lane.pg_reader_answers(), answered + 1);

    // Users by id (what a session kept in a store reads on every request)
    // go through the lane too, and read what the pool reads.
    for id in ["u0", "u1", "u2", "no-such-user"] {
        let answered = lane.pg_reader_answers();
        let from_lane = lane.get_user(id).await.expect("lane");
        assert_eq!(
            lane.pg_reader_answers(),
            answered + 1,
            "the lane answered {id}"
        );
        assert_eq!(from_lane, pool.get_user(id).await.expect("pool"), "{id}");
        assert_eq!(from_lane.is_some(), id != "no-such-user");
    }
    // A user updated through the pool reads as updated at once.
    let update = keyway_core::UserUpdate {
        name: Some(Some("Renamed".into())),
        ..keyway_core::UserUpdate::new("u1")
    };
    pool.update_user(update).await.expect("update");
    let renamed = lane.get_user("u1").await.expect("lane").expect("u1");
    assert_eq!(renamed.name.as_deref(), Some("Renamed"));
}

/// Sessions created, extended and deleted through the pool, by many tasks
/// at once, are read through the lane right after each write.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_lane_sees_each_write_at_once() {
    let Some(db) = common::postgres().await else {
        return;
    };
    let a = db.adapter().await;
    assert!(a.has_pg_reader());
    let user = a
        .create_user(User::new("lane-user", "lane@example.test"))
        .await
        .expect("user");
    let mut tasks = Vec::new();
    for t in 0..8 {
        let a = a.clone();
        let user_id = user.id.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                let token = SessionToken::new(format!("task{t}-{i}"));
                // PostgreSQL keeps microseconds.
                let expires = Utc::now().with_nanosecond_floor() + TimeDelta::days(1);
                let s = Session {
                    session_token: token.clone(),
                    user_id: user_id.clone(),
                    expires,
                };
                a.create_session(s).await.expect("create");
                let (read, u) = a
                    .get_session_and_user(&token)
                    .await
                    .expect("read")
                    .expect("found");
                assert_eq!(read.expires, expires);
                assert_eq!(u.id, user_id);

                let later = expires + TimeDelta::days(30);
                a.update_session(SessionUpdate::expires(token.clone(), later))
                    .await
                    .expect("update")
                    .expect("updated");
                let (read, _) = a
                    .get_session_and_user(&token)
                    .await
                    .expect("read")
                    .expect("found");
                assert_eq!(read.expires, later);

                a.delete_session(&token)
                    .await
                    .expect("delete")
                    .expect("deleted");
                assert_eq!(a.get_session_and_user(&token).await.expect("read"), None);
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    // Every read above (8 tasks, 10 rounds, 3 reads) was the lane's.
    assert_eq!(a.pg_reader_answers(), 8 * 10 * 3);
    // Deleting the user cascades to its sessions, and the lane sees it.
    let token = SessionToken::new("last");
    let s = Session {
        session_token: token.clone(),
        user_id: user.id.clone(),
        expires: Utc::now() + TimeDelta::days(1),
    };
    a.create_session(s).await.expect("create");
    a.delete_user(&user.id).await.expect("delete user");
    assert_eq!(a.get_session_and_user(&token).await.expect("read"), None);
}

/// Many reads at once (200 tasks, 5 reads each, on more threads than the
/// lane has connections), over 50 sessions and 10 tokens without one: each
/// gets exactly its own session and user, or none, and the lane answered
/// them all, several in one execution.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reads_each_get_their_own_row() {
    let Some(db) = common::postgres().await else {
        return;
    };
    let a = db.adapter().await;
    assert!(a.has_pg_reader());
    let expires = Utc::now().with_nanosecond_floor() + TimeDelta::days(1);
    for i in 0..50 {
        let user = a
            .create_user(User::new(format!("user-{i}"), format!("u{i}@example.test")))
            .await
            .expect("user");
        let s = Session {
            session_token: SessionToken::new(format!("tok{i}")),
            user_id: user.id,
            expires: expires + TimeDelta::seconds(i),
        };
        a.create_session(s).await.expect("session");
    }
    let answered = a.pg_reader_answers();
    let shared = a.pg_reader_shared_executions();
    let start = Arc::new(tokio::sync::Barrier::new(200));
    let mut tasks = Vec::new();
    for t in 0..200_i64 {
        let (a, start) = (a.clone(), start.clone());
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            for round in 0..5 {
                let i = (t + round * 7) % 60;
                let token = SessionToken::new(format!("tok{i}"));
                let read = a.get_session_and_user(&token).await.expect("read");
                if i < 50 {
                    let (s, u) = read.unwrap_or_else(|| panic!("tok{i} has a session"));
                    assert_eq!(s.session_token, token);
                    assert_eq!(s.expires, expires + TimeDelta::seconds(i));
                    assert_eq!(s.user_id, u.id);
                    assert_eq!(u.email, Some(format!("u{i}@example.test")));
                } else {
                    assert_eq!(read, None, "tok{i} has no session");
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    assert_eq!(
        a.pg_reader_answers(),
        answered + 200 * 5,
        "the lane answered"
    );
    assert!(
        a.pg_reader_shared_executions() > shared,
        "some reads shared an execution"
    );
}

/// Bursts of reads over a live session (one token, many waiters), an
/// expired one, a deleted one, one whose user was deleted and an unknown
/// token, read together: each waiter gets what the pool reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_batch_of_shared_expired_and_deleted_sessions() {
    let Some(db) = common::postgres().await else {
        return;
    };
    let a = db.adapter().await;
    assert!(a.has_pg_reader());
    let pool = a.clone().without_pg_reader();
    let now = Utc::now().with_nanosecond_floor();
    let user = a
        .create_user(User::new("batch-user", "batch@example.test"))
        .await
        .expect("user");
    let gone = a
        .create_user(User::new("gone-user", "gone@example.test"))
        .await
        .expect("user");
    for (token, user_id, expires) in [
        ("live", &user.id, now + TimeDelta::days(1)),
        ("expired", &user.id, now - TimeDelta::days(1)),
        ("deleted", &user.id, now + TimeDelta::days(1)),
        ("orphan", &gone.id, now + TimeDelta::days(1)),
    ] {
        let s = Session {
            session_token: SessionToken::new(token),
            user_id: user_id.clone(),
            expires,
        };
        a.create_session(s).await.expect("session");
    }
    a.delete_session(&SessionToken::new("deleted"))
        .await
        .expect("delete")
        .expect("deleted");
    a.delete_user(&gone.id).await.expect("delete user");

    let tokens = ["live", "expired", "deleted", "orphan", "unknown"];
    let mut expected = Vec::new();
    for token in tokens {
        let read = pool
            .get_session_and_user(&SessionToken::new(token))
            .await
            .expect("pool");
        expected.push(read);
    }
    assert!(expected[0].is_some() && expected[1].is_some());
    assert_eq!(expected[2..], [None, None, None]);
    let expected = Arc::new(expected);

    let answered = a.pg_reader_answers();
    let shared = a.pg_reader_shared_executions();
    // Each burst: ten waiters on "live", two on each of the others.
    let burst: Vec<usize> = [0; 10]
        .into_iter()
        .chain((1..5).flat_map(|i| [i, i]))
        .collect();
    let mut reads = 0;
    for _ in 0..20 {
        let mut tasks = Vec::new();
        for &i in &burst {
            let (a, expected) = (a.clone(), expected.clone());
            tasks.push(tokio::spawn(async move {
                let read = a
                    .get_session_and_user(&SessionToken::new(tokens[i]))
                    .await
                    .expect("read");
                assert_eq!(read, expected[i], "{}", tokens[i]);
            }));
        }
        reads += tasks.len() as u64;
        for t in tasks {
            t.await.expect("task");
        }
    }
    assert_eq!(a.pg_reader_answers(), answered + reads, "the lane answered");
    assert!(
        a.pg_reader_shared_executions() > shared,
        "some reads shared an execution"
    );
}

/// The batched read finds its sessions through the unique index on
/// `session_token` (an `Index Cond`, not a `Filter` over a scan) and their
/// users through the primary key, with two tokens and with a full batch.
/// (With 100,000 sessions: on a table of a few thousand the planner rightly
/// prefers to scan it for a batch of dozens.)
#[tokio::test(flavor = "multi_thread")]
async fn the_batched_read_uses_the_token_index() {
    let Some(db) = common::postgres().await else {
        return;
    };
    let a = db.adapter().await;
    let schema = db.options.schema.clone().expect("a schema");
    execute(
        &db.url,
        &format!(
            "SET search_path = \"{schema}\"; \
             INSERT INTO users (id, email) \
             SELECT 'u' || i, 'u' || i || '@example.test' FROM generate_series(1, 100000) i; \
             INSERT INTO sessions (id, session_token, user_id, expires) \
             SELECT 's' || i, 't' || i, 'u' || i, now() FROM generate_series(1, 100000) i; \
             ANALYZE users; ANALYZE sessions;"
        ),
    )
    .await
    .expect("rows");
    let tokens: Vec<String> = (1..=128).map(|i| format!("t{}", i * 70)).collect();
    let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
    for batch in [&tokens[..2], &tokens[..]] {
        let plan = a.pg_reader_batch_plan(batch).await.expect("the lane");
        assert!(
            plan.contains("Index Cond: ((session_token)::text = ANY"),
            "{plan}"
        );
        assert!(!plan.contains("Seq Scan"), "{plan}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_adapter_fails_session_reads_as_connection_errors() {
    let Some(db) = common::postgres().await else {
        return;
    };
    let a = db.adapter().await;
    // The lane has a connection open before the close.
    assert_eq!(
        a.get_session_and_user(&SessionToken::new("x"))
            .await
            .expect("read"),
        None
    );
    let clone = a.clone();
    a.close().await.expect("close");
    for adapter in [&a, &clone] {
        let e = adapter
            .get_session_and_user(&SessionToken::new("x"))
            .await
            .expect_err("closed");
        assert_eq!(e.kind(), AdapterErrorKind::Connection, "{e}");
        assert_eq!(e.operation(), Some("get_session_and_user"));
    }
}

/// Microseconds, as PostgreSQL stores them.
trait Micros {
    fn with_nanosecond_floor(self) -> Self;
}

impl Micros for chrono::DateTime<Utc> {
    fn with_nanosecond_floor(self) -> Self {
        use chrono::Timelike;
        let micros = self.nanosecond() / 1_000 * 1_000;
        self.with_nanosecond(micros).unwrap_or(self)
    }
}
