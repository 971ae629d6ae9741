//! One-time codes: a short numeric code sent in the same message as the
//! link, typed on the verify-request page, posted to `POST /callback/{id}`.
//!
//! # Design
//!
//! The adapter contract only offers "store a row" and "fetch and delete the
//! row `(identifier, token)`", so every piece of state is a verification
//! token row keyed by the address, and the browser keeps only what it needs
//! to find them.
//!
//! - **Per-message nonce.** `nonce = HMAC(secret, "nonce" ‖ link token)`:
//!   random per message, and derivable again from the link, so using the
//!   link can retire the code.
//! - **The code row.** `token = HMAC(secret, "code" ‖ nonce ‖ code)`. The
//!   code is never stored; without the secret and the nonce a stolen row
//!   cannot be brute-forced.
//! - **Attempt tickets.** `max_attempts` rows `HMAC(secret, "attempt" ‖
//!   nonce ‖ i)`. Every guess first consumes one ticket (fetch-and-delete is
//!   atomic, so concurrent guesses each take a different one); with no ticket
//!   left the code is dead even if it is then guessed right. The count lives
//!   in the database, so clearing cookies does not reset it.
//! - **The pending cookie** (`<prefix>.email-code`, encrypted like the OAuth
//!   check cookies, HttpOnly, lifetime of the code) carries the address, the
//!   nonce and the link's stored hash. Keeping the address in a cookie rather
//!   than the redirect URL keeps it out of logs, history and `Referer`, and
//!   binds the code to the browser that asked for it: another browser, or
//!   one that dropped the cookie, cannot guess at all. The link hash lets a
//!   successful code retire the link too.
//!
//! A guess therefore costs an attacker one of `max_attempts` tickets of one
//! message, and the provider's send limit bounds the messages per address.

use chrono::Duration;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{discard, normalize_identifier, signed_in_by_email, verification};
use crate::adapter::Adapter;
use crate::codes::LogCode;
use crate::cookies::SetCookie;
use crate::failure::{Failure, describe};
use crate::jwt::{Claims, JwtCodec, TokenFormat};
use crate::model::VerificationToken;
use crate::provider::{EmailProvider, Provider};
use crate::random;
use crate::request::RequestContext;
use crate::response::Outcome;

/// A provider's code settings, clamped to safe ranges.
#[derive(Debug, Clone, Copy)]
pub(super) struct Settings {
    digits: usize,
    attempts: u8,
    max_age: i64,
}

impl Settings {
    pub(super) fn of(provider: &dyn EmailProvider) -> Option<Self> {
        let o = provider.one_time_code()?;
        let link_age = provider.max_age_secs().max(60);
        Some(Self {
            digits: usize::from(o.digits.clamp(6, 12)),
            attempts: o.max_attempts.clamp(1, 10),
            max_age: o.max_age_secs.clamp(60, link_age),
        })
    }
}

/// A code ready to send: the code itself (for the message), the rows to
/// store and the pending cookie.
pub(super) struct Issued {
    pub code: String,
    pub rows: Vec<VerificationToken>,
    pub cookie: SetCookie,
}

/// `n` decimal digits, uniformly distributed (rejection sampling).
fn random_digits(n: usize) -> String {
    let mut out = String::with_capacity(n);
    while out.len() < n {
        for b in random::bytes::<16>() {
            if b < 250 && out.len() < n {
                out.push(char::from(b'0' + b % 10));
            }
        }
    }
    out
}

/// `hex(HMAC-SHA256(secret, kind ‖ 0 ‖ parts joined by 0))`.
fn keyed(secret: &str, kind: &str, parts: &[&str]) -> Result<String, Failure> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).map_err(|_| {
        Failure::Configuration {
            code: LogCode::SigninEmailError,
            cause: "the secret cannot key HMAC-SHA256".into(),
        }
    })?;
    mac.update(b"keyway email code\0");
    mac.update(kind.as_bytes());
    for part in parts {
        mac.update(b"\0");
        mac.update(part.as_bytes());
    }
    Ok(random::to_hex(&mac.finalize().into_bytes()))
}

fn nonce_of(ctx: &RequestContext<'_>, link_token: &str) -> Result<String, Failure> {
    keyed(&ctx.auth.csrf_secret, "nonce", &[link_token])
}

fn ticket(ctx: &RequestContext<'_>, nonce: &str, i: u8) -> Result<String, Failure> {
    keyed(&ctx.auth.csrf_secret, "attempt", &[nonce, &i.to_string()])
}

