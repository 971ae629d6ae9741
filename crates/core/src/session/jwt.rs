//! JWT sessions: the session lives in an encrypted token in the cookie, read
//! and passed through the callbacks on every read, and re-issued with a
//! fresh expiry once it is older than the JWT update age (sliding expiry),
//! or when the `jwt` callback changed it.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::{Revoked, Scope, SessionData, SessionRead, SessionUser, SignedIn};
use crate::callbacks::{JwtParams, JwtTrigger, SessionParams};
use crate::codes::LogCode;
use crate::cookies::{SetCookie, clear_chunked, read_chunked_borrowed, write_chunked};
use crate::events::SignOutEvent;
use crate::failure::{Failure, describe, log_error, log_event_failure};
use crate::jwt::{Claims, JwtCodec, JwtError, SessionClaims};

/// The claim that records when the user signed in (OpenID Connect's name
/// for it); reads keep it, so it says how old the sign-in is.
const AUTH_TIME: &str = "auth_time";

fn clear(ctx: &Scope<'_>) -> Vec<SetCookie> {
    clear_chunked(
        &ctx.jar.names.session_token,
        &ctx.jar.session_options,
        ctx.cookies,
    )
}

fn claim(token: &Claims, name: &str) -> Option<String> {
    token.get(name).and_then(Value::as_str).map(str::to_owned)
}

fn decode(ctx: &Scope<'_>) -> Option<Result<Claims, String>> {
    decode_with(ctx, JwtCodec::decode)
}

/// [`decode`], keeping only the claims the session object needs.
fn decode_lean(ctx: &Scope<'_>) -> Option<Result<SessionClaims, String>> {
    decode_with(ctx, JwtCodec::decode_session)
}

/// The session cookie's token through `decode`; `None` without a cookie.
fn decode_with<T>(
    ctx: &Scope<'_>,
    decode: impl FnOnce(&JwtCodec, &str, DateTime<Utc>) -> Result<T, JwtError>,
) -> Option<Result<T, String>> {
    let raw = read_chunked_borrowed(ctx.cookies, &ctx.jar.names.session_token)?;
    Some(decode(&ctx.jar.session_codec, &raw, ctx.now).map_err(|e| describe(&e)))
}

/// Encodes `token` and returns the cookies that carry it.
fn write(ctx: &Scope<'_>, token: Claims) -> Result<Vec<SetCookie>, String> {
    let auth = ctx.auth;
    let encoded = ctx
        .jar
        .session_codec
        .encode(token, auth.max_age, ctx.now)
        .map_err(|e| describe(&e))?;
    let mut options = ctx.jar.session_options.clone();
    options.expires = Some(ctx.now + Duration::seconds(auth.max_age));
    Ok(write_chunked(
        &ctx.jar.names.session_token,
        &encoded,
        &options,
        auth.wire.chunk_size,
        ctx.cookies,
    ))
}

/// Whether a read re-issues a token issued at `iat` (seconds): once it is
/// as old as the JWT update age, or when it says nothing of its age.
fn due(ctx: &Scope<'_>, iat: Option<i64>) -> bool {
    match iat {
        Some(iat) => ctx.now.timestamp().saturating_sub(iat) >= ctx.auth.jwt_update_age,
        None => true,
    }
}

/// A session cookie that cannot be read: logged, and cleared.
fn unreadable(ctx: &Scope<'_>, cause: &str) -> SessionRead {
    log_error(LogCode::JwtSessionError, cause);
    SessionRead {
        cookies: clear(ctx),
        ..SessionRead::default()
    }
}

pub(super) async fn read(ctx: &Scope<'_>, update: Option<&Value>) -> SessionRead {
    let callbacks = &ctx.auth.callbacks;
    // A plain read whose callbacks look at no token, of a token not yet
    // due: only the claims the session object needs are read. A due token
    // is read in full below, to be re-issued with every claim.
    if update.is_none() && !callbacks.jwt_on_every_read() && !callbacks.session_uses_token() {
        match decode_lean(ctx) {
            None => return SessionRead::default(),
            Some(Err(cause)) => return unreadable(ctx, &cause),
            Some(Ok(claims)) if !due(ctx, claims.issued_at()) => {
                return finish(ctx, claims, None, false, None).await;
            }
            Some(Ok(_)) => {}
        }
    }
    let claims = match decode(ctx) {
        None => return SessionRead::default(),
        Some(Ok(c)) => c,
        Some(Err(cause)) => return unreadable(ctx, &cause),
    };
    // An update always re-issues; a plain read when the token is due, or
    // when the jwt callback changed it.
    let mut reissue = update.is_some() || due(ctx, SessionClaims::issued_at_of(&claims));
    let token = if update.is_none() && !callbacks.jwt_on_every_read() {
        claims
    } else {
        // Only a read that would not re-issue anyway needs the copy to see
        // whether the callback changed the token.
        let before = (!reissue).then(|| claims.clone());
        let params = JwtParams {
            trigger: if update.is_some() {
                JwtTrigger::Update
            } else {
                JwtTrigger::Read
            },
            user: None,
            account: None,
            is_new_user: false,
            session: update,
        };
        match callbacks.jwt(claims, &params).await {
            Ok(Some(t)) => {
                if before.is_some_and(|b| b != t) {
                    reissue = true;
                }
                t
            }
            Ok(None) => {
                return SessionRead {
                    cookies: clear(ctx),
                    ..SessionRead::default()
                };
            }
            Err(e) => {
                return unreadable(ctx, &format!("jwt callback failed: {}", describe(&*e)));
            }
        }
    };
    let view = SessionClaims::from_claims(&token);
    finish(ctx, view, Some(token), reissue, update).await
}

