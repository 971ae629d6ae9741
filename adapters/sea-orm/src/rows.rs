//! Column lists and rows ↔ model conversions shared by the queries.

use chrono::{DateTime, Utc};
use keyway_core::{
    Account, AccountType, AdapterError, Session, SessionToken, User, VerificationToken,
};
use sea_orm::QueryResult;
use sea_orm::sea_query::Alias;

use crate::error::ResultExt;

/// The columns of a user row, in the order [`user`] reads them.
pub(crate) const USER_COLUMNS: [&str; 5] = ["id", "name", "email", "email_verified", "image"];

/// The columns of an account row read back into an [`Account`].
pub(crate) const ACCOUNT_COLUMNS: [&str; 11] = [
    "user_id",
    "type",
    "provider",
    "provider_account_id",
    "access_token",
    "refresh_token",
    "expires_at",
    "token_type",
    "scope",
    "id_token",
    "session_state",
];

/// The columns of a session row read back into a [`Session`].
pub(crate) const SESSION_COLUMNS: [&str; 3] = ["session_token", "user_id", "expires"];

/// The columns of a verification token row.
pub(crate) const TOKEN_COLUMNS: [&str; 3] = ["identifier", "token", "expires"];

/// A table name as a sea-query identifier.
pub(crate) fn table(name: &str) -> Alias {
    Alias::new(name)
}

/// Reads a [`User`] from a row holding [`USER_COLUMNS`].
pub(crate) fn user(row: &QueryResult, op: &'static str) -> Result<User, AdapterError> {
    Ok(User {
        id: row.try_get("", "id").op(op)?,
        name: row.try_get("", "name").op(op)?,
        email: row.try_get("", "email").op(op)?,
        email_verified: row
            .try_get::<Option<DateTime<Utc>>>("", "email_verified")
            .op(op)?,
        image: row.try_get("", "image").op(op)?,
    })
}

/// Reads an [`Account`] from a row holding [`ACCOUNT_COLUMNS`].
pub(crate) fn account(row: &QueryResult, op: &'static str) -> Result<Account, AdapterError> {
    let kind: String = row.try_get("", "type").op(op)?;
    let kind = AccountType::parse(&kind).ok_or_else(|| {
        AdapterError::other(format!("stored account has an unknown type `{kind}`"))
            .with_operation(op)
    })?;
    Ok(Account {
        user_id: row.try_get("", "user_id").op(op)?,
        kind,
        provider: row.try_get("", "provider").op(op)?,
        provider_account_id: row.try_get("", "provider_account_id").op(op)?,
        access_token: row.try_get("", "access_token").op(op)?,
        refresh_token: row.try_get("", "refresh_token").op(op)?,
        expires_at: row.try_get("", "expires_at").op(op)?,
        token_type: row.try_get("", "token_type").op(op)?,
        scope: row.try_get("", "scope").op(op)?,
        id_token: row.try_get("", "id_token").op(op)?,
        session_state: row.try_get("", "session_state").op(op)?,
    })
}

/// Reads a [`Session`] from a row holding [`SESSION_COLUMNS`].
pub(crate) fn session(row: &QueryResult, op: &'static str) -> Result<Session, AdapterError> {
    Ok(Session {
        session_token: SessionToken::new(row.try_get::<String>("", "session_token").op(op)?),
        user_id: row.try_get("", "user_id").op(op)?,
        expires: row.try_get::<DateTime<Utc>>("", "expires").op(op)?,
    })
}

/// Reads a [`VerificationToken`] from a row holding [`TOKEN_COLUMNS`].
pub(crate) fn token(
    row: &QueryResult,
    op: &'static str,
) -> Result<VerificationToken, AdapterError> {
    Ok(VerificationToken {
        identifier: row.try_get("", "identifier").op(op)?,
        token: row.try_get("", "token").op(op)?,
        expires: row.try_get::<DateTime<Utc>>("", "expires").op(op)?,
    })
}
