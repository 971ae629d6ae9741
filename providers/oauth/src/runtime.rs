//! What a provider keeps between requests: its HTTP client, its discovery
//! document and its signing keys.

use std::time::Duration;

use crate::discovery::MetadataCache;
use crate::http::Http;
use crate::jwks::JwksCache;

/// One provider's shared state.
#[derive(Debug)]
pub(crate) struct Runtime {
    pub http: Http,
    pub metadata: MetadataCache,
    pub jwks: JwksCache,
}

impl Runtime {
    pub(crate) fn new(timeout: Duration, roots: Vec<Vec<u8>>) -> Self {
        Self {
            http: Http::new(timeout, roots),
            metadata: MetadataCache::default(),
            jwks: JwksCache::default(),
        }
    }
}
