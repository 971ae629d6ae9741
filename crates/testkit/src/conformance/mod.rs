//! The adapter conformance suite: one set of cases that every
//! [`Adapter`] implementation must pass.
//!
//! [`run`] takes the adapter under test and an [`Inspector`] that reads the
//! same database directly, runs every case, prints one line per case and a
//! summary, and returns a [`Report`].
//!
//! The cases cover Auth.js's own adapter suite (v5 `runBasicTests`, tests 1 to
//! 17, with the v5 semantics: the engine chooses user ids, `expires_at` is in
//! seconds, a wrong identifier never uses a verification token) and then what
//! keyway's contract adds: unique keys failing with
//! [`Conflict`](keyway_core::AdapterErrorKind::Conflict) and writing
//! nothing, `delete_user`'s cascade, a single winner among 32 concurrent uses
//! of one verification token, exact round-trips of timestamps, non-ASCII text
//! and optional fields, `get_account` / `update_account`,
//! `get_accounts_of_user` (every account of the user with its tokens, none
//! of another's; `None` fails), the rate-limit
//! counters of [`Adapter::hit`] (counts, windows that end, 32 concurrent hits
//! counted exactly, independent keys), [`Adapter::delete_expired`] (expired
//! sessions, tokens and counters deleted and counted, live ones kept, the
//! caller's clock obeyed), and 1,000 users written and read back in
//! parallel.
//!
//! Every case makes its own random users, emails, ids and tokens and relies
//! on nothing another case left behind, so cases may run in any order and
//! several runs may share one database at the same time. Rows are not
//! cleaned up (except by the cases that test deletion): point the suite at
//! a database made for tests.
//!
//! Each case runs in its own tokio task, so a case that panics (or whose
//! inspector panics) is reported as failed and the run goes on; a case that
//! hangs is stopped and failed after a time limit.

mod accounts;
mod check;
mod counters;
mod ctx;
mod fixtures;
mod prune;
mod report;
mod roundtrip;
mod sessions;
mod stress;
mod tokens;
mod users;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use keyway_core::{Account, Adapter, Session, SessionToken, User, VerificationToken};

use self::check::Outcome;
use self::ctx::Ctx;
use self::report::CaseOutcome;
pub use self::report::Report;
use crate::case::run_isolated;

/// Reads what an adapter **really** stored, bypassing the adapter.
///
/// The suite writes through the [`Adapter`] and then checks the database
/// through the inspector, so an adapter cannot pass by returning what it was
/// given while storing something else (or nothing). Implement it with a
/// separate, plain query path: raw SQL on its own connection, a direct
/// collection query, or (for the memory adapter) a read of the maps.
///
/// Each method returns the row with that key, or `None` if there is none.
/// Return rows exactly as stored, converted to keyway's model the obvious
/// way. An inspector may panic when its database fails; the case that asked
/// is then reported as failed.
///
/// # Using the suite in a new adapter crate
///
/// Add `keyway-testkit` and `tokio` (features `macros`, `rt-multi-thread`)
/// to the crate's `[dev-dependencies]`, then write one integration test:
///
/// ```no_run
/// use std::sync::Arc;
///
/// use keyway_core::{Account, Adapter, Session, SessionToken, User, VerificationToken};
/// use keyway_testkit::conformance::Inspector;
///
/// /// Reads the tables with plain queries on its own connection.
/// struct SqlInspector {/* a connection pool */}
///
/// #[async_trait::async_trait]
/// impl Inspector for SqlInspector {
///     async fn user(&self, id: &str) -> Option<User> {
///         todo!("SELECT * FROM users WHERE id = $1")
///     }
///     async fn account(&self, provider: &str, provider_account_id: &str) -> Option<Account> {
///         todo!("SELECT * FROM accounts WHERE provider = $1 AND provider_account_id = $2")
///     }
///     async fn session(&self, session_token: &SessionToken) -> Option<Session> {
///         todo!("SELECT * FROM sessions WHERE session_token = $1")
///     }
///     async fn verification_token(&self, identifier: &str, token: &str) -> Option<VerificationToken> {
///         todo!("SELECT * FROM verification_tokens WHERE identifier = $1 AND token = $2")
///     }
/// }
///
/// // In tests/conformance.rs:
/// // #[tokio::test(flavor = "multi_thread")]
/// async fn conformance(adapter: Arc<dyn Adapter>) {
///     let report = keyway_testkit::adapter_conformance(adapter, Arc::new(SqlInspector {})).await;
///     report.assert_all_passed();
/// }
/// ```
///
/// Run it with `cargo test -p <crate> --test conformance -- --nocapture` to see
/// one line per case.
#[async_trait::async_trait]
pub trait Inspector: Send + Sync {
    /// The stored user with this id.
    async fn user(&self, id: &str) -> Option<User>;
    /// The stored account `(provider, provider_account_id)`, tokens included.
    async fn account(&self, provider: &str, provider_account_id: &str) -> Option<Account>;
    /// The stored session with this token, whether or not its user exists.
    async fn session(&self, session_token: &SessionToken) -> Option<Session>;
    /// The stored verification token `(identifier, token)`, without using it.
    async fn verification_token(&self, identifier: &str, token: &str) -> Option<VerificationToken>;
}

