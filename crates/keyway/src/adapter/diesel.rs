//! keyway-diesel's row in the registry.

use super::AdapterCrate;
use super::registry::{Database, Registration};

pub(crate) const REGISTRATION: Registration = Registration {
    krate: AdapterCrate::Diesel,
    databases: &[
        Database {
            schemes: &["sqlite"],
            what: "SQLite",
            feature: Some("diesel-sqlite"),
            enabled: cfg!(feature = "diesel-sqlite"),
        },
        Database {
            schemes: &["postgres", "postgresql"],
            what: "PostgreSQL",
            feature: Some("diesel-postgres"),
            enabled: cfg!(feature = "diesel-postgres"),
        },
        Database {
            schemes: &["mysql", "mariadb"],
            what: "MySQL/MariaDB",
            feature: Some("diesel-mysql"),
            enabled: cfg!(feature = "diesel-mysql"),
        },
    ],
    open: OPEN,
};

#[cfg(any(
    feature = "diesel-sqlite",
    feature = "diesel-postgres",
    feature = "diesel-mysql"
))]
const OPEN: Option<super::registry::OpenFn> = Some(|url, options| {
    Box::pin(async move {
        let options = keyway_diesel::DieselOptions {
            migrate: options.migrate,
            table_prefix: options.table_prefix,
            max_connections: options.max_connections,
            connect_timeout: options.connect_timeout,
            schema: options.schema,
            ..keyway_diesel::DieselOptions::default()
        };
        let adapter = keyway_diesel::DieselAdapter::connect(&url, options).await?;
        Ok(std::sync::Arc::new(adapter) as std::sync::Arc<dyn keyway_core::Adapter>)
    })
});

#[cfg(not(any(
    feature = "diesel-sqlite",
    feature = "diesel-postgres",
    feature = "diesel-mysql"
)))]
const OPEN: Option<super::registry::OpenFn> = None;
