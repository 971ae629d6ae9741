//! The auth routes: every method under the base path, each request handed to
//! the engine.

use std::io::Cursor;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, header};
use keyway_core::Auth;
use rocket::data::{ByteUnit, Data, DataStream};
use rocket::http::{ContentType, Status};
use rocket::route::{self, Handler, Route};
use rocket::{Request, Response};
use tokio::io::AsyncReadExt;
use tokio::time::timeout;

use crate::answer::{self, Answer};

/// rocket's methods: the engine answers those it does not serve (`400`).
/// rocket itself refuses a method outside this list before any route.
const METHODS: [rocket::http::Method; 9] = {
    use rocket::http::Method::*;
    [Get, Put, Post, Delete, Options, Head, Trace, Connect, Patch]
};

/// The routes serving `{base_path}` and everything below it, with every
/// method, mounted at the root.
pub(crate) fn routes(auth: &Auth) -> Result<Vec<Route>, String> {
    let base = auth.base_path().to_owned();
    METHODS
        .into_iter()
        .map(|method| {
            Route::new(method, "/<action..>", Engine(auth.clone()))
                .map_base(|_| base.clone())
                .map_err(|e| format!("the base path {base:?} is not a rocket route: {e}"))
        })
        .collect()
}

/// The route handler: rocket request in, engine, rocket response out.
#[derive(Clone)]
struct Engine(Auth);

#[rocket::async_trait]
impl Handler for Engine {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> route::Outcome<'r> {
        route::Outcome::Success(serve(&self.0, request, data).await)
    }
}

async fn serve<'r>(auth: &Auth, request: &'r Request<'_>, data: Data<'r>) -> Response<'r> {
    let headers = answer::headers(request);
    let body = match read_body(&headers, data, auth.max_body_bytes()).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let engine_request = http::Request::builder()
        .method(request.method().as_str())
        .uri(request.uri().to_string())
        .body(body);
    let Ok(mut engine_request) = engine_request else {
        // rocket accepted a URI that `http` does not: refuse it as bad.
        tracing::debug!(uri = %request.uri(), "keyway-rocket: request URI not usable");
        return text(Status::BadRequest, "Bad request.");
    };
    *engine_request.headers_mut() = headers;
    Answer::from_engine(auth.handle(engine_request).await).respond()
}

/// The most bytes of a refused body read and thrown away, so that a client
/// still sending it can read the `413` and keep its connection.
const DRAIN_BYTES: u64 = 1024 * 1024;
/// The longest a refused body is drained.
const DRAIN_TIME: Duration = Duration::from_secs(2);
/// A pause of the client this long ends the drain.
const DRAIN_IDLE: Duration = Duration::from_millis(250);

/// Reads the whole body, refusing more than `limit` bytes with `413` and a
/// body that breaks off with `400`. rocket's own `limits` play no part: the
/// body is read with the engine's limit.
///
/// The rest of a refused body is read and dropped, up to [`DRAIN_BYTES`]
/// and [`DRAIN_TIME`] (or until the client pauses), before the answer: a client that sends the whole
/// body before reading then gets the `413` instead of a reset, and the
/// connection can serve its next request. A body announced larger than
/// that is refused at once (the server closes the connection after the
/// answer).
async fn read_body<'r>(
    headers: &HeaderMap,
    data: Data<'r>,
    limit: usize,
) -> Result<Bytes, Response<'r>> {
    let too_large = || text(Status::PayloadTooLarge, "Payload too large.");
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let limit_bytes = limit as u64;
    let drain_cap = limit_bytes.saturating_add(DRAIN_BYTES);
    if let Some(n) = announced
        && n > limit_bytes
    {
        if n <= drain_cap {
            drain(&mut data.open(ByteUnit::from(drain_cap))).await;
        }
        return Err(too_large());
    }
    let mut stream = data.open(ByteUnit::from(drain_cap));
    let mut body = Vec::new();
    let read = (&mut stream)
        .take(limit_bytes.saturating_add(1))
        .read_to_end(&mut body)
        .await;
    if let Err(e) = read {
        tracing::debug!(error = %e, "keyway-rocket: the request body could not be read");
        return Err(text(Status::BadRequest, "Bad request."));
    }
    if body.len() > limit {
        drain(&mut stream).await;
        return Err(too_large());
    }
    Ok(Bytes::from(body))
}

/// Reads and drops what `stream` (opened with the drain's cap) still
/// brings, for at most [`DRAIN_TIME`], and stops as soon as the client
/// pauses for [`DRAIN_IDLE`] (it waits for the answer).
async fn drain(stream: &mut DataStream<'_>) {
    let deadline = Instant::now() + DRAIN_TIME;
    let mut buf = [0u8; 8 * 1024];
    loop {
        let wait = DRAIN_IDLE.min(deadline.saturating_duration_since(Instant::now()));
        match timeout(wait, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => {}
            _ => return,
        }
    }
}

/// A short plain-text refusal.
fn text<'r>(status: Status, message: &'static str) -> Response<'r> {
    Response::build()
        .status(status)
        .header(ContentType::Plain)
        .sized_body(message.len(), Cursor::new(message))
        .finalize()
}
