//! The engine with a Redis store beside its adapter: database sessions in
//! Redis, read by every engine that shares it, and what an outage does.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use keyway_core::{Adapter, Auth, SessionToken, Store, User};
use keyway_memory::MemoryAdapter;
use keyway_redis::RedisStore;
use keyway_testkit::support::{Browser, LogCapture, TcpProxy};

const ORIGIN: &str = "http://127.0.0.1:3000";
const COOKIE: &str = "authjs.session-token";

fn engine(adapter: Arc<dyn Adapter>, store: RedisStore) -> Auth {
    let provider = keyway_credentials::credentials(|input| async move {
        Ok(
            (input.get("username") == Some("alice") && input.get("password") == Some("wonderland"))
                .then(|| User::new("alice-id", "alice@example.com")),
        )
    })
    .username_password();
    Auth::builder()
        .secret("a-long-enough-test-secret-0123456789")
        .url(ORIGIN)
        .adapter(adapter)
        .store(Arc::new(store))
        .allow_credentials_with_database_sessions(true)
        .provider(provider)
        .build()
        .unwrap()
}

async fn sign_in(b: &mut Browser) {
    let csrf = b.csrf().await;
    let r = b
        .post_form(
            "/api/auth/callback/credentials",
            &[
                ("csrfToken", csrf.as_str()),
                ("username", "alice"),
                ("password", "wonderland"),
            ],
        )
        .await;
    assert_eq!(r.location(), Some(ORIGIN), "{}", r.summary());
}

async fn sign_out(b: &mut Browser) {
    let csrf = b.csrf().await;
    let r = b
        .post_form("/api/auth/signout", &[("csrfToken", csrf.as_str())])
        .await;
    assert_eq!(r.status, 302, "{}", r.summary());
}

#[tokio::test]
async fn instances_sharing_redis_share_sessions_and_the_database_keeps_none() {
    let Some(store) = common::store().await else {
        return;
    };
    let memory = MemoryAdapter::new();
    let db: Arc<dyn Adapter> = Arc::new(memory.clone());
    let (first, second) = (
        engine(db.clone(), store.clone()),
        engine(db.clone(), store.clone()),
    );

    let mut on_first = Browser::new(first);
    sign_in(&mut on_first).await;
    let token = SessionToken::new(on_first.cookie(COOKIE).unwrap());
    assert_eq!(
        on_first.session_email().await.as_deref(),
        Some("alice@example.com")
    );
    // The session is in Redis, not in the database; the user is in the
    // database.
    assert!(store.get_session(&token).await.unwrap().is_some());
    assert!(memory.get_session_and_user(&token).await.unwrap().is_none());
    let user = memory.get_user_by_email("alice@example.com").await.unwrap();
    assert_eq!(
        user.map(|u| u.id),
        store.get_session(&token).await.unwrap().map(|s| s.user_id)
    );

    // The second instance reads it, and signs it out for both.
    let mut on_second = Browser::new(second);
    on_second.jar = on_first.jar.clone();
    assert_eq!(
        on_second.session_email().await.as_deref(),
        Some("alice@example.com")
    );
    sign_out(&mut on_second).await;
    assert!(store.get_session(&token).await.unwrap().is_none());
    on_first.jar.insert(COOKIE.into(), token.as_str().into());
    assert_eq!(on_first.session_email().await, None);
    store.clear().await.unwrap();
}

#[tokio::test]
async fn deleting_a_user_ends_their_sessions_in_redis() {
    let Some(store) = common::store().await else {
        return;
    };
    let auth = engine(Arc::new(MemoryAdapter::new()), store.clone());
    let mut b = Browser::new(auth.clone());
    sign_in(&mut b).await;
    let token = SessionToken::new(b.cookie(COOKIE).unwrap());
    assert!(store.get_session(&token).await.unwrap().is_some());
    // The engine's adapter is the layered one: deleting through it reaches
    // Redis too.
    let adapter = auth.adapter().unwrap();
    let user = adapter
        .get_user_by_email("alice@example.com")
        .await
        .unwrap()
        .unwrap();
    adapter.delete_user(&user.id).await.unwrap();
    assert!(store.get_session(&token).await.unwrap().is_none());
    assert_eq!(b.session_email().await, None);
    store.clear().await.unwrap();
}

#[tokio::test]
async fn a_redis_outage_signs_nobody_out_and_lifts_no_limit() {
    let Some(direct) = common::store().await else {
        return;
    };
    let logs = LogCapture::start();
    let url = url::Url::parse(&common::redis_url()).unwrap();
    let target = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(6379));
    let proxy = TcpProxy::start(target.parse().unwrap()).await;
    let mut through = url.clone();
    through.set_port(Some(proxy.addr().port())).unwrap();
    let store = RedisStore::connect(through.as_str())
        .await
        .unwrap()
        .with_prefix(direct.prefix());
    let auth = engine(Arc::new(MemoryAdapter::new()), store.clone());
    let mut alice = Browser::new(auth.clone());
    sign_in(&mut alice).await;
    assert_eq!(
        alice.session_email().await.as_deref(),
        Some("alice@example.com")
    );
    logs.take();

    proxy.cut();
    // A read answers "no session" but keeps the cookie, logged as a
    // connection error.
    let r = alice.get("/api/auth/session").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), serde_json::Value::Null);
    assert!(alice.jar.contains_key(COOKIE), "an outage signs nobody out");
    assert!(logs.take().contains("ADAPTER_CONNECTION_ERROR"));
    // A new sign-in cannot make its session: the Configuration page.
    let mut bob = Browser::new(auth.clone());
    let csrf = bob.csrf().await;
    let r = bob
        .post_form(
            "/api/auth/callback/credentials",
            &[
                ("csrfToken", csrf.as_str()),
                ("username", "alice"),
                ("password", "wonderland"),
            ],
        )
        .await;
    assert_eq!(
        r.location(),
        Some(format!("{ORIGIN}/api/auth/error?error=Configuration").as_str())
    );
    // A counter fails rather than counting from nothing: the engine refuses
    // the limited action.
    let e = auth
        .adapter()
        .unwrap()
        .hit("test:outage", chrono::Utc::now(), Duration::from_secs(60))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), keyway_core::AdapterErrorKind::Connection);

    // Back: the same session reads again.
    proxy.restore().await;
    let mut back = false;
    for _ in 0..50 {
        if alice.session_email().await.as_deref() == Some("alice@example.com") {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(back, "the session reads again once Redis is back");
    direct.clear().await.unwrap();
}
