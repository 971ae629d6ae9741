//! What the shared suite cannot see from outside: one engine lookup per
//! request however many extractors run, the user's id beside the session,
//! extractors without the layer, and bodies without a `Content-Length`.

#![allow(clippy::unwrap_used)]

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use bytes::Bytes;
use http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use keyway_axum::{AuthRouter, CurrentUser, OptionalSession, RequireSession};
use keyway_core::Auth;
use keyway_testkit::binding::{SESSION_COOKIE, rolling_jwt_auth, standard_auth};
use tower::ServiceExt;

async fn call(router: &Router, request: Request<Body>) -> http::Response<Bytes> {
    let response = router.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    http::Response::from_parts(parts, body.collect().await.unwrap().to_bytes())
}

/// Signs alice in through the router; returns the session cookie pair.
async fn signed_in(router: &Router) -> String {
    let csrf = call(
        router,
        Request::get("/api/auth/csrf").body(Body::empty()).unwrap(),
    )
    .await;
    let csrf_cookie = csrf.headers()[header::SET_COOKIE].to_str().unwrap();
    let csrf_pair = csrf_cookie.split(';').next().unwrap().to_owned();
    let json: serde_json::Value = serde_json::from_slice(csrf.body()).unwrap();
    let token = json["csrfToken"].as_str().unwrap();
    let form = format!("csrfToken={token}&username=alice&password=wonderland");
    let r = call(
        router,
        Request::post("/api/auth/callback/credentials")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, csrf_pair)
            .body(Body::from(form))
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
    let auth = rolling_jwt_auth();
    let router = Router::new()
        .route(
            "/all",
            get(
                |a: OptionalSession, b: RequireSession, c: CurrentUser| async move {
                    assert_eq!(a.0.as_ref(), Some(&b.0));
                    assert_eq!(b.user, c.0);
                    c.email.clone().unwrap_or_default()
                },
            ),
        )
        .with_auth(auth);
    let session = signed_in(&router).await;
    let r = call(
        &router,
        Request::get("/all")
            .header(header::COOKIE, session)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.body(), "alice@example.com");
    let rolled = r.headers().get_all(header::SET_COOKIE).iter().count();
    assert_eq!(rolled, 1, "{:?}", r.headers());
}

#[tokio::test]
async fn the_extractors_give_the_users_id_beside_the_unchanged_session() {
    let auth = standard_auth();
    let router = Router::new()
        .route(
            "/id",
            get(|s: RequireSession, o: OptionalSession| async move {
                assert_eq!(o.user_id(), s.user_id());
                assert!(s.session_token.is_none(), "a JWT session has no row");
                serde_json::json!({ "id": s.user_id, "session": s.0.data }).to_string()
            }),
        )
        .with_auth(auth);
    let session = signed_in(&router).await;
    let get = |path: &str| {
        Request::get(path)
            .header(header::COOKIE, &session)
            .body(Body::empty())
            .unwrap()
    };
    let r = call(&router, get("/id")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let got: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
    // standard_auth's credentials sign alice in as user "1".
    assert_eq!(got["id"], "1");
    let json = call(&router, get("/api/auth/session")).await;
    let mut wire: serde_json::Value = serde_json::from_slice(json.body()).unwrap();
    // `expires` moves as the session rolls; everything else is the same object.
    wire["expires"] = got["session"]["expires"].clone();
    assert_eq!(got["session"], wire);
    assert!(wire["user"].get("id").is_none(), "{wire}");
}

/// The engine in the state but no `SessionLayer` (routes added after
/// `mount`, say): the extractors still work, nothing answers 500; only the
/// rolled cookie is lost.
#[tokio::test]
async fn without_the_layer_the_extractors_read_the_session_from_the_state() {
    let auth = standard_auth();
    let signed = Router::new().with_auth(auth.clone());
    let session = signed_in(&signed).await;
    let router: Router = Router::<Auth>::new()
        .route(
            "/me",
            get(|u: CurrentUser| async move { u.0.email.unwrap_or_default() }),
        )
        .route(
            "/whoami",
            get(|a: OptionalSession, b: OptionalSession| async move {
                assert_eq!(a, b);
                a.user_id().unwrap_or("nobody").to_owned()
            }),
        )
        .with_state(auth);
    let r = call(&router, Request::get("/me").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{:?}", r.headers());
    let r = call(
        &router,
        Request::get("/me")
            .header(header::COOKIE, &session)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.body(), "alice@example.com");
    assert!(r.headers().get(header::SET_COOKIE).is_none());
    let r = call(
        &router,
        Request::get("/whoami")
            .header(header::COOKIE, &session)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.body(), "1");
}

#[tokio::test]
async fn bodies_without_a_length_are_limited_too() {
    let auth = standard_auth();
    let limit = auth.max_body_bytes();
    let router: Router = keyway_axum::routes(auth);
    // A streamed body with no Content-Length, one byte over in the last chunk.
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::from(vec![b'a'; limit])),
        Ok(Bytes::from_static(b"a")),
    ];
    let body = Body::from_stream(futures::stream::iter(chunks));
    let r = call(
        &router,
        Request::post("/api/auth/callback/credentials")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // A Content-Length over the limit is refused, what came of the body
    // dropped.
    let r = call(
        &router,
        Request::post("/api/auth/session")
            .header(header::CONTENT_LENGTH, (limit + 1).to_string())
            .body(Body::from("{}"))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // A body that breaks off is a 400.
    let broken: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::from_static(b"csrfToken=")),
        Err(std::io::Error::other("connection reset")),
    ];
    let r = call(
        &router,
        Request::post("/api/auth/callback/credentials")
            .body(Body::from_stream(futures::stream::iter(broken)))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}
