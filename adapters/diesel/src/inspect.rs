//! [`DieselInspector`]: reads keyway's tables with its own `SELECT`s,
//! bypassing the adapter's operations, for keyway-testkit's conformance
//! suite.

use async_trait::async_trait;
use keyway_core::{Account, Session, SessionToken, User, VerificationToken};
use keyway_testkit::conformance::Inspector;

use crate::{DieselAdapter, with_conn};

/// Reads what a [`DieselAdapter`] really stored. Made by
/// [`DieselAdapter::inspector`]. It panics when the database fails, as the
/// conformance suite allows.
#[derive(Debug, Clone)]
pub struct DieselInspector {
    adapter: DieselAdapter,
}

impl DieselInspector {
    pub(crate) fn new(adapter: DieselAdapter) -> Self {
        Self { adapter }
    }

    async fn user_row(&self, id: &str) -> keyway_core::AdapterResult<Option<User>> {
        let a = &self.adapter;
        with_conn!(a, "inspector", |c, q| q::get_user(c, &a.sql, id).await)
    }

    async fn account_row(&self, p: &str, id: &str) -> keyway_core::AdapterResult<Option<Account>> {
        let a = &self.adapter;
        with_conn!(a, "inspector", |c, q| q::get_account(c, &a.sql, p, id)
            .await)
    }

    async fn session_row(&self, t: &SessionToken) -> keyway_core::AdapterResult<Option<Session>> {
        let a = &self.adapter;
        with_conn!(a, "inspector", |c, q| q::session_by_token(
            c,
            &a.sql,
            t.as_str()
        )
        .await)
    }

    async fn token_row(
        &self,
        i: &str,
        t: &str,
    ) -> keyway_core::AdapterResult<Option<VerificationToken>> {
        let a = &self.adapter;
        with_conn!(a, "inspector", |c, q| q::token_by_key(c, &a.sql, i, t)
            .await)
    }
}

fn or_panic<T>(r: keyway_core::AdapterResult<T>) -> T {
    r.unwrap_or_else(|e| panic!("inspector could not read: {e} ({e:?})"))
}

#[async_trait]
impl Inspector for DieselInspector {
    async fn user(&self, id: &str) -> Option<User> {
        or_panic(self.user_row(id).await)
    }

    async fn account(&self, provider: &str, provider_account_id: &str) -> Option<Account> {
        or_panic(self.account_row(provider, provider_account_id).await)
    }

    async fn session(&self, session_token: &SessionToken) -> Option<Session> {
        or_panic(self.session_row(session_token).await)
    }

    async fn verification_token(&self, identifier: &str, token: &str) -> Option<VerificationToken> {
        or_panic(self.token_row(identifier, token).await)
    }
}
