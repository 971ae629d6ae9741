//! The sign-out page: a question and a button that posts the CSRF token.

use super::html::Html;
use super::{PageContext, document, hidden_input};

/// The data of the sign-out page.
pub struct SignOutPage<'a> {
    /// The CSRF token, posted back by the form.
    pub csrf_token: &'a str,
    /// Where the form posts (`{base}/signout`).
    pub action_url: &'a str,
}

/// Renders the sign-out page (the same with or without a session).
pub fn render_sign_out(ctx: &PageContext<'_>, page: &SignOutPage<'_>) -> String {
    let m = ctx.locale.messages();
    let mut h = Html::new();
    h.element("h1", &[], m.sign_out_heading)
        .element("p", &[], m.sign_out_question)
        .nl()
        .open("form", &[("action", page.action_url), ("method", "POST")]);
    hidden_input(&mut h, "csrfToken", page.csrf_token);
    h.element(
        "button",
        &[("id", "submitButton"), ("type", "submit")],
        m.sign_out_button,
    )
    .close("form")
    .nl();
    document(ctx, m.title_sign_out, "signout", &h.finish())
}
