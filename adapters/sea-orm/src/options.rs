//! How to open a [`SeaOrmAdapter`](crate::SeaOrmAdapter): pool size, table
//! names, schema, migrations.

use std::time::Duration;

use keyway_core::AdapterError;

/// Options for [`SeaOrmAdapter::connect`](crate::SeaOrmAdapter::connect).
///
/// `SeaOrmOptions::default()` runs the migrations, uses the tables `users`,
/// `accounts`, `sessions` and `verification_tokens` (plus
/// `keyway_migrations`), and leaves the pool size and timeouts to the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeaOrmOptions {
    /// Create or upgrade the tables when connecting (default `true`). Turn it
    /// off when the schema is managed elsewhere, and call
    /// [`SeaOrmAdapter::migrate`](crate::SeaOrmAdapter::migrate) yourself.
    pub migrate: bool,
    /// Put before every table name, e.g. `Some("auth_".into())` gives
    /// `auth_users`, `auth_accounts`, ...
    pub table_prefix: Option<String>,
    /// The table names (before the prefix).
    pub tables: TableNames,
    /// Largest number of pooled connections. SQLite in-memory databases always
    /// use one connection (each connection would be a separate database).
    /// A SQLite file also gets read-only connections of its own for session
    /// reads (half the cores, one to four), never more than this number.
    pub max_connections: Option<u32>,
    /// How long to wait for a connection (opening one or taking one from the
    /// pool) before failing with a connection error. The driver's default is
    /// 30 seconds.
    pub connect_timeout: Option<Duration>,
    /// PostgreSQL only: the schema to work in (it becomes the `search_path` of
    /// every connection and is created by the migrations if missing).
    pub schema: Option<String>,
}

impl Default for SeaOrmOptions {
    fn default() -> Self {
        Self {
            migrate: true,
            table_prefix: None,
            tables: TableNames::default(),
            max_connections: None,
            connect_timeout: None,
            schema: None,
        }
    }
}

/// The names of keyway's tables, before [`SeaOrmOptions::table_prefix`].
///
/// Names may hold ASCII letters, digits and `_`, must not start with a digit,
/// and (with the prefix) may be at most [`MAX_TABLE_NAME_LEN`] characters
/// long, so that the index names derived from them fit every database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableNames {
    /// Users (default `users`).
    pub users: String,
    /// Provider accounts linked to users (default `accounts`).
    pub accounts: String,
    /// Database sessions (default `sessions`).
    pub sessions: String,
    /// Email verification tokens (default `verification_tokens`).
    pub verification_tokens: String,
    /// Rate-limit counters of [`Adapter::hit`](keyway_core::Adapter::hit)
    /// (default `keyway_rate_limits`).
    pub rate_limits: String,
    /// The versions of keyway's schema applied so far (default
    /// `keyway_migrations`).
    pub migrations: String,
}

impl Default for TableNames {
    fn default() -> Self {
        Self {
            users: "users".to_owned(),
            accounts: "accounts".to_owned(),
            sessions: "sessions".to_owned(),
            verification_tokens: "verification_tokens".to_owned(),
            rate_limits: "keyway_rate_limits".to_owned(),
            migrations: "keyway_migrations".to_owned(),
        }
    }
}

/// The longest table name accepted (prefix included).
pub const MAX_TABLE_NAME_LEN: usize = 40;

impl TableNames {
    /// These names with `prefix` put before each, checked.
    pub(crate) fn resolve(&self, prefix: Option<&str>) -> Result<TableNames, AdapterError> {
        let prefix = prefix.unwrap_or("");
        let full = |name: &str| -> Result<String, AdapterError> {
            let full = format!("{prefix}{name}");
            check_identifier(&full, MAX_TABLE_NAME_LEN, "table name")?;
            Ok(full)
        };
        let resolved = TableNames {
            users: full(&self.users)?,
            accounts: full(&self.accounts)?,
            sessions: full(&self.sessions)?,
            verification_tokens: full(&self.verification_tokens)?,
            rate_limits: full(&self.rate_limits)?,
            migrations: full(&self.migrations)?,
        };
        let mut all = resolved.all();
        all.sort_unstable_by_key(|n| n.to_ascii_lowercase());
        if let Some(w) = all.windows(2).find(|w| w[0].eq_ignore_ascii_case(w[1])) {
            return Err(AdapterError::other(format!(
                "invalid options: two tables are both named `{}`",
                w[0]
            )));
        }
        Ok(resolved)
    }

    fn all(&self) -> Vec<&str> {
        vec![
            &self.users,
            &self.accounts,
            &self.sessions,
            &self.verification_tokens,
            &self.rate_limits,
            &self.migrations,
        ]
    }
}

/// Checks that `name` is a plain SQL identifier (it is written into SQL
/// unescaped by nothing but quotes, so nothing else may get through).
pub(crate) fn check_identifier(name: &str, max_len: usize, what: &str) -> Result<(), AdapterError> {
    let mut chars = name.chars();
    let ok_start = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let ok_rest = chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok_start || !ok_rest {
        return Err(AdapterError::other(format!(
            "invalid options: {what} `{}` may hold only ASCII letters, digits and `_`, \
             and must not start with a digit",
            name.escape_debug()
        )));
    }
    if name.len() > max_len {
        return Err(AdapterError::other(format!(
            "invalid options: {what} `{name}` is longer than {max_len} characters"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names_resolve_with_a_prefix() {
        let t = TableNames::default().resolve(Some("kw_")).unwrap();
        assert_eq!(t.users, "kw_users");
        assert_eq!(t.verification_tokens, "kw_verification_tokens");
        assert_eq!(t.migrations, "kw_keyway_migrations");
    }

    #[test]
    fn names_that_are_not_identifiers_are_refused() {
        for bad in [
            "",
            "1users",
            "users;drop",
            "us ers",
            "usérs",
            "\"users\"",
            "a-b",
        ] {
            let t = TableNames {
                users: bad.to_owned(),
                ..TableNames::default()
            };
            assert!(t.resolve(None).is_err(), "{bad:?} accepted");
        }
        assert!(TableNames::default().resolve(Some("x.")).is_err());
    }

    #[test]
    fn long_and_duplicate_names_are_refused() {
        let long = TableNames {
            users: "u".repeat(MAX_TABLE_NAME_LEN + 1),
            ..TableNames::default()
        };
        assert!(long.resolve(None).is_err());
        let dup = TableNames {
            sessions: "USERS".to_owned(),
            ..TableNames::default()
        };
        assert!(dup.resolve(None).is_err());
    }
}
