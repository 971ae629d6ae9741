//! The same sign-in flow on SQLite, PostgreSQL and MariaDB, changing only
//! `DATABASE_URL` (keyway-demo-core's `testing::databases`).

keyway_demo_core::database_tests!("axum", "axum-demo");
