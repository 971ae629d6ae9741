//! keyway-sea-orm's row in the registry.

use super::AdapterCrate;
use super::registry::{Database, Registration};

pub(crate) const REGISTRATION: Registration = Registration {
    krate: AdapterCrate::SeaOrm,
    databases: &[
        Database {
            schemes: &["sqlite"],
            what: "SQLite",
            feature: Some("sea-orm-sqlite"),
            enabled: cfg!(feature = "sea-orm-sqlite"),
        },
        Database {
            schemes: &["postgres", "postgresql"],
            what: "PostgreSQL",
            feature: Some("sea-orm-postgres"),
            enabled: cfg!(feature = "sea-orm-postgres"),
        },
        Database {
            schemes: &["mysql", "mariadb"],
            what: "MySQL/MariaDB",
            feature: Some("sea-orm-mysql"),
            enabled: cfg!(feature = "sea-orm-mysql"),
        },
    ],
    open: OPEN,
};

#[cfg(any(
    feature = "sea-orm-sqlite",
    feature = "sea-orm-postgres",
    feature = "sea-orm-mysql"
))]
const OPEN: Option<super::registry::OpenFn> = Some(|url, options| {
    Box::pin(async move {
        let options = keyway_sea_orm::SeaOrmOptions {
            migrate: options.migrate,
            table_prefix: options.table_prefix,
            max_connections: options.max_connections,
            connect_timeout: options.connect_timeout,
            schema: options.schema,
            ..keyway_sea_orm::SeaOrmOptions::default()
        };
        let adapter = keyway_sea_orm::SeaOrmAdapter::connect(&url, options).await?;
        Ok(std::sync::Arc::new(adapter) as std::sync::Arc<dyn keyway_core::Adapter>)
    })
});

#[cfg(not(any(
    feature = "sea-orm-sqlite",
    feature = "sea-orm-postgres",
    feature = "sea-orm-mysql"
)))]
const OPEN: Option<super::registry::OpenFn> = None;
