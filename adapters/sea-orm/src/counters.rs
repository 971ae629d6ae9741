//! Rate-limit counters ([`Adapter::hit`](keyway_core::Adapter::hit)): one
//! upsert per hit.
//!
//! PostgreSQL and SQLite 3.35+ count and answer in one statement
//! (`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`); the database
//! serialises concurrent upserts of one key, so no hit is lost. MySQL and
//! MariaDB run `INSERT ... ON DUPLICATE KEY UPDATE` and read the count back
//! in the same transaction, while the upsert's row lock is held.

use std::time::Duration;

use chrono::{DateTime, Utc};
use keyway_core::{AdapterError, AdapterResult};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::SeaOrmAdapter;
use crate::connect::Backend;
use crate::error::ResultExt;

const OP: &str = "hit";

/// Of every few hits, about one also deletes the counters whose window
/// has ended (1 in `SWEEP_EVERY`, chosen at random).
const SWEEP_EVERY: u8 = 128;

fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

impl SeaOrmAdapter {
    pub(crate) async fn hit_impl(
        &self,
        key: &str,
        now: DateTime<Utc>,
        window: Duration,
    ) -> AdapterResult<u64> {
        let now_ms = millis(now);
        let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
        let ends_ms = now_ms.saturating_add(window_ms);
        let t = &self.tables.rate_limits;
        let hits = match self.server.backend {
            // RETURNING after an upsert: PostgreSQL, SQLite 3.35+ (the same
            // versions that have DELETE ... RETURNING).
            Backend::Postgres | Backend::Sqlite if self.server.delete_returning => {
                let stmt = Statement::from_sql_and_values(
                    self.db.get_database_backend(),
                    upsert_sql(self.db.get_database_backend(), t, true),
                    [key.into(), ends_ms.into(), now_ms.into()],
                );
                let row = self.db.query_one_raw(stmt).await.op(OP)?;
                read_hits(row)?
            }
            _ => self.hit_in_transaction(key, now_ms, ends_ms).await?,
        };
        if keyway_core::random::bytes::<1>()[0].is_multiple_of(SWEEP_EVERY) {
            self.sweep_counters(now_ms).await;
        }
        Ok(hits)
    }

    /// MySQL, MariaDB (and SQLite without `RETURNING`): the upsert, then the
    /// count read back under the row lock the upsert took.
    async fn hit_in_transaction(&self, key: &str, now_ms: i64, ends_ms: i64) -> AdapterResult<u64> {
        let t = &self.tables.rate_limits;
        let backend = self.db.get_database_backend();
        let upsert = upsert_sql(backend, t, false);
        let values: Vec<sea_orm::Value> = if backend == DbBackend::MySql {
            vec![
                key.into(),
                ends_ms.into(),
                now_ms.into(),
                now_ms.into(),
                ends_ms.into(),
            ]
        } else {
            vec![key.into(), ends_ms.into(), now_ms.into()]
        };
        let (q, ph) = match backend {
            DbBackend::MySql => ('`', "?"),
            DbBackend::Postgres => ('"', "$1"),
            _ => ('"', "?1"),
        };
        let select = format!("SELECT {q}hits{q} FROM {q}{t}{q} WHERE {q}id{q} = {ph}");
        let txn = self.begin_write(OP).await?;
        txn.execute_raw(Statement::from_sql_and_values(backend, upsert, values))
            .await
            .op(OP)?;
        let row = txn
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                select,
                [key.into()],
            ))
            .await
            .op(OP)?;
        txn.commit().await.op(OP)?;
        read_hits(row)
    }

    /// Deletes counters whose window has ended. Best effort: a failure is
    /// logged and the hit already counted stands.
    async fn sweep_counters(&self, now_ms: i64) {
        let t = &self.tables.rate_limits;
        let backend = self.db.get_database_backend();
        let sql = match backend {
            DbBackend::MySql => format!("DELETE FROM `{t}` WHERE `window_ends_ms` <= ?"),
            DbBackend::Postgres => format!(r#"DELETE FROM "{t}" WHERE "window_ends_ms" <= $1"#),
            _ => format!(r#"DELETE FROM "{t}" WHERE "window_ends_ms" <= ?"#),
        };
        if let Err(e) = self
            .db
            .execute_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [now_ms.into()],
            ))
            .await
        {
            tracing::warn!(
                error = %crate::error::db_error(OP, e),
                "keyway-sea-orm could not delete ended rate-limit counters"
            );
        }
    }
}

/// The upsert of one hit. Binds: the key, the new window's end, now (and,
/// on MySQL, now and the new window's end again).
fn upsert_sql(backend: DbBackend, t: &str, returning: bool) -> String {
    if backend == DbBackend::MySql {
        // Assignments run left to right: `hits` is computed while
        // `window_ends_ms` still holds the stored value, and the second
        // assignment reads only `window_ends_ms`.
        return format!(
            "INSERT INTO `{t}` (`id`, `hits`, `window_ends_ms`) VALUES (?, 1, ?) \
             ON DUPLICATE KEY UPDATE \
             `hits` = IF(`window_ends_ms` <= ?, 1, `hits` + 1), \
             `window_ends_ms` = IF(`window_ends_ms` <= ?, ?, `window_ends_ms`)"
        );
    }
    let [k, e, n] = if backend == DbBackend::Postgres {
        ["$1", "$2", "$3"]
    } else {
        ["?1", "?2", "?3"]
    };
    // In DO UPDATE, "t"."col" is the stored row before this hit.
    let mut sql = format!(
        r#"INSERT INTO "{t}" ("id", "hits", "window_ends_ms") VALUES ({k}, 1, {e}) ON CONFLICT ("id") DO UPDATE SET "hits" = CASE WHEN "{t}"."window_ends_ms" <= {n} THEN 1 ELSE "{t}"."hits" + 1 END, "window_ends_ms" = CASE WHEN "{t}"."window_ends_ms" <= {n} THEN {e} ELSE "{t}"."window_ends_ms" END"#
    );
    if returning {
        sql.push_str(r#" RETURNING "hits""#);
    }
    sql
}

fn read_hits(row: Option<sea_orm::QueryResult>) -> AdapterResult<u64> {
    let row = row.ok_or_else(|| {
        AdapterError::other("the counter upsert answered no row").with_operation(OP)
    })?;
    let hits: i64 = row.try_get_by_index(0).op(OP)?;
    u64::try_from(hits)
        .map_err(|_| AdapterError::other("a negative hit count is stored").with_operation(OP))
}
