//! An adapter with a store beside it: sessions and counters go to the
//! store, everything else to the adapter. The engine wraps its adapter in
//! one when a store is set, so no action needs to know.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::Store;
use crate::adapter::{Adapter, AdapterResult, Pruned};
use crate::model::{
    Account, Session, SessionToken, SessionUpdate, User, UserUpdate, VerificationToken,
};

/// `adapter` for users, accounts and verification tokens; `store` for
/// sessions and counters.
pub(crate) struct Layered {
    pub adapter: Arc<dyn Adapter>,
    pub store: Arc<dyn Store>,
}

#[async_trait]
impl Adapter for Layered {
    async fn create_user(&self, user: User) -> AdapterResult<User> {
        self.adapter.create_user(user).await
    }

    async fn get_user(&self, id: &str) -> AdapterResult<Option<User>> {
        self.adapter.get_user(id).await
    }

    async fn get_user_by_email(&self, email: &str) -> AdapterResult<Option<User>> {
        self.adapter.get_user_by_email(email).await
    }

    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<User>> {
        self.adapter
            .get_user_by_account(provider, provider_account_id)
            .await
    }

    async fn update_user(&self, update: UserUpdate) -> AdapterResult<User> {
        self.adapter.update_user(update).await
    }

    async fn delete_user(&self, id: &str) -> AdapterResult<Option<User>> {
        // Sessions first: a user who is gone must not stay signed in.
        self.store.delete_user_sessions(id).await?;
        self.adapter.delete_user(id).await
    }

    async fn link_account(&self, account: Account) -> AdapterResult<Account> {
        self.adapter.link_account(account).await
    }

    async fn unlink_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<Account>> {
        self.adapter
            .unlink_account(provider, provider_account_id)
            .await
    }

    async fn get_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<Account>> {
        self.adapter
            .get_account(provider, provider_account_id)
            .await
    }

    async fn get_accounts_of_user(&self, user_id: &str) -> AdapterResult<Option<Vec<Account>>> {
        self.adapter.get_accounts_of_user(user_id).await
    }

    async fn update_account(&self, account: Account) -> AdapterResult<Option<Account>> {
        self.adapter.update_account(account).await
    }

    async fn create_session(&self, session: Session) -> AdapterResult<Session> {
        self.store.create_session(&session).await?;
        Ok(session)
    }

    async fn get_session_and_user(
        &self,
        session_token: &SessionToken,
    ) -> AdapterResult<Option<(Session, User)>> {
        let Some(session) = self.store.get_session(session_token).await? else {
            return Ok(None);
        };
        Ok(self
            .adapter
            .get_user(&session.user_id)
            .await?
            .map(|user| (session, user)))
    }

    async fn update_session(&self, update: SessionUpdate) -> AdapterResult<Option<Session>> {
        self.store.update_session(&update).await
    }

    async fn delete_session(&self, session_token: &SessionToken) -> AdapterResult<Option<Session>> {
        self.store.delete_session(session_token).await
    }

    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> AdapterResult<VerificationToken> {
        self.adapter.create_verification_token(token).await
    }

    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> AdapterResult<Option<VerificationToken>> {
        self.adapter.use_verification_token(identifier, token).await
    }

    async fn hit(&self, key: &str, now: DateTime<Utc>, window: Duration) -> AdapterResult<u64> {
        self.store.hit(key, now, window).await
    }

    async fn delete_expired(&self, now: DateTime<Utc>) -> AdapterResult<Pruned> {
        // The store's entries end by themselves; the adapter may still hold
        // rows from before the store was set.
        self.adapter.delete_expired(now).await
    }
}
