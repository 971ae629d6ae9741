//! The demo over HTTP, as every demo is tested (keyway-demo-core's
//! `testing::http`): protected routes for a browser and an API client,
//! credentials sign-in in both session strategies, the banner, bad
//! settings.

keyway_demo_core::http_tests!("rocket", "rocket-demo");
