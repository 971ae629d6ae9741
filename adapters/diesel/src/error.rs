//! Turning diesel and pool errors into [`AdapterError`]s with the kinds the
//! engine acts on. The messages are keyway's own; the driver's error is only
//! the source, for the log.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use keyway_core::{AdapterError, AdapterErrorKind};

/// What `err` means for the engine.
pub(crate) fn classify(err: &DieselError) -> AdapterErrorKind {
    match err {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            AdapterErrorKind::Conflict
        }
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        ) => AdapterErrorKind::Connection,
        // diesel-async's MySQL driver reports a broken socket as an unknown
        // database error whose text is mysql_async's.
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, info)
            if info.message().starts_with("Input/output error")
                || info.message().starts_with("Driver error") =>
        {
            AdapterErrorKind::Connection
        }
        _ => AdapterErrorKind::Other,
    }
}

fn message(kind: AdapterErrorKind) -> &'static str {
    match kind {
        AdapterErrorKind::Conflict => "a unique key would be violated",
        AdapterErrorKind::Connection => "the database could not be reached",
        _ => "the database reported an error",
    }
}

/// `err` as an [`AdapterError`] of `operation`, with `err` as its source.
pub(crate) fn db_error(operation: &'static str, err: DieselError) -> AdapterError {
    let kind = classify(&err);
    AdapterError::new(kind, message(kind))
        .with_operation(operation)
        .with_source(err)
}

/// A pool that could not hand out a connection: always the connection kind.
pub(crate) fn pool_error(
    operation: &'static str,
    err: diesel_async::pooled_connection::deadpool::PoolError,
) -> AdapterError {
    AdapterError::connection(message(AdapterErrorKind::Connection))
        .with_operation(operation)
        .with_source(err)
}

/// Whether `err` (or an error in its chain) shows the password of `url`.
pub(crate) fn shows_password(err: &(dyn std::error::Error + 'static), url: &str) -> bool {
    let Some(password) = url::Url::parse(url)
        .ok()
        .and_then(|u| u.password().map(str::to_owned))
        .filter(|p| !p.is_empty())
    else {
        return false;
    };
    let decoded = url::form_urlencoded::parse(format!("p={password}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let mut cur = Some(err);
    while let Some(e) = cur {
        let text = format!("{e} {e:?}");
        if text.contains(&password) || (!decoded.is_empty() && text.contains(&decoded)) {
            return true;
        }
        cur = e.source();
    }
    false
}

/// A stored value keyway cannot read back (a bad timestamp, an unknown
/// account type).
pub(crate) fn bad_row(operation: &'static str, what: String) -> AdapterError {
    AdapterError::other(format!("a stored row could not be read: {what}")).with_operation(operation)
}

/// Extension for diesel results: `.op("create_user")?`.
pub(crate) trait ResultExt<T> {
    /// Maps the error with [`db_error`].
    fn op(self, operation: &'static str) -> Result<T, AdapterError>;
}

impl<T> ResultExt<T> for Result<T, DieselError> {
    fn op(self, operation: &'static str) -> Result<T, AdapterError> {
        self.map_err(|e| db_error(operation, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        let unique = DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            Box::new("duplicate key".to_owned()),
        );
        assert_eq!(classify(&unique), AdapterErrorKind::Conflict);
        let gone = DieselError::DatabaseError(
            DatabaseErrorKind::UnableToSendCommand,
            Box::new("connection closed".to_owned()),
        );
        assert_eq!(classify(&gone), AdapterErrorKind::Connection);
        let io = DieselError::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new("Input/output error: broken pipe".to_owned()),
        );
        assert_eq!(classify(&io), AdapterErrorKind::Connection);
        assert_eq!(classify(&DieselError::NotFound), AdapterErrorKind::Other);
        let e = db_error("get_user", gone);
        assert_eq!(e.operation(), Some("get_user"));
        assert!(!e.to_string().contains("connection closed"), "{e}");
        assert!(std::error::Error::source(&e).is_some());
    }
}
