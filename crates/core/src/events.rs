//! Events: notifications of what happened, for audit logs and side effects.
//! They cannot change the outcome; an event that fails is logged and ignored.

use async_trait::async_trait;

use crate::jwt::Claims;
use crate::model::{Account, Session, User};
use crate::provider::BoxError;
use crate::session::SessionData;

/// A successful sign-in.
#[derive(Debug)]
pub struct SignInEvent<'a> {
    /// Who signed in.
    pub user: &'a User,
    /// With which account, if the provider has one.
    pub account: Option<&'a Account>,
    /// Whether the user was created by this sign-in.
    pub is_new_user: bool,
}

/// A sign-out.
#[derive(Debug)]
pub enum SignOutEvent<'a> {
    /// A JWT session ended; the decoded token, if it was valid.
    Jwt {
        /// The token's claims.
        token: Option<&'a Claims>,
    },
    /// A database session ended; the deleted session, if there was one.
    Database {
        /// The deleted session.
        session: Option<&'a Session>,
    },
}

/// The application's event handlers; every method defaults to doing nothing.
#[async_trait]
pub trait Events: Send + Sync + 'static {
    /// A user signed in.
    async fn sign_in(&self, event: &SignInEvent<'_>) -> Result<(), BoxError> {
        let _ = event;
        Ok(())
    }
    /// A user signed out.
    async fn sign_out(&self, event: &SignOutEvent<'_>) -> Result<(), BoxError> {
        let _ = event;
        Ok(())
    }
    /// A user was created in the database.
    async fn create_user(&self, user: &User) -> Result<(), BoxError> {
        let _ = user;
        Ok(())
    }
    /// A user was updated (an email sign-in refreshes `email_verified`).
    async fn update_user(&self, user: &User) -> Result<(), BoxError> {
        let _ = user;
        Ok(())
    }
    /// An account was linked to a user.
    async fn link_account(&self, user: &User, account: &Account) -> Result<(), BoxError> {
        let _ = (user, account);
        Ok(())
    }
    /// A session was read.
    async fn session(&self, session: &SessionData) -> Result<(), BoxError> {
        let _ = session;
        Ok(())
    }
}

/// The events used when the application sets none.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoEvents;

impl Events for NoEvents {}
