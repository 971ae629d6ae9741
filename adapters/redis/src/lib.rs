//! # keyway-redis
//!
//! A [`Store`] over Redis: what keyway keeps that is hot and short-lived,
//! shared by every instance of an application — database sessions (each
//! session's expiry is its key's time to live), the send and attempt
//! counters of email sign-in, and the leases that make access-token
//! refreshes single-flight across instances. Users, accounts and
//! verification tokens stay in the adapter (PostgreSQL, MongoDB, ...).
//!
//! ```no_run
//! # async fn demo(adapter: std::sync::Arc<dyn keyway_core::Adapter>) -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//!
//! let store = keyway_redis::RedisStore::connect("redis://127.0.0.1:6379/0").await?;
//! let auth = keyway_core::Auth::builder()
//!     .from_env()
//!     .adapter(adapter)
//!     .store(Arc::new(store))
//!     .build()?;
//! # Ok(()) }
//! ```
//!
//! # URLs
//!
//! | URL | what |
//! |---|---|
//! | `redis://[user:password@]host[:6379][/db]` | one server |
//! | `rediss://[user:password@]host[:6379][/db]` | one server over TLS (feature `tls`, on by default) |
//! | `redis+unix:///path/to/redis.sock[?db=N]` | one server on a Unix socket |
//! | `redis+cluster://[user:password@]host1:port1,host2:port2` | Redis Cluster, any of its nodes as seeds (feature `cluster`); `rediss+cluster://` over TLS |
//!
//! With Redis Sentinel, point the URL at the name a Sentinel-aware proxy or
//! your platform's failover address gives the primary: keyway needs one
//! writable primary, and a plain `redis://` URL to it. (Reading sessions
//! from replicas would let a signed-out session read as valid.)
//!
//! # Keys
//!
//! Every key starts with a prefix, so several applications can share one
//! database: `keyway:` unless the URL's `key_prefix` parameter
//! (`redis://host/0?key_prefix=shop:`, taken out before the driver reads the
//! URL) or [`RedisStore::with_prefix`] says otherwise.
//!
//! - `<prefix>s:<sha256 of the session token>`: `"<expires ms>:<user id>"`,
//!   living until the session expires. The token itself is never stored, so
//!   whoever reads Redis cannot sign in with what they find.
//! - `<prefix>u:<user id>`: the set of the user's session hashes, for
//!   deleting a user.
//! - `<prefix>c:<counter key>`: a counter, `{n, e}` (count, window end),
//!   living for its window.
//! - `<prefix>l:<lease key>`: a lease's holder, living for the lease.
//!
//! Commands touch one key each (scripts included), so the same code runs on
//! Redis Cluster.
//!
//! # Errors
//!
//! An unreachable server (refused, dropped, timed out after 2 seconds) is an
//! [`AdapterErrorKind::Connection`] error; anything else
//! [`AdapterErrorKind::Other`]. The engine then keeps the cookie and answers
//! "no session" for that request, and refuses limited actions: an outage
//! signs nobody out for good and never lifts a limit.

mod connection;
mod keys;

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use keyway_core::adapter::{AdapterError, AdapterErrorKind, AdapterResult};
use keyway_core::model::{Session, SessionToken, SessionUpdate};
use keyway_core::{Lease, Store};
use redis::{AsyncCommands, Script};

use connection::Conn;
pub use connection::ConnectError;
use keys::Keys;

/// How long one command may take before it counts as an outage.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);

/// One fixed-window counter hit: `{n, e}` where `e` is the window's end in
/// milliseconds on the engine's clock. Returns the count.
const HIT: &str = r"
local e = redis.call('HGET', KEYS[1], 'e')
if (not e) or tonumber(e) <= tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'n', 1, 'e', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
return redis.call('HINCRBY', KEYS[1], 'n', 1)
";

/// Adds a session hash to a user's set and keeps the set at least as long
/// as that session.
const INDEX: &str = r"
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
";

/// Deletes a lease only if this holder still has it.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// keyway's [`Store`] over Redis. Cheap to clone: one multiplexed
/// connection (reconnected in the background after a failure) is shared.
#[derive(Clone)]
pub struct RedisStore {
    conn: Conn,
    keys: Keys,
    hit: std::sync::Arc<Script>,
    index: std::sync::Arc<Script>,
    release: std::sync::Arc<Script>,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may hold a password: never printed.
        f.debug_struct("RedisStore")
            .field("mode", &self.conn.mode())
            .field("prefix", &self.keys.prefix())
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to the server(s) a URL names (see the [crate docs](crate)
    /// for the forms) and checks the connection with a `PING`.
    ///
    /// Errors: [`ConnectError`] saying what to change; its message never
    /// holds the URL's password.
    pub async fn connect(url: &str) -> Result<Self, ConnectError> {
        let (url, prefix) = connection::split_prefix(url);
        let conn = Conn::open(&url).await?;
        let store = Self::from_conn(conn);
        Ok(match prefix {
            Some(prefix) => store.with_prefix(prefix),
            None => store,
        })
    }

    fn from_conn(conn: Conn) -> Self {
        Self {
            conn,
            keys: Keys::new("keyway:"),
            hit: std::sync::Arc::new(Script::new(HIT)),
            index: std::sync::Arc::new(Script::new(INDEX)),
            release: std::sync::Arc::new(Script::new(RELEASE)),
        }
    }

    /// Puts `prefix` before every key instead of `keyway:` (several
    /// applications, or tests, sharing one database).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.keys = Keys::new(prefix);
        self
    }

