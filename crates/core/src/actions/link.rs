//! Linking an OAuth account to the user who is signed in: who may (a
//! recent sign-in, or a link intent the application made), and the
//! link-intent cookie ([`crate::Auth::link_intent`]). An account linked to
//! the wrong user lets its owner sign in as that user for good, so the
//! session is read in full by the caller and its age checked here.

use chrono::Duration;

use crate::codes::{LogCode, SignInPageCode};
use crate::cookies::SetCookie;
use crate::failure::{Failure, describe};
use crate::jwt::Claims;
use crate::oauth::OAuthProvider;
use crate::request::RequestContext;

/// The refusal of a link or of an account that belongs to someone else.
pub(super) fn not_linked(reason: &str) -> Failure {
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
pub(super) fn check_link_allowed(
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
