//! One-time codes over a real SMTP server: the code is read from the
//! delivered message and typed on the verify-request page.

mod common;

use common::*;
use keyway_email::{Email, OneTimeCode};
use keyway_memory::MemoryAdapter;

const CODE_COOKIE: &str = "authjs.email-code";

fn code_auth(memory: &MemoryAdapter, attempts: u8) -> keyway_core::Auth {
    let email = Email::builder(plain_smtp().build().expect("smtp"))
        .one_time_code(OneTimeCode {
            max_attempts: attempts,
            ..OneTimeCode::default()
        })
        .build();
    auth(email, memory)
}

/// A code that differs from `code` in every digit.
fn wrong(code: &str) -> String {
    code.bytes()
        .map(|b| char::from(b'0' + (b - b'0' + 1) % 10))
        .collect()
}

#[tokio::test]
async fn code_typed_on_the_verify_request_page_signs_in_once() {
    let Some(sink) = sink("code_typed_on_the_verify_request_page_signs_in_once") else {
        return;
    };
    let memory = MemoryAdapter::new();
    let mut b = Browser::new(code_auth(&memory, 5));
    let address = unique_address("code");
    let r = b.request_email(&address, "/after-code").await;
    let page_url = r.location().expect("redirect").to_owned();
    let cookie = r.set_cookie(CODE_COOKIE).expect("pending-code cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("Max-Age=600"), "{cookie}");
    assert!(
        !cookie.contains(&address),
        "the address is sealed: {cookie}"
    );
    assert_eq!(
        memory.verification_token_count(),
        2,
        "the link and the code (attempts are counted, not stored as rows)"
    );

    // The verify-request page shows the form for this browser only.
    let page = b.get(&path_of(&page_url)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"input-code\""), "{}", page.body);
    assert!(page.body.contains("autocomplete=\"one-time-code\""));
    assert!(page.body.contains(&format!("value=\"{address}\"")));
    assert!(
        page.body
            .contains("action=\"http://127.0.0.1:3000/api/auth/callback/email\"")
    );
    let mut stranger = Browser::new(b.app.clone());
    let page = stranger.get(&path_of(&page_url)).await;
    assert!(
        !page.body.contains("id=\"input-code\""),
        "no pending code, no form"
    );

    let mail = sink.wait_for(&address, 1).await.remove(0);
    let code = mail.code().expect("a code in the text part");
    assert_eq!(code.len(), 8);
    assert!(code.bytes().all(|c| c.is_ascii_digit()));
    assert!(
        mail.html.contains(&format!("<strong>{code}</strong>")),
        "{}",
        mail.html
    );
    assert!(
        memory.stored_verification_token(&address, &code).is_none(),
        "the plain code is never stored"
    );

    let r = b.post_code(&address, &code).await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/after-code").as_str()));
    assert!(
        r.set_cookie(CODE_COOKIE)
            .is_some_and(|c| c.contains("Max-Age=0")),
        "the pending cookie is cleared"
    );
    assert_eq!(b.session_email().await.as_deref(), Some(address.as_str()));
    assert_eq!(
        memory.verification_token_count(),
        0,
        "the code and the link are both used up"
    );

    // Single use: the code again, and the link sent with it, are refused.
    let r = b.post_code(&address, &code).await;
    assert_eq!(r.location(), Some(verification_url().as_str()));
    let r = stranger.get(&path_of(&mail.link())).await;
    assert_eq!(r.location(), Some(verification_url().as_str()));
}

#[tokio::test]
async fn wrong_codes_are_limited_and_cookies_do_not_reset_the_count() {
    let Some(sink) = sink("wrong_codes_are_limited_and_cookies_do_not_reset_the_count") else {
        return;
    };
    let memory = MemoryAdapter::new();
    let mut b = Browser::new(code_auth(&memory, 3));
    let address = unique_address("guess");
    b.request_email(&address, "/").await;
    let pending = b.jar.get(CODE_COOKIE).expect("cookie").clone();
    let code = sink.first_code(&address).await;

    // Two wrong guesses, then a replay of the original cookie from another
    // browser (as if the attacker cleared and restored cookies): one attempt
    // left, which the third wrong guess uses.
    for _ in 0..2 {
        let r = b.post_code(&address, &wrong(&code)).await;
        assert_eq!(r.location(), Some(verification_url().as_str()));
    }
    let mut replay = Browser::new(b.app.clone());
    replay.jar.insert(CODE_COOKIE.into(), pending);
    let r = replay.post_code(&address, &wrong(&code)).await;
    assert_eq!(r.location(), Some(verification_url().as_str()));
    // Now even the right code is refused, in either browser.
    for browser in [&mut b, &mut replay] {
        let r = browser.post_code(&address, &code).await;
        assert_eq!(r.location(), Some(verification_url().as_str()));
        assert_eq!(browser.session_email().await, None);
    }
    assert_eq!(memory.user_count(), 0);
}

