//! JWT sessions: the session lives in an encrypted token in the cookie, read,
//! passed through the callbacks and re-issued on every read (sliding expiry).

use chrono::Duration;
use serde_json::Value;

use super::{Revoked, SessionData, SessionRead, SessionUser, SignedIn};
use crate::callbacks::{JwtParams, JwtTrigger, SessionParams};
use crate::codes::LogCode;
use crate::cookies::{SetCookie, clear_chunked, read_chunked, write_chunked};
use crate::events::SignOutEvent;
use crate::failure::{Failure, describe, log_error, log_event_failure};
use crate::jwt::Claims;
use crate::request::RequestContext;

/// The claim that records when the user signed in (OpenID Connect's name
/// for it); reads keep it, so it says how old the sign-in is.
const AUTH_TIME: &str = "auth_time";

fn clear(ctx: &RequestContext<'_>) -> Vec<SetCookie> {
    clear_chunked(
        &ctx.jar.names.session_token,
        &ctx.jar.session_options,
        &ctx.cookies,
    )
}

fn claim(token: &Claims, name: &str) -> Option<String> {
    token.get(name).and_then(Value::as_str).map(str::to_owned)
}

fn decode(ctx: &RequestContext<'_>) -> Option<Result<Claims, String>> {
    let raw = read_chunked(&ctx.cookies, &ctx.jar.names.session_token)?;
    Some(
        ctx.jar
            .session_codec
            .decode(&raw, ctx.now)
            .map_err(|e| describe(&e)),
    )
}

/// Encodes `token` and returns the cookies that carry it.
fn write(ctx: &RequestContext<'_>, token: Claims) -> Result<Vec<SetCookie>, String> {
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
        &ctx.cookies,
    ))
}

pub(super) async fn read(ctx: &RequestContext<'_>, update: Option<&Value>) -> SessionRead {
    let auth = ctx.auth;
    let claims = match decode(ctx) {
        None => return SessionRead::default(),
        Some(Ok(c)) => c,
        Some(Err(cause)) => {
            log_error(LogCode::JwtSessionError, &cause);
            return SessionRead {
                cookies: clear(ctx),
                ..SessionRead::default()
            };
        }
    };
    let trigger = if update.is_some() {
        JwtTrigger::Update
    } else {
        JwtTrigger::Read
    };
    let params = JwtParams {
        trigger,
        user: None,
        account: None,
        is_new_user: false,
        session: update,
    };
    let token = match auth.callbacks.jwt(claims, &params).await {
        Ok(Some(t)) => t,
        Ok(None) => {
            return SessionRead {
                cookies: clear(ctx),
                ..SessionRead::default()
            };
        }
        Err(e) => {
            log_error(
                LogCode::JwtSessionError,
                &format!("jwt callback failed: {}", describe(&*e)),
            );
            return SessionRead {
                cookies: clear(ctx),
                ..SessionRead::default()
            };
        }
    };
    let expires = ctx.now + Duration::seconds(auth.max_age);
    let user = SessionUser {
        name: claim(&token, "name"),
        email: claim(&token, "email"),
        image: claim(&token, "picture"),
        extra: serde_json::Map::new(),
    };
    let params = SessionParams {
        token: Some(&token),
        user: None,
        new_session: None,
        trigger: update.map(|_| JwtTrigger::Update),
    };
    let data = match auth
        .callbacks
        .session(SessionData::new(user, expires), &params)
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
    let user_id = claim(&token, "sub");
    let signed_in_at = token
        .get(AUTH_TIME)
        .and_then(Value::as_i64)
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0));
    let cookies = match write(ctx, token) {
        Ok(c) => c,
        Err(cause) => {
            log_error(LogCode::JwtSessionError, &cause);
            return SessionRead::default();
        }
    };
    log_event_failure("session", auth.events.session(&data).await);
    SessionRead {
        data: Some(data),
        cookies,
        user_id,
        signed_in_at,
    }
}

pub(super) async fn issue(
    ctx: &RequestContext<'_>,
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

pub(super) async fn revoke(ctx: &RequestContext<'_>) -> Revoked {
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

pub(super) fn current_subject(ctx: &RequestContext<'_>) -> Option<String> {
    decode(ctx)?.ok().and_then(|t| claim(&t, "sub"))
}
