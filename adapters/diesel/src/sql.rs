//! The SQL text of every statement, built once per adapter for its backend
//! and table names.
//!
//! diesel's `table!` names are fixed at compile time, but keyway's tables
//! take a prefix (and, on PostgreSQL, a schema through the `search_path`),
//! as keyway-sea-orm's do. So the statements are plain SQL with bound
//! values (`diesel::sql_query`), written here once when the adapter
//! connects; the names in them are checked identifiers, and every value is
//! a bind parameter.

use crate::connect::Backend;
use crate::options::TableNames;

/// The columns of a user row.
pub(crate) const USER_COLUMNS: [&str; 5] = ["id", "name", "email", "email_verified", "image"];
/// The token columns of an account row.
pub(crate) const ACCOUNT_TOKEN_COLUMNS: [&str; 7] = [
    "access_token",
    "refresh_token",
    "expires_at",
    "token_type",
    "scope",
    "id_token",
    "session_state",
];
/// The columns of an account row read back into an `Account`.
const ACCOUNT_COLUMNS: [&str; 11] = [
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
/// The columns of a session row.
const SESSION_COLUMNS: [&str; 3] = ["session_token", "user_id", "expires"];
/// The columns of a verification token row.
const TOKEN_COLUMNS: [&str; 3] = ["identifier", "token", "expires"];

/// Quoting and placeholders of one backend.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dialect {
    backend: Backend,
}

impl Dialect {
    pub(crate) fn new(backend: Backend) -> Self {
        Self { backend }
    }

    /// `name` quoted as an identifier.
    pub(crate) fn q(self, name: &str) -> String {
        match self.backend {
            Backend::MySql | Backend::MariaDb => format!("`{name}`"),
            Backend::Sqlite | Backend::Postgres => format!("\"{name}\""),
        }
    }

    /// The `n`th placeholder (1-based).
    pub(crate) fn p(self, n: usize) -> String {
        match self.backend {
            Backend::Postgres => format!("${n}"),
            _ => "?".to_owned(),
        }
    }

