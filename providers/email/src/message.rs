//! The default sign-in message: subject `Sign in to <host>`, a plain-text
//! part and an HTML part with a button in the pages' brand colour.
//!
//! Everything interpolated into the HTML is escaped; the host additionally
//! gets a zero-width space before each dot so mail clients do not turn it
//! into a link of their own.

use std::fmt::Write as _;

use crate::sender::VerificationMessage;

/// Accent colour when the theme sets none (Auth.js's).
const DEFAULT_BRAND_COLOR: &str = "#346df1";
/// Button text colour when the theme sets none.
const DEFAULT_BUTTON_TEXT: &str = "#fff";

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    /// `Sign in to <host>`.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

/// Escapes text for HTML element content and quoted attribute values
/// (keyway-core's escaping, the same as the built-in pages use).
pub use keyway_core::pages::escape_html;

/// The host, HTML-escaped, with a zero-width space before every dot so mail
/// clients do not auto-link it.
fn unlinkable_host(host: &str) -> String {
    escape_html(host).replace('.', "&#8203;.")
}

/// The default message for `m`.
pub(crate) fn default_content(m: &VerificationMessage) -> Content {
    let subject = format!("Sign in to {}", m.host);
    let mut text = format!("Sign in to {}\n{}\n\n", m.host, m.url);
    if let Some(code) = &m.code {
        let _ = write!(text, "Or enter this code on the sign-in page: {code}\n\n");
    }
    text.push_str("If you did not request this email you can safely ignore it.\n");
    Content {
        subject,
        text,
        html: html(m),
    }
}

