//! Shared stores for several instances of one application: keyway-core's
//! [`Store`] trait, and (feature `redis`) a Redis store opened from a URL
//! or from `REDIS_URL`.

pub use keyway_core::store::*;

#[cfg(feature = "redis")]
use std::sync::Arc;

/// The environment variable `from_env` reads (feature `redis`).
pub const REDIS_URL_ENV: &str = "REDIS_URL";

/// The Redis store crate (feature `redis`).
#[cfg(feature = "redis")]
pub use keyway_redis as redis;

/// Why a store could not be opened (the URL without its password, and
/// what to change).
#[cfg(feature = "redis")]
pub type StoreConnectError = keyway_redis::ConnectError;

/// Opens the Redis store at `url` (`redis://`, `rediss://`,
/// `redis+unix://`, `redis+cluster://` with its feature; see
/// [`keyway_redis`]) and checks that it answers.
#[cfg(feature = "redis")]
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreConnectError> {
    Ok(Arc::new(keyway_redis::RedisStore::connect(url).await?))
}

/// The Redis store at `REDIS_URL`, or `None` when it is unset or empty.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let mut builder = keyway::Auth::builder()
///     .from_env()
///     .adapter(keyway::adapter::connect(&std::env::var("DATABASE_URL")?).await?);
/// // Sessions, send limits and refresh leases in Redis when REDIS_URL is set.
/// if let Some(store) = keyway::store::from_env().await? {
///     builder = builder.store(store);
/// }
/// let auth = builder.build()?;
/// # Ok(()) }
/// ```
#[cfg(feature = "redis")]
pub async fn from_env() -> Result<Option<Arc<dyn Store>>, StoreConnectError> {
    match std::env::var(REDIS_URL_ENV) {
        Ok(url) if !url.trim().is_empty() => connect(url.trim()).await.map(Some),
        _ => Ok(None),
    }
}
