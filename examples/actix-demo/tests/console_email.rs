//! Email sign-in without `EMAIL_SERVER`: the link is printed on the console
//! and signs in (keyway-demo-core's `testing::console_email`).

keyway_demo_core::console_email_tests!("actix-web", "actix-demo");
