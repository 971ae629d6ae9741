//! The auth routes as a tower service: axum request in, engine, axum response
//! out.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::OriginalUri;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use keyway_core::Auth;

/// The engine as a tower [`Service`](tower::Service): it serves every auth
/// action, reading the path from the request's original URI (so it also
/// works under [`Router::nest_service`](axum::Router::nest_service)).
///
/// Build it with [`service`]; [`routes`](crate::routes) wraps it in a
/// [`Router`](axum::Router).
#[derive(Debug, Clone)]
pub struct AuthService {
    auth: Auth,
}

/// The engine as a tower service, for
/// `Router::nest_service(auth.base_path(), keyway_axum::service(auth))`.
pub fn service(auth: Auth) -> AuthService {
    AuthService { auth }
}

impl tower::Service<Request<Body>> for AuthService {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let auth = self.auth.clone();
        Box::pin(async move { Ok(serve(&auth, request).await) })
    }
}

/// Hands one request to the engine.
async fn serve(auth: &Auth, request: Request<Body>) -> Response {
    let (mut parts, body) = request.into_parts();
    if let Some(OriginalUri(uri)) = parts.extensions.get::<OriginalUri>() {
        parts.uri = uri.clone();
    }
    let body = match read_body(&parts.headers, body, auth.max_body_bytes()).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    auth.handle(Request::from_parts(parts, body))
        .await
        .map(Body::from)
}

/// Reads the whole body, refusing more than `limit` bytes with `413` and a
/// body that breaks off with `400`.
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, Response> {
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Payload too large.",
        )
            .into_response()
    };
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(e) => {
            tracing::debug!(error = %e, "keyway-axum: the request body could not be read");
            Err((
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "Bad request.",
            )
                .into_response())
        }
    }
}
