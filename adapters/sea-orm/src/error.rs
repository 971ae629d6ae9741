//! Turning SeaORM/sqlx errors into [`AdapterError`]s with the kinds the
//! engine acts on.

use keyway_core::{AdapterError, AdapterErrorKind};
use sea_orm::{DbErr, RuntimeErr, SqlErr, sqlx};

/// What `err`, raised by `operation`, means for the engine.
pub(crate) fn classify(err: &DbErr) -> AdapterErrorKind {
    if let Some(SqlErr::UniqueConstraintViolation(_)) = err.sql_err() {
        return AdapterErrorKind::Conflict;
    }
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => AdapterErrorKind::Connection,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            classify_sqlx(e)
        }
        _ => AdapterErrorKind::Other,
    }
}

fn classify_sqlx(err: &sqlx::Error) -> AdapterErrorKind {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => AdapterErrorKind::Connection,
        sqlx::Error::Database(db) => {
            let code = db.code();
            let code = code.as_deref().unwrap_or("");
            // SQLSTATE class 08: connection exception (PostgreSQL and MySQL);
            // 57P01-57P03: the PostgreSQL server is shutting down or starting;
            // 53300: too many connections.
            if code.starts_with("08")
                || matches!(code, "57P01" | "57P02" | "57P03" | "53300")
                || sqlite_busy(code)
            {
                AdapterErrorKind::Connection
            } else {
                AdapterErrorKind::Other
            }
        }
        _ => AdapterErrorKind::Other,
    }
}

/// Whether `code` is SQLite's `SQLITE_BUSY` or one of its extended codes
/// (the database stayed locked by another connection past the busy
/// timeout): the database is there but cannot be used for now, as when a
/// server cannot be reached. SQLite's codes are numbers of at most three
/// digits; SQLSTATEs always have five characters.
fn sqlite_busy(code: &str) -> bool {
    code.len() < 5 && code.parse::<i32>().is_ok_and(|c| c & 0xff == 5)
}

/// `err` as an [`AdapterError`] of `operation`, with `err` as its source.
pub(crate) fn db_error(operation: &'static str, err: DbErr) -> AdapterError {
    let kind = classify(&err);
    let message = match kind {
        AdapterErrorKind::Conflict => "a unique key would be violated",
        AdapterErrorKind::Connection => "the database could not be reached",
        _ => "the database reported an error",
    };
    AdapterError::new(kind, message)
        .with_operation(operation)
        .with_source(err)
}

/// Extension for `Result<T, DbErr>`: `.op("create_user")?`.
pub(crate) trait ResultExt<T> {
    /// Maps the error with [`db_error`].
    fn op(self, operation: &'static str) -> Result<T, AdapterError>;
}

impl<T> ResultExt<T> for Result<T, DbErr> {
    fn op(self, operation: &'static str) -> Result<T, AdapterError> {
        self.map_err(|e| db_error(operation, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::ConnAcquireErr;

    #[test]
    fn pool_and_io_failures_are_connection_errors() {
        let io = DbErr::Exec(RuntimeErr::SqlxError(
            sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset)).into(),
        ));
        assert_eq!(classify(&io), AdapterErrorKind::Connection);
        let timeout = DbErr::ConnectionAcquire(ConnAcquireErr::Timeout);
        assert_eq!(classify(&timeout), AdapterErrorKind::Connection);
        let pool = DbErr::Query(RuntimeErr::SqlxError(sqlx::Error::PoolTimedOut.into()));
        assert_eq!(classify(&pool), AdapterErrorKind::Connection);
    }

    #[test]
    fn a_busy_sqlite_database_is_a_connection_error() {
        // SQLITE_BUSY, BUSY_RECOVERY, BUSY_SNAPSHOT, BUSY_TIMEOUT.
        for code in ["5", "261", "517", "773"] {
            assert!(sqlite_busy(code), "{code}");
        }
        // SQLITE_LOCKED, SQLITE_CONSTRAINT_UNIQUE, and SQLSTATEs.
        for code in ["6", "2067", "23505", "08006", "57P01", ""] {
            assert!(!sqlite_busy(code), "{code}");
        }
    }

    #[test]
    fn other_failures_are_other() {
        assert_eq!(
            classify(&DbErr::Custom("x".into())),
            AdapterErrorKind::Other
        );
        let decode = DbErr::Query(RuntimeErr::SqlxError(sqlx::Error::RowNotFound.into()));
        assert_eq!(classify(&decode), AdapterErrorKind::Other);
    }

    #[test]
    fn the_error_keeps_its_operation_and_source() {
        let e = db_error(
            "get_user",
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
        );
        assert_eq!(e.operation(), Some("get_user"));
        assert!(std::error::Error::source(&e).is_some());
    }
}
