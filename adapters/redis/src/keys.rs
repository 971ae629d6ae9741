//! The Redis key of every entry (see the crate docs' "Keys").

use keyway_core::SessionToken;
use sha2::{Digest, Sha256};

#[derive(Clone)]
pub(crate) struct Keys {
    prefix: String,
}

impl Keys {
    pub(crate) fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
        }
    }

    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The hex SHA-256 of a session token: what Redis holds instead of it.
    pub(crate) fn session_hash(&self, token: &SessionToken) -> String {
        let digest = Sha256::digest(token.as_str().as_bytes());
        keyway_core::random::to_hex(&digest)
    }

    pub(crate) fn session(&self, token: &SessionToken) -> String {
        self.session_by_hash(&self.session_hash(token))
    }

    pub(crate) fn session_by_hash(&self, hash: &str) -> String {
        format!("{}s:{hash}", self.prefix)
    }

    pub(crate) fn user(&self, user_id: &str) -> String {
        format!("{}u:{user_id}", self.prefix)
    }

    pub(crate) fn counter(&self, key: &str) -> String {
        format!("{}c:{key}", self.prefix)
    }

    pub(crate) fn lease(&self, key: &str) -> String {
        format!("{}l:{key}", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_never_share_a_key_and_tokens_are_hashed() {
        let k = Keys::new("app:");
        let token = SessionToken::new("secret-token-value");
        let session = k.session(&token);
        assert!(
            session.starts_with("app:s:") && session.len() == 6 + 64,
            "{session}"
        );
        assert!(!session.contains("secret-token-value"));
        let all = [session, k.user("x"), k.counter("x"), k.lease("x")];
        for (i, a) in all.iter().enumerate() {
            assert!(a.starts_with("app:"));
            for b in &all[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
