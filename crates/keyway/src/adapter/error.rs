//! [`ConnectError`]: why [`connect`](super::connect) could not open an
//! adapter.

use std::error::Error as StdError;
use std::fmt;

use keyway_core::adapter::AdapterError;

use super::registry::{REGISTRY, describe, features_for};
use super::{ADAPTER_ENV, AdapterCrate};

/// Why [`connect`](super::connect) could not open an adapter. Its messages
/// never show the URL's password.
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
    /// The adapter for this scheme is not compiled in (or the chosen crate's
    /// support for it is not).
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
    /// Two or more compiled-in adapter crates serve this scheme and none was
    /// chosen ([`ConnectOptions::adapter`](super::ConnectOptions::adapter),
    /// `KEYWAY_ADAPTER`).
    Ambiguous {
        /// The scheme, without the colon.
        scheme: String,
        /// The crates that serve it.
        adapters: Vec<AdapterCrate>,
    },
    /// The chosen adapter crate does not serve this scheme.
    NotServed {
        /// The scheme, without the colon.
        scheme: String,
        /// The crate chosen.
        adapter: AdapterCrate,
    },
    /// The adapter crate's name (in `KEYWAY_ADAPTER`, say) is not one keyway
    /// knows.
    UnknownAdapter {
        /// The name given.
        name: String,
    },
    /// The adapter could not open the database (unreachable, bad
    /// credentials, failed migration, ...).
    Adapter(AdapterError),
}

fn crates(adapters: &[AdapterCrate]) -> String {
    let names: Vec<String> = adapters
        .iter()
        .map(|a| format!("{} (`{}`)", a.crate_name(), a.name()))
        .collect();
    names.join(" and ")
}

fn choices(adapters: &[AdapterCrate]) -> String {
    let names: Vec<&str> = adapters.iter().map(|a| a.name()).collect();
    names.join(" or ")
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUrl { url } => write!(
                f,
                "`{url}` is not a database URL (it needs a scheme); known schemes: {}",
                describe(REGISTRY)
            ),
            Self::UnknownScheme { scheme } => write!(
                f,
                "unknown database URL scheme `{scheme}:`; known schemes: {}",
                describe(REGISTRY)
            ),
            Self::FeatureDisabled { scheme, feature } => {
                let all = features_for(REGISTRY, scheme);
                write!(
                    f,
                    "database URL scheme `{scheme}:` needs keyway's `{feature}` feature, \
                     which is not enabled"
                )?;
                if all.len() > 1 {
                    write!(f, " (features that serve it: {})", all.join(", "))?;
                }
                write!(f, "; known schemes: {}", describe(REGISTRY))
            }
            Self::Unavailable { scheme } => write!(
                f,
                "database URL scheme `{scheme}:` is known but its adapter is not available yet; \
                 known schemes: {}",
                describe(REGISTRY)
            ),
            Self::Ambiguous { scheme, adapters } => write!(
                f,
                "database URL scheme `{scheme}:` is served by {}, both compiled in: choose one \
                 with {ADAPTER_ENV}={} in the environment or ConnectOptions::adapter in code",
                crates(adapters),
                choices(adapters)
            ),
            Self::NotServed { scheme, adapter } => write!(
                f,
                "{} ({ADAPTER_ENV}={adapter}) does not serve database URL scheme `{scheme}:`; \
                 known schemes: {}",
                adapter.crate_name(),
                describe(REGISTRY)
            ),
            Self::UnknownAdapter { name } => write!(
                f,
                "unknown adapter crate `{name}` ({ADAPTER_ENV}): use {}",
                choices(&AdapterCrate::ALL)
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
