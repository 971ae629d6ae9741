//! The steps every sign-in shares: asking the `sign_in` callback, storing a
//! new user or account (and firing their events), making the session,
//! firing the `sign_in` event, and choosing where to go next.

use crate::adapter::Adapter;
use crate::callbacks::{SignInDecision, SignInParams};
use crate::codes::{LogCode, SignInPageCode};
use crate::events::SignInEvent;
use crate::failure::{Failure, describe, log_event_failure, with_query};
use crate::model::{Account, User};
use crate::request::RequestContext;
use crate::response::Outcome;
use crate::session::{self, SignedIn};

/// Runs the `sign_in` callback. `Ok(None)`: go on; `Ok(Some(outcome))`: the
/// callback chose a redirect instead.
pub(super) async fn ask_sign_in(
    ctx: &RequestContext<'_>,
    params: &SignInParams<'_>,
) -> Result<Option<Outcome>, Failure> {
    match ctx.auth.callbacks.sign_in(params).await {
        Ok(SignInDecision::Allow) => Ok(None),
        Ok(SignInDecision::Deny) => Err(Failure::AccessDenied {
            reason: "the sign_in callback returned Deny".into(),
        }),
        Ok(SignInDecision::Redirect(url)) => {
            let target = ctx.auth.redirect_target(&url, &ctx.origin).await;
            Ok(Some(Outcome::redirect(target)))
        }
        Err(e) => Err(Failure::AccessDenied {
            reason: format!("the sign_in callback failed: {}", describe(&*e)),
        }),
    }
}

/// Stores a new user and fires the `create_user` event. A failure is logged
/// as CREATE_USER_ERROR and shown on the sign-in page as `page` (the
/// provider family's own code), or, without one, as any adapter failure
/// (Configuration, or ADAPTER_CONNECTION_ERROR when the database is
/// unreachable).
pub(super) async fn create_user(
    ctx: &RequestContext<'_>,
    adapter: &dyn Adapter,
    user: User,
    page: Option<SignInPageCode>,
) -> Result<User, Failure> {
    let created = adapter.create_user(user).await.map_err(|e| match page {
        Some(page) => Failure::SignInPage {
            page,
            code: LogCode::CreateUserError,
            cause: describe(&e),
        },
        None => Failure::adapter(LogCode::CreateUserError, &e),
    })?;
    log_event_failure("create_user", ctx.auth.events.create_user(&created).await);
    Ok(created)
}

/// Links `account` to `user` and fires the `link_account` event.
pub(super) async fn link_account(
    ctx: &RequestContext<'_>,
    adapter: &dyn Adapter,
    user: &User,
    account: Account,
) -> Result<Account, Failure> {
    let linked = adapter
        .link_account(account)
        .await
        .map_err(|e| Failure::adapter(LogCode::LinkAccountError, &e))?;
    log_event_failure(
        "link_account",
        ctx.auth.events.link_account(user, &linked).await,
    );
    Ok(linked)
}

/// Makes the session for `user`, fires the `sign_in` event and redirects to
/// the callback URL (or to `pages.new_user` for a new user when allowed).
pub(super) async fn complete(
    ctx: &RequestContext<'_>,
    user: &User,
    account: Option<&Account>,
    is_new_user: bool,
    new_user_page: bool,
) -> Result<Outcome, Failure> {
    let signed_in = SignedIn {
        user,
        account,
        is_new_user,
    };
    let cookies = session::issue(ctx, &signed_in).await?;
    let event = SignInEvent {
        user,
        account,
        is_new_user,
    };
    log_event_failure("sign_in", ctx.auth.events.sign_in(&event).await);
    let target = match (&ctx.auth.pages.new_user, is_new_user && new_user_page) {
        (Some(page), true) => {
            let enc: String =
                url::form_urlencoded::byte_serialize(ctx.callback_url.as_bytes()).collect();
            with_query(
                &format!("{}{}", ctx.origin.as_str(), page),
                &format!("callbackUrl={enc}"),
            )
        }
        _ => ctx.callback_url.clone(),
    };
    Ok(Outcome::redirect(target)
        .with_cookies(ctx.init_cookies())
        .with_cookies(cookies))
}
