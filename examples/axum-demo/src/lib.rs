//! keyway's demo on axum: the shared demo core ([`keyway_demo_core`]: settings,
//! secret, sign-in methods, pages, banner) behind an axum router. A home page
//! that shows who is signed in, a protected page, sign-in and sign-out
//! through keyway's built-in pages (and a sign-in page of its own at
//! `/login`), and JSON endpoints that need a session (`/api/me`, and `/api/token`:
//! the user's OpenID access token, refreshed when due).
//!
//! `cargo run -p axum-demo` starts it on <http://127.0.0.1:3000>; see
//! [`keyway_demo_core::Settings`] for what it reads from the environment.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use keyway_axum::{Auth, AuthRouter, OptionalSession, RequireSession, SessionData, SignInPage};
use keyway_demo_core::{Framework, pages};

/// This demo, as the core names it.
pub const FRAMEWORK: Framework = Framework {
    name: "axum",
    package: "axum-demo",
    dir: env!("CARGO_MANIFEST_DIR"),
};

/// The demo's routes around keyway's.
pub fn router(auth: Auth) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/protected", get(protected))
        .route("/api/me", get(me))
        .route("/api/token", get(token))
        .route("/login", get(login))
        .with_auth(auth)
}

/// `GET /`: who is signed in.
async fn home(session: OptionalSession) -> Html<String> {
    Html(pages::home(session.user()))
}

/// `GET /protected`: only for signed-in users; others are sent to sign in.
async fn protected(session: RequireSession) -> Html<String> {
    Html(pages::protected(&session))
}

/// `GET /api/me`: the session as JSON; without one, `401` JSON for API
/// clients (or a redirect for a browser).
async fn me(session: RequireSession) -> axum::Json<SessionData> {
    axum::Json(session.0.into_data())
}

/// `GET /api/token`: the fingerprint of the user's OpenID access token,
/// refreshed when due ([`keyway_demo_core::provider_token`]).
async fn token(State(auth): State<Auth>, session: RequireSession) -> impl IntoResponse {
    let reply = keyway_demo_core::provider_token(&auth, session.0.user_id()).await;
    (
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::BAD_GATEWAY),
        [(header::CONTENT_TYPE, "application/json")],
        reply.body,
    )
}

/// `GET /login`: the demo's own sign-in page, with the cookies it needs.
async fn login(page: SignInPage) -> impl IntoResponse {
    (page.set_cookies(), Html(pages::sign_in(&page)))
}
