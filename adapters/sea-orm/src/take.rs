//! Atomic fetch-and-delete: the row is returned to exactly one of any number
//! of concurrent callers.

use keyway_core::AdapterError;
use sea_orm::sea_query::{Condition, LockType, Query};
use sea_orm::{ConnectionTrait, QueryResult};

use crate::SeaOrmAdapter;
use crate::connect::Backend;
use crate::error::ResultExt;
use crate::rows;

impl SeaOrmAdapter {
    /// Deletes the row of `table` matching `cond` and returns its `columns`,
    /// or `None` if there was no such row (or another caller took it first).
    pub(crate) async fn take(
        &self,
        op: &'static str,
        table: &str,
        columns: &[&'static str],
        cond: Condition,
    ) -> Result<Option<QueryResult>, AdapterError> {
        let backend = self.db.get_database_backend();
        let mut delete = Query::delete();
        delete
            .from_table(rows::table(table))
            .cond_where(cond.clone());

        if self.server.delete_returning {
            // One statement: the database decides who gets the row.
            let mut stmt = backend.build(&delete);
            let q = if matches!(self.server.backend, Backend::MySql | Backend::MariaDb) {
                '`'
            } else {
                '"'
            };
            let list: Vec<String> = columns.iter().map(|c| format!("{q}{c}{q}")).collect();
            stmt.sql.push_str(" RETURNING ");
            stmt.sql.push_str(&list.join(", "));
            return self.db.query_one_raw(stmt).await.op(op);
        }

        // MySQL (and SQLite before 3.35): lock the row, read it, delete it.
        // Only the caller whose DELETE removed the row returns it.
        let txn = self.begin_write(op).await?;
        let mut select = Query::select();
        select
            .columns(columns.iter().copied())
            .from(rows::table(table))
            .cond_where(cond);
        if self.server.backend != Backend::Sqlite {
            select.lock(LockType::Update);
        }
        let Some(row) = txn.query_one(&select).await.op(op)? else {
            txn.commit().await.op(op)?;
            return Ok(None);
        };
        let deleted = txn.execute(&delete).await.op(op)?.rows_affected();
        txn.commit().await.op(op)?;
        Ok((deleted > 0).then_some(row))
    }
}
