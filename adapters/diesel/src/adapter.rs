//! The [`Adapter`] implementation: each method takes a pooled connection
//! and runs its backend's query.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use keyway_core::{
    Account, Adapter, AdapterResult, Session, SessionToken, SessionUpdate, User, UserUpdate,
    VerificationToken,
};

use crate::{DieselAdapter, with_conn};

/// Of every few hits, about one also deletes the counters whose window has
/// ended (1 in `SWEEP_EVERY`, chosen at random).
const SWEEP_EVERY: u8 = 128;

#[async_trait]
impl Adapter for DieselAdapter {
    async fn create_user(&self, user: User) -> AdapterResult<User> {
        with_conn!(self, "create_user", |c, q| q::create_user(
            c, &self.sql, user
        )
        .await)
    }

    async fn get_user(&self, id: &str) -> AdapterResult<Option<User>> {
        with_conn!(self, "get_user", |c, q| q::get_user(c, &self.sql, id).await)
    }

    async fn get_user_by_email(&self, email: &str) -> AdapterResult<Option<User>> {
        with_conn!(self, "get_user_by_email", |c, q| {
            q::get_user_by_email(c, &self.sql, email).await
        })
    }

    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<User>> {
        with_conn!(self, "get_user_by_account", |c, q| {
            q::get_user_by_account(c, &self.sql, provider, provider_account_id).await
        })
    }

    async fn update_user(&self, update: UserUpdate) -> AdapterResult<User> {
        with_conn!(self, "update_user", |c, q| q::update_user(
            c, &self.sql, update
        )
        .await)
    }

    async fn delete_user(&self, id: &str) -> AdapterResult<Option<User>> {
        with_conn!(self, "delete_user", |c, q| q::delete_user(c, &self.sql, id)
            .await)
    }

    async fn link_account(&self, account: Account) -> AdapterResult<Account> {
        with_conn!(self, "link_account", |c, q| {
            q::link_account(c, &self.sql, account).await
        })
    }

    async fn unlink_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<Account>> {
        with_conn!(self, "unlink_account", |c, q| {
            q::unlink_account(c, &self.sql, &self.server, provider, provider_account_id).await
        })
    }

    async fn get_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<Account>> {
        with_conn!(self, "get_account", |c, q| {
            q::get_account(c, &self.sql, provider, provider_account_id).await
        })
    }

    async fn get_accounts_of_user(&self, user_id: &str) -> AdapterResult<Option<Vec<Account>>> {
        with_conn!(self, "get_accounts_of_user", |c, q| {
            q::get_accounts_of_user(c, &self.sql, user_id)
                .await
                .map(Some)
        })
    }

    async fn update_account(&self, account: Account) -> AdapterResult<Option<Account>> {
        with_conn!(self, "update_account", |c, q| {
            q::update_account(c, &self.sql, account).await
        })
    }

    async fn create_session(&self, session: Session) -> AdapterResult<Session> {
        with_conn!(self, "create_session", |c, q| {
            q::create_session(c, &self.sql, session).await
        })
    }

    async fn get_session_and_user(
        &self,
        session_token: &SessionToken,
    ) -> AdapterResult<Option<(Session, User)>> {
        with_conn!(self, "get_session_and_user", |c, q| {
            q::get_session_and_user(c, &self.sql, session_token).await
        })
    }

    async fn update_session(&self, update: SessionUpdate) -> AdapterResult<Option<Session>> {
        with_conn!(self, "update_session", |c, q| {
            q::update_session(c, &self.sql, &self.server, update).await
        })
    }

    async fn delete_session(&self, session_token: &SessionToken) -> AdapterResult<Option<Session>> {
        with_conn!(self, "delete_session", |c, q| {
            q::delete_session(c, &self.sql, &self.server, session_token).await
        })
    }

    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> AdapterResult<VerificationToken> {
        with_conn!(self, "create_verification_token", |c, q| {
            q::create_verification_token(c, &self.sql, token).await
        })
    }

    async fn hit(&self, key: &str, now: DateTime<Utc>, window: Duration) -> AdapterResult<u64> {
        let now_ms = now.timestamp_millis();
        let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
        let ends_ms = now_ms.saturating_add(window_ms);
        let hits = with_conn!(self, "hit", |c, q| {
            q::hit(c, &self.sql, &self.server, key, now_ms, ends_ms).await
        })?;
        // About one hit in SWEEP_EVERY also deletes ended counters; best
        // effort, the hit already counted stands.
        if keyway_core::random::bytes::<1>()[0].is_multiple_of(SWEEP_EVERY) {
            let swept: AdapterResult<usize> = with_conn!(self, "hit", |c, q| {
                q::sweep_counters(c, &self.sql, now_ms).await
            });
            if let Err(e) = swept {
                tracing::warn!(error = %e, "keyway-diesel could not delete ended rate-limit counters");
            }
        }
        Ok(hits)
    }

    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> AdapterResult<Option<VerificationToken>> {
        with_conn!(self, "use_verification_token", |c, q| {
            q::use_verification_token(c, &self.sql, &self.server, identifier, token).await
        })
    }

    async fn delete_expired(&self, now: DateTime<Utc>) -> AdapterResult<keyway_core::Pruned> {
        with_conn!(self, "delete_expired", |c, q| {
            q::delete_expired(c, &self.sql, now).await
        })
    }
}