#[tokio::test]
async fn right_code_after_wrong_ones_still_works_within_the_limit() {
    let Some(sink) = sink("right_code_after_wrong_ones_still_works_within_the_limit") else {
        return;
    };
    let memory = MemoryAdapter::new();
    let mut b = Browser::new(code_auth(&memory, 3));
    let address = unique_address("typo");
    b.request_email(&address, "/").await;
    let code = sink.first_code(&address).await;
    for _ in 0..2 {
        b.post_code(&address, &wrong(&code)).await;
    }
    // Typed with spaces, as people copy codes: still accepted.
    let spaced = format!("{} {}", &code[..4], &code[4..]);
    let r = b.post_code(&address, &spaced).await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/").as_str()));
    assert_eq!(b.session_email().await.as_deref(), Some(address.as_str()));
}

#[tokio::test]
async fn code_needs_the_requesting_browser_csrf_and_the_same_address() {
    let Some(sink) = sink("code_needs_the_requesting_browser_csrf_and_the_same_address") else {
        return;
    };
    let memory = MemoryAdapter::new();
    let mut b = Browser::new(code_auth(&memory, 5));
    let address = unique_address("bound");
    b.request_email(&address, "/").await;
    let code = sink.first_code(&address).await;

    // Another browser with the right address and code: no pending cookie.
    let mut other = Browser::new(b.app.clone());
    let r = other.post_code(&address, &code).await;
    assert_eq!(r.location(), Some(verification_url().as_str()));

    // No CSRF token: refused before any attempt is counted.
    let r = b
        .post_form(
            "/api/auth/callback/email",
            &[("email", address.as_str()), ("code", code.as_str())],
        )
        .await;
    assert!(
        r.location().is_some_and(|l| l.contains("/api/auth/signin")),
        "{:?}",
        r.location()
    );
    assert_eq!(memory.verification_token_count(), 2, "nothing used");
    assert_eq!(
        memory.counter_count(),
        1,
        "only the send is counted, no attempt"
    );

    // Another address than the one the code went to.
    let r = b.post_code(&unique_address("someone-else"), &code).await;
    assert_eq!(r.location(), Some(verification_url().as_str()));
    // Malformed codes are refused without using an attempt.
    for bad in ["", "12", "abcdefgh", "123456789"] {
        let r = b.post_code(&address, bad).await;
        assert_eq!(r.location(), Some(verification_url().as_str()), "{bad:?}");
    }
    assert_eq!(memory.verification_token_count(), 2);
    assert_eq!(memory.counter_count(), 1, "still no attempt counted");

    let r = b.post_code(&address, &code).await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/").as_str()));
    assert_eq!(b.session_email().await.as_deref(), Some(address.as_str()));
}

#[tokio::test]
async fn following_the_link_retires_the_code() {
    let Some(sink) = sink("following_the_link_retires_the_code") else {
        return;
    };
    let memory = MemoryAdapter::new();
    let mut b = Browser::new(code_auth(&memory, 5));
    let address = unique_address("link-first");
    b.request_email(&address, "/").await;
    let mail = sink.wait_for(&address, 1).await.remove(0);
    let code = mail.code().expect("code");

    let mut phone = Browser::new(b.app.clone());
    phone.get(&path_of(&mail.link())).await;
    assert_eq!(
        phone.session_email().await.as_deref(),
        Some(address.as_str())
    );

    let r = b.post_code(&address, &code).await;
    assert_eq!(r.location(), Some(verification_url().as_str()));
    assert_eq!(b.session_email().await, None);
}

#[tokio::test]
async fn providers_without_codes_refuse_code_posts() {
    let Some(sink) = sink("providers_without_codes_refuse_code_posts") else {
        return;
    };
    let memory = MemoryAdapter::new();
    let email = Email::builder(plain_smtp().build().expect("smtp")).build();
    let mut b = Browser::new(auth(email, &memory));
    let address = unique_address("no-code");
    let r = b.request_email(&address, "/").await;
    assert!(r.set_cookie(CODE_COOKIE).is_none());
    let page = b.get(&path_of(r.location().expect("redirect"))).await;
    assert!(!page.body.contains("id=\"input-code\""), "{}", page.body);
    assert!(sink.wait_for(&address, 1).await[0].code().is_none());
    let r = b.post_code(&address, "12345678").await;
    assert_eq!(
        r.location(),
        Some(format!("{ORIGIN}/api/auth/error?error=Configuration").as_str())
    );
}
