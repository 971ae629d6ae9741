//! Snapshots of the built-in pages in every language and colour scheme.
//!
//! The stylesheet is the same in every page, so it is replaced by a marker
//! here; the theme's colour overrides (appended to it) stay visible.

mod pages {
    use keyway_core::ErrorPageCode;
    use keyway_core::SignInPageCode;
    use keyway_core::pages::{
        CodeForm, ColorScheme, CredentialField, ErrorPage, Locale, PageContext, ProviderEntry,
        SignInPage, SignOutPage, Theme, VerifyRequestPage, render_error, render_sign_in,
        render_sign_out, render_verify_request,
    };

    const SITE: &str = "http://127.0.0.1:3000";
    const CSRF: &str = "863e8c7b57312c1b9f0a4d6e5b3c2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b";
    const STYLESHEET: &str = include_str!("../src/pages/style.css");

    fn strip_stylesheet(html: String) -> String {
        assert!(html.contains(STYLESHEET), "the page inlines the stylesheet");
        html.replace(STYLESHEET, "/* style.css */\n")
    }

    fn field(name: &str, label: &str, input_type: &str) -> CredentialField {
        CredentialField {
            name: name.into(),
            label: label.into(),
            input_type: input_type.into(),
            placeholder: String::new(),
        }
    }

    fn providers() -> Vec<ProviderEntry> {
        vec![
            ProviderEntry::OAuth {
                id: "github".into(),
                name: "GitHub".into(),
                signin_url: format!("{SITE}/api/auth/signin/github"),
                logo: None,
                brand_color: None,
            },
            ProviderEntry::Email {
                id: "email".into(),
                name: "Email".into(),
                signin_url: format!("{SITE}/api/auth/signin/email"),
            },
            ProviderEntry::Credentials {
                id: "credentials".into(),
                name: "Credentials".into(),
                callback_url: format!("{SITE}/api/auth/callback/credentials"),
                fields: vec![
                    field("username", "Username", "text"),
                    field("password", "Password", "password"),
                ],
            },
        ]
    }

    fn theme(scheme: ColorScheme) -> Theme {
        match scheme {
            // The dark variant also carries the optional theme values.
            ColorScheme::Dark => Theme {
                color_scheme: scheme,
                logo: Some("https://example.com/logo.svg".into()),
                brand_color: Some("#e11d48".into()),
                button_text: Some("#ffffff".into()),
            },
            _ => Theme {
                color_scheme: scheme,
                ..Theme::default()
            },
        }
    }

    fn sign_in(ctx: &PageContext<'_>, error: Option<&str>) -> String {
        let providers = providers();
        render_sign_in(
            ctx,
            &SignInPage {
                providers: &providers,
                csrf_token: CSRF,
                callback_url: SITE,
                error,
                email: None,
            },
        )
    }

    /// Every page of one context, by snapshot-name suffix.
    fn all_pages(ctx: &PageContext<'_>) -> Vec<(&'static str, String)> {
        let signin_url = format!("{SITE}/api/auth/signin");
        let error = |code| {
            render_error(
                ctx,
                &ErrorPage {
                    code,
                    signin_url: &signin_url,
                },
            )
        };
        vec![
            ("signin", sign_in(ctx, None)),
            (
                "signout",
                render_sign_out(
                    ctx,
                    &SignOutPage {
                        csrf_token: CSRF,
                        action_url: &format!("{SITE}/api/auth/signout"),
                    },
                ),
            ),
            (
                "verify_request",
                render_verify_request(ctx, &VerifyRequestPage { code_form: None }),
            ),
            (
                "verify_request_code",
                render_verify_request(
                    ctx,
                    &VerifyRequestPage {
                        code_form: Some(CodeForm {
                            action_url: &format!("{SITE}/api/auth/callback/email"),
                            csrf_token: CSRF,
                            email: "jsmith@example.com",
                        }),
                    },
                ),
            ),
            ("error_configuration", error(ErrorPageCode::Configuration)),
            ("error_access_denied", error(ErrorPageCode::AccessDenied)),
            ("error_verification", error(ErrorPageCode::Verification)),
            ("error_default", error(ErrorPageCode::Default)),
        ]
    }

    #[test]
    fn every_page_in_every_locale_and_scheme() {
        for locale in Locale::ALL {
            for scheme in [ColorScheme::Light, ColorScheme::Dark] {
                let theme = theme(scheme);
                let ctx = PageContext {
                    theme: &theme,
                    locale,
                    site_url: SITE,
                };
                for (page, html) in all_pages(&ctx) {
                    let name = format!("{page}_{}_{}", locale.as_str(), scheme.as_str());
                    insta::assert_snapshot!(name, strip_stylesheet(html));
                }
            }
        }
    }

    #[test]
    fn sign_in_page_in_auto_scheme() {
        let theme = Theme::default();
        let ctx = PageContext {
            theme: &theme,
            locale: Locale::En,
            site_url: SITE,
        };
        insta::assert_snapshot!("signin_en_auto", strip_stylesheet(sign_in(&ctx, None)));
    }

    fn banner_codes() -> Vec<&'static str> {
        let mut codes: Vec<&str> = SignInPageCode::ALL.iter().map(|c| c.as_str()).collect();
        // Codes Auth.js shows a banner for that are not page codes, and one
        // that is no code (the default banner).
        codes.extend(["Signin", "OAuthCallbackError", "Csrf"]);
        codes
    }

    #[test]
    fn sign_in_page_with_each_banner() {
        let theme = theme(ColorScheme::Light);
        let ctx = PageContext {
            theme: &theme,
            locale: Locale::En,
            site_url: SITE,
        };
        for code in banner_codes() {
            let html = strip_stylesheet(sign_in(&ctx, Some(code)));
            insta::assert_snapshot!(format!("signin_banner_{code}"), html);
        }
    }

    #[test]
    fn banner_texts_in_every_locale() {
        let theme = Theme::default();
        for locale in Locale::ALL {
            let ctx = PageContext {
                theme: &theme,
                locale,
                site_url: SITE,
            };
            let mut table = String::new();
            for code in banner_codes() {
                let html = sign_in(&ctx, Some(code));
                let start = html.find(r#"<div class="error">"#).expect("a banner");
                let end = start + html[start..].find("</div>").expect("closed") + 6;
                table.push_str(&format!("{code}: {}\n", &html[start..end]));
            }
            insta::assert_snapshot!(format!("banners_{}", locale.as_str()), table);
        }
    }
}
