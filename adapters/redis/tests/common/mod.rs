//! The test Redis: `KEYWAY_TEST_REDIS_URL`, else database 8 of the local
//! server. Each test works under a key prefix of its own and deletes its
//! keys when done.
#![allow(dead_code)]

use keyway_redis::RedisStore;

/// The URL of the test Redis.
pub fn redis_url() -> String {
    std::env::var("KEYWAY_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/8".into())
}

/// A store under a fresh prefix whose keys are deleted when it is dropped,
/// even by a failing test.
pub struct Scoped(RedisStore);

impl std::ops::Deref for Scoped {
    type Target = RedisStore;
    fn deref(&self) -> &RedisStore {
        &self.0
    }
}

impl Drop for Scoped {
    fn drop(&mut self) {
        // Synchronous: no runtime is guaranteed here.
        let Ok(mut conn) = redis::Client::open(redis_url()).and_then(|c| c.get_connection()) else {
            return;
        };
        let pattern = format!("{}*", self.0.prefix());
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(&pattern)
            .query(&mut conn)
            .unwrap_or_default();
        for key in keys {
            let _: redis::RedisResult<i64> = redis::cmd("DEL").arg(key).query(&mut conn);
        }
    }
}

/// A store under a fresh prefix, or `None` (test skipped) when no Redis is
/// running; under `KEYWAY_REQUIRE_SERVICES=1` a missing Redis fails the test.
pub async fn store() -> Option<Scoped> {
    let url = redis_url();
    match RedisStore::connect(&url).await {
        Ok(store) => {
            let prefix = format!("keyway-test:{}:", keyway_core::random::hex(8));
            Some(Scoped(store.with_prefix(prefix)))
        }
        Err(e) => {
            assert!(
                std::env::var("KEYWAY_REQUIRE_SERVICES").as_deref() != Ok("1"),
                "no Redis at {url}: {e} (run `cargo xtask services`)"
            );
            eprintln!("skipped: no Redis at {url} ({e})");
            None
        }
    }
}

/// A plain connection to the test Redis, to look at what the store wrote.
pub async fn raw() -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis_url())
        .expect("url")
        .get_multiplexed_async_connection()
        .await
        .expect("redis")
}
