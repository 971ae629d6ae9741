//! The session extractors: [`OptionalSession`], [`RequireSession`] and
//! [`CurrentUser`].

use std::fmt;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::HttpMessage;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
use bytes::Bytes;
use futures::TryFutureExt;
use futures::future::LocalBoxFuture;
use keyway_core::{Auth, CurrentSession, SessionUser};

use crate::convert;
use crate::middleware::RequestSession;

/// The session if someone is signed in, `None` otherwise. Never rejects a
/// request set up with [`app`](crate::app), [`configure`](crate::configure)
/// or the [`SessionMiddleware`](crate::SessionMiddleware).
///
/// ```
/// async fn home(session: keyway_actix_web::OptionalSession) -> String {
///     match session.user() {
///         Some(user) => format!("signed in as {:?}", user.email),
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
/// with the engine's [`Auth::session_required`](keyway_core::Auth::session_required)
/// response: a browser is redirected (`303`) to the sign-in page with
/// `callbackUrl` set to the page it asked for, and a client that accepts
/// `application/json` but not `text/html` gets `401` with
/// `{"error":"SessionRequired","message":…,"url":<sign-in page>}`.
///
/// Dereferences to [`CurrentSession`] (the user's id, the database
/// session's token), which dereferences to the Auth.js
/// [`SessionData`](keyway_core::SessionData):
///
/// ```
/// async fn dashboard(session: keyway_actix_web::RequireSession) -> String {
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
/// async fn me(user: keyway_actix_web::CurrentUser) -> String {
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

/// A request that needs a signed-in user came without one: the engine's
/// answer ([`Auth::session_required`](keyway_core::Auth::session_required)),
/// a `303` redirect to the sign-in page for a browser or `401` JSON
/// `{"error":"SessionRequired","message":…,"url":<sign-in page>}` for a
/// client that accepts `application/json` but not `text/html`.
#[derive(Debug, Clone)]
pub struct SessionRequired(Box<http::Response<Bytes>>);

impl SessionRequired {
    /// The HTTP status of the answer (303 or 401).
    pub fn status(&self) -> http::StatusCode {
        self.0.status()
    }
}

/// Why a session extractor refused a request; as an actix error, its
/// response is the answer.
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionRejection {
    /// Nobody is signed in: the engine's redirect to the sign-in page, or
    /// `401` JSON.
    Required(SessionRequired),
    /// The app was given no engine at all: neither [`app`](crate::app),
    /// [`configure`](crate::configure), the
    /// [`SessionMiddleware`](crate::SessionMiddleware) nor `Auth` as app
    /// data. A mistake in the app, answered with `500` and logged.
    MiddlewareMissing,
}

impl fmt::Display for SessionRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Required(_) => f.write_str("this page needs a signed-in user (SessionRequired)"),
            Self::MiddlewareMissing => f.write_str(
                "a keyway session extractor ran in an app that was given no keyway engine: \
                 build the app with keyway_actix_web::app(auth), or add \
                 .configure(keyway_actix_web::configure(auth)) \
                 (or .wrap(keyway_actix_web::SessionMiddleware::new(auth)))",
            ),
        }
    }
}

impl ResponseError for SessionRejection {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Required(required) => StatusCode::from_u16(required.status().as_u16())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            Self::MiddlewareMissing => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Required(required) => convert::response((*required.0).clone()),
            Self::MiddlewareMissing => {
                tracing::error!("{self}");
                HttpResponse::InternalServerError().finish()
            }
        }
    }
}

/// A lookup made without the middleware, kept for the other extractors of
/// the same request.
#[derive(Clone)]
struct Looked(Option<CurrentSession>);

/// Set once the missing middleware has been logged.
static WARNED: AtomicBool = AtomicBool::new(false);

/// The request's session and the engine that found it: through the
/// middleware's slot (which rolls the cookie), or else through the `Auth`
/// that [`configure`](crate::configure) put in the app data.
async fn lookup(request: &HttpRequest) -> Result<(Option<CurrentSession>, Auth), SessionRejection> {
    if let Some(slot) = RequestSession::of(request) {
        return Ok((slot.session(request).await, slot.auth().clone()));
    }
    let auth = request
        .app_data::<Auth>()
        .cloned()
        .or_else(|| {
            request
                .app_data::<actix_web::web::Data<Auth>>()
                .map(|d| d.get_ref().clone())
        })
        .ok_or(SessionRejection::MiddlewareMissing)?;
    if let Some(Looked(session)) = request.extensions().get::<Looked>() {
        return Ok((session.clone(), auth));
    }
    if !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "a keyway session extractor ran without keyway_actix_web::SessionMiddleware: the \
             session works, but its refreshed cookie is not sent; build the app with \
             keyway_actix_web::app(auth) or add .wrap(keyway_actix_web::SessionMiddleware::new(auth))"
        );
    }
    let session = auth.session(&convert::headers(request)).await.session;
    request.extensions_mut().insert(Looked(session.clone()));
    Ok((session, auth))
}

async fn required(request: HttpRequest) -> Result<CurrentSession, SessionRejection> {
    match lookup(&request).await? {
        (Some(session), _) => Ok(session),
        (None, auth) => Err(SessionRejection::Required(SessionRequired(Box::new(
            convert::session_required(&auth, &request),
        )))),
    }
}

impl FromRequest for OptionalSession {
    type Error = SessionRejection;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move { Ok(Self(lookup(&request).await?.0)) })
    }
}

impl FromRequest for RequireSession {
    type Error = SessionRejection;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(required(request.clone()).map_ok(Self))
    }
}

impl FromRequest for CurrentUser {
    type Error = SessionRejection;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(required(request.clone()).map_ok(|s| Self(s.data.user)))
    }
}
