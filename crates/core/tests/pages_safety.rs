//! The built-in pages never let configuration or request values turn into
//! markup, CSS or script.

mod pages {
    use keyway_core::ErrorPageCode;
    use keyway_core::pages::{
        CodeForm, ColorScheme, CredentialField, ErrorPage, Locale, PageContext, ProviderEntry,
        SignInPage, SignOutPage, Theme, VerifyRequestPage, render_error, render_sign_in,
        render_sign_out, render_verify_request,
    };

    const EVIL_NAME: &str = "<script>alert(1)</script>";
    const EVIL_URL: &str = "\"><img src=x onerror=1>";
    const EVIL_ATTR: &str = "x' onmouseover='alert(1)";

    fn hostile_providers() -> Vec<ProviderEntry> {
        vec![
            ProviderEntry::OAuth {
                id: EVIL_URL.into(),
                name: EVIL_NAME.into(),
                signin_url: EVIL_URL.into(),
                logo: Some("https://cdn.example/\"onerror=\"alert(1)".into()),
                brand_color: Some("red;background:url(https://evil.example)".into()),
            },
            ProviderEntry::Email {
                id: EVIL_ATTR.into(),
                name: EVIL_NAME.into(),
                signin_url: EVIL_ATTR.into(),
            },
            ProviderEntry::Credentials {
                id: EVIL_URL.into(),
                name: EVIL_NAME.into(),
                callback_url: EVIL_URL.into(),
                fields: vec![CredentialField {
                    name: EVIL_URL.into(),
                    label: EVIL_NAME.into(),
                    input_type: EVIL_ATTR.into(),
                    placeholder: EVIL_URL.into(),
                }],
            },
        ]
    }

    fn hostile_theme(color_scheme: ColorScheme) -> Theme {
        Theme {
            color_scheme,
            logo: Some("javascript:alert(1)".into()),
            brand_color: Some("red;}body{display:none".into()),
            button_text: Some("#fff}</style><script>alert(1)</script>".into()),
        }
    }

    /// Every page, with every value an attacker might control set to markup.
    fn every_hostile_page(ctx: &PageContext<'_>) -> Vec<String> {
        let providers = hostile_providers();
        vec![
            render_sign_in(
                ctx,
                &SignInPage {
                    providers: &providers,
                    csrf_token: EVIL_URL,
                    callback_url: EVIL_URL,
                    error: Some("<b>"),
                    email: Some(EVIL_URL),
                },
            ),
            render_sign_out(
                ctx,
                &SignOutPage {
                    csrf_token: EVIL_ATTR,
                    action_url: EVIL_URL,
                },
            ),
            render_verify_request(ctx, &VerifyRequestPage { code_form: None }),
            render_verify_request(
                ctx,
                &VerifyRequestPage {
                    code_form: Some(CodeForm {
                        action_url: EVIL_URL,
                        csrf_token: EVIL_ATTR,
                        email: EVIL_NAME,
                    }),
                },
            ),
        ]
        .into_iter()
        .chain(ErrorPageCode::ALL.iter().map(|&code| {
            render_error(
                ctx,
                &ErrorPage {
                    code,
                    signin_url: EVIL_URL,
                },
            )
        }))
        .collect()
    }

