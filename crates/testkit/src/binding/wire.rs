//! Requests too large for the server, sent over a raw socket the way a
//! client does that keeps sending while the server has already decided:
//! the answer (`431` for a header block, `413` for a body) must be a
//! complete HTTP response the client can read, and afterwards the
//! connection serves another request or ends. These cases run only when
//! the app is served over a socket ([`BindingUnderTest::socket_addr`]).
//!
//! A server that stops reading a request may close the connection while
//! the client is still sending; the client's kernel then sees a reset. For
//! a header block the cases accept that once the whole answer has been read
//! (the client has what it needs), and fail when the reset, an end or
//! silence comes first. A body of a few times the limit must be taken in
//! whole (read and dropped) before the connection ends, so that a client
//! that sends all of it before reading gets the `413` too.
//!
//! [`BindingUnderTest::socket_addr`]: super::BindingUnderTest::socket_addr

use std::net::SocketAddr;

use http::StatusCode;

use super::auth::{HOST, standard_auth};
use super::check::ensure;
use super::{BindingUnderTest, Ctx};
use crate::support::raw::{self, Fate, RawResponse};

/// A header block larger than every supported server's limit (hyper's
/// ~400 KiB buffer, actix-http's 128 KiB).
const HEADER_BLOCK_BYTES: usize = 640 * 1024;

/// The app's address, or why the case cannot run.
async fn socket_of(app: &dyn BindingUnderTest) -> Result<SocketAddr, String> {
    app.socket_addr()
        .await
        .ok_or_else(|| "the app is not served over a socket".to_owned())
}

/// The app still answers on a new connection.
async fn still_serves(addr: SocketAddr) -> Result<(), String> {
    let head =
        format!("GET /api/auth/session HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n");
    let r = raw::exchange(addr, head.into_bytes(), Vec::new())
        .await?
        .response;
    ensure!(
        r.status == StatusCode::OK,
        "the app broke after the large request: {}",
        r.summary()
    );
    Ok(())
}

/// The whole answer was read: its status must be `want`.
fn check_answer(r: &RawResponse, want: StatusCode, what: &str) -> Result<(), String> {
    ensure!(
        r.status == want,
        "{what}: answered {}, not {want}",
        r.summary()
    );
    Ok(())
}

/// A body of a few times the limit was read to its end: the client could
/// send all of it.
fn check_taken_in_whole(fate: Fate, what: &str) -> Result<(), String> {
    ensure!(
        fate != Fate::ClosedWhileSending,
        "{what}: the server closed the connection before the client could send the whole body"
    );
    Ok(())
}

/// Says what became of the connection, for the suite's output.
fn tell(case: &str, r: &RawResponse, fate: Fate) {
    println!("binding suite: {case}: {}, connection {fate:?}", r.status);
}

pub(crate) async fn oversized_header_block(ctx: Ctx) -> Result<(), String> {
    let app = ctx.app(standard_auth());
    let addr = socket_of(app.as_ref()).await?;
    let mut head = format!("GET /api/auth/session HTTP/1.1\r\nHost: {HOST}\r\n").into_bytes();
    let line = format!("x-filler-{{}}: {}\r\n", "a".repeat(16 * 1024 - 20));
    for i in 0..HEADER_BLOCK_BYTES / (16 * 1024) {
        head.extend_from_slice(line.replace("{}", &i.to_string()).as_bytes());
    }
    head.extend_from_slice(b"\r\n");
    let raw::Exchange { response: r, fate } = raw::exchange(addr, head, Vec::new()).await?;
    check_answer(
        &r,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "a 640 KiB header block",
    )?;
    tell("oversized_header_block", &r, fate);
    still_serves(addr).await
}

pub(crate) async fn oversized_body_still_being_sent(ctx: Ctx) -> Result<(), String> {
    let auth = standard_auth();
    let limit = auth.max_body_bytes();
    let app = ctx.app(auth);
    let addr = socket_of(app.as_ref()).await?;
    let size = 4 * limit;
    let head = format!(
        "POST /api/auth/callback/credentials HTTP/1.1\r\nHost: {HOST}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {size}\r\n\r\n"
    );
    let mut body = b"username=alice&password=wonderland&pad=".to_vec();
    body.resize(size, b'a');
    let raw::Exchange { response: r, fate } = raw::exchange(addr, head.into_bytes(), body).await?;
    check_answer(
        &r,
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("a {size}-byte body (limit {limit})"),
    )?;
    tell("oversized_body_still_being_sent", &r, fate);
    check_taken_in_whole(fate, "oversized_body_still_being_sent")?;
    still_serves(addr).await
}

pub(crate) async fn oversized_chunked_body(ctx: Ctx) -> Result<(), String> {
    let auth = standard_auth();
    let limit = auth.max_body_bytes();
    let app = ctx.app(auth);
    let addr = socket_of(app.as_ref()).await?;
    let head = format!(
        "POST /api/auth/callback/credentials HTTP/1.1\r\nHost: {HOST}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    // Chunks of 4 KiB, four times the limit in all, then the last chunk.
    let mut body = Vec::new();
    let piece = vec![b'a'; 4096];
    for _ in 0..(4 * limit) / piece.len() {
        body.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        body.extend_from_slice(&piece);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\n\r\n");
    let raw::Exchange { response: r, fate } = raw::exchange(addr, head.into_bytes(), body).await?;
    check_answer(
        &r,
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("a chunked body of {} bytes (limit {limit})", 4 * limit),
    )?;
    tell("oversized_chunked_body", &r, fate);
    check_taken_in_whole(fate, "oversized_chunked_body")?;
    still_serves(addr).await
}
