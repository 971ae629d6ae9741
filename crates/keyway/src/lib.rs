//! # keyway
//!
//! Authentication for Rust web servers that speaks Auth.js's wire protocol.
//!
//! This facade re-exports [`keyway_core`] (the model, the
//! [`Adapter`] trait, the engine) and opens a database
//! adapter from a URL with [`adapter::connect`]:
//!
//! ```no_run
//! # async fn demo() -> Result<(), keyway::adapter::ConnectError> {
//! let adapter = keyway::adapter::connect("sqlite://keyway.db").await?;
//! # Ok(()) }
//! ```
//!
//! ## Features
//!
//! | feature            | default | URLs                         | adapter                |
//! |--------------------|---------|------------------------------|------------------------|
//! | `memory`           | yes     | `memory:`                    | keyway-memory          |
//! | `sea-orm-sqlite`   | yes     | `sqlite:`                    | keyway-sea-orm, SQLite |
//! | `sea-orm-postgres` | no      | `postgres:`, `postgresql:`   | keyway-sea-orm, PostgreSQL |
//! | `sea-orm-mysql`    | no      | `mysql:`, `mariadb:`         | keyway-sea-orm, MySQL/MariaDB |
//! | `diesel-sqlite`    | no      | `sqlite:`                    | keyway-diesel, SQLite  |
//! | `diesel-postgres`  | no      | `postgres:`, `postgresql:`   | keyway-diesel, PostgreSQL |
//! | `diesel-mysql`     | no      | `mysql:`, `mariadb:`         | keyway-diesel, MySQL/MariaDB |
//! | `mongodb`          | no      | `mongodb:`, `mongodb+srv:`   | keyway-mongodb, MongoDB (database from the URL's path, default `keyway`) |
//! | `redis`            | no      | `redis:`, `rediss:`          | keyway-redis: a [`store`] for sessions, send limits and refresh leases beside the adapter (`REDIS_URL`) |
//!
//! When two compiled-in adapter crates serve one scheme, the app chooses
//! ([`adapter::ConnectOptions::adapter`], or `KEYWAY_ADAPTER` through
//! [`adapter::ConnectOptions::from_env`]); see [`adapter`].
//!
//! Providers, one feature per family: `credentials` (default,
//! [`credentials`](mod@credentials)), `oauth` (OAuth 2 / OpenID Connect and
//! the presets, [`oauth`](mod@oauth)), `email` (magic links and one-time
//! codes over SMTP, [`email`](mod@email)).

pub use keyway_core::*;

pub mod adapter;
pub mod store;

/// The in-memory adapter crate (feature `memory`).
#[cfg(feature = "memory")]
pub use keyway_memory as memory;

/// The SeaORM adapter crate (features `sea-orm-sqlite`, `sea-orm-postgres`,
/// `sea-orm-mysql`).
#[cfg(any(
    feature = "sea-orm-sqlite",
    feature = "sea-orm-postgres",
    feature = "sea-orm-mysql"
))]
pub use keyway_sea_orm as sea_orm;

/// The MongoDB adapter crate (feature `mongodb`), for
/// `keyway::mongodb::MongoAdapter::from_client` with the app's own client.
#[cfg(feature = "mongodb")]
pub use keyway_mongodb as mongodb;

/// The Diesel adapter crate (features `diesel-sqlite`, `diesel-postgres`,
/// `diesel-mysql`).
#[cfg(any(
    feature = "diesel-sqlite",
    feature = "diesel-postgres",
    feature = "diesel-mysql"
))]
pub use keyway_diesel as diesel;

/// Credentials sign-in (feature `credentials`): `keyway::credentials::credentials(...)`.
#[cfg(feature = "credentials")]
pub use keyway_credentials as credentials;

/// OAuth 2 / OpenID Connect providers and presets (feature `oauth`):
/// `keyway::oauth::github()`, `keyway::oauth::oidc()`, ...
#[cfg(feature = "oauth")]
pub use keyway_oauth as oauth;

/// Email sign-in, magic links and one-time codes (feature `email`):
/// `keyway::email::Email::smtp_from_env()`, ...
#[cfg(feature = "email")]
pub use keyway_email as email;
