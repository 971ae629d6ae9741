//! The auth routes: every request under the base path goes to the engine.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use keyway_core::Auth;

use crate::convert;

/// Hands one request to the engine.
pub(crate) async fn serve(
    auth: &Auth,
    request: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let body = match read_body(&request, payload, auth.max_body_bytes()).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    match convert::request(&request, body) {
        Some(request) => convert::response(auth.handle(request).await),
        None => bad_request(),
    }
}

fn plain(status: StatusCode, text: &'static str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(ContentType::plaintext())
        .body(text)
}

fn bad_request() -> HttpResponse {
    plain(StatusCode::BAD_REQUEST, "Bad request.")
}

/// Reads the whole body, refusing more than `limit` bytes with `413` and a
/// body that breaks off with `400`.
async fn read_body(
    request: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<Bytes, HttpResponse> {
    let too_large = || plain(StatusCode::PAYLOAD_TOO_LARGE, "Payload too large.");
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            tracing::debug!(error = %e, "keyway-actix-web: the request body could not be read");
            bad_request()
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
