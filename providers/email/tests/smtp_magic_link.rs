//! Magic links over a real SMTP server (the sink of `cargo xtask services`):
//! the delivered message is read back, its link followed through
//! `Auth::handle`, and the result checked.

mod common;

use std::time::Duration;

use common::*;
use keyway_core::User;
use keyway_email::{Email, SmtpConfig, SmtpSecurity};
use keyway_memory::MemoryAdapter;
use keyway_testkit::support::LogCapture;

#[tokio::test]
async fn delivered_link_signs_in_once_then_verification() {
    let Some(sink) = sink("delivered_link_signs_in_once_then_verification") else {
        return;
    };
    let memory = MemoryAdapter::new();
    let email = Email::builder(plain_smtp().build().expect("smtp")).build();
    let mut b = Browser::new(auth(email, &memory));
    let address = unique_address("link");

    let r = b
        .request_email(&format!("  {}  ", address.to_uppercase()), "/inbox")
        .await;
    assert_eq!(
        r.location(),
        Some(format!("{ORIGIN}/api/auth/verify-request?provider=email&type=email").as_str())
    );
    let mail = sink.wait_for(&address, 1).await.remove(0);
    assert_eq!(mail.header("Subject"), Some("Sign in to 127.0.0.1:3000"));
    assert_eq!(mail.header("To"), Some(address.as_str()));
    assert!(
        mail.header("From")
            .is_some_and(|f| f.contains("no-reply@keyway.test"))
    );
    assert!(
        mail.text.starts_with("Sign in to 127.0.0.1:3000\n")
            || mail.text.starts_with("Sign in to 127.0.0.1:3000\r\n")
    );
    let link = mail.link();
    assert!(link.starts_with(&format!("{ORIGIN}/api/auth/callback/email?callbackUrl=")));
    assert!(
        mail.html.contains("127&#8203;.0&#8203;.0&#8203;.1:3000"),
        "{}",
        mail.html
    );
    assert!(
        mail.html.contains(&link.replace('&', "&amp;")),
        "the HTML button carries the same link"
    );
    assert!(mail.code().is_none(), "no code unless asked for");
    assert_eq!(memory.verification_token_count(), 1);

    let r = b.get(&path_of(&link)).await;
    assert_eq!(r.location(), Some(format!("{ORIGIN}/inbox").as_str()));
    assert_eq!(b.session_email().await.as_deref(), Some(address.as_str()));
    assert_eq!(memory.user_count(), 1);
    assert_eq!(memory.verification_token_count(), 0, "used up");

    // Second click, from any browser: Verification, a 403 page.
    let mut other = Browser::new(b.app.clone());
    let r = other.get(&path_of(&link)).await;
    assert_eq!(r.location(), Some(verification_url().as_str()));
    let page = other.get("/api/auth/error?error=Verification").await;
    assert_eq!(page.status, 403);
    assert_eq!(other.session_email().await, None);
}

#[tokio::test]
async fn existing_user_gets_email_verified_refreshed() {
    let Some(sink) = sink("existing_user_gets_email_verified_refreshed") else {
        return;
    };
    let memory = MemoryAdapter::new();
    let address = unique_address("known");
    // Verified a month ago (an address never verified is refused: see
    // keyway-core's account_safety tests).
    let verified_before = chrono::Utc::now() - chrono::Duration::days(30);
    let mut known = User::new("u-1", address.clone());
    known.email_verified = Some(verified_before);
    keyway_core::Adapter::create_user(&memory, known)
        .await
        .expect("user");
    let email = Email::builder(plain_smtp().build().expect("smtp")).build();
    let mut b = Browser::new(auth(email, &memory));
    b.request_email(&address, "/").await;
    let link = sink.wait_for(&address, 1).await.remove(0).link();
    b.get(&path_of(&link)).await;
    assert_eq!(b.session_email().await.as_deref(), Some(address.as_str()));
    assert_eq!(memory.user_count(), 1, "no second user");
    let stored = memory.stored_user("u-1").expect("still there");
    assert!(
        stored.email_verified.is_some_and(|t| t > verified_before),
        "email_verified refreshed"
    );
}

#[tokio::test]
async fn expired_link_is_verification() {
    let Some(sink) = sink("expired_link_is_verification") else {
        return;
    };
    let memory = MemoryAdapter::new();
    let email = Email::builder(plain_smtp().build().expect("smtp"))
        .max_age(Duration::from_secs(1))
        .build();
    let mut b = Browser::new(auth(email, &memory));
    let address = unique_address("expired");
    b.request_email(&address, "/").await;
    let link = sink.wait_for(&address, 1).await.remove(0).link();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let r = b.get(&path_of(&link)).await;
    assert_eq!(r.location(), Some(verification_url().as_str()));
    assert_eq!(
        b.get("/api/auth/error?error=Verification").await.status,
        403
    );
    assert_eq!(b.session_email().await, None);
    assert_eq!(memory.user_count(), 0);
}

