//! The demo in a real headless browser: credentials, OpenID Connect and
//! email sign-in (keyway-demo-core's `testing::browser_journeys`).
//! Screenshots in `test-output/axum-demo-browser/<journey>/`.

keyway_demo_core::browser_tests!("axum", "axum-demo");
