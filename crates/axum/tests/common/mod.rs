//! The binding suite's app on axum, and two ways to send it requests: in
//! process (`tower::ServiceExt::oneshot`) and over a real TCP socket
//! (keyway-testkit's [`OverTcp`]).
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use bytes::Bytes;
use http::{Request, Response};
use http_body_util::BodyExt;
use keyway_axum::{AuthRouter, CurrentUser, OptionalSession, RequireSession, SessionLayer};
use keyway_core::Auth;
use keyway_testkit::binding::{ANONYMOUS, BindingUnderTest, OverTcp, PUBLIC};
use tower::ServiceExt;

/// The suite's routes, with the engine as state.
fn suite_routes() -> Router<Auth> {
    Router::new()
        .route(
            "/protected",
            get(|s: RequireSession| async move { s.user.email.clone().unwrap_or_default() }),
        )
        .route(
            "/whoami",
            get(|s: OptionalSession| async move {
                s.user()
                    .and_then(|u| u.email.clone())
                    .unwrap_or_else(|| ANONYMOUS.to_owned())
            }),
        )
        .route(
            "/me",
            get(|u: CurrentUser| async move { u.name.clone().unwrap_or_default() }),
        )
        .route(
            "/user-id",
            get(|s: RequireSession| async move { user_id_line(&s) }),
        )
        .route("/public", get(|| async { PUBLIC }))
}

/// What `/user-id` answers.
fn user_id_line(s: &keyway_axum::CurrentSession) -> String {
    let id = s.user_id().unwrap_or_default();
    match &s.session_token {
        Some(token) => format!("{id} {}", token.as_str()),
        None => id.to_owned(),
    }
}

/// The routes the suite expects, around `auth_routes`.
pub fn app_with(auth: Auth, auth_routes: Router<Auth>) -> Router {
    suite_routes()
        .merge(auth_routes)
        .layer(SessionLayer::new(auth.clone()))
        .with_state(auth)
}

/// The suite's app, set up in one call (`with_auth`).
pub fn app(auth: Auth) -> Router {
    suite_routes().with_auth(auth)
}

/// Sends requests through the router in process.
pub struct Oneshot(pub Router);

#[async_trait::async_trait]
impl BindingUnderTest for Oneshot {
    async fn send(&self, request: Request<Bytes>) -> Response<Bytes> {
        let response = self
            .0
            .clone()
            .oneshot(request.map(Body::from))
            .await
            .unwrap();
        let (parts, body) = response.into_parts();
        let body = body.collect().await.unwrap().to_bytes();
        Response::from_parts(parts, body)
    }
}

/// Serves the router on 127.0.0.1 with `axum::serve`; the suite reaches it
/// over real HTTP/1.1 connections. Must be called inside a tokio runtime.
pub fn over_tcp(router: Router) -> OverTcp {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    let server = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    OverTcp::new(addr, move || server.abort())
}
