//! # keyway-actix-web
//!
//! The [actix-web](https://docs.rs/actix-web) 4 binding for keyway. It adds
//! no auth logic of its own: it turns actix requests into the engine's
//! `http::Request<Bytes>` and back, and gives handlers the signed-in user.
//!
//! - [`app`] is an `App` with everything in place: every auth action under
//!   the engine's base path (`/api/auth/signin`, `/api/auth/session`, ...) and
//!   the [`SessionMiddleware`]. Add the app's own routes to it.
//! - The extractors [`OptionalSession`], [`RequireSession`] and
//!   [`CurrentUser`] give a handler the session: the Auth.js session object
//!   and, beside it, the user's id (and the database session's token) in a
//!   [`CurrentSession`]. Without a session, [`RequireSession`] and
//!   [`CurrentUser`] send a browser to the sign-in page (with `callbackUrl`
//!   set to the page it wanted) and answer an API call
//!   (`Accept: application/json`) with `401` and
//!   `{"error":"SessionRequired",…}`.
//! - For an `App` of your own: [`configure`] (for `App::configure`) mounts
//!   the auth actions and gives the extractors the engine (as app data);
//!   [`SessionMiddleware`] (for `App::wrap`) shares one lookup between the
//!   extractors of a request and puts the cookies the engine rolled while
//!   reading the session on the response. Without the middleware the
//!   extractors still work, but the session cookie is not rolled.
//! - [`SignInPage`] gives an application's own sign-in page the CSRF token,
//!   the providers and the callback URL ([`Auth::sign_in_page`]).
//!
//! ```
//! use actix_web::web;
//! use keyway_actix_web::{OptionalSession, RequireSession};
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
//!     format!("Signed in until {}", session.expires)
//! }
//!
//! # fn main() -> Result<(), keyway_core::ConfigError> {
//! let auth = Auth::builder()
//!     .secret("a-long-random-secret-value-0123456789")
//!     .url("http://127.0.0.1:3000")
//!     .build()?;
//! let factory = move || {
//!     keyway_actix_web::app(auth.clone())
//!         .route("/", web::get().to(home))
//!         .route("/dashboard", web::get().to(dashboard))
//! };
//! // actix_web::HttpServer::new(factory).bind(("127.0.0.1", 3000))?.run().await
//! # let _ = factory;
//! # Ok(())
//! # }
//! ```
//!
//! # Request bodies
//!
//! Bodies larger than [`Auth::max_body_bytes`] are refused with `413` before
//! the engine sees them (a `Content-Length` that announces more is refused
//! without reading anything); a body that fails to arrive is `400`. actix's
//! server reads and drops the rest of a refused body itself, so a client
//! still sending it can read the `413`.
//!
//! # Request headers
//!
//! The size of a request's header block is bounded by actix's server: a
//! header block over 128 KiB, or with more than 96 headers, is answered
//! `431 Request Header Fields Too Large` and the connection is closed.

mod convert;
mod extract;
mod middleware;
mod service;
mod sign_in_page;

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpRequest, Scope, web};

pub use extract::{
    CurrentUser, OptionalSession, RequireSession, SessionRejection, SessionRequired,
};
pub use keyway_core::{
    Auth, CurrentSession, SessionData, SessionUser, SignInPageData, SignInProvider,
};
pub use middleware::{SessionMiddleware, SessionService};
pub use sign_in_page::{SignInPage, SignInPageRejection};

/// An actix `App` with keyway in place: the auth actions under the engine's
/// base path and the [`SessionMiddleware`] around everything. Add the app's
/// routes to it; call it in the `HttpServer::new` factory, once per worker.
pub fn app(
    auth: Auth,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .wrap(SessionMiddleware::new(auth.clone()))
        .configure(configure(auth))
}

/// Every auth action under the engine's base path (`/api/auth` unless
/// configured), and the engine as app data for the extractors, for
/// `App::configure(keyway_actix_web::configure(auth))`. Add
/// [`SessionMiddleware`] as well, so the session cookie is rolled.
pub fn configure(auth: Auth) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config| {
        config.app_data(auth.clone());
        config.service(scope(auth));
    }
}

/// Every auth action, as a [`Scope`] at the engine's base path: it serves
/// `{base_path}` and everything below it with any method; the engine
/// answers unknown actions and methods itself (`400`). The engine sees the
/// request's full path, so the scope must be registered at the app's root.
///
/// A scope does not give the extractors outside it the engine: prefer
/// [`configure`] (or [`app`]), or wrap the app in [`SessionMiddleware`].
pub fn scope(auth: Auth) -> Scope {
    let base = auth.base_path().to_owned();
    web::scope(&base).default_service(web::to(
        move |request: HttpRequest, payload: web::Payload| {
            let auth = auth.clone();
            async move { service::serve(&auth, request, payload).await }
        },
    ))
}
