//! One module per action. Each returns an [`Outcome`] or a [`Failure`];
//! `failure::respond` and `response::into_response` do the rest.

mod credentials;
mod email;
mod finish;
mod link;
mod oauth;
mod pages;
mod session;
mod signin;
mod signout;

pub(crate) use link::link_intent;
pub(crate) use oauth::apply_tokens;

use http::Method;
use serde::Serialize;

use crate::failure::Failure;
use crate::provider::Provider;
use crate::request::{Action, RequestContext};
use crate::response::Outcome;

pub(crate) async fn dispatch(
    ctx: &RequestContext<'_>,
    action: Action,
    provider: Option<&str>,
    parts: &http::request::Parts,
) -> Result<Outcome, Failure> {
    let post = ctx.method == Method::POST;
    // The sign-in, callback, sign-out and update futures are large (the
    // OAuth callback's most of all) and rare beside session reads: each is
    // boxed, so the future of every request, which the binding moves into
    // a box of its own, is the size a session read needs.
    match (action, post) {
        (Action::Providers, false) => Ok(providers(ctx)),
        (Action::Csrf, false) => Ok(csrf(ctx)),
        (Action::Session, false) => Ok(session::get(ctx).await),
        (Action::Session, true) => Ok(Box::pin(session::post(ctx)).await),
        (Action::SignIn, false) => pages::sign_in(ctx, provider),
        (Action::SignIn, true) => Box::pin(signin::post(ctx, provider)).await,
        (Action::Callback, _) => Box::pin(callback(ctx, provider, parts)).await,
        (Action::SignOut, false) => Ok(pages::sign_out(ctx)),
        (Action::SignOut, true) => Box::pin(signout::post(ctx)).await,
        (Action::VerifyRequest, false) => Ok(pages::verify_request(ctx)),
        (Action::Error, false) => Ok(pages::error(ctx)),
        _ => Err(Failure::BadRequest),
    }
}

/// The configured provider with this id.
fn find<'a>(ctx: &'a RequestContext<'_>, id: Option<&str>) -> Result<&'a Provider, Failure> {
    let Some(id) = id else {
        return Err(Failure::InvalidProvider {
            reason: "no provider in the path".into(),
        });
    };
    ctx.auth
        .provider(id)
        .ok_or_else(|| Failure::InvalidProvider {
            reason: format!("no provider with id {id:?}"),
        })
}

async fn callback(
    ctx: &RequestContext<'_>,
    provider: Option<&str>,
    parts: &http::request::Parts,
) -> Result<Outcome, Failure> {
    match find(ctx, provider)? {
        Provider::Credentials(p) if ctx.method == Method::POST => {
            credentials::callback(ctx, p.as_ref(), parts).await
        }
        Provider::Email(p) => email::callback(ctx, p.as_ref()).await,
        Provider::OAuth(p) if ctx.method == Method::GET || p.form_post() => {
            oauth::callback(ctx, p.as_ref()).await
        }
        p => Err(Failure::InvalidProvider {
            reason: format!(
                "{} callback for the {} provider {:?}",
                ctx.method,
                p.kind().as_str(),
                p.id()
            ),
        }),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProviderJson<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    signin_url: String,
    callback_url: String,
}

/// `GET /providers`: every provider with its URLs, keyed by id.
fn providers(ctx: &RequestContext<'_>) -> Outcome {
    let mut map = serde_json::Map::new();
    for p in &ctx.auth.providers {
        let entry = ProviderJson {
            id: p.id(),
            name: p.name(),
            kind: p.kind().as_str(),
            signin_url: ctx.action_url(&format!("signin/{}", p.id())),
            callback_url: ctx.action_url(&format!("callback/{}", p.id())),
        };
        if let Ok(v) = serde_json::to_value(entry) {
            map.insert(p.id().to_owned(), v);
        }
    }
    Outcome::json(&map)
}

/// `GET /csrf`: the token, minting the cookie if needed.
fn csrf(ctx: &RequestContext<'_>) -> Outcome {
    Outcome::json(&serde_json::json!({ "csrfToken": ctx.csrf.token() }))
        .with_cookies(ctx.init_cookies())
        .no_cache()
}
