//! OAuth 2 / OpenID Connect: `POST /signin/{id}` starts the flow (check
//! cookies + redirect to the provider); `GET|POST /callback/{id}` verifies the
//! checks, lets the provider exchange the code, links the account and signs
//! the user in (authjs-behaviour.md §9).

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use http::Method;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::finish::{ask_sign_in, complete, create_user, link_account};
use crate::adapter::Adapter;
use crate::auth::CookieJar;
use crate::callbacks::SignInParams;
use crate::codes::{LogCode, SignInPageCode};
use crate::cookies::{SameSite, SetCookie};
use crate::failure::{Failure, describe};
use crate::jwt::{Claims, JwtCodec};
use crate::model::{Account, AccountType, User};
use crate::oauth::{AuthorizationRequest, CallbackRequest, Check, OAuthProvider, TokenSet};
use crate::provider::ProviderType;
use crate::random;
use crate::redact::remote_text;
use crate::request::RequestContext;
use crate::response::Outcome;

/// Check cookies live 15 minutes.
const CHECK_MAX_AGE: i64 = 15 * 60;

fn random_b64url() -> String {
    URL_SAFE_NO_PAD.encode(random::bytes::<32>())
}

fn callback_failure(code: LogCode, cause: impl Into<String>) -> Failure {
    Failure::SignInPage {
        page: SignInPageCode::OAuthCallback,
        code,
        cause: cause.into(),
    }
}

struct CheckCookie<'a> {
    check: Check,
    name: &'a str,
    codec: &'a JwtCodec,
}

fn check_cookies(jar: &CookieJar) -> [CheckCookie<'_>; 3] {
    [
        CheckCookie {
            check: Check::State,
            name: &jar.names.state,
            codec: &jar.state_codec,
        },
        CheckCookie {
            check: Check::Pkce,
            name: &jar.names.pkce_code_verifier,
            codec: &jar.pkce_codec,
        },
        CheckCookie {
            check: Check::Nonce,
            name: &jar.names.nonce,
            codec: &jar.nonce_codec,
        },
    ]
}

fn redirect_uri(ctx: &RequestContext<'_>, provider: &dyn OAuthProvider) -> String {
    ctx.action_url(&format!("callback/{}", provider.id()))
}

/// The browser is sent to the provider's authorization URL, so it must be
/// an absolute `http` or `https` URL. The log says why it is not, without
/// the URL itself (it carries the state, PKCE challenge and nonce).
fn check_authorization_url(url: &str) -> Result<(), Failure> {
    let problem = match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => return Ok(()),
        Ok(u) => format!("its scheme is {:?}", u.scheme()),
        Err(e) => e.to_string(),
    };
    Err(Failure::SignInPage {
        page: SignInPageCode::OAuthSignin,
        code: LogCode::SigninOauthError,
        cause: format!(
            "the provider's authorization URL is not an absolute http(s) URL: {problem}"
        ),
    })
}

pub(super) async fn sign_in(
    ctx: &RequestContext<'_>,
    provider: &dyn OAuthProvider,
) -> Result<Outcome, Failure> {
    let checks = provider.checks();
    let state = checks.contains(&Check::State).then(random_b64url);
    let verifier = checks.contains(&Check::Pkce).then(random_b64url);
    let nonce = checks.contains(&Check::Nonce).then(random_b64url);
    let challenge = verifier
        .as_ref()
        .map(|v| URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes())));
    let redirect_uri = redirect_uri(ctx, provider);
    let url = provider
        .authorization_url(&AuthorizationRequest {
            redirect_uri: &redirect_uri,
            state: state.as_deref(),
            code_challenge: challenge.as_deref(),
            nonce: nonce.as_deref(),
            params: &ctx.query,
        })
        .await
        .map_err(|e| Failure::SignInPage {
            page: SignInPageCode::OAuthSignin,
            code: e.code,
            cause: describe(&e),
        })?;
    check_authorization_url(&url)?;

    let mut cookies = Vec::new();
    for (cookie, value) in check_cookies(ctx.jar)
        .into_iter()
        .zip([&state, &verifier, &nonce])
    {
        let Some(value) = value else { continue };
        let mut claims = Claims::new();
        claims.insert("value".into(), value.clone().into());
        claims.insert("provider".into(), provider.id().into());
        let sealed = cookie
            .codec
            .encode(claims, CHECK_MAX_AGE, ctx.now)
            .map_err(|e| Failure::SignInPage {
                page: SignInPageCode::OAuthSignin,
                code: LogCode::SigninOauthError,
                cause: describe(&e),
            })?;
        let mut options = ctx.jar.check_options.clone();
        options.expires = Some(ctx.now + Duration::seconds(CHECK_MAX_AGE));
        if cookie.check != Check::Nonce {
            options.max_age = Some(CHECK_MAX_AGE);
        }
        // A form_post answer is a cross-site POST: Lax cookies would not come
        // back with it.
        if provider.form_post() && cookie.check != Check::Pkce {
            options.same_site = SameSite::None;
            options.secure = true;
        }
        cookies.push(SetCookie::new(cookie.name.to_owned(), sealed, options));
    }
    Ok(Outcome::redirect(url)
        .with_cookies(ctx.init_cookies())
        .with_cookies(cookies))
}

