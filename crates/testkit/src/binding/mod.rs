//! The binding HTTP suite: the behaviour every framework binding (axum,
//! actix-web, rocket) must show, written once.
//!
//! A binding's test builds, for a given [`Auth`], an app with
//!
//! | route | what it does |
//! |---|---|
//! | the binding's auth routes | every action under `auth.base_path()` (`/api/auth`) |
//! | `GET /protected` | the *required session* extractor; answers `200` with the user's email as plain text |
//! | `GET /whoami` | the *optional session* extractor; answers `200` with the email, or [`ANONYMOUS`] |
//! | `GET /me` | the *current user* extractor; answers `200` with the user's name |
//! | `GET /user-id` | the *required session* extractor; answers `200` with the user's id, then, when there is one, a space and the database session's token |
//! | `GET /public` | no extractor; answers `200` with [`PUBLIC`] |
//!
//! and whatever the binding uses to put the cookies the engine rolled on the
//! response, and hands it to [`run`] as a [`BindingUnderTest`]. The suite
//! then checks, through plain HTTP requests:
//!
//! - **every action** (providers, csrf, session GET and POST, sign-in page
//!   and POST, credentials callback, sign-out page and POST, verify-request,
//!   error) is reachable and answered exactly as the engine answers it;
//! - **the extractors**: without a session, `/protected` and `/me` redirect a
//!   browser with `303 See Other` to `auth.signin_url(headers, "/protected?…")`
//!   (the page asked for, query included) and answer a client that accepts
//!   only JSON with `401` and `{"error":"SessionRequired","url":…}`; with one,
//!   they answer the user's email and name, and `/user-id` the user's id
//!   and the database session's token;
//! - **rolled cookies**: a session read by an extractor re-issues the session
//!   cookie (JWT sessions with a JWT update age of 0, and database sessions
//!   with `update_age` 0), a fresh JWT with the default update age is read
//!   without setting any cookie, and an
//!   invalid session cookie is cleared, on the app's own routes; a route
//!   without an extractor sets no cookie;
//! - **error statuses** are passed through (a failed sign-in's redirect, the
//!   error page's `403`, `400` for unknown actions);
//! - **large and malformed requests** get a `4xx`, never a `5xx`: a body over
//!   [`Auth::max_body_bytes`] is `413`, one at the limit is not; unknown
//!   methods, broken JSON and form bodies, odd paths and cookies are refused
//!   or ignored;
//! - **over a socket** (when [`BindingUnderTest::socket_addr`] gives one,
//!   as [`OverTcp`] does): a header block larger than the server's limit
//!   gets a whole, readable `431`, and a body over the limit a readable
//!   `413` while the client is still sending it (with `Content-Length` or
//!   chunked); a body of a few times the limit is taken in whole, so the
//!   connection then serves another request or ends cleanly; and the app
//!   serves new connections. In process these cases are not run, and
//!   the report says so.
//!
//! # Using the suite in a binding crate
//!
//! ```no_run
//! use bytes::Bytes;
//! use http::{Request, Response};
//! use keyway_core::Auth;
//! use keyway_testkit::binding::{self, BindingUnderTest};
//!
//! struct MyBinding {/* the app built for one Auth */}
//!
//! #[async_trait::async_trait]
//! impl BindingUnderTest for MyBinding {
//!     async fn send(&self, request: Request<Bytes>) -> Response<Bytes> {
//!         todo!("convert, call the app, collect the body")
//!     }
//! }
//!
//! fn app(auth: Auth) -> MyBinding {
//!     todo!("the auth routes, /protected, /whoami, /me, /user-id and /public")
//! }
//!
//! // #[tokio::test]
//! async fn binding_suite() {
//!     binding::run("my-binding", app).await.assert_all_passed();
//! }
//! ```

mod actions;
pub mod auth;
mod check;
mod client;
mod extractors;
mod limits;
mod report;
mod tcp;
mod wire;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response};
use keyway_core::Auth;

pub use self::auth::{database_auth, rolling_jwt_auth, standard_auth, standard_builder};
use self::report::CaseOutcome;
pub use self::report::Report;
pub use self::tcp::OverTcp;
use crate::case::run_isolated;

/// What `/whoami` answers when nobody is signed in.
pub const ANONYMOUS: &str = "anonymous";
/// What `/public` answers.
pub const PUBLIC: &str = "public";
/// The session cookie's name on the suite's http origin.
pub const SESSION_COOKIE: &str = "authjs.session-token";

/// A framework binding's app, as the suite sees it: something that answers
/// an HTTP request.
///
/// `send` gets requests as a client would send them (path-only URI, `Host`
/// header, `Content-Length` implied by the body) and must return the app's
/// response with its whole body, every header kept (several `Set-Cookie`
/// headers stay several). It may go through the framework in-process or over
/// a real socket.
#[async_trait::async_trait]
pub trait BindingUnderTest: Send + Sync {
    /// Serves one request.
    async fn send(&self, request: Request<Bytes>) -> Response<Bytes>;

