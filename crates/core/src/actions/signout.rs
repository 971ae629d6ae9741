//! `POST /signout`: end the session and go back to the callback URL.

use crate::failure::Failure;
use crate::request::RequestContext;
use crate::response::Outcome;
use crate::session;

pub(super) async fn post(ctx: &RequestContext<'_>) -> Result<Outcome, Failure> {
    if !ctx.csrf_verified() {
        return Err(Failure::MissingCsrf);
    }
    let revoked = session::revoke(ctx).await;
    Ok(Outcome::redirect(ctx.callback_url.clone())
        .with_cookies(ctx.init_cookies())
        .with_cookies(revoked.cookies))
}
