//! The token floor: a bare axum handler that does only the part of a JWT
//! session read no implementation can skip with Auth.js v5's token format:
//! find the session cookie, decrypt and check the token (`A256CBC-HS512`,
//! one HMAC-SHA-512), re-encrypt it with fresh `iat`/`exp`/`jti` (a second
//! HMAC) and send it back in one `Set-Cookie`, next to the same JSON body as
//! the ceiling. No callbacks, no CSRF cookie, no session JSON built.
//!
//! Its ratio to the ceiling bounds what the real session route can reach on
//! the machine the benchmark runs on.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use keyway::jwt::{JwtCodec, TokenFormat};

/// The session cookie's name over plain http, which is also the key
/// derivation's salt.
const COOKIE: &str = "authjs.session-token";
/// The session lifetime the engine uses by default (30 days).
const MAX_AGE_SECS: i64 = 30 * 24 * 60 * 60;

/// What the handler needs: the codec (keys derived once) and the body.
#[derive(Clone)]
pub(crate) struct Floor {
    codec: JwtCodec,
    body: Bytes,
}

impl Floor {
    /// A floor reading the tokens the engine configured with `secret` writes.
    pub(crate) fn new(secret: &str, body: Bytes) -> Result<Self, String> {
        let codec = JwtCodec::new(TokenFormat::AuthJs, &[secret], COOKIE)
            .map_err(|e| format!("cannot derive the token keys: {e}"))?;
        Ok(Self { codec, body })
    }

    /// Decodes the request's session token and answers a re-encoded one;
    /// `401` without a valid token.
    pub(crate) fn answer(&self, headers: &HeaderMap) -> Response {
        let now = chrono::Utc::now();
        let token = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|pair| pair.trim().strip_prefix(COOKIE)?.strip_prefix('='));
        let Some(claims) = token.and_then(|t| self.codec.decode(t, now).ok()) else {
            return StatusCode::UNAUTHORIZED.into_response();
        };
        let Ok(encoded) = self.codec.encode(claims, MAX_AGE_SECS, now) else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let expires =
            (now + chrono::Duration::seconds(MAX_AGE_SECS)).format("%a, %d %b %Y %H:%M:%S GMT");
        let cookie =
            format!("{COOKIE}={encoded}; Path=/; Expires={expires}; HttpOnly; SameSite=Lax");
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
