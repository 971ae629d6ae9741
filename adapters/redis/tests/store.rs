//! `RedisStore` against a real Redis: sessions with their expiry as the
//! key's lifetime, counters with the engine's clock, leases.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use keyway_core::{AdapterErrorKind, Session, SessionToken, SessionUpdate, Store};
use redis::AsyncCommands;
use tokio::sync::Barrier;

fn session(user: &str, expires_in: TimeDelta) -> Session {
    Session {
        session_token: SessionToken::generate(),
        user_id: user.into(),
        expires: Utc::now() + expires_in,
    }
}

#[tokio::test]
async fn sessions_live_until_they_expire_and_never_show_their_token() {
    let Some(store) = common::store().await else {
        return;
    };
    let mut raw = common::raw().await;
    let s = session("u1", TimeDelta::hours(1));
    store.create_session(&s).await.unwrap();

    let got = store.get_session(&s.session_token).await.unwrap().unwrap();
    assert_eq!(got.user_id, "u1");
    assert_eq!(
        got.expires.timestamp_millis(),
        s.expires.timestamp_millis(),
        "expiry kept to the millisecond"
    );

    // The key lives until the session expires, and no key holds the token.
    let keys: Vec<String> = raw.keys(format!("{}*", store.prefix())).await.unwrap();
    assert!(
        keys.iter().all(|k| !k.contains(s.session_token.as_str())),
        "{keys:?}"
    );
    let session_key = keys.iter().find(|k| k.contains(":s:")).unwrap();
    let ttl: i64 = raw.pttl(session_key).await.unwrap();
    assert!((3_590_000..=3_600_000).contains(&ttl), "ttl {ttl} ms");
    let value: String = raw.get(session_key).await.unwrap();
    assert!(!value.contains(s.session_token.as_str()));

    // A second session with the same token is a conflict and writes nothing.
    let mut twin = s.clone();
    twin.user_id = "u2".into();
    let e = store.create_session(&twin).await.unwrap_err();
    assert_eq!(e.kind(), AdapterErrorKind::Conflict);
    let still = store.get_session(&s.session_token).await.unwrap().unwrap();
    assert_eq!(still.user_id, "u1");

    // Moving the expiry moves the key's lifetime.
    let later = Utc::now() + TimeDelta::days(30);
    let updated = store
        .update_session(&SessionUpdate::expires(s.session_token.clone(), later))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.expires.timestamp_millis(), later.timestamp_millis());
    let ttl: i64 = raw.pttl(session_key).await.unwrap();
    assert!(ttl > 29 * 86_400_000, "ttl {ttl} ms");

    // Deleting returns it once.
    let deleted = store.delete_session(&s.session_token).await.unwrap();
    assert_eq!(deleted.map(|d| d.user_id), Some("u1".into()));
    assert_eq!(store.delete_session(&s.session_token).await.unwrap(), None);
    assert_eq!(store.get_session(&s.session_token).await.unwrap(), None);
    // Updating a deleted session does not bring it back.
    assert_eq!(
        store
            .update_session(&SessionUpdate::expires(s.session_token.clone(), later))
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.get_session(&s.session_token).await.unwrap(), None);
    store.clear().await.unwrap();
}

