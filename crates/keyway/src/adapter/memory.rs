//! keyway-memory's row in the registry.

use super::AdapterCrate;
use super::registry::{Database, Registration};

pub(crate) const REGISTRATION: Registration = Registration {
    krate: AdapterCrate::Memory,
    databases: &[Database {
        schemes: &["memory"],
        what: "in-process, for tests and demos",
        feature: Some("memory"),
        enabled: cfg!(feature = "memory"),
    }],
    open: OPEN,
};

#[cfg(feature = "memory")]
const OPEN: Option<super::registry::OpenFn> = Some(|_url, _options| {
    Box::pin(async {
        Ok(std::sync::Arc::new(keyway_memory::MemoryAdapter::new())
            as std::sync::Arc<dyn keyway_core::Adapter>)
    })
});

#[cfg(not(feature = "memory"))]
const OPEN: Option<super::registry::OpenFn> = None;
