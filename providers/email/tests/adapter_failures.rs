//! Database failures on the email paths: each is logged with its code, the
//! user gets the right page, and no half-stored token stays usable. The
//! messages go to an in-memory outbox (these tests are about the engine,
//! not the transport).

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use keyway_core::model::*;
use keyway_core::{Adapter, AdapterErrorKind, Auth};
use keyway_email::{Email, OneTimeCode, VerificationMessage, send_with};
use keyway_memory::MemoryAdapter;
use keyway_testkit::support::{FaultyAdapter, LogCapture};

type Outbox = Arc<Mutex<Vec<VerificationMessage>>>;

/// The engine over a memory adapter (returned too, to prepare and inspect
/// rows) wrapped in a [`FaultyAdapter`].
fn setup(codes: bool) -> (Auth, FaultyAdapter, MemoryAdapter, Outbox) {
    let outbox: Outbox = Arc::default();
    let keep = outbox.clone();
    let mut email = Email::builder(send_with(move |m: VerificationMessage| {
        let keep = keep.clone();
        async move {
            keep.lock().expect("lock").push(m);
            Ok(())
        }
    }));
    if codes {
        email = email.one_time_code(OneTimeCode::default());
    }
    let memory = MemoryAdapter::new();
    let adapter = FaultyAdapter::new(Arc::new(memory.clone())).with_message("disk full");
    let auth = Auth::builder()
        .secret(SECRET)
        .url(ORIGIN)
        .adapter(Arc::new(adapter.clone()))
        .provider(email)
        .build()
        .expect("config");
    (auth, adapter, memory, outbox)
}

fn last(outbox: &Outbox) -> VerificationMessage {
    outbox
        .lock()
        .expect("lock")
        .last()
        .expect("a message")
        .clone()
}

fn configuration_url() -> String {
    format!("{ORIGIN}/api/auth/error?error=Configuration")
}

#[tokio::test(flavor = "current_thread")]
async fn failing_email_verified_update_is_callback_email_error() {
    let logs = LogCapture::start();
    let (auth, adapter, memory, outbox) = setup(false);
    // A user whose address was verified before (an unverified one is
    // refused before any update).
    let mut known = User::new("u-1", "known@example.com");
    known.email_verified = Some(chrono::Utc::now() - chrono::Duration::days(30));
    memory.create_user(known).await.expect("user");
    let mut b = Browser::new(auth);
    b.request_email("known@example.com", "/").await;
    adapter.fail("update_user", AdapterErrorKind::Other);
    let r = b.get(&path_of(&last(&outbox).url)).await;
    assert_eq!(r.location(), Some(configuration_url().as_str()));
    assert!(
        logs.text().contains("CALLBACK_EMAIL_ERROR"),
        "{}",
        logs.text()
    );
    assert_eq!(b.session_email().await, None);
}

#[tokio::test(flavor = "current_thread")]
async fn failing_user_creation_is_email_create_account() {
    let logs = LogCapture::start();
    let (auth, adapter, _, outbox) = setup(false);
    let mut b = Browser::new(auth);
    b.request_email("new@example.com", "/").await;
    adapter.fail("create_user", AdapterErrorKind::Other);
    let r = b.get(&path_of(&last(&outbox).url)).await;
    assert_eq!(
        r.location(),
        Some(format!("{ORIGIN}/api/auth/signin?error=EmailCreateAccount").as_str())
    );
    assert!(logs.text().contains("CREATE_USER_ERROR"), "{}", logs.text());
    let page = b.get("/api/auth/signin?error=EmailCreateAccount").await;
    assert!(
        page.body
            .contains("Try signing in with a different account")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn failing_code_lookup_is_get_verification_request_error() {
    let logs = LogCapture::start();
    let (auth, adapter, _, outbox) = setup(true);
    let mut b = Browser::new(auth);
    b.request_email("lookup@example.com", "/").await;
    let code = last(&outbox).code.expect("code");
    adapter.fail("use_verification_token", AdapterErrorKind::Other);
    let r = b.post_code("lookup@example.com", &code).await;
    assert_eq!(r.location(), Some(configuration_url().as_str()));
    assert!(
        logs.text().contains("GET_VERIFICATION_REQUEST_ERROR"),
        "{}",
        logs.text()
    );
    assert!(!logs.text().contains(&code), "the code is never logged");
}

#[tokio::test(flavor = "current_thread")]
async fn failing_attempt_count_refuses_the_code() {
    let logs = LogCapture::start();
    let (auth, adapter, _, outbox) = setup(true);
    let mut b = Browser::new(auth);
    b.request_email("count@example.com", "/").await;
    let code = last(&outbox).code.expect("code");
    adapter.fail("hit", AdapterErrorKind::Other);
    let r = b.post_code("count@example.com", &code).await;
    assert_eq!(r.location(), Some(configuration_url().as_str()));
    assert!(
        logs.text().contains("GET_VERIFICATION_REQUEST_ERROR"),
        "{}",
        logs.text()
    );
    assert_eq!(b.session_email().await, None, "no attempt without a count");
}

#[tokio::test(flavor = "current_thread")]
async fn failing_send_count_refuses_the_message() {
    let logs = LogCapture::start();
    let (auth, adapter, memory, outbox) = setup(false);
    adapter.fail("hit", AdapterErrorKind::Other);
    let mut b = Browser::new(auth);
    let r = b.request_email("limit@example.com", "/").await;
    assert_eq!(r.location(), Some(email_signin_url().as_str()));
    assert!(
        logs.text().contains("SIGNIN_EMAIL_ERROR"),
        "{}",
        logs.text()
    );
    assert_eq!(memory.verification_token_count(), 0);
    assert!(outbox.lock().expect("lock").is_empty(), "nothing sent");
}

#[tokio::test(flavor = "current_thread")]
async fn partly_stored_code_rows_are_removed_and_nothing_is_sent() {
    let logs = LogCapture::start();
    let (auth, adapter, memory, outbox) = setup(true);
    // The link row is stored, the code row fails.
    adapter.fail_after("create_verification_token", AdapterErrorKind::Other, 1);
    let mut b = Browser::new(auth);
    let r = b.request_email("partial@example.com", "/").await;
    assert_eq!(r.location(), Some(email_signin_url().as_str()));
    assert!(
        logs.text().contains("CREATE_VERIFICATION_REQUEST_ERROR"),
        "{}",
        logs.text()
    );
    assert_eq!(memory.verification_token_count(), 0);
    assert!(outbox.lock().expect("lock").is_empty(), "nothing sent");
}
