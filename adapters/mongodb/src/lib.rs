//! # keyway-mongodb
//!
//! A [`keyway_core::Adapter`] that keeps users, accounts, sessions and
//! verification tokens in MongoDB, in the collections and document layout
//! of Auth.js's MongoDB adapter: a Next.js app on Auth.js with database
//! sessions and a Rust service on keyway read each other's users and
//! sessions from one database.
//!
//! ```no_run
//! # async fn demo() -> Result<(), keyway_core::AdapterError> {
//! use std::sync::Arc;
//! use keyway_mongodb::{MongoAdapter, MongoOptions};
//!
//! let adapter = MongoAdapter::connect(
//!     "mongodb://127.0.0.1:27017/myapp",
//!     MongoOptions::default(),
//! )
//! .await?;
//! let adapter: Arc<dyn keyway_core::Adapter> = Arc::new(adapter);
//! # Ok(()) }
//! ```
//!
//! * **URLs**: `mongodb://` and `mongodb+srv://`; the database is the URL's
//!   path, `keyway` when it has none ([`MongoOptions::database`] overrides
//!   both). An app that has its own `mongodb::Client` hands it to
//!   [`MongoAdapter::from_client`].
//! * **Collections**: `users`, `accounts`, `sessions`,
//!   `verification_tokens`, and keyway's own `keyway_rate_limits` for
//!   [`hit`](keyway_core::Adapter::hit) ([`MongoOptions::collections`]
//!   renames them).
//! * **Documents**, as Auth.js writes them:
//!
//!   | collection            | fields |
//!   |-----------------------|--------|
//!   | `users`               | `_id` ObjectId, `name`, `email`, `emailVerified` (date), `image`; `null` when unset |
//!   | `accounts`            | `_id` ObjectId, `userId` ObjectId, `type`, `provider`, `providerAccountId`, `access_token`, `refresh_token`, `expires_at` (seconds), `token_type`, `scope`, `id_token`, `session_state`; unset tokens left out |
//!   | `sessions`            | `_id` ObjectId, `sessionToken`, `userId` ObjectId, `expires` (date) |
//!   | `verification_tokens` | `_id` ObjectId, `identifier`, `token`, `expires` (date) |
//!
//!   A user's or an account's id is its `_id` as 24 hex digits. A new user
//!   gets a fresh ObjectId (the engine's UUID is not one); an id that is
//!   not an ObjectId's hex string names nothing, so looking it up is
//!   `Ok(None)`. Linking an account or creating a session for such a user
//!   id is an error, since `userId` must hold an ObjectId.
//! * **Indexes**, created on connect ([`MongoOptions::create_indexes`]):
//!   unique `users.email` (among users that have one), `accounts`
//!   `(provider, providerAccountId)`, `sessions.sessionToken`,
//!   `verification_tokens` `(identifier, token)`; plain `userId` on
//!   accounts and sessions; a TTL index on the counters' `windowEnd`.
//! * **Rate-limit counters**: [`hit`](keyway_core::Adapter::hit) counts in
//!   a live window with one `$inc`, and opens a window with one upsert that
//!   only matches an ended one, so concurrent hits are all counted.
//! * **Single use**: [`use_verification_token`](keyway_core::Adapter::use_verification_token)
//!   is one `findAndModify` that removes the token, so of any number of
//!   concurrent uses exactly one gets it.
//! * **Deleting a user** removes their sessions and accounts in one
//!   transaction on a replica set or sharded cluster; on a standalone server
//!   (or with [`MongoOptions::transactions`] off) it deletes the sessions
//!   first, then the accounts, then the user, so no session is ever left
//!   pointing at no user while another still reads it.
//! * **Errors**: a duplicate key (11000) is
//!   [`Conflict`](keyway_core::AdapterErrorKind::Conflict); network
//!   failures, server selection timeouts and a server shutting down are
//!   [`Connection`](keyway_core::AdapterErrorKind::Connection); each names
//!   the operation. A server's error message is never kept (it can quote the
//!   key, a session token for one): only its code and the index.
//!
//! No driver type appears in this crate's API except the client taken by
//! [`MongoAdapter::from_client`] (and, behind the `testkit` feature, in the
//! `testing` helpers, whose point is the raw documents).

mod adapter;
mod connect;
mod counters;
mod documents;
mod error;
#[cfg(feature = "testkit")]
mod inspect;
mod options;
mod prune;
#[cfg(feature = "testkit")]
pub mod testing;

use std::fmt;
use std::sync::Arc;

use mongodb::bson::Document;
use mongodb::{Client, Collection, Database};

#[cfg(feature = "testkit")]
pub use inspect::MongoInspector;
pub use options::{CollectionNames, DEFAULT_DATABASE, MongoOptions};

/// An [`Adapter`](keyway_core::Adapter) on a MongoDB database. Clones share
/// one connection pool.
///
/// See the [crate documentation](crate) for its collections and behaviour.
#[derive(Clone)]
pub struct MongoAdapter {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    database: Database,
    names: CollectionNames,
    users: Collection<Document>,
    accounts: Collection<Document>,
    sessions: Collection<Document>,
    tokens: Collection<Document>,
    rate_limits: Collection<Document>,
    /// Whether `delete_user` runs in a transaction.
    transactions: bool,
}

impl MongoAdapter {
    /// The database this adapter works in.
    pub fn database_name(&self) -> &str {
        self.inner.database.name()
    }

    /// The names of its collections.
    pub fn collections(&self) -> &CollectionNames {
        &self.inner.names
    }

    /// Whether [`delete_user`](keyway_core::Adapter::delete_user) runs in a
    /// transaction (the deployment supports them and
    /// [`MongoOptions::transactions`] is on).
    pub fn uses_transactions(&self) -> bool {
        self.inner.transactions
    }

    /// Reads the raw collections, bypassing the adapter, for
    /// keyway-testkit's conformance suite (feature `testkit`).
    #[cfg(feature = "testkit")]
    pub fn inspector(&self) -> MongoInspector {
        MongoInspector::new(self.inner.database.clone(), self.inner.names.clone())
    }
}

impl fmt::Debug for MongoAdapter {
    /// The database and collection names; never a URL or a document.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MongoAdapter")
            .field("database", &self.database_name())
            .field("collections", &self.inner.names)
            .field("transactions", &self.inner.transactions)
            .finish()
    }
}
