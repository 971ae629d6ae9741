//! keyway-actix-web against the binding suite: in process with
//! `keyway_actix_web::app`, in process with an app of one's own
//! (`configure` + `SessionMiddleware`), and over a real TCP socket.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use actix_web::App;
use common::{InProcess, app, over_tcp, with_suite_routes};
use keyway_actix_web::SessionMiddleware;
use keyway_testkit::binding;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process() {
    let report = binding::run("actix-web, in process", |auth| InProcess::new(auth, app)).await;
    report.assert_all_passed();
    assert!(report.cases() >= 27, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configure_and_wrap() {
    let report = binding::run("actix-web, configure + wrap", |auth| {
        InProcess::new(auth, |auth| {
            with_suite_routes(
                App::new()
                    .wrap(SessionMiddleware::new(auth.clone()))
                    .configure(keyway_actix_web::configure(auth)),
            )
        })
    })
    .await;
    report.assert_all_passed();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp() {
    let report = binding::run("actix-web, TCP", |auth| over_tcp(auth, app)).await;
    report.assert_all_passed();
    // The raw-socket cases (431, 413 while sending) ran too.
    assert!(report.not_run().is_empty(), "{report}");
}
