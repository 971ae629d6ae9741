//! Throw-away databases for tests (feature `testkit`): [`execute`] runs one
//! statement on a short-lived admin connection, the
//! [`Admin`](keyway_testkit::support::scratch::Admin) that keyway-testkit's
//! scratch databases take.

use std::future::Future;
use std::pin::Pin;

use diesel_async::{AsyncConnection, SimpleAsyncConnection};
use keyway_core::AdapterError;

use crate::error::db_error;

/// Runs `sql` on a fresh connection to the PostgreSQL or MySQL/MariaDB
/// server at `url` (3 s to connect), then closes it. An unreachable server
/// is the connection kind.
pub async fn execute(url: &str, sql: &str) -> Result<(), AdapterError> {
    const OP: &str = "testing::execute";
    let unreachable = |e: diesel::ConnectionError| {
        AdapterError::connection("unreachable")
            .with_operation(OP)
            .with_source(e)
    };
    let timeout = std::time::Duration::from_secs(3);
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("postgres") {
        #[cfg(feature = "postgres")]
        {
            let mut c =
                tokio::time::timeout(timeout, diesel_async::AsyncPgConnection::establish(url))
                    .await
                    .map_err(|e| {
                        AdapterError::connection("timed out")
                            .with_operation(OP)
                            .with_source(e)
                    })?
                    .map_err(unreachable)?;
            return c.batch_execute(sql).await.map_err(|e| db_error(OP, e));
        }
    } else if lower.starts_with("mysql") || lower.starts_with("mariadb") {
        #[cfg(feature = "mysql")]
        {
            let url = format!("mysql:{}", url.split_once(':').map_or("", |(_, r)| r));
            let mut c =
                tokio::time::timeout(timeout, diesel_async::AsyncMysqlConnection::establish(&url))
                    .await
                    .map_err(|e| {
                        AdapterError::connection("timed out")
                            .with_operation(OP)
                            .with_source(e)
                    })?
                    .map_err(unreachable)?;
            return c.batch_execute(sql).await.map_err(|e| db_error(OP, e));
        }
    }
    Err(AdapterError::other("testing::execute serves PostgreSQL and MySQL URLs").with_operation(OP))
}

/// [`execute`] in the shape of keyway-testkit's
/// [`Admin`](keyway_testkit::support::scratch::Admin).
pub fn admin(
    url: String,
    sql: String,
) -> Pin<Box<dyn Future<Output = Result<(), AdapterError>> + Send>> {
    Box::pin(async move { execute(&url, &sql).await })
}
