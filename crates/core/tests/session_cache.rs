//! The session cookie cache of database sessions
//! (`AuthBuilder::session_cache`): reads within its time touch no adapter,
//! sign-out clears it, a revoked session reads as valid for at most that
//! time, and a cache that is not genuine, or not this session's, is ignored.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use keyway_core::{Adapter, Auth, SessionToken, User};
use keyway_memory::MemoryAdapter;
use keyway_testkit::support::{Browser, FaultyAdapter, is_removal};

const ORIGIN: &str = "http://127.0.0.1:3000";
const SESSION: &str = "authjs.session-token";
const CACHE: &str = "authjs.session-cache";

fn engine(adapter: &FaultyAdapter, cache_secs: Option<u32>) -> Auth {
    let provider = keyway_credentials::credentials(|input| async move {
        let name = input.get("username").unwrap_or_default().to_owned();
        Ok((input.get("password") == Some("pw"))
            .then(|| User::new(name.clone(), format!("{name}@example.com"))))
    })
    .username_password();
    let mut builder = Auth::builder()
        .secret("a-long-enough-test-secret-0123456789")
        .url(ORIGIN)
        .adapter(Arc::new(adapter.clone()))
        .allow_credentials_with_database_sessions(true)
        .provider(provider);
    if let Some(secs) = cache_secs {
        builder = builder.session_cache(secs);
    }
    builder.build().unwrap()
}

async fn signed_in(auth: &Auth, who: &str) -> Browser {
    let mut b = Browser::new(auth.clone());
    let csrf = b.csrf().await;
    let r = b
        .post_form(
            "/api/auth/callback/credentials",
            &[
                ("csrfToken", csrf.as_str()),
                ("username", who),
                ("password", "pw"),
            ],
        )
        .await;
    assert_eq!(r.location(), Some(ORIGIN), "{}", r.summary());
    b
}

fn reads(adapter: &FaultyAdapter) -> usize {
    adapter.calls("get_session_and_user")
}

#[tokio::test]
async fn off_by_default_every_read_asks_the_adapter() {
    let adapter = FaultyAdapter::new(Arc::new(MemoryAdapter::new()));
    let auth = engine(&adapter, None);
    let mut b = signed_in(&auth, "ada").await;
    for n in 1..=3 {
        let r = b.get("/api/auth/session").await;
        assert_eq!(r.json()["user"]["email"], "ada@example.com");
        assert!(r.set_cookie(CACHE).is_none());
        assert_eq!(reads(&adapter), n);
    }
}

#[tokio::test]
async fn cached_reads_touch_no_adapter_and_answer_the_same() {
    let adapter = FaultyAdapter::new(Arc::new(MemoryAdapter::new()));
    let auth = engine(&adapter, Some(60));
    let mut b = signed_in(&auth, "ada").await;
    let first = b.get("/api/auth/session").await;
    assert_eq!(reads(&adapter), 1);
    let cookie = first.set_cookie(CACHE).expect("the read is cached");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Max-Age=60"),
        "{cookie}"
    );
    for _ in 0..5 {
        let again = b.get("/api/auth/session").await;
        assert_eq!(again.json(), first.json());
    }
    assert_eq!(reads(&adapter), 1, "later reads came from the cookie");
    // `Auth::session` (what extractors use) reads the cache as well.
    let headers = cookie_header(&b);
    let session = auth.session(&headers).await.session.expect("signed in");
    assert_eq!(session.user.email.as_deref(), Some("ada@example.com"));
    assert_eq!(reads(&adapter), 1);
}

fn cookie_header(b: &Browser) -> http::HeaderMap {
    let value = b
        .jar
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let mut headers = http::HeaderMap::new();
    headers.insert(http::header::COOKIE, value.parse().unwrap());
    headers
}

