//! The session extractors: [`OptionalSession`], [`RequireSession`] and
//! [`CurrentUser`].

use std::ops::Deref;
use std::sync::Arc;

use axum::extract::{FromRequestParts, OriginalUri};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;
use keyway_core::{SessionData, SessionUser};

use crate::layer::RequestSession;
use crate::required::SessionRequired;

/// The session if someone is signed in, `None` otherwise. Never rejects a
/// request (unless [`SessionLayer`](crate::SessionLayer) is missing).
///
/// ```
/// async fn home(session: keyway_axum::OptionalSession) -> String {
///     match &session.0 {
///         Some(s) => format!("signed in as {:?}", s.user.email),
///         None => "not signed in".to_owned(),
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct OptionalSession(pub Option<SessionData>);

impl OptionalSession {
    /// The signed-in user, if any.
    pub fn user(&self) -> Option<&SessionUser> {
        self.0.as_ref().map(|s| &s.user)
    }
}

/// The session of a signed-in user. Without one, the request is answered
/// with the [`SessionRejection::Required`] response: a browser is redirected
/// (`303`) to the sign-in page with `callbackUrl` set to the page it asked
/// for, and a client that accepts `application/json` but not `text/html`
/// gets `401` with `{"error":"SessionRequired","message":…,"url":<sign-in
/// page>}`.
///
/// Dereferences to [`SessionData`]:
///
/// ```
/// async fn dashboard(session: keyway_axum::RequireSession) -> String {
///     format!("{:?} until {}", session.user.email, session.expires)
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RequireSession(pub SessionData);

impl Deref for RequireSession {
    type Target = SessionData;

    fn deref(&self) -> &SessionData {
        &self.0
    }
}

/// The signed-in user; rejects like [`RequireSession`] when nobody is.
/// Dereferences to [`SessionUser`].
///
/// ```
/// async fn me(user: keyway_axum::CurrentUser) -> String {
///     user.name.clone().unwrap_or_default()
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentUser(pub SessionUser);

impl Deref for CurrentUser {
    type Target = SessionUser;

    fn deref(&self) -> &SessionUser {
        &self.0
    }
}

/// Why a session extractor refused a request.
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionRejection {
    /// Nobody is signed in: redirect to the sign-in page, or `401` JSON.
    Required(SessionRequired),
    /// [`SessionLayer`](crate::SessionLayer) is not around this route: a
    /// mistake in the app, answered with `500` and logged.
    LayerMissing,
}

impl IntoResponse for SessionRejection {
    fn into_response(self) -> Response {
        match self {
            Self::Required(required) => required.into_response(),
            Self::LayerMissing => {
                tracing::error!(
                    "a keyway session extractor ran on a route without keyway_axum::SessionLayer: \
                     add .layer(keyway_axum::SessionLayer::new(auth)) to the router"
                );
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

fn slot(parts: &Parts) -> Result<Arc<RequestSession>, SessionRejection> {
    parts
        .extensions
        .get::<Arc<RequestSession>>()
        .cloned()
        .ok_or(SessionRejection::LayerMissing)
}

async fn required(parts: &Parts) -> Result<SessionData, SessionRejection> {
    let slot = slot(parts)?;
    if let Some(session) = slot.session(&parts.headers).await {
        return Ok(session);
    }
    // The page the visitor wanted, as the app saw it before any nesting.
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map_or(&parts.uri, |o| &o.0);
    let wanted = uri.path_and_query().map_or("/", |p| p.as_str());
    Err(SessionRejection::Required(SessionRequired::new(
        slot.auth(),
        &parts.headers,
        wanted,
    )))
}

impl<S: Send + Sync> FromRequestParts<S> for OptionalSession {
    type Rejection = SessionRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let slot = slot(parts)?;
        Ok(Self(slot.session(&parts.headers).await))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequireSession {
    type Rejection = SessionRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        required(parts).await.map(Self)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = SessionRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        required(parts).await.map(|s| Self(s.user))
    }
}
