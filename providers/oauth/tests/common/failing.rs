//! A memory adapter whose `create_user` can be made to fail.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use keyway_core::adapter::AdapterResult;
use keyway_core::model::*;
use keyway_core::{Adapter, AdapterError};
use keyway_memory::MemoryAdapter;

#[derive(Clone, Default)]
pub struct FailingCreate {
    pub inner: MemoryAdapter,
    pub fail: Arc<AtomicBool>,
}

#[async_trait]
impl Adapter for FailingCreate {
    async fn create_user(&self, user: User) -> AdapterResult<User> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(AdapterError::other(
                "backend says: users table is read-only",
            ));
        }
        self.inner.create_user(user).await
    }
    async fn get_user(&self, id: &str) -> AdapterResult<Option<User>> {
        self.inner.get_user(id).await
    }
    async fn get_user_by_email(&self, email: &str) -> AdapterResult<Option<User>> {
        self.inner.get_user_by_email(email).await
    }
    async fn get_user_by_account(&self, p: &str, id: &str) -> AdapterResult<Option<User>> {
        self.inner.get_user_by_account(p, id).await
    }
    async fn update_user(&self, u: UserUpdate) -> AdapterResult<User> {
        self.inner.update_user(u).await
    }
    async fn delete_user(&self, id: &str) -> AdapterResult<Option<User>> {
        self.inner.delete_user(id).await
    }
    async fn link_account(&self, a: Account) -> AdapterResult<Account> {
        self.inner.link_account(a).await
    }
    async fn unlink_account(&self, p: &str, id: &str) -> AdapterResult<Option<Account>> {
        self.inner.unlink_account(p, id).await
    }
    async fn get_account(&self, p: &str, id: &str) -> AdapterResult<Option<Account>> {
        self.inner.get_account(p, id).await
    }
    async fn update_account(&self, a: Account) -> AdapterResult<Option<Account>> {
        self.inner.update_account(a).await
    }
    async fn create_session(&self, s: Session) -> AdapterResult<Session> {
        self.inner.create_session(s).await
    }
    async fn get_session_and_user(
        &self,
        t: &SessionToken,
    ) -> AdapterResult<Option<(Session, User)>> {
        self.inner.get_session_and_user(t).await
    }
    async fn update_session(&self, u: SessionUpdate) -> AdapterResult<Option<Session>> {
        self.inner.update_session(u).await
    }
    async fn delete_session(&self, t: &SessionToken) -> AdapterResult<Option<Session>> {
        self.inner.delete_session(t).await
    }
    async fn create_verification_token(
        &self,
        t: VerificationToken,
    ) -> AdapterResult<VerificationToken> {
        self.inner.create_verification_token(t).await
    }
    async fn use_verification_token(
        &self,
        i: &str,
        t: &str,
    ) -> AdapterResult<Option<VerificationToken>> {
        self.inner.use_verification_token(i, t).await
    }
}
