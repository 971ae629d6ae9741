//! keyway-axum against the binding suite: in process, nested with
//! `nest_service`, and over a real TCP socket.

#![allow(clippy::unwrap_used)]

mod common;

use axum::Router;
use common::{Oneshot, app, app_with, over_tcp};
use keyway_testkit::binding;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oneshot() {
    let report = binding::run("axum, oneshot", |auth| Oneshot(app(auth))).await;
    report.assert_all_passed();
    assert!(report.cases() >= 27, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nest_service() {
    let report = binding::run("axum, nest_service", |auth| {
        let routes =
            Router::new().nest_service(auth.base_path(), keyway_axum::service(auth.clone()));
        Oneshot(app_with(auth, routes))
    })
    .await;
    report.assert_all_passed();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp() {
    let report = binding::run("axum, TCP", |auth| over_tcp(app(auth))).await;
    report.assert_all_passed();
    // The raw-socket cases (431, 413 while sending) ran too.
    assert!(report.not_run().is_empty(), "{report}");
}
