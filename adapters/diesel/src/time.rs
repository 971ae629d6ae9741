//! Timestamps as each backend stores them in keyway's tables, the same way
//! keyway-sea-orm (sqlx) writes them: PostgreSQL `timestamp with time zone`,
//! MySQL/MariaDB `datetime(6)` holding UTC, SQLite RFC 3339 text.

use chrono::{DateTime, Utc};

/// A backend's stored form of a UTC timestamp.
pub(crate) trait DbTime: Sized {
    /// `t` as stored.
    fn to_db(t: DateTime<Utc>) -> Self;
    /// The stored value as a UTC timestamp, or what is wrong with it.
    fn from_db(self) -> Result<DateTime<Utc>, String>;
}

#[cfg(feature = "postgres")]
impl DbTime for DateTime<Utc> {
    fn to_db(t: DateTime<Utc>) -> Self {
        t
    }
    fn from_db(self) -> Result<DateTime<Utc>, String> {
        Ok(self)
    }
}

#[cfg(feature = "mysql")]
impl DbTime for chrono::NaiveDateTime {
    fn to_db(t: DateTime<Utc>) -> Self {
        t.naive_utc()
    }
    fn from_db(self) -> Result<DateTime<Utc>, String> {
        Ok(self.and_utc())
    }
}

/// SQLite: sqlx writes `to_rfc3339_opts(AutoSi, false)`
/// (`2030-01-01T12:00:00.123+00:00`); keyway-diesel writes the same, and
/// reads that or the other forms SQLite's own date functions produce.
#[cfg(feature = "sqlite")]
impl DbTime for String {
    fn to_db(t: DateTime<Utc>) -> Self {
        t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
    }
    fn from_db(self) -> Result<DateTime<Utc>, String> {
        if let Ok(t) = DateTime::parse_from_rfc3339(&self) {
            return Ok(t.with_timezone(&Utc));
        }
        for format in ["%F %T%.f%#z", "%FT%T%.f%#z"] {
            if let Ok(t) = DateTime::parse_from_str(&self, format) {
                return Ok(t.with_timezone(&Utc));
            }
        }
        for format in ["%F %T%.f", "%FT%T%.f"] {
            if let Ok(t) = chrono::NaiveDateTime::parse_from_str(&self, format) {
                return Ok(t.and_utc());
            }
        }
        Err(format!("`{self}` is not a timestamp"))
    }
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::*;

    #[test]
    fn sqlite_text_round_trips_and_reads_sqlx_forms() {
        let t = DateTime::parse_from_rfc3339("2030-01-02T03:04:05.678+00:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(String::to_db(t), "2030-01-02T03:04:05.678+00:00");
        assert_eq!(String::to_db(t).from_db().unwrap(), t);
        assert_eq!("2030-01-02 03:04:05.678".to_owned().from_db().unwrap(), t);
        assert!("soon".to_owned().from_db().is_err());
    }
}
