//! The demo in a real headless browser (chromium through chromedriver), one
//! journey per sign-in method, each from the protected page through
//! keyway's built-in sign-in page and back, with a screenshot per step in
//! `test-output/<demo package>-browser/<journey>/` at the workspace root:
//!
//! - credentials: the demo user's username and password, sign-out, a wrong
//!   password;
//! - OpenID Connect: the button on the sign-in page, the local OpenID
//!   provider of `cargo xtask services` (127.0.0.1:4700, automatic login as
//!   alice), back on the protected page;
//! - email: the address typed on the sign-in page, the message read from
//!   the SMTP sink of `cargo xtask services`, its link followed; then the
//!   one-time code of a second message typed on the "check your email"
//!   page.
//!
//! Without chromium, chromedriver or a needed service a test is skipped
//! with a notice, unless `KEYWAY_REQUIRE_SERVICES=1` (as in CI), where it
//! fails: `cargo xtask services` installs and starts them all.

use super::browser::{Browser, Session};
use super::sink::{self, sink};
use super::{DemoBinary, OIDC_PORT};
use crate::{OIDC_ID, OIDC_NAME};

/// The local OpenID provider of `cargo xtask services` and its test client.
const OIDC_CLIENT: &str = "keyway-basic";
const OIDC_SECRET: &str = "keyway-basic-secret";

/// From the home page, the protected page sends the browser to keyway's
/// sign-in page, to come back to it.
async fn to_sign_in_page(b: &mut Browser) {
    b.goto("/").await;
    assert_eq!(b.text("#status").await, "Not signed in.");
    b.screenshot("home-signed-out").await;
    b.click("main a[href='/protected']").await;
    let url = b
        .wait_for_path("the sign-in page", "/api/auth/signin")
        .await;
    let callback = url
        .query_pairs()
        .find(|(k, _)| k == "callbackUrl")
        .map(|(_, v)| v.into_owned());
    assert_eq!(callback, Some(format!("{}/protected", b.site)));
    b.screenshot("sign-in-page").await;
}

/// Fills the built-in page's credentials form and presses its button.
async fn sign_in_with_password(b: &Browser, username: &str, password: &str) {
    let form = "form[action$='/api/auth/callback/credentials']";
    b.fill(&format!("{form} input[name='username']"), username)
        .await;
    b.fill(&format!("{form} input[name='password']"), password)
        .await;
    b.click(&format!("{form} button[type='submit']")).await;
}

async fn credentials_journey(b: &mut Browser) {
    to_sign_in_page(b).await;

    // Sign in on keyway's built-in page and land on the protected page.
    sign_in_with_password(b, "alice", "wonderland").await;
    b.wait_for_path("the protected page", "/protected").await;
    let status = b.text("#status").await;
    assert!(
        status.contains("Welcome, alice (alice@example.com)"),
        "{status}"
    );
    b.screenshot("protected-page").await;

    b.sign_out().await;
    b.goto("/protected").await;
    b.wait_for_path("the sign-in page again", "/api/auth/signin")
        .await;

    // A wrong password: back on the sign-in page with the message.
    sign_in_with_password(b, "alice", "not-the-password").await;
    let url = b
        .wait_for_url("the sign-in page with an error", |u| {
            u.query_pairs()
                .any(|(k, v)| k == "error" && v == "CredentialsSignin")
        })
        .await;
    assert_eq!(url.path(), "/api/auth/signin", "{url}");
    let page = b.text("body").await;
    assert!(
        page.contains("Sign in failed. Check the details you provided are correct."),
        "{page}"
    );
    b.screenshot("wrong-password").await;
    b.goto("/").await;
    assert_eq!(b.text("#status").await, "Not signed in.");
}

pub async fn sign_in_and_out_in_a_real_browser(bin: DemoBinary) {
    let test = "sign_in_and_out_in_a_real_browser";
    let Some(mut session) = Session::start(bin, test, "credentials", &[]).await else {
        return;
    };
    credentials_journey(&mut session.browser).await;
    session.finish().await;
}