#[tokio::test]
async fn a_session_is_gone_when_its_lifetime_ends() {
    let Some(store) = common::store().await else {
        return;
    };
    let s = session("u1", TimeDelta::milliseconds(300));
    store.create_session(&s).await.unwrap();
    assert!(store.get_session(&s.session_token).await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(store.get_session(&s.session_token).await.unwrap(), None);
    store.clear().await.unwrap();
}

#[tokio::test]
async fn deleting_a_users_sessions_leaves_everyone_elses() {
    let Some(store) = common::store().await else {
        return;
    };
    let mine: Vec<Session> = (0..3).map(|_| session("me", TimeDelta::hours(1))).collect();
    let theirs = session("them", TimeDelta::hours(1));
    for s in mine.iter().chain([&theirs]) {
        store.create_session(s).await.unwrap();
    }
    store.delete_session(&mine[0].session_token).await.unwrap();
    assert_eq!(store.delete_user_sessions("me").await.unwrap(), 2);
    for s in &mine {
        assert_eq!(store.get_session(&s.session_token).await.unwrap(), None);
    }
    assert!(
        store
            .get_session(&theirs.session_token)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(store.delete_user_sessions("me").await.unwrap(), 0);
    store.clear().await.unwrap();
}

#[tokio::test]
async fn counters_keep_fixed_windows_on_the_engines_clock() {
    let Some(store) = common::store().await else {
        return;
    };
    let minute = Duration::from_secs(60);
    let t0 = Utc::now();
    let s = TimeDelta::seconds;
    let k = "test:window";
    let mut got = Vec::new();
    for at in [
        t0,
        t0 + s(59),
        t0 + s(60),
        t0 + s(61),
        t0 + s(119),
        t0 + s(120),
    ] {
        got.push(store.hit(k, at, minute).await.unwrap());
    }
    assert_eq!(
        got,
        [1, 2, 1, 2, 3, 1],
        "windows end at start + window, exactly"
    );
    assert_eq!(store.hit(k, t0 + s(86_400), minute).await.unwrap(), 1);
    let ms = TimeDelta::milliseconds;
    let second = Duration::from_secs(1);
    assert_eq!(store.hit("test:ms", t0, second).await.unwrap(), 1);
    assert_eq!(store.hit("test:ms", t0 + ms(999), second).await.unwrap(), 2);
    assert_eq!(
        store.hit("test:ms", t0 + ms(1000), second).await.unwrap(),
        1
    );
    // Keys are independent.
    assert_eq!(store.hit("test:other", t0, minute).await.unwrap(), 1);
    store.clear().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_hits_are_counted_exactly() {
    let Some(store) = common::store().await else {
        return;
    };
    let store = Arc::new(store);
    let now = Utc::now();
    let start = Arc::new(Barrier::new(32));
    let racers: Vec<_> = (0..32)
        .map(|_| {
            let (store, start) = (store.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                store.hit("test:race", now, Duration::from_secs(60)).await
            })
        })
        .collect();
    let mut counts: Vec<u64> = Vec::new();
    for r in racers {
        counts.push(r.await.unwrap().unwrap());
    }
    counts.sort_unstable();
    assert_eq!(counts, (1..=32).collect::<Vec<u64>>());
    store.clear().await.unwrap();
}

#[tokio::test]
async fn a_lease_has_one_holder_until_released_or_ended() {
    let Some(store) = common::store().await else {
        return;
    };
    let ttl = Duration::from_millis(500);
    let lease = store.try_lease("test:lease", ttl).await.unwrap().unwrap();
    assert!(store.try_lease("test:lease", ttl).await.unwrap().is_none());
    assert!(
        store
            .try_lease("test:another", ttl)
            .await
            .unwrap()
            .is_some()
    );

    // Only the holder can give it back.
    let impostor = keyway_core::Lease::new("test:lease", "not-the-holder");
    store.release(&impostor).await.unwrap();
    assert!(store.try_lease("test:lease", ttl).await.unwrap().is_none());
    store.release(&lease).await.unwrap();
    let second = store.try_lease("test:lease", ttl).await.unwrap().unwrap();

    // It ends by itself; the old holder's late release frees nothing.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let third = store.try_lease("test:lease", ttl).await.unwrap().unwrap();
    store.release(&second).await.unwrap();
    assert!(store.try_lease("test:lease", ttl).await.unwrap().is_none());
    store.release(&third).await.unwrap();
    store.clear().await.unwrap();
}

#[tokio::test]
async fn connecting_to_nothing_says_so_without_the_password() {
    let e = keyway_redis::RedisStore::connect("redis://:hunter2@127.0.0.1:1/0")
        .await
        .unwrap_err();
    let text = e.to_string();
    assert!(text.contains("127.0.0.1:1"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(matches!(e, keyway_redis::ConnectError::Unreachable { .. }));
    let e = keyway_redis::RedisStore::connect("http://127.0.0.1:6379")
        .await
        .unwrap_err();
    assert!(
        matches!(e, keyway_redis::ConnectError::InvalidUrl { .. }),
        "{e}"
    );
}
