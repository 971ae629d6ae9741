//! Database sessions: the cookie holds a random token; the session row in the
//! adapter is the truth. Expiry is extended at most once per `updateAge`,
//! and the cookie set again with it.

use chrono::Duration;
use serde_json::Value;

use super::{Revoked, Scope, SessionData, SessionRead, SessionUser, SignedIn, cache};
use crate::adapter::{Adapter, AdapterError, AdapterErrorKind};
use crate::callbacks::{JwtTrigger, SessionParams};
use crate::codes::LogCode;
use crate::cookies::{SetCookie, clear_chunked, read_chunked, write_chunked};
use crate::events::SignOutEvent;
use crate::failure::{Failure, describe, log_error, log_event_failure};
use crate::model::{Session, SessionToken, SessionUpdate, User};

fn clear(ctx: &Scope<'_>) -> Vec<SetCookie> {
    let mut cookies = clear_chunked(
        &ctx.jar.names.session_token,
        &ctx.jar.session_options,
        ctx.cookies,
    );
    cookies.extend(cache::clear(ctx));
    cookies
}

fn log_adapter(code: LogCode, e: &AdapterError) {
    let code = if e.kind() == AdapterErrorKind::Connection {
        LogCode::AdapterConnectionError
    } else {
        code
    };
    log_error(code, &describe(e));
}

/// A session cookie whose value is longer than [`SessionToken::MAX_LEN`]:
/// it names no session, and is refused before any query.
struct TooLong;

/// The session token in the request's cookie, if it sent one.
fn token(ctx: &Scope<'_>) -> Option<Result<SessionToken, TooLong>> {
    let value = read_chunked(ctx.cookies, &ctx.jar.names.session_token)?;
    if value.len() > SessionToken::MAX_LEN {
        tracing::debug!(
            len = value.len(),
            max = SessionToken::MAX_LEN,
            "session cookie longer than any session token; refused before the adapter"
        );
        return Some(Err(TooLong));
    }
    Some(Ok(SessionToken::new(value)))
}

fn adapter<'a>(ctx: &'a Scope<'_>) -> Option<&'a dyn Adapter> {
    ctx.auth.adapter.as_deref()
}

fn cookie(ctx: &Scope<'_>, token: &SessionToken) -> Vec<SetCookie> {
    let mut options = ctx.jar.session_options.clone();
    options.expires = Some(ctx.now + Duration::seconds(ctx.auth.max_age));
    write_chunked(
        &ctx.jar.names.session_token,
        token.as_str(),
        &options,
        ctx.auth.wire.chunk_size,
        ctx.cookies,
    )
}