    fn list(self, columns: &[&str]) -> String {
        columns
            .iter()
            .map(|c| self.q(c))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The account columns read back, `type` renamed `kind` (a Rust keyword
    /// cannot name the row's field).
    fn account_list(self) -> String {
        ACCOUNT_COLUMNS
            .iter()
            .map(|c| match *c {
                "type" => format!("{} AS {}", self.q("type"), self.q("kind")),
                c => self.q(c),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn qualified(self, table: &str, columns: &[&str]) -> String {
        columns
            .iter()
            .map(|c| format!("{}.{}", self.q(table), self.q(c)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `c1 = ?, c2 = ?` (or `WHERE`-style with `sep`), placeholders from
    /// `first`.
    fn assign(self, columns: &[&str], first: usize, sep: &str) -> String {
        columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{} = {}", self.q(c), self.p(first + i)))
            .collect::<Vec<_>>()
            .join(sep)
    }

    fn placeholders(self, n: usize) -> String {
        (1..=n).map(|i| self.p(i)).collect::<Vec<_>>().join(", ")
    }
}

/// Every statement of one adapter.
#[derive(Debug)]
pub(crate) struct Sql {
    pub(crate) dialect: Dialect,
    pub(crate) tables: TableNames,
    pub(crate) insert_user: String,
    pub(crate) user_by_id: String,
    pub(crate) user_by_email: String,
    pub(crate) user_by_account: String,
    pub(crate) delete_sessions_of_user: String,
    pub(crate) delete_accounts_of_user: String,
    pub(crate) delete_user: String,
    pub(crate) insert_account: String,
    pub(crate) account_by_key: String,
    /// Every account of a user, in `(provider, provider_account_id)` order;
    /// binds: user id.
    pub(crate) accounts_of_user: String,
    pub(crate) update_account: String,
    pub(crate) insert_session: String,
    pub(crate) session_and_user: String,
    pub(crate) session_by_token: String,
    pub(crate) insert_token: String,
    /// The inspector's read of a verification token.
    #[cfg_attr(not(feature = "testkit"), allow(dead_code))]
    pub(crate) token_by_key: String,
    /// `(select, delete)` of each table fetch-and-delete works on, keyed
    /// the same way: accounts, sessions, tokens.
    /// The upsert of one hit, answering the count (PostgreSQL, SQLite);
    /// binds: key, new window end, now.
    pub(crate) hit_returning: String,
    /// The upsert of one hit without the answer; binds: key, new window
    /// end, now (MySQL: key, new window end, now, now, new window end).
    pub(crate) hit: String,
    /// A counter's hits; binds: key.
    pub(crate) hits_of: String,
    /// Deletes ended counters; binds: now.
    pub(crate) sweep_counters: String,
    /// Deletes sessions that expired before a moment; binds: now.
    pub(crate) delete_expired_sessions: String,
    /// Deletes verification tokens that expired before a moment; binds: now.
    pub(crate) delete_expired_tokens: String,
    pub(crate) take_account: Take,
    pub(crate) take_session: Take,
    pub(crate) take_token: Take,
}

/// The statements of one fetch-and-delete.
#[derive(Debug)]
pub(crate) struct Take {
    /// `DELETE ... RETURNING <columns>`.
    pub(crate) delete_returning: String,
    /// `SELECT <columns> ... FOR UPDATE` (SQLite: without the lock clause).
    pub(crate) select_for_update: String,
    /// `DELETE ...`.
    pub(crate) delete: String,
}

impl Sql {
    pub(crate) fn new(backend: Backend, tables: &TableNames) -> Self {
        let d = Dialect::new(backend);
        let (users, accounts, sessions, tokens) = (
            d.q(&tables.users),
            d.q(&tables.accounts),
            d.q(&tables.sessions),
            d.q(&tables.verification_tokens),
        );
        let select_users = format!("SELECT {} FROM {users}", d.list(&USER_COLUMNS));
        let mut account_insert = vec!["id", "user_id", "type", "provider", "provider_account_id"];
        account_insert.extend(ACCOUNT_TOKEN_COLUMNS);
        let lock = match backend {
            Backend::Sqlite => "",
            _ => " FOR UPDATE",
        };
        let take = |table: &str, columns: String, key: &[&str]| {
            let cond = d.assign(key, 1, " AND ");
            Take {
                delete_returning: format!("DELETE FROM {table} WHERE {cond} RETURNING {columns}"),
                select_for_update: format!("SELECT {columns} FROM {table} WHERE {cond}{lock}"),
                delete: format!("DELETE FROM {table} WHERE {cond}"),
            }
        };
        Self {
            dialect: d,
            tables: tables.clone(),
            insert_user: format!(
                "INSERT INTO {users} ({}) VALUES ({})",
                d.list(&USER_COLUMNS),
                d.placeholders(USER_COLUMNS.len())
            ),
            user_by_id: format!("{select_users} WHERE {}", d.assign(&["id"], 1, "")),
            user_by_email: format!("{select_users} WHERE {}", d.assign(&["email"], 1, "")),
            user_by_account: format!(
                "SELECT {} FROM {users} INNER JOIN {accounts} ON {accounts}.{} = {users}.{} \
                 WHERE {accounts}.{} = {} AND {accounts}.{} = {}",
                d.qualified(&tables.users, &USER_COLUMNS),
                d.q("user_id"),
                d.q("id"),
                d.q("provider"),
                d.p(1),
                d.q("provider_account_id"),
                d.p(2)
            ),
            delete_sessions_of_user: format!(
                "DELETE FROM {sessions} WHERE {}",
                d.assign(&["user_id"], 1, "")
            ),
            delete_accounts_of_user: format!(
                "DELETE FROM {accounts} WHERE {}",
                d.assign(&["user_id"], 1, "")
            ),
            delete_user: format!("DELETE FROM {users} WHERE {}", d.assign(&["id"], 1, "")),
            insert_account: format!(
                "INSERT INTO {accounts} ({}) VALUES ({})",
                d.list(&account_insert),
                d.placeholders(account_insert.len())
            ),
            account_by_key: format!(
                "SELECT {} FROM {accounts} WHERE {}",
                d.account_list(),
                d.assign(&["provider", "provider_account_id"], 1, " AND ")
            ),
            accounts_of_user: format!(
                "SELECT {} FROM {accounts} WHERE {} ORDER BY {}, {}",
                d.account_list(),
                d.assign(&["user_id"], 1, ""),
                d.q("provider"),
                d.q("provider_account_id")
            ),
            update_account: format!(
                "UPDATE {accounts} SET {} WHERE {}",
                d.assign(&ACCOUNT_TOKEN_COLUMNS, 1, ", "),
                d.assign(
                    &["provider", "provider_account_id"],
                    ACCOUNT_TOKEN_COLUMNS.len() + 1,
                    " AND "
                )
            ),
            insert_session: format!(
                "INSERT INTO {sessions} ({}) VALUES ({})",
                d.list(&["id", "session_token", "user_id", "expires"]),
                d.placeholders(4)
            ),
            // The column names of the two tables do not overlap, so the row
            // is read by plain names; the inner join drops a session whose
            // user is gone.
            session_and_user: format!(
                "SELECT {}, {} FROM {sessions} INNER JOIN {users} ON {users}.{} = {sessions}.{} \
                 WHERE {sessions}.{} = {}",
                d.qualified(&tables.sessions, &SESSION_COLUMNS),
                d.qualified(&tables.users, &USER_COLUMNS),
                d.q("id"),
                d.q("user_id"),
                d.q("session_token"),
                d.p(1)
            ),
            session_by_token: format!(
                "SELECT {} FROM {sessions} WHERE {}",
                d.list(&SESSION_COLUMNS),
                d.assign(&["session_token"], 1, "")
            ),
            insert_token: format!(
                "INSERT INTO {tokens} ({}) VALUES ({})",
                d.list(&TOKEN_COLUMNS),
                d.placeholders(3)
            ),
            token_by_key: format!(
                "SELECT {} FROM {tokens} WHERE {}",
                d.list(&TOKEN_COLUMNS),
                d.assign(&["identifier", "token"], 1, " AND ")
            ),
            hit_returning: format!(
                "{} RETURNING {}",
                upsert(d, backend, &tables.rate_limits),
                d.q("hits")
            ),
            hit: upsert(d, backend, &tables.rate_limits),
            hits_of: format!(
                "SELECT {} FROM {} WHERE {}",
                d.q("hits"),
                d.q(&tables.rate_limits),
                d.assign(&["id"], 1, "")
            ),
            sweep_counters: format!(
                "DELETE FROM {} WHERE {} <= {}",
                d.q(&tables.rate_limits),
                d.q("window_ends_ms"),
                d.p(1)
            ),
            delete_expired_sessions: format!(
                "DELETE FROM {sessions} WHERE {} < {}",
                d.q("expires"),
                d.p(1)
            ),
            delete_expired_tokens: format!(
                "DELETE FROM {tokens} WHERE {} < {}",
                d.q("expires"),
                d.p(1)
            ),
            take_account: take(
                &accounts,
                d.account_list(),
                &["provider", "provider_account_id"],
            ),
            take_session: take(&sessions, d.list(&SESSION_COLUMNS), &["session_token"]),
            take_token: take(&tokens, d.list(&TOKEN_COLUMNS), &["identifier", "token"]),
        }
    }

    /// `UPDATE users SET <columns> WHERE id = ?`, the id bound last.
    pub(crate) fn update_user(&self, columns: &[&str]) -> String {
        let d = self.dialect;
        format!(
            "UPDATE {} SET {} WHERE {}",
            d.q(&self.tables.users),
            d.assign(columns, 1, ", "),
            d.assign(&["id"], columns.len() + 1, "")
        )
    }

    /// `UPDATE sessions SET <columns> WHERE session_token = ?`, the token
    /// bound last, with `RETURNING` the session's columns when asked.
    pub(crate) fn update_session(&self, columns: &[&str], returning: bool) -> String {
        let d = self.dialect;
        let mut sql = format!(
            "UPDATE {} SET {} WHERE {}",
            d.q(&self.tables.sessions),
            d.assign(columns, 1, ", "),
            d.assign(&["session_token"], columns.len() + 1, "")
        );
        if returning {
            sql.push_str(" RETURNING ");
            sql.push_str(&d.list(&SESSION_COLUMNS));
        }
        sql
    }
}

/// The upsert of one hit: a fresh key or an ended window starts at 1,
/// else the count goes up and the window end stays.
fn upsert(d: Dialect, backend: Backend, table: &str) -> String {
    let t = d.q(table);
    let (id, hits, ends) = (d.q("id"), d.q("hits"), d.q("window_ends_ms"));
    if matches!(backend, Backend::MySql | Backend::MariaDb) {
        // Assignments run left to right: `hits` is computed while the
        // window end still holds the stored value.
        return format!(
            "INSERT INTO {t} ({id}, {hits}, {ends}) VALUES (?, 1, ?) ON DUPLICATE KEY UPDATE \
             {hits} = IF({ends} <= ?, 1, {hits} + 1), {ends} = IF({ends} <= ?, ?, {ends})"
        );
    }
    // Numbered placeholders, each value bound once and used twice.
    let [k, e, n] = match backend {
        Backend::Postgres => ["$1", "$2", "$3"],
        _ => ["?1", "?2", "?3"],
    };
    // In DO UPDATE, table.column is the stored row before this hit.
    format!(
        "INSERT INTO {t} ({id}, {hits}, {ends}) VALUES ({k}, 1, {e}) ON CONFLICT ({id}) DO UPDATE SET \
         {hits} = CASE WHEN {t}.{ends} <= {n} THEN 1 ELSE {t}.{hits} + 1 END, \
         {ends} = CASE WHEN {t}.{ends} <= {n} THEN {e} ELSE {t}.{ends} END"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_use_the_names_quotes_and_placeholders_of_the_backend() {
        let t = TableNames::default().resolve(Some("kw_")).unwrap();
        let sqlite = Sql::new(Backend::Sqlite, &t);
        assert_eq!(
            sqlite.session_and_user,
            r#"SELECT "kw_sessions"."session_token", "kw_sessions"."user_id", "kw_sessions"."expires", "kw_users"."id", "kw_users"."name", "kw_users"."email", "kw_users"."email_verified", "kw_users"."image" FROM "kw_sessions" INNER JOIN "kw_users" ON "kw_users"."id" = "kw_sessions"."user_id" WHERE "kw_sessions"."session_token" = ?"#
        );
        assert!(!sqlite.take_token.select_for_update.contains("FOR UPDATE"));
        let pg = Sql::new(Backend::Postgres, &t);
        assert!(
            pg.update_account
                .ends_with(r#""provider" = $8 AND "provider_account_id" = $9"#)
        );
        assert_eq!(
            pg.update_user(&["name", "email"]),
            r#"UPDATE "kw_users" SET "name" = $1, "email" = $2 WHERE "id" = $3"#
        );
        assert_eq!(
            pg.accounts_of_user,
            r#"SELECT "user_id", "type" AS "kind", "provider", "provider_account_id", "access_token", "refresh_token", "expires_at", "token_type", "scope", "id_token", "session_state" FROM "kw_accounts" WHERE "user_id" = $1 ORDER BY "provider", "provider_account_id""#
        );
        let my = Sql::new(Backend::MariaDb, &t);
        assert_eq!(
            my.take_token.select_for_update,
            "SELECT `identifier`, `token`, `expires` FROM `kw_verification_tokens` \
             WHERE `identifier` = ? AND `token` = ? FOR UPDATE"
        );
    }
}