fn code_row(ctx: &RequestContext<'_>, nonce: &str, code: &str) -> Result<String, Failure> {
    keyed(&ctx.auth.csrf_secret, "code", &[nonce, code])
}

fn cookie_name(ctx: &RequestContext<'_>) -> String {
    let secure = if ctx.jar.check_options.secure {
        "__Secure-"
    } else {
        ""
    };
    format!("{secure}{}.email-code", ctx.auth.wire.cookie_prefix)
}

fn codec(ctx: &RequestContext<'_>, name: &str) -> Result<JwtCodec, Failure> {
    JwtCodec::new(
        TokenFormat::AuthJs,
        &[ctx.auth.csrf_secret.as_bytes()],
        name,
    )
    .map_err(|e| Failure::Configuration {
        code: LogCode::SigninEmailError,
        cause: format!("the one-time code cookie cannot be sealed: {e}"),
    })
}

/// Makes a code for one message: the code, its rows, the pending cookie.
pub(super) fn issue(
    ctx: &RequestContext<'_>,
    settings: Settings,
    provider_id: &str,
    email: &str,
    link_token: &str,
    link_hash: &str,
) -> Result<Issued, Failure> {
    let code = random_digits(settings.digits);
    let nonce = nonce_of(ctx, link_token)?;
    let expires = ctx.now + Duration::seconds(settings.max_age);
    let row = |token: String| VerificationToken {
        identifier: email.to_owned(),
        token,
        expires,
    };
    let mut rows = vec![row(code_row(ctx, &nonce, &code)?)];
    for i in 0..settings.attempts {
        rows.push(row(ticket(ctx, &nonce, i)?));
    }
    let mut claims = Claims::new();
    claims.insert("email".into(), email.into());
    claims.insert("nonce".into(), nonce.into());
    claims.insert("link".into(), link_hash.into());
    claims.insert("provider".into(), provider_id.into());
    let name = cookie_name(ctx);
    let sealed = codec(ctx, &name)?
        .encode(claims, settings.max_age, ctx.now)
        .map_err(|e| Failure::Configuration {
            code: LogCode::SigninEmailError,
            cause: format!("the one-time code cookie cannot be sealed: {e}"),
        })?;
    let mut options = ctx.jar.check_options.clone();
    options.max_age = Some(settings.max_age);
    options.expires = Some(expires);
    Ok(Issued {
        code,
        rows,
        cookie: SetCookie::new(name, sealed, options),
    })
}

/// What the pending cookie holds.
struct Pending {
    email: String,
    nonce: String,
    link: String,
}

/// The pending code of this browser for `provider_id`, if its cookie is
/// present, intact, unexpired and for that provider.
fn pending(ctx: &RequestContext<'_>, provider_id: &str) -> Option<Pending> {
    let name = cookie_name(ctx);
    let value = ctx.cookies.get(&name)?;
    let claims = codec(ctx, &name).ok()?.decode(value, ctx.now).ok()?;
    let text = |key: &str| claims.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    if text("provider")? != provider_id {
        return None;
    }
    Some(Pending {
        email: text("email")?,
        nonce: text("nonce")?,
        link: text("link")?,
    })
}

/// For the verify-request page: `(form action, address)` when the provider
/// named in the query offers codes and this browser has one pending.
pub(in crate::actions) fn pending_code_form(ctx: &RequestContext<'_>) -> Option<(String, String)> {
    let id = ctx.query.get("provider")?;
    let Some(Provider::Email(provider)) = ctx.auth.provider(id) else {
        return None;
    };
    Settings::of(provider.as_ref())?;
    let pending = pending(ctx, id)?;
    Some((ctx.action_url(&format!("callback/{id}")), pending.email))
}

/// The deletion of the pending cookie, when the browser sent one.
pub(super) fn clear_cookie(ctx: &RequestContext<'_>) -> Vec<SetCookie> {
    let name = cookie_name(ctx);
    if ctx.cookies.get(&name).is_some() {
        vec![SetCookie::removal(name, &ctx.jar.check_options)]
    } else {
        Vec::new()
    }
}

/// Consumes the first ticket still there and returns its index and expiry;
/// `None` when all are used.
async fn take_ticket(
    ctx: &RequestContext<'_>,
    adapter: &dyn Adapter,
    email: &str,
    nonce: &str,
    attempts: u8,
) -> Result<Option<(u8, chrono::DateTime<chrono::Utc>)>, Failure> {
    for i in 0..attempts {
        let row = adapter
            .use_verification_token(email, &ticket(ctx, nonce, i)?)
            .await
            .map_err(|e| Failure::adapter(LogCode::GetVerificationRequestError, &e))?;
        if let Some(row) = row {
            return Ok(Some((i, row.expires)));
        }
    }
    Ok(None)
}

