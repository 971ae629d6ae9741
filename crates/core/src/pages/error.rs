//! The error page, one layout per [`ErrorPageCode`].

use super::html::Html;
use super::{PageContext, document};
use crate::codes::ErrorPageCode;

/// The data of the error page. Serve it with [`ErrorPageCode::status`].
pub struct ErrorPage<'a> {
    /// Which error to explain.
    pub code: ErrorPageCode,
    /// The sign-in page, linked from the `AccessDenied` and `Verification`
    /// pages.
    pub signin_url: &'a str,
}

/// Renders the error page for `page.code`.
pub fn render_error(ctx: &PageContext<'_>, page: &ErrorPage<'_>) -> String {
    let m = ctx.locale.messages();
    let sign_in = [("class", "button"), ("href", page.signin_url)];
    let mut h = Html::new();
    match page.code {
        ErrorPageCode::Configuration => {
            h.element("h1", &[], m.error_configuration_heading)
                .open("div", &[("class", "message")])
                .open("div", &[])
                .element("p", &[], m.error_configuration_message)
                .element("p", &[], m.error_configuration_hint)
                .close("div")
                .close("div");
        }
        ErrorPageCode::AccessDenied => {
            h.element("h1", &[], m.error_access_denied_heading)
                .open("div", &[("class", "message")])
                .open("div", &[])
                .element("p", &[], m.error_access_denied_message)
                .open("p", &[])
                .element("a", &sign_in, m.sign_in_link)
                .close("p")
                .close("div")
                .close("div");
        }
        ErrorPageCode::Verification => {
            h.element("h1", &[], m.error_verification_heading)
                .open("div", &[("class", "message")])
                .open("div", &[])
                .element("p", &[], m.error_verification_message)
                .element("p", &[], m.error_verification_hint)
                .close("div")
                .close("div")
                .element("a", &sign_in, m.sign_in_link);
        }
        ErrorPageCode::Default => {
            h.element("h1", &[], m.error_default_heading)
                .open("div", &[("class", "message")]);
            ctx.site_link(&mut h);
            h.close("div");
        }
    }
    h.nl();
    document(ctx, m.title_error, "error", &h.finish())
}
