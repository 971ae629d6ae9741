//! keyway-mongodb's row in the registry.

use super::AdapterCrate;
use super::registry::{Database, Registration};

// keyway-mongodb is not written yet: its schemes are known, so a
// `mongodb:` URL gets "not available yet" rather than "unknown scheme".
pub(crate) const REGISTRATION: Registration = Registration {
    krate: AdapterCrate::MongoDb,
    databases: &[Database {
        schemes: &["mongodb", "mongodb+srv"],
        what: "MongoDB",
        feature: None,
        enabled: false,
    }],
    open: None,
};
