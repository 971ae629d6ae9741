//! The adapter an engine uses when a Redis store is set beside its adapter
//! (users, accounts and verification tokens in the adapter; sessions and
//! counters in Redis) passes the adapter conformance suite, so nothing an
//! action or an app asks of `Auth::adapter()` is lost by adding a store.
//!
//! One case differs by design: `delete_expired` works at an instant years
//! in the past and expects sessions that are live at that instant to stay.
//! Redis expires a session by its own clock (the session's expiry is the
//! key's TTL), so such a session is gone at once and `delete_expired` has no
//! session left to count. The test requires exactly that difference: the
//! verification tokens, kept by the adapter, are pruned and counted as the
//! case expects, and every other case passes.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use keyway_core::{Account, Auth, Session, SessionToken, Store, User, VerificationToken};
use keyway_memory::MemoryAdapter;
use keyway_redis::RedisStore;
use keyway_testkit::conformance::Inspector;

/// Users, accounts and tokens straight from the memory adapter's maps;
/// sessions straight from Redis.
struct LayeredInspector {
    memory: MemoryAdapter,
    store: RedisStore,
}

#[async_trait::async_trait]
impl Inspector for LayeredInspector {
    async fn user(&self, id: &str) -> Option<User> {
        self.memory.stored_user(id)
    }

    async fn account(&self, provider: &str, provider_account_id: &str) -> Option<Account> {
        self.memory.stored_account(provider, provider_account_id)
    }

    async fn session(&self, session_token: &SessionToken) -> Option<Session> {
        self.store.get_session(session_token).await.unwrap()
    }

    async fn verification_token(&self, identifier: &str, token: &str) -> Option<VerificationToken> {
        self.memory.stored_verification_token(identifier, token)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_engines_adapter_with_a_redis_store_passes_the_conformance_suite() {
    let Some(store) = common::store().await else {
        return;
    };
    let memory = MemoryAdapter::new();
    let auth = Auth::builder()
        .secret("a-long-enough-test-secret-0123456789")
        .url("http://127.0.0.1:3000")
        .adapter(Arc::new(memory.clone()))
        .store(Arc::new((*store).clone()))
        .build()
        .unwrap();
    let layered = auth.adapter().unwrap().clone();
    let inspector = Arc::new(LayeredInspector {
        memory,
        store: (*store).clone(),
    });
    let report = keyway_testkit::conformance::run(layered, inspector).await;
    let failed = report.failed();
    let names: Vec<&str> = failed.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, ["delete_expired"], "{report}\n{failed:?}");
    assert!(
        failed[0]
            .1
            .contains("got Pruned { sessions: 0, verification_tokens: 3, counters: 0 }"),
        "{}",
        failed[0].1
    );
}