    fn for_every_context(check: impl Fn(&PageContext<'_>, &str)) {
        for locale in Locale::ALL {
            for scheme in [ColorScheme::Auto, ColorScheme::Light, ColorScheme::Dark] {
                let theme = hostile_theme(scheme);
                let ctx = PageContext {
                    theme: &theme,
                    locale,
                    site_url: "http://\"><script>alert(1)</script>",
                };
                for html in every_hostile_page(&ctx) {
                    check(&ctx, &html);
                }
            }
        }
    }

    const ALLOWED_TAGS: &[&str] = &[
        "html", "head", "meta", "style", "title", "body", "div", "form", "input", "button", "span",
        "label", "hr", "h1", "p", "a", "img",
    ];
    const ALLOWED_ATTRS: &[&str] = &[
        "lang",
        "charset",
        "http-equiv",
        "content",
        "name",
        "class",
        "src",
        "alt",
        "referrerpolicy",
        "action",
        "method",
        "type",
        "value",
        "id",
        "for",
        "placeholder",
        "label",
        "autocomplete",
        "required",
        "tabindex",
        "style",
        "loading",
        "height",
        "width",
        "href",
        "inputmode",
    ];

    /// The tag names and attribute names of an HTML document (outside the
    /// stylesheet), read the way a browser would: an attribute value ends
    /// at the next double quote, a tag at the next `>` outside a value.
    fn tags(html: &str) -> Vec<(&str, Vec<&str>)> {
        let (head, rest) = html.split_once("<style>").expect("a style block");
        let (_, body) = rest.split_once("</style>").expect("a closed style block");
        let mut out = Vec::new();
        for doc in [head, body] {
            let mut s = doc;
            while let Some(start) = s.find('<') {
                s = &s[start + 1..];
                let closing = s.starts_with('/');
                s = s.trim_start_matches('/');
                let end = s
                    .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                    .unwrap_or(s.len());
                let name = &s[..end];
                s = &s[end..];
                let mut attrs = Vec::new();
                loop {
                    s = s.trim_start();
                    if s.starts_with("/>") || s.starts_with('>') || s.is_empty() {
                        break;
                    }
                    let end = s
                        .find(|c: char| c == '=' || c.is_whitespace() || c == '>')
                        .unwrap_or(s.len());
                    attrs.push(&s[..end]);
                    s = &s[end..];
                    if let Some(value) = s.strip_prefix("=\"") {
                        let close = value.find('"').expect("a closed attribute value");
                        s = &value[close + 1..];
                    }
                }
                if !closing && name != "!DOCTYPE" {
                    out.push((name, attrs));
                }
            }
        }
        out
    }

    #[test]
    fn no_raw_markup_from_inputs() {
        for_every_context(|_, html| {
            for raw in [
                EVIL_NAME,
                EVIL_URL,
                EVIL_ATTR,
                "<b>",
                "<img src=x",
                "\"onerror",
                "' onmouseover",
            ] {
                assert!(!html.contains(raw), "{raw:?} in\n{html}");
            }
            // Tags and attributes in the output are only keyway's own.
            for (name, attrs) in tags(html) {
                assert!(ALLOWED_TAGS.contains(&name), "tag <{name}> in\n{html}");
                for attr in attrs {
                    assert!(ALLOWED_ATTRS.contains(&attr), "attribute {attr} in\n{html}");
                }
            }
        });
    }

    #[test]
    fn hostile_values_are_shown_escaped() {
        let theme = Theme::default();
        let ctx = PageContext {
            theme: &theme,
            locale: Locale::En,
            site_url: "http://127.0.0.1:3000",
        };
        let providers = hostile_providers();
        let html = render_sign_in(
            &ctx,
            &SignInPage {
                providers: &providers,
                csrf_token: "t",
                callback_url: EVIL_URL,
                error: None,
                email: Some(EVIL_URL),
            },
        );
        assert!(html.contains("Sign in with &lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(
            html.contains(r#"name="callbackUrl" value="&quot;&gt;&lt;img src=x onerror=1&gt;""#)
        );
        assert!(html.contains(r#"type="email" name="email" value="&quot;&gt;&lt;img"#));
        assert!(html.contains(r#"type="x&#x27; onmouseover=&#x27;alert(1)""#));
        // A logo URL with quotes is valid http but cannot leave its attribute.
        assert!(html.contains(r#"src="https://cdn.example/&quot;onerror=&quot;alert(1)""#));
    }

    #[test]
    fn no_script_and_no_external_resources() {
        for_every_context(|_, html| {
            let lower = html.to_ascii_lowercase();
            assert!(!lower.contains("<script"), "{html}");
            assert!(!lower.contains("javascript:"), "{html}");
            assert!(!lower.contains("<link"), "{html}");
            assert_eq!(lower.matches("<style>").count(), 1);
            assert_eq!(lower.matches("</style>").count(), 1);
        });
    }

    #[test]
    fn invalid_theme_values_are_ignored() {
        for_every_context(|_, html| {
            assert!(!html.contains("display:none"), "{html}");
            assert!(!html.contains("--brand-color:red"), "{html}");
            assert!(!html.contains("body[class]{"), "no colour override\n{html}");
            assert!(!html.contains("style=\"--provider-brand-color"), "{html}");
            assert!(!html.contains("class=\"logo\""), "{html}");
            assert!(!html.contains("evil.example"), "{html}");
        });
    }

    #[test]
    fn valid_theme_values_are_used() {
        let theme = Theme {
            color_scheme: ColorScheme::Dark,
            logo: Some("https://example.com/logo.png?a=1&b=2".into()),
            brand_color: Some("#346df1".into()),
            button_text: Some("white".into()),
        };
        let ctx = PageContext {
            theme: &theme,
            locale: Locale::Ja,
            site_url: "http://127.0.0.1:3000",
        };
        let html = render_sign_out(
            &ctx,
            &SignOutPage {
                csrf_token: "t",
                action_url: "/api/auth/signout",
            },
        );
        assert!(html.contains("body[class]{--brand-color:#346df1;--button-text-color:white;}"));
        assert!(html.contains(
            r#"<img src="https://example.com/logo.png?a=1&amp;b=2" alt="Logo" class="logo""#
        ));
        assert!(html.contains(r#"<body class="__next-auth-theme-dark">"#));
        assert!(html.starts_with(r#"<!DOCTYPE html><html lang="ja">"#));
        // The logo sits above the card.
        assert!(html.find("class=\"logo\"") < html.find("class=\"card\""));
    }

    #[test]
    fn site_relative_logo_and_provider_colours_are_accepted() {
        let theme = Theme {
            logo: Some("/static/logo.svg".into()),
            ..Theme::default()
        };
        let ctx = PageContext {
            theme: &theme,
            locale: Locale::En,
            site_url: "http://127.0.0.1:3000",
        };
        let providers = [ProviderEntry::OAuth {
            id: "github".into(),
            name: "GitHub".into(),
            signin_url: "/api/auth/signin/github".into(),
            logo: Some("/img/github.svg".into()),
            brand_color: Some("#24292f".into()),
        }];
        let html = render_sign_in(
            &ctx,
            &SignInPage {
                providers: &providers,
                csrf_token: "t",
                callback_url: "/",
                error: None,
                email: None,
            },
        );
        assert!(html.contains(r#"<img src="/static/logo.svg""#));
        assert!(html.contains(r#"style="--provider-brand-color:#24292f;""#));
        assert!(html.contains(r#"src="/img/github.svg""#));
        assert!(
            !html.contains("<hr/>"),
            "a lone OAuth provider has no separator"
        );
        assert!(
            !html.contains(r#"class="error""#),
            "no banner without ?error="
        );
    }
}
