//! The [`Adapter`] implementation: each method forwards to the module that
//! holds its queries.

use async_trait::async_trait;
use keyway_core::{
    Account, Adapter, AdapterResult, Session, SessionToken, SessionUpdate, User, UserUpdate,
    VerificationToken,
};

use crate::SeaOrmAdapter;

#[async_trait]
impl Adapter for SeaOrmAdapter {
    async fn create_user(&self, user: User) -> AdapterResult<User> {
        self.create_user_impl(user).await
    }

    async fn get_user(&self, id: &str) -> AdapterResult<Option<User>> {
        self.get_user_impl(id).await
    }

    async fn get_user_by_email(&self, email: &str) -> AdapterResult<Option<User>> {
        self.get_user_by_email_impl(email).await
    }

    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<User>> {
        self.get_user_by_account_impl(provider, provider_account_id)
            .await
    }

    async fn update_user(&self, update: UserUpdate) -> AdapterResult<User> {
        self.update_user_impl(update).await
    }

    async fn delete_user(&self, id: &str) -> AdapterResult<Option<User>> {
        self.delete_user_impl(id).await
    }

    async fn link_account(&self, account: Account) -> AdapterResult<Account> {
        self.link_account_impl(account).await
    }

    async fn unlink_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<Account>> {
        self.unlink_account_impl(provider, provider_account_id)
            .await
    }

    async fn get_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<Account>> {
        self.get_account_impl(provider, provider_account_id).await
    }

    async fn get_accounts_of_user(&self, user_id: &str) -> AdapterResult<Option<Vec<Account>>> {
        self.get_accounts_of_user_impl(user_id).await.map(Some)
    }

    async fn update_account(&self, account: Account) -> AdapterResult<Option<Account>> {
        self.update_account_impl(account).await
    }

    async fn create_session(&self, session: Session) -> AdapterResult<Session> {
        self.create_session_impl(session).await
    }

    async fn get_session_and_user(
        &self,
        session_token: &SessionToken,
    ) -> AdapterResult<Option<(Session, User)>> {
        self.get_session_and_user_impl(session_token).await
    }

    async fn update_session(&self, update: SessionUpdate) -> AdapterResult<Option<Session>> {
        self.update_session_impl(update).await
    }

    async fn delete_session(&self, session_token: &SessionToken) -> AdapterResult<Option<Session>> {
        self.delete_session_impl(session_token).await
    }

    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> AdapterResult<VerificationToken> {
        self.create_verification_token_impl(token).await
    }

    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> AdapterResult<Option<VerificationToken>> {
        self.use_verification_token_impl(identifier, token).await
    }

    async fn hit(
        &self,
        key: &str,
        now: chrono::DateTime<chrono::Utc>,
        window: std::time::Duration,
    ) -> AdapterResult<u64> {
        self.hit_impl(key, now, window).await
    }

    async fn delete_expired(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> AdapterResult<keyway_core::Pruned> {
        self.delete_expired_impl(now).await
    }
}
