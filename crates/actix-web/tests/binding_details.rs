//! What the shared suite cannot see from outside: one engine lookup per
//! request however many extractors run, an app without the middleware, and
//! bodies without a `Content-Length`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::test::TestRequest;
use actix_web::{App, web};
use bytes::Bytes;
use common::InProcess;
use http::{Request, StatusCode, header};
use keyway_actix_web::{CurrentUser, OptionalSession, RequireSession};
use keyway_testkit::binding::{BindingUnderTest, SESSION_COOKIE, rolling_jwt_auth, standard_auth};

/// Signs alice in through the app; returns the session cookie pair.
async fn signed_in(app: &InProcess) -> String {
    let csrf = app
        .send(Request::get("/api/auth/csrf").body(Bytes::new()).unwrap())
        .await;
    let csrf_cookie = csrf.headers()[header::SET_COOKIE].to_str().unwrap();
    let csrf_pair = csrf_cookie.split(';').next().unwrap().to_owned();
    let json: serde_json::Value = serde_json::from_slice(csrf.body()).unwrap();
    let token = json["csrfToken"].as_str().unwrap();
    let form = format!("csrfToken={token}&username=alice&password=wonderland");
    let r = app
        .send(
            Request::post("/api/auth/callback/credentials")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, csrf_pair)
                .body(Bytes::from(form))
                .unwrap(),
        )
        .await;
    r.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with(SESSION_COOKIE))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn three_extractors_one_lookup_one_cookie() {
    // Re-issued on every read (JWT update age 0): one cookie to count.
    let app = InProcess::new(rolling_jwt_auth(), |auth| {
        keyway_actix_web::app(auth).route(
            "/all",
            web::get().to(
                |a: OptionalSession, b: RequireSession, c: CurrentUser| async move {
                    assert_eq!(a.0.as_ref(), Some(&b.0));
                    assert_eq!(b.user, c.0);
                    c.email.clone().unwrap_or_default()
                },
            ),
        )
    });
    let session = signed_in(&app).await;
    let r = app
        .send(
            Request::get("/all")
                .header(header::COOKIE, session)
                .body(Bytes::new())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.body(), "alice@example.com");
    let rolled = r.headers().get_all(header::SET_COOKIE).iter().count();
    assert_eq!(rolled, 1, "{:?}", r.headers());
}

/// `configure` without the middleware: the extractors read the session
/// through the engine in the app data (no 500), only the rolled cookie is
/// lost.
#[tokio::test]
async fn configure_without_the_middleware_still_gives_the_session() {
    let app = InProcess::new(standard_auth(), |auth| {
        App::new()
            .route(
                "/me",
                web::get().to(|u: CurrentUser| async move { u.0.email.unwrap_or_default() }),
            )
            .route(
                "/whoami",
                web::get().to(|a: OptionalSession, b: OptionalSession| async move {
                    assert_eq!(a, b);
                    a.user_id().unwrap_or("nobody").to_owned()
                }),
            )
            .configure(keyway_actix_web::configure(auth))
    });
    let r = app
        .send(Request::get("/me").body(Bytes::new()).unwrap())
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{:?}", r.headers());
    let r = app
        .send(Request::get("/whoami").body(Bytes::new()).unwrap())
        .await;
    assert_eq!(
        (r.status(), r.body().as_ref()),
        (StatusCode::OK, &b"nobody"[..])
    );
    let session = signed_in(&app).await;
    let r = app
        .send(
            Request::get("/me")
                .header(header::COOKIE, &session)
                .body(Bytes::new())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.body(), "alice@example.com");
    assert!(r.headers().get(header::SET_COOKIE).is_none());
    let r = app
        .send(
            Request::get("/whoami")
                .header(header::COOKIE, &session)
                .body(Bytes::new())
                .unwrap(),
        )
        .await;
    assert_eq!(r.body(), "1");
}

/// An app given no engine at all (a bare `scope` and no middleware) is the
/// one case left that cannot work: `500`, nothing of it shown, and a log
/// line that says what to add.
#[tokio::test]
async fn an_app_without_any_engine_is_a_500_with_nothing_shown() {
    let app = InProcess::new(standard_auth(), |auth| {
        App::new()
            .route(
                "/me",
                web::get().to(|u: CurrentUser| async move { u.0.name.unwrap_or_default() }),
            )
            .service(keyway_actix_web::scope(auth))
    });
    let r = app
        .send(Request::get("/me").body(Bytes::new()).unwrap())
        .await;
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(r.body().is_empty(), "{:?}", r.body());
    // The auth routes themselves work without it.
    let r = app
        .send(
            Request::get("/api/auth/providers")
                .body(Bytes::new())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[test]
fn the_missing_engine_message_says_what_to_add() {
    let message = keyway_actix_web::SessionRejection::MiddlewareMissing.to_string();
    assert!(message.contains("keyway_actix_web::app(auth)"), "{message}");
    assert!(
        message.contains(".configure(keyway_actix_web::configure(auth))"),
        "{message}"
    );
}

/// A POST whose body is streamed in `chunks`, without a `Content-Length`.
fn streamed(path: &'static str, chunks: Vec<Result<Bytes, PayloadError>>) -> actix_http::Request {
    let request = TestRequest::post()
        .uri(path)
        .insert_header((
            actix_web::http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        ))
        .to_request();
    let stream: actix_http::BoxedPayloadStream = Box::pin(futures::stream::iter(chunks));
    request.replace_payload(Payload::from(stream)).0
}

#[tokio::test]
async fn bodies_without_a_length_are_limited_too() {
    let auth = standard_auth();
    let limit = auth.max_body_bytes();
    let app = InProcess::new(auth, keyway_actix_web::app);

    // One byte over, in the last chunk.
    let r = app
        .send_built(move || {
            streamed(
                "/api/auth/callback/credentials",
                vec![
                    Ok(Bytes::from(vec![b'a'; limit])),
                    Ok(Bytes::from_static(b"a")),
                ],
            )
        })
        .await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.body(), "Payload too large.");

    // Exactly the limit reaches the engine (which refuses the form itself).
    let r = app
        .send_built(move || {
            streamed(
                "/api/auth/callback/credentials",
                vec![Ok(Bytes::from(vec![b'a'; limit]))],
            )
        })
        .await;
    assert_ne!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        r.status().is_client_error() || r.status().is_redirection(),
        "{r:?}"
    );

    // A Content-Length over the limit is refused before reading anything.
    let r = app
        .send(
            Request::post("/api/auth/session")
                .header(header::CONTENT_LENGTH, (limit + 1).to_string())
                .body(Bytes::from_static(b"{}"))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // A body that breaks off is a 400.
    let r = app
        .send_built(|| {
            streamed(
                "/api/auth/callback/credentials",
                vec![
                    Ok(Bytes::from_static(b"csrfToken=")),
                    Err(PayloadError::Incomplete(None)),
                ],
            )
        })
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.body(), "Bad request.");
}
