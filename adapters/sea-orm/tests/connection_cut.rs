//! Cutting the database connection mid-run: requests fail cleanly (the
//! connection kind, one ADAPTER_CONNECTION_ERROR log line, the Configuration
//! error page, no panic), and once the connection is back everything works
//! again without restarting the app.
//!
//! The cut is real: the adapter talks to PostgreSQL through keyway-testkit's
//! [`TcpCut`] proxy, which is closed (every connection dropped, the port
//! refusing) and then reopened on the same port; the scenario is the
//! testkit's, shared with keyway-diesel.

mod common;

use std::sync::Arc;
use std::time::Duration;

use keyway_sea_orm::SeaOrmAdapter;
use keyway_testkit::support::TcpCut;

#[tokio::test]
async fn a_cut_connection_fails_cleanly_and_recovers() {
    let Some(db) = common::postgres().await else {
        return;
    };
    let proxy = TcpCut::start("127.0.0.1:5432".parse().expect("addr")).await;
    let mut options = db.options.clone();
    options.connect_timeout = Some(Duration::from_secs(2));
    options.max_connections = Some(2);
    let adapter = SeaOrmAdapter::connect(&proxy.route(&db.url), options)
        .await
        .expect("connect");
    proxy
        .outage_scenario(Arc::new(adapter.clone()), &["postgres", "sqlx"])
        .await;
    adapter.close().await.ok();
}
