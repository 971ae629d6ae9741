//! actix-web's `http` 0.2 types ↔ the `http` 1 types keyway-core speaks.
//! Only type conversion: names, values and statuses are copied byte for
//! byte.

use actix_web::HttpRequest;
use actix_web::http::header as actix_header;
use bytes::Bytes;
use keyway_core::Auth;

/// The request's headers as keyway-core's [`http::HeaderMap`]. A header
/// that is not valid in `http` 1 (none that actix accepted should be) is
/// left out.
pub(crate) fn headers(request: &HttpRequest) -> http::HeaderMap {
    let mut out = http::HeaderMap::with_capacity(request.headers().len());
    for (name, value) in request.headers() {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_str().as_bytes()),
            http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            out.append(name, value);
        }
    }
    out
}

/// The page the visitor asked for: path and query, as the app saw it
/// before any scope.
pub(crate) fn wanted(request: &HttpRequest) -> &str {
    request.uri().path_and_query().map_or("/", |p| p.as_str())
}

/// The whole request, with `body`, as keyway-core's request.
pub(crate) fn request(request: &HttpRequest, body: Bytes) -> Option<http::Request<Bytes>> {
    let version = match request.version() {
        actix_web::http::Version::HTTP_09 => http::Version::HTTP_09,
        actix_web::http::Version::HTTP_10 => http::Version::HTTP_10,
        actix_web::http::Version::HTTP_2 => http::Version::HTTP_2,
        actix_web::http::Version::HTTP_3 => http::Version::HTTP_3,
        _ => http::Version::HTTP_11,
    };
    let method = http::Method::from_bytes(request.method().as_str().as_bytes()).ok()?;
    let uri: http::Uri = request.uri().to_string().parse().ok()?;
    let mut out = http::Request::builder()
        .method(method)
        .uri(uri)
        .version(version)
        .body(body)
        .ok()?;
    *out.headers_mut() = headers(request);
    Some(out)
}

/// keyway-core's response as an actix response; every header kept (several
/// `Set-Cookie` stay several).
pub(crate) fn response(response: http::Response<Bytes>) -> actix_web::HttpResponse {
    let (parts, body) = response.into_parts();
    let status = actix_web::http::StatusCode::from_u16(parts.status.as_u16())
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = actix_web::HttpResponse::with_body(status, body).map_into_boxed_body();
    let headers = out.headers_mut();
    for (name, value) in &parts.headers {
        if let Some((name, value)) = header(name, value) {
            headers.append(name, value);
        }
    }
    out
}

/// One header in actix's types.
pub(crate) fn header(
    name: &http::HeaderName,
    value: &http::HeaderValue,
) -> Option<(actix_header::HeaderName, actix_header::HeaderValue)> {
    let name = actix_header::HeaderName::from_bytes(name.as_str().as_bytes()).ok()?;
    let value = actix_header::HeaderValue::from_bytes(value.as_bytes()).ok()?;
    Some((name, value))
}

/// A `Set-Cookie` value in actix's type.
pub(crate) fn set_cookie(value: &http::HeaderValue) -> Option<actix_header::HeaderValue> {
    actix_header::HeaderValue::from_bytes(value.as_bytes()).ok()
}

/// The engine's answer to a request that needs a session and has none.
pub(crate) fn session_required(auth: &Auth, request: &HttpRequest) -> http::Response<Bytes> {
    auth.session_required(&headers(request), wanted(request))
}
