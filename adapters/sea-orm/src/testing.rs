//! Throw-away databases for tests (feature `testkit`): run one statement on
//! a short-lived admin connection, to create a schema or database for a test
//! and drop it afterwards.

use std::time::Duration;

use keyway_core::AdapterError;
use sea_orm::{ConnectOptions, ConnectionTrait, Database};

use crate::error::db_error;

fn admin(url: &str) -> ConnectOptions {
    let mut o = ConnectOptions::new(url.to_owned());
    o.sqlx_logging(false)
        .max_connections(1)
        .connect_timeout(Duration::from_secs(3))
        .acquire_timeout(Duration::from_secs(3));
    o
}

/// Runs `sql` on a fresh single connection to `url` (3 s timeouts), then
/// closes it. An unreachable server is the connection kind.
pub async fn execute(url: &str, sql: &str) -> Result<(), AdapterError> {
    let db = Database::connect(admin(url))
        .await
        .map_err(|e| db_error("testing::execute", e))?;
    db.execute_unprepared(sql)
        .await
        .map_err(|e| db_error("testing::execute", e))?;
    db.close()
        .await
        .map_err(|e| db_error("testing::execute", e))
}

/// Runs `sql`, a query answering one integer in its first column (a
/// `COUNT(*)`), on a fresh single connection to `url`, and returns it.
pub async fn query_count(url: &str, sql: &str) -> Result<i64, AdapterError> {
    const OP: &str = "testing::query_count";
    let db = Database::connect(admin(url))
        .await
        .map_err(|e| db_error(OP, e))?;
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .map_err(|e| db_error(OP, e))?;
    let n = match row {
        Some(row) => row
            .try_get_by_index::<i64>(0)
            .map_err(|e| db_error(OP, e))?,
        None => return Err(AdapterError::other("the query answered no row").with_operation(OP)),
    };
    db.close().await.map_err(|e| db_error(OP, e))?;
    Ok(n)
}

/// [`execute`] from synchronous code that may itself run inside a tokio
/// runtime (a `Drop` impl cleaning up after a test): it runs on a thread and
/// runtime of its own.
pub fn execute_blocking(url: &str, sql: &str) -> Result<(), AdapterError> {
    let (url, sql) = (url.to_owned(), sql.to_owned());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| AdapterError::other("no runtime for the cleanup").with_source(e))?;
        rt.block_on(execute(&url, &sql))
    })
    .join()
    .unwrap_or_else(|_| Err(AdapterError::other("the cleanup thread panicked")))
}
