//! The [`Store`] trait: where keyway keeps what is hot and short-lived —
//! database sessions, rate-limit counters and the leases that make
//! access-token refreshes single-flight — beside the [`Adapter`](crate::Adapter) that keeps
//! users and accounts.
//!
//! Set one with [`AuthBuilder::store`](crate::AuthBuilder::store)
//! (keyway-redis implements it over Redis). The engine then:
//!
//! - keeps database sessions in the store (their expiry is the entry's
//!   lifetime) and reads their users from the adapter;
//! - counts send and attempt limits ([`Adapter::hit`](crate::Adapter::hit)) in the store;
//! - takes the refresh lease of [`Auth::access_token`](crate::Auth::access_token)
//!   in the store, so instances refresh one account's token once.
//!
//! Without a store, all three live in the adapter, as before; the refresh
//! lease is then the first hit of an [`Adapter::hit`](crate::Adapter::hit) window.
//!
//! # Errors
//!
//! A store fails with an [`AdapterError`](crate::AdapterError) of kind
//! [`Connection`](crate::AdapterErrorKind::Connection) when it cannot be
//! reached, [`Other`](crate::AdapterErrorKind::Other) otherwise, so the
//! engine treats an outage exactly as a database outage: a session read
//! answers "no session" for that request but keeps the cookie (nobody is
//! signed out for good), and a limited action is refused rather than let
//! through unlimited.

mod layered;

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::adapter::AdapterResult;
use crate::model::{Session, SessionToken, SessionUpdate};

pub(crate) use layered::Layered;

/// A lease on a key, held until [`Store::release`] or until its time to
/// live ends. Only the holder's release frees it.
#[derive(Clone, PartialEq, Eq)]
pub struct Lease {
    key: String,
    holder: String,
}

impl Lease {
    /// A lease on `key` held by `holder` (a random value only this holder
    /// knows).
    pub fn new(key: impl Into<String>, holder: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            holder: holder.into(),
        }
    }

    /// The leased key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The holder's random value.
    pub fn holder(&self) -> &str {
        &self.holder
    }
}

impl fmt::Debug for Lease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lease")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// Shared, short-lived state for every instance of an application.
///
/// Implementations must be safe to call from many tasks and many processes
/// at once. Keys the engine passes are ASCII and at most
/// [`MAX_COUNTER_KEY_LEN`](crate::adapter::MAX_COUNTER_KEY_LEN) bytes
/// (counters, leases) or a session token.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// A short name for logs and banners (`"redis"`).
    fn name(&self) -> &str;

    /// Stores a new session, to live until its `expires`.
    ///
    /// Errors: [`Conflict`](crate::AdapterErrorKind::Conflict) if the token
    /// is already in use (nothing is written).
    async fn create_session(&self, session: &Session) -> AdapterResult<()>;

    /// The live session with this token, or `None`.
    async fn get_session(&self, token: &SessionToken) -> AdapterResult<Option<Session>>;

    /// Writes the fields set in `update` (a new `expires` is the session's
    /// new lifetime) and returns the session, or `None` if there is none.
    async fn update_session(&self, update: &SessionUpdate) -> AdapterResult<Option<Session>>;

    /// Deletes the session and returns it, or `None` if there was none.
    async fn delete_session(&self, token: &SessionToken) -> AdapterResult<Option<Session>>;

    /// Deletes every session of `user_id`; returns how many went.
    async fn delete_user_sessions(&self, user_id: &str) -> AdapterResult<u64>;

    /// One hit on a fixed-window counter, with exactly the rules of
    /// [`Adapter::hit`](crate::Adapter::hit) (the engine's `now`, windows kept
    /// to the millisecond, atomic under concurrency).
    async fn hit(&self, key: &str, now: DateTime<Utc>, window: Duration) -> AdapterResult<u64>;

    /// Takes the lease on `key` for `ttl` if nobody holds it; `None` if
    /// somebody does.
    async fn try_lease(&self, key: &str, ttl: Duration) -> AdapterResult<Option<Lease>>;

    /// Gives the lease back early. A lease that has already ended (and may
    /// since belong to another holder) is left alone.
    async fn release(&self, lease: &Lease) -> AdapterResult<()>;
}
