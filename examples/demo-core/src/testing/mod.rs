//! The tests every demo runs against its own binary, written once: a demo's
//! `tests/` call the macros [`http_tests!`](crate::http_tests),
//! [`database_tests!`](crate::database_tests),
//! [`console_email_tests!`](crate::console_email_tests) and
//! [`browser_tests!`](crate::browser_tests) with its framework's name and
//! package (whose binary they start), and get the same `#[tokio::test]` functions as every other demo.
//!
//! ```text
//! // examples/axum-demo/tests/http.rs
//! keyway_demo_core::http_tests!("axum", "axum-demo");
//! ```
//!
//! What they use: the binary started as README says with a small HTTP
//! client ([`binary`]), chromium driven through chromedriver around it
//! ([`browser`]), and the SMTP sink of `cargo xtask services` ([`sink`]).
//! The demo's tests/ need `tokio` (features `macros`, `rt-multi-thread`)
//! as a dev-dependency for `#[tokio::test]`.
//!
//! A test whose browser or service is missing is skipped with a notice,
//! unless `KEYWAY_REQUIRE_SERVICES=1` (as in CI), where it fails.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

pub mod binary;
pub mod browser;
pub mod browser_journeys;
pub mod console_email;
pub mod databases;
pub mod http;
pub mod instances;
pub mod load;
pub mod sink;

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

/// A demo's binary under test.
#[derive(Debug, Clone, Copy)]
pub struct DemoBinary {
    /// The framework's name, as its banner shows it (`axum`).
    pub framework: &'static str,
    /// The demo's package, and its binary's name (`axum-demo`).
    pub package: &'static str,
    /// The binary (`env!("CARGO_BIN_EXE_axum-demo")` in the demo's tests).
    pub path: &'static str,
}

impl DemoBinary {
    /// A fresh directory name under the system's temp directory, named
    /// after the demo and `tag`.
    pub fn temp_dir(&self, tag: &str) -> PathBuf {
        std::env::temp_dir().join(format!("{}-{tag}-{}", self.package, keyway::random::hex(6)))
    }
}

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

/// The port of the local OpenID provider of `cargo xtask services` (its
/// issuer is `http://127.0.0.1:4700`).
pub const OIDC_PORT: u16 = 4700;

/// Whether the local OpenID provider is up; when it is not, says so for
/// `test` ([`unavailable`]: a failure under `KEYWAY_REQUIRE_SERVICES=1`).
pub fn openid_provider_up(test: &str) -> bool {
    if port_open(OIDC_PORT) {
        return true;
    }
    unavailable::<()>(
        test,
        &format!("no OpenID provider on 127.0.0.1:{OIDC_PORT}; `cargo xtask services` starts it"),
    );
    false
}

/// Whether something accepts connections on 127.0.0.1:`port`.
pub fn port_open(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok()
}

/// Declares `#[tokio::test]` functions, each calling `$module::$test(bin)`
/// for the binary of the demo package `$package`.
#[doc(hidden)]
#[macro_export]
macro_rules! __demo_tests {
    ($framework:literal, $package:literal, $module:ident: $($test:ident),+ $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                $crate::testing::$module::$test($crate::testing::DemoBinary {
                    framework: $framework,
                    package: $package,
                    path: env!(concat!("CARGO_BIN_EXE_", $package)),
                })
                .await;
            }
        )+
    };
}

/// Three instances of the demo on one PostgreSQL database, without and
/// with one Redis ([`instances`]): sessions and email send limits hold
/// across them.
#[macro_export]
macro_rules! instance_tests {
    ($framework:literal, $package:literal) => {
        $crate::__demo_tests!($framework, $package, instances:
            three_instances_share_one_postgresql_database,
            three_instances_share_postgresql_and_redis,
        );
    };
}

