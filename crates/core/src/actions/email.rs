//! Email sign-in: `POST /signin/{email provider}` sends a link (and, when the
//! provider offers them, a one-time code); `GET /callback/{email
//! provider}?token=…&email=…` uses the link, `POST /callback/{email
//! provider}` uses the code (see [`code`]).

mod code;

use chrono::Duration;
use http::Method;
use sha2::{Digest, Sha256};

use super::finish::{ask_sign_in, complete, create_user};
use crate::adapter::Adapter;
use crate::callbacks::SignInParams;
use crate::codes::{LogCode, SignInPageCode};
use crate::config::SessionStrategy;
use crate::cookies::SetCookie;
use crate::failure::{Failure, describe, log_event_failure, with_query};
use crate::model::{Account, AccountType, User, UserUpdate, VerificationToken};
use crate::provider::{EmailProvider, VerificationRequest};
use crate::random;
use crate::request::RequestContext;
use crate::response::Outcome;

pub(super) use code::pending_code_form;

pub(crate) use crate::email_address::normalize as normalize_identifier;

/// What is stored for a token: sha256 hex of token + secret.
pub(crate) fn hash_token(token: &str, secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(token.as_bytes());
    h.update(secret.as_bytes());
    random::to_hex(&h.finalize())
}

fn adapter<'a>(ctx: &'a RequestContext<'_>) -> Result<&'a dyn Adapter, Failure> {
    ctx.auth
        .adapter
        .as_deref()
        .ok_or_else(|| Failure::Configuration {
            code: LogCode::EmailRequiresAdapterError,
            cause: "email sign-in without an adapter".into(),
        })
}

fn email_signin_failure(code: LogCode, cause: String) -> Failure {
    Failure::SignInPage {
        page: SignInPageCode::EmailSignin,
        code,
        cause,
    }
}

