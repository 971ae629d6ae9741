//! Hostile input beside real users: the demo (on its default SQLite file,
//! database sessions) gets a bounded mix of malformed requests (bad and
//! oversized cookies, oversized header blocks and bodies, broken JSON and
//! forms, wrong methods, bytes that are not UTF-8, truncated tokens,
//! contradictory framing) over raw sockets, round after round, while real
//! users sign in, use the app and sign out. It checks that
//!
//! - every hostile request gets a whole HTTP answer, never a `5xx`;
//! - every real user stays signed in throughout, and new sign-ins work;
//! - the demo's memory stays flat: its resident size (`VmRSS` of
//!   `/proc/<pid>/status`) after the rounds is within [`RSS_GROWTH_LIMIT`]
//!   of what it was after a warm-up round.
//!
//! The run is bounded: at most [`ROUNDS`] rounds and [`RUN_TIME`].

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use http::StatusCode;
use keyway_testkit::support::raw;

use super::DemoBinary;
use super::binary::{Client, Demo};

/// Rounds after the warm-up.
pub const ROUNDS: usize = 300;
/// The longest the rounds may run, all together.
pub const RUN_TIME: Duration = Duration::from_secs(20);
/// Users signed in for the whole run.
const USERS: usize = 6;
/// How much the demo's resident memory may grow over the rounds: far more
/// than allocator noise, far less than what a leak per request would add
/// over some thousand hostile requests carrying up to 640 KiB each.
pub const RSS_GROWTH_LIMIT: u64 = 48 * 1024 * 1024;

/// The session cookie on an http site.
const SESSION_COOKIE: &str = "authjs.session-token";

/// One hostile request: what it is, and its bytes (head, then body).
struct Hostile {
    what: String,
    head: Vec<u8>,
    body: Vec<u8>,
}

fn request(what: &str, head: impl Into<Vec<u8>>, body: impl Into<Vec<u8>>) -> Hostile {
    Hostile {
        what: what.to_owned(),
        head: head.into(),
        body: body.into(),
    }
}

/// `GET path` with the extra header lines `extra` (each ending in CRLF).
fn get(what: &str, path: &[u8], extra: &[u8]) -> Hostile {
    let mut head = b"GET ".to_vec();
    head.extend_from_slice(path);
    head.extend_from_slice(b" HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n");
    head.extend_from_slice(extra);
    head.extend_from_slice(b"\r\n");
    request(what, head, Vec::new())
}

