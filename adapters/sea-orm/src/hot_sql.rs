//! The SQL text of the statements on the request path, built once per
//! adapter.
//!
//! Reading a session and its user happens on every request that carries a
//! database session cookie. Building that `SELECT` with sea-query costs
//! about as much as running it on SQLite, so the adapter builds its text for
//! the backend and table names at hand when it connects, and each call only
//! binds the token.

use std::sync::Arc;

use sea_orm::DbBackend;
use sea_orm::sea_query::{Expr, ExprTrait, Query};

use crate::options::TableNames;
use crate::rows::{SESSION_COLUMNS, USER_COLUMNS, table};

/// The prepared SQL texts of one adapter.
#[derive(Debug, Clone)]
pub(crate) struct HotSql {
    /// [`SESSION_COLUMNS`] then [`USER_COLUMNS`] of the session whose token
    /// is the one bound value, joined with its user.
    pub(crate) session_and_user: Arc<str>,
}

impl HotSql {
    pub(crate) fn new(backend: DbBackend, tables: &TableNames) -> Self {
        Self {
            session_and_user: session_and_user(backend, tables).into(),
        }
    }
}

fn session_and_user(backend: DbBackend, tables: &TableNames) -> String {
    let sessions = table(&tables.sessions);
    let users = table(&tables.users);
    // The column names of the two tables do not overlap, so the row can be
    // read by plain names. The inner join drops a session whose user is
    // gone.
    let mut s = Query::select();
    s.columns(SESSION_COLUMNS.map(|c| (sessions.clone(), c)))
        .columns(USER_COLUMNS.map(|c| (users.clone(), c)))
        .from(sessions.clone())
        .inner_join(
            users.clone(),
            Expr::col((users, "id")).equals((sessions.clone(), "user_id")),
        )
        // The value only makes the placeholder; callers bind the token.
        .and_where(Expr::col((sessions, "session_token")).eq(""));
    backend.build(&s).sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_read_has_one_placeholder_per_backend() {
        let tables = TableNames::default();
        let sqlite = HotSql::new(DbBackend::Sqlite, &tables);
        assert_eq!(
            &*sqlite.session_and_user,
            r#"SELECT "sessions"."session_token", "sessions"."user_id", "sessions"."expires", "users"."id", "users"."name", "users"."email", "users"."email_verified", "users"."image" FROM "sessions" INNER JOIN "users" ON "users"."id" = "sessions"."user_id" WHERE "sessions"."session_token" = ?"#
        );
        let pg = HotSql::new(DbBackend::Postgres, &tables);
        assert!(pg.session_and_user.ends_with(r#""session_token" = $1"#));
        let my = HotSql::new(DbBackend::MySql, &tables);
        assert!(my.session_and_user.ends_with("`session_token` = ?"));
    }
}
