//! Turning driver errors into [`AdapterError`]s with the kinds the engine
//! acts on.
//!
//! A server's error message can quote the values it was given (a duplicate
//! key error shows the key: a session token, a token hash, an email), so the
//! source kept for a server error is a [`ServerFailure`] holding only the
//! error's code, its name and the index involved. Errors the driver raises
//! itself (I/O, server selection, ...) carry no stored values and are kept
//! whole.

use std::fmt;

use keyway_core::{AdapterError, AdapterErrorKind};
use mongodb::error::{Error, ErrorKind, WriteFailure};

/// The server's code for a duplicate key.
const DUPLICATE_KEY: i32 = 11000;

/// Server codes meaning the server is unreachable, shutting down, starting,
/// or not the primary any more: HostUnreachable, HostNotFound,
/// NetworkTimeout, SocketException, InterruptedAtShutdown,
/// ShutdownInProgress, NotWritablePrimary, NotPrimaryNoSecondaryOk,
/// NotPrimaryOrSecondary, PrimarySteppedDown.
const CONNECTION_CODES: [i32; 10] = [6, 7, 89, 9001, 11600, 91, 10107, 13435, 13436, 189];

/// What a server said, without its message: the source of an adapter error
/// raised by the server.
#[derive(Debug)]
pub(crate) struct ServerFailure {
    code: i32,
    code_name: String,
    index: Option<String>,
}

