//! What every case gets: the adapter under test, its inspector, and
//! shortcuts for the rows most cases start from.

use std::sync::Arc;

use keyway_core::{Account, Adapter, Session, User};

use super::Inspector;
use super::check::{Outcome, call, same_account, same_session, same_user, some};
use super::fixtures;

/// The adapter under test and the inspector that reads its database.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub(crate) adapter: Arc<dyn Adapter>,
    pub(crate) inspector: Arc<dyn Inspector>,
}

impl Ctx {
    /// Creates a fixture user and returns it as stored (with the id the
    /// adapter kept).
    pub(crate) async fn new_user(&self) -> Result<User, String> {
        self.create_user(fixtures::user()).await
    }

    /// Creates `user` and returns it as stored, checking that the adapter
    /// returned the same fields and that the inspector sees them.
    pub(crate) async fn create_user(&self, user: User) -> Result<User, String> {
        let created = call("create_user", self.adapter.create_user(user.clone()).await)?;
        let expected = User {
            id: created.id.clone(),
            ..user
        };
        same_user("create_user returned", &expected, Some(&created))?;
        let stored = self.inspector.user(&created.id).await;
        same_user("create_user stored", &expected, stored.as_ref())?;
        Ok(created)
    }

    /// Links a fixture account to `user` and returns it.
    pub(crate) async fn new_account(&self, user: &User) -> Result<Account, String> {
        self.link_account(fixtures::account(&user.id)).await
    }

    /// Links `account` and returns it, checking what was returned and stored.
    pub(crate) async fn link_account(&self, account: Account) -> Result<Account, String> {
        let linked = call(
            "link_account",
            self.adapter.link_account(account.clone()).await,
        )?;
        same_account("link_account returned", &account, Some(&linked))?;
        let stored = self
            .inspector
            .account(&account.provider, &account.provider_account_id)
            .await;
        same_account("link_account stored", &account, stored.as_ref())?;
        Ok(account)
    }

    /// Creates a fixture session of `user` and returns it.
    pub(crate) async fn new_session(&self, user: &User) -> Result<Session, String> {
        self.create_session(fixtures::session(&user.id)).await
    }

    /// Creates `session` and returns it, checking what was returned and
    /// stored.
    pub(crate) async fn create_session(&self, session: Session) -> Result<Session, String> {
        let created = call(
            "create_session",
            self.adapter.create_session(session.clone()).await,
        )?;
        same_session("create_session returned", &session, Some(&created))?;
        let stored = self.inspector.session(&session.session_token).await;
        same_session("create_session stored", &session, stored.as_ref())?;
        Ok(session)
    }

    /// Reads `session` back with `get_session_and_user` and checks both the
    /// session and its user.
    pub(crate) async fn check_session_and_user(&self, session: &Session, user: &User) -> Outcome {
        let (got_session, got_user) = some(
            "get_session_and_user",
            call(
                "get_session_and_user",
                self.adapter
                    .get_session_and_user(&session.session_token)
                    .await,
            )?,
        )?;
        same_session(
            "get_session_and_user (session)",
            session,
            Some(&got_session),
        )?;
        same_user("get_session_and_user (user)", user, Some(&got_user))
    }
}
