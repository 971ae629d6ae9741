//! Cutting the database connection mid-run (a real TCP proxy between the
//! adapter and PostgreSQL, closed then reopened on the same port): requests
//! fail cleanly and the same pool works again once the server is back.
//! The scenario is keyway-testkit's, shared with keyway-sea-orm.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use keyway_diesel::{DieselAdapter, DieselOptions};
use keyway_testkit::support::TcpCut;

#[tokio::test]
async fn a_cut_connection_fails_cleanly_and_recovers() {
    let Some(db) = common::postgres().await else {
        return;
    };
    let proxy = TcpCut::start("127.0.0.1:5432".parse().expect("addr")).await;
    let options = DieselOptions {
        schema: db.schema.clone(),
        connect_timeout: Some(Duration::from_secs(2)),
        max_connections: Some(2),
        ..DieselOptions::default()
    };
    let adapter = DieselAdapter::connect(&proxy.route(&db.url), options)
        .await
        .expect("connect");
    proxy
        .outage_scenario(
            Arc::new(adapter.clone()),
            &["postgres", "diesel", "tokio", "closed"],
        )
        .await;
    adapter.close();
}
