//! The built-in pages: sign in, sign out, verify request and error.
//!
//! Each `render_*` function returns a complete HTML document: one inline
//! `<style>` block, no JavaScript, and no external resource except the logos
//! the application configures. The structure and class names follow
//! Auth.js's pages (`<body class="__next-auth-theme-…">`,
//! `div.page > div.signin > div.card`, the same form fields and input ids),
//! so tests and stylesheets written against Auth.js keep working.
//!
//! Every value that does not come from keyway itself (provider names, URLs,
//! the CSRF token, the email, labels) is HTML-escaped, and theme values are
//! validated before they reach CSS (see [`Theme`]). The texts exist in
//! English, Korean and Japanese ([`Locale`]).
//!
//! ```
//! use keyway_core::pages::{render_sign_out, Locale, PageContext, SignOutPage, Theme};
//!
//! let theme = Theme::default();
//! let ctx = PageContext { theme: &theme, locale: Locale::En, site_url: "http://127.0.0.1:3000" };
//! let html = render_sign_out(
//!     &ctx,
//!     &SignOutPage { csrf_token: "abc", action_url: "http://127.0.0.1:3000/api/auth/signout" },
//! );
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! assert!(html.contains(r#"<input type="hidden" name="csrfToken" value="abc"/>"#));
//! ```

mod error;
mod html;
mod i18n;
mod signin;
mod signout;
mod theme;
mod verify_request;

pub use error::{ErrorPage, render_error};
pub use html::escape_html;
pub use i18n::Locale;
pub use signin::{CredentialField, ProviderEntry, SignInPage, render_sign_in};
pub use signout::{SignOutPage, render_sign_out};
pub use theme::{ColorScheme, Theme};
pub use verify_request::{CodeForm, VerifyRequestPage, render_verify_request};

use html::Html;

/// The stylesheet every page inlines.
const STYLESHEET: &str = include_str!("style.css");

/// What every page needs besides its own data.
#[derive(Debug, Clone, Copy)]
pub struct PageContext<'a> {
    /// The configured theme.
    pub theme: &'a Theme,
    /// The language of the page (from the configuration or the request's
    /// `Accept-Language`, see [`Locale::from_accept_language`]).
    pub locale: Locale,
    /// The site's origin, e.g. `http://127.0.0.1:3000` (no trailing slash);
    /// pages link to it, showing its host.
    pub site_url: &'a str,
}

impl PageContext<'_> {
    /// The host (and port) of [`PageContext::site_url`], shown as the text
    /// of links to the site.
    fn site_host(&self) -> &str {
        let rest = self
            .site_url
            .split_once("://")
            .map_or(self.site_url, |(_, rest)| rest);
        rest.split(['/', '?', '#']).next().unwrap_or(rest)
    }

    /// `<p><a class="site" href="{origin}">{host}</a></p>`
    fn site_link(&self, h: &mut Html) {
        h.open("p", &[])
            .element(
                "a",
                &[("class", "site"), ("href", self.site_url)],
                self.site_host(),
            )
            .close("p");
    }
}

/// Wraps a page's content (`kind` is the class of its wrapper div:
/// `signin`, `signout`, `verify-request` or `error`) in the full document.
fn document(ctx: &PageContext<'_>, title: &str, kind: &'static str, card: &str) -> String {
    let mut h = Html::new();
    h.raw("<!DOCTYPE html>")
        .open("html", &[("lang", ctx.locale.as_str())])
        .open("head", &[])
        .void("meta", &[("charset", "UTF-8")])
        .void(
            "meta",
            &[("http-equiv", "X-UA-Compatible"), ("content", "IE=edge")],
        )
        .void(
            "meta",
            &[
                ("name", "viewport"),
                ("content", "width=device-width, initial-scale=1.0"),
            ],
        )
        .nl()
        .raw("<style>\n")
        .raw(STYLESHEET)
        .raw(&ctx.theme.css_overrides())
        .raw("</style>")
        .nl()
        .element("title", &[], title)
        .close("head")
        .nl();
    let body_class = format!("__next-auth-theme-{}", ctx.theme.color_scheme.as_str());
    h.open("body", &[("class", &body_class)])
        .open("div", &[("class", "page")])
        .open("div", &[("class", kind)])
        .nl();
    if let Some(logo) = ctx.theme.valid_logo() {
        h.void(
            "img",
            &[
                ("src", logo),
                ("alt", "Logo"),
                ("class", "logo"),
                ("referrerpolicy", "no-referrer"),
            ],
        )
        .nl();
    }
    h.open("div", &[("class", "card")])
        .nl()
        .raw(card)
        .close("div")
        .nl()
        .close("div")
        .close("div")
        .close("body")
        .close("html")
        .nl();
    h.finish()
}

/// `<input type="hidden" name="{name}" value="{value}"/>`
fn hidden_input(h: &mut Html, name: &'static str, value: &str) {
    h.void(
        "input",
        &[("type", "hidden"), ("name", name), ("value", value)],
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_host_strips_scheme_and_path() {
        let theme = Theme::default();
        let host = |site_url| {
            PageContext {
                theme: &theme,
                locale: Locale::En,
                site_url,
            }
            .site_host()
            .to_owned()
        };
        assert_eq!(host("http://127.0.0.1:3000"), "127.0.0.1:3000");
        assert_eq!(host("https://example.com/app?x#y"), "example.com");
        assert_eq!(host("example.com"), "example.com");
    }
}
