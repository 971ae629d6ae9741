//! The token floor: a bare axum handler that does only the part of a JWT
//! session read no implementation can skip with Auth.js v5's token format:
//! find the session cookie, decrypt and check the token (`A256CBC-HS512`,
//! one HMAC-SHA-512), re-encrypt it with fresh `iat`/`exp`/`jti` (a second
//! HMAC) and send it back in one `Set-Cookie`, next to the same JSON body as
//! the ceiling. No callbacks, no CSRF cookie, no session JSON built.
//!
//! Its ratio to the ceiling bounds what a read that re-issues the token can
//! reach on the machine the benchmark runs on. [`Floor::read`] is the same
//! for a read of a token that is not due: the decode alone (into the claim
//! map), the session route's headers and the same JSON, no cookie.
//!
//! [`Floor::same_bytes`] is the other side of that bound: a bare handler
//! answering, with nothing computed, the headers a session read answers (a
//! `Set-Cookie` of a real token's length, the no-cache headers) and the same
//! JSON, loaded with the same cookies as the session rows. What it loses
//! against the ceiling is the cost of the bytes alone.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use keyway::jwt::{JwtCodec, TokenFormat};

/// The session cookie's name over plain http, which is also the key
/// derivation's salt.
const COOKIE: &str = "authjs.session-token";
/// The session lifetime the engine uses by default (30 days).
const MAX_AGE_SECS: i64 = 30 * 24 * 60 * 60;

/// The headers the session route answers with, `Set-Cookie` aside.
const SESSION_HEADERS: [(header::HeaderName, &str); 4] = [
    (header::CONTENT_TYPE, "application/json"),
    (header::CACHE_CONTROL, "private, no-cache, no-store"),
    (header::EXPIRES, "0"),
    (header::PRAGMA, "no-cache"),
];

/// What the handler needs: the codec (keys derived once) and the body.
#[derive(Clone)]
pub(crate) struct Floor {
    codec: JwtCodec,
    body: Bytes,
    /// A `Set-Cookie` value as long as a rolled session cookie.
    sample_cookie: HeaderValue,
}

impl Floor {
    /// A floor reading the tokens the engine configured with `secret` writes.
    /// `sample_claims` are those of a signed-in user's token (for the
    /// length of [`same_bytes`](Self::same_bytes)' cookie).
    pub(crate) fn new(
        secret: &str,
        body: Bytes,
        sample_claims: &[(&str, &str)],
    ) -> Result<Self, String> {
        let codec = JwtCodec::new(TokenFormat::AuthJs, &[secret], COOKIE)
            .map_err(|e| format!("cannot derive the token keys: {e}"))?;
        let mut claims = keyway::jwt::Claims::new();
        for (name, value) in sample_claims {
            claims.insert((*name).to_owned(), (*value).into());
        }
        let now = chrono::Utc::now();
        let token = codec
            .encode(claims, MAX_AGE_SECS, now)
            .map_err(|e| format!("cannot encode a sample token: {e}"))?;
        let sample_cookie = HeaderValue::try_from(set_cookie(&token, now))
            .map_err(|e| format!("cannot build a sample cookie: {e}"))?;
        Ok(Self {
            codec,
            body,
            sample_cookie,
        })
    }

    /// The session route's headers and body, all fixed: no work at all.
    pub(crate) fn same_bytes(&self) -> Response {
        (
            SESSION_HEADERS,
            [(header::SET_COOKIE, self.sample_cookie.clone())],
            self.body.clone(),
        )
            .into_response()
    }

    /// Decodes the request's session token and answers the body, with the
    /// session route's headers and no cookie: what a read of a token that
    /// is not due must do at least. `401` without a valid token.
    pub(crate) fn read(&self, headers: &HeaderMap) -> Response {
        let now = chrono::Utc::now();
        if session_token(headers)
            .and_then(|t| self.codec.decode(t, now).ok())
            .is_none()
        {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        (SESSION_HEADERS, self.body.clone()).into_response()
    }

    /// Decodes the request's session token and answers a re-encoded one;
    /// `401` without a valid token.
    pub(crate) fn answer(&self, headers: &HeaderMap) -> Response {
        let now = chrono::Utc::now();
        let Some(claims) = session_token(headers).and_then(|t| self.codec.decode(t, now).ok())
        else {
            return StatusCode::UNAUTHORIZED.into_response();
        };
        let Ok(encoded) = self.codec.encode(claims, MAX_AGE_SECS, now) else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let cookie = set_cookie(&encoded, now);
        let Ok(cookie) = HeaderValue::try_from(cookie) else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (header::SET_COOKIE, cookie),
            ],
            self.body.clone(),
        )
            .into_response()
    }
}

/// The session token of the request's cookies.
fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(COOKIE)?.strip_prefix('='))
}

/// The session cookie carrying `token`, as the engine writes it.
fn set_cookie(token: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    let expires =
        (now + chrono::Duration::seconds(MAX_AGE_SECS)).format("%a, %d %b %Y %H:%M:%S GMT");
    format!("{COOKIE}={token}; Path=/; Expires={expires}; HttpOnly; SameSite=Lax")
}