#[tokio::test(flavor = "current_thread")]
async fn stopped_server_is_email_signin_and_leaves_no_token() {
    // Needs no sink: nothing listens on the port.
    let logs = LogCapture::start();
    let memory = MemoryAdapter::new();
    let config = SmtpConfig::new("127.0.0.1", FROM)
        .port(closed_port())
        .security(SmtpSecurity::Plain)
        .timeout(Duration::from_secs(5));
    let email = Email::builder(config.build().expect("smtp"))
        .one_time_code(keyway_email::OneTimeCode::default())
        .build();
    let mut b = Browser::new(auth(email, &memory));
    let r = b.request_email("nobody-home@example.com", "/").await;
    assert_eq!(r.location(), Some(email_signin_url().as_str()));
    assert!(
        r.set_cookie("authjs.email-code").is_none(),
        "no pending code"
    );
    let text = logs.text();
    assert!(text.contains("SEND_VERIFICATION_EMAIL_ERROR"), "{text}");
    assert!(
        text.contains("SMTP server 127.0.0.1:"),
        "the cause names the server: {text}"
    );
    assert_eq!(
        memory.verification_token_count(),
        0,
        "neither the link nor the code rows survive a failed send"
    );
    let page = b.get("/api/auth/signin?error=EmailSignin").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("could not be sent"), "{}", page.body);
}

#[tokio::test]
async fn starttls_and_implicit_tls_with_auth_deliver() {
    let Some(sink) = sink("starttls_and_implicit_tls_with_auth_deliver") else {
        return;
    };
    for (scheme, port, listener) in [
        ("smtp", STARTTLS_PORT, "starttls"),
        ("smtps", TLS_PORT, "tls"),
    ] {
        let url = format!("{scheme}://{SINK_USER}:{SINK_PASSWORD}@localhost:{port}");
        let config = SmtpConfig::from_url(&url, FROM)
            .expect("url")
            .add_root_certificate_pem(sink.ca_pem());
        let memory = MemoryAdapter::new();
        let email = Email::builder(config.build().expect("smtp")).build();
        let mut b = Browser::new(auth(email, &memory));
        let address = unique_address(listener);
        let r = b.request_email(&address, "/").await;
        assert!(
            r.location().is_some_and(|l| l.contains("/verify-request")),
            "{url}: {:?}",
            r.location()
        );
        let mail = sink.wait_for(&address, 1).await.remove(0);
        assert_eq!(mail.header("X-Sink-Listener"), Some(listener));
        assert_eq!(mail.header("X-Sink-TLS"), Some("yes"));
        assert_eq!(mail.header("X-Sink-Auth"), Some(SINK_USER));
        b.get(&path_of(&mail.link())).await;
        assert_eq!(b.session_email().await.as_deref(), Some(address.as_str()));
    }
}

#[tokio::test(flavor = "current_thread")]
async fn refused_login_and_untrusted_certificate_are_email_signin() {
    let Some(sink) = sink("refused_login_and_untrusted_certificate_are_email_signin") else {
        return;
    };
    let wrong_password = SmtpConfig::from_url(
        &format!("smtps://{SINK_USER}:wrong@localhost:{TLS_PORT}"),
        FROM,
    )
    .expect("url")
    .add_root_certificate_pem(sink.ca_pem())
    .timeout(Duration::from_secs(5));
    // The test CA is not trusted: the TLS handshake must fail, and nothing
    // (not even the password) is sent.
    let untrusted = SmtpConfig::from_url(
        &format!("smtp://{SINK_USER}:{SINK_PASSWORD}@localhost:{STARTTLS_PORT}"),
        FROM,
    )
    .expect("url")
    .timeout(Duration::from_secs(5));
    for config in [wrong_password, untrusted] {
        let logs = LogCapture::start();
        let memory = MemoryAdapter::new();
        let email = Email::builder(config.build().expect("smtp")).build();
        let mut b = Browser::new(auth(email, &memory));
        let address = unique_address("refused");
        let r = b.request_email(&address, "/").await;
        assert_eq!(r.location(), Some(email_signin_url().as_str()));
        assert!(logs.text().contains("SEND_VERIFICATION_EMAIL_ERROR"));
        assert!(!logs.text().contains(SINK_PASSWORD), "no password in logs");
        assert_eq!(memory.verification_token_count(), 0);
        assert!(sink.messages_to(&address).is_empty());
    }
}

#[tokio::test(flavor = "current_thread")]
async fn stalled_server_times_out_as_email_signin() {
    // Needs no sink: a listener that accepts and then never says a word.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let logs = LogCapture::start();
    let memory = MemoryAdapter::new();
    let config = SmtpConfig::new("127.0.0.1", FROM)
        .port(port)
        .security(SmtpSecurity::Plain)
        .timeout(Duration::from_secs(1));
    let mut b = Browser::new(auth(
        Email::builder(config.build().expect("smtp")).build(),
        &memory,
    ));
    let started = std::time::Instant::now();
    let r = b.request_email("stalled@example.com", "/").await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(r.location(), Some(email_signin_url().as_str()));
    assert!(logs.text().contains("no answer within"), "{}", logs.text());
    assert_eq!(memory.verification_token_count(), 0);
    held.abort();
}