/// `method path` with a body of `content_type` (none when empty) and a
/// `Content-Length` that matches it.
fn send(what: &str, method: &str, path: &str, content_type: &str, body: &[u8]) -> Hostile {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !content_type.is_empty() {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    head.push_str("\r\n");
    request(what, head, body.to_vec())
}

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

/// The mix, with a real user's session token and CSRF token to truncate.
fn hostile_mix(session: &str, csrf: &str) -> Vec<Hostile> {
    let half = |s: &str| s.get(..s.len() / 2).unwrap_or_default().to_owned();
    let truncated_session = half(session);
    let truncated_csrf = half(csrf);
    let mut chunks = String::new();
    for i in 0..12 {
        chunks.push_str(&format!("{SESSION_COOKIE}.{i}={}; ", "x".repeat(3000)));
    }
    let big_header: String = (0..40)
        .map(|i| format!("x-filler-{i}: {}\r\n", "a".repeat(16 * 1024)))
        .collect();
    let mut big_body = b"csrfToken=x&username=alice&password=wonderland&pad=".to_vec();
    big_body.resize(256 * 1024, b'a');
    vec![
        // Bad cookies.
        get(
            "a garbage session token",
            b"/api/me",
            format!("Cookie: {SESSION_COOKIE}=not-a-token\r\n").as_bytes(),
        ),
        get(
            "a cookie that is not UTF-8",
            b"/api/auth/session",
            b"Cookie: \xff\xfe=\x80\x81; authjs.session-token=\xc3\x28\r\n",
        ),
        get(
            "cookie chunks of a token that does not exist",
            b"/",
            format!("Cookie: {chunks}\r\n").as_bytes(),
        ),
        get(
            "a cookie header of separators",
            b"/api/auth/session",
            b"Cookie: ;;;===;; ;=\r\n",
        ),
        // Oversized.
        get(
            "a 640 KiB header block",
            b"/api/auth/session",
            big_header.as_bytes(),
        ),
        request(
            "a 256 KiB body",
            format!(
                "POST /api/auth/callback/credentials HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                 Content-Type: {FORM}\r\nContent-Length: {}\r\n\r\n",
                big_body.len()
            ),
            big_body,
        ),
        // Broken JSON and forms.
        send(
            "broken JSON",
            "POST",
            "/api/auth/session",
            JSON,
            b"{\"csrfToken\":",
        ),
        send(
            "a JSON array",
            "POST",
            "/api/auth/callback/credentials",
            JSON,
            b"[1,2",
        ),
        send(
            "a form that is not UTF-8",
            "POST",
            "/api/auth/callback/credentials",
            FORM,
            b"csrfToken=\xff\xfe&username=%ZZ&password=\x80",
        ),
        send(
            "a multipart body without parts",
            "POST",
            "/api/auth/signout",
            "multipart/form-data; boundary=x",
            b"--x\r\n",
        ),
        // Wrong methods.
        send("PUT on the session", "PUT", "/api/auth/session", "", b""),
        send("DELETE on sign-out", "DELETE", "/api/auth/signout", "", b""),
        send("an unknown method", "BREW", "/api/auth/csrf", "", b""),
        send("PATCH on a page", "PATCH", "/protected", "", b""),
        // Not UTF-8, odd paths.
        get(
            "a path that is not UTF-8",
            b"/api/auth/signin/\xff\xfe",
            b"",
        ),
        get(
            "an escaped path that is not UTF-8",
            b"/api/auth/signin/%FF%FE",
            b"",
        ),
        get(
            "a query that is not UTF-8",
            b"/api/auth/signin?callbackUrl=%FF%C3",
            b"",
        ),
        get("a dot-dot path", b"/api/auth/%2e%2e/%2e%2e/etc/passwd", b""),
        // Truncated tokens.
        get(
            "a truncated session token",
            b"/api/me",
            format!("Cookie: {SESSION_COOKIE}={truncated_session}\r\n").as_bytes(),
        ),
        send(
            "a truncated CSRF token",
            "POST",
            "/api/auth/callback/credentials",
            FORM,
            format!("csrfToken={truncated_csrf}&username=alice&password=wonderland").as_bytes(),
        ),
        get(
            "a truncated verification link",
            b"/api/auth/callback/email?token=abc&email=alice%40example.com",
            b"",
        ),
        // Contradictory framing.
        request(
            "Content-Length and chunked at once",
            format!(
                "POST /api/auth/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {JSON}\r\n\
                 Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
            ),
            b"0\r\n\r\n".to_vec(),
        ),
        request(
            "a Content-Length that is not a number",
            "POST /api/auth/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: lots\r\n\r\n",
            Vec::new(),
        ),
        request(
            "no Host header",
            "GET /api/auth/session HTTP/1.1\r\nAccept: application/json\r\n\r\n",
            Vec::new(),
        ),
    ]
}

/// Sends every hostile request, each on its own connection, and checks
/// that each got a whole answer below 500; returns how many were sent.
async fn send_mix(addr: SocketAddr, mix: Vec<Hostile>) -> usize {
    let sent = mix.len();
    let mut tasks = tokio::task::JoinSet::new();
    for hostile in mix {
        tasks.spawn(async move {
            let answer = raw::exchange(addr, hostile.head, hostile.body).await;
            (hostile.what, answer)
        });
    }
    while let Some(done) = tasks.join_next().await {
        let (what, answer) = done.expect("a hostile request's task");
        let answer = answer.unwrap_or_else(|e| panic!("{what}: no whole answer: {e}"));
        assert!(
            !answer.response.status.is_server_error(),
            "{what}: {}",
            answer.response.summary()
        );
    }
    sent
}

async fn sign_in(c: &mut Client) {
    let token = c.csrf().await;
    let form = format!("csrfToken={token}&username=alice&password=wonderland&callbackUrl=%2F");
    let r = c.post("/api/auth/callback/credentials", form).await;
    assert_eq!(r.status, StatusCode::FOUND, "sign-in: {}", r.body);
    assert!(c.cookie(SESSION_COOKIE).is_some(), "sign-in set no session");
}

/// The user is signed in: `/api/me` answers their session.
async fn assert_signed_in(c: &mut Client, who: &str) {
    let r = c.get_as("/api/me", "application/json").await;
    assert_eq!(r.status, StatusCode::OK, "{who} was signed out: {}", r.body);
    assert!(r.body.contains("alice@example.com"), "{who}: {}", r.body);
}

/// A whole visit: sign in, use the app, sign out.
async fn visit(port: u16) {
    let mut c = Client::new(port);
    sign_in(&mut c).await;
    assert_signed_in(&mut c, "a visitor").await;
    let token = c.csrf().await;
    let r = c
        .post(
            "/api/auth/signout",
            format!("csrfToken={token}&callbackUrl=%2F"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "sign-out: {}", r.body);
    assert_eq!(c.cookie(SESSION_COOKIE), None);
}

/// The resident memory of process `pid`, in bytes.
fn resident_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|e| panic!("cannot read the demo's /proc status: {e}"));
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no VmRSS in the demo's /proc status:\n{status}"));
    kib * 1024
}

