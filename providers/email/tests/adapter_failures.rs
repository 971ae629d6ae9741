//! Database failures on the email paths: each is logged with its code, the
//! user gets the right page, and no half-stored token stays usable. The
//! messages go to an in-memory outbox (these tests are about the engine,
//! not the transport).

mod common;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use common::*;
use keyway_core::adapter::AdapterResult;
use keyway_core::model::*;
use keyway_core::{Adapter, AdapterError, AdapterErrorKind, Auth};
use keyway_email::{Email, OneTimeCode, VerificationMessage, send_with};
use keyway_memory::MemoryAdapter;

/// A memory adapter whose operation `op` fails once it has succeeded
/// `after` more times.
#[derive(Clone, Default)]
struct Failing {
    inner: MemoryAdapter,
    rule: Arc<Mutex<Option<(&'static str, usize)>>>,
}

impl Failing {
    fn fail(&self, op: &'static str, after: usize) {
        *self.rule.lock().expect("lock") = Some((op, after));
    }
    fn check(&self, op: &'static str) -> AdapterResult<()> {
        let mut rule = self.rule.lock().expect("lock");
        match rule.as_mut() {
            Some((o, 0)) if *o == op => {
                Err(AdapterError::new(AdapterErrorKind::Other, "disk full").with_operation(op))
            }
            Some((o, n)) if *o == op => {
                *n -= 1;
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

#[async_trait]
impl Adapter for Failing {
    async fn create_user(&self, user: User) -> AdapterResult<User> {
        self.check("create_user")?;
        self.inner.create_user(user).await
    }
    async fn get_user(&self, id: &str) -> AdapterResult<Option<User>> {
        self.inner.get_user(id).await
    }
    async fn get_user_by_email(&self, email: &str) -> AdapterResult<Option<User>> {
        self.inner.get_user_by_email(email).await
    }
    async fn get_user_by_account(&self, p: &str, id: &str) -> AdapterResult<Option<User>> {
        self.inner.get_user_by_account(p, id).await
    }
    async fn update_user(&self, u: UserUpdate) -> AdapterResult<User> {
        self.check("update_user")?;
        self.inner.update_user(u).await
    }
    async fn delete_user(&self, id: &str) -> AdapterResult<Option<User>> {
        self.inner.delete_user(id).await
    }
    async fn link_account(&self, a: Account) -> AdapterResult<Account> {
        self.inner.link_account(a).await
    }
    async fn unlink_account(&self, p: &str, id: &str) -> AdapterResult<Option<Account>> {
        self.inner.unlink_account(p, id).await
    }
    async fn get_account(&self, p: &str, id: &str) -> AdapterResult<Option<Account>> {
        self.inner.get_account(p, id).await
    }
    async fn update_account(&self, a: Account) -> AdapterResult<Option<Account>> {
        self.inner.update_account(a).await
    }
    async fn create_session(&self, s: Session) -> AdapterResult<Session> {
        self.inner.create_session(s).await
    }
    async fn get_session_and_user(
        &self,
        t: &SessionToken,
    ) -> AdapterResult<Option<(Session, User)>> {
        self.inner.get_session_and_user(t).await
    }
    async fn update_session(&self, u: SessionUpdate) -> AdapterResult<Option<Session>> {
        self.inner.update_session(u).await
    }
    async fn delete_session(&self, t: &SessionToken) -> AdapterResult<Option<Session>> {
        self.inner.delete_session(t).await
    }
    async fn create_verification_token(
        &self,
        t: VerificationToken,
    ) -> AdapterResult<VerificationToken> {
        self.check("create_verification_token")?;
        self.inner.create_verification_token(t).await
    }
    async fn use_verification_token(
        &self,
        i: &str,
        t: &str,
    ) -> AdapterResult<Option<VerificationToken>> {
        self.check("use_verification_token")?;
        self.inner.use_verification_token(i, t).await
    }
}

type Outbox = Arc<Mutex<Vec<VerificationMessage>>>;

fn setup(codes: bool) -> (Auth, Failing, Outbox) {
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
    let adapter = Failing::default();
    let auth = Auth::builder()
        .secret(SECRET)
        .url(ORIGIN)
        .adapter(Arc::new(adapter.clone()))
        .provider(email)
        .build()
        .expect("config");
    (auth, adapter, outbox)
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
    let (logs, _guard) = capture();
    let (auth, adapter, outbox) = setup(false);
    adapter
        .inner
        .create_user(User::new("u-1", "known@example.com"))
        .await
        .expect("user");
    let mut b = Browser::new(auth);
    b.request_email("known@example.com", "/").await;
    adapter.fail("update_user", 0);
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
    let (logs, _guard) = capture();
    let (auth, adapter, outbox) = setup(false);
    let mut b = Browser::new(auth);
    b.request_email("new@example.com", "/").await;
    adapter.fail("create_user", 0);
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
    let (logs, _guard) = capture();
    let (auth, adapter, outbox) = setup(true);
    let mut b = Browser::new(auth);
    b.request_email("lookup@example.com", "/").await;
    let code = last(&outbox).code.expect("code");
    adapter.fail("use_verification_token", 0);
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
async fn partly_stored_code_rows_are_removed_and_nothing_is_sent() {
    let (logs, _guard) = capture();
    let (auth, adapter, outbox) = setup(true);
    // The link and the code row are stored, the first attempt ticket fails.
    adapter.fail("create_verification_token", 2);
    let mut b = Browser::new(auth);
    let r = b.request_email("partial@example.com", "/").await;
    assert_eq!(r.location(), Some(email_signin_url().as_str()));
    assert!(
        logs.text().contains("CREATE_VERIFICATION_REQUEST_ERROR"),
        "{}",
        logs.text()
    );
    assert_eq!(adapter.inner.verification_token_count(), 0);
    assert!(outbox.lock().expect("lock").is_empty(), "nothing sent");
}