/// The demo over HTTP ([`http`]): the protected routes as a browser and
/// as an API client see them, a credentials sign-in in both session
/// strategies, the banner, bad settings refused, and the demo's own
/// sign-in page; and hostile requests beside real users, who stay signed
/// in, with no `5xx` and flat memory ([`load`]).
#[macro_export]
macro_rules! http_tests {
    ($framework:literal, $package:literal) => {
        $crate::__demo_tests!($framework, $package, http:
            database_sessions_by_default,
            jwt_sessions_on_request,
            the_binary_serves_and_says_how_to_sign_in,
            the_binary_says_which_sign_in_methods_it_offers,
            bad_settings_stop_the_binary_with_a_message,
            a_custom_sign_in_page_signs_in,
        );
        $crate::__demo_tests!($framework, $package, load:
            hostile_requests_beside_real_sign_ins,
        );
    };
}

/// The same sign-in flow on SQLite, PostgreSQL, MariaDB and MongoDB,
/// changing only `DATABASE_URL` ([`databases`]).
#[macro_export]
macro_rules! database_tests {
    ($framework:literal, $package:literal) => {
        $crate::__demo_tests!($framework, $package, databases:
            sign_in_flow_on_sqlite,
            sign_in_flow_on_postgresql,
            sign_in_flow_on_mariadb,
            sign_in_flow_on_sqlite_with_diesel,
            sign_in_flow_on_postgresql_with_diesel,
            sign_in_flow_on_mariadb_with_diesel,
            sign_in_flow_on_mongodb,
        );
    };
}

/// Email sign-in without `EMAIL_SERVER`: the link printed on the console
/// signs in ([`console_email`]).
#[macro_export]
macro_rules! console_email_tests {
    ($framework:literal, $package:literal) => {
        $crate::__demo_tests!($framework, $package, console_email:
            without_an_smtp_server_the_link_is_printed_on_the_console,
        );
    };
}

/// The demo in a real headless browser ([`browser_journeys`]): credentials,
/// OpenID Connect and email sign-in.
#[macro_export]
macro_rules! browser_tests {
    ($framework:literal, $package:literal) => {
        $crate::__demo_tests!($framework, $package, browser_journeys:
            sign_in_and_out_in_a_real_browser,
            sign_in_through_the_local_openid_provider,
            sign_in_by_email_in_a_real_browser,
        );
    };
}

/// The first ```` ```rust ```` block under the heading `## {heading}` of a
/// README's text, without its fences.
pub fn readme_snippet(readme: &str, heading: &str) -> String {
    let title = format!("## {heading}");
    let section = readme
        .split_once(&format!("\n{title}\n"))
        .unwrap_or_else(|| panic!("README has no {title:?}"))
        .1;
    let block = section
        .split_once("```rust\n")
        .unwrap_or_else(|| panic!("no rust block under {title:?}"))
        .1;
    let (code, _) = block
        .split_once("```")
        .unwrap_or_else(|| panic!("the rust block under {title:?} is not closed"));
    code.to_owned()
}

/// The line that starts the README snippet in a test file.
pub const SNIPPET_BEGINS: &str = "// README snippet begins";
/// The line that ends it.
pub const SNIPPET_ENDS: &str = "// README snippet ends";

/// The lines between [`SNIPPET_BEGINS`] and [`SNIPPET_ENDS`] in a test
/// file's `source`, without their common indentation: the snippet as the
/// test compiles it, to compare with [`readme_snippet`].
pub fn marked_snippet(source: &str) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let begin = lines
        .iter()
        .position(|l| l.trim() == SNIPPET_BEGINS)
        .expect("the test marks where the snippet begins");
    let end = lines
        .iter()
        .position(|l| l.trim() == SNIPPET_ENDS)
        .expect("the test marks where the snippet ends");
    let body = &lines[begin + 1..end];
    let indent = body
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    body.iter()
        .map(|l| format!("{}\n", l.get(indent..).unwrap_or("")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_read_from_the_readme_and_the_test_file() {
        let readme = "# x\n\n## Use it\n\nText.\n\n```rust\nlet a = 1;\n\nlet b = a;\n```\n\n## Next\n\n```rust\nno\n```\n";
        assert_eq!(
            readme_snippet(readme, "Use it"),
            "let a = 1;\n\nlet b = a;\n"
        );
        let source = "fn f() {\n    // README snippet begins\n    let a = 1;\n\n    let b = a;\n    // README snippet ends\n}\n";
        assert_eq!(marked_snippet(source), "let a = 1;\n\nlet b = a;\n");
    }
}
