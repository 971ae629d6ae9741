//! Database adapters: the [`Adapter`] trait (re-exported from keyway-core)
//! and [`connect`], which opens the right adapter crate for a database URL.
//!
//! The URL's scheme names the database; the adapter crate serving it is
//! the one compiled in (by keyway's features):
//!
//! | scheme                      | database       | keyway-sea-orm     | keyway-diesel | other                  |
//! |-----------------------------|----------------|--------------------|---------------|------------------------|
//! | `sqlite:`                   | SQLite         | `sea-orm-sqlite`   | `diesel-sqlite`   |                    |
//! | `postgres:`, `postgresql:`  | PostgreSQL     | `sea-orm-postgres` | `diesel-postgres` |                    |
//! | `mysql:`, `mariadb:`        | MySQL/MariaDB  | `sea-orm-mysql`    | `diesel-mysql`    |                    |
//! | `memory:`                   | in-process     |                    |               | keyway-memory, `memory`|
//! | `mongodb:`, `mongodb+srv:`  | MongoDB        |                    |               | keyway-mongodb, `mongodb` |
//!
//! When two compiled-in crates serve one scheme, the choice is explicit:
//! [`ConnectOptions::adapter`], or the `KEYWAY_ADAPTER` environment variable
//! (`sea-orm` or `diesel`) read by [`ConnectOptions::from_env`] and by
//! [`connect`]. Without a choice, [`connect`] fails with
//! [`ConnectError::Ambiguous`], which names both crates and `KEYWAY_ADAPTER`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), keyway::adapter::ConnectError> {
//! use keyway::adapter::{self, ConnectOptions};
//!
//! // The app's settings come from the environment: KEYWAY_ADAPTER picks the crate.
//! let options = ConnectOptions::from_env()?;
//! let adapter = adapter::connect_with("postgres://app@127.0.0.1/app", options).await?;
//! # Ok(()) }
//! ```

mod diesel;
mod error;
mod memory;
mod mongodb;
mod registry;
mod sea_orm;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub use keyway_core::adapter::*;

pub use error::ConnectError;

use keyway_core::redact::redact_url;

/// The environment variable [`ConnectOptions::from_env`] reads the adapter
/// crate from.
pub const ADAPTER_ENV: &str = "KEYWAY_ADAPTER";

/// An adapter crate keyway can open a database through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AdapterCrate {
    /// keyway-sea-orm (`sea-orm`): SQLite, PostgreSQL, MySQL/MariaDB.
    SeaOrm,
    /// keyway-diesel (`diesel`): SQLite, PostgreSQL, MySQL/MariaDB.
    Diesel,
    /// keyway-memory (`memory`): in-process.
    Memory,
    /// keyway-mongodb (`mongodb`): MongoDB.
    MongoDb,
}

impl AdapterCrate {
    /// Every adapter crate, in the order messages list them.
    pub const ALL: [AdapterCrate; 4] = [Self::SeaOrm, Self::Diesel, Self::Memory, Self::MongoDb];

    /// The short name `KEYWAY_ADAPTER` takes (`"sea-orm"`, `"diesel"`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            Self::SeaOrm => "sea-orm",
            Self::Diesel => "diesel",
            Self::Memory => "memory",
            Self::MongoDb => "mongodb",
        }
    }

    /// The crate's name (`"keyway-sea-orm"`, ...).
    pub const fn crate_name(self) -> &'static str {
        match self {
            Self::SeaOrm => "keyway-sea-orm",
            Self::Diesel => "keyway-diesel",
            Self::Memory => "keyway-memory",
            Self::MongoDb => "keyway-mongodb",
        }
    }
}

impl fmt::Display for AdapterCrate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for AdapterCrate {
    type Err = ConnectError;

    /// Reads a short name (`sea-orm`, `diesel`, `memory`, `mongodb`) or a
    /// crate name (`keyway-diesel`), ignoring case and surrounding blanks.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        let short = wanted.strip_prefix("keyway-").unwrap_or(&wanted);
        Self::ALL
            .into_iter()
            .find(|c| c.name() == short)
            .ok_or_else(|| ConnectError::UnknownAdapter {
                name: s.trim().to_owned(),
            })
    }
}

