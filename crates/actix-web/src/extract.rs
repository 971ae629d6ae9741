//! The session extractors: [`OptionalSession`], [`RequireSession`] and
//! [`CurrentUser`].

use std::fmt;
use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
use bytes::Bytes;
use futures::TryFutureExt;
use futures::future::LocalBoxFuture;
use keyway_core::{SessionData, SessionUser};

use crate::convert;
use crate::middleware::RequestSession;

/// The session if someone is signed in, `None` otherwise. Never rejects a
/// request (unless [`SessionMiddleware`](crate::SessionMiddleware) is
/// missing).
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
pub struct OptionalSession(pub Option<SessionData>);

impl OptionalSession {
    /// The signed-in user, if any.
    pub fn user(&self) -> Option<&SessionUser> {
        self.0.as_ref().map(|s| &s.user)
    }
}

/// The session of a signed-in user. Without one, the request is answered
/// with the engine's [`Auth::session_required`](keyway_core::Auth::session_required)
/// response: a browser is redirected (`303`) to the sign-in page with
/// `callbackUrl` set to the page it asked for, and a client that accepts
/// `application/json` but not `text/html` gets `401` with
/// `{"error":"SessionRequired","message":…,"url":<sign-in page>}`.
///
/// Dereferences to [`SessionData`]:
///
/// ```
/// async fn dashboard(session: keyway_actix_web::RequireSession) -> String {
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
    /// [`SessionMiddleware`](crate::SessionMiddleware) is not around this
    /// route: a mistake in the app, answered with `500` and logged.
    MiddlewareMissing,
}

impl fmt::Display for SessionRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Required(_) => f.write_str("this page needs a signed-in user (SessionRequired)"),
            Self::MiddlewareMissing => f.write_str(
                "a keyway session extractor ran on a route without \
                 keyway_actix_web::SessionMiddleware: build the app with keyway_actix_web::app(auth), \
                 or add .wrap(keyway_actix_web::SessionMiddleware::new(auth))",
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

fn slot(request: &HttpRequest) -> Result<std::rc::Rc<RequestSession>, SessionRejection> {
    RequestSession::of(request).ok_or(SessionRejection::MiddlewareMissing)
}

async fn required(request: HttpRequest) -> Result<SessionData, SessionRejection> {
    let slot = slot(&request)?;
    match slot.session(&request).await {
        Some(session) => Ok(session),
        None => Err(SessionRejection::Required(SessionRequired(Box::new(
            convert::session_required(slot.auth(), &request),
        )))),
    }
}

impl FromRequest for OptionalSession {
    type Error = SessionRejection;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let slot = slot(&request)?;
            Ok(Self(slot.session(&request).await))
        })
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
        Box::pin(required(request.clone()).map_ok(|s| Self(s.user)))
    }
}
