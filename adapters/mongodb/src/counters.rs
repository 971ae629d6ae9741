//! Rate-limit counters ([`Adapter::hit`](keyway_core::Adapter::hit)): one
//! document per key in the `keyway_rate_limits` collection, `{ _id: key,
//! count, windowEnd }`.
//!
//! A hit inside a live window is one `findAndModify` with `$inc`: the server
//! applies concurrent ones one after the other, so none is lost. A hit that
//! opens a window resets the expired document, or inserts it, with one
//! upsert whose filter only matches an expired (or missing) window; if
//! another hit opened the window first, the upsert's insert meets the `_id`
//! and fails with a duplicate key, and the hit counts in that window
//! instead. Each retry follows another hit's success, so the loop ends.
//!
//! A TTL index on `windowEnd` lets the server delete counters a minute
//! after their window ended (by its clock; the minute absorbs a skew
//! between the server's clock and the engine's).

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use keyway_core::{AdapterError, AdapterErrorKind, AdapterResult};
use mongodb::bson::doc;
use mongodb::options::ReturnDocument;

use crate::MongoAdapter;
use crate::documents::{self as docs, Reader, field};
use crate::error::{ResultExt, classify, db_error};

const OP: &str = "hit";

/// How long the server keeps a counter after its window ended.
pub(crate) const EXPIRED_KEPT: Duration = Duration::from_secs(60);

/// How many times a hit goes round when other hits keep opening and
/// closing the window under it; far more than two concurrent openings need.
const ATTEMPTS: usize = 16;

impl MongoAdapter {
    pub(crate) async fn hit_counter(
        &self,
        key: &str,
        now: DateTime<Utc>,
        window: Duration,
    ) -> AdapterResult<u64> {
        let counters = &self.inner.rate_limits;
        let name = &self.inner.names.rate_limits;
        let window = TimeDelta::from_std(window).unwrap_or(TimeDelta::MAX);
        let ends = now
            .checked_add_signed(window)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let now = docs::date(now);
        for _ in 0..ATTEMPTS {
            // A live window: count in it.
            let counted = counters
                .find_one_and_update(
                    doc! { field::ID: key, field::WINDOW_END: { "$gt": now.clone() } },
                    doc! { "$inc": { field::COUNT: 1_i64 } },
                )
                .return_document(ReturnDocument::After)
                .await
                .op(OP)?;
            if let Some(counter) = counted {
                let count = Reader::new(name, &counter)
                    .opt_i64(field::COUNT)
                    .map_err(|e| e.with_operation(OP))?;
                return count.and_then(|n| u64::try_from(n).ok()).ok_or_else(|| {
                    crate::error::bad_document(name, field::COUNT).with_operation(OP)
                });
            }
            // No live window: open one, unless another hit just did.
            let opened = counters
                .update_one(
                    doc! { field::ID: key, field::WINDOW_END: { "$lte": now.clone() } },
                    doc! { "$set": { field::COUNT: 1_i64, field::WINDOW_END: docs::date(ends) } },
                )
                .upsert(true)
                .await;
            match opened {
                Ok(_) => return Ok(1),
                Err(e) if classify(&e) == AdapterErrorKind::Conflict => continue,
                Err(e) => return Err(db_error(OP, e)),
            }
        }
        Err(
            AdapterError::other("the counter's window kept changing under this hit")
                .with_operation(OP),
        )
    }
}