type CaseFuture = Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// One named case of the suite.
struct Case {
    name: &'static str,
    timeout: Duration,
    run: fn(Ctx) -> CaseFuture,
}

/// How long an ordinary case may take.
const CASE_TIME_LIMIT: Duration = Duration::from_secs(60);
/// How long the 1,000-user case may take.
const STRESS_TIME_LIMIT: Duration = Duration::from_secs(600);

macro_rules! case {
    ($module:ident :: $f:ident) => {
        case!($module::$f, CASE_TIME_LIMIT)
    };
    ($module:ident :: $f:ident, $limit:expr) => {
        Case {
            name: stringify!($f),
            timeout: $limit,
            run: |ctx| Box::pin($module::$f(ctx)),
        }
    };
}

/// Every case, in Auth.js's order first (the `§6.4 #n` comments) and then
/// keyway's additions.
fn cases() -> Vec<Case> {
    vec![
        case!(users::required_methods_not_found),  // #1
        case!(users::create_user),                 // #2
        case!(users::get_user),                    // #3
        case!(users::get_user_by_email),           // #4
        case!(sessions::create_session),           // #5
        case!(sessions::get_session_and_user),     // #6
        case!(users::update_user),                 // #7
        case!(sessions::update_session),           // #8
        case!(accounts::link_account),             // #9
        case!(accounts::get_user_by_account),      // #10
        case!(sessions::delete_session),           // #11
        case!(tokens::token_methods_not_found),    // #12
        case!(tokens::create_verification_token),  // #13
        case!(tokens::use_verification_token),     // #14
        case!(accounts::future_methods_not_found), // #15
        case!(accounts::unlink_account),           // #16
        case!(users::delete_user),                 // #17
        case!(users::duplicate_email),
        case!(users::users_without_email),
        case!(users::email_lookup_is_exact),
        case!(sessions::duplicate_session_token),
        case!(sessions::session_of_deleted_user),
        case!(accounts::duplicate_account),
        case!(accounts::get_account),
        case!(accounts::update_account),
        case!(accounts::get_accounts_of_user),
        case!(tokens::duplicate_verification_token),
        case!(tokens::use_verification_token_race),
        case!(roundtrip::timestamps_round_trip),
        case!(roundtrip::unicode_round_trip),
        case!(roundtrip::optional_fields_round_trip),
        case!(counters::hit_counts),
        case!(counters::hit_window_expires),
        case!(counters::hit_race),
        case!(counters::hit_keys_independent),
        case!(prune::delete_expired),
        case!(stress::thousand_users, STRESS_TIME_LIMIT),
    ]
}

/// Runs every case against `adapter`, checking what it stored through
/// `inspector`, and returns the report.
///
/// Prints one line per case and a closing summary such as
/// `adapter conformance: 37 cases, 37 passed, 0 failed` (followed, if some
/// failed, by their names). Cases run one after the other, each in its own
/// tokio task, so this must be called inside a tokio runtime; a
/// multi-threaded one makes the concurrency cases more searching.
pub async fn run(adapter: Arc<dyn Adapter>, inspector: Arc<dyn Inspector>) -> Report {
    let ctx = Ctx { adapter, inspector };
    let mut outcomes = Vec::new();
    for case in cases() {
        let started = Instant::now();
        let failure = run_isolated((case.run)(ctx.clone()), case.timeout).await;
        let outcome = CaseOutcome {
            name: case.name,
            failure,
            elapsed: started.elapsed(),
        };
        println!("{}", Report::line(&outcome));
        outcomes.push(outcome);
    }
    let report = Report::new(outcomes);
    println!("{report}");
    report
}
