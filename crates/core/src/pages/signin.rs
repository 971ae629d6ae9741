//! The sign-in page: an optional error banner, then one block per provider.

use super::html::Html;
use super::i18n::Messages;
use super::theme::{valid_color, valid_image_url};
use super::{PageContext, document, hidden_input};
use crate::codes::SignInPageCode;

/// One input of a credentials provider's form.
#[derive(Debug, Clone)]
pub struct CredentialField {
    /// The form field name (the key in the provider's `credentials`).
    pub name: String,
    /// The label shown above the input; the name when empty.
    pub label: String,
    /// The input's `type` (`text`, `password`, …); `text` when empty.
    pub input_type: String,
    /// The input's placeholder (may be empty).
    pub placeholder: String,
}

/// A provider as the sign-in page shows it.
#[derive(Debug, Clone)]
pub enum ProviderEntry {
    /// An OAuth / OpenID Connect provider: a single button.
    OAuth {
        /// The provider id (`github`).
        id: String,
        /// The display name (`GitHub`).
        name: String,
        /// Where the button posts (`{base}/signin/{id}`).
        signin_url: String,
        /// An icon shown in the button (`http(s)` URL or site path; other
        /// values are ignored). There is no default icon.
        logo: Option<String>,
        /// The button's colour (hex or keyword; other values are ignored).
        brand_color: Option<String>,
    },
    /// An email (magic link) provider: an email input and a button.
    Email {
        /// The provider id (`email`).
        id: String,
        /// The display name (`Email`).
        name: String,
        /// Where the form posts (`{base}/signin/{id}`).
        signin_url: String,
    },
    /// A credentials provider: one input per field and a button. Not shown
    /// when it has no field.
    Credentials {
        /// The provider id (`credentials`).
        id: String,
        /// The display name (`Credentials`).
        name: String,
        /// Where the form posts (`{base}/callback/{id}`).
        callback_url: String,
        /// The form's inputs, in order.
        fields: Vec<CredentialField>,
    },
}

impl ProviderEntry {
    /// Email and credentials providers are forms, set apart by `<hr/>`.
    fn is_form(&self) -> bool {
        !matches!(self, Self::OAuth { .. })
    }

    fn is_shown(&self) -> bool {
        !matches!(self, Self::Credentials { fields, .. } if fields.is_empty())
    }
}

/// The data of the sign-in page.
pub struct SignInPage<'a> {
    /// The providers, in configuration order.
    pub providers: &'a [ProviderEntry],
    /// The CSRF token, posted back by every form.
    pub csrf_token: &'a str,
    /// Where to go after signing in (posted by the OAuth and email forms;
    /// the credentials form relies on the callback-url cookie, as Auth.js).
    pub callback_url: &'a str,
    /// The `?error=` query value: shows a banner when present and not empty.
    pub error: Option<&'a str>,
    /// The `?email=` query value, prefilled in the email input.
    pub email: Option<&'a str>,
}

/// Renders the sign-in page (always served with status 200).
pub fn render_sign_in(ctx: &PageContext<'_>, page: &SignInPage<'_>) -> String {
    let m = ctx.locale.messages();
    let mut h = Html::new();
    if let Some(error) = page.error.filter(|e| !e.is_empty()) {
        h.open("div", &[("class", "error")])
            .element("p", &[], banner(m, error))
            .close("div")
            .nl();
    }
    let shown: Vec<&ProviderEntry> = page.providers.iter().filter(|p| p.is_shown()).collect();
    for (i, provider) in shown.iter().enumerate() {
        h.open("div", &[("class", "provider")]).nl();
        if provider.is_form() && i > 0 && !shown[i - 1].is_form() {
            h.void("hr", &[]).nl();
        }
        match provider {
            ProviderEntry::OAuth {
                name,
                signin_url,
                logo,
                brand_color,
                ..
            } => oauth_form(
                &mut h,
                page,
                &m.sign_in_with(name),
                signin_url,
                logo.as_deref(),
                brand_color.as_deref(),
            ),
            ProviderEntry::Email {
                id,
                name,
                signin_url,
            } => email_form(&mut h, page, m, id, name, signin_url),
            ProviderEntry::Credentials {
                id,
                name,
                callback_url,
                fields,
            } => credentials_form(&mut h, page, m, id, name, callback_url, fields),
        }
        if provider.is_form() && i + 1 < shown.len() {
            h.void("hr", &[]).nl();
        }
        h.close("div").nl();
    }
    document(ctx, m.title_sign_in, "signin", &h.finish())
}

