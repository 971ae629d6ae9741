//! # keyway-memory
//!
//! An in-process [`Adapter`] for keyway that keeps users, accounts, sessions
//! and verification tokens in memory.
//!
//! It is the **reference implementation** of the adapter contract: every other
//! adapter is checked against the same conformance suite
//! (`keyway_testkit::adapter_conformance`), and where the suite is silent the
//! behaviour of [`MemoryAdapter`] is the intended one. It is also handy for
//! tests, demos and single-process apps that may forget every session on
//! restart.
//!
//! ```
//! use keyway_core::{Adapter, User};
//! use keyway_memory::MemoryAdapter;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), keyway_core::AdapterError> {
//! let adapter = MemoryAdapter::new();
//! let user = adapter
//!     .create_user(User::new("4f1c0d9e-0000-4000-8000-000000000001", "ada@example.com"))
//!     .await?;
//! let found = adapter.get_user_by_email("ada@example.com").await?;
//! assert_eq!(found, Some(user));
//! # Ok(())
//! # }
//! ```
//!
//! # Behaviour
//!
//! - **Unique keys**: user id, user email (when present; any number of users
//!   may have no email), `(provider, provider_account_id)`, session token and
//!   `(identifier, token)`. A write that would break one fails with
//!   [`AdapterErrorKind::Conflict`](keyway_core::AdapterErrorKind::Conflict)
//!   and changes nothing.
//! - **Ids**: the id the engine gives [`create_user`](Adapter::create_user) is
//!   kept as it is.
//! - **Cascade**: [`delete_user`](Adapter::delete_user) also removes the
//!   user's accounts and sessions, in the same atomic step.
//! - **References are not checked**: like a database without foreign keys,
//!   `link_account` and `create_session` accept a `user_id` that names no
//!   user. Such a session reads as `None` from
//!   [`get_session_and_user`](Adapter::get_session_and_user), exactly like a
//!   session whose user was deleted.
//! - **Exact values**: strings and timestamps are stored as given (to the
//!   nanosecond), `None` and `Some("")` stay distinct, and email lookups
//!   compare bytes exactly (no case or accent folding).
//! - **Atomicity**: the whole store sits behind one lock, so every method is
//!   one atomic step; of any number of concurrent
//!   [`use_verification_token`](Adapter::use_verification_token) calls for
//!   the same pair exactly one gets the token. The lock is never held across
//!   an `.await`.
//! - **Sharing**: clones share the same store, so one clone can be handed to
//!   the engine and another kept to look inside (see
//!   [`MemoryAdapter::stored_user`] and its siblings).
//!
//! - **Counters**: [`hit`](Adapter::hit) counts in a map under the same
//!   lock; counters whose window has ended are swept when their number has
//!   doubled since the last sweep. A live counter is never evicted, however
//!   many keys are hit.
//!
//! Nothing is ever persisted, and expired sessions and tokens are not swept
//! by themselves: the engine deletes an expired session when it meets one, a
//! used or expired token is dropped when used, and
//! [`delete_expired`](Adapter::delete_expired) (what `keyway prune` runs)
//! removes every expired row in one atomic step.

mod inspect;
mod store;

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use keyway_core::{
    Account, Adapter, AdapterResult, Pruned, Session, SessionToken, SessionUpdate, User,
    UserUpdate, VerificationToken,
};

use crate::store::Store;

/// An [`Adapter`] that keeps everything in memory. Clones share one store.
///
/// See the [crate documentation](crate) for its exact behaviour.
#[derive(Clone, Default)]
pub struct MemoryAdapter {
    store: Arc<RwLock<Store>>,
}

impl MemoryAdapter {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    // Every store operation checks before it writes, so a panic while the
    // lock is held cannot leave a half-done write behind; a poisoned lock
    // therefore still guards a consistent store and is simply taken over.
    fn read(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for MemoryAdapter {
    /// Shows only how many rows are stored, never their contents (sessions
    /// and tokens are secrets).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let store = self.read();
        f.debug_struct("MemoryAdapter")
            .field("users", &store.users.len())
            .field("accounts", &store.accounts.len())
            .field("sessions", &store.sessions.len())
            .field("verification_tokens", &store.verification_tokens.len())
            .field("counters", &store.counters.len())
            .finish()
    }
}

#[async_trait]
impl Adapter for MemoryAdapter {
    async fn create_user(&self, user: User) -> AdapterResult<User> {
        self.write()
            .create_user(user)
            .map_err(|e| e.with_operation("create_user"))
    }

    async fn get_user(&self, id: &str) -> AdapterResult<Option<User>> {
        Ok(self.read().users.get(id).cloned())
    }

    async fn get_user_by_email(&self, email: &str) -> AdapterResult<Option<User>> {
        Ok(self.read().get_user_by_email(email))
    }

    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<User>> {
        Ok(self
            .read()
            .get_user_by_account(provider, provider_account_id))
    }

    async fn update_user(&self, update: UserUpdate) -> AdapterResult<User> {
        self.write()
            .update_user(&update)
            .map_err(|e| e.with_operation("update_user"))
    }

    async fn delete_user(&self, id: &str) -> AdapterResult<Option<User>> {
        Ok(self.write().delete_user(id))
    }

    async fn link_account(&self, account: Account) -> AdapterResult<Account> {
        self.write()
            .link_account(account)
            .map_err(|e| e.with_operation("link_account"))
    }

    async fn unlink_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<Account>> {
        Ok(self.write().unlink_account(provider, provider_account_id))
    }

    async fn get_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<Account>> {
        Ok(self.read().get_account(provider, provider_account_id))
    }

    async fn get_accounts_of_user(&self, user_id: &str) -> AdapterResult<Option<Vec<Account>>> {
        Ok(Some(self.read().accounts_of_user(user_id)))
    }

    async fn update_account(&self, account: Account) -> AdapterResult<Option<Account>> {
        Ok(self.write().update_account(account))
    }

    async fn create_session(&self, session: Session) -> AdapterResult<Session> {
        self.write()
            .create_session(session)
            .map_err(|e| e.with_operation("create_session"))
    }

    async fn get_session_and_user(
        &self,
        session_token: &SessionToken,
    ) -> AdapterResult<Option<(Session, User)>> {
        Ok(self.read().get_session_and_user(session_token))
    }

    async fn update_session(&self, update: SessionUpdate) -> AdapterResult<Option<Session>> {
        Ok(self.write().update_session(&update))
    }

    async fn delete_session(&self, session_token: &SessionToken) -> AdapterResult<Option<Session>> {
        Ok(self.write().sessions.remove(session_token))
    }

    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> AdapterResult<VerificationToken> {
        self.write()
            .create_verification_token(token)
            .map_err(|e| e.with_operation("create_verification_token"))
    }

    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> AdapterResult<Option<VerificationToken>> {
        // One `remove` under the write lock: the fetch and the delete are a
        // single step, so concurrent callers cannot both see the token.
        Ok(self.write().use_verification_token(identifier, token))
    }

    async fn hit(&self, key: &str, now: DateTime<Utc>, window: Duration) -> AdapterResult<u64> {
        Ok(self.write().hit(key, now, window))
    }

    async fn delete_expired(&self, now: DateTime<Utc>) -> AdapterResult<Pruned> {
        Ok(self.write().delete_expired(now))
    }
}
