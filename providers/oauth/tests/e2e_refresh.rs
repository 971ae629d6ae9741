//! `Auth::access_token` against the real OpenID provider's refresh_token
//! grant (refresh tokens rotate on every use there, so a second use of one
//! would fail): one refresh per account under concurrent callers, and the
//! rotated tokens saved.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::counting::Counting;
use common::{Browser, IdpBrowser, OAuthSteps, ORIGIN, SECRET, idp_up};
use keyway_core::access_token::AccessTokenError;
use keyway_core::{Adapter, Auth, LogCode, Provider};
use keyway_memory::MemoryAdapter;

async fn signed_in(counting: Arc<Counting>) -> (Auth, MemoryAdapter) {
    let mem = MemoryAdapter::new();
    let auth = Auth::builder()
        .secret(SECRET)
        .url(ORIGIN)
        .adapter(Arc::new(mem.clone()))
        .provider(Provider::OAuth(counting))
        .build()
        .unwrap();
    let mut b = Browser::new(auth.clone());
    let url = b.start("oidc", "?login_hint=carol").await;
    let answer = IdpBrowser::new().authorize(&url).await;
    let r = b.finish(&answer).await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/after").as_str()));
    (auth, mem)
}

async fn expire(mem: &MemoryAdapter) {
    let mut account = mem.get_account("oidc", "carol").await.unwrap().unwrap();
    account.expires_at = Some(account.expires_at.unwrap() - 7200);
    mem.update_account(account).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_refreshed_once_for_concurrent_callers() {
    if !idp_up().await {
        return;
    }
    let counting = Counting::real("keyway-basic", "keyway-basic-secret");
    let (auth, mem) = signed_in(counting.clone()).await;
    let first = mem.get_account("oidc", "carol").await.unwrap().unwrap();

    // Still valid: no refresh.
    let token = auth.access_token("oidc", "carol").await.unwrap();
    assert_eq!(Some(token), first.access_token);
    assert_eq!(counting.refreshes(), 0);

    expire(&mem).await;
    let calls = (0..8).map(|_| {
        let auth = auth.clone();
        tokio::spawn(async move { auth.access_token("oidc", "carol").await })
    });
    let tokens: Vec<String> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.unwrap().unwrap())
        .collect();
    assert_eq!(counting.refreshes(), 1, "one refresh");
    assert!(
        tokens.iter().all(|t| *t == tokens[0]),
        "everyone got the same token"
    );
    assert_ne!(Some(&tokens[0]), first.access_token.as_ref());

    let stored = mem.get_account("oidc", "carol").await.unwrap().unwrap();
    assert_eq!(stored.access_token.as_ref(), Some(&tokens[0]));
    assert_ne!(
        stored.refresh_token, first.refresh_token,
        "rotated and saved"
    );
    assert!(stored.expires_at.unwrap() > first.expires_at.unwrap() - 60);

    // The saved (rotated) refresh token works for the next refresh.
    expire(&mem).await;
    let again = auth.access_token("oidc", "carol").await.unwrap();
    assert_ne!(again, tokens[0]);
    assert_eq!(counting.refreshes(), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn a_refused_refresh_is_reported() {
    if !idp_up().await {
        return;
    }
    let counting = Counting::real("keyway-basic", "keyway-basic-secret");
    let (auth, mem) = signed_in(counting).await;
    let mut account = mem.get_account("oidc", "carol").await.unwrap().unwrap();
    account.expires_at = Some(0);
    account.refresh_token = Some("not-a-refresh-token".into());
    mem.update_account(account).await.unwrap();
    match auth.access_token("oidc", "carol").await {
        Err(AccessTokenError::Refresh(e)) => {
            assert_eq!(e.code, LogCode::OauthGetAccessTokenError);
            assert!(e.message.contains("invalid_grant"), "{}", e.message);
        }
        other => panic!("expected a refresh error, got {other:?}"),
    }
}
