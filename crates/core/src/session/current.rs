//! [`CurrentSession`]: who is signed in, as a handler needs it.

use std::ops::Deref;

use super::SessionData;
use crate::model::SessionToken;

/// The session of a request as the bindings' extractors give it: the
/// Auth.js session object ([`SessionData`], exactly what
/// `GET /api/auth/session` returns) and, beside it, who it belongs to.
///
/// Dereferences to [`SessionData`], so `session.user.email` and
/// `session.expires` read as before.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CurrentSession {
    /// The session object, unchanged.
    pub data: SessionData,
    /// The signed-in user's id: the database session's user, or the session
    /// token's `sub` claim (after the `jwt` callback). `None` only when a
    /// `jwt` callback removed `sub` from the token.
    pub user_id: Option<String>,
    /// The database session's id, its token (the `database` strategy; `None`
    /// with `jwt`), for calls such as
    /// [`Adapter::delete_session`](crate::Adapter::delete_session). A
    /// secret: its `Debug` output is redacted; never log or show it.
    pub session_token: Option<SessionToken>,
}

impl CurrentSession {
    /// A session with its owner.
    pub fn new(
        data: SessionData,
        user_id: Option<String>,
        session_token: Option<SessionToken>,
    ) -> Self {
        Self {
            data,
            user_id,
            session_token,
        }
    }

    /// The signed-in user's id, when the session names one.
    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// The Auth.js session object.
    pub fn into_data(self) -> SessionData {
        self.data
    }
}

impl Deref for CurrentSession {
    type Target = SessionData;

    fn deref(&self) -> &SessionData {
        &self.data
    }
}