fn verification(reason: impl Into<String>) -> Failure {
    Failure::Verification {
        reason: reason.into(),
    }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Removes stored verification rows, best effort (the caller is already
/// failing or finishing); a failure is logged.
async fn discard(adapter: &dyn Adapter, rows: &[VerificationToken]) {
    for row in rows {
        if let Err(e) = adapter
            .use_verification_token(&row.identifier, &row.token)
            .await
        {
            tracing::error!(cause = %describe(&e), "[keyway][error] could not remove an unused verification token");
        }
    }
}

/// Stores `rows` in order; on a failure removes those already stored.
async fn store(
    adapter: &dyn Adapter,
    rows: Vec<VerificationToken>,
) -> Result<Vec<VerificationToken>, Failure> {
    let mut stored = Vec::with_capacity(rows.len());
    for row in rows {
        match adapter.create_verification_token(row.clone()).await {
            Ok(_) => stored.push(row),
            Err(e) => {
                discard(adapter, &stored).await;
                return Err(email_signin_failure(
                    LogCode::CreateVerificationRequestError,
                    describe(&e),
                ));
            }
        }
    }
    Ok(stored)
}

pub(super) async fn sign_in(
    ctx: &RequestContext<'_>,
    provider: &dyn EmailProvider,
) -> Result<Outcome, Failure> {
    let adapter = adapter(ctx)?;
    let raw = ctx
        .body
        .fields
        .get("email")
        .map(String::as_str)
        .unwrap_or("");
    let Some(email) = normalize_identifier(raw) else {
        return Err(email_signin_failure(
            LogCode::SigninEmailError,
            "missing or invalid email address in the sign-in request".into(),
        ));
    };
    let existing = adapter
        .get_user_by_email(&email)
        .await
        .map_err(|e| Failure::adapter(LogCode::GetUserByEmailError, &e))?;
    let user = existing.unwrap_or_else(|| User::new(random::uuid(), email.clone()));
    let account = Account::new(
        user.id.clone(),
        AccountType::Email,
        provider.id(),
        email.clone(),
    );
    let params = SignInParams {
        user: &user,
        account: Some(&account),
        credentials: None,
        email_verification_request: true,
    };
    if let Some(redirect) = ask_sign_in(ctx, &params).await? {
        return Ok(redirect);
    }
    check_send_limit(ctx, provider, adapter, &email).await?;

    let token = random::hex(32);
    let expires = ctx.now + Duration::seconds(provider.max_age_secs());
    let url = format!(
        "{}?callbackUrl={}&token={}&email={}",
        ctx.action_url(&format!("callback/{}", provider.id())),
        enc(&ctx.callback_url),
        enc(&token),
        enc(&email)
    );
    let hashed = hash_token(&token, &ctx.auth.csrf_secret);
    let mut rows = vec![VerificationToken {
        identifier: email.clone(),
        token: hashed.clone(),
        expires,
    }];
    let issued = code::Settings::of(provider)
        .map(|settings| code::issue(ctx, settings, provider.id(), &email, &token, &hashed))
        .transpose()?;
    if let Some(issued) = &issued {
        rows.extend(issued.rows.iter().cloned());
    }
    let rows = store(adapter, rows).await?;
    let request = VerificationRequest {
        identifier: &email,
        url: &url,
        token: &token,
        expires,
        host: ctx.origin.host(),
        provider_name: provider.name(),
        theme: &ctx.auth.theme,
        code: issued.as_ref().map(|i| i.code.as_str()),
    };
    if let Err(e) = provider.send_verification_request(&request).await {
        // Leave no usable token behind a message that never arrived.
        discard(adapter, &rows).await;
        return Err(email_signin_failure(
            LogCode::SendVerificationEmailError,
            format!("sending the sign-in email failed: {}", describe(&*e)),
        ));
    }
    let query = format!("provider={}&type=email", enc(provider.id()));
    let target = match &ctx.auth.pages.verify_request {
        Some(page) => with_query(&format!("{}{}", ctx.origin.as_str(), page), &query),
        None => format!("{}?{query}", ctx.action_url("verify-request")),
    };
    let mut outcome = Outcome::redirect(target).with_cookies(ctx.init_cookies());
    if let Some(issued) = issued {
        outcome = outcome.with_cookies(vec![issued.cookie]);
    }
    Ok(outcome)
}

/// Counts a message to `email` against the provider's send limit, in the
/// adapter so that every instance shares the count; past the limit the
/// sign-in is refused.
async fn check_send_limit(
    ctx: &RequestContext<'_>,
    provider: &dyn EmailProvider,
    adapter: &dyn Adapter,
    email: &str,
) -> Result<(), Failure> {
    let Some(limit) = provider.send_limit() else {
        return Ok(());
    };
    let key = ctx.auth.keys.counter_key("email-send", email);
    let window = limit.window.max(std::time::Duration::from_secs(1));
    let sent = adapter
        .hit(&key, ctx.now, window)
        .await
        .map_err(|e| email_signin_failure(LogCode::SigninEmailError, describe(&e)))?;
    if sent > u64::from(limit.max) {
        return Err(email_signin_failure(
            LogCode::SigninEmailError,
            format!(
                "send limit reached: no more than {} message(s) to one address per {} s \
                 (provider {:?})",
                limit.max,
                window.as_secs(),
                provider.id()
            ),
        ));
    }
    Ok(())
}

/// `GET` uses a link, `POST` a one-time code.
pub(super) async fn callback(
    ctx: &RequestContext<'_>,
    provider: &dyn EmailProvider,
) -> Result<Outcome, Failure> {
    if ctx.method == Method::POST {
        return code::callback(ctx, provider, adapter(ctx)?).await;
    }
    let adapter = adapter(ctx)?;
    let token = ctx
        .query
        .get("token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| verification("the link has no token"))?;
    let email = ctx
        .query
        .get("email")
        .and_then(|e| normalize_identifier(e))
        .ok_or_else(|| verification("the link has no valid email"))?;
    let hashed = hash_token(token, &ctx.auth.csrf_secret);
    let used = adapter
        .use_verification_token(&email, &hashed)
        .await
        .map_err(|e| Failure::adapter(LogCode::DeleteVerificationRequestError, &e))?
        .ok_or_else(|| verification("unknown or already used token"))?;
    if used.expires < ctx.now {
        return Err(verification("expired token"));
    }
    // The code sent with this link (if any) is dead now: a right code
    // needs this link's row, just used.
    signed_in_by_email(ctx, provider, adapter, email, code::clear_cookie(ctx)).await
}

/// The address is proven (by a link or a code): run the `sign_in` callback,
/// create the user or refresh `email_verified`, and make the session.
async fn signed_in_by_email(
    ctx: &RequestContext<'_>,
    provider: &dyn EmailProvider,
    adapter: &dyn Adapter,
    email: String,
    extra_cookies: Vec<SetCookie>,
) -> Result<Outcome, Failure> {
    let existing = adapter
        .get_user_by_email(&email)
        .await
        .map_err(|e| Failure::adapter(LogCode::GetUserByEmailError, &e))?;
    let candidate = existing
        .clone()
        .unwrap_or_else(|| User::new(random::uuid(), email.clone()));
    let account = Account::new(
        candidate.id.clone(),
        AccountType::Email,
        provider.id(),
        email.clone(),
    );
    let params = SignInParams {
        user: &candidate,
        account: Some(&account),
        credentials: None,
        email_verification_request: false,
    };
    if let Some(redirect) = ask_sign_in(ctx, &params).await? {
        return Ok(redirect.with_cookies(extra_cookies));
    }

    let (user, is_new_user) = match existing {
        Some(user)
            if user.email_verified.is_none() && !ctx.auth.email_sign_in_to_unverified_users =>
        {
            // The address came from an OAuth or credentials sign-in that did
            // not prove it: whoever linked it may not own the mailbox, and
            // signing its owner in would hand them a shared user.
            return Err(Failure::SignInRefused {
                page: SignInPageCode::OAuthAccountNotLinked,
                reason: "email sign-in into an existing user whose address was never \
                         verified; allow it with \
                         dangerously_allow_email_sign_in_to_unverified_users"
                    .into(),
            });
        }
        Some(user) => {
            let mut update = UserUpdate::new(user.id.clone());
            update.email_verified = Some(Some(ctx.now));
            let updated = adapter
                .update_user(update)
                .await
                .map_err(|e| Failure::adapter(LogCode::CallbackEmailError, &e))?;
            log_event_failure("update_user", ctx.auth.events.update_user(&updated).await);
            (updated, false)
        }
        None => {
            let mut new_user = candidate;
            new_user.email_verified = Some(ctx.now);
            let page = Some(SignInPageCode::EmailCreateAccount);
            (create_user(ctx, adapter, new_user, page).await?, true)
        }
    };

    // Signed in as someone else with a database session: end that session.
    if ctx.auth.strategy == SessionStrategy::Database
        && crate::session::current_user_id(ctx)
            .await
            .is_some_and(|current| current != user.id)
    {
        let _ = crate::session::revoke(ctx).await;
    }
    let mut account = account;
    account.user_id.clone_from(&user.id);
    Ok(complete(ctx, &user, Some(&account), is_new_user, true)
        .await?
        .with_cookies(extra_cookies))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_hash_is_sha256_of_token_and_secret() {
        assert_eq!(
            hash_token("abc", ""),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
