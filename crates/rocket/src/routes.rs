//! The auth routes: every method under the base path, each request handed to
//! the engine.

use std::io::Cursor;

use bytes::Bytes;
use http::{HeaderMap, header};
use keyway_core::Auth;
use rocket::data::{ByteUnit, Data};
use rocket::http::{ContentType, Status};
use rocket::route::{self, Handler, Route};
use rocket::{Request, Response};

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

/// Reads the whole body, refusing more than `limit` bytes with `413` and a
/// body that breaks off with `400`. rocket's own `limits` play no part: the
/// body is read with the engine's limit.
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
    if announced.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    match data.open(ByteUnit::from(limit)).into_bytes().await {
        Ok(capped) if capped.is_complete() => Ok(Bytes::from(capped.into_inner())),
        Ok(_) => Err(too_large()),
        Err(e) => {
            tracing::debug!(error = %e, "keyway-rocket: the request body could not be read");
            Err(text(Status::BadRequest, "Bad request."))
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
