//! Database adapters: the [`Adapter`] trait (re-exported from keyway-core)
//! and [`connect`], which opens the right adapter for a database URL.
//!
//! | scheme                      | adapter                        | feature            |
//! |-----------------------------|--------------------------------|--------------------|
//! | `sqlite:`                   | keyway-sea-orm on SQLite       | `sea-orm-sqlite`   |
//! | `postgres:`, `postgresql:`  | keyway-sea-orm on PostgreSQL   | `sea-orm-postgres` |
//! | `mysql:`, `mariadb:`        | keyway-sea-orm on MySQL/MariaDB| `sea-orm-mysql`    |
//! | `memory:`                   | keyway-memory (in-process)     | `memory`           |
//! | `mongodb:`, `mongodb+srv:`  | not available yet              |                    |

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use keyway_core::adapter::*;

use keyway_core::redact::redact_url;

/// Options for [`connect_with`]. Options that do not apply to the chosen
/// adapter (all of them for `memory:`) are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    /// Create or upgrade the adapter's tables when connecting (default `true`).
    pub migrate: bool,
    /// Put before every table name (SQL databases).
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
            migrate: true,
            table_prefix: None,
            max_connections: None,
            connect_timeout: None,
            schema: None,
        }
    }
}

/// Why [`connect`] could not open an adapter. Its messages never show the
/// URL's password.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConnectError {
    /// The URL does not start with a `scheme:`.
    InvalidUrl {
        /// The URL, password hidden.
        url: String,
    },
    /// keyway knows no adapter for this scheme.
    UnknownScheme {
        /// The scheme, without the colon.
        scheme: String,
    },
    /// The adapter for this scheme is not compiled in.
    FeatureDisabled {
        /// The scheme, without the colon.
        scheme: String,
        /// The keyway feature that adds it.
        feature: &'static str,
    },
    /// The scheme is known, but its adapter is not written yet.
    Unavailable {
        /// The scheme, without the colon.
        scheme: String,
    },
    /// The adapter could not open the database (unreachable, bad
    /// credentials, failed migration, ...).
    Adapter(AdapterError),
}

/// One row of the scheme table.
struct Scheme {
    names: &'static [&'static str],
    what: &'static str,
    /// The feature that adds it, and whether it is on; `None`: not available.
    feature: Option<(&'static str, bool)>,
}

const SCHEMES: &[Scheme] = &[
    Scheme {
        names: &["sqlite"],
        what: "SQLite via keyway-sea-orm",
        feature: Some(("sea-orm-sqlite", cfg!(feature = "sea-orm-sqlite"))),
    },
    Scheme {
        names: &["postgres", "postgresql"],
        what: "PostgreSQL via keyway-sea-orm",
        feature: Some(("sea-orm-postgres", cfg!(feature = "sea-orm-postgres"))),
    },
    Scheme {
        names: &["mysql", "mariadb"],
        what: "MySQL/MariaDB via keyway-sea-orm",
        feature: Some(("sea-orm-mysql", cfg!(feature = "sea-orm-mysql"))),
    },
    Scheme {
        names: &["memory"],
        what: "in-process, for tests and demos, via keyway-memory",
        feature: Some(("memory", cfg!(feature = "memory"))),
    },
    Scheme {
        names: &["mongodb", "mongodb+srv"],
        what: "MongoDB",
        feature: None,
    },
];

/// The known schemes, each with what it opens and the feature that enables
/// it, as one line of text for error messages.
fn known_schemes() -> String {
    let rows: Vec<String> = SCHEMES
        .iter()
        .map(|s| {
            let names: Vec<String> = s.names.iter().map(|n| format!("{n}:")).collect();
            let state = match s.feature {
                Some((f, true)) => format!("feature `{f}`, enabled"),
                Some((f, false)) => format!("feature `{f}`, not enabled"),
                None => "not available yet".to_owned(),
            };
            format!("{} ({}; {state})", names.join(" / "), s.what)
        })
        .collect();
    rows.join(", ")
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUrl { url } => write!(
                f,
                "`{url}` is not a database URL (it needs a scheme); known schemes: {}",
                known_schemes()
            ),
            Self::UnknownScheme { scheme } => write!(
                f,
                "unknown database URL scheme `{scheme}:`; known schemes: {}",
                known_schemes()
            ),
            Self::FeatureDisabled { scheme, feature } => write!(
                f,
                "database URL scheme `{scheme}:` needs keyway's `{feature}` feature, \
                 which is not enabled; known schemes: {}",
                known_schemes()
            ),
            Self::Unavailable { scheme } => write!(
                f,
                "database URL scheme `{scheme}:` is known but its adapter is not available yet; \
                 known schemes: {}",
                known_schemes()
            ),
            Self::Adapter(e) => write!(f, "could not open the database: {e}"),
        }
    }
}

impl StdError for ConnectError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::Adapter(e) => Some(e),
            _ => None,
        }
    }
}

impl From<AdapterError> for ConnectError {
    fn from(e: AdapterError) -> Self {
        Self::Adapter(e)
    }
}

/// Opens the adapter for `url` with default options (migrations run).
///
/// See the [module documentation](self) for the schemes. An unknown scheme,
/// or one whose feature is off, is refused with a message that lists them.
pub async fn connect(url: &str) -> Result<Arc<dyn Adapter>, ConnectError> {
    connect_with(url, ConnectOptions::default()).await
}

/// Opens the adapter for `url` with `options`.
pub async fn connect_with(
    url: &str,
    options: ConnectOptions,
) -> Result<Arc<dyn Adapter>, ConnectError> {
    let scheme = match url.split_once(':') {
        Some((s, _)) if is_scheme(s) => s.to_ascii_lowercase(),
        _ => {
            return Err(ConnectError::InvalidUrl {
                url: redact_url(url),
            });
        }
    };
    let Some(known) = SCHEMES.iter().find(|s| s.names.contains(&scheme.as_str())) else {
        return Err(ConnectError::UnknownScheme { scheme });
    };
    match known.feature {
        None => Err(ConnectError::Unavailable { scheme }),
        Some((feature, false)) => Err(ConnectError::FeatureDisabled { scheme, feature }),
        Some((_, true)) => open(&scheme, url, options).await,
    }
}

fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Opens an enabled scheme's adapter.
#[allow(unused_variables)] // which arguments are used depends on the features
async fn open(
    scheme: &str,
    url: &str,
    options: ConnectOptions,
) -> Result<Arc<dyn Adapter>, ConnectError> {
    #[cfg(feature = "memory")]
    if scheme == "memory" {
        return Ok(Arc::new(keyway_memory::MemoryAdapter::new()));
    }
    #[cfg(any(
        feature = "sea-orm-sqlite",
        feature = "sea-orm-postgres",
        feature = "sea-orm-mysql"
    ))]
    {
        let opts = keyway_sea_orm::SeaOrmOptions {
            migrate: options.migrate,
            table_prefix: options.table_prefix,
            max_connections: options.max_connections,
            connect_timeout: options.connect_timeout,
            schema: options.schema,
            ..keyway_sea_orm::SeaOrmOptions::default()
        };
        let adapter = keyway_sea_orm::SeaOrmAdapter::connect(url, opts).await?;
        Ok(Arc::new(adapter))
    }
    #[cfg(not(any(
        feature = "sea-orm-sqlite",
        feature = "sea-orm-postgres",
        feature = "sea-orm-mysql"
    )))]
    Err(ConnectError::UnknownScheme {
        scheme: scheme.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_list_names_every_scheme_and_feature() {
        let s = known_schemes();
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
            "not available yet",
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
}