/// Reads and verifies the check cookies; returns `[state, verifier, nonce]`.
fn read_checks(
    ctx: &RequestContext<'_>,
    provider: &dyn OAuthProvider,
) -> Result<[Option<String>; 3], Failure> {
    let mut out: [Option<String>; 3] = [None, None, None];
    for (slot, cookie) in out.iter_mut().zip(check_cookies(ctx.jar)) {
        if !provider.checks().contains(&cookie.check) {
            continue;
        }
        let code = if cookie.check == Check::Pkce {
            LogCode::PkceError
        } else {
            LogCode::CallbackOauthError
        };
        let what = cookie.name;
        let raw = ctx
            .cookies
            .get(cookie.name)
            .ok_or_else(|| callback_failure(code, format!("{what} cookie was missing")))?;
        let claims = cookie.codec.decode(raw, ctx.now).map_err(|e| {
            callback_failure(code, format!("{what} cookie is invalid: {}", describe(&e)))
        })?;
        if claims.get("provider").and_then(|v| v.as_str()) != Some(provider.id()) {
            return Err(callback_failure(
                code,
                format!("{what} cookie belongs to another provider"),
            ));
        }
        let value = claims
            .get("value")
            .and_then(|v| v.as_str())
            .ok_or_else(|| callback_failure(code, format!("{what} cookie has no value")))?;
        *slot = Some(value.to_owned());
    }
    Ok(out)
}

fn clear_checks(ctx: &RequestContext<'_>, provider: &dyn OAuthProvider) -> Vec<SetCookie> {
    check_cookies(ctx.jar)
        .into_iter()
        .filter(|c| provider.checks().contains(&c.check) && ctx.cookies.get(c.name).is_some())
        .map(|c| SetCookie::removal(c.name.to_owned(), &ctx.jar.check_options))
        .collect()
}

pub(super) async fn callback(
    ctx: &RequestContext<'_>,
    provider: &dyn OAuthProvider,
) -> Result<Outcome, Failure> {
    let params: &BTreeMap<String, String> = if ctx.method == Method::POST {
        &ctx.body.fields
    } else {
        &ctx.query
    };
    let [state, verifier, nonce] = read_checks(ctx, provider)?;
    if let Some(expected) = &state {
        let got = params.get("state").map(String::as_str).unwrap_or("");
        if !bool::from(expected.as_bytes().ct_eq(got.as_bytes())) {
            return Err(callback_failure(
                LogCode::CallbackOauthError,
                "the state parameter does not match the state cookie",
            ));
        }
    }
    if let Some(error) = params.get("error") {
        return Err(Failure::SignInRefused {
            page: SignInPageCode::Callback,
            // Both are the provider's (or anyone's) words: escaped and
            // bounded before they reach the log.
            reason: format!(
                "the provider answered error=\"{}\" ({})",
                remote_text(error),
                remote_text(
                    params
                        .get("error_description")
                        .map(String::as_str)
                        .unwrap_or("")
                )
            ),
        });
    }
    let redirect_uri = redirect_uri(ctx, provider);
    let result = provider
        .callback(&CallbackRequest {
            params,
            redirect_uri: &redirect_uri,
            code_verifier: verifier.as_deref(),
            nonce: nonce.as_deref(),
        })
        .await
        .map_err(|e| callback_failure(e.code, describe(&e)))?;
    let profile = result.profile;
    if profile.id.is_empty() {
        return Err(callback_failure(
            LogCode::OauthParseProfileError,
            "the profile has no id",
        ));
    }
    // An address the provider did not verify may be anyone's: it is neither
    // stored nor matched against existing users.
    let email = profile
        .email
        .as_ref()
        .filter(|_| profile.email_verified)
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty());
    let email_verified = email.is_some().then_some(ctx.now);
    let kind = match provider.kind() {
        ProviderType::Oidc => AccountType::Oidc,
        _ => AccountType::Oauth,
    };
    let mut account = Account::new("", kind, provider.id(), profile.id.clone());
    apply_tokens(&mut account, &result.tokens);
    let profile_user = User {
        id: profile.id.clone(),
        name: profile.name.clone(),
        email,
        email_verified,
        image: profile.image.clone(),
    };

    let outcome = match ctx.auth.adapter.as_deref() {
        None => {
            account.user_id.clone_from(&profile_user.id);
            let params = SignInParams {
                user: &profile_user,
                account: Some(&account),
                credentials: None,
                email_verification_request: false,
            };
            if let Some(redirect) = ask_sign_in(ctx, &params).await? {
                return Ok(redirect);
            }
            complete(ctx, &profile_user, Some(&account), false, false).await?
        }
        Some(adapter) => with_adapter(ctx, adapter, provider, profile_user, account).await?,
    };
    Ok(outcome.prepend_cookies(clear_checks(ctx, provider)))
}