/// One round: the hostile mix and a visit at the same time, then every
/// user's session checked.
async fn round(port: u16, users: &mut [Client], mix: Vec<Hostile>) -> usize {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let hostile = tokio::spawn(send_mix(addr, mix));
    let visitor = tokio::spawn(visit(port));
    for (i, user) in users.iter_mut().enumerate() {
        assert_signed_in(user, &format!("user {i}")).await;
    }
    visitor.await.expect("a visit");
    hostile.await.expect("the hostile mix")
}

pub async fn hostile_requests_beside_real_sign_ins(bin: DemoBinary) {
    // Hostile requests log warnings by the thousand (and rocket logs each
    // unknown route, actix each unparsable request, as an error); keyway's
    // errors are enough.
    let demo = Demo::start(bin, &[("RUST_LOG", "error,rocket=off,actix_http=off")]).await;
    assert!(
        demo.banner.contains("sessions     database"),
        "{}",
        demo.banner
    );
    let pid = demo.pid().expect("the demo runs");
    let mut users = Vec::new();
    for _ in 0..USERS {
        let mut c = Client::new(demo.port);
        sign_in(&mut c).await;
        users.push(c);
    }
    let session = users[0].cookie(SESSION_COOKIE).unwrap().to_owned();
    let csrf = users[0].csrf().await;

    // Warm-up: every path the rounds take, once.
    round(demo.port, &mut users, hostile_mix(&session, &csrf)).await;
    let warm = resident_bytes(pid);

    let started = Instant::now();
    let mut rounds = 0;
    let mut hostile = 0;
    while rounds < ROUNDS && started.elapsed() < RUN_TIME {
        hostile += round(demo.port, &mut users, hostile_mix(&session, &csrf)).await;
        rounds += 1;
    }
    let after = resident_bytes(pid);
    println!(
        "{rounds} rounds, {hostile} hostile requests in {:?}; resident memory {} KiB after warm-up, {} KiB after",
        started.elapsed(),
        warm / 1024,
        after / 1024
    );
    assert!(rounds >= 3, "only {rounds} rounds within {RUN_TIME:?}");
    assert!(
        after <= warm + RSS_GROWTH_LIMIT,
        "the demo's memory grew from {} KiB to {} KiB over {rounds} rounds",
        warm / 1024,
        after / 1024
    );
    for (i, user) in users.iter_mut().enumerate() {
        assert_signed_in(user, &format!("user {i}")).await;
    }
    demo.stop().await;
}
