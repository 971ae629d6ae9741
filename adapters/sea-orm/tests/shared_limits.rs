//! Limits that hold across instances: two engines (two `Auth` values, each
//! with its own connection pool) on one PostgreSQL database share the email
//! send limit, also for a custom email provider that sets no limit of its
//! own; the counter stores no address.

mod common;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use keyway_core::provider::{BoxError, EmailProvider, VerificationRequest};
use keyway_core::{Adapter, Auth, Provider};
use keyway_testkit::support::{Browser, Resp};

const SECRET: &str = "shared-limits-secret-long-enough-0123456789";
const ORIGIN: &str = "http://127.0.0.1:3000";

/// A custom email provider: only delivers, keeps the addresses it was
/// asked to send to, and leaves `send_limit` at the trait's default.
#[derive(Default)]
struct Outbox(Mutex<Vec<String>>);

struct Custom(Arc<Outbox>);

#[async_trait]
impl EmailProvider for Custom {
    fn id(&self) -> &str {
        "email"
    }
    fn name(&self) -> &str {
        "Email"
    }
    async fn send_verification_request(
        &self,
        request: &VerificationRequest<'_>,
    ) -> Result<(), BoxError> {
        self.0
            .0
            .lock()
            .map_err(|_| "outbox lock")?
            .push(request.identifier.to_owned());
        Ok(())
    }
}

fn engine(adapter: Arc<dyn Adapter>, outbox: Arc<Outbox>) -> Auth {
    Auth::builder()
        .secret(SECRET)
        .url(ORIGIN)
        .adapter(adapter)
        .provider(Provider::Email(Arc::new(Custom(outbox))))
        .build()
        .expect("config")
}

async fn request_link(b: &mut Browser, address: &str) -> Resp {
    let csrf = b.csrf().await;
    b.post_form(
        "/api/auth/signin/email",
        &[("csrfToken", csrf.as_str()), ("email", address)],
    )
    .await
}

fn sent(r: &Resp) -> bool {
    r.location().is_some_and(|l| l.contains("/verify-request"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_engines_on_one_postgres_database_share_the_send_limit() {
    let Some(db) = common::postgres().await else {
        return;
    };
    let outbox = Arc::new(Outbox::default());
    let a = engine(Arc::new(db.adapter().await), outbox.clone());
    let b = engine(Arc::new(db.adapter().await), outbox.clone());
    let (mut on_a, mut on_b) = (Browser::new(a), Browser::new(b));
    let victim = format!("victim-{}@example.com", common::unique_name());

    // The default limit, 5 an hour, counted across both engines.
    for i in 0..5 {
        let browser = if i % 2 == 0 { &mut on_a } else { &mut on_b };
        let r = request_link(browser, &victim).await;
        assert!(sent(&r), "message {i}: {}", r.summary());
    }
    for browser in [&mut on_a, &mut on_b] {
        let r = request_link(browser, &victim).await;
        assert_eq!(
            r.location(),
            Some(format!("{ORIGIN}/api/auth/signin?error=EmailSignin").as_str()),
            "the sixth message is refused on either engine"
        );
    }
    let delivered = outbox.0.lock().expect("lock").clone();
    assert_eq!(delivered.iter().filter(|a| **a == victim).count(), 5);

    // Another address still gets its messages.
    let other = format!("other-{}@example.com", common::unique_name());
    assert!(sent(&request_link(&mut on_b, &other).await));

    // The counters hold keyed hashes, never an address.
    let schema = db.options.schema.clone().expect("a schema");
    let rows = keyway_sea_orm::testing::query_count(
        &db.url,
        &format!("SELECT COUNT(*) FROM \"{schema}\".keyway_rate_limits"),
    )
    .await
    .expect("count");
    assert_eq!(rows, 2, "one counter per address");
    let leaked = keyway_sea_orm::testing::query_count(
        &db.url,
        &format!(
            "SELECT COUNT(*) FROM \"{schema}\".keyway_rate_limits \
             WHERE id LIKE '%victim%' OR id LIKE '%example%'"
        ),
    )
    .await
    .expect("count");
    assert_eq!(leaked, 0);
}
