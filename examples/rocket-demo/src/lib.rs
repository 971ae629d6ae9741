//! keyway's demo on rocket: the shared demo core ([`keyway_demo_core`]:
//! settings, secret, sign-in methods, pages, banner) behind a rocket app. A
//! home page that shows who is signed in, a protected page, sign-in and
//! sign-out through keyway's built-in pages (and a sign-in page of its own
//! at `/login`), and JSON endpoints that need a session (`/api/me`, and `/api/token`:
//! the user's OpenID access token, refreshed when due).
//!
//! `cargo run -p rocket-demo` starts it on <http://127.0.0.1:3000>; see
//! [`keyway_demo_core::Settings`] for what it reads from the environment.
//! rocket's settings are made in code ([`config`]): no `Rocket.toml`, and
//! `PORT`, not `ROCKET_PORT`, says where it listens.

use std::net::Ipv4Addr;

use keyway_demo_core::{Framework, pages};
use keyway_rocket::{Auth, OptionalSession, RequireSession, SessionData, SignInPage};
use rocket::config::{Config, LogLevel};
use rocket::http::{ContentType, Status};
use rocket::response::content::RawHtml;
use rocket::serde::json::Json;
use rocket::{Build, Rocket, State, get, routes};

/// This demo, as the core names it.
pub const FRAMEWORK: Framework = Framework {
    name: "rocket",
    package: "rocket-demo",
    dir: env!("CARGO_MANIFEST_DIR"),
};

/// rocket's settings for the demo, in code: 127.0.0.1:`port`, rocket's
/// defaults otherwise. Its log lines go through the demo's logger (stderr,
/// `RUST_LOG`), so stdout holds only the banner.
pub fn config(port: u16) -> Config {
    Config {
        address: Ipv4Addr::LOCALHOST.into(),
        port,
        log_level: LogLevel::Normal,
        cli_colors: false,
        ..Config::default()
    }
}

/// The demo's routes, with keyway's fairing (the auth routes and the
/// cookies the guards roll).
pub fn rocket(auth: Auth, config: Config) -> Rocket<Build> {
    rocket::custom(config)
        .mount("/", routes![home, protected, me, token, login])
        .manage(auth.clone())
        .attach(keyway_rocket::fairing(auth))
}

/// `GET /`: who is signed in.
#[get("/")]
fn home(session: OptionalSession) -> RawHtml<String> {
    RawHtml(pages::home(session.user()))
}

/// `GET /protected`: only for signed-in users; others are sent to sign in.
#[get("/protected")]
fn protected(session: RequireSession) -> RawHtml<String> {
    RawHtml(pages::protected(&session))
}

/// `GET /api/me`: the session as JSON; without one, `401` JSON for API
/// clients (or a redirect for a browser).
#[get("/api/me")]
fn me(session: RequireSession) -> Json<SessionData> {
    Json(session.0.into_data())
}

/// `GET /api/token`: the fingerprint of the user's OpenID access token,
/// refreshed when due ([`keyway_demo_core::provider_token`]).
#[get("/api/token")]
async fn token(auth: &State<Auth>, session: RequireSession) -> (Status, (ContentType, String)) {
    let reply = keyway_demo_core::provider_token(auth, session.0.user_id()).await;
    (Status::new(reply.status), (ContentType::JSON, reply.body))
}

/// `GET /login`: the demo's own sign-in page (the fairing adds the cookies
/// it needs).
#[get("/login")]
fn login(page: SignInPage) -> RawHtml<String> {
    RawHtml(pages::sign_in(&page))
}