    /// Where the app listens when it is served over a socket by its
    /// framework's server, for the suite's raw-socket cases; `None` (the
    /// default) in process.
    async fn socket_addr(&self) -> Option<SocketAddr> {
        None
    }
}

#[async_trait::async_trait]
impl<T: BindingUnderTest + ?Sized> BindingUnderTest for Arc<T> {
    async fn send(&self, request: Request<Bytes>) -> Response<Bytes> {
        (**self).send(request).await
    }

    async fn socket_addr(&self) -> Option<SocketAddr> {
        (**self).socket_addr().await
    }
}

type Factory = Arc<dyn Fn(Auth) -> Arc<dyn BindingUnderTest> + Send + Sync>;

/// What every case gets: a way to build the app for an engine.
#[derive(Clone)]
pub(crate) struct Ctx {
    factory: Factory,
}

impl Ctx {
    /// The app for `auth`.
    pub(crate) fn app(&self, auth: Auth) -> Arc<dyn BindingUnderTest> {
        (self.factory)(auth)
    }

    /// A browser on the app for `auth`; its requests carry the suite's
    /// `Host`.
    pub(crate) fn browser(&self, auth: Auth) -> client::Browser {
        let mut browser = client::Browser::new(self.app(auth));
        browser
            .extra_headers
            .push((http::header::HOST.to_string(), auth::HOST.to_owned()));
        browser
    }
}

type CaseFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

struct Case {
    name: &'static str,
    run: fn(Ctx) -> CaseFuture,
    /// Needs the app served over a socket.
    over_socket: bool,
}

macro_rules! case {
    ($module:ident :: $f:ident) => {
        Case {
            name: stringify!($f),
            run: |ctx| Box::pin($module::$f(ctx)),
            over_socket: false,
        }
    };
    (socket $module:ident :: $f:ident) => {
        Case {
            name: stringify!($f),
            run: |ctx| Box::pin($module::$f(ctx)),
            over_socket: true,
        }
    };
}

fn cases() -> Vec<Case> {
    vec![
        case!(actions::providers),
        case!(actions::csrf),
        case!(actions::session_without_cookie),
        case!(actions::signin_page),
        case!(actions::signin_post),
        case!(actions::credentials_sign_in),
        case!(actions::credentials_refused),
        case!(actions::session_update),
        case!(actions::sign_out),
        case!(actions::verify_request_page),
        case!(actions::error_page),
        case!(actions::unknown_action),
        case!(actions::responses_match_the_engine),
        case!(extractors::protected_redirects_a_browser),
        case!(extractors::protected_answers_json_401),
        case!(extractors::protected_with_session),
        case!(extractors::whoami),
        case!(extractors::current_user),
        case!(extractors::user_id),
        case!(extractors::rolled_jwt_cookie),
        case!(extractors::fresh_jwt_not_rolled),
        case!(extractors::rolled_database_cookie),
        case!(extractors::invalid_session_cookie_is_cleared),
        case!(extractors::no_cookie_without_extractor),
        case!(limits::body_over_the_limit),
        case!(limits::body_at_the_limit),
        case!(limits::unknown_methods),
        case!(limits::malformed_bodies),
        case!(limits::odd_paths_and_headers),
        case!(socket wire::oversized_header_block),
        case!(socket wire::oversized_body_still_being_sent),
        case!(socket wire::oversized_chunked_body),
    ]
}

/// How long one case may take.
const CASE_TIME_LIMIT: Duration = Duration::from_secs(60);

/// Runs every case against the apps `make` builds (one per engine
/// configuration a case needs), printing one line per case and a summary
/// such as `binding suite (axum): 27 cases, 27 passed, 0 failed`.
///
/// The raw-socket cases run when the apps are served over a socket
/// ([`BindingUnderTest::socket_addr`]); otherwise the report lists them as
/// not run ([`Report::not_run`]).
///
/// Each case runs in its own tokio task, so a panicking case is reported as
/// failed and the run goes on. Call it inside a tokio runtime.
pub async fn run<F, B>(name: &str, make: F) -> Report
where
    F: Fn(Auth) -> B + Send + Sync + 'static,
    B: BindingUnderTest + 'static,
{
    let factory: Factory = Arc::new(move |auth| Arc::new(make(auth)));
    let ctx = Ctx { factory };
    let over_socket = ctx.app(standard_auth()).socket_addr().await.is_some();
    let mut outcomes = Vec::new();
    let mut not_run = Vec::new();
    for case in cases() {
        if case.over_socket && !over_socket {
            println!("binding suite: not run {} (in process)", case.name);
            not_run.push(case.name);
            continue;
        }
        let started = Instant::now();
        let failure = run_isolated((case.run)(ctx.clone()), CASE_TIME_LIMIT).await;
        let outcome = CaseOutcome {
            name: case.name,
            failure,
            elapsed: started.elapsed(),
        };
        println!("{}", outcome.line());
        outcomes.push(outcome);
    }
    let report = Report::new(name, outcomes, not_run);
    println!("{report}");
    report
}
