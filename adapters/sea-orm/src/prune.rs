//! [`Adapter::delete_expired`](keyway_core::Adapter::delete_expired): one
//! `DELETE` per table, each comparing with the caller's `now`.

use chrono::{DateTime, Utc};
use keyway_core::{AdapterResult, Pruned};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Query};

use crate::SeaOrmAdapter;
use crate::error::ResultExt;
use crate::rows::table;

const OP: &str = "delete_expired";

impl SeaOrmAdapter {
    pub(crate) async fn delete_expired_impl(&self, now: DateTime<Utc>) -> AdapterResult<Pruned> {
        // Each DELETE is atomic on its own: a row deleted here is counted
        // here and by no concurrent prune. The three need not be one
        // transaction, as no rule ties a session to a token or a counter.
        let mut sessions = Query::delete();
        sessions
            .from_table(table(&self.tables.sessions))
            .and_where(Expr::col("expires").lt(now));
        let sessions = self.db.execute(&sessions).await.op(OP)?.rows_affected();

        let mut tokens = Query::delete();
        tokens
            .from_table(table(&self.tables.verification_tokens))
            .and_where(Expr::col("expires").lt(now));
        let verification_tokens = self.db.execute(&tokens).await.op(OP)?.rows_affected();

        let mut counters = Query::delete();
        counters
            .from_table(table(&self.tables.rate_limits))
            .and_where(Expr::col("window_ends_ms").lte(now.timestamp_millis()));
        let counters = self.db.execute(&counters).await.op(OP)?.rows_affected();

        Ok(Pruned {
            sessions,
            verification_tokens,
            counters,
        })
    }
}
