//! Rows read on the lane into keyway's models, with the same value rules as
//! sqlx, so that a row reads the same through the lane and through the pool.

use chrono::{DateTime, NaiveDateTime, Utc};
use keyway_core::{AdapterError, Session, SessionToken, User};
use rusqlite::Row;
use rusqlite::types::{FromSql, ValueRef};

use super::sqlite_error;
use crate::rows::{SESSION_COLUMNS, USER_COLUMNS};

/// Reads a [`Session`] from [`SESSION_COLUMNS`] at the start of `row`.
pub(crate) fn session(row: &Row<'_>, op: &'static str) -> Result<Session, AdapterError> {
    const _: () = assert!(SESSION_COLUMNS.len() == 3);
    Ok(Session {
        session_token: SessionToken::new(get::<String>(row, 0, op)?),
        user_id: get(row, 1, op)?,
        expires: timestamp(row, 2, op)?.ok_or_else(|| not_null(op, SESSION_COLUMNS[2]))?,
    })
}

/// Reads a [`User`] from [`USER_COLUMNS`], starting at column `at`.
pub(crate) fn user(row: &Row<'_>, at: usize, op: &'static str) -> Result<User, AdapterError> {
    const _: () = assert!(USER_COLUMNS.len() == 5);
    Ok(User {
        id: get(row, at, op)?,
        name: get(row, at + 1, op)?,
        email: get(row, at + 2, op)?,
        email_verified: timestamp(row, at + 3, op)?,
        image: get(row, at + 4, op)?,
    })
}

fn get<T: FromSql>(row: &Row<'_>, i: usize, op: &'static str) -> Result<T, AdapterError> {
    row.get(i).map_err(|e| sqlite_error(op, e))
}

fn not_null(op: &'static str, column: &str) -> AdapterError {
    AdapterError::other(format!("the stored `{column}` is NULL")).with_operation(op)
}

/// The timestamp in column `i`, or `None` for NULL.
fn timestamp(
    row: &Row<'_>,
    i: usize,
    op: &'static str,
) -> Result<Option<DateTime<Utc>>, AdapterError> {
    let value = row.get_ref(i).map_err(|e| sqlite_error(op, e))?;
    if value == ValueRef::Null {
        return Ok(None);
    }
    parse_timestamp(value).map(Some).ok_or_else(|| {
        let shown = match value {
            ValueRef::Text(t) => format!("`{}`", String::from_utf8_lossy(t)),
            ValueRef::Integer(n) => n.to_string(),
            ValueRef::Real(x) => x.to_string(),
            ValueRef::Null | ValueRef::Blob(_) => "a blob".to_owned(),
        };
        AdapterError::other(format!("the stored value {shown} is not a timestamp"))
            .with_operation(op)
    })
}

/// What sqlx reads as a `DateTime<Utc>` from SQLite: text in RFC 3339 or
/// one of SQLite's date-time formats (without an offset it is UTC), an
/// integer of Unix seconds, or a real Julian day number.
fn parse_timestamp(value: ValueRef<'_>) -> Option<DateTime<Utc>> {
    match value {
        ValueRef::Text(bytes) => parse_text(std::str::from_utf8(bytes).ok()?),
        ValueRef::Integer(secs) => DateTime::from_timestamp(secs, 0),
        ValueRef::Real(day) => from_julian_day(day),
        ValueRef::Null | ValueRef::Blob(_) => None,
    }
}

/// The text forms, most likely first: what the adapter writes (RFC 3339),
/// then those of <https://sqlite.org/lang_datefunc.html#time_values> with
/// seconds and fractions optional, with a `T` or a space, with `Z`, an
/// offset or nothing.
fn parse_text(s: &str) -> Option<DateTime<Utc>> {
    const FORMATS: [&str; 12] = [
        "%F %T%.f",
        "%F %R",
        "%F %RZ",
        "%F %R%:z",
        "%F %T%.fZ",
        "%F %T%.f%:z",
        "%FT%R",
        "%FT%RZ",
        "%FT%R%:z",
        "%FT%T%.f",
        "%FT%T%.fZ",
        "%FT%T%.f%:z",
    ];
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.to_utc());
    }
    FORMATS.iter().find_map(|f| {
        DateTime::parse_from_str(s, f)
            .map(|t| t.to_utc())
            .or_else(|_| NaiveDateTime::parse_from_str(s, f).map(|t| t.and_utc()))
            .ok()
    })
}

/// A Julian day number (days since noon UTC, 24 November 4714 BC) as a time.
fn from_julian_day(day: f64) -> Option<DateTime<Utc>> {
    const UNIX_EPOCH_JULIAN_DAY: f64 = 2_440_587.5;
    let secs = (day - UNIX_EPOCH_JULIAN_DAY) * 86_400.0;
    if !secs.is_finite() || secs.abs() > 1e15 {
        return None;
    }
    // In range (checked above), so the casts only drop the fraction.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let (whole, nanos) = (secs.trunc() as i64, (secs.fract() * 1e9).abs() as u32);
    DateTime::from_timestamp(whole, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn text(s: &str) -> Option<DateTime<Utc>> {
        parse_timestamp(ValueRef::Text(s.as_bytes()))
    }

    #[test]
    fn reads_what_the_adapter_writes() {
        // sqlx writes `DateTime<Utc>` as RFC 3339 with `+00:00`.
        assert_eq!(
            text("2026-11-23T16:15:26.785123456+00:00"),
            Some(utc("2026-11-23T16:15:26.785123456Z"))
        );
        assert_eq!(
            text("2026-11-23T16:15:26+02:00"),
            Some(utc("2026-11-23T14:15:26Z"))
        );
    }

    #[test]
    fn reads_sqlite_date_time_forms() {
        let t = Some(utc("2026-11-23T16:15:00Z"));
        for s in [
            "2026-11-23 16:15",
            "2026-11-23 16:15:00",
            "2026-11-23 16:15:00.000",
            "2026-11-23T16:15",
            "2026-11-23T16:15Z",
            "2026-11-23 16:15:00Z",
            "2026-11-23 18:15+02:00",
            "2026-11-23 18:15:00.0+02:00",
        ] {
            assert_eq!(text(s), t, "{s}");
        }
        assert_eq!(text("yesterday"), None);
        assert_eq!(text("2026-11-23"), None);
    }

    #[test]
    fn reads_unix_seconds_and_julian_days() {
        let t = Some(utc("2026-11-23T12:00:00Z"));
        assert_eq!(parse_timestamp(ValueRef::Integer(1_795_435_200)), t);
        // julianday('2026-11-23 12:00:00')
        assert_eq!(parse_timestamp(ValueRef::Real(2_461_368.0)), t);
        assert_eq!(parse_timestamp(ValueRef::Real(f64::NAN)), None);
        assert_eq!(parse_timestamp(ValueRef::Blob(b"x")), None);
    }
}
