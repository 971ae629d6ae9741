//! # keyway-axum
//!
//! The [axum](https://docs.rs/axum) binding for keyway. It adds no auth logic
//! of its own: it turns axum requests into the engine's
//! `http::Request<Bytes>` and back, and gives handlers the signed-in user.
//!
//! - [`AuthRouter::with_auth`] puts keyway in an app in one call: every
//!   auth action (`/api/auth/signin`, `/api/auth/callback/credentials`,
//!   `/api/auth/session`, ...), the [`SessionLayer`] and the engine as the
//!   router's state. For a router with state of its own, [`mount`] does the
//!   same and the state gives the extractors the engine through
//!   [`FromRef`](axum::extract::FromRef).
//! - The extractors [`OptionalSession`], [`RequireSession`] and
//!   [`CurrentUser`] give a handler the session: the Auth.js session object
//!   and, beside it, the user's id (and the database session's token) in a
//!   [`CurrentSession`]. Without a session, [`RequireSession`] and
//!   [`CurrentUser`] send a browser to the sign-in page (with `callbackUrl`
//!   set to the page it wanted) and answer an API call
//!   (`Accept: application/json`) with `401` and
//!   `{"error":"SessionRequired",…}`. They read the engine from the
//!   router's state (`Auth: FromRef<S>`), so a router that was not given
//!   keyway does not compile.
//! - [`SignInPage`] gives an application's own sign-in page the CSRF token,
//!   the providers and the callback URL ([`Auth::sign_in_page`]).
//!
//! ```
//! use axum::{Router, routing::get};
//! use keyway_axum::{AuthRouter, OptionalSession, RequireSession};
//! use keyway_core::Auth;
//!
//! async fn home(session: OptionalSession) -> String {
//!     match session.user() {
//!         Some(user) => format!("Hello, {}", user.email.as_deref().unwrap_or("you")),
//!         None => "Hello, stranger".to_owned(),
//!     }
//! }
//!
//! async fn dashboard(session: RequireSession) -> String {
//!     format!("User {:?}, signed in until {}", session.user_id, session.expires)
//! }
//!
//! # fn main() -> Result<(), keyway_core::ConfigError> {
//! let auth = Auth::builder()
//!     .secret("a-long-random-secret-value-0123456789")
//!     .url("http://127.0.0.1:3000")
//!     .build()?;
//! let app: Router = Router::new()
//!     .route("/", get(home))
//!     .route("/dashboard", get(dashboard))
//!     .with_auth(auth);
//! # let _ = app;
//! # Ok(())
//! # }
//! ```
//!
//! # Mounting
//!
//! [`routes`] (which [`AuthRouter::with_auth`] and [`mount`] use) registers `{base_path}`, `{base_path}/` and `{base_path}/{*action}` (the base
//! path is `/api/auth` unless configured), so merge it at the root of the
//! app. To nest, use [`service`] with the base path as the prefix:
//! `Router::new().nest_service(auth.base_path(), keyway_axum::service(auth))`.
//! The engine always sees the request's full, original path, so the base path
//! it is configured with must be where the routes really are.
//!
//! # Request bodies
//!
//! Bodies larger than [`Auth::max_body_bytes`] are refused with `413` before
//! the engine sees them; a body that fails to arrive is `400`. The rest of a
//! refused body is read and dropped (up to 1 MiB, for at most two seconds,
//! and only while the client keeps sending) before the answer, so a client
//! that sends its whole body before reading gets the `413` rather than a
//! reset, and the connection stays usable; a `Content-Length` beyond that is
//! refused without reading anything, and the server closes the connection
//! after the answer.
//!
//! # Request headers
//!
//! The size of a request's header block is bounded by the server: with
//! `axum::serve` (hyper), a header block over hyper's buffer (about
//! 400 KiB) or with more than 100 headers is answered `431 Request Header
//! Fields Too Large` and the connection is closed. An app that serves with
//! hyper's own builder can set a smaller bound with
//! `hyper::server::conn::http1::Builder::max_header_size`.

mod extract;
mod layer;
mod required;
mod router;
mod service;
mod sign_in_page;

pub use extract::{CurrentUser, OptionalSession, RequireSession, SessionRejection};
pub use keyway_core::{
    Auth, CurrentSession, SessionData, SessionUser, SignInPageData, SignInProvider,
};
pub use layer::{SessionLayer, SessionService};
pub use required::SessionRequired;
pub use router::{AuthRouter, mount};
pub use service::{AuthService, service};
pub use sign_in_page::{SignInPage, SignInPageRejection};

use axum::Router;

/// Every auth action under the engine's base path, as a router to merge into
/// the app: `app.merge(keyway_axum::routes(auth.clone()))`.
///
/// It serves `{base_path}` and everything below it with any method; the
/// engine answers unknown actions and methods itself (`400`). The actions
/// without a provider ([`Auth::action_paths`]) are exact routes, the rest
/// one wildcard route, so an application route of its own at one of those
/// exact paths conflicts with them when merged (axum refuses it at startup).
pub fn routes<S>(auth: Auth) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let base = auth.base_path().to_owned();
    // The actions without a provider as exact routes: the wildcard route
    // would capture the action into a path parameter (allocations on every
    // session read) that the engine does not use.
    let exact: Vec<String> = auth.action_paths().collect();
    let service = service(auth);
    let router = exact.iter().fold(Router::new(), |router, path| {
        router.route_service(path, service.clone())
    });
    router
        .route_service(&base, service.clone())
        .route_service(&format!("{base}/"), service.clone())
        .route_service(&format!("{base}/{{*action}}"), service)
}