    /// The key prefix in use.
    pub fn prefix(&self) -> &str {
        self.keys.prefix()
    }

    /// Deletes every key under this store's prefix; returns how many went.
    /// For tests and for starting over: sessions end, counters restart.
    pub async fn clear(&self) -> AdapterResult<u64> {
        let mut conn = self.conn.clone();
        let pattern = format!("{}*", escape_glob(self.keys.prefix()));
        let found: Vec<String> = {
            let mut iter = conn
                .scan_match::<_, String>(&pattern)
                .await
                .map_err(|e| error("clear", e))?;
            let mut found = Vec::new();
            while let Some(key) = iter.next_item().await {
                found.push(key.map_err(|e| error("clear", e))?);
            }
            found
        };
        let mut deleted = 0u64;
        for key in found {
            let n: u64 = conn.del(&key).await.map_err(|e| error("clear", e))?;
            deleted += n;
        }
        Ok(deleted)
    }
}

fn escape_glob(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A Redis error in keyway's terms: an unreachable server is a connection
/// error; the driver's error is kept as the source, for the log.
fn error(operation: &'static str, e: redis::RedisError) -> AdapterError {
    let kind = if e.is_io_error()
        || e.is_connection_refusal()
        || e.is_timeout()
        || e.is_connection_dropped()
        || e.is_unrecoverable_error()
    {
        AdapterErrorKind::Connection
    } else {
        AdapterErrorKind::Other
    };
    AdapterError::new(kind, "redis command failed")
        .with_operation(operation)
        .with_source(e)
}

/// Milliseconds from now until `at`, at least 1 (Redis refuses 0).
fn ttl_until(at: DateTime<Utc>) -> u64 {
    let ms = (at - Utc::now()).num_milliseconds();
    u64::try_from(ms).unwrap_or(0).max(1)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// `"<expires ms>:<user id>"`.
fn encode(session: &Session) -> String {
    format!("{}:{}", session.expires.timestamp_millis(), session.user_id)
}

fn decode(token: &SessionToken, value: &str) -> AdapterResult<Session> {
    let bad = || AdapterError::other("a session entry in Redis is not keyway's");
    let (expires, user_id) = value.split_once(':').ok_or_else(bad)?;
    let expires = expires
        .parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_millis)
        .ok_or_else(bad)?;
    Ok(Session {
        session_token: token.clone(),
        user_id: user_id.to_owned(),
        expires,
    })
}

#[async_trait]
impl Store for RedisStore {
    fn name(&self) -> &str {
        "redis"
    }

    async fn create_session(&self, session: &Session) -> AdapterResult<()> {
        let mut conn = self.conn.clone();
        let key = self.keys.session(&session.session_token);
        let ttl = ttl_until(session.expires);
        let set: Option<String> = redis::cmd("SET")
            .arg(&key)
            .arg(encode(session))
            .arg("NX")
            .arg("PX")
            .arg(ttl)
            .query_async(&mut conn)
            .await
            .map_err(|e| error("create_session", e))?;
        if set.is_none() {
            return Err(
                AdapterError::conflict("the session token is already in use")
                    .with_operation("create_session"),
            );
        }
        self.index
            .key(self.keys.user(&session.user_id))
            .arg(self.keys.session_hash(&session.session_token))
            .arg(ttl)
            .invoke_async::<i64>(&mut conn)
            .await
            .map_err(|e| error("create_session", e))?;
        Ok(())
    }

    async fn get_session(&self, token: &SessionToken) -> AdapterResult<Option<Session>> {
        let mut conn = self.conn.clone();
        let value: Option<String> = conn
            .get(self.keys.session(token))
            .await
            .map_err(|e| error("get_session", e))?;
        value.map(|v| decode(token, &v)).transpose()
    }

    async fn update_session(&self, update: &SessionUpdate) -> AdapterResult<Option<Session>> {
        let Some(mut session) = self.get_session(&update.session_token).await? else {
            return Ok(None);
        };
        update.apply_to(&mut session);
        let mut conn = self.conn.clone();
        let ttl = ttl_until(session.expires);
        // XX: a session deleted meanwhile (signed out) stays deleted.
        let set: Option<String> = redis::cmd("SET")
            .arg(self.keys.session(&session.session_token))
            .arg(encode(&session))
            .arg("XX")
            .arg("PX")
            .arg(ttl)
            .query_async(&mut conn)
            .await
            .map_err(|e| error("update_session", e))?;
        if set.is_none() {
            return Ok(None);
        }
        self.index
            .key(self.keys.user(&session.user_id))
            .arg(self.keys.session_hash(&session.session_token))
            .arg(ttl)
            .invoke_async::<i64>(&mut conn)
            .await
            .map_err(|e| error("update_session", e))?;
        Ok(Some(session))
    }

    async fn delete_session(&self, token: &SessionToken) -> AdapterResult<Option<Session>> {
        let mut conn = self.conn.clone();
        // GETDEL: of concurrent deletes, one gets the session.
        let value: Option<String> = redis::cmd("GETDEL")
            .arg(self.keys.session(token))
            .query_async(&mut conn)
            .await
            .map_err(|e| error("delete_session", e))?;
        let Some(session) = value.map(|v| decode(token, &v)).transpose()? else {
            return Ok(None);
        };
        let _: i64 = conn
            .srem(
                self.keys.user(&session.user_id),
                self.keys.session_hash(token),
            )
            .await
            .map_err(|e| error("delete_session", e))?;
        Ok(Some(session))
    }

    async fn delete_user_sessions(&self, user_id: &str) -> AdapterResult<u64> {
        let mut conn = self.conn.clone();
        let index = self.keys.user(user_id);
        let hashes: Vec<String> = conn
            .smembers(&index)
            .await
            .map_err(|e| error("delete_user_sessions", e))?;
        let mut deleted = 0u64;
        // One key per command, so Redis Cluster serves it too.
        for hash in &hashes {
            let n: u64 = conn
                .del(self.keys.session_by_hash(hash))
                .await
                .map_err(|e| error("delete_user_sessions", e))?;
            deleted += n;
        }
        let _: u64 = conn
            .del(&index)
            .await
            .map_err(|e| error("delete_user_sessions", e))?;
        Ok(deleted)
    }

    async fn hit(&self, key: &str, now: DateTime<Utc>, window: Duration) -> AdapterResult<u64> {
        let mut conn = self.conn.clone();
        let window_ms = millis(window);
        let now_ms = now.timestamp_millis();
        let end_ms = now_ms.saturating_add(i64::try_from(window_ms).unwrap_or(i64::MAX));
        self.hit
            .key(self.keys.counter(key))
            .arg(now_ms)
            .arg(end_ms)
            .arg(window_ms)
            .invoke_async::<u64>(&mut conn)
            .await
            .map_err(|e| error("hit", e))
    }

    async fn try_lease(&self, key: &str, ttl: Duration) -> AdapterResult<Option<Lease>> {
        let mut conn = self.conn.clone();
        let holder = keyway_core::random::hex(16);
        let set: Option<String> = redis::cmd("SET")
            .arg(self.keys.lease(key))
            .arg(&holder)
            .arg("NX")
            .arg("PX")
            .arg(millis(ttl))
            .query_async(&mut conn)
            .await
            .map_err(|e| error("try_lease", e))?;
        Ok(set.map(|_| Lease::new(key, holder)))
    }

    async fn release(&self, lease: &Lease) -> AdapterResult<()> {
        let mut conn = self.conn.clone();
        self.release
            .key(self.keys.lease(lease.key()))
            .arg(lease.holder())
            .invoke_async::<i64>(&mut conn)
            .await
            .map_err(|e| error("release", e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_entries_round_trip_and_foreign_ones_are_refused() {
        let token = SessionToken::new("t");
        let at = DateTime::from_timestamp_millis(1_733_232_000_123).expect("time");
        let session = Session {
            session_token: token.clone(),
            user_id: "user:with:colons".into(),
            expires: at,
        };
        let back = decode(&token, &encode(&session)).expect("decodes");
        assert_eq!(back, session);
        for foreign in ["", "nope", "x:user", ":user"] {
            let e = decode(&token, foreign).expect_err(foreign);
            assert_eq!(e.kind(), AdapterErrorKind::Other);
        }
    }

    #[test]
    fn globs_in_a_prefix_are_escaped() {
        assert_eq!(escape_glob("app*[1]:"), "app\\*\\[1\\]:");
        assert_eq!(escape_glob("keyway:"), "keyway:");
    }

    #[test]
    fn lifetimes_are_never_zero() {
        assert_eq!(ttl_until(Utc::now() - chrono::Duration::hours(1)), 1);
        assert!(ttl_until(Utc::now() + chrono::Duration::hours(1)) > 3_590_000);
        assert_eq!(millis(Duration::ZERO), 1);
        assert_eq!(millis(Duration::from_secs(2)), 2000);
    }
}
