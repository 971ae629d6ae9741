//! A failed CSRF check on the wire: Auth.js v5's `?error=MissingCSRF` in
//! the Auth.js mode (with its banner on the built-in sign-in page, in every
//! language), next-auth v4's `?csrf=true` in the v4 mode.

mod common;

use common::{Browser, assert_redirected, builder, configured};
use keyway_core::pages::Locale;
use keyway_core::{Pages, SessionStrategy, WireMode};

const BANNERS: [(&str, &str); 3] = [
    (
        "en",
        "The form was sent without its security token, perhaps because the page was open too long or cookies are blocked. Please try again.",
    ),
    (
        "ko",
        "보안 토큰 없이 양식이 전송되었습니다. 페이지를 너무 오래 열어 두었거나 쿠키가 차단되었을 수 있습니다. 다시 시도하세요.",
    ),
    (
        "ja",
        "フォームがセキュリティトークンなしで送信されました。ページを長く開いたままにしていたか、Cookie がブロックされている可能性があります。もう一度お試しください。",
    ),
];

#[tokio::test]
async fn auth_js_mode_sends_missing_csrf_and_the_page_explains_it() {
    for (language, banner) in BANNERS {
        let (auth, _) = configured(SessionStrategy::Jwt, WireMode::AuthJs);
        let mut b = Browser::new(auth);
        b.extra_headers
            .push(("accept-language".into(), language.into()));
        b.csrf().await;
        let r = b
            .post_form(
                "/api/auth/callback/credentials",
                &[("username", "alice"), ("password", "wonderland")],
            )
            .await;
        assert_redirected(&r, "/api/auth/signin?error=MissingCSRF");
        assert!(b.cookie("authjs.session-token").is_none());

        let page = b.open("/api/auth/signin?error=MissingCSRF").await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains(banner),
            "{language}: no MissingCSRF banner in\n{}",
            page.body
        );
    }
}

#[tokio::test]
async fn auth_js_mode_answers_json_clients_with_the_code() {
    let (auth, _) = configured(SessionStrategy::Jwt, WireMode::AuthJs);
    let mut b = Browser::new(auth);
    b.csrf().await;
    b.extra_headers
        .push(("x-auth-return-redirect".into(), "1".into()));
    let r = b
        .post_form("/api/auth/signout", &[("csrfToken", "forged")])
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["url"],
        format!("{}/api/auth/signin?error=MissingCSRF", common::ORIGIN)
    );
}

#[tokio::test]
async fn auth_js_mode_sends_the_code_to_a_custom_sign_in_page() {
    let auth = builder()
        .pages(Pages {
            sign_in: Some("/login".into()),
            ..Pages::default()
        })
        .build()
        .expect("valid config");
    let mut b = Browser::new(auth);
    b.csrf().await;
    let r = b.post_form("/api/auth/signin/credentials", &[]).await;
    assert_redirected(&r, "/login?error=MissingCSRF");
}

#[tokio::test]
async fn next_auth_v4_mode_keeps_csrf_true_and_knows_no_missing_csrf() {
    for strategy in [SessionStrategy::Jwt, SessionStrategy::Database] {
        let (auth, _) = configured(strategy, WireMode::NextAuthV4);
        let mut b = Browser::new(auth);
        b.csrf().await;
        let r = b
            .post_form(
                "/api/auth/callback/credentials",
                &[("username", "alice"), ("password", "wonderland")],
            )
            .await;
        assert_redirected(&r, "/api/auth/signin?csrf=true");
        let r = b.post_form("/api/auth/signout", &[]).await;
        assert_redirected(&r, "/api/auth/signout?csrf=true");
        assert!(b.cookie("next-auth.session-token").is_none());
        // v4's error route forwards its own sign-in codes to the sign-in
        // page, but MissingCSRF is not one of them.
        let r = b.open("/api/auth/error?error=MissingCSRF").await;
        assert_eq!(r.status, 200);
        assert!(r.location().is_none(), "{}", r.summary());
        let r = b.open("/api/auth/error?error=OAuthSignin").await;
        assert_redirected(&r, "/api/auth/signin?error=OAuthSignin");
    }
}

#[tokio::test]
async fn unknown_codes_show_default() {
    let auth = builder().locale(Locale::En).build().expect("valid config");
    let mut b = Browser::new(auth);
    // A code in the wrong case is not the code: the default banner.
    let page = b.open("/api/auth/signin?error=missingcsrf").await;
    assert!(page.body.contains("Unable to sign in."), "{}", page.body);
    assert!(!page.body.contains("security token"), "{}", page.body);
    // And on the error page, status 200 with the Default heading.
    let page = b.open("/api/auth/error?error=%3Cscript%3E").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<h1>Error</h1>"), "{}", page.body);
    assert!(!page.body.contains("<script>"), "{}", page.body);
    let text = keyway_core::SignInPageCode::Default.as_str();
    assert_eq!(
        keyway_core::SignInPageCode::from_query("missingcsrf").as_str(),
        text
    );
    assert_eq!(
        keyway_core::ErrorPageCode::from_query("<script>"),
        keyway_core::ErrorPageCode::Default
    );
}
