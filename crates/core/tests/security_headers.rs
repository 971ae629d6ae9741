//! The security headers of the engine's answers: every built-in page refuses
//! framing (`Content-Security-Policy: … frame-ancestors 'none'` and
//! `X-Frame-Options: DENY`) and sends no referrer; every answer that carries
//! a token or sets a cookie, and every page (pages carry the CSRF token), is
//! never stored by a cache.

mod common;

use common::{Browser, Resp, SignIn, configured};
use keyway_core::{SessionStrategy, WireMode};

const NO_STORE: &str = "private, no-cache, no-store";

#[track_caller]
fn assert_page_headers(r: &Resp, what: &str) {
    assert!(
        r.header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "{what}: {}",
        r.summary()
    );
    let csp = r.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("frame-ancestors 'none'"),
        "{what}: CSP {csp:?}"
    );
    assert!(csp.contains("default-src 'none'"), "{what}: CSP {csp:?}");
    assert!(!csp.contains("script-src"), "{what}: CSP {csp:?}");
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{what}");
    assert_eq!(r.header("cache-control"), Some(NO_STORE), "{what}");
}

#[tokio::test]
async fn every_built_in_page_refuses_framing_and_caching() {
    for mode in [WireMode::AuthJs, WireMode::NextAuthV4] {
        let (auth, _) = configured(SessionStrategy::Jwt, mode);
        let mut b = Browser::new(auth);
        for path in [
            "/api/auth/signin",
            "/api/auth/signin?error=CredentialsSignin",
            "/api/auth/signout",
            "/api/auth/verify-request",
            "/api/auth/error",
            "/api/auth/error?error=Configuration",
            "/api/auth/error?error=AccessDenied",
            "/api/auth/error?error=Verification",
        ] {
            // Once without cookies (the page sets the CSRF cookie), once
            // with them (it sets none, and is still a page with a token).
            for _ in 0..2 {
                let r = b.open(path).await;
                assert_page_headers(&r, &format!("{mode:?} {path}"));
            }
        }
    }
}

#[tokio::test]
async fn the_untrusted_host_page_refuses_framing() {
    let auth = keyway_core::Auth::builder()
        .secret(common::SECRET)
        .trusted_hosts(["app.example.com"])
        .build()
        .expect("valid config");
    let mut b = Browser::new(auth);
    b.extra_headers.push(("host".into(), "evil.example".into()));
    let r = b.open("/api/auth/signin").await;
    assert_eq!(r.status, 400);
    assert_page_headers(&r, "untrusted host");
}

#[tokio::test]
async fn answers_with_tokens_or_cookies_are_never_stored() {
    for strategy in [SessionStrategy::Jwt, SessionStrategy::Database] {
        let (auth, _) = configured(strategy, WireMode::AuthJs);
        let mut b = Browser::new(auth);
        // The CSRF token and its cookie.
        let r = b.get("/api/auth/csrf").await;
        assert!(!r.set_cookies().is_empty());
        assert_eq!(r.header("cache-control"), Some(NO_STORE), "csrf");
        // A sign-in: a redirect that sets the session cookie.
        let r = b.sign_in("wonderland").await;
        assert_eq!(r.status, 302);
        assert!(r.set_cookie("authjs.session-token").is_some());
        assert_eq!(r.header("cache-control"), Some(NO_STORE), "sign-in");
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
        assert!(r.header("content-security-policy").is_none());
        // The session, and its update (which rolls the cookie).
        let r = b.get("/api/auth/session").await;
        assert_eq!(r.header("cache-control"), Some(NO_STORE), "session");
        let r = b
            .update_session(serde_json::json!({ "name": "Alice" }))
            .await;
        assert_eq!(r.status, 200);
        assert!(r.set_cookie("authjs.session-token").is_some());
        assert_eq!(r.header("cache-control"), Some(NO_STORE), "update");
        // A sign-out clears the cookie.
        let csrf = b.csrf().await;
        let r = b
            .post_form("/api/auth/signout", &[("csrfToken", csrf.as_str())])
            .await;
        assert_eq!(r.status, 302);
        assert!(!r.set_cookies().is_empty());
        assert_eq!(r.header("cache-control"), Some(NO_STORE), "sign-out");
    }
}

#[tokio::test]
async fn plain_json_answers_stay_cacheable() {
    let (auth, _) = configured(SessionStrategy::Jwt, WireMode::AuthJs);
    let mut b = Browser::new(auth);
    let r = b.get("/api/auth/providers").await;
    assert_eq!(r.status, 200);
    assert!(r.set_cookies().is_empty());
    assert_eq!(r.header("cache-control"), None);
    assert!(r.header("content-security-policy").is_none());
    assert!(r.header("x-frame-options").is_none());
}
