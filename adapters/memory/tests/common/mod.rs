//! The conformance suite's `Inspector` for `MemoryAdapter`: it reads the maps
//! directly through the adapter's `stored_*` methods, never through the
//! `Adapter` trait.

use keyway_core::{Account, Session, SessionToken, User, VerificationToken};
use keyway_memory::MemoryAdapter;
use keyway_testkit::conformance::Inspector;

/// Reads a `MemoryAdapter`'s store (shared with every clone of it).
pub struct MemoryInspector(pub MemoryAdapter);

#[async_trait::async_trait]
impl Inspector for MemoryInspector {
    async fn user(&self, id: &str) -> Option<User> {
        self.0.stored_user(id)
    }

    async fn account(&self, provider: &str, provider_account_id: &str) -> Option<Account> {
        self.0.stored_account(provider, provider_account_id)
    }

    async fn session(&self, session_token: &SessionToken) -> Option<Session> {
        self.0.stored_session(session_token)
    }

    async fn verification_token(&self, identifier: &str, token: &str) -> Option<VerificationToken> {
        self.0.stored_verification_token(identifier, token)
    }
}
