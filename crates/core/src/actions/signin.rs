//! `POST /signin/{provider}`: start a sign-in.

use crate::failure::Failure;
use crate::provider::Provider;
use crate::request::RequestContext;
use crate::response::Outcome;

pub(super) async fn post(
    ctx: &RequestContext<'_>,
    provider: Option<&str>,
) -> Result<Outcome, Failure> {
    if !ctx.csrf_verified() {
        return Err(Failure::MissingCsrf);
    }
    let Some(id) = provider else {
        return Ok(Outcome::redirect(ctx.action_url("signin")).with_cookies(ctx.init_cookies()));
    };
    match super::find(ctx, Some(id))? {
        Provider::Email(p) => super::email::sign_in(ctx, p.as_ref()).await,
        Provider::OAuth(p) => super::oauth::sign_in(ctx, p.as_ref()).await,
        // Credentials post straight to their callback; Auth.js sends a stray
        // sign-in POST back to the sign-in page.
        Provider::Credentials(_) => {
            Ok(Outcome::redirect(ctx.action_url("signin")).with_cookies(ctx.init_cookies()))
        }
    }
}
