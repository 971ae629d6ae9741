//! An adapter wrapper that fails on demand and counts calls.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use keyway_core::adapter::AdapterResult;
use keyway_core::model::{
    Account, Session, SessionToken, SessionUpdate, User, UserUpdate, VerificationToken,
};
use keyway_core::{Adapter, AdapterError, AdapterErrorKind};

/// The names of the [`Adapter`] operations, as [`FaultyAdapter::fail`] and
/// [`FaultyAdapter::calls`] take them (the trait's method names).
pub const OPERATIONS: [&str; 19] = [
    "create_user",
    "get_user",
    "get_user_by_email",
    "get_user_by_account",
    "update_user",
    "delete_user",
    "link_account",
    "unlink_account",
    "get_account",
    "get_accounts_of_user",
    "update_account",
    "create_session",
    "get_session_and_user",
    "update_session",
    "delete_session",
    "create_verification_token",
    "use_verification_token",
    "hit",
    "delete_expired",
];

/// The message of the errors a [`FaultyAdapter`] makes, unless
/// [`with_message`](FaultyAdapter::with_message) sets another.
const DEFAULT_MESSAGE: &str = "backend says: injected failure";

/// A planned failure of one operation.
#[derive(Debug, Clone, Copy)]
struct Fault {
    kind: AdapterErrorKind,
    /// Calls that still succeed before the failures start.
    successes_left: usize,
}

#[derive(Debug, Default)]
struct State {
    faults: BTreeMap<&'static str, Fault>,
    calls: BTreeMap<&'static str, usize>,
}

/// Wraps any adapter and passes every call through to it, except that an
/// operation can be made to fail with a chosen [`AdapterErrorKind`], and the
/// calls of each operation are counted.
///
/// Clones share their faults and counts, so a test keeps one clone and
/// gives another to the engine. Reads and writes made on the inner adapter
/// directly (to prepare or inspect rows) are neither counted nor failed.
///
/// The errors carry the operation (`AdapterError::operation`) and the
/// message set with [`with_message`](Self::with_message), as a backend's
/// error would.
#[derive(Clone)]
pub struct FaultyAdapter {
    inner: Arc<dyn Adapter>,
    message: Arc<str>,
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for FaultyAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultyAdapter")
            .field("message", &self.message)
            .field("state", &*self.state())
            .finish_non_exhaustive()
    }
}

/// Panics (failing the test) on a name that is not an adapter operation,
/// so that a typo cannot make a fault that never fires.
fn operation(name: &str) -> &'static str {
    match OPERATIONS.iter().find(|op| **op == name) {
        Some(op) => op,
        None => panic!("FaultyAdapter: {name:?} is not an adapter operation ({OPERATIONS:?})"),
    }
}

impl FaultyAdapter {
    /// Wraps `inner`; nothing fails until [`fail`](Self::fail) says so.
    pub fn new(inner: Arc<dyn Adapter>) -> Self {
        Self {
            inner,
            message: DEFAULT_MESSAGE.into(),
            state: Arc::default(),
        }
    }

    /// The message of the errors this adapter makes (what a backend would
    /// say; tests check it reaches the log and never a response).
    pub fn with_message(mut self, message: &str) -> Self {
        self.message = message.into();
        self
    }