/// The banner text for an `?error=` value.
fn banner(m: &Messages, error: &str) -> &'static str {
    // Auth.js also shows "try another account" for `Signin` and for v5's
    // `OAuthCallbackError`, which are not page codes of their own.
    if matches!(error, "Signin" | "OAuthCallbackError") {
        return m.banner_different_account;
    }
    match SignInPageCode::from_query(error) {
        SignInPageCode::CredentialsSignin => m.banner_credentials,
        SignInPageCode::OAuthSignin
        | SignInPageCode::OAuthCallback
        | SignInPageCode::OAuthCreateAccount
        | SignInPageCode::EmailCreateAccount
        | SignInPageCode::Callback => m.banner_different_account,
        SignInPageCode::OAuthAccountNotLinked => m.banner_account_not_linked,
        SignInPageCode::EmailSignin => m.banner_email_signin,
        SignInPageCode::SessionRequired => m.banner_session_required,
        SignInPageCode::MissingCsrf => m.banner_missing_csrf,
        SignInPageCode::Default => m.banner_default,
    }
}

fn oauth_form(
    h: &mut Html,
    page: &SignInPage<'_>,
    label: &str,
    signin_url: &str,
    logo: Option<&str>,
    brand_color: Option<&str>,
) {
    h.open("form", &[("action", signin_url), ("method", "POST")]);
    hidden_input(h, "csrfToken", page.csrf_token);
    hidden_input(h, "callbackUrl", page.callback_url);
    let style = valid_color(brand_color).map(|c| format!("--provider-brand-color:{c};"));
    match &style {
        Some(style) => h.open(
            "button",
            &[
                ("type", "submit"),
                ("class", "button"),
                ("style", style),
                ("tabindex", "0"),
            ],
        ),
        None => h.open(
            "button",
            &[("type", "submit"), ("class", "button"), ("tabindex", "0")],
        ),
    };
    if let Some(logo) = valid_image_url(logo) {
        h.void(
            "img",
            &[
                ("loading", "lazy"),
                ("height", "24"),
                ("width", "24"),
                ("alt", ""),
                ("src", logo),
                ("referrerpolicy", "no-referrer"),
            ],
        );
    }
    h.element("span", &[], label)
        .close("button")
        .close("form")
        .nl();
}

fn email_form(
    h: &mut Html,
    page: &SignInPage<'_>,
    m: &Messages,
    id: &str,
    name: &str,
    signin_url: &str,
) {
    let input_id = format!("input-email-for-{id}-provider");
    h.open("form", &[("action", signin_url), ("method", "POST")]);
    hidden_input(h, "csrfToken", page.csrf_token);
    hidden_input(h, "callbackUrl", page.callback_url);
    h.element(
        "label",
        &[("class", "section-header"), ("for", &input_id)],
        m.email_label,
    );
    h.void(
        "input",
        &[
            ("id", &input_id),
            ("type", "email"),
            ("name", "email"),
            ("value", page.email.unwrap_or("")),
            ("placeholder", "email@example.com"),
            ("autocomplete", "email"),
            ("required", ""),
        ],
    );
    submit_button(h, &m.sign_in_with(name));
    h.close("form").nl();
}

fn credentials_form(
    h: &mut Html,
    page: &SignInPage<'_>,
    m: &Messages,
    id: &str,
    name: &str,
    callback_url: &str,
    fields: &[CredentialField],
) {
    h.open("form", &[("action", callback_url), ("method", "POST")]);
    hidden_input(h, "csrfToken", page.csrf_token);
    for field in fields {
        let input_id = format!("input-{}-for-{id}-provider", field.name);
        let label = if field.label.is_empty() {
            &field.name
        } else {
            &field.label
        };
        let input_type = if field.input_type.is_empty() {
            "text"
        } else {
            &field.input_type
        };
        h.open("div", &[])
            .element(
                "label",
                &[("class", "section-header"), ("for", &input_id)],
                label,
            )
            .void(
                "input",
                &[
                    ("name", &field.name),
                    ("id", &input_id),
                    ("type", input_type),
                    ("placeholder", &field.placeholder),
                    ("label", label),
                ],
            )
            .close("div");
    }
    submit_button(h, &m.sign_in_with(name));
    h.close("form").nl();
}

fn submit_button(h: &mut Html, label: &str) {
    h.element(
        "button",
        &[
            ("id", "submitButton"),
            ("type", "submit"),
            ("tabindex", "0"),
        ],
        label,
    );
}

#[cfg(test)]
mod tests {
    use super::super::Locale;
    use super::*;

    #[test]
    fn banners_follow_the_page_codes() {
        let m = Locale::En.messages();
        let cases = [
            ("CredentialsSignin", m.banner_credentials),
            ("OAuthSignin", m.banner_different_account),
            ("OAuthCallback", m.banner_different_account),
            ("OAuthCallbackError", m.banner_different_account),
            ("OAuthCreateAccount", m.banner_different_account),
            ("EmailCreateAccount", m.banner_different_account),
            ("Callback", m.banner_different_account),
            ("Signin", m.banner_different_account),
            ("OAuthAccountNotLinked", m.banner_account_not_linked),
            ("EmailSignin", m.banner_email_signin),
            ("SessionRequired", m.banner_session_required),
            ("MissingCSRF", m.banner_missing_csrf),
            ("missingcsrf", m.banner_default),
            ("Default", m.banner_default),
            ("credentialssignin", m.banner_default),
        ];
        for (code, want) in cases {
            assert_eq!(banner(m, code), want, "{code}");
        }
    }
}
