//! What the shared suite cannot see from outside: one engine lookup per
//! request however many guards run, the forgotten or doubled fairing, rocket
//! without `secret_key` in release, the app's own catchers, guards a handler
//! takes as `Option` / `Result`, another base path, and bodies without a
//! `Content-Length`.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use bytes::Bytes;
use common::{InProcess, config, serve};
use http::{Request, StatusCode};
use keyway_core::SessionStrategy;
use keyway_memory::MemoryAdapter;
use keyway_rocket::{CurrentUser, OptionalSession, RequireSession, SessionRejection};
use keyway_testkit::binding::auth::{EMAIL, PASSWORD, USERNAME};
use keyway_testkit::binding::{BindingUnderTest, SESSION_COOKIE, standard_auth, standard_builder};
use keyway_testkit::support::{Browser, FaultyAdapter};
use rocket::error::ErrorKind;
use rocket::http::Status;
use rocket::{Build, Catcher, Request as RocketRequest, Rocket, catch, catchers, get, routes};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Signs alice in with the credentials form.
async fn sign_in<A: BindingUnderTest>(b: &mut Browser<A>) {
    let token = b.csrf().await;
    let r = b
        .post_form(
            "/api/auth/callback/credentials",
            &[
                ("csrfToken", token.as_str()),
                ("username", USERNAME),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.summary());
    assert!(b.cookie(SESSION_COOKIE).is_some(), "{}", r.summary());
}

#[get("/all")]
fn all(a: OptionalSession, b: RequireSession, c: CurrentUser) -> String {
    assert_eq!(a.0.as_ref(), Some(&b.0));
    assert_eq!(b.user, c.0);
    c.email.clone().unwrap_or_default()
}

#[tokio::test]
async fn three_guards_one_lookup_one_cookie() {
    let adapter = FaultyAdapter::new(Arc::new(MemoryAdapter::new()));
    let auth = standard_builder()
        .adapter(Arc::new(adapter.clone()))
        .session_strategy(SessionStrategy::Database)
        .allow_credentials_with_database_sessions(true)
        .session_update_age(0)
        .build()
        .unwrap();
    let mut b = Browser::new(InProcess::new(move || {
        rocket::custom(config())
            .mount("/", routes![all])
            .attach(keyway_rocket::fairing(auth.clone()))
    }));
    sign_in(&mut b).await;
    let before = adapter.calls("get_session_and_user");
    let r = b.open("/all").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.summary());
    assert_eq!(r.body, EMAIL);
    assert_eq!(adapter.calls("get_session_and_user") - before, 1);
    assert_eq!(r.set_cookies().len(), 1, "{}", r.summary());
    assert!(r.set_cookie(SESSION_COOKIE).is_some(), "{}", r.summary());
}

#[get("/me")]
fn me(u: CurrentUser) -> String {
    u.name.clone().unwrap_or_default()
}

#[get("/maybe")]
fn maybe(s: Option<RequireSession>) -> String {
    format!("signed in: {}", s.is_some())
}

#[tokio::test]
async fn a_guard_without_the_fairing_stops_the_launch() {
    for rocket in [
        rocket::custom(config()).mount("/", routes![me]),
        rocket::custom(config()).mount("/", routes![maybe]),
    ] {
        let error = rocket.ignite().await.unwrap_err();
        assert!(
            matches!(error.kind(), ErrorKind::SentinelAborts(_)),
            "{:?}",
            error.kind()
        );
    }
}

#[tokio::test]
async fn the_fairing_twice_stops_the_launch() {
    let auth = standard_auth();
    let rocket = rocket::custom(config())
        .attach(keyway_rocket::fairing(auth.clone()))
        .attach(keyway_rocket::fairing(auth));
    let error = rocket.ignite().await.unwrap_err();
    match error.kind() {
        ErrorKind::FailedFairings(failed) => {
            assert!(failed.iter().any(|f| f.name == "keyway"), "{failed:?}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn release_without_a_secret_key_or_rocket_toml_serves() {
    // The release profile, set in code: no Rocket.toml, no ROCKET_* and no
    // `secret_key`. rocket would refuse this with its `secrets` feature on;
    // keyway neither needs nor enables it.
    let figment = rocket::Config::figment()
        .merge(rocket::Config::release_default())
        .merge(("port", 0))
        .merge(("address", "127.0.0.1"))
        .merge(("log_level", "off"));
    let auth = standard_auth();
    let rocket = rocket::custom(figment)
        .mount("/", routes![me])
        .attach(keyway_rocket::fairing(auth));
    assert_eq!(rocket.figment().profile(), "release");
    let mut b = Browser::new(serve(rocket).await);
    sign_in(&mut b).await;
    let r = b.open("/me").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.summary());
    assert_eq!(r.body, keyway_testkit::binding::auth::NAME);
}

#[catch(401)]
fn app_401() -> &'static str {
    "the app's own 401 page"
}

#[catch(default)]
fn app_default(status: Status, _: &RocketRequest<'_>) -> String {
    format!("the admin area's page for {status}")
}

#[get("/admin/panel")]
fn admin_panel(s: RequireSession) -> String {
    s.user.email.clone().unwrap_or_default()
}

#[get("/teapot")]
fn teapot() -> Status {
    Status::Unauthorized
}

fn with_catchers(catchers: Vec<Catcher>, base: &'static str) -> Rocket<Build> {
    rocket::custom(config())
        .mount("/", routes![me, admin_panel, teapot])
        .register(base, catchers)
        .attach(keyway_rocket::fairing(standard_auth()))
}

#[tokio::test]
async fn the_apps_catchers_leave_keyways_answer() {
    // An app's 401 catcher serves the app's own 401s, not the guards'.
    let mut b = Browser::new(InProcess::new(|| with_catchers(catchers![app_401], "/")));
    let r = b.fetch_json("/me").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.summary());
    assert_eq!(r.json()["error"], "SessionRequired");
    let r = b.open("/me").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.summary());
    let r = b.get("/teapot").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body, "the app's own 401 page");

    // A catch-all catcher under a longer base takes the guard's failure
    // first; the fairing still answers with keyway's redirect.
    let mut b = Browser::new(InProcess::new(|| {
        with_catchers(catchers![app_default], "/admin")
    }));
    let r = b.open("/admin/panel").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.summary());
    let location = r.location().unwrap();
    assert!(
        location.starts_with("http://127.0.0.1:3000/api/auth/signin?callbackUrl="),
        "{location}"
    );
    assert!(r.header("content-type").is_none(), "{}", r.summary());
    assert!(r.body.is_empty(), "{}", r.summary());
    let r = b.fetch_json("/admin/panel").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.summary());
    assert_eq!(r.json()["error"], "SessionRequired");
    sign_in(&mut b).await;
    let r = b.open("/admin/panel").await;
    assert_eq!(r.body, EMAIL, "{}", r.summary());
}