fn html(m: &VerificationMessage) -> String {
    let brand = escape_html(m.theme.valid_brand_color().unwrap_or(DEFAULT_BRAND_COLOR));
    let button_text = escape_html(m.theme.valid_button_text().unwrap_or(DEFAULT_BUTTON_TEXT));
    let host = unlinkable_host(&m.host);
    let url = escape_html(&m.url);
    let font = "font-family: Helvetica, Arial, sans-serif";
    let mut h = String::with_capacity(2048);
    h.push_str("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">");
    let _ = writeln!(h, "<title>Sign in to {host}</title></head>");
    h.push_str("<body style=\"background: #f9f9f9; margin: 0; padding: 20px 0;\">\n");
    h.push_str("<table width=\"100%\" border=\"0\" cellspacing=\"20\" cellpadding=\"0\" style=\"background: #fff; max-width: 600px; margin: auto; border-radius: 10px;\">\n");
    if let Some(logo) = m
        .theme
        .valid_logo()
        .filter(|l| l.starts_with("https://") || l.starts_with("http://"))
    {
        let _ = writeln!(
            h,
            "<tr><td align=\"center\"><img src=\"{}\" alt=\"\" height=\"48\" style=\"height: 48px;\"></td></tr>",
            escape_html(logo)
        );
    }
    let _ = writeln!(
        h,
        "<tr><td align=\"center\" style=\"padding: 10px 0; font-size: 22px; {font}; color: #444;\">Sign in to <strong>{host}</strong></td></tr>"
    );
    let _ = writeln!(
        h,
        "<tr><td align=\"center\" style=\"padding: 20px 0;\"><table border=\"0\" cellspacing=\"0\" cellpadding=\"0\"><tr>\
<td align=\"center\" style=\"border-radius: 5px;\" bgcolor=\"{brand}\"><a href=\"{url}\" target=\"_blank\" \
style=\"font-size: 18px; {font}; color: {button_text}; text-decoration: none; border-radius: 5px; padding: 10px 20px; \
border: 1px solid {brand}; display: inline-block; font-weight: bold;\">Sign in</a></td></tr></table></td></tr>"
    );
    if let Some(code) = &m.code {
        let _ = writeln!(
            h,
            "<tr><td align=\"center\" style=\"font-size: 16px; {font}; color: #444;\">Or enter this code on the sign-in page:</td></tr>\n\
<tr><td align=\"center\" style=\"font-size: 28px; letter-spacing: 4px; font-family: Menlo, Consolas, monospace; color: #222;\"><strong>{}</strong></td></tr>",
            escape_html(code)
        );
    }
    let _ = writeln!(
        h,
        "<tr><td align=\"center\" style=\"padding: 0 0 10px 0; font-size: 16px; line-height: 22px; {font}; color: #444;\">If you did not request this email you can safely ignore it.</td></tr>"
    );
    h.push_str("</table>\n</body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use keyway_core::pages::Theme;

    fn message(host: &str, url: &str, code: Option<&str>, theme: Theme) -> VerificationMessage {
        VerificationMessage {
            identifier: "bob@example.com".into(),
            url: url.into(),
            token: "t".into(),
            code: code.map(str::to_owned),
            expires: Utc::now(),
            host: host.into(),
            provider_name: "Email".into(),
            theme,
        }
    }

    #[test]
    fn subject_text_and_html_name_the_host_and_link() {
        let m = message(
            "example.com",
            "https://example.com/api/auth/callback/email?token=abc&email=bob%40example.com",
            None,
            Theme::default(),
        );
        let c = m.default_content();
        assert_eq!(c.subject, "Sign in to example.com");
        assert!(c.text.starts_with(
            "Sign in to example.com\nhttps://example.com/api/auth/callback/email?token=abc&email=bob%40example.com\n\n"
        ));
        assert!(
            c.html
                .contains("Sign in to <strong>example&#8203;.com</strong>")
        );
        assert!(c.html.contains(
            "href=\"https://example.com/api/auth/callback/email?token=abc&amp;email=bob%40example.com\""
        ));
        assert!(c.html.contains("bgcolor=\"#346df1\""));
        assert!(c.html.contains("color: #fff;"));
        assert!(!c.text.contains("code"));
    }

    #[test]
    fn code_appears_in_both_parts() {
        let m = message(
            "example.com",
            "https://e/x",
            Some("12345678"),
            Theme::default(),
        );
        let c = m.default_content();
        assert!(
            c.text
                .contains("Or enter this code on the sign-in page: 12345678")
        );
        assert!(c.html.contains("<strong>12345678</strong>"));
    }

    #[test]
    fn everything_interpolated_is_escaped() {
        let theme = Theme {
            brand_color: Some("red;}<script>".into()),
            button_text: Some("#123456".into()),
            logo: Some("https://cdn.example.com/logo.png?a=1&b=\"2\"".into()),
            ..Theme::default()
        };
        let m = message(
            "evil<b>.com",
            "https://e/cb?x=\"><script>alert(1)</script>",
            Some("1<2"),
            theme,
        );
        let c = m.default_content();
        assert!(!c.html.contains("<script>"), "{}", c.html);
        assert!(!c.html.contains("<b>"), "{}", c.html);
        assert!(c.html.contains("evil&lt;b&gt;&#8203;.com"));
        assert!(c.html.contains("&quot;&gt;&lt;script&gt;"));
        assert!(c.html.contains("1&lt;2"));
        // An invalid brand colour falls back to the default; a valid one is used.
        assert!(c.html.contains("bgcolor=\"#346df1\""));
        assert!(c.html.contains("color: #123456;"));
        assert!(
            c.html
                .contains("src=\"https://cdn.example.com/logo.png?a=1&amp;b=&quot;2&quot;\"")
        );
    }

    #[test]
    fn theme_colours_and_relative_logos() {
        let theme = Theme {
            brand_color: Some("teal".into()),
            logo: Some("/logo.svg".into()),
            ..Theme::default()
        };
        let c = message("example.com", "https://e/x", None, theme).default_content();
        assert!(c.html.contains("bgcolor=\"teal\""));
        assert!(
            !c.html.contains("<img"),
            "a site-relative logo means nothing in a mail client"
        );
    }

    #[test]
    fn escape_html_covers_the_five_characters() {
        assert_eq!(escape_html("&<>\"'a"), "&amp;&lt;&gt;&quot;&#x27;a");
    }
}
