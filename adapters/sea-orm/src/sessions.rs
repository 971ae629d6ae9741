//! Database sessions: create, read with their user, update, delete.

use keyway_core::{
    AdapterError, AdapterResult, Session, SessionToken, SessionUpdate, User, random,
};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, Statement};

use crate::SeaOrmAdapter;
use crate::error::ResultExt;
use crate::rows::{self, SESSION_COLUMNS, table};
#[cfg(feature = "sqlite")]
use crate::sqlite_reader;

fn by_token(token: &SessionToken) -> Condition {
    Condition::all().add(Expr::col("session_token").eq(token.as_str()))
}

impl SeaOrmAdapter {
    async fn session_where<C: ConnectionTrait>(
        &self,
        db: &C,
        op: &'static str,
        token: &SessionToken,
    ) -> AdapterResult<Option<Session>> {
        let mut s = Query::select();
        s.columns(SESSION_COLUMNS)
            .from(table(&self.tables.sessions))
            .cond_where(by_token(token));
        match db.query_one(&s).await.op(op)? {
            Some(row) => Ok(Some(rows::session(&row, op)?)),
            None => Ok(None),
        }
    }

    pub(crate) async fn create_session_impl(&self, session: Session) -> AdapterResult<Session> {
        const OP: &str = "create_session";
        let mut insert = Query::insert();
        insert
            .into_table(table(&self.tables.sessions))
            .columns(["id", "session_token", "user_id", "expires"])
            .values([
                Expr::val(random::uuid()),
                Expr::val(session.session_token.as_str()),
                Expr::val(session.user_id.as_str()),
                Expr::val(session.expires),
            ])
            .map_err(|e| AdapterError::other(e.to_string()).with_operation(OP))?;
        self.db.execute(&insert).await.op(OP)?;
        Ok(session)
    }

    pub(crate) async fn get_session_and_user_impl(
        &self,
        token: &SessionToken,
    ) -> AdapterResult<Option<(Session, User)>> {
        const OP: &str = "get_session_and_user";
        #[cfg(feature = "postgres")]
        if let Some(reader) = &self.pg_reader
            && let Ok(found) = reader.session_and_user(token).await
        {
            return Ok(found);
        }
        #[cfg(feature = "sqlite")]
        if let Some(reader) = &self.sqlite_reader {
            // Read before the read is queued: a commit after this look
            // makes the remembered answer miss, never outlive the commit.
            let seen = reader.memo_state();
            if let Some(now) = &seen
                && let Some(found) = reader.remembered(token.as_str(), now)
            {
                return Ok(Some(found));
            }
            let sql = self.sql.session_and_user.clone();
            let requested = token;
            let token = token.as_str().to_owned();
            let read = reader
                .run(OP, move |conn| {
                    let fail = |e| sqlite_reader::sqlite_error(OP, e);
                    let mut stmt = conn.prepare_cached(&sql).map_err(fail)?;
                    let mut rows = stmt.query([&token]).map_err(fail)?;
                    match rows.next().map_err(fail)? {
                        Some(row) => Ok(Some((
                            sqlite_reader::session(row, OP)?,
                            sqlite_reader::user(row, SESSION_COLUMNS.len(), OP)?,
                        ))),
                        None => Ok(None),
                    }
                })
                .await;
            match read {
                Ok(found) => {
                    if let (Some(seen), Some((session, user))) = (seen, &found) {
                        reader.remember(requested.as_str(), seen, session, user);
                    }
                    return Ok(found);
                }
                Err(sqlite_reader::Refused::Failed(e)) => return Err(e),
                // The lane is busy: this read goes through the pool.
                Err(sqlite_reader::Refused::Full) => {}
            }
        }
        let stmt = Statement::from_sql_and_values(
            self.db.get_database_backend(),
            &*self.sql.session_and_user,
            [token.as_str().into()],
        );
        match self.db.query_one_raw(stmt).await.op(OP)? {
            Some(row) => Ok(Some((rows::session(&row, OP)?, rows::user(&row, OP)?))),
            None => Ok(None),
        }
    }

    pub(crate) async fn update_session_impl(
        &self,
        update: SessionUpdate,
    ) -> AdapterResult<Option<Session>> {
        const OP: &str = "update_session";
        let mut values: Vec<(&'static str, Expr)> = Vec::new();
        if let Some(expires) = update.expires {
            values.push(("expires", Expr::val(expires)));
        }
        if let Some(user_id) = &update.user_id {
            values.push(("user_id", Expr::val(user_id.as_str())));
        }
        if values.is_empty() {
            return self
                .session_where(&self.db, OP, &update.session_token)
                .await;
        }
        let mut u = Query::update();
        u.table(table(&self.tables.sessions))
            .values(values)
            .cond_where(by_token(&update.session_token));
        if self.server.update_returning {
            // One statement, atomic by itself: no transaction to hold open
            // across round trips.
            u.returning(Query::returning().columns(SESSION_COLUMNS));
            return match self.db.query_one(&u).await.op(OP)? {
                Some(row) => Ok(Some(rows::session(&row, OP)?)),
                None => Ok(None),
            };
        }
        let txn = self.begin_write(OP).await?;
        txn.execute(&u).await.op(OP)?;
        let session = self.session_where(&txn, OP, &update.session_token).await?;
        txn.commit().await.op(OP)?;
        Ok(session)
    }

    pub(crate) async fn delete_session_impl(
        &self,
        token: &SessionToken,
    ) -> AdapterResult<Option<Session>> {
        const OP: &str = "delete_session";
        let row = self
            .take(OP, &self.tables.sessions, &SESSION_COLUMNS, by_token(token))
            .await?;
        row.map(|r| rows::session(&r, OP)).transpose()
    }
}
