//! # keyway-rocket
//!
//! The [rocket](https://rocket.rs) (0.5) binding for keyway. It adds no auth
//! logic of its own: it turns rocket requests into the engine's
//! `http::Request<Bytes>` and back, and gives handlers the signed-in user.
//!
//! The pieces:
//!
//! - [`fairing`] is all there is to attach: it mounts every auth action
//!   (`/api/auth/signin`, `/api/auth/callback/credentials`,
//!   `/api/auth/session`, ...) for every method, and puts the cookies the
//!   engine rolled while a guard read the session (a refreshed session
//!   cookie, or one cleared because it expired) on the handler's response.
//! - The request guards [`OptionalSession`], [`RequireSession`] and
//!   [`CurrentUser`] give a handler the session. Without a session,
//!   [`RequireSession`] and [`CurrentUser`] send a browser to the sign-in page
//!   (`303`, with `callbackUrl` set to the page it wanted) and answer an API
//!   call (`Accept: application/json`) with `401` and
//!   `{"error":"SessionRequired",…}`. However many guards a request runs, the
//!   engine is asked once.
//!
//! ```
//! use keyway_core::Auth;
//! use keyway_rocket::{OptionalSession, RequireSession};
//! use rocket::{get, routes};
//!
//! #[get("/")]
//! fn home(session: OptionalSession) -> String {
//!     match session.user() {
//!         Some(user) => format!("Hello, {}", user.email.as_deref().unwrap_or("you")),
//!         None => "Hello, stranger".to_owned(),
//!     }
//! }
//!
//! #[get("/dashboard")]
//! fn dashboard(session: RequireSession) -> String {
//!     format!("Signed in until {}", session.expires)
//! }
//!
//! # fn main() -> Result<(), keyway_core::ConfigError> {
//! let auth = Auth::builder()
//!     .secret("a-long-random-secret-value-0123456789")
//!     .url("http://127.0.0.1:8000")
//!     .build()?;
//! let rocket = rocket::build()
//!     .mount("/", routes![home, dashboard])
//!     .attach(keyway_rocket::fairing(auth));
//! # let _ = rocket;
//! # Ok(())
//! # }
//! ```
//!
//! A route that names a guard in a rocket without the fairing does not
//! launch (the guards are [sentinels](rocket::Sentinel)): the mistake shows
//! at start-up, never as a `500` later.
//!
//! # rocket's settings and keyway's
//!
//! keyway needs neither a `Rocket.toml` nor any `ROCKET_*` variable; each
//! side keeps its own settings.
//!
//! - **Address and port**: rocket's `address` and `port` are where the
//!   server listens. The site's public URL, which keyway's redirects,
//!   callback URLs and cookie names (`__Secure-` on https) are made from, is
//!   keyway's `AUTH_URL` (or `.url(..)`), or the request's `Host` with
//!   `AUTH_TRUST_HOST`. Behind a proxy the two differ; set `AUTH_URL` to
//!   what browsers see.
//! - **Limits**: the auth routes read a body of at most
//!   [`Auth::max_body_bytes`], refusing more with `413`, and a body that
//!   breaks off with `400`, as every keyway binding. The rest of a refused
//!   body is read and dropped (up to 1 MiB, for at most two seconds, while
//!   the client keeps sending) before the answer, so a client that sends its
//!   whole body before reading gets the `413` and keeps its connection; a
//!   `Content-Length` beyond that is refused without reading the body.
//!   rocket's `limits` (`form`, `json`, ...) apply to rocket's own data
//!   guards in the app's routes; they neither raise nor lower keyway's
//!   limit. A request's header block is bounded by rocket's server (hyper):
//!   over about 400 KiB, or more than 100 headers, it is answered `431
//!   Request Header Fields Too Large` and the connection is closed.
//! - **Secret**: keyway signs and encrypts with its own secret
//!   (`AUTH_SECRET`). rocket's `secret_key` only serves rocket's private
//!   cookies (its `secrets` feature), which keyway does not use: this crate
//!   does not turn the feature on, so a release build launches without a
//!   `secret_key`. An app that enables `secrets` for its own private cookies
//!   must give rocket a `secret_key` in release, as rocket requires; it is
//!   not keyway's secret and should not be the same value.
//! - **Mounting**: the routes are mounted at the engine's base path
//!   (`/api/auth` unless `.base_path(..)` says otherwise); a route of the
//!   app under the same path collides with them, which rocket reports at
//!   launch.
//!
//! # Missing sessions and catchers
//!
//! A guard that finds no session fails the request with an internal status
//! that keyway's own catcher turns into the engine's `303` or `401`. An
//! app's `401` catchers are not involved; if an app's catcher with a longer
//! base catches every status (`#[catch(default)]` registered under a
//! path), keyway's fairing puts its answer on that response instead.

mod answer;
mod fairing;
mod guards;
mod routes;
mod sign_in_page;

pub use fairing::{KeywayFairing, fairing};
pub use guards::{CurrentUser, OptionalSession, RequireSession, SessionRejection, SessionRequired};
pub use keyway_core::{
    Auth, CurrentSession, SessionData, SessionUser, SignInPageData, SignInProvider,
};
pub use sign_in_page::SignInPage;