/// The `GET /session` answer of a plain read from the codec's read memo,
/// when the application set no callbacks and no events (the caller checks)
/// and the token is one the memo knows, unexpired and not yet due: the JSON
/// [`finish`] would write for it (the default callbacks change nothing, and
/// `expires` is the token's own `exp`), made once per token and then shared.
/// `None` sends the read the usual way.
pub(super) fn remembered_json(ctx: &Scope<'_>) -> Option<bytes::Bytes> {
    let raw = read_chunked_borrowed(ctx.cookies, &ctx.jar.names.session_token)?;
    ctx.jar.session_codec.remembered_session_json(
        &raw,
        ctx.now,
        |iat| !due(ctx, iat),
        |claims| {
            // Without `exp` the answer would depend on the clock.
            let expires = DateTime::<Utc>::from_timestamp(claims.expires_at()?, 0)?;
            let user = SessionUser::basic(
                claims.name.clone(),
                claims.email.clone(),
                claims.picture.clone(),
            );
            Some(SessionData::new(user, expires).to_json().into())
        },
    )
}

/// The rest of a read once the token is known: the session object through
/// the session callback, and the cookie when the token is re-issued.
/// `token` is the whole token, when it was read whole (always when
/// `reissue`); `claims` its claims the session object uses.
async fn finish(
    ctx: &Scope<'_>,
    claims: SessionClaims,
    token: Option<Claims>,
    reissue: bool,
    update: Option<&Value>,
) -> SessionRead {
    let auth = ctx.auth;
    // The expiry the session JSON states is the token's own: the new one
    // when it is re-issued, else the one the cookie already carries.
    let expires = if reissue {
        ctx.now + Duration::seconds(auth.max_age)
    } else {
        claims
            .expires_at()
            .and_then(|exp| DateTime::<Utc>::from_timestamp(exp, 0))
            .unwrap_or(ctx.now + Duration::seconds(auth.max_age))
    };
    let signed_in_at = claims
        .auth_time()
        .and_then(|t| DateTime::<Utc>::from_timestamp(t, 0));
    let SessionClaims {
        name,
        email,
        picture,
        sub,
        ..
    } = claims;
    let user = SessionUser::basic(name, email, picture);
    let params = SessionParams {
        token: token.as_ref(),
        user: None,
        new_session: None,
        trigger: update.map(|_| JwtTrigger::Update),
    };
    let data = match auth
        .session_callback(SessionData::new(user, expires), &params)
        .await
    {
        Ok(d) => d,
        Err(e) => {
            log_error(
                LogCode::SessionError,
                &format!("session callback failed: {}", describe(&*e)),
            );
            return SessionRead::default();
        }
    };
    let cookies = match token {
        Some(token) if reissue => match write(ctx, token) {
            Ok(c) => c,
            Err(cause) => {
                log_error(LogCode::JwtSessionError, &cause);
                return SessionRead::default();
            }
        },
        _ => Vec::new(),
    };
    auth.session_event(&data).await;
    SessionRead {
        data: Some(data),
        cookies,
        user_id: sub,
        signed_in_at,
    }
}

pub(super) async fn issue(
    ctx: &Scope<'_>,
    signed_in: &SignedIn<'_>,
) -> Result<Vec<SetCookie>, Failure> {
    let user = signed_in.user;
    let mut token = Claims::new();
    if let Some(name) = &user.name {
        token.insert("name".into(), Value::String(name.clone()));
    }
    if let Some(email) = &user.email {
        token.insert("email".into(), Value::String(email.clone()));
    }
    if let Some(image) = &user.image {
        token.insert("picture".into(), Value::String(image.clone()));
    }
    token.insert("sub".into(), Value::String(user.id.clone()));
    token.insert(AUTH_TIME.into(), Value::from(ctx.now.timestamp()));
    let params = JwtParams {
        trigger: if signed_in.is_new_user {
            JwtTrigger::SignUp
        } else {
            JwtTrigger::SignIn
        },
        user: Some(user),
        account: signed_in.account,
        is_new_user: signed_in.is_new_user,
        session: None,
    };
    match ctx.auth.callbacks.jwt(token, &params).await {
        Ok(Some(token)) => write(ctx, token).map_err(|cause| Failure::Configuration {
            code: LogCode::JwtSessionError,
            cause,
        }),
        Ok(None) => Ok(clear(ctx)),
        Err(e) => Err(Failure::Configuration {
            code: LogCode::JwtSessionError,
            cause: format!("jwt callback failed: {}", describe(&*e)),
        }),
    }
}

pub(super) async fn revoke(ctx: &Scope<'_>) -> Revoked {
    let Some(decoded) = decode(ctx) else {
        return Revoked::default();
    };
    let token = decoded.ok();
    let event = SignOutEvent::Jwt {
        token: token.as_ref(),
    };
    log_event_failure("sign_out", ctx.auth.events.sign_out(&event).await);
    Revoked {
        cookies: clear(ctx),
    }
}

pub(super) fn current_subject(ctx: &Scope<'_>) -> Option<String> {
    decode(ctx)?.ok().and_then(|t| claim(&t, "sub"))
}
