//! Three axum demos behind one PostgreSQL database, without and with one
//! Redis (keyway-demo-core's `testing::instances`).

keyway_demo_core::instance_tests!("axum", "axum-demo");