/// Options for [`connect_with`]. Options that do not apply to the chosen
/// adapter (all of them for `memory:`) are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    /// The adapter crate to open the database with. `None` takes the one
    /// compiled-in crate that serves the URL's scheme; when two do (both
    /// keyway-sea-orm and keyway-diesel serve SQL databases), it must be
    /// set. [`ConnectOptions::from_env`] sets it from `KEYWAY_ADAPTER`.
    pub adapter: Option<AdapterCrate>,
    /// Create or upgrade the adapter's tables (MongoDB: its indexes) when
    /// connecting (default `true`).
    pub migrate: bool,
    /// Put before every table name (SQL databases) or collection name
    /// (MongoDB).
    pub table_prefix: Option<String>,
    /// Largest number of pooled connections.
    pub max_connections: Option<u32>,
    /// How long to wait for a connection before failing with a connection
    /// error (the driver's default is 30 seconds).
    pub connect_timeout: Option<Duration>,
    /// PostgreSQL: the schema to work in (created if missing).
    pub schema: Option<String>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            adapter: None,
            migrate: true,
            table_prefix: None,
            max_connections: None,
            connect_timeout: None,
            schema: None,
        }
    }
}

impl ConnectOptions {
    /// The default options with [`adapter`](Self::adapter) taken from the
    /// `KEYWAY_ADAPTER` environment variable (`sea-orm` or `diesel`; unset
    /// or empty leaves it `None`).
    ///
    /// Errors: [`ConnectError::UnknownAdapter`] for any other value.
    pub fn from_env() -> Result<Self, ConnectError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) reading variables through `var` (a
    /// variable's value, if set).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConnectError> {
        let adapter = match var(ADAPTER_ENV).filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(name) => Some(name.parse()?),
        };
        Ok(Self {
            adapter,
            ..Self::default()
        })
    }
}

/// Opens the adapter for `url` with default options (migrations run), the
/// adapter crate chosen by `KEYWAY_ADAPTER` when it is set
/// ([`ConnectOptions::from_env`]).
///
/// See the [module documentation](self) for the schemes. An unknown scheme,
/// or one whose feature is off, is refused with a message that lists them;
/// a scheme served by two compiled-in crates, with `KEYWAY_ADAPTER` unset,
/// is refused with [`ConnectError::Ambiguous`]. Two crates can be compiled
/// in without the app asking for both: in a Cargo workspace, another
/// member's features turn them on too.
pub async fn connect(url: &str) -> Result<Arc<dyn Adapter>, ConnectError> {
    connect_with(url, ConnectOptions::from_env()?).await
}

/// Opens the adapter for `url` with `options`.
pub async fn connect_with(
    url: &str,
    options: ConnectOptions,
) -> Result<Arc<dyn Adapter>, ConnectError> {
    let scheme = scheme_of(url)?;
    let (_, open) = registry::choose(registry::REGISTRY, &scheme, options.adapter)?;
    Ok(open(url.to_owned(), options).await?)
}

/// The adapter crate [`connect_with`] would open `url` through with this
/// `choice`, without opening anything (for an app's start-up banner), or
/// the error it would fail with before reaching the database.
pub fn resolve(url: &str, choice: Option<AdapterCrate>) -> Result<AdapterCrate, ConnectError> {
    let scheme = scheme_of(url)?;
    registry::choose(registry::REGISTRY, &scheme, choice).map(|(r, _)| r.krate)
}

/// The URL's scheme, lower case, without the colon.
fn scheme_of(url: &str) -> Result<String, ConnectError> {
    match url.split_once(':') {
        Some((s, _)) if is_scheme(s) => Ok(s.to_ascii_lowercase()),
        _ => Err(ConnectError::InvalidUrl {
            url: redact_url(url),
        }),
    }
}

fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_list_names_every_scheme_and_feature() {
        let s = registry::describe(registry::REGISTRY);
        for needle in [
            "sqlite:",
            "postgres:",
            "postgresql:",
            "mysql:",
            "mariadb:",
            "memory:",
            "mongodb:",
            "`sea-orm-sqlite`",
            "`sea-orm-postgres`",
            "`sea-orm-mysql`",
            "`memory`",
            "`mongodb`",
        ] {
            assert!(s.contains(needle), "{needle} missing from {s}");
        }
    }

    #[test]
    fn schemes_are_recognised_syntactically() {
        assert!(is_scheme("mongodb+srv"));
        assert!(is_scheme("sqlite"));
        assert!(!is_scheme(""));
        assert!(!is_scheme("1x"));
        assert!(!is_scheme("a b"));
    }

    #[test]
    fn adapter_names_parse_both_ways() {
        for c in AdapterCrate::ALL {
            assert_eq!(c.name().parse::<AdapterCrate>().unwrap(), c);
            assert_eq!(c.crate_name().parse::<AdapterCrate>().unwrap(), c);
        }
        assert_eq!(
            " Diesel ".parse::<AdapterCrate>().unwrap(),
            AdapterCrate::Diesel
        );
        let e = "sqlx".parse::<AdapterCrate>().unwrap_err();
        assert!(matches!(e, ConnectError::UnknownAdapter { ref name } if name == "sqlx"));
    }
}
