//! keyway-rocket against the binding suite: in process (rocket's local
//! client) and over a real TCP socket.

#![allow(clippy::unwrap_used)]

mod common;

use common::{InProcess, OverTcpLazily, app};
use keyway_testkit::binding;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_client() {
    let report = binding::run("rocket, local client", |auth| {
        InProcess::new(move || app(auth.clone()))
    })
    .await;
    report.assert_all_passed();
    assert!(report.cases() >= 27, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp() {
    let report = binding::run("rocket, TCP", |auth| {
        OverTcpLazily::new(move || app(auth.clone()))
    })
    .await;
    report.assert_all_passed();
    assert!(report.cases() >= 30, "{report}");
    assert!(report.not_run().is_empty(), "{report}");
}
