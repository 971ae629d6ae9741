//! keyway's demo on actix-web: the shared demo core ([`keyway_demo_core`]:
//! settings, secret, sign-in methods, pages, banner) behind an actix app. A
//! home page that shows who is signed in, a protected page, sign-in and
//! sign-out through keyway's built-in pages (and a sign-in page of its own
//! at `/login`), and JSON endpoints that need a session (`/api/me`, and `/api/token`:
//! the user's OpenID access token, refreshed when due).
//!
//! `cargo run -p actix-demo` starts it on <http://127.0.0.1:3000>; see
//! [`keyway_demo_core::Settings`] for what it reads from the environment.

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpResponse, web};
use keyway_actix_web::{Auth, OptionalSession, RequireSession, SignInPage};
use keyway_demo_core::{Framework, pages};

/// This demo, as the core names it.
pub const FRAMEWORK: Framework = Framework {
    name: "actix-web",
    package: "actix-demo",
    dir: env!("CARGO_MANIFEST_DIR"),
};

/// The demo's routes around keyway's; called once per server worker.
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
    keyway_actix_web::app(auth.clone())
        .app_data(web::Data::new(auth))
        .route("/", web::get().to(home))
        .route("/protected", web::get().to(protected))
        .route("/api/me", web::get().to(me))
        .route("/api/token", web::get().to(token))
        .route("/login", web::get().to(login))
}

fn html(page: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page)
}

/// `GET /`: who is signed in.
async fn home(session: OptionalSession) -> HttpResponse {
    html(pages::home(session.user()))
}

/// `GET /protected`: only for signed-in users; others are sent to sign in.
async fn protected(session: RequireSession) -> HttpResponse {
    html(pages::protected(&session))
}

/// `GET /api/me`: the session as JSON; without one, `401` JSON for API
/// clients (or a redirect for a browser).
async fn me(session: RequireSession) -> HttpResponse {
    HttpResponse::Ok().json(&session.0.data)
}

/// `GET /api/token`: the fingerprint of the user's OpenID access token,
/// refreshed when due ([`keyway_demo_core::provider_token`]).
async fn token(auth: web::Data<Auth>, session: RequireSession) -> HttpResponse {
    let reply = keyway_demo_core::provider_token(&auth, session.0.user_id()).await;
    let status = actix_web::http::StatusCode::from_u16(reply.status)
        .unwrap_or(actix_web::http::StatusCode::BAD_GATEWAY);
    HttpResponse::build(status)
        .content_type("application/json")
        .body(reply.body)
}

/// `GET /login`: the demo's own sign-in page, with the cookies it needs.
async fn login(page: SignInPage) -> HttpResponse {
    page.add_cookies(&mut HttpResponse::Ok())
        .content_type("text/html; charset=utf-8")
        .body(pages::sign_in(&page))
}
