//! Scaffolding for keyway's own tests, written once instead of in every
//! crate's `tests/`:
//!
//! - [`Browser`]: drives an [`Auth`](keyway_core::Auth) (or a binding's app)
//!   in-process and keeps cookies the way a browser does;
//! - [`FaultyAdapter`]: wraps any adapter, makes a chosen operation fail
//!   with a chosen [`AdapterErrorKind`](keyway_core::AdapterErrorKind), and
//!   counts the calls of each operation;
//! - [`LogCapture`]: captures what `tracing` logs on the current thread, as
//!   text;
//! - [`scratch`]: throw-away SQLite, PostgreSQL and MariaDB databases for
//!   the SQL adapter crates' tests;
//! - [`error_text`]: everything an error and its sources show, to check that
//!   none of it leaks a secret;
//! - [`TcpProxy`]: a TCP proxy to a database that a test can cut and
//!   restore, and [`connection_cut`], the scenario every adapter runs
//!   through one;
//! - [`raw`]: an HTTP/1.1 client on a plain socket, for requests too large
//!   or too broken for a client library.
//!
//! ```
//! use std::sync::Arc;
//!
//! use keyway_core::{AdapterErrorKind, Auth};
//! use keyway_memory::MemoryAdapter;
//! use keyway_testkit::support::{Browser, FaultyAdapter, LogCapture};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let logs = LogCapture::start();
//! let adapter = FaultyAdapter::new(Arc::new(MemoryAdapter::new()));
//! let auth = Auth::builder()
//!     .secret("a-long-enough-test-secret-0123456789")
//!     .url("http://127.0.0.1:3000")
//!     .adapter(Arc::new(adapter.clone()))
//!     .build()
//!     .expect("config");
//! adapter.fail("get_session_and_user", AdapterErrorKind::Connection);
//!
//! let mut browser = Browser::new(auth);
//! browser.jar.insert("authjs.session-token".into(), "some-token".into());
//! assert_eq!(browser.session_email().await, None);
//! assert_eq!(adapter.calls("get_session_and_user"), 1);
//! assert!(logs.text().contains("ADAPTER_CONNECTION_ERROR"));
//! # }
//! ```

mod browser;
mod faulty;
mod logs;
mod outage;
mod proxy;
pub mod raw;
pub mod scratch;

pub use self::browser::{BROWSER_ACCEPT, Browser, Resp, is_removal};
pub use self::faulty::{FaultyAdapter, OPERATIONS};
pub use self::logs::LogCapture;
pub use self::outage::connection_cut;
pub use self::proxy::TcpProxy;

/// The `Display` and `Debug` text of `error` and of every error in its
/// `source()` chain, joined with `" / "`: what a log line or a panic message
/// could show of it.
///
/// ```
/// let e = std::io::Error::other("outer");
/// assert!(keyway_testkit::support::error_text(&e).starts_with("outer / "));
/// ```
pub fn error_text(error: &(dyn std::error::Error + 'static)) -> String {
    let mut out = format!("{error} / {error:?}");
    let mut source = error.source();
    while let Some(e) = source {
        out.push_str(&format!(" / {e} / {e:?}"));
        source = e.source();
    }
    out
}
