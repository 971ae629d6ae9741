//! The answer to a request that needs a session and has none: the engine's
//! [`Auth::session_required`] response, as an axum rejection.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::HeaderMap;
use keyway_core::Auth;

/// A request that needs a signed-in user came without one. As a response it
/// is a `303` redirect to the sign-in page for a browser, or `401` JSON
/// `{"error":"SessionRequired","message":…,"url":<sign-in page>}` for a
/// client that accepts `application/json` but not `text/html` (see
/// [`Auth::session_required`]).
#[derive(Debug)]
pub struct SessionRequired(Box<http::Response<Bytes>>);

impl SessionRequired {
    pub(crate) fn new(auth: &Auth, headers: &HeaderMap, wanted: &str) -> Self {
        Self(Box::new(auth.session_required(headers, wanted)))
    }

    /// The HTTP status of the answer (303 or 401).
    pub fn status(&self) -> http::StatusCode {
        self.0.status()
    }
}

impl IntoResponse for SessionRequired {
    fn into_response(self) -> Response {
        (*self.0).map(Body::from)
    }
}
