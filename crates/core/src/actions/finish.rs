//! The steps every sign-in shares: asking the `sign_in` callback, making the
//! session, firing the event, and choosing where to go next.

use crate::auth::accepted_target;
use crate::callbacks::{SignInDecision, SignInParams};
use crate::events::SignInEvent;
use crate::failure::{Failure, describe, with_query};
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
            let target = ctx.auth.callbacks.redirect(&url, &ctx.origin).await;
            Ok(Some(Outcome::redirect(accepted_target(
                &target,
                &ctx.origin,
            ))))
        }
        Err(e) => Err(Failure::AccessDenied {
            reason: format!("the sign_in callback failed: {}", describe(&*e)),
        }),
    }
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
    if let Err(e) = ctx.auth.events.sign_in(&event).await {
        tracing::error!(event = "sign_in", cause = %describe(&*e), "[keyway][error] event handler failed");
    }
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
