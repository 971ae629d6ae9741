//! The auth routes as a tower service: axum request in, engine, axum response
//! out.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::OriginalUri;
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
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

/// The most bytes of a refused body read and thrown away, so that a client
/// still sending it can read the `413` and keep its connection.
const DRAIN_BYTES: u64 = 1024 * 1024;
/// The longest a refused body is drained.
const DRAIN_TIME: Duration = Duration::from_secs(2);
/// A pause of the client this long ends the drain.
const DRAIN_IDLE: Duration = Duration::from_millis(250);

/// Reads the whole body, refusing more than `limit` bytes with `413` and a
/// body that breaks off with `400`.
///
/// The rest of a refused body is read and dropped, up to [`DRAIN_BYTES`]
/// and [`DRAIN_TIME`] (or until the client pauses), before the answer: a client that sends the whole
/// body before reading then gets the `413` instead of a reset, and the
/// connection can serve its next request. A body announced larger than
/// that is refused at once (the server closes the connection after the
/// answer).
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
    let limit_bytes = limit as u64;
    if let Some(n) = announced
        && n > limit_bytes
    {
        if n <= limit_bytes.saturating_add(DRAIN_BYTES) {
            drain(body).await;
        }
        return Err(too_large());
    }
    let mut body = body;
    let mut read = BytesMut::new();
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                if read.len() + data.len() > limit {
                    drain(body).await;
                    return Err(too_large());
                }
                read.extend_from_slice(&data);
            }
            Err(e) => {
                tracing::debug!(error = %e, "keyway-axum: the request body could not be read");
                return Err((
                    StatusCode::BAD_REQUEST,
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    "Bad request.",
                )
                    .into_response());
            }
        }
    }
    Ok(read.freeze())
}

/// Reads and drops what is left of `body`, within [`DRAIN_BYTES`] and
/// [`DRAIN_TIME`]; stops as soon as the client pauses for [`DRAIN_IDLE`]
/// (it waits for the answer).
async fn drain(mut body: Body) {
    let deadline = Instant::now() + DRAIN_TIME;
    let mut seen = 0u64;
    loop {
        let wait = DRAIN_IDLE.min(deadline.saturating_duration_since(Instant::now()));
        let Ok(Some(Ok(frame))) = tokio::time::timeout(wait, body.frame()).await else {
            return;
        };
        if let Some(data) = frame.data_ref() {
            seen += data.len() as u64;
            if seen > DRAIN_BYTES {
                return;
            }
        }
    }
}