/// Makes the code of the message behind `link_token` unusable (its link
/// was used). Best effort: failures are logged.
pub(super) async fn retire(
    ctx: &RequestContext<'_>,
    adapter: &dyn Adapter,
    settings: Settings,
    email: &str,
    link_token: &str,
) {
    let Ok(nonce) = nonce_of(ctx, link_token) else {
        return;
    };
    let mut rows = Vec::new();
    for i in 0..settings.attempts {
        if let Ok(token) = ticket(ctx, &nonce, i) {
            rows.push(VerificationToken {
                identifier: email.to_owned(),
                token,
                expires: ctx.now,
            });
        }
    }
    discard(adapter, &rows).await;
}

/// `POST /callback/{id}` with `csrfToken`, `code` (and `email`).
pub(super) async fn callback(
    ctx: &RequestContext<'_>,
    provider: &dyn EmailProvider,
    adapter: &dyn Adapter,
) -> Result<Outcome, Failure> {
    let Some(settings) = Settings::of(provider) else {
        return Err(Failure::InvalidProvider {
            reason: format!(
                "POST callback for the email provider {:?}, which sends no one-time codes",
                provider.id()
            ),
        });
    };
    if !ctx.csrf_verified() {
        return Err(Failure::MissingCsrf);
    }
    let pending = pending(ctx, provider.id())
        .ok_or_else(|| verification("no one-time code is pending in this browser"))?;
    if let Some(posted) = ctx.body.fields.get("email")
        && normalize_identifier(posted).as_deref() != Some(pending.email.as_str())
    {
        return Err(verification(
            "the posted address is not the one the code was sent to",
        ));
    }
    let code: String = ctx
        .body
        .fields
        .get("code")
        .map(|c| c.chars().filter(|c| !matches!(c, ' ' | '-')).collect())
        .unwrap_or_default();
    if code.len() != settings.digits || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(verification("malformed one-time code"));
    }
    let email = pending.email;
    let Some((index, ticket_expires)) =
        take_ticket(ctx, adapter, &email, &pending.nonce, settings.attempts).await?
    else {
        return Err(verification("no attempts left for this one-time code"));
    };
    if ticket_expires < ctx.now {
        return Err(verification("expired one-time code"));
    }
    let row = adapter
        .use_verification_token(&email, &code_row(ctx, &pending.nonce, &code)?)
        .await
        .map_err(|e| Failure::adapter(LogCode::GetVerificationRequestError, &e))?;
    let Some(row) = row else {
        let left = settings.attempts - index - 1;
        return Err(verification(format!(
            "wrong one-time code ({left} attempt(s) left)"
        )));
    };
    if row.expires < ctx.now {
        return Err(verification("expired one-time code"));
    }
    // Used: burn the remaining tickets and the link sent with the code.
    let mut rest = Vec::new();
    for i in index + 1..settings.attempts {
        rest.push(VerificationToken {
            identifier: email.clone(),
            token: ticket(ctx, &pending.nonce, i)?,
            expires: ctx.now,
        });
    }
    discard(adapter, &rest).await;
    if let Err(e) = adapter.use_verification_token(&email, &pending.link).await {
        tracing::error!(cause = %describe(&e), "[keyway][error] could not retire the link sent with a used code");
    }
    signed_in_by_email(ctx, provider, adapter, email, clear_cookie(ctx)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_digits_of_the_right_length_and_vary() {
        let a = random_digits(8);
        assert_eq!(a.len(), 8);
        assert!(a.bytes().all(|b| b.is_ascii_digit()));
        let distinct: std::collections::BTreeSet<String> =
            (0..50).map(|_| random_digits(8)).collect();
        assert!(distinct.len() > 45);
    }

    #[test]
    fn digits_are_roughly_uniform() {
        let mut counts = [0u32; 10];
        for _ in 0..2_000 {
            for b in random_digits(10).bytes() {
                counts[usize::from(b - b'0')] += 1;
            }
        }
        // 20 000 digits: each should be near 2 000.
        for c in counts {
            assert!((1_700..2_300).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn keyed_hashes_separate_kinds_and_parts() {
        let a = keyed("s", "code", &["n", "1"]).ok();
        assert_eq!(a, keyed("s", "code", &["n", "1"]).ok());
        assert_ne!(a, keyed("s", "attempt", &["n", "1"]).ok());
        assert_ne!(a, keyed("s", "code", &["n1"]).ok());
        assert_ne!(a, keyed("t", "code", &["n", "1"]).ok());
    }
}
