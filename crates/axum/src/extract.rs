//! The session extractors: [`OptionalSession`], [`RequireSession`] and
//! [`CurrentUser`].
//!
//! Each needs the engine from the router's state (`Auth: FromRef<S>`), so a
//! router that was never given keyway does not compile. The
//! [`SessionLayer`](crate::SessionLayer), when present, shares one lookup
//! between the extractors and rolls the session cookie.

use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::{FromRef, FromRequestParts, OriginalUri};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use keyway_core::{Auth, CurrentSession, SessionUser};

use crate::layer::RequestSession;
use crate::required::SessionRequired;

/// The session if someone is signed in, `None` otherwise. Never rejects a
/// request.
///
/// ```
/// async fn home(session: keyway_axum::OptionalSession) -> String {
///     match &session.0 {
///         Some(s) => format!("signed in as user {:?} ({:?})", s.user_id, s.user.email),
///         None => "not signed in".to_owned(),
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct OptionalSession(pub Option<CurrentSession>);

impl OptionalSession {
    /// The signed-in user, if any.
    pub fn user(&self) -> Option<&SessionUser> {
        self.0.as_ref().map(|s| &s.data.user)
    }

    /// The signed-in user's id, if anyone is signed in (see
    /// [`CurrentSession::user_id`]).
    pub fn user_id(&self) -> Option<&str> {
        self.0.as_ref().and_then(CurrentSession::user_id)
    }
}

/// The session of a signed-in user. Without one, the request is answered
/// with the [`SessionRejection::Required`] response: a browser is redirected
/// (`303`) to the sign-in page with `callbackUrl` set to the page it asked
/// for, and a client that accepts `application/json` but not `text/html`
/// gets `401` with `{"error":"SessionRequired","message":…,"url":<sign-in
/// page>}`.
///
/// Dereferences to [`CurrentSession`] (the user's id, the database
/// session's token), which dereferences to the Auth.js
/// [`SessionData`](keyway_core::SessionData):
///
/// ```
/// async fn dashboard(session: keyway_axum::RequireSession) -> String {
///     format!("user {:?} ({:?}) until {}", session.user_id, session.user.email, session.expires)
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RequireSession(pub CurrentSession);

impl Deref for RequireSession {
    type Target = CurrentSession;

    fn deref(&self) -> &CurrentSession {
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
}

impl IntoResponse for SessionRejection {
    fn into_response(self) -> Response {
        match self {
            Self::Required(required) => required.into_response(),
        }
    }
}

/// A lookup made without the layer, kept for the other extractors of the
/// same request.
#[derive(Clone)]
struct Looked(Option<CurrentSession>);

/// Set once the missing layer has been logged.
static WARNED: AtomicBool = AtomicBool::new(false);

/// The request's session, and the engine that found it.
async fn lookup<S>(parts: &mut Parts, state: &S) -> (Option<CurrentSession>, Auth)
where
    Auth: FromRef<S>,
{
    if let Some(slot) = parts.extensions.get::<Arc<RequestSession>>().cloned() {
        return (slot.session(&parts.headers).await, slot.auth().clone());
    }
    let auth = Auth::from_ref(state);
    if let Some(Looked(session)) = parts.extensions.get::<Looked>() {
        return (session.clone(), auth);
    }
    if !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "a keyway session extractor ran without keyway_axum::SessionLayer: the session \
             works, but its refreshed cookie is not sent; build the router with \
             .with_auth(auth) or keyway_axum::mount(router, auth)"
        );
    }
    let session = auth.session(&parts.headers).await.session;
    parts.extensions.insert(Looked(session.clone()));
    (session, auth)
}

async fn required<S>(parts: &mut Parts, state: &S) -> Result<CurrentSession, SessionRejection>
where
    Auth: FromRef<S>,
{
    let (session, auth) = lookup(parts, state).await;
    if let Some(session) = session {
        return Ok(session);
    }
    // The page the visitor wanted, as the app saw it before any nesting.
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map_or(&parts.uri, |o| &o.0);
    let wanted = uri.path_and_query().map_or("/", |p| p.as_str());
    Err(SessionRejection::Required(SessionRequired::new(
        &auth,
        &parts.headers,
        wanted,
    )))
}

impl<S> FromRequestParts<S> for OptionalSession
where
    S: Send + Sync,
    Auth: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(lookup(parts, state).await.0))
    }
}

impl<S> FromRequestParts<S> for RequireSession
where
    S: Send + Sync,
    Auth: FromRef<S>,
{
    type Rejection = SessionRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        required(parts, state).await.map(Self)
    }
}

impl<S> FromRequestParts<S> for CurrentUser
where
    S: Send + Sync,
    Auth: FromRef<S>,
{
    type Rejection = SessionRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        required(parts, state).await.map(|s| Self(s.data.user))
    }
}