#[tokio::test]
async fn sign_out_clears_the_cache_and_the_session() {
    let adapter = FaultyAdapter::new(Arc::new(MemoryAdapter::new()));
    let auth = engine(&adapter, Some(60));
    let mut b = signed_in(&auth, "ada").await;
    b.get("/api/auth/session").await;
    assert!(b.jar.contains_key(CACHE));
    let csrf = b.csrf().await;
    let r = b
        .post_form("/api/auth/signout", &[("csrfToken", csrf.as_str())])
        .await;
    let removal = r.set_cookie(CACHE).expect("the cache cookie is removed");
    assert!(is_removal(&removal), "{removal}");
    assert!(!b.jar.contains_key(CACHE));
    assert_eq!(b.session_email().await, None);
}

#[tokio::test]
async fn a_session_revoked_elsewhere_reads_valid_until_the_cache_ends() {
    let memory = MemoryAdapter::new();
    let adapter = FaultyAdapter::new(Arc::new(memory.clone()));
    let auth = engine(&adapter, Some(1));
    let mut b = signed_in(&auth, "ada").await;
    assert_eq!(b.session_email().await.as_deref(), Some("ada@example.com"));
    // Signed out on another device: the row is gone.
    let token = SessionToken::new(b.cookie(SESSION).unwrap());
    memory.delete_session(&token).await.unwrap();
    assert_eq!(
        b.session_email().await.as_deref(),
        Some("ada@example.com"),
        "within the cache's time, the cached read holds"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        b.session_email().await,
        None,
        "after it, the session is gone"
    );
}

#[tokio::test]
async fn a_forged_or_borrowed_cache_is_ignored() {
    let adapter = FaultyAdapter::new(Arc::new(MemoryAdapter::new()));
    let auth = engine(&adapter, Some(60));
    let mut ada = signed_in(&auth, "ada").await;
    ada.get("/api/auth/session").await;
    let ada_cache = ada.cookie(CACHE).unwrap().to_owned();

    // Bob presents Ada's cache beside his own session: he stays Bob.
    let mut bob = signed_in(&auth, "bob").await;
    bob.jar.insert(CACHE.into(), ada_cache.clone());
    let before = reads(&adapter);
    assert_eq!(
        bob.session_email().await.as_deref(),
        Some("bob@example.com")
    );
    assert_eq!(
        reads(&adapter),
        before + 1,
        "the borrowed cache was not used"
    );

    // A cache whose payload was changed is not genuine.
    let (payload, signature) = ada_cache.split_once('.').unwrap();
    let mut forged = payload.to_owned();
    forged.replace_range(0..1, if payload.starts_with('e') { "f" } else { "e" });
    ada.jar
        .insert(CACHE.into(), format!("{forged}.{signature}"));
    let before = reads(&adapter);
    assert_eq!(
        ada.session_email().await.as_deref(),
        Some("ada@example.com")
    );
    assert_eq!(reads(&adapter), before + 1, "the forged cache was not used");

    // Another secret's cache is not genuine either.
    let other = Auth::builder()
        .secret("another-long-enough-test-secret-0123456789")
        .url(ORIGIN)
        .adapter(Arc::new(adapter.clone()))
        .session_cache(60)
        .build()
        .unwrap();
    let mut elsewhere = Browser::new(other);
    elsewhere.jar = ada.jar.clone();
    elsewhere.jar.insert(CACHE.into(), ada_cache);
    let before = reads(&adapter);
    elsewhere.get("/api/auth/session").await;
    assert_eq!(reads(&adapter), before + 1);
}

#[tokio::test]
async fn an_update_reads_through_the_cache() {
    let adapter = FaultyAdapter::new(Arc::new(MemoryAdapter::new()));
    let auth = engine(&adapter, Some(60));
    let mut b = signed_in(&auth, "ada").await;
    b.get("/api/auth/session").await;
    let before = reads(&adapter);
    let r = b.update_session(serde_json::json!({"x": 1})).await;
    assert_eq!(r.status, 200);
    assert_eq!(reads(&adapter), before + 1);
}
