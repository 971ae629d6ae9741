//! The page actions: `GET /signin`, `GET /signout`, `GET /verify-request`
//! and `GET /error`, each the built-in page or a redirect to the
//! application's own.

use http::StatusCode;

use crate::codes::{ErrorPageCode, SignInPageCode};
use crate::failure::{Failure, with_query};
use crate::pages::{
    CodeForm, ErrorPage, PageContext, ProviderEntry, SignInPage, SignOutPage, VerifyRequestPage,
    render_error, render_sign_in, render_sign_out, render_verify_request,
};
use crate::provider::Provider;
use crate::request::RequestContext;
use crate::response::Outcome;

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn page_context<'a>(ctx: &'a RequestContext<'_>) -> PageContext<'a> {
    PageContext {
        theme: &ctx.auth.theme,
        locale: ctx.locale,
        site_url: ctx.origin.as_str(),
    }
}

fn custom(ctx: &RequestContext<'_>, page: &str) -> String {
    format!("{}{}", ctx.origin.as_str(), page)
}

pub(super) fn sign_in(
    ctx: &RequestContext<'_>,
    provider: Option<&str>,
) -> Result<Outcome, Failure> {
    if let Some(id) = provider {
        return Err(Failure::InvalidProvider {
            reason: format!("GET /signin/{id} is not an action; POST to it instead"),
        });
    }
    let error = ctx.query.get("error").map(String::as_str);
    if let Some(page) = &ctx.auth.pages.sign_in {
        let mut query = format!("callbackUrl={}", enc(&ctx.callback_url));
        if let Some(e) = error {
            query.push_str(&format!("&error={}", enc(e)));
        }
        return Ok(Outcome::redirect(with_query(&custom(ctx, page), &query))
            .with_cookies(ctx.init_cookies()));
    }
    let entries: Vec<ProviderEntry> = ctx
        .auth
        .providers
        .iter()
        .map(|p| match p {
            Provider::Credentials(c) => ProviderEntry::Credentials {
                id: c.id().to_owned(),
                name: c.name().to_owned(),
                callback_url: ctx.action_url(&format!("callback/{}", c.id())),
                fields: c.fields().to_vec(),
            },
            Provider::OAuth(o) => {
                let style = o.style();
                ProviderEntry::OAuth {
                    id: o.id().to_owned(),
                    name: o.name().to_owned(),
                    signin_url: ctx.action_url(&format!("signin/{}", o.id())),
                    logo: style.logo,
                    brand_color: style.brand_color,
                }
            }
            Provider::Email(e) => ProviderEntry::Email {
                id: e.id().to_owned(),
                name: e.name().to_owned(),
                signin_url: ctx.action_url(&format!("signin/{}", e.id())),
            },
        })
        .collect();
    let html = render_sign_in(
        &page_context(ctx),
        &SignInPage {
            providers: &entries,
            csrf_token: ctx.csrf.token(),
            callback_url: &ctx.callback_url,
            error,
            email: ctx.query.get("email").map(String::as_str),
        },
    );
    Ok(Outcome::html(StatusCode::OK, html).with_cookies(ctx.init_cookies()))
}

pub(super) fn sign_out(ctx: &RequestContext<'_>) -> Outcome {
    if let Some(page) = &ctx.auth.pages.sign_out {
        return Outcome::redirect(custom(ctx, page)).with_cookies(ctx.init_cookies());
    }
    let action_url = ctx.action_url("signout");
    let html = render_sign_out(
        &page_context(ctx),
        &SignOutPage {
            csrf_token: ctx.csrf.token(),
            action_url: &action_url,
        },
    );
    Outcome::html(StatusCode::OK, html).with_cookies(ctx.init_cookies())
}

pub(super) fn verify_request(ctx: &RequestContext<'_>) -> Outcome {
    if let Some(page) = &ctx.auth.pages.verify_request {
        let query = ctx.path_and_query.split_once('?').map(|(_, q)| q);
        let target = match query {
            Some(q) if !q.is_empty() => with_query(&custom(ctx, page), q),
            _ => custom(ctx, page),
        };
        return Outcome::redirect(target).with_cookies(ctx.init_cookies());
    }
    // The code form, when the provider sends codes and this browser asked
    // for one (the address comes from the encrypted pending-code cookie).
    let pending = super::email::pending_code_form(ctx);
    let code_form = pending.as_ref().map(|(action_url, email)| CodeForm {
        action_url,
        csrf_token: ctx.csrf.token(),
        email,
    });
    let html = render_verify_request(&page_context(ctx), &VerifyRequestPage { code_form });
    Outcome::html(StatusCode::OK, html).with_cookies(ctx.init_cookies())
}

pub(super) fn error(ctx: &RequestContext<'_>) -> Outcome {
    let raw = ctx
        .query
        .get("error")
        .map(String::as_str)
        .unwrap_or("Default");
    if ctx.auth.wire.error_route_forwards_signin_codes {
        let signin = SignInPageCode::from_query(raw);
        // `MissingCSRF` is v5's code: next-auth v4 does not know it.
        if !matches!(
            signin,
            SignInPageCode::Default | SignInPageCode::MissingCsrf
        ) {
            let page = crate::failure::signin_page(ctx);
            return Outcome::redirect(with_query(&page, &format!("error={signin}")))
                .with_cookies(ctx.init_cookies());
        }
    }
    let code = ErrorPageCode::from_query(raw);
    if let Some(page) = &ctx.auth.pages.error {
        return Outcome::redirect(with_query(&custom(ctx, page), &format!("error={code}")))
            .with_cookies(ctx.init_cookies());
    }
    let signin_url = ctx.action_url("signin");
    let html = render_error(
        &page_context(ctx),
        &ErrorPage {
            code,
            signin_url: &signin_url,
        },
    );
    Outcome::html(code.status(), html).with_cookies(ctx.init_cookies())
}
