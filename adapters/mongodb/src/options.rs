//! [`MongoOptions`] and [`CollectionNames`]: what can be chosen when a
//! [`MongoAdapter`](crate::MongoAdapter) connects.

use std::time::Duration;

/// The database used when neither the URL's path nor
/// [`MongoOptions::database`] names one.
pub const DEFAULT_DATABASE: &str = "keyway";

/// The names of the collections. The defaults of the four Auth.js has are
/// the ones its MongoDB adapter uses, so a keyway service and an Auth.js app
/// can share one database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionNames {
    /// Users (default `users`).
    pub users: String,
    /// Linked provider accounts (default `accounts`).
    pub accounts: String,
    /// Database sessions (default `sessions`).
    pub sessions: String,
    /// Email verification tokens (default `verification_tokens`).
    pub verification_tokens: String,
    /// keyway's rate-limit counters (default `keyway_rate_limits`; Auth.js
    /// has no such collection).
    pub rate_limits: String,
}

impl Default for CollectionNames {
    fn default() -> Self {
        Self {
            users: "users".to_owned(),
            accounts: "accounts".to_owned(),
            sessions: "sessions".to_owned(),
            verification_tokens: "verification_tokens".to_owned(),
            rate_limits: "keyway_rate_limits".to_owned(),
        }
    }
}

impl CollectionNames {
    /// The default names, each with `prefix` put before it
    /// (`kw_users`, `kw_accounts`, ...).
    pub fn with_prefix(prefix: &str) -> Self {
        let d = Self::default();
        Self {
            users: format!("{prefix}{}", d.users),
            accounts: format!("{prefix}{}", d.accounts),
            sessions: format!("{prefix}{}", d.sessions),
            verification_tokens: format!("{prefix}{}", d.verification_tokens),
            rate_limits: format!("{prefix}{}", d.rate_limits),
        }
    }
}

/// Options for [`MongoAdapter::connect`](crate::MongoAdapter::connect) and
/// [`MongoAdapter::from_client`](crate::MongoAdapter::from_client).
///
/// ```
/// use std::time::Duration;
/// use keyway_mongodb::{CollectionNames, MongoOptions};
///
/// let options = MongoOptions {
///     collections: CollectionNames::with_prefix("auth_"),
///     connect_timeout: Some(Duration::from_secs(5)),
///     ..MongoOptions::default()
/// };
/// assert_eq!(options.collections.sessions, "auth_sessions");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MongoOptions {
    /// The database to use. `None` (the default) takes it from the URL's
    /// path (`mongodb://host/<database>`), and [`DEFAULT_DATABASE`] when the
    /// URL names none.
    pub database: Option<String>,
    /// The collections' names.
    pub collections: CollectionNames,
    /// Create the unique indexes when connecting (default `true`): user
    /// `email`, account `(provider, providerAccountId)`, session
    /// `sessionToken`, verification token `(identifier, token)`, plus
    /// `userId` on accounts and sessions for deleting a user, and a TTL
    /// index that removes rate-limit counters a minute after their window
    /// ended. Indexes that exist already are kept.
    pub create_indexes: bool,
    /// Delete a user, their accounts and their sessions in one transaction
    /// when the deployment supports transactions (a replica set or a sharded
    /// cluster). Default `true`; when `false`, or on a standalone server,
    /// they are deleted one collection after the other: sessions first, then
    /// accounts, then the user.
    pub transactions: bool,
    /// Largest number of pooled connections per server (the driver's default
    /// is 10).
    pub max_pool_size: Option<u32>,
    /// How long to wait for a connection, and for a usable server, before
    /// failing with a connection error (the driver waits 10 s to connect and
    /// 30 s for a server). The URL's `connectTimeoutMS` and
    /// `serverSelectionTimeoutMS` apply when this is `None`.
    pub connect_timeout: Option<Duration>,
}

impl Default for MongoOptions {
    fn default() -> Self {
        Self {
            database: None,
            collections: CollectionNames::default(),
            create_indexes: true,
            transactions: true,
            max_pool_size: None,
            connect_timeout: None,
        }
    }
}