pub(super) async fn read(ctx: &Scope<'_>, update: Option<&Value>) -> SessionRead {
    let (Some(token), Some(adapter)) = (token(ctx), adapter(ctx)) else {
        return SessionRead::default();
    };
    let Ok(token) = token else {
        return SessionRead {
            cookies: clear(ctx),
            ..SessionRead::default()
        };
    };
    if update.is_none()
        && let Some(cached) = cache::read(ctx, &token)
    {
        return cached;
    }
    let auth = ctx.auth;
    let (session, user) = match adapter.get_session_and_user(&token).await {
        Ok(Some(found)) => found,
        Ok(None) => {
            return SessionRead {
                cookies: clear(ctx),
                ..SessionRead::default()
            };
        }
        Err(e) => {
            // A database outage must not sign everyone out: keep the cookie.
            log_adapter(LogCode::GetSessionError, &e);
            return SessionRead::default();
        }
    };
    if session.expires < ctx.now {
        if let Err(e) = adapter.delete_session(&token).await {
            log_adapter(LogCode::DeleteSessionError, &e);
        }
        return SessionRead {
            cookies: clear(ctx),
            ..SessionRead::default()
        };
    }

    let max_age = Duration::seconds(auth.max_age);
    let last_updated = session.expires - max_age + Duration::seconds(auth.update_age);
    let mut expires = session.expires;
    // The cookie is set again when the session's expiry moves (or the
    // client updates it), so it always expires with the session; a read in
    // between sets none (Auth.js sets it on every read).
    let mut extended = false;
    if last_updated <= ctx.now {
        let new_expires = ctx.now + max_age;
        match adapter
            .update_session(SessionUpdate::expires(token.clone(), new_expires))
            .await
        {
            Ok(_) => {
                expires = new_expires;
                extended = true;
            }
            Err(e) => log_adapter(LogCode::UpdateSessionError, &e),
        }
    }

    let (data, user_id) = if auth.custom_callbacks {
        let base = SessionData::new(
            SessionUser::basic(user.name.clone(), user.email.clone(), user.image.clone()),
            expires,
        );
        let params = SessionParams {
            token: None,
            user: Some(&user),
            new_session: update,
            trigger: update.map(|_| JwtTrigger::Update),
        };
        match auth.session_callback(base, &params).await {
            Ok(d) => (d, user.id),
            Err(e) => {
                log_error(
                    LogCode::SessionError,
                    &format!("session callback failed: {}", describe(&*e)),
                );
                return SessionRead::default();
            }
        }
    } else {
        // The default callback answers the session as it is given and
        // looks at nothing else: the user's fields move into it.
        let User {
            id,
            name,
            email,
            image,
            ..
        } = user;
        (
            SessionData::new(SessionUser::basic(name, email, image), expires),
            id,
        )
    };
    auth.session_event(&data).await;
    let mut read = SessionRead {
        data: Some(data),
        cookies: if extended || update.is_some() {
            cookie(ctx, &session.session_token)
        } else {
            Vec::new()
        },
        user_id: Some(user_id),
        signed_in_at: session.session_token.signed_in_at(),
    };
    read.cookies.extend(cache::write(ctx, &token, &read));
    read
}

pub(super) async fn issue(
    ctx: &Scope<'_>,
    signed_in: &SignedIn<'_>,
) -> Result<Vec<SetCookie>, Failure> {
    let Some(adapter) = adapter(ctx) else {
        return Err(Failure::Configuration {
            code: LogCode::CreateSessionError,
            cause: "database sessions without an adapter".into(),
        });
    };
    let session = Session {
        session_token: SessionToken::generate_at(ctx.now),
        user_id: signed_in.user.id.clone(),
        expires: ctx.now + Duration::seconds(ctx.auth.max_age),
    };
    let stored = adapter
        .create_session(session)
        .await
        .map_err(|e| Failure::adapter(LogCode::CreateSessionError, &e))?;
    let mut options = ctx.jar.session_options.clone();
    options.expires = Some(stored.expires);
    let mut cookies = write_chunked(
        &ctx.jar.names.session_token,
        stored.session_token.as_str(),
        &options,
        ctx.auth.wire.chunk_size,
        ctx.cookies,
    );
    // A cached read of the previous session has no business beside the new one.
    cookies.extend(cache::clear(ctx));
    Ok(cookies)
}

pub(super) async fn revoke(ctx: &Scope<'_>) -> Revoked {
    let (Some(token), Some(adapter)) = (token(ctx), adapter(ctx)) else {
        return Revoked::default();
    };
    let deleted = match token {
        Ok(token) => match adapter.delete_session(&token).await {
            Ok(s) => s,
            Err(e) => {
                log_adapter(LogCode::SignoutError, &e);
                None
            }
        },
        Err(TooLong) => None,
    };
    let event = SignOutEvent::Database {
        session: deleted.as_ref(),
    };
    log_event_failure("sign_out", ctx.auth.events.sign_out(&event).await);
    Revoked {
        cookies: clear(ctx),
    }
}

pub(super) async fn current_user_id(ctx: &Scope<'_>) -> Option<String> {
    let (token, adapter) = (token(ctx)?.ok()?, adapter(ctx)?);
    match adapter.get_session_and_user(&token).await {
        Ok(Some((s, u))) if s.expires >= ctx.now => Some(u.id),
        Ok(_) => None,
        Err(e) => {
            log_adapter(LogCode::GetSessionError, &e);
            None
        }
    }
}
