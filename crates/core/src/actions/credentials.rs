//! `POST /callback/{credentials provider}`: check the posted credentials and
//! sign the user in.

use std::collections::BTreeMap;

use super::finish::{ask_sign_in, complete, create_user, link_account};
use crate::adapter::Adapter;
use crate::callbacks::SignInParams;
use crate::codes::{LogCode, SignInPageCode};
use crate::config::SessionStrategy;
use crate::failure::{Failure, describe};
use crate::model::{Account, AccountType, User};
use crate::provider::{AuthorizeError, CredentialsInput, CredentialsProvider};
use crate::random;
use crate::request::RequestContext;
use crate::response::Outcome;

/// Body fields that belong to the engine, not to the credentials.
const ENGINE_FIELDS: [&str; 3] = ["csrfToken", "callbackUrl", "json"];

pub(super) async fn callback(
    ctx: &RequestContext<'_>,
    provider: &dyn CredentialsProvider,
    parts: &http::request::Parts,
) -> Result<Outcome, Failure> {
    if !ctx.csrf_verified() {
        return Err(Failure::MissingCsrf);
    }
    let fields: BTreeMap<String, String> = ctx
        .body
        .fields
        .iter()
        .filter(|(k, _)| !ENGINE_FIELDS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let input = CredentialsInput::new(fields);
    let refused = |code: String| Failure::CredentialsSignin {
        provider: provider.id().to_owned(),
        code,
    };
    let mut user = match provider.authorize(&input, parts).await {
        Ok(Some(user)) => user,
        Ok(None) => return Err(refused("credentials".to_owned())),
        Err(AuthorizeError::Rejected { code }) => return Err(refused(code)),
        Err(AuthorizeError::Failed(e)) => {
            return Err(Failure::Configuration {
                code: LogCode::CallbackCredentialsHandlerError,
                cause: format!(
                    "authorize of provider {:?} failed: {}",
                    provider.id(),
                    describe(&*e)
                ),
            });
        }
    };
    if user.id.is_empty() {
        user.id = random::uuid();
    }
    let mut account = Account::new(
        user.id.clone(),
        AccountType::Credentials,
        provider.id(),
        user.id.clone(),
    );
    let params = SignInParams {
        user: &user,
        account: Some(&account),
        credentials: Some(&input),
        email_verification_request: false,
    };
    if let Some(redirect) = ask_sign_in(ctx, &params).await? {
        return Ok(redirect);
    }

    let mut is_new_user = false;
    if ctx.auth.strategy == SessionStrategy::Database
        && let Some(adapter) = ctx.auth.adapter.as_deref()
    {
        let (stored, created) = persist(ctx, adapter, &user, &account).await?;
        account.user_id.clone_from(&stored.id);
        user = stored;
        is_new_user = created;
    }
    complete(ctx, &user, Some(&account), is_new_user, false).await
}

/// Database sessions need a user row: the user of the credentials account,
/// else a new user with the account linked. A user is never found by email
/// alone: whoever can put an address into the application's user store
/// would become the user who owns it. Joining by email needs `authorize`
/// to vouch for the address (`email_verified` set) or the application's
/// `dangerously_link_credentials_by_email`; otherwise an address that
/// belongs to another user is refused with `OAuthAccountNotLinked`.
async fn persist(
    ctx: &RequestContext<'_>,
    adapter: &dyn Adapter,
    user: &User,
    account: &Account,
) -> Result<(User, bool), Failure> {
    let by_account = adapter
        .get_user_by_account(&account.provider, &account.provider_account_id)
        .await
        .map_err(|e| Failure::adapter(LogCode::GetUserByProviderAccountIdError, &e))?;
    if let Some(found) = by_account {
        return Ok((found, false));
    }
    let by_email = match &user.email {
        Some(email) => adapter
            .get_user_by_email(email)
            .await
            .map_err(|e| Failure::adapter(LogCode::GetUserByEmailError, &e))?,
        None => None,
    };
    let (stored, created) = match by_email {
        Some(found) if ctx.auth.credentials_link_by_email || user.email_verified.is_some() => {
            (found, false)
        }
        Some(_) => {
            return Err(Failure::SignInRefused {
                page: SignInPageCode::OAuthAccountNotLinked,
                reason: format!(
                    "credentials account {:?} of provider {:?} has the email address of \
                     another user; not joined without email_verified from authorize or \
                     dangerously_link_credentials_by_email",
                    account.provider_account_id, account.provider
                ),
            });
        }
        None => {
            let mut new_user = user.clone();
            new_user.id = random::uuid();
            (create_user(ctx, adapter, new_user, None).await?, true)
        }
    };
    let mut link = account.clone();
    link.user_id.clone_from(&stored.id);
    link_account(ctx, adapter, &stored, link).await?;
    Ok((stored, created))
}
