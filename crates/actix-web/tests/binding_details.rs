//! What the shared suite cannot see from outside: one engine lookup per
//! request however many extractors run, the missing-middleware mistake, and
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

#[tokio::test]
async fn an_extractor_without_the_middleware_is_a_500() {
    let app = InProcess::new(standard_auth(), |auth| {
        App::new()
            .route(
                "/me",
                web::get().to(|u: CurrentUser| async move { u.0.name.unwrap_or_default() }),
            )
            .route(
                "/whoami",
                web::get().to(|s: OptionalSession| async move { format!("{:?}", s.0) }),
            )
            .configure(keyway_actix_web::configure(auth))
    });
    for path in ["/me", "/whoami"] {
        let r = app
            .send(Request::get(path).body(Bytes::new()).unwrap())
            .await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        // Nothing of the mistake reaches the visitor.
        assert!(r.body().is_empty(), "{:?}", r.body());
    }
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
fn the_missing_middleware_message_says_what_to_add() {
    let message = keyway_actix_web::SessionRejection::MiddlewareMissing.to_string();
    assert!(message.contains("keyway_actix_web::app(auth)"), "{message}");
    assert!(
        message.contains(".wrap(keyway_actix_web::SessionMiddleware::new(auth))"),
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
