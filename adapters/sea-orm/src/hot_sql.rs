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
#[cfg(feature = "postgres")]
use sea_orm::sea_query::extension::postgres::PgFunc;
use sea_orm::sea_query::{Expr, ExprTrait, Query};

use crate::options::TableNames;
use crate::rows::{SESSION_COLUMNS, USER_COLUMNS, table};

/// The prepared SQL texts of one adapter.
#[derive(Debug, Clone)]
pub(crate) struct HotSql {
    /// [`SESSION_COLUMNS`] then [`USER_COLUMNS`] of the session whose token
    /// is the one bound value, joined with its user.
    pub(crate) session_and_user: Arc<str>,
    /// On PostgreSQL: the same columns for every session whose token is in
    /// the one bound `TEXT[]`, for the read lane's batches. On
    /// `session_token`'s unique index, as `= $1` is (the test
    /// `the_batched_read_uses_the_token_index` checks the plan).
    #[cfg(feature = "postgres")]
    pub(crate) sessions_and_users: Option<Arc<str>>,
    /// On PostgreSQL: [`USER_COLUMNS`] of the user whose id is the one bound
    /// `TEXT`, then of every user whose id is in the one bound `TEXT[]`
    /// (the read lane's user reads, on the primary key).
    #[cfg(feature = "postgres")]
    pub(crate) users_by_id: Option<(Arc<str>, Arc<str>)>,
}

impl HotSql {
    pub(crate) fn new(backend: DbBackend, tables: &TableNames) -> Self {
        Self {
            session_and_user: session_and_user(backend, tables, Expr::val("")).into(),
            #[cfg(feature = "postgres")]
            sessions_and_users: (backend == DbBackend::Postgres).then(|| {
                // `ANY($1)`: the token array is the one placeholder.
                let any = PgFunc::any(Expr::cust("$1"));
                session_and_user(backend, tables, any.into()).into()
            }),
            #[cfg(feature = "postgres")]
            users_by_id: (backend == DbBackend::Postgres).then(|| {
                let any = PgFunc::any(Expr::cust("$1"));
                (
                    user_by_id(backend, tables, Expr::val("")).into(),
                    user_by_id(backend, tables, any.into()).into(),
                )
            }),
        }
    }
}

/// The user read with `id = <id>`, as [`session_and_user`] builds its own.
#[cfg(feature = "postgres")]
fn user_by_id(backend: DbBackend, tables: &TableNames, id: Expr) -> String {
    let users = table(&tables.users);
    let mut s = Query::select();
    s.columns(USER_COLUMNS.map(|c| (users.clone(), c)))
        .from(users.clone())
        .and_where(Expr::col((users, "id")).eq(id));
    backend.build(&s).sql
}

/// The session read with `session_token = <token>`: `token` is a value
/// (it only makes the placeholder; callers bind the token) or PostgreSQL's
/// `ANY($1)`.
fn session_and_user(backend: DbBackend, tables: &TableNames, token: Expr) -> String {
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
        .and_where(Expr::col((sessions, "session_token")).eq(token));
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
        #[cfg(feature = "postgres")]
        {
            let many = pg.sessions_and_users.expect("PostgreSQL's batch read");
            assert_eq!(
                many.strip_suffix(r#" = ANY($1)"#),
                pg.session_and_user.strip_suffix(" = $1")
            );
            assert!(sqlite.sessions_and_users.is_none());
            let (one, many) = pg.users_by_id.expect("PostgreSQL's user reads");
            assert_eq!(
                &*one,
                r#"SELECT "users"."id", "users"."name", "users"."email", "users"."email_verified", "users"."image" FROM "users" WHERE "users"."id" = $1"#
            );
            assert_eq!(many.strip_suffix(" = ANY($1)"), one.strip_suffix(" = $1"));
            assert!(sqlite.users_by_id.is_none());
        }
        let my = HotSql::new(DbBackend::MySql, &tables);
        assert!(my.session_and_user.ends_with("`session_token` = ?"));
    }
}
