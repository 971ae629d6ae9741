//! What an action produces ([`Outcome`]) and the one place that turns it into
//! an `http::Response`.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};

use crate::cookies::SetCookie;

/// The body of an outcome.
#[derive(Debug)]
pub(crate) enum Payload {
    Json(String),
    /// JSON already in shared bytes (a remembered session answer).
    JsonBytes(Bytes),
    Html(String),
    Text(String),
    Empty,
}

/// An action's answer, before it becomes HTTP.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub status: StatusCode,
    pub payload: Payload,
    pub location: Option<String>,
    pub cookies: Vec<SetCookie>,
    pub no_cache: bool,
    /// The status used instead of 200 when a redirect is returned as JSON.
    pub json_status: Option<StatusCode>,
}

impl Outcome {
    pub fn json(value: &impl serde::Serialize) -> Self {
        // A session object is a few hundred bytes: one allocation, no regrowth.
        let mut body = Vec::with_capacity(512);
        let body = match serde_json::to_writer(&mut body, value) {
            Ok(()) => String::from_utf8(body).unwrap_or_else(|_| "null".to_owned()),
            Err(_) => "null".to_owned(),
        };
        Self::raw_json(body)
    }

    pub fn raw_json(body: impl Into<String>) -> Self {
        Self {
            status: StatusCode::OK,
            payload: Payload::Json(body.into()),
            location: None,
            cookies: Vec::new(),
            no_cache: false,
            json_status: None,
        }
    }

    /// A `200` JSON answer whose bytes are shared, not copied.
    pub fn json_bytes(body: Bytes) -> Self {
        Self {
            payload: Payload::JsonBytes(body),
            ..Self::raw_json(String::new())
        }
    }

    pub fn html(status: StatusCode, body: String) -> Self {
        Self {
            status,
            payload: Payload::Html(body),
            location: None,
            cookies: Vec::new(),
            no_cache: false,
            json_status: None,
        }
    }

    pub fn text(status: StatusCode, body: impl Into<String>) -> Self {
        Self {
            status,
            payload: Payload::Text(body.into()),
            location: None,
            cookies: Vec::new(),
            no_cache: false,
            json_status: None,
        }
    }

    pub fn redirect(url: impl Into<String>) -> Self {
        Self {
            status: StatusCode::FOUND,
            payload: Payload::Empty,
            location: Some(url.into()),
            cookies: Vec::new(),
            no_cache: false,
            json_status: None,
        }
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn with_cookies(mut self, cookies: Vec<SetCookie>) -> Self {
        self.cookies.extend(cookies);
        self
    }

    /// Puts `first` before the cookies already set.
    pub fn prepend_cookies(mut self, mut first: Vec<SetCookie>) -> Self {
        first.append(&mut self.cookies);
        self.cookies = first;
        self
    }

    /// The status of the `{"url": …}` answer when the redirect is returned as
    /// JSON (next-auth v4 answers 401 for refused credentials).
    pub fn with_json_status(mut self, status: StatusCode) -> Self {
        self.json_status = Some(status);
        self
    }

    pub fn no_cache(mut self) -> Self {
        self.no_cache = true;
        self
    }
}

/// The `Content-Security-Policy` of the built-in pages. They hold no script,
/// one inline stylesheet and the configured logos (any URL), and must never
/// be framed (clickjacking a sign-in or sign-out button). `form-action` is
/// left open on purpose: an OAuth sign-in form is answered with a redirect
/// to the provider, which `form-action` would govern too.
pub(crate) const PAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     img-src * data:; base-uri 'none'; frame-ancestors 'none'";

/// The `Referrer-Policy` of pages and redirects: the URLs keyway sends a
/// browser through carry callback URLs, and a page's own address must not
/// reach a logo's host or an OAuth provider.
pub(crate) const REFERRER_POLICY: &str = "no-referrer";

/// Turns an outcome into a response. With `return_json`, a redirect becomes
/// `{"url": …}` JSON (the `X-Auth-Return-Redirect` header or the `json=true`
/// body field), keeping its cookies and `Location`; its status is the
/// outcome's own unless that is the 302 itself.
///
/// Security headers are added here, so no action can forget them: a page
/// gets [`PAGE_CSP`], `X-Frame-Options: DENY` and [`REFERRER_POLICY`]; a
/// redirect gets [`REFERRER_POLICY`]; an answer that sets a cookie (a
/// session token, a CSRF cookie, a check cookie) or is a page (pages carry
/// the CSRF token) is never stored by a cache (`Cache-Control: private,
/// no-cache, no-store`, as Auth.js sends on `/session` and `/csrf`).
pub(crate) fn into_response(outcome: Outcome, return_json: bool) -> Response<Bytes> {
    let Outcome {
        mut status,
        mut payload,
        location,
        cookies,
        no_cache,
        json_status,
    } = outcome;
    if return_json && let Some(url) = &location {
        status = json_status.unwrap_or(StatusCode::OK);
        payload = Payload::Json(serde_json::json!({ "url": url }).to_string());
    }
    let mut builder = Response::builder().status(status);
    let headers = builder.headers_mut();
    if let Some(headers) = headers {
        // Room for every header below at once: one allocation, no rehash.
        headers.reserve(7 + cookies.len());
        let is_page = matches!(payload, Payload::Html(_));
        let (content_type, body) = match payload {
            Payload::Json(s) => (Some("application/json"), Bytes::from(s)),
            Payload::JsonBytes(b) => (Some("application/json"), b),
            Payload::Html(s) => (Some("text/html; charset=utf-8"), Bytes::from(s)),
            Payload::Text(s) => (Some("text/plain; charset=utf-8"), Bytes::from(s)),
            Payload::Empty => (None, Bytes::new()),
        };
        if let Some(ct) = content_type {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
        }
        if is_page {
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(PAGE_CSP),
            );
            headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        }
        if is_page || location.is_some() {
            headers.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static(REFERRER_POLICY),
            );
        }
        if let Some(url) = location
            && let Ok(v) = HeaderValue::from_str(&url)
        {
            headers.insert(header::LOCATION, v);
        }
        if no_cache || is_page || !cookies.is_empty() {
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-cache, no-store"),
            );
            headers.insert(header::EXPIRES, HeaderValue::from_static("0"));
            headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        }
        for c in &cookies {
            if let Ok(v) = HeaderValue::try_from(c.header_value()) {
                headers.append(header::SET_COOKIE, v);
            }
        }
        return builder.body(body).unwrap_or_else(|_| fallback());
    }
    fallback()
}

/// A bare 500, only reachable if the response builder itself refuses.
fn fallback() -> Response<Bytes> {
    let mut r = Response::new(Bytes::new());
    *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    r
}
