//! `Auth::access_token` across instances: two engines (two processes' worth
//! of state: each has its own in-process refresh lock) share one database,
//! and, in the second case, one Redis. Concurrent callers on both make one
//! refresh request to the real OpenID provider, whose refresh tokens rotate
//! on every use (a second refresh with the old one fails), and all get the
//! new token.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::counting::Counting;
use common::{Browser, IdpBrowser, OAuthSteps, ORIGIN, SECRET, idp_up};
use keyway_core::{Adapter, Auth, Provider};
use keyway_memory::MemoryAdapter;
use keyway_redis::RedisStore;

fn instance(db: &MemoryAdapter, counting: &Arc<Counting>, store: Option<&RedisStore>) -> Auth {
    let mut builder = Auth::builder()
        .secret(SECRET)
        .url(ORIGIN)
        .adapter(Arc::new(db.clone()))
        .provider(Provider::OAuth(counting.clone()));
    if let Some(store) = store {
        builder = builder.store(Arc::new(store.clone()));
    }
    builder.build().unwrap()
}

/// Signs carol in on the first of two instances, expires her token, then
/// asks both instances for it at once; returns the refresh count.
async fn refreshes_across_two_instances(store: Option<&RedisStore>) {
    let counting = Counting::real("keyway-basic", "keyway-basic-secret");
    let db = MemoryAdapter::new();
    let instances = [
        instance(&db, &counting, store),
        instance(&db, &counting, store),
    ];
    let mut b = Browser::new(instances[0].clone());
    let url = b.start("oidc", "?login_hint=carol").await;
    let answer = IdpBrowser::new().authorize(&url).await;
    let r = b.finish(&answer).await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/after").as_str()));

    let mut account = db.get_account("oidc", "carol").await.unwrap().unwrap();
    let first = account.clone();
    account.expires_at = Some(account.expires_at.unwrap() - 7200);
    db.update_account(account).await.unwrap();

    let calls = (0..8).map(|i| {
        let auth = instances[i % 2].clone();
        tokio::spawn(async move { auth.access_token("oidc", "carol").await })
    });
    let tokens: Vec<String> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.unwrap().unwrap())
        .collect();
    assert_eq!(
        counting.refreshes(),
        1,
        "one refresh request for both instances"
    );
    assert!(tokens.iter().all(|t| *t == tokens[0]), "{tokens:?}");
    assert_ne!(Some(&tokens[0]), first.access_token.as_ref());
    let stored = db.get_account("oidc", "carol").await.unwrap().unwrap();
    assert_eq!(stored.access_token.as_ref(), Some(&tokens[0]));

    // The next expiry is refreshed again, once, from either instance.
    let mut account = stored;
    account.expires_at = Some(account.expires_at.unwrap() - 7200);
    db.update_account(account).await.unwrap();
    let again = instances[1].access_token("oidc", "carol").await.unwrap();
    assert_ne!(again, tokens[0]);
    assert_eq!(
        instances[0].access_token("oidc", "carol").await.unwrap(),
        again
    );
    assert_eq!(counting.refreshes(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_sharing_a_database_refresh_once() {
    if !idp_up().await {
        return;
    }
    refreshes_across_two_instances(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_sharing_redis_refresh_once() {
    if !idp_up().await {
        return;
    }
    let url = std::env::var("KEYWAY_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379/8".into());
    let store = match RedisStore::connect(&url).await {
        Ok(s) => s.with_prefix(format!("keyway-test:{}:", keyway_core::random::hex(8))),
        Err(e) => {
            assert!(
                std::env::var("KEYWAY_REQUIRE_SERVICES").as_deref() != Ok("1"),
                "no Redis at {url}: {e}"
            );
            eprintln!("skipped: no Redis at {url}");
            return;
        }
    };
    refreshes_across_two_instances(Some(&store)).await;
    store.clear().await.unwrap();
}
