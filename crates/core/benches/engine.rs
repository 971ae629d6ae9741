//! The engine without the network: `Auth::handle` on the requests the load
//! benchmark (`cargo xtask bench`) sends, so that keyway's own cost per
//! request can be profiled apart from the HTTP server's.
//!
//! `cargo bench -p keyway-core --bench engine`

use std::hint::black_box;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{Duration, Utc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use http::Request;
use keyway_core::jwt::{Claims, JwtCodec, TokenFormat};
use keyway_core::{Adapter, Auth, Session, SessionStrategy, SessionToken, User};
use keyway_memory::MemoryAdapter;
use serde_json::Value;

const SECRET: &str = "bench-secret-bench-secret-bench-secret-0123";
const HOST: &str = "127.0.0.1:3000";

fn user() -> User {
    let mut u = User::new("bench-user", "bench@example.com");
    u.name = Some("Bench User".into());
    u.image = Some("https://example.com/avatars/bench.png".into());
    u
}

fn get(path: &str, cookie: Option<&str>) -> Request<Bytes> {
    let mut b = Request::get(path).header("host", HOST);
    if let Some(c) = cookie {
        b = b.header("cookie", c);
    }
    match b.body(Bytes::new()) {
        Ok(r) => r,
        Err(e) => panic!("bad bench request: {e}"),
    }
}

/// The `name=value` pairs a first visit sets (CSRF and callback-url
/// cookies), as a browser would send them back.
fn first_visit_cookies(rt: &tokio::runtime::Runtime, auth: &Auth) -> Vec<String> {
    let response = rt.block_on(auth.handle(get("/api/auth/csrf", None)));
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect()
}

fn bench(c: &mut Criterion) {
    let rt = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(rt) => rt,
        Err(e) => panic!("runtime: {e}"),
    };
    let build = |b: keyway_core::AuthBuilder| match b.build() {
        Ok(a) => a,
        Err(e) => panic!("config: {e}"),
    };
    let jwt = build(
        Auth::builder()
            .secret(SECRET)
            .trust_host(true)
            .session_strategy(SessionStrategy::Jwt),
    );
    let memory = MemoryAdapter::new();
    let database = build(
        Auth::builder()
            .secret(SECRET)
            .trust_host(true)
            .adapter(Arc::new(memory.clone()))
            .session_strategy(SessionStrategy::Database),
    );

    // A JWT session cookie as a sign-in writes it.
    let codec = match JwtCodec::new(TokenFormat::AuthJs, &[SECRET], "authjs.session-token") {
        Ok(c) => c,
        Err(e) => panic!("codec: {e}"),
    };
    let mut claims = Claims::new();
    for (k, v) in [
        ("name", "Bench User"),
        ("email", "bench@example.com"),
        ("picture", "https://example.com/avatars/bench.png"),
        ("sub", "bench-user"),
    ] {
        claims.insert(k.into(), Value::from(v));
    }
    let encode = |issued: chrono::DateTime<Utc>| match codec.encode(
        claims.clone(),
        30 * 24 * 3600,
        issued,
    ) {
        Ok(t) => t,
        Err(e) => panic!("token: {e}"),
    };
    let token = encode(Utc::now());
    let mut jar = first_visit_cookies(&rt, &jwt);
    let browser = jar.clone();
    jar.push(format!("authjs.session-token={token}"));
    let jwt_cookie = jar.join("; ");
    // The same, issued two days ago: older than the update age, so a read
    // re-issues it.
    let mut due = browser;
    due.push(format!(
        "authjs.session-token={}",
        encode(Utc::now() - Duration::days(2))
    ));
    let jwt_due_cookie = due.join("; ");

    // A database session row for the same user.
    let session_token = "bench-session-token-0123456789abcdef";
    let stored = rt.block_on(async {
        memory.create_user(user()).await?;
        memory
            .create_session(Session {
                session_token: SessionToken::new(session_token),
                user_id: "bench-user".into(),
                expires: Utc::now() + Duration::days(30),
            })
            .await
    });
    if let Err(e) = stored {
        panic!("memory adapter: {e}");
    }
    let mut jar = first_visit_cookies(&rt, &database);
    jar.push(format!("authjs.session-token={session_token}"));
    let db_cookie = jar.join("; ");

    let mut group = c.benchmark_group("engine");
    let cases: [(&str, &Auth, &str, Option<&str>); 5] = [
        ("session_no_cookie", &jwt, "/api/auth/session", None),
        ("csrf_no_cookie", &jwt, "/api/auth/csrf", None),
        ("session_jwt", &jwt, "/api/auth/session", Some(&jwt_cookie)),
        (
            "session_jwt_due",
            &jwt,
            "/api/auth/session",
            Some(&jwt_due_cookie),
        ),
        (
            "session_database_memory",
            &database,
            "/api/auth/session",
            Some(&db_cookie),
        ),
    ];
    for (name, auth, path, cookie) in cases {
        let check = rt.block_on(auth.handle(get(path, cookie)));
        assert_eq!(check.status(), 200, "{name}");
        if cookie.is_some() {
            let body = String::from_utf8_lossy(check.body());
            assert!(body.contains("bench@example.com"), "{name}: {body}");
        }
        group.bench_function(name, |b| {
            b.iter_batched(
                || get(path, cookie),
                |request| rt.block_on(auth.handle(black_box(request))),
                BatchSize::SmallInput,
            )
        });
    }
    // What the extractors call on every request: `Auth::session`.
    for (name, auth, cookie) in [
        ("extractor_jwt", &jwt, &jwt_cookie),
        ("extractor_jwt_due", &jwt, &jwt_due_cookie),
        ("extractor_database_memory", &database, &db_cookie),
    ] {
        let headers = get("/", Some(cookie)).headers().clone();
        let check = rt.block_on(auth.session(&headers));
        assert!(check.session.is_some(), "{name}");
        group.bench_function(name, |b| {
            b.iter(|| rt.block_on(auth.session(black_box(&headers))))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
