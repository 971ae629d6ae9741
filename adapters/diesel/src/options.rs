//! [`DieselOptions`] and the table names they resolve to.

use std::time::Duration;

use keyway_core::AdapterError;

/// How [`DieselAdapter::connect`](crate::DieselAdapter::connect) opens the
/// database. The same settings as keyway-sea-orm's, meaning the same tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DieselOptions {
    /// Create or upgrade keyway's tables when connecting (default `true`).
    pub migrate: bool,
    /// Put before every table name (e.g. `kw_` gives `kw_users`).
    pub table_prefix: Option<String>,
    /// The table names, before the prefix.
    pub tables: TableNames,
    /// Largest number of pooled connections (default: four per core; always
    /// one for `sqlite::memory:`).
    pub max_connections: Option<u32>,
    /// How long to wait for a connection, new or pooled, before failing with
    /// a connection error (default 30 seconds).
    pub connect_timeout: Option<Duration>,
    /// PostgreSQL only: the schema to work in (the `search_path` of every
    /// connection; the migrations create it if missing).
    pub schema: Option<String>,
}

impl Default for DieselOptions {
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

/// The names of keyway's tables, before [`DieselOptions::table_prefix`]:
/// the defaults are keyway-sea-orm's.
///
/// Names may hold ASCII letters, digits and `_`, must not start with a digit,
/// and (with the prefix) may be at most [`MAX_TABLE_NAME_LEN`] characters.
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
    /// `keyway_migrations`), shared with keyway-sea-orm.
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

/// The longest table name accepted (prefix included), as keyway-sea-orm.
pub const MAX_TABLE_NAME_LEN: usize = 40;

impl TableNames {
    /// These names with `prefix` before each, checked.
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
        let mut all = [
            &resolved.users,
            &resolved.accounts,
            &resolved.sessions,
            &resolved.verification_tokens,
            &resolved.rate_limits,
            &resolved.migrations,
        ]
        .map(|n| n.to_ascii_lowercase());
        all.sort_unstable();
        if let Some(w) = all.windows(2).find(|w| w[0] == w[1]) {
            return Err(AdapterError::other(format!(
                "invalid options: two tables are both named `{}`",
                w[0]
            ))
            .with_operation("connect"));
        }
        Ok(resolved)
    }
}

/// Checks that `name` is a plain SQL identifier: it is written into SQL
/// text between quotes, so nothing else may get through.
pub(crate) fn check_identifier(name: &str, max_len: usize, what: &str) -> Result<(), AdapterError> {
    let mut chars = name.chars();
    let ok_start = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !ok_start || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(AdapterError::other(format!(
            "invalid options: {what} `{}` may hold only ASCII letters, digits and `_`, \
             and must not start with a digit",
            name.escape_debug()
        ))
        .with_operation("connect"));
    }
    if name.len() > max_len {
        return Err(AdapterError::other(format!(
            "invalid options: {what} `{name}` is longer than {max_len} characters"
        ))
        .with_operation("connect"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_bad_names() {
        let t = TableNames::default().resolve(Some("kw_")).unwrap();
        assert_eq!(t.users, "kw_users");
        assert_eq!(t.migrations, "kw_keyway_migrations");
        for bad in ["", "1users", "users;drop", "us ers", "\"users\"", "a-b"] {
            let t = TableNames {
                users: bad.to_owned(),
                ..TableNames::default()
            };
            assert!(t.resolve(None).is_err(), "{bad:?} accepted");
        }
        let dup = TableNames {
            sessions: "USERS".to_owned(),
            ..TableNames::default()
        };
        assert!(dup.resolve(None).is_err());
        let long = "u".repeat(MAX_TABLE_NAME_LEN + 1);
        assert!(check_identifier(&long, MAX_TABLE_NAME_LEN, "t").is_err());
    }
}