    /// The wrapped adapter.
    pub fn inner(&self) -> &Arc<dyn Adapter> {
        &self.inner
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes every later call of `op` fail with `kind`, until
    /// [`heal`](Self::heal). Replaces an earlier fault of `op`.
    pub fn fail(&self, op: &str, kind: AdapterErrorKind) {
        self.fail_after(op, kind, 0);
    }

    /// Lets the next `successes` calls of `op` through, then makes every
    /// later one fail with `kind`, until [`heal`](Self::heal).
    pub fn fail_after(&self, op: &str, kind: AdapterErrorKind, successes: usize) {
        let op = operation(op);
        self.state().faults.insert(
            op,
            Fault {
                kind,
                successes_left: successes,
            },
        );
    }

    /// Removes every fault: all operations work again.
    pub fn heal(&self) {
        self.state().faults.clear();
    }

    /// How many times the engine called `op` through this adapter (failed
    /// calls included).
    pub fn calls(&self, op: &str) -> usize {
        let op = operation(op);
        self.state().calls.get(op).copied().unwrap_or(0)
    }

    /// Counts a call of `op` and says whether it fails.
    fn enter(&self, op: &'static str) -> AdapterResult<()> {
        let mut state = self.state();
        *state.calls.entry(op).or_default() += 1;
        match state.faults.get_mut(op) {
            Some(fault) if fault.successes_left > 0 => {
                fault.successes_left -= 1;
                Ok(())
            }
            Some(fault) => {
                Err(AdapterError::new(fault.kind, self.message.as_ref()).with_operation(op))
            }
            None => Ok(()),
        }
    }
}

#[async_trait]
impl Adapter for FaultyAdapter {
    async fn create_user(&self, user: User) -> AdapterResult<User> {
        self.enter("create_user")?;
        self.inner.create_user(user).await
    }
    async fn get_user(&self, id: &str) -> AdapterResult<Option<User>> {
        self.enter("get_user")?;
        self.inner.get_user(id).await
    }
    async fn get_user_by_email(&self, email: &str) -> AdapterResult<Option<User>> {
        self.enter("get_user_by_email")?;
        self.inner.get_user_by_email(email).await
    }
    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<User>> {
        self.enter("get_user_by_account")?;
        self.inner
            .get_user_by_account(provider, provider_account_id)
            .await
    }
    async fn update_user(&self, update: UserUpdate) -> AdapterResult<User> {
        self.enter("update_user")?;
        self.inner.update_user(update).await
    }
    async fn delete_user(&self, id: &str) -> AdapterResult<Option<User>> {
        self.enter("delete_user")?;
        self.inner.delete_user(id).await
    }
    async fn link_account(&self, account: Account) -> AdapterResult<Account> {
        self.enter("link_account")?;
        self.inner.link_account(account).await
    }
    async fn unlink_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<Account>> {
        self.enter("unlink_account")?;
        self.inner
            .unlink_account(provider, provider_account_id)
            .await
    }
    async fn get_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<Account>> {
        self.enter("get_account")?;
        self.inner.get_account(provider, provider_account_id).await
    }
    async fn get_accounts_of_user(&self, user_id: &str) -> AdapterResult<Option<Vec<Account>>> {
        self.enter("get_accounts_of_user")?;
        self.inner.get_accounts_of_user(user_id).await
    }
    async fn update_account(&self, account: Account) -> AdapterResult<Option<Account>> {
        self.enter("update_account")?;
        self.inner.update_account(account).await
    }
    async fn create_session(&self, session: Session) -> AdapterResult<Session> {
        self.enter("create_session")?;
        self.inner.create_session(session).await
    }
    async fn get_session_and_user(
        &self,
        token: &SessionToken,
    ) -> AdapterResult<Option<(Session, User)>> {
        self.enter("get_session_and_user")?;
        self.inner.get_session_and_user(token).await
    }
    async fn update_session(&self, update: SessionUpdate) -> AdapterResult<Option<Session>> {
        self.enter("update_session")?;
        self.inner.update_session(update).await
    }
    async fn delete_session(&self, token: &SessionToken) -> AdapterResult<Option<Session>> {
        self.enter("delete_session")?;
        self.inner.delete_session(token).await
    }
    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> AdapterResult<VerificationToken> {
        self.enter("create_verification_token")?;
        self.inner.create_verification_token(token).await
    }
    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> AdapterResult<Option<VerificationToken>> {
        self.enter("use_verification_token")?;
        self.inner.use_verification_token(identifier, token).await
    }
    async fn hit(
        &self,
        key: &str,
        now: chrono::DateTime<chrono::Utc>,
        window: std::time::Duration,
    ) -> AdapterResult<u64> {
        self.enter("hit")?;
        self.inner.hit(key, now, window).await
    }
    async fn delete_expired(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> AdapterResult<keyway_core::Pruned> {
        self.enter("delete_expired")?;
        self.inner.delete_expired(now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyway_memory::MemoryAdapter;

    #[tokio::test]
    async fn fails_the_chosen_operation_after_the_allowed_successes() {
        let adapter = FaultyAdapter::new(Arc::new(MemoryAdapter::new())).with_message("disk full");
        adapter.fail_after("get_user", AdapterErrorKind::Connection, 1);
        assert!(adapter.get_user("1").await.is_ok());
        let err = adapter.get_user("1").await.expect_err("fails now");
        assert_eq!(err.kind(), AdapterErrorKind::Connection);
        assert_eq!(err.operation(), Some("get_user"));
        assert_eq!(err.message(), "disk full");
        assert!(adapter.get_user("1").await.is_err(), "and keeps failing");
        assert!(adapter.get_user_by_email("a@b.c").await.is_ok());
        adapter.heal();
        assert!(adapter.get_user("1").await.is_ok());
        assert_eq!(adapter.calls("get_user"), 4);
        assert_eq!(adapter.calls("get_user_by_email"), 1);
        assert_eq!(adapter.calls("create_user"), 0);
    }

    #[test]
    #[should_panic(expected = "not an adapter operation")]
    fn refuses_unknown_operations() {
        FaultyAdapter::new(Arc::new(MemoryAdapter::new())).fail("get_usr", AdapterErrorKind::Other);
    }

    #[test]
    fn operations_are_the_trait_methods() {
        // The directory at run time: a target dir shared between checkouts
        // may hold a binary compiled elsewhere.
        let dir = std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
        let path = format!("{dir}/../core/src/adapter.rs");
        let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut declared: Vec<&str> = src
            .lines()
            .filter_map(|l| l.trim().strip_prefix("async fn "))
            .filter_map(|l| l.split('(').next())
            .collect();
        declared.sort_unstable();
        let mut ours = OPERATIONS.to_vec();
        ours.sort_unstable();
        assert_eq!(declared, ours);
    }
}