/// Copies the token fields onto an account.
pub(crate) fn apply_tokens(account: &mut Account, tokens: &TokenSet) {
    account.access_token.clone_from(&tokens.access_token);
    account.refresh_token.clone_from(&tokens.refresh_token);
    account.expires_at = tokens.expires_at;
    account.token_type.clone_from(&tokens.token_type);
    account.scope.clone_from(&tokens.scope);
    account.id_token.clone_from(&tokens.id_token);
    account.session_state.clone_from(&tokens.session_state);
}

fn not_linked(reason: &str) -> Failure {
    Failure::SignInRefused {
        page: SignInPageCode::OAuthAccountNotLinked,
        reason: reason.to_owned(),
    }
}

/// How long a link intent ([`crate::Auth::link_intent`]) lasts.
const LINK_INTENT_MAX_AGE: i64 = 10 * 60;

/// The cookie of a link intent for the signed-in user and the OAuth
/// provider `provider_id`; `None` when nobody is signed in or there is no
/// such provider.
pub(crate) async fn link_intent(ctx: &RequestContext<'_>, provider_id: &str) -> Option<SetCookie> {
    if !matches!(
        ctx.auth.provider(provider_id),
        Some(crate::Provider::OAuth(_))
    ) {
        return None;
    }
    let read = crate::session::read(ctx).await;
    let user_id = read.data.and(read.user_id)?;
    let mut claims = Claims::new();
    claims.insert("sub".into(), user_id.into());
    claims.insert("provider".into(), provider_id.into());
    let sealed = ctx
        .jar
        .link_intent_codec
        .encode(claims, LINK_INTENT_MAX_AGE, ctx.now)
        .map_err(|e| {
            crate::failure::log_error(
                LogCode::SigninOauthError,
                &format!("the link intent could not be sealed: {}", describe(&e)),
            );
        })
        .ok()?;
    let mut options = ctx.jar.check_options.clone();
    options.max_age = Some(LINK_INTENT_MAX_AGE);
    options.expires = Some(ctx.now + Duration::seconds(LINK_INTENT_MAX_AGE));
    Some(SetCookie::new(ctx.jar.link_intent.clone(), sealed, options))
}

/// Whether the request carries a link intent for `user_id` and `provider`.
fn has_link_intent(ctx: &RequestContext<'_>, user_id: &str, provider: &dyn OAuthProvider) -> bool {
    let Some(raw) = ctx.cookies.get(&ctx.jar.link_intent) else {
        return false;
    };
    let Ok(claims) = ctx.jar.link_intent_codec.decode(raw, ctx.now) else {
        return false;
    };
    let claim = |name: &str| claims.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    claim("sub").as_deref() == Some(user_id) && claim("provider").as_deref() == Some(provider.id())
}

