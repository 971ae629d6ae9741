//! The [`Adapter`] trait: how keyway reads and writes users, accounts,
//! sessions and verification tokens in a database.
//!
//! One object-safe trait, held as `Arc<dyn Adapter>`. Every database crate
//! (keyway-memory, keyway-sea-orm, keyway-diesel, keyway-mongodb) implements
//! it, and `keyway_testkit::adapter_conformance` checks that an
//! implementation keeps the contract written on each method below.
//!
//! # The contract in short
//!
//! - "Not found" is `Ok(None)`, never an error.
//! - A write that would break a unique key (a second user with the same email,
//!   the same `(provider, provider_account_id)` linked twice, a duplicate
//!   session token) fails with [`AdapterErrorKind::Conflict`] and changes
//!   nothing.
//! - A database that cannot be reached fails with
//!   [`AdapterErrorKind::Connection`]; the engine logs it as
//!   `ADAPTER_CONNECTION_ERROR` and answers with the `Configuration` error page.
//! - Updating a row that does not exist fails with
//!   [`AdapterErrorKind::NotFound`] where the method returns the row itself
//!   ([`Adapter::update_user`]) and is `Ok(None)` where it returns an `Option`.
//! - Anything else is [`AdapterErrorKind::Other`]. The backend's own error is
//!   kept as the [source](std::error::Error::source) for the log; it never
//!   reaches an HTTP response.
//! - Timestamps round-trip to at least the second; strings, including
//!   non-ASCII ones, round-trip exactly; `None` and `Some("")` stay distinct.
//! - Rate-limit counters ([`Adapter::hit`]) are shared by every engine on the
//!   same database, so limits hold across instances; see that method for the
//!   exact rules.
//! - Expired rows are removed by [`Adapter::delete_expired`] (what
//!   `keyway prune` runs), never behind the application's back by a read.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::model::{
    Account, Session, SessionToken, SessionUpdate, User, UserUpdate, VerificationToken,
};

/// What went wrong in an adapter, in terms the engine can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AdapterErrorKind {
    /// The database could not be reached or the connection broke.
    Connection,
    /// A unique key would be violated; nothing was written.
    Conflict,
    /// The row to update does not exist.
    NotFound,
    /// Any other failure.
    Other,
}

impl AdapterErrorKind {
    /// A stable lower-case name (`"connection"`, `"conflict"`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Connection => "connection",
            Self::Conflict => "conflict",
            Self::NotFound => "not_found",
            Self::Other => "other",
        }
    }
}

impl fmt::Display for AdapterErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// An error from an [`Adapter`]: a [kind](AdapterErrorKind), the operation
/// that failed, a short message, and the backend's error as its source.
///
/// The `Display` form is meant for logs; the engine never sends it to a client.
pub struct AdapterError {
    kind: AdapterErrorKind,
    operation: &'static str,
    message: String,
    source: Option<BoxError>,
}

impl AdapterError {
    /// A new error of `kind` with a message.
    pub fn new(kind: AdapterErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            operation: "",
            message: message.into(),
            source: None,
        }
    }

    /// A [`AdapterErrorKind::Connection`] error.
    pub fn connection(message: impl Into<String>) -> Self {
        Self::new(AdapterErrorKind::Connection, message)
    }

    /// A [`AdapterErrorKind::Conflict`] error.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(AdapterErrorKind::Conflict, message)
    }

    /// A [`AdapterErrorKind::NotFound`] error.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(AdapterErrorKind::NotFound, message)
    }

    /// A [`AdapterErrorKind::Other`] error.
    pub fn other(message: impl Into<String>) -> Self {
        Self::new(AdapterErrorKind::Other, message)
    }

    /// Attaches the backend error that caused this one.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Names the adapter operation that failed (e.g. `"create_user"`).
    pub fn with_operation(mut self, operation: &'static str) -> Self {
        self.operation = operation;
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> AdapterErrorKind {
        self.kind
    }

    /// The adapter operation that failed, if known.
    pub fn operation(&self) -> Option<&'static str> {
        (!self.operation.is_empty()).then_some(self.operation)
    }

    /// The message, without the source.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Debug for AdapterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdapterError")
            .field("kind", &self.kind)
            .field("operation", &self.operation)
            .field("message", &self.message)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for AdapterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "adapter error ({})", self.kind)?;
        if !self.operation.is_empty() {
            write!(f, " in {}", self.operation)?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

impl StdError for AdapterError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// The longest key the engine passes to [`Adapter::hit`], in bytes.
///
/// Keys are ASCII: a purpose, a `:`, and a hex digest of the identifier, so a
/// `VARCHAR(255)` column holds every one.
pub const MAX_COUNTER_KEY_LEN: usize = 128;

/// The result of an [`Adapter`] method.
pub type AdapterResult<T> = Result<T, AdapterError>;

/// What [`Adapter::delete_expired`] deleted: how many rows of each kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Pruned {
    /// Database sessions whose `expires` had passed.
    pub sessions: u64,
    /// Verification tokens whose `expires` had passed.
    pub verification_tokens: u64,
    /// Rate-limit counters ([`Adapter::hit`]) whose window had ended.
    pub counters: u64,
}

