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
//! None is on by default: name what the app uses, and nothing else is built.
//!
//! ```toml
//! keyway = { version = "0.1", features = ["axum", "postgres", "github"] }
//! ```
//!
//! | feature                | brings                                             |
//! |------------------------|----------------------------------------------------|
//! | `axum`                 | keyway-axum, as [`keyway::axum`](mod@axum)         |
//! | `actix-web`            | keyway-actix-web, as [`keyway::actix_web`](mod@actix_web) |
//! | `rocket`               | keyway-rocket, as [`keyway::rocket`](mod@rocket)   |
//! | `postgres`             | `sea-orm-postgres`                                 |
//! | `mysql`                | `sea-orm-mysql`                                    |
//! | `sqlite`               | `sea-orm-sqlite`                                   |
//! | `mongodb`              | keyway-mongodb                                     |
//! | `memory`               | keyway-memory                                      |
//! | `oauth`                | keyway-oauth, as [`keyway::oauth`](mod@oauth)      |
//! | `github`, `google`, `gitlab`, `discord`, `apple`, `facebook`, `auth0`, `keycloak`, `microsoft-entra-id`, `okta` | `oauth` (every preset is in keyway-oauth; the name says which the app uses) |
//! | `email`                | keyway-email, as [`keyway::email`](mod@email)      |
//! | `credentials`          | keyway-credentials, as [`keyway::credentials`](mod@credentials) |
//!
//! The short database names open their databases through keyway-sea-orm,
//! which serves every SQL backend from one pool; the adapter features name
//! the crate explicitly:
//!
//! | feature            | URLs                         | adapter                |
//! |--------------------|------------------------------|------------------------|
//! | `memory`           | `memory:`                    | keyway-memory          |
//! | `sea-orm-sqlite`   | `sqlite:`                    | keyway-sea-orm, SQLite |
//! | `sea-orm-postgres` | `postgres:`, `postgresql:`   | keyway-sea-orm, PostgreSQL |
//! | `sea-orm-mysql`    | `mysql:`, `mariadb:`         | keyway-sea-orm, MySQL/MariaDB |
//! | `diesel-sqlite`    | `sqlite:`                    | keyway-diesel, SQLite  |
//! | `diesel-postgres`  | `postgres:`, `postgresql:`   | keyway-diesel, PostgreSQL |
//! | `diesel-mysql`     | `mysql:`, `mariadb:`         | keyway-diesel, MySQL/MariaDB |
//! | `mongodb`          | `mongodb:`, `mongodb+srv:`   | keyway-mongodb, MongoDB (database from the URL's path, default `keyway`) |
//! | `redis`            | `redis:`, `rediss:`          | keyway-redis: a [`store`] for sessions, send limits and refresh leases beside the adapter (`REDIS_URL`) |
//!
//! When two compiled-in adapter crates serve one scheme, the app chooses
//! ([`adapter::ConnectOptions::adapter`], or `KEYWAY_ADAPTER` through
//! [`adapter::ConnectOptions::from_env`]); see [`adapter`]. To share the
//! app's own pool instead of opening one from a URL, use the adapter
//! crate's constructor (`keyway::sea_orm::SeaOrmAdapter::from_connection`,
//! `keyway::diesel::DieselAdapter::from_pool`,
//! `keyway::mongodb::MongoAdapter::from_client`).

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

/// The axum binding (feature `axum`): `keyway::axum::AuthRouter`, the
/// extractors, ...
#[cfg(feature = "axum")]
pub use keyway_axum as axum;

/// The actix-web binding (feature `actix-web`): `keyway::actix_web::app`,
/// the extractors, ...
#[cfg(feature = "actix-web")]
pub use keyway_actix_web as actix_web;

/// The rocket binding (feature `rocket`): `keyway::rocket::fairing`, the
/// request guards, ...
#[cfg(feature = "rocket")]
pub use keyway_rocket as rocket;
