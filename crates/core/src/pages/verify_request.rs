//! The verify-request page, shown after an email sign-in link was sent.

use super::html::Html;
use super::{PageContext, document, hidden_input};

/// A form to type a one-time code from the email instead of following its
/// link. Rendered only when the email provider offers codes.
pub struct CodeForm<'a> {
    /// Where the form posts.
    pub action_url: &'a str,
    /// The CSRF token, posted back by the form.
    pub csrf_token: &'a str,
    /// The address the code was sent to, posted back as `email`.
    pub email: &'a str,
}

/// The data of the verify-request page.
pub struct VerifyRequestPage<'a> {
    /// The one-time-code form, if the provider uses codes.
    pub code_form: Option<CodeForm<'a>>,
}

/// Renders the verify-request page: "check your email", an optional code
/// form, and a link back to the site.
pub fn render_verify_request(ctx: &PageContext<'_>, page: &VerifyRequestPage<'_>) -> String {
    let m = ctx.locale.messages();
    let mut h = Html::new();
    h.element("h1", &[], m.verify_heading)
        .element("p", &[], m.verify_message)
        .nl();
    if let Some(form) = &page.code_form {
        h.void("hr", &[]).nl().open(
            "form",
            &[
                ("action", form.action_url),
                ("method", "POST"),
                ("class", "code-form"),
            ],
        );
        hidden_input(&mut h, "csrfToken", form.csrf_token);
        hidden_input(&mut h, "email", form.email);
        h.element("p", &[], m.code_prompt)
            .element(
                "label",
                &[("class", "section-header"), ("for", "input-code")],
                m.code_label,
            )
            .void(
                "input",
                &[
                    ("id", "input-code"),
                    ("name", "code"),
                    ("type", "text"),
                    ("inputmode", "numeric"),
                    ("autocomplete", "one-time-code"),
                    ("required", ""),
                ],
            )
            .element(
                "button",
                &[("id", "submitButton"), ("type", "submit")],
                m.code_button,
            )
            .close("form")
            .nl();
    }
    ctx.site_link(&mut h);
    h.nl();
    document(ctx, m.title_verify_request, "verify-request", &h.finish())
}
