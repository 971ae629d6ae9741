//! Database session tokens longer than any the engine (or Auth.js) issues
//! are refused before the adapter is asked, and session cookies in more
//! chunks than the cap are not reassembled.

mod common;

use std::sync::Arc;

use common::{Browser, SignIn, builder};
use keyway_core::cookies::MAX_CHUNKS;
use keyway_core::model::Session;
use keyway_core::{Adapter, Auth, SessionStrategy, SessionToken};
use keyway_memory::MemoryAdapter;
use keyway_testkit::support::FaultyAdapter;

const COOKIE: &str = "authjs.session-token";

fn database_auth() -> (Auth, FaultyAdapter) {
    let counting = FaultyAdapter::new(Arc::new(MemoryAdapter::new()));
    let auth = builder()
        .session_strategy(SessionStrategy::Database)
        .adapter(Arc::new(counting.clone()))
        .allow_credentials_with_database_sessions(true)
        .build()
        .expect("valid config");
    (auth, counting)
}

#[tokio::test]
async fn issued_tokens_fit_the_limit_and_are_looked_up() {
    let (auth, counting) = database_auth();
    let mut b = Browser::new(auth.clone());
    b.sign_in("wonderland").await;
    let token = b.cookie(COOKIE).expect("signed in").to_owned();
    assert!(token.len() <= SessionToken::MAX_LEN, "{token}");
    let before = counting.calls("get_session_and_user");
    assert_eq!(
        b.session_email().await.as_deref(),
        Some("alice@example.com")
    );
    assert_eq!(counting.calls("get_session_and_user"), before + 1);

    // Sessions an Auth.js app made in a shared database are read too: a
    // UUID (v5) and 64 hex digits (next-auth v4's fallback).
    let user_id = counting
        .get_session_and_user(&SessionToken::new(token))
        .await
        .expect("memory adapter")
        .expect("the session exists")
        .1
        .id;
    for authjs_token in [
        "0b7f3c4e-8a1d-4f6b-9c2e-5d8a7b6c4e3f".to_owned(),
        "f".repeat(64),
    ] {
        counting
            .create_session(Session {
                session_token: SessionToken::new(authjs_token.clone()),
                user_id: user_id.clone(),
                expires: chrono::Utc::now() + chrono::Duration::days(1),
            })
            .await
            .expect("memory adapter");
        let mut other = Browser::new(auth.clone());
        other.jar.insert(COOKIE.into(), authjs_token.clone());
        assert_eq!(
            other.session_email().await.as_deref(),
            Some("alice@example.com"),
            "{authjs_token}"
        );
    }
}

#[tokio::test]
async fn longer_tokens_never_reach_the_adapter() {
    let (auth, counting) = database_auth();
    let mut b = Browser::new(auth.clone());
    let at_limit = "a".repeat(SessionToken::MAX_LEN);
    b.jar.insert(COOKIE.into(), at_limit);
    assert_eq!(b.session_email().await, None);
    assert_eq!(
        counting.calls("get_session_and_user"),
        1,
        "at the limit: looked up"
    );

    for long in [
        "a".repeat(SessionToken::MAX_LEN + 1),
        "x".repeat(3000),
        // Chunked: the reassembled value counts.
        String::new(),
    ] {
        let mut b = Browser::new(auth.clone());
        if long.is_empty() {
            b.jar.insert(format!("{COOKIE}.0"), "b".repeat(40));
            b.jar.insert(format!("{COOKIE}.1"), "c".repeat(40));
        } else {
            b.jar.insert(COOKIE.into(), long.clone());
        }
        let r = b.get("/api/auth/session").await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body, "null");
        // The cookie names no session: it is cleared, as an unknown one.
        assert!(b.jar.keys().all(|k| !k.starts_with(COOKIE)), "{:?}", b.jar);
        // Sign-out and the extractor's path ask nothing either.
        b.jar
            .insert(COOKIE.into(), "z".repeat(SessionToken::MAX_LEN + 1));
        let csrf = b.csrf().await;
        let r = b
            .post_form("/api/auth/signout", &[("csrfToken", csrf.as_str())])
            .await;
        assert_eq!(r.status, 302);
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            http::HeaderValue::from_str(&format!("{COOKIE}={}", "q".repeat(100))).expect("header"),
        );
        assert!(auth.session(&headers).await.session.is_none());
    }
    assert_eq!(counting.calls("get_session_and_user"), 1);
    assert_eq!(counting.calls("delete_session"), 0);
}

#[tokio::test]
async fn too_many_chunks_are_no_session() {
    // A JWT session split over more chunks than the cap is not read.
    let auth = builder().build().expect("valid config");
    let mut b = Browser::new(auth.clone());
    b.sign_in("wonderland").await;
    let token = b.cookie(COOKIE).expect("signed in").to_owned();
    assert_eq!(
        b.session_email().await.as_deref(),
        Some("alice@example.com")
    );

    // The same token in MAX_CHUNKS chunks reads back.
    let split = |count: usize| {
        let mut jar = Vec::new();
        let size = token.len().div_ceil(count);
        for (i, chunk) in token.as_bytes().chunks(size).enumerate() {
            jar.push((
                format!("{COOKIE}.{i}"),
                String::from_utf8(chunk.to_vec()).expect("ASCII token"),
            ));
        }
        // Pad with empty chunks up to `count`.
        for i in jar.len()..count {
            jar.push((format!("{COOKIE}.{i}"), String::new()));
        }
        jar
    };
    for (count, signed_in) in [(MAX_CHUNKS, true), (MAX_CHUNKS + 1, false)] {
        let mut b = Browser::new(auth.clone());
        for (name, value) in split(count) {
            b.jar.insert(name, value);
        }
        let email = b.session_email().await;
        assert_eq!(email.is_some(), signed_in, "{count} chunks");
    }
}
