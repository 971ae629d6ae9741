//! keyway-diesel's row in the registry.

use super::AdapterCrate;
use super::registry::{Database, Registration};

// keyway-diesel is being written: its schemes are known, its features not
// yet.
pub(crate) const REGISTRATION: Registration = Registration {
    krate: AdapterCrate::Diesel,
    databases: &[
        Database {
            schemes: &["sqlite"],
            what: "SQLite",
            feature: None,
            enabled: false,
        },
        Database {
            schemes: &["postgres", "postgresql"],
            what: "PostgreSQL",
            feature: None,
            enabled: false,
        },
        Database {
            schemes: &["mysql", "mariadb"],
            what: "MySQL/MariaDB",
            feature: None,
            enabled: false,
        },
    ],
    open: None,
};
