//! The session cookie cache ([`AuthBuilder::session_cache`](crate::AuthBuilder::session_cache)):
//! a database session read, kept for a few seconds in a signed cookie beside
//! the session cookie, so most reads touch neither the adapter nor the
//! store.
//!
//! The cookie is `base64url(payload) "." base64url(HMAC-SHA256(key, token ‖ 0 ‖
//! payload))`, the key being [`Purpose::SessionCache`](crate::keys::Purpose::SessionCache)'s.
//! The MAC covers the session token, so a cached read is good only beside
//! the session cookie it was made for. The payload is not secret from the
//! browser that holds it (it is that browser's own session), but nobody can
//! change it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::{Scope, SessionData, SessionRead};
use crate::cookies::SetCookie;
use crate::keys::mac;
use crate::model::SessionToken;

/// A cached read larger than this is not cached (a cookie holds ~4 KB).
const MAX_COOKIE_BYTES: usize = 3800;

#[derive(Serialize, Deserialize)]
struct Payload {
    /// Until when the cached read holds (milliseconds since the epoch).
    until: i64,
    user_id: Option<String>,
    signed_in_at: Option<i64>,
    data: SessionData,
}

/// The cache cookie's name: the session cookie's with `session-cache` for
/// `session-token` (`authjs.session-cache`, `__Secure-authjs.session-cache`).
pub(super) fn name(ctx: &Scope<'_>) -> String {
    let session = &ctx.jar.names.session_token;
    if session.contains("session-token") {
        session.replacen("session-token", "session-cache", 1)
    } else {
        format!("{session}-cache")
    }
}

fn sign(key: &[u8], token: &SessionToken, payload: &str) -> [u8; 32] {
    mac(key, &[token.as_str(), payload])
}

/// The cached read for `token`, when the cookie is there, signed by one of
/// the secrets for this token, and still within its time.
pub(super) fn read(ctx: &Scope<'_>, token: &SessionToken) -> Option<SessionRead> {
    if ctx.auth.session_cache_secs <= 0 {
        return None;
    }
    let raw = ctx.cookies.get(&name(ctx))?;
    let (payload, signature) = raw.split_once('.')?;
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    let genuine = ctx
        .auth
        .keys
        .session_cache()
        .iter()
        .any(|key| bool::from(sign(key, token, payload).ct_eq(&signature)));
    if !genuine {
        return None;
    }
    let payload: Payload = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    if payload.until < ctx.now.timestamp_millis() {
        return None;
    }
    Some(SessionRead {
        data: Some(payload.data),
        cookies: Vec::new(),
        user_id: payload.user_id,
        signed_in_at: payload
            .signed_in_at
            .and_then(|t| DateTime::<Utc>::from_timestamp(t, 0)),
    })
}

/// The cookie that caches `read` for `token`; none when the cache is off or
/// the read is too large to cache.
pub(super) fn write(
    ctx: &Scope<'_>,
    token: &SessionToken,
    read: &SessionRead,
) -> Option<SetCookie> {
    let secs = ctx.auth.session_cache_secs;
    if secs <= 0 {
        return None;
    }
    let data = read.data.clone()?;
    let until = ctx.now + Duration::seconds(secs);
    let payload = Payload {
        until: until.timestamp_millis(),
        user_id: read.user_id.clone(),
        signed_in_at: read.signed_in_at.map(|t| t.timestamp()),
        data,
    };
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).ok()?);
    let key = ctx.auth.keys.session_cache().first()?;
    let value = format!(
        "{payload}.{}",
        URL_SAFE_NO_PAD.encode(sign(key, token, &payload))
    );
    if value.len() > MAX_COOKIE_BYTES {
        return None;
    }
    let mut options = ctx.jar.session_options.clone();
    options.expires = Some(until);
    options.max_age = Some(secs);
    Some(SetCookie::new(name(ctx), value, options))
}

/// Removes the cache cookie, when the request has one.
pub(super) fn clear(ctx: &Scope<'_>) -> Option<SetCookie> {
    let name = name(ctx);
    ctx.cookies
        .get(&name)
        .map(|_| SetCookie::removal(name, &ctx.jar.session_options))
}
