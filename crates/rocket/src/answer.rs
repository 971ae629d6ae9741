//! Conversions between rocket's request and response types and the engine's
//! `http` ones.

use std::io::Cursor;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};
use rocket::http::{Header, Status};
use rocket::{Request, Response};

/// The request's headers as the engine reads them. A header whose name or
/// value `http` refuses is left out (rocket only keeps UTF-8 values; the
/// engine ignores what it cannot use anyway).
pub(crate) fn headers(request: &Request<'_>) -> HeaderMap {
    let mut map = HeaderMap::with_capacity(request.headers().len());
    for header in request.headers().iter() {
        let name = HeaderName::from_bytes(header.name().as_str().as_bytes());
        let value = HeaderValue::from_str(header.value());
        if let (Ok(name), Ok(value)) = (name, value) {
            map.append(name, value);
        }
    }
    map
}

/// An engine response, held in rocket's terms so it can be answered (and,
/// for a missing session, kept in the request's cache until a catcher or the
/// fairing answers it).
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    status: Status,
    headers: Vec<Header<'static>>,
    body: Bytes,
}

impl Answer {
    /// The engine's response, every header kept (several `Set-Cookie` stay
    /// several).
    pub(crate) fn from_engine(response: http::Response<Bytes>) -> Self {
        let (parts, body) = response.into_parts();
        let mut headers = Vec::with_capacity(parts.headers.len());
        for (name, value) in &parts.headers {
            match std::str::from_utf8(value.as_bytes()) {
                Ok(value) => headers.push(Header::new(name.as_str().to_owned(), value.to_owned())),
                // The engine only writes ASCII values; rocket cannot carry
                // anything but UTF-8.
                Err(_) => {
                    tracing::warn!(header = %name, "keyway-rocket: a non-UTF-8 header value from the engine was dropped")
                }
            }
        }
        Self {
            status: Status::new(parts.status.as_u16()),
            headers,
            body,
        }
    }

    /// The status the engine answered.
    pub(crate) fn status(&self) -> Status {
        self.status
    }

    /// A rocket response carrying exactly this answer.
    pub(crate) fn respond<'r>(&self) -> Response<'r> {
        let mut response = Response::new();
        self.write_into(&mut response);
        response
    }

    /// Puts this answer on `response`: its status, its headers (replacing
    /// those of the same name), its body; a `Content-Type` the answer does not
    /// have is removed, so a bodiless redirect does not keep a page's type.
    pub(crate) fn write_into(&self, response: &mut Response<'_>) {
        response.set_status(self.status);
        response.remove_header("Content-Type");
        let mut seen: Vec<&str> = Vec::new();
        for header in &self.headers {
            if seen.contains(&header.name().as_str()) {
                response.adjoin_header(header.clone());
            } else {
                seen.push(header.name().as_str());
                response.set_header(header.clone());
            }
        }
        response.set_sized_body(self.body.len(), Cursor::new(self.body.clone()));
    }
}