impl fmt::Display for ServerFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MongoDB server error {}", self.code)?;
        if !self.code_name.is_empty() {
            write!(f, " ({})", self.code_name)?;
        }
        if let Some(index) = &self.index {
            write!(f, " on index {index}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ServerFailure {}

/// The code, code name and message of a server error, if `err` is one.
fn server_error(err: &Error) -> Option<(i32, &str, &str)> {
    match err.kind.as_ref() {
        ErrorKind::Command(e) => Some((e.code, e.code_name.as_str(), e.message.as_str())),
        ErrorKind::Write(WriteFailure::WriteError(e)) => Some((
            e.code,
            e.code_name.as_deref().unwrap_or(""),
            e.message.as_str(),
        )),
        ErrorKind::Write(WriteFailure::WriteConcernError(e)) => {
            Some((e.code, e.code_name.as_str(), e.message.as_str()))
        }
        ErrorKind::InsertMany(e) => {
            if let Some(w) = e.write_errors.as_ref().and_then(|w| w.first()) {
                Some((
                    w.code,
                    w.code_name.as_deref().unwrap_or(""),
                    w.message.as_str(),
                ))
            } else {
                e.write_concern_error
                    .as_ref()
                    .map(|w| (w.code, w.code_name.as_str(), w.message.as_str()))
            }
        }
        _ => None,
    }
}

/// The index named in a duplicate key message (`... index: email_1 dup key:
/// { ... }`); index names are chosen by whoever made the index, not by a
/// visitor.
fn duplicate_index(message: &str) -> Option<String> {
    let rest = message.split_once("index: ")?.1;
    let name = rest.split_whitespace().next()?;
    (!name.is_empty()).then(|| name.to_owned())
}

/// What `err` means for the engine.
pub(crate) fn classify(err: &Error) -> AdapterErrorKind {
    if let Some((code, _, _)) = server_error(err) {
        return if code == DUPLICATE_KEY {
            AdapterErrorKind::Conflict
        } else if CONNECTION_CODES.contains(&code) {
            AdapterErrorKind::Connection
        } else {
            AdapterErrorKind::Other
        };
    }
    match err.kind.as_ref() {
        ErrorKind::Io(_)
        | ErrorKind::ConnectionPoolCleared { .. }
        | ErrorKind::ServerSelection { .. }
        | ErrorKind::DnsResolve { .. }
        | ErrorKind::Authentication { .. }
        | ErrorKind::InvalidTlsConfig { .. }
        | ErrorKind::Shutdown => AdapterErrorKind::Connection,
        _ => AdapterErrorKind::Other,
    }
}

/// `err`, raised by `operation`, as an [`AdapterError`].
pub(crate) fn db_error(operation: &'static str, err: Error) -> AdapterError {
    let kind = classify(&err);
    let message = match kind {
        AdapterErrorKind::Conflict => "a unique key would be violated",
        AdapterErrorKind::Connection => "the database could not be reached",
        _ => "the database reported an error",
    };
    let error = AdapterError::new(kind, message).with_operation(operation);
    match server_error(&err) {
        Some((code, code_name, msg)) => error.with_source(ServerFailure {
            code,
            code_name: code_name.to_owned(),
            index: (code == DUPLICATE_KEY)
                .then(|| duplicate_index(msg))
                .flatten(),
        }),
        None => error.with_source(err),
    }
}

/// A stored document that keyway cannot read: `field` of a document in
/// `collection` is missing or of another type.
pub(crate) fn bad_document(collection: &str, field: &str) -> AdapterError {
    AdapterError::other(format!(
        "a document in `{collection}` has no readable `{field}` field"
    ))
}

/// Extension for driver results: `.op("create_user")?`.
pub(crate) trait ResultExt<T> {
    /// Maps the error with [`db_error`].
    fn op(self, operation: &'static str) -> Result<T, AdapterError>;
}

impl<T> ResultExt<T> for Result<T, Error> {
    fn op(self, operation: &'static str) -> Result<T, AdapterError> {
        self.map_err(|e| db_error(operation, e))
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use mongodb::bson::doc;
    use mongodb::error::{CommandError, WriteError};

    use super::*;

    fn write_error(code: i32, message: &str) -> Error {
        let e: WriteError = mongodb::bson::deserialize_from_document(doc! {
            "code": code,
            "codeName": "DuplicateKey",
            "errmsg": message,
        })
        .expect("write error");
        Error::from(ErrorKind::Write(WriteFailure::WriteError(e)))
    }

    fn command_error(code: i32, message: &str) -> Error {
        let e: CommandError = mongodb::bson::deserialize_from_document(doc! {
            "code": code,
            "codeName": "Whatever",
            "errmsg": message,
        })
        .expect("command error");
        Error::from(ErrorKind::Command(e))
    }

    const DUP: &str = "E11000 duplicate key error collection: keyway.sessions \
                       index: sessionToken_1 dup key: { sessionToken: \"secret-token\" }";

    #[test]
    fn duplicate_keys_are_conflicts_without_the_key() {
        for err in [write_error(11000, DUP), command_error(11000, DUP)] {
            let e = db_error("create_session", err);
            assert_eq!(e.kind(), AdapterErrorKind::Conflict);
            assert_eq!(e.operation(), Some("create_session"));
            let text = keyway_testkit::support::error_text(&e);
            assert!(!text.contains("secret-token"), "{text}");
            assert!(text.contains("sessionToken_1"), "{text}");
        }
    }

    #[test]
    fn network_failures_and_shutdowns_are_connection_errors() {
        // Server selection timeouts cannot be built outside the driver; the
        // integration tests meet real ones (an unreachable port, a cut
        // connection).
        let io = Error::from(std::io::ErrorKind::ConnectionReset);
        assert_eq!(classify(&io), AdapterErrorKind::Connection);
        let e = db_error("get_user", io);
        assert!(e.source().is_some());
        assert_eq!(
            classify(&command_error(11600, "shutting down")),
            AdapterErrorKind::Connection
        );
    }

    #[test]
    fn other_server_errors_are_other_and_keep_only_their_code() {
        let e = db_error(
            "update_user",
            command_error(2, "bad value \"ada@example.com\""),
        );
        assert_eq!(e.kind(), AdapterErrorKind::Other);
        let text = keyway_testkit::support::error_text(&e);
        assert!(!text.contains("ada@example.com"), "{text}");
        assert!(text.contains("MongoDB server error 2"), "{text}");
    }

    #[test]
    fn the_index_is_read_from_a_duplicate_key_message() {
        assert_eq!(duplicate_index(DUP).as_deref(), Some("sessionToken_1"));
        assert_eq!(duplicate_index("E11000 duplicate key"), None);
    }
}
