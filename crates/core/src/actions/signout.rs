//! `POST /signout`: end the session and go back to the callback URL,
//! revoking the user's tokens at the providers that ask for it.

use crate::codes::LogCode;
use crate::failure::{Failure, log_error};
use crate::oauth::TokenSet;
use crate::provider::Provider;
use crate::request::RequestContext;
use crate::response::Outcome;
use crate::session;

pub(super) async fn post(ctx: &RequestContext<'_>) -> Result<Outcome, Failure> {
    if !ctx.csrf_verified() {
        return Err(Failure::MissingCsrf);
    }
    revoke_provider_tokens(ctx).await;
    let revoked = session::revoke(ctx).await;
    Ok(Outcome::redirect(ctx.callback_url.clone())
        .with_cookies(ctx.init_cookies())
        .with_cookies(revoked.cookies))
}

/// For each OAuth provider with `revoke_on_sign_out`, revokes the signed-in
/// user's tokens there and forgets them. Failures are logged; the sign-out
/// goes on.
async fn revoke_provider_tokens(ctx: &RequestContext<'_>) {
    let revoking = ctx.auth.providers.iter().any(|p| match p {
        Provider::OAuth(o) => o.revoke_on_sign_out(),
        _ => false,
    });
    let Some(adapter) = ctx.auth.adapter.as_deref().filter(|_| revoking) else {
        return;
    };
    let Some(user_id) = session::current_user_id(ctx).await else {
        return;
    };
    let accounts = match adapter.get_accounts_of_user(&user_id).await {
        Ok(Some(accounts)) => accounts,
        Ok(None) => {
            log_error(
                LogCode::SignoutError,
                "revoke_on_sign_out: this adapter cannot list a user's accounts \
                 (get_accounts_of_user), so no token was revoked",
            );
            return;
        }
        Err(e) => {
            log_error(LogCode::SignoutError, &e.to_string());
            return;
        }
    };
    for mut account in accounts {
        let Some(Provider::OAuth(provider)) = ctx.auth.provider(&account.provider) else {
            continue;
        };
        if !provider.revoke_on_sign_out()
            || (account.access_token.is_none() && account.refresh_token.is_none())
        {
            continue;
        }
        let tokens = TokenSet {
            access_token: account.access_token.clone(),
            refresh_token: account.refresh_token.clone(),
            ..TokenSet::default()
        };
        if let Err(e) = provider.revoke(&tokens).await {
            log_error(e.code, &e.message);
            continue;
        }
        // Revoked tokens are dead; keep none that looks usable.
        account.access_token = None;
        account.refresh_token = None;
        account.expires_at = None;
        if let Err(e) = adapter.update_account(account).await {
            log_error(LogCode::SignoutError, &e.to_string());
        }
    }
}
