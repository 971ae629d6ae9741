//! Reading the store directly, around the [`Adapter`](keyway_core::Adapter)
//! methods: for tests and debugging.
//!
//! These methods show what is really stored. The conformance suite's
//! `Inspector` for this adapter is built on them, and a test can use them to
//! check what the engine wrote without going through the code under test.

use keyway_core::{Account, Session, SessionToken, User, VerificationToken};

use crate::MemoryAdapter;

impl MemoryAdapter {
    /// The stored user with this id.
    pub fn stored_user(&self, id: &str) -> Option<User> {
        self.read().users.get(id).cloned()
    }

    /// The stored account `(provider, provider_account_id)`.
    pub fn stored_account(&self, provider: &str, provider_account_id: &str) -> Option<Account> {
        self.read()
            .accounts
            .get(&(provider.to_owned(), provider_account_id.to_owned()))
            .cloned()
    }

    /// The stored session with this token, whether or not its user exists.
    pub fn stored_session(&self, session_token: &SessionToken) -> Option<Session> {
        self.read().sessions.get(session_token).cloned()
    }

    /// The stored verification token `(identifier, token)`, without using it.
    pub fn stored_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> Option<VerificationToken> {
        self.read()
            .verification_tokens
            .get(&(identifier.to_owned(), token.to_owned()))
            .cloned()
    }

    /// How many users are stored.
    pub fn user_count(&self) -> usize {
        self.read().users.len()
    }

    /// How many accounts are stored.
    pub fn account_count(&self) -> usize {
        self.read().accounts.len()
    }

    /// How many sessions are stored.
    pub fn session_count(&self) -> usize {
        self.read().sessions.len()
    }

    /// How many verification tokens are stored.
    pub fn verification_token_count(&self) -> usize {
        self.read().verification_tokens.len()
    }

    /// The stored counter `key` of [`Adapter::hit`](keyway_core::Adapter::hit):
    /// its count and the end of its window, even if the window has ended.
    pub fn stored_counter(&self, key: &str) -> Option<(u64, chrono::DateTime<chrono::Utc>)> {
        self.read()
            .counters
            .get(key)
            .map(|c| (c.count, c.window_ends))
    }

    /// How many counters are stored (ended windows not yet swept included).
    pub fn counter_count(&self) -> usize {
        self.read().counters.len()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use keyway_core::{AccountType, Adapter, AdapterErrorKind, SessionUpdate, UserUpdate};

    use super::*;

    fn at(secs: i64) -> chrono::DateTime<Utc> {
        Utc.timestamp_opt(secs, 0)
            .single()
            .expect("valid timestamp")
    }

    #[tokio::test]
    async fn delete_user_cascades_and_counts_follow() {
        let m = MemoryAdapter::new();
        m.create_user(User::new("u1", "a@x.test"))
            .await
            .expect("u1");
        m.create_user(User::new("u2", "b@x.test"))
            .await
            .expect("u2");
        for (uid, pid) in [("u1", "1"), ("u1", "2"), ("u2", "3")] {
            m.link_account(Account::new(uid, AccountType::Oauth, "gh", pid))
                .await
                .expect("link");
        }
        for (uid, tok) in [("u1", "s1"), ("u2", "s2")] {
            m.create_session(Session {
                session_token: SessionToken::new(tok),
                user_id: uid.into(),
                expires: at(10),
            })
            .await
            .expect("session");
        }
        assert_eq!(
            (m.user_count(), m.account_count(), m.session_count()),
            (2, 3, 2)
        );

        let deleted = m.delete_user("u1").await.expect("delete");
        assert_eq!(deleted.map(|u| u.id), Some("u1".to_owned()));
        assert_eq!(
            (m.user_count(), m.account_count(), m.session_count()),
            (1, 1, 1)
        );
        assert!(m.stored_account("gh", "3").is_some());
        assert!(m.stored_session(&SessionToken::new("s2")).is_some());
        // The email is free again.
        m.create_user(User::new("u3", "a@x.test"))
            .await
            .expect("reuse email");
    }

    #[tokio::test]
    async fn failed_email_change_writes_nothing() {
        let m = MemoryAdapter::new();
        m.create_user(User::new("u1", "a@x.test"))
            .await
            .expect("u1");
        m.create_user(User::new("u2", "b@x.test"))
            .await
            .expect("u2");
        let mut up = UserUpdate::new("u2");
        up.email = Some(Some("a@x.test".into()));
        up.name = Some(Some("B".into()));
        let err = m.update_user(up).await.expect_err("taken email");
        assert_eq!(err.kind(), AdapterErrorKind::Conflict);
        assert_eq!(m.stored_user("u2"), Some(User::new("u2", "b@x.test")));

        // Moving and clearing an email keeps the index right.
        let mut up = UserUpdate::new("u2");
        up.email = Some(Some("c@x.test".into()));
        m.update_user(up).await.expect("move");
        assert_eq!(m.get_user_by_email("b@x.test").await.expect("lookup"), None);
        let mut up = UserUpdate::new("u2");
        up.email = Some(None);
        m.update_user(up).await.expect("clear");
        assert_eq!(m.get_user_by_email("c@x.test").await.expect("lookup"), None);
        m.create_user(User::new("u3", "c@x.test"))
            .await
            .expect("free");
    }

    #[tokio::test]
    async fn duplicate_id_is_a_conflict() {
        let m = MemoryAdapter::new();
        m.create_user(User::new("u1", "a@x.test"))
            .await
            .expect("u1");
        let err = m
            .create_user(User::new("u1", "other@x.test"))
            .await
            .expect_err("same id");
        assert_eq!(err.kind(), AdapterErrorKind::Conflict);
        assert_eq!(err.operation(), Some("create_user"));
        assert_eq!(
            m.get_user_by_email("other@x.test").await.expect("lookup"),
            None
        );
    }

    #[tokio::test]
    async fn ended_counters_are_swept_and_live_ones_never_evicted() {
        let m = MemoryAdapter::new();
        let minute = std::time::Duration::from_secs(60);
        assert_eq!(m.hit("victim", at(0), minute).await.expect("hit"), 1);
        assert_eq!(m.hit("victim", at(1), minute).await.expect("hit"), 2);
        // Many short-lived keys: their windows end, the victim's does not.
        let second = std::time::Duration::from_secs(1);
        for i in 0..5_000 {
            m.hit(&format!("k{i}"), at(2), second).await.expect("hit");
        }
        assert_eq!(m.hit("k-late", at(10), second).await.expect("hit"), 1);
        for i in 0..5_000 {
            m.hit(&format!("j{i}"), at(10), second).await.expect("hit");
        }
        assert!(
            m.counter_count() < 10_000,
            "ended windows are swept: {}",
            m.counter_count()
        );
        assert_eq!(m.stored_counter("victim"), Some((2, at(60))));
        assert_eq!(m.hit("victim", at(11), minute).await.expect("hit"), 3);
    }

    #[tokio::test]
    async fn session_update_and_debug_output() {
        let m = MemoryAdapter::new();
        let token = SessionToken::new("very-secret-token");
        m.create_session(Session {
            session_token: token.clone(),
            user_id: "u1".into(),
            expires: at(10),
        })
        .await
        .expect("session");
        let moved = m
            .update_session(SessionUpdate::expires(token.clone(), at(20)))
            .await
            .expect("update");
        assert_eq!(moved.map(|s| s.expires), Some(at(20)));
        let debug = format!("{m:?}");
        assert!(!debug.contains("very-secret-token"), "{debug}");
        assert!(debug.contains("sessions: 1"), "{debug}");
    }
}