pub async fn sign_in_through_the_local_openid_provider(bin: DemoBinary) {
    let test = "sign_in_through_the_local_openid_provider";
    if !super::openid_provider_up(test) {
        return;
    }
    let issuer = format!("http://127.0.0.1:{OIDC_PORT}");
    let env = [
        ("AUTH_OIDC_ISSUER", issuer.as_str()),
        ("AUTH_OIDC_ID", OIDC_CLIENT),
        ("AUTH_OIDC_SECRET", OIDC_SECRET),
    ];
    let Some(mut session) = Session::start(bin, test, "oidc", &env).await else {
        return;
    };
    let b = &mut session.browser;
    to_sign_in_page(b).await;

    // The provider's button; the provider logs alice in and consents on its
    // own, and sends the browser back to the protected page.
    let button = format!("form[action$='/api/auth/signin/{OIDC_ID}'] button");
    assert_eq!(b.text(&button).await, format!("Sign in with {OIDC_NAME}"));
    b.click(&button).await;
    b.wait_for_path("the protected page", "/protected").await;
    let status = b.text("#status").await;
    assert!(
        status.contains("Welcome, Alice Liddell (alice@example.com)"),
        "{status}"
    );
    b.screenshot("protected-page").await;
    b.goto("/").await;
    assert!(
        b.text("#status")
            .await
            .contains("Signed in as Alice Liddell"),
        "the home page sees the session"
    );

    b.sign_out().await;
    // Signed out for real: the protected page asks to sign in again.
    b.goto("/protected").await;
    b.wait_for_path("the sign-in page again", "/api/auth/signin")
        .await;
    session.finish().await;
}

pub async fn sign_in_by_email_in_a_real_browser(bin: DemoBinary) {
    let test = "sign_in_by_email_in_a_real_browser";
    let Some(sink) = sink(test) else {
        return;
    };
    let server = sink.url();
    let env = [("EMAIL_SERVER", server.as_str())];
    let Some(mut session) = Session::start(bin, test, "email", &env).await else {
        return;
    };
    let b = &mut session.browser;
    // Its own address, so that other tests' mail in the sink never counts.
    let address = format!("browser-{}@example.com", keyway::random::hex(6));
    let form = "form[action$='/api/auth/signin/email']";

    // 1. Type the address on the sign-in page: "check your email".
    to_sign_in_page(b).await;
    b.fill(&format!("{form} input[name='email']"), &address)
        .await;
    b.screenshot("address-typed").await;
    b.click(&format!("{form} button")).await;
    b.wait_for_path("the verify-request page", "/api/auth/verify-request")
        .await;
    assert!(b.text("body").await.contains("Check your email"));
    b.screenshot("check-your-email").await;

    // 2. The message's link signs in and leads to the protected page.
    let text = sink.wait_for(&address, 1).await;
    let link = sink::link(&text, &b.site);
    assert!(
        link.starts_with(&format!("{}/api/auth/callback/email?", b.site)),
        "{link}"
    );
    b.client.goto(&link).await.unwrap();
    b.wait_for_path("the protected page", "/protected").await;
    let status = b.text("#status").await;
    assert!(status.contains(&format!("Welcome, {address}")), "{status}");
    b.screenshot("protected-page-by-link").await;
    b.sign_out().await;

    // 3. Again, this time with the one-time code of the second message,
    // typed on the "check your email" page.
    to_sign_in_page(b).await;
    b.fill(&format!("{form} input[name='email']"), &address)
        .await;
    b.click(&format!("{form} button")).await;
    b.wait_for_path("the verify-request page", "/api/auth/verify-request")
        .await;
    let code = sink::code(&sink.wait_for(&address, 2).await);
    b.fill("form.code-form input[name='code']", &code).await;
    b.screenshot("code-typed").await;
    b.click("form.code-form button").await;
    b.wait_for_path("the protected page", "/protected").await;
    let status = b.text("#status").await;
    assert!(status.contains(&format!("Welcome, {address}")), "{status}");
    b.screenshot("protected-page-by-code").await;
    b.sign_out().await;
    session.finish().await;
}