#[get("/either")]
fn either(s: Result<RequireSession, SessionRejection>) -> Result<String, SessionRejection> {
    s.map(|s| format!("hello {}", s.user.email.clone().unwrap_or_default()))
}

#[tokio::test]
async fn handlers_may_take_the_guards_as_option_or_result() {
    let mut b = Browser::new(InProcess::new(|| {
        rocket::custom(config())
            .mount("/", routes![maybe, either])
            .attach(keyway_rocket::fairing(standard_auth()))
    }));
    // `Option`: the handler answers, keyway does not step in.
    let r = b.open("/maybe").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.summary());
    assert_eq!(r.body, "signed in: false");
    // `Result`: the rejection, returned, is keyway's answer.
    let r = b.open("/either").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.summary());
    let r = b.fetch_json("/either").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.summary());
    sign_in(&mut b).await;
    assert_eq!(b.open("/maybe").await.body, "signed in: true");
    assert_eq!(b.open("/either").await.body, format!("hello {EMAIL}"));
}

#[tokio::test]
async fn routes_follow_the_base_path() {
    let auth = standard_builder().base_path("/auth").build().unwrap();
    let mut b = Browser::new(InProcess::new(move || {
        rocket::custom(config())
            .mount("/", routes![me])
            .attach(keyway_rocket::fairing(auth.clone()))
    }));
    let r = b.fetch_json("/auth/providers").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.summary());
    assert!(r.json()["credentials"].is_object(), "{}", r.summary());
    assert_eq!(b.fetch_json("/api/auth/providers").await.status, 404);
    let r = b.open("/me").await;
    assert!(
        r.location()
            .unwrap()
            .starts_with("http://127.0.0.1:3000/auth/signin?"),
        "{}",
        r.summary()
    );
}

/// Sends raw bytes to the app over TCP and returns the status line of the
/// answer.
async fn raw_status(addr: std::net::SocketAddr, request: &[u8]) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let mut byte = [0u8; 1];
    while !answer.ends_with(b"\r\n") && stream.read(&mut byte).await.unwrap() == 1 {
        answer.push(byte[0]);
    }
    String::from_utf8_lossy(&answer).trim_end().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_without_a_length_are_limited_too() {
    let auth = standard_auth();
    let limit = auth.max_body_bytes();
    let server = serve(rocket::custom(config()).attach(keyway_rocket::fairing(auth))).await;
    let addr = server.addr();

    // A chunked body with no Content-Length, one byte over in the last chunk.
    let mut request = b"POST /api/auth/callback/credentials HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n\
        Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\
        Connection: close\r\n\r\n"
        .to_vec();
    request.extend(format!("{limit:x}\r\n").as_bytes());
    request.extend(std::iter::repeat_n(b'a', limit));
    request.extend(b"\r\n1\r\na\r\n0\r\n\r\n");
    assert_eq!(
        raw_status(addr, &request).await,
        "HTTP/1.1 413 Payload Too Large"
    );

    // A Content-Length over the limit is refused once the client stops
    // sending, whatever it sent dropped (rocket itself waits for its first
    // 14 bytes before routing: it peeks at every body for a `_method`
    // field).
    let request = format!(
        "POST /api/auth/session HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nContent-Length: {}\r\n\
         Content-Type: application/json\r\nConnection: close\r\n\r\n{{\"csrfToken\": \"",
        limit + 1
    );
    assert_eq!(
        raw_status(addr, request.as_bytes()).await,
        "HTTP/1.1 413 Payload Too Large"
    );

    // The server is still fine.
    let r = server
        .send(
            Request::get("/api/auth/providers")
                .body(Bytes::new())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}