/// Linking a new account to the signed-in user changes who can sign in as
/// them for good, so it needs a recent sign-in: at most
/// `link_max_session_age` seconds old (a stolen long-lived cookie is not
/// enough), or a link intent the application made for this user and
/// provider. Returns the cookie that uses the intent up.
fn check_link_allowed(
    ctx: &RequestContext<'_>,
    provider: &dyn OAuthProvider,
    user_id: &str,
    signed_in_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Vec<SetCookie>, Failure> {
    let used_up: Vec<SetCookie> = ctx
        .cookies
        .get(&ctx.jar.link_intent)
        .map(|_| SetCookie::removal(ctx.jar.link_intent.clone(), &ctx.jar.check_options))
        .into_iter()
        .collect();
    if has_link_intent(ctx, user_id, provider) {
        return Ok(used_up);
    }
    let max_age = ctx.auth.link_max_session_age;
    let age = signed_in_at.map(|t| (ctx.now - t).num_seconds());
    match age {
        Some(age) if max_age > 0 && age <= max_age => Ok(used_up),
        Some(age) => Err(not_linked(&format!(
            "not linking an account to the signed-in user: they signed in {age} s ago, \
             longer than link_max_session_age ({max_age} s) and there is no link intent for \
             them; they sign in again (or the application makes one), then link"
        ))),
        None => Err(not_linked(
            "not linking an account to the signed-in user: the session does not record \
             when they signed in (made by another server, or its token reshaped by the jwt \
             callback) and there is no link intent for them; they sign in again, then link",
        )),
    }
}

/// The account-linking table of authjs-behaviour.md §9.5.
async fn with_adapter(
    ctx: &RequestContext<'_>,
    adapter: &dyn Adapter,
    provider: &dyn OAuthProvider,
    profile_user: User,
    mut account: Account,
) -> Result<Outcome, Failure> {
    // Who is signed in, read in full (the `jwt` / `session` callbacks run,
    // so a session the application revoked counts as none).
    let session = crate::session::read(ctx).await;
    let current = session.data.as_ref().and(session.user_id.clone());
    let by_account = adapter
        .get_user_by_account(&account.provider, &account.provider_account_id)
        .await
        .map_err(|e| Failure::adapter(LogCode::GetUserByProviderAccountIdError, &e))?;
    let candidate = by_account.clone().unwrap_or_else(|| profile_user.clone());
    account.user_id.clone_from(&candidate.id);
    let params = SignInParams {
        user: &candidate,
        account: Some(&account),
        credentials: None,
        email_verification_request: false,
    };
    if let Some(redirect) = ask_sign_in(ctx, &params).await? {
        return Ok(redirect);
    }

    if let Some(user) = by_account {
        if let Some(current) = &current
            && current != &user.id
        {
            return Err(not_linked("the account is already linked to another user"));
        }
        // Keep the stored tokens fresh for access-token refresh.
        account.user_id.clone_from(&user.id);
        if let Err(e) = adapter.update_account(account.clone()).await {
            tracing::warn!(cause = %describe(&e), "[keyway][warn] could not store the new OAuth tokens");
        }
        return complete(ctx, &user, Some(&account), false, true).await;
    }

    let mut intent_cookies = Vec::new();
    let (user, is_new_user) = if let Some(current) = current {
        intent_cookies = check_link_allowed(ctx, provider, &current, session.signed_in_at)?;
        let user = adapter
            .get_user(&current)
            .await
            .map_err(|e| Failure::adapter(LogCode::GetUserByIdError, &e))?
            .ok_or_else(|| not_linked("the signed-in user no longer exists"))?;
        (user, false)
    } else {
        let by_email = match &profile_user.email {
            Some(email) => adapter
                .get_user_by_email(email)
                .await
                .map_err(|e| Failure::adapter(LogCode::GetUserByEmailError, &e))?,
            None => None,
        };
        match by_email {
            Some(user) if provider.allow_dangerous_email_account_linking() => (user, false),
            Some(_) => return Err(not_linked("another user already has this email address")),
            None => {
                let mut new_user = profile_user;
                new_user.id = random::uuid();
                let page = Some(SignInPageCode::OAuthCreateAccount);
                (create_user(ctx, adapter, new_user, page).await?, true)
            }
        }
    };
    account.user_id.clone_from(&user.id);
    let linked = link_account(ctx, adapter, &user, account).await?;
    Ok(complete(ctx, &user, Some(&linked), is_new_user, true)
        .await?
        .with_cookies(intent_cookies))
}
