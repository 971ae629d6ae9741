//! The per-address send limit, over a real SMTP server: messages past the
//! limit are refused with the EmailSignin page, logged, and never sent.

mod common;

use std::time::Duration;

use common::*;
use keyway_email::{Email, OneTimeCode, SendLimit};
use keyway_memory::MemoryAdapter;
use keyway_testkit::support::LogCapture;

#[tokio::test(flavor = "current_thread")]
async fn third_message_to_one_address_is_refused_and_logged() {
    let Some(sink) = sink("third_message_to_one_address_is_refused_and_logged") else {
        return;
    };
    let logs = LogCapture::start();
    let memory = MemoryAdapter::new();
    let email = Email::builder(plain_smtp().build().expect("smtp"))
        .send_limit(SendLimit::new(2, Duration::from_secs(3600)))
        .build();
    let mut b = Browser::new(auth(email, &memory));
    let address = unique_address("flood");

    // Spellings of one address count together (the identifier is normalised).
    for spelling in [address.clone(), format!(" {} ", address.to_uppercase())] {
        let r = b.request_email(&spelling, "/").await;
        assert!(
            r.location().is_some_and(|l| l.contains("/verify-request")),
            "{:?}",
            r.location()
        );
    }
    sink.wait_for(&address, 2).await;
    assert_eq!(memory.verification_token_count(), 2);

    let r = b.request_email(&address, "/").await;
    assert_eq!(r.location(), Some(email_signin_url().as_str()));
    let text = logs.text();
    assert!(text.contains("SIGNIN_EMAIL_ERROR"), "{text}");
    assert!(text.contains("send limit reached"), "{text}");
    assert!(
        !text.contains(&address),
        "the address is not logged: {text}"
    );
    assert_eq!(
        memory.verification_token_count(),
        2,
        "no token for a refused message"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.messages_to(&address).len(), 2, "nothing more was sent");

    // Other addresses are not affected.
    let other = unique_address("neighbour");
    let r = b.request_email(&other, "/").await;
    assert!(r.location().is_some_and(|l| l.contains("/verify-request")));
    sink.wait_for(&other, 1).await;

    // Earlier links still work.
    let link = sink.messages_to(&address)[0].link();
    b.get(&path_of(&link)).await;
    assert_eq!(b.session_email().await.as_deref(), Some(address.as_str()));
}

#[tokio::test]
async fn limit_window_ends() {
    let Some(sink) = sink("limit_window_ends") else {
        return;
    };
    let memory = MemoryAdapter::new();
    let email = Email::builder(plain_smtp().build().expect("smtp"))
        .one_time_code(OneTimeCode::default())
        .send_limit(SendLimit::new(1, Duration::from_secs(1)))
        .build();
    let mut b = Browser::new(auth(email, &memory));
    let address = unique_address("slide");
    let ok = |r: &Resp| r.location().is_some_and(|l| l.contains("/verify-request"));
    assert!(ok(&b.request_email(&address, "/").await));
    assert!(!ok(&b.request_email(&address, "/").await));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(ok(&b.request_email(&address, "/").await));
    let mails = sink.wait_for(&address, 2).await;
    // Each message has its own code.
    assert_ne!(mails[0].code(), mails[1].code());
}

#[tokio::test]
async fn no_send_limit_sends_every_time() {
    let Some(sink) = sink("no_send_limit_sends_every_time") else {
        return;
    };
    let memory = MemoryAdapter::new();
    let email = Email::builder(plain_smtp().build().expect("smtp"))
        .no_send_limit()
        .build();
    let mut b = Browser::new(auth(email, &memory));
    let address = unique_address("unlimited");
    for _ in 0..7 {
        let r = b.request_email(&address, "/").await;
        assert!(r.location().is_some_and(|l| l.contains("/verify-request")));
    }
    assert_eq!(sink.wait_for(&address, 7).await.len(), 7);
}
