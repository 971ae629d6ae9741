//! What the demo's tests share: the binary started as README says with a
//! small HTTP client ([`binary`]), chromium driven through chromedriver
//! around the demo served in process ([`browser`]), and the SMTP sink of
//! `cargo xtask services` ([`sink`]).
//!
//! A test whose browser or service is missing is skipped with a notice,
//! unless `KEYWAY_REQUIRE_SERVICES=1` (as in CI), where it fails.

#![allow(dead_code)]

pub mod binary;
pub mod browser;
pub mod sink;

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

/// Whether missing services fail the tests (`KEYWAY_REQUIRE_SERVICES=1`).
pub fn required() -> bool {
    std::env::var("KEYWAY_REQUIRE_SERVICES").as_deref() == Ok("1")
}

/// `None` after a notice on stderr when `what` is missing and not
/// required; a failure when it is required.
pub fn unavailable<T>(test: &str, why: &str) -> Option<T> {
    assert!(
        !required(),
        "KEYWAY_REQUIRE_SERVICES=1 but {test} cannot run: {why}"
    );
    // Straight to stderr, past the test harness's capture, so the skip is
    // seen.
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
    None
}

/// Whether something accepts connections on 127.0.0.1:`port`.
pub fn port_open(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok()
}
