//! The look of the built-in pages: colour scheme, brand colours and logo.
//!
//! The values come from the application's configuration, but they end up
//! inside CSS and HTML attributes, so each one is checked before use and an
//! invalid value is ignored (the page falls back to its default look).

/// Which colour scheme the pages use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorScheme {
    /// Follow the visitor's system setting (`prefers-color-scheme`).
    #[default]
    Auto,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl ColorScheme {
    /// The Auth.js name: `"auto"`, `"light"` or `"dark"` (also the suffix of
    /// the page's `<body class="__next-auth-theme-…">`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }

    /// Reads an Auth.js `theme.colorScheme` value (case-insensitive).
    pub fn parse(value: &str) -> Option<Self> {
        [Self::Auto, Self::Light, Self::Dark]
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(value.trim()))
    }
}

/// Auth.js's `theme` option.
///
/// Fields hold what the application configured; the `valid_*` accessors
/// return only values that are safe to render. Colours must be a hex colour
/// (`#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`) or a CSS colour keyword
/// (letters only, e.g. `teal`); the logo must be an `http(s)://` URL or a
/// path on the site (`/logo.svg`).
///
/// ```
/// use keyway_core::pages::Theme;
///
/// let theme = Theme {
///     brand_color: Some("#346df1".into()),
///     button_text: Some("red;}body{display:none".into()),
///     ..Theme::default()
/// };
/// assert_eq!(theme.valid_brand_color(), Some("#346df1"));
/// assert_eq!(theme.valid_button_text(), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Theme {
    /// Light, dark, or following the visitor's system.
    pub color_scheme: ColorScheme,
    /// A logo shown above each page's card.
    pub logo: Option<String>,
    /// The accent colour (links, buttons, focus rings).
    pub brand_color: Option<String>,
    /// The colour of the text on buttons in the accent colour.
    pub button_text: Option<String>,
}

impl Theme {
    /// [`Theme::brand_color`] if it is a valid colour.
    pub fn valid_brand_color(&self) -> Option<&str> {
        valid_color(self.brand_color.as_deref())
    }

    /// [`Theme::button_text`] if it is a valid colour.
    pub fn valid_button_text(&self) -> Option<&str> {
        valid_color(self.button_text.as_deref())
    }

    /// [`Theme::logo`] if it is an `http(s)` URL or a site-relative path.
    pub fn valid_logo(&self) -> Option<&str> {
        valid_image_url(self.logo.as_deref())
    }

    /// CSS custom properties for the configured colours, to append to the
    /// page's stylesheet; empty when none is set (or valid).
    pub(crate) fn css_overrides(&self) -> String {
        let mut props = String::new();
        if let Some(c) = self.valid_brand_color() {
            props.push_str("--brand-color:");
            props.push_str(c);
            props.push(';');
        }
        if let Some(c) = self.valid_button_text() {
            props.push_str("--button-text-color:");
            props.push_str(c);
            props.push(';');
        }
        if props.is_empty() {
            props
        } else {
            // Repeat the body selector so the override beats the scheme rules.
            format!("body[class]{{{props}}}\n")
        }
    }
}

/// `value` if it is a hex colour or a keyword made only of letters; the
/// result is safe to place in a CSS declaration or a `style` attribute.
pub(crate) fn valid_color(value: Option<&str>) -> Option<&str> {
    let v = value?.trim();
    let ok = match v.strip_prefix('#') {
        Some(hex) => {
            matches!(hex.len(), 3 | 4 | 6 | 8) && hex.bytes().all(|b| b.is_ascii_hexdigit())
        }
        None => (1..=32).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphabetic()),
    };
    ok.then_some(v)
}

/// `value` if it is an absolute `http`/`https` URL or a path on the site
/// (`/…`, not `//…`), without whitespace, control characters or backslashes
/// (which browsers may read as slashes).
pub(crate) fn valid_image_url(value: Option<&str>) -> Option<&str> {
    let v = value?.trim();
    if v.is_empty()
        || v.len() > 2048
        || v.chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return None;
    }
    let lower = v.get(..8).unwrap_or(v).to_ascii_lowercase();
    let absolute = (lower.starts_with("https://") && v.len() > 8)
        || (lower.starts_with("http://") && v.len() > 7);
    let site_relative = v.starts_with('/') && !v.starts_with("//");
    (absolute || site_relative).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_accept_hex_and_keywords_only() {
        for ok in ["#fff", "#FFFA", "#346df1", "#346df1cc", "teal", " red "] {
            assert!(valid_color(Some(ok)).is_some(), "{ok}");
        }
        for bad in [
            "red;}body{display:none",
            "#12",
            "#12345",
            "#ggg",
            "rgb(0,0,0)",
            "url(x)",
            "",
            "#",
            "var(--x)",
            "red blue",
        ] {
            assert_eq!(valid_color(Some(bad)), None, "{bad}");
        }
        assert_eq!(valid_color(None), None);
    }

    #[test]
    fn logo_must_be_http_or_site_relative() {
        for ok in [
            "https://example.com/logo.png",
            "HTTP://example.com/a.svg",
            "/static/logo.svg",
        ] {
            assert!(valid_image_url(Some(ok)).is_some(), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "data:image/svg+xml,<svg/>",
            "//evil.example/logo.png",
            "/\\evil.example",
            "logo.png",
            "https://",
            "https://x.example/a b.png",
            "",
        ] {
            assert_eq!(valid_image_url(Some(bad)), None, "{bad}");
        }
    }

    #[test]
    fn overrides_only_for_valid_colours() {
        let theme = Theme {
            brand_color: Some("#0a0".into()),
            button_text: Some("white".into()),
            ..Theme::default()
        };
        assert_eq!(
            theme.css_overrides(),
            "body[class]{--brand-color:#0a0;--button-text-color:white;}\n"
        );
        let bad = Theme {
            brand_color: Some("red;}body{display:none".into()),
            ..Theme::default()
        };
        assert_eq!(bad.css_overrides(), "");
    }

    #[test]
    fn colour_scheme_names() {
        assert_eq!(ColorScheme::parse("Dark"), Some(ColorScheme::Dark));
        assert_eq!(ColorScheme::parse("auto"), Some(ColorScheme::Auto));
        assert_eq!(ColorScheme::parse("sepia"), None);
        assert_eq!(ColorScheme::Light.as_str(), "light");
    }
}