impl Pruned {
    /// Every row deleted, of all kinds.
    pub fn total(&self) -> u64 {
        self.sessions
            .saturating_add(self.verification_tokens)
            .saturating_add(self.counters)
    }
}

/// Storage for users, accounts, sessions and verification tokens.
///
/// Implementations must be safe to call from many tasks at once. See the
/// [module documentation](self) for the rules shared by every method; each
/// method documents what is particular to it.
#[async_trait]
pub trait Adapter: Send + Sync + 'static {
    /// Stores a new user and returns it as stored.
    ///
    /// `user.id` is a fresh UUID chosen by the engine; the adapter may keep it
    /// or assign its own, and must return the id it kept.
    ///
    /// Errors: [`Conflict`](AdapterErrorKind::Conflict) if another user has the
    /// same email (nothing is written).
    async fn create_user(&self, user: User) -> AdapterResult<User>;

    /// The user with this id, or `None`.
    async fn get_user(&self, id: &str) -> AdapterResult<Option<User>>;

    /// The user with this email address, or `None`. The engine passes the
    /// address already normalised (lower case); the comparison is exact.
    async fn get_user_by_email(&self, email: &str) -> AdapterResult<Option<User>>;

    /// The user who owns the account `(provider, provider_account_id)`, or
    /// `None` when no such account is linked.
    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<User>>;

    /// Writes the fields set in `update` and returns the whole updated user.
    ///
    /// Errors: [`NotFound`](AdapterErrorKind::NotFound) if there is no user
    /// with `update.id`; [`Conflict`](AdapterErrorKind::Conflict) if the new
    /// email belongs to another user (nothing is written).
    async fn update_user(&self, update: UserUpdate) -> AdapterResult<User>;

    /// Deletes the user **together with all of their accounts and sessions**
    /// and returns the deleted user, or `None` if there was no such user.
    async fn delete_user(&self, id: &str) -> AdapterResult<Option<User>>;

    /// Links a provider account to `account.user_id` and returns it as stored.
    ///
    /// Errors: [`Conflict`](AdapterErrorKind::Conflict) if
    /// `(provider, provider_account_id)` is already linked, to this user or
    /// another (nothing is written).
    async fn link_account(&self, account: Account) -> AdapterResult<Account>;

    /// Removes the account `(provider, provider_account_id)` and returns it, or
    /// `None` if it was not linked. The user stays.
    async fn unlink_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<Account>>;

    /// The account `(provider, provider_account_id)`, with its tokens, or
    /// `None`.
    async fn get_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<Account>>;

    /// The accounts linked to the user `user_id`, with their tokens, in any
    /// order: every one of theirs and no other user's. A user with no
    /// accounts, or an id that matches no user, gets `Some` of an empty list.
    ///
    /// `None` means the adapter cannot list a user's accounts. It is the
    /// default, so that an adapter written before this method existed still
    /// compiles; with it, `revoke_on_sign_out` revokes nothing (the engine
    /// logs why). Every adapter in keyway's workspace lists them, and the
    /// conformance suite's `get_accounts_of_user` case fails an adapter that
    /// answers `None`.
    ///
    /// keyway uses it to revoke a user's OAuth tokens when they sign out
    /// (providers with `revoke_on_sign_out`); Auth.js has no such method.
    async fn get_accounts_of_user(&self, user_id: &str) -> AdapterResult<Option<Vec<Account>>> {
        let _ = user_id;
        Ok(None)
    }

    /// Replaces the token fields (`access_token`, `refresh_token`,
    /// `expires_at`, `token_type`, `scope`, `id_token`, `session_state`) of the
    /// account `(account.provider, account.provider_account_id)` with those of
    /// `account` and returns the stored account, or `None` if it is not linked.
    /// `user_id` and `kind` are not changed.
    ///
    /// keyway uses it to save refreshed OAuth tokens; Auth.js has no such
    /// method.
    async fn update_account(&self, account: Account) -> AdapterResult<Option<Account>>;

    /// Stores a new database session and returns it as stored.
    ///
    /// Errors: [`Conflict`](AdapterErrorKind::Conflict) if the token is already
    /// in use.
    async fn create_session(&self, session: Session) -> AdapterResult<Session>;

    /// The session with this token and its user, or `None` if there is no such
    /// session **or its user no longer exists**. Expiry is not checked here:
    /// an expired session is returned as it is, and the engine deletes it.
    async fn get_session_and_user(
        &self,
        session_token: &SessionToken,
    ) -> AdapterResult<Option<(Session, User)>>;

    /// Writes the fields set in `update` and returns the updated session, or
    /// `None` if there is no session with that token.
    async fn update_session(&self, update: SessionUpdate) -> AdapterResult<Option<Session>>;

    /// Deletes the session and returns it, or `None` if there was none.
    async fn delete_session(&self, session_token: &SessionToken) -> AdapterResult<Option<Session>>;

    /// Stores a verification token (its `token` is already a hash) and returns
    /// it.
    ///
    /// Errors: [`Conflict`](AdapterErrorKind::Conflict) if the same
    /// `(identifier, token)` pair exists.
    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> AdapterResult<VerificationToken>;

    /// Fetches **and deletes**, atomically, the verification token
    /// `(identifier, token)` and returns it; `None` if there is no such pair
    /// (a wrong identifier is `None` too, and deletes nothing).
    ///
    /// Of any number of concurrent calls for the same pair exactly one gets
    /// `Some`: this is what makes a magic link single-use. Expiry is checked
    /// by the engine, not here.
    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> AdapterResult<Option<VerificationToken>>;

    /// Counts one hit on the fixed-window counter `key` and returns the
    /// number of hits in its current window, **this one included**.
    ///
    /// The engine keeps its rate limits here (emails sent to one address,
    /// guesses at one one-time code), so every instance of an application
    /// that shares the database shares the limits.
    ///
    /// - `key` is ASCII, at most [`MAX_COUNTER_KEY_LEN`] bytes: a purpose
    ///   and a keyed hash of the identifier (never a raw email address).
    ///   Compare it exactly.
    /// - A counter is `(key, count, window end)`. If `key` has no counter, or
    ///   its window ended at or before `now` (`window end <= now`), the hit
    ///   starts a new window: the count becomes 1 and the window ends at
    ///   `now + window`; the call returns 1. Otherwise the count goes up by
    ///   one, the window end stays as it was, and the new count is returned.
    /// - `now` is the engine's clock; compare with it, not with the
    ///   database's. `window` is at least one second. Window ends are kept
    ///   to at least the millisecond.
    /// - **Atomic**: of `n` concurrent hits on one key within a window, each
    ///   returns a different count, and together they return exactly
    ///   `1..=n` (for a fresh key); no hit is lost or counted twice. Use one
    ///   upsert statement, or a transaction that locks the row.
    /// - Keys are independent: a hit on one never changes another, and no
    ///   live counter is evicted to make room for others (an attacker who
    ///   hits many keys must not reset a victim's count).
    /// - A counter whose window has ended may be deleted at any time; the
    ///   adapter may sweep them whenever convenient.
    ///
    /// Errors: only backend failures ([`Connection`](AdapterErrorKind::Connection),
    /// [`Other`](AdapterErrorKind::Other)); the engine then refuses the
    /// limited action rather than allowing it unlimited.
    async fn hit(&self, key: &str, now: DateTime<Utc>, window: Duration) -> AdapterResult<u64>;

    /// Deletes what has expired and says how many rows of each kind went:
    ///
    /// - every session whose `expires` is **before** `now` (`expires < now`:
    ///   the engine still accepts a session at the instant it expires);
    /// - every verification token whose `expires` is before `now`;
    /// - every rate-limit counter of [`hit`](Adapter::hit) whose window
    ///   ended at or before `now` (`window end <= now`, as `hit` counts).
    ///
    /// `now` is the caller's clock (the engine's, or `keyway prune`'s):
    /// compare with it, never with the database's own clock. Nothing else is
    /// touched: live sessions, tokens and counters stay exactly as they were,
    /// and users and accounts are never deleted.
    ///
    /// It may run while the application serves requests and from several
    /// processes at once; each deleted row is counted by the one call that
    /// deleted it. An adapter that keeps no counters reports `counters: 0`.
    ///
    /// Errors: only backend failures ([`Connection`](AdapterErrorKind::Connection),
    /// [`Other`](AdapterErrorKind::Other)).
    async fn delete_expired(&self, now: DateTime<Utc>) -> AdapterResult<Pruned>;
}
