//! One-time codes: a short numeric code sent in the same message as the
//! link, typed on the verify-request page, posted to `POST /callback/{id}`.
//!
//! # Design
//!
//! - **Per-message nonce.** `nonce = HMAC(code key, "nonce" ‖ link token)`:
//!   random per message (the link token is).
//! - **The code row.** A verification token row `HMAC(code key, "code" ‖
//!   nonce ‖ code)`. The code is never stored; without the key (derived
//!   from the secret for this purpose alone, see [`crate::keys`]) and the
//!   nonce a stolen row cannot be brute-forced.
//! - **Attempts** are counted in the adapter ([`Adapter::hit`]) under the
//!   key `email-code:<HMAC(nonce)>`, in a window as long as the code lives:
//!   every guess counts first, and past `max_attempts` the code is dead even
//!   if it is then guessed right. The count lives in the database, so
//!   clearing cookies, racing requests or another instance gains nothing.
//! - **One message, one sign-in.** A right code also uses the link row sent
//!   with it and fails if that row is gone: once the link was used the code
//!   is dead, and once the code was used the link is.
//! - **The pending cookie** (`<prefix>.email-code`, encrypted like the OAuth
//!   check cookies, HttpOnly, lifetime of the code) carries the address, the
//!   nonce and the link's stored hash. Keeping the address in a cookie rather
//!   than the redirect URL keeps it out of logs, history and `Referer`, and
//!   binds the code to the browser that asked for it: another browser, or
//!   one that dropped the cookie, cannot guess at all.
//!
//! A guess therefore costs an attacker one of `max_attempts` attempts of one
//! message, and the provider's send limit bounds the messages per address.

use chrono::Duration;

use super::{normalize_identifier, signed_in_by_email, verification};
use crate::adapter::Adapter;
use crate::codes::LogCode;
use crate::cookies::SetCookie;
use crate::failure::Failure;
use crate::jwt::{Claims, JwtCodec, TokenFormat};
use crate::keys;
use crate::model::VerificationToken;
use crate::provider::{EmailProvider, OneTimeCode, Provider};
use crate::random;
use crate::request::RequestContext;
use crate::response::Outcome;

/// A provider's code settings, clamped to safe ranges (`build()` has
/// already refused digits outside `OneTimeCode::MIN_DIGITS..=MAX_DIGITS`).
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
            digits: usize::from(
                o.digits
                    .clamp(OneTimeCode::MIN_DIGITS, OneTimeCode::MAX_DIGITS),
            ),
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

/// `hex(HMAC-SHA256(key, "keyway email code" ‖ 0 ‖ kind ‖ 0 ‖ parts
/// joined by 0))`, with the one-time code key of each secret, the writing
/// one first.
fn keyed(ctx: &RequestContext<'_>, kind: &str, parts: &[&str]) -> Vec<String> {
    let mut all = vec!["keyway email code", kind];
    all.extend_from_slice(parts);
    ctx.auth
        .keys
        .email_code()
        .iter()
        .map(|key| random::to_hex(&keys::mac(key, &all)))
        .collect()
}

/// The value written now: the first secret's.
fn first(values: Vec<String>) -> Result<String, Failure> {
    values
        .into_iter()
        .next()
        .ok_or_else(|| Failure::Configuration {
            code: LogCode::SigninEmailError,
            cause: "no secret to key a one-time code".into(),
        })
}

fn nonce_of(ctx: &RequestContext<'_>, link_token: &str) -> Result<String, Failure> {
    first(keyed(ctx, "nonce", &[link_token]))
}

/// The stored hash of `code` under every secret (rotation: a code issued
/// before the new secret came first still works).
fn code_rows(ctx: &RequestContext<'_>, nonce: &str, code: &str) -> Vec<String> {
    keyed(ctx, "code", &[nonce, code])
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
    JwtCodec::new(TokenFormat::AuthJs, ctx.auth.keys.check_cookies(), name).map_err(|e| {
        Failure::Configuration {
            code: LogCode::SigninEmailError,
            cause: format!("the one-time code cookie cannot be sealed: {e}"),
        }
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
    let rows = vec![row(first(code_rows(ctx, &nonce, &code))?)];
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

/// Counts one guess at the code of `nonce` and returns how many were made.
async fn count_attempt(
    ctx: &RequestContext<'_>,
    adapter: &dyn Adapter,
    settings: Settings,
    nonce: &str,
) -> Result<u64, Failure> {
    let key = ctx.auth.keys.counter_key("email-code", nonce);
    let window = std::time::Duration::from_secs(settings.max_age.unsigned_abs());
    adapter
        .hit(&key, ctx.now, window)
        .await
        .map_err(|e| Failure::adapter(LogCode::GetVerificationRequestError, &e))
}

/// Uses the code row of `code`, trying each secret's hash (rotation).
async fn use_code(
    ctx: &RequestContext<'_>,
    adapter: &dyn Adapter,
    email: &str,
    nonce: &str,
    code: &str,
) -> Result<Option<VerificationToken>, Failure> {
    for row in code_rows(ctx, nonce, code) {
        let used = adapter
            .use_verification_token(email, &row)
            .await
            .map_err(|e| Failure::adapter(LogCode::GetVerificationRequestError, &e))?;
        if used.is_some() {
            return Ok(used);
        }
    }
    Ok(None)
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
    let attempts = count_attempt(ctx, adapter, settings, &pending.nonce).await?;
    if attempts > u64::from(settings.attempts) {
        return Err(verification("no attempts left for this one-time code"));
    }
    let Some(row) = use_code(ctx, adapter, &email, &pending.nonce, &code).await? else {
        let left = u64::from(settings.attempts) - attempts;
        return Err(verification(format!(
            "wrong one-time code ({left} attempt(s) left)"
        )));
    };
    if row.expires < ctx.now {
        return Err(verification("expired one-time code"));
    }
    // The link sent with the code must still be unused; using it now
    // retires it.
    let link = adapter
        .use_verification_token(&email, &pending.link)
        .await
        .map_err(|e| Failure::adapter(LogCode::GetVerificationRequestError, &e))?;
    if link.is_none() {
        return Err(verification(
            "the link sent with this one-time code was already used",
        ));
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
}
