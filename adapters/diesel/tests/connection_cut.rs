//! Cutting the database connection mid-run (a real TCP proxy between the
//! adapter and PostgreSQL, closed then reopened on the same port): requests
//! fail cleanly and the same pool works again once the server is back.
//! The scenario is keyway-testkit's, shared with keyway-sea-orm.

mod common;

use std::sync::Arc;
use std::time::Duration;

use keyway_diesel::{DieselAdapter, DieselOptions};
use keyway_testkit::support::{TcpProxy, connection_cut};

#[tokio::test]
async fn a_cut_connection_fails_cleanly_and_recovers() {
    let Some(db) = common::postgres().await else {
        return;
    };
    let proxy = TcpProxy::start("127.0.0.1:5432".parse().expect("addr")).await;
    let url = db
        .url
        .replacen("127.0.0.1:5432", &proxy.addr().to_string(), 1);
    assert_ne!(url, db.url, "the adapter goes through the proxy");
    let options = DieselOptions {
        schema: db.schema.clone(),
        connect_timeout: Some(Duration::from_secs(2)),
        max_connections: Some(2),
        ..DieselOptions::default()
    };
    let adapter = DieselAdapter::connect(&url, options)
        .await
        .expect("connect");
    connection_cut(
        Arc::new(adapter.clone()),
        &proxy,
        &["postgres", "diesel", "tokio", "closed"],
    )
    .await;
    adapter.close();
}
