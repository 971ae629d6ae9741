//! Cutting the database connection mid-run: requests fail cleanly (the
//! connection kind, one ADAPTER_CONNECTION_ERROR log line, the Configuration
//! error page, no panic), and once the connection is back everything works
//! again without restarting the app.
//!
//! The cut is real: the adapter talks to PostgreSQL through keyway-testkit's
//! [`TcpProxy`], which is closed (every connection dropped, the port
//! refusing) and then reopened on the same port; the scenario is
//! keyway-testkit's [`connection_cut`], shared by every adapter.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use keyway_sea_orm::SeaOrmAdapter;
use keyway_testkit::support::{TcpProxy, connection_cut};

#[tokio::test]
async fn a_cut_connection_fails_cleanly_and_recovers() {
    let Some(db) = common::postgres().await else {
        return;
    };
    let pg: SocketAddr = "127.0.0.1:5432".parse().expect("addr");
    let proxy = TcpProxy::start(pg).await;
    let url = db
        .url
        .replacen("127.0.0.1:5432", &proxy.addr().to_string(), 1);
    assert_ne!(url, db.url, "the adapter goes through the proxy");
    let mut options = db.options.clone();
    options.connect_timeout = Some(Duration::from_secs(2));
    options.max_connections = Some(2);
    let adapter = SeaOrmAdapter::connect(&url, options)
        .await
        .expect("connect");
    connection_cut(
        Arc::new(adapter.clone()),
        &proxy,
        &["postgres", "sqlx", "sea-orm", "sea_orm"],
    )
    .await;
    adapter.close().await.ok();
}
