//! [`Adapter::delete_expired`](keyway_core::Adapter::delete_expired): one
//! `deleteMany` per collection, each comparing with the caller's `now`.

use chrono::{DateTime, Utc};
use keyway_core::{AdapterResult, Pruned};
use mongodb::bson::doc;

use crate::MongoAdapter;
use crate::documents::{self as docs, field};
use crate::error::ResultExt;

const OP: &str = "delete_expired";

impl MongoAdapter {
    pub(crate) async fn delete_expired_docs(&self, now: DateTime<Utc>) -> AdapterResult<Pruned> {
        let at = docs::date(now);
        let sessions = self
            .inner
            .sessions
            .delete_many(doc! { field::EXPIRES: { "$lt": at.clone() } })
            .await
            .op(OP)?
            .deleted_count;
        let verification_tokens = self
            .inner
            .tokens
            .delete_many(doc! { field::EXPIRES: { "$lt": at.clone() } })
            .await
            .op(OP)?
            .deleted_count;
        // The TTL index deletes ended counters too, a minute late by the
        // server's clock; this takes those it has not reached yet.
        let counters = self
            .inner
            .rate_limits
            .delete_many(doc! { field::WINDOW_END: { "$lte": at } })
            .await
            .op(OP)?
            .deleted_count;
        Ok(Pruned {
            sessions,
            verification_tokens,
            counters,
        })
    }
}
