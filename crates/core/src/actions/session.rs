//! `GET /session` (read, roll) and `POST /session` (update).

use http::StatusCode;

use crate::request::RequestContext;
use crate::response::Outcome;
use crate::session::{self, SessionRead};

fn answer(ctx: &RequestContext<'_>, read: SessionRead) -> Outcome {
    let outcome = match &read.data {
        Some(data) => Outcome::raw_json(data.to_json()),
        None => Outcome::raw_json(ctx.auth.wire.empty_session),
    };
    outcome
        .with_cookies(ctx.init_cookies())
        .with_cookies(read.cookies)
}

pub(super) async fn get(ctx: &RequestContext<'_>) -> Outcome {
    if let Some(json) = session::remembered_json(ctx) {
        // A read that would re-issue nothing and set no cookie of its own.
        return Outcome::json_bytes(json)
            .with_cookies(ctx.init_cookies())
            .no_cache();
    }
    let read = session::read(ctx).await;
    answer(ctx, read).no_cache()
}

pub(super) async fn post(ctx: &RequestContext<'_>) -> Outcome {
    if !ctx.csrf_verified() {
        tracing::warn!("[keyway][warn] session update refused: CSRF token missing or invalid");
        return Outcome::raw_json(ctx.auth.wire.empty_session).with_status(StatusCode::BAD_REQUEST);
    }
    let data = ctx
        .body
        .json
        .as_ref()
        .and_then(|j| j.get("data"))
        .cloned()
        .unwrap_or(serde_json::Value::Null);
    let read = session::update(ctx, &data).await;
    answer(ctx, read)
}
