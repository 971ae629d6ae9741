//! keyway-mongodb's row in the registry.

use super::AdapterCrate;
use super::registry::{Database, Registration};

pub(crate) const REGISTRATION: Registration = Registration {
    krate: AdapterCrate::MongoDb,
    databases: &[Database {
        schemes: &["mongodb", "mongodb+srv"],
        what: "MongoDB",
        feature: Some("mongodb"),
        enabled: cfg!(feature = "mongodb"),
    }],
    open: OPEN,
};

/// The database comes from the URL's path (`keyway` when it has none);
/// `migrate` creates the indexes, `table_prefix` prefixes the collection
/// names, `max_connections` bounds the pool, `connect_timeout` bounds both
/// the connection and the wait for a usable server. `schema` does not apply.
#[cfg(feature = "mongodb")]
const OPEN: Option<super::registry::OpenFn> = Some(|url, options| {
    Box::pin(async move {
        let options = keyway_mongodb::MongoOptions {
            collections: options
                .table_prefix
                .as_deref()
                .map(keyway_mongodb::CollectionNames::with_prefix)
                .unwrap_or_default(),
            create_indexes: options.migrate,
            max_pool_size: options.max_connections,
            connect_timeout: options.connect_timeout,
            ..keyway_mongodb::MongoOptions::default()
        };
        let adapter = keyway_mongodb::MongoAdapter::connect(&url, options).await?;
        Ok(std::sync::Arc::new(adapter) as std::sync::Arc<dyn keyway_core::Adapter>)
    })
});

#[cfg(not(feature = "mongodb"))]
const OPEN: Option<super::registry::OpenFn> = None;
