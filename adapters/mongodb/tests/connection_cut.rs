//! Cutting the connection to MongoDB mid-run: keyway-testkit's
//! [`connection_cut`] scenario, with the adapter talking to the test server
//! through a [`TcpProxy`] that is cut and restored. Requests fail cleanly
//! (the connection kind once server selection times out, one
//! ADAPTER_CONNECTION_ERROR line, the Configuration page) and work again
//! once the connection is back, on the same adapter.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use keyway_mongodb::testing::TestDatabase;
use keyway_testkit::support::{TcpProxy, connection_cut};

/// The `host:port` of a single-host MongoDB URL.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?']).next().unwrap_or(rest)
}

#[tokio::test]
async fn a_cut_connection_fails_cleanly_and_recovers() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let server = host_of(db.url());
    let target: SocketAddr = server
        .parse()
        .unwrap_or_else(|e| panic!("the test server `{server}` is not an ip:port: {e}"));
    let proxy = TcpProxy::start(target).await;
    let url = db.url().replacen(server, &proxy.addr().to_string(), 1);
    assert_ne!(url, db.url(), "the adapter goes through the proxy");
    let adapter = keyway_mongodb::MongoAdapter::connect(
        &url,
        keyway_mongodb::MongoOptions {
            connect_timeout: Some(Duration::from_secs(2)),
            ..db.options()
        },
    )
    .await
    .expect("connect through the proxy");
    connection_cut(
        Arc::new(adapter),
        &proxy,
        &[
            "mongo",
            "secantus",
            "server selection",
            "kind:",
            "i/o error",
        ],
    )
    .await;
}
