//! `keyway prune`: delete what has expired, through
//! [`Adapter::delete_expired`](keyway::Adapter::delete_expired).

use keyway::AdapterErrorKind;
use keyway::LogCode;
use keyway::redact::redact_url;
use serde_json::json;

use crate::database::{DatabaseArgs, with_sources};
use crate::output::{Exit, Output};
use crate::scrub::Scrub;

pub(crate) async fn run(args: &DatabaseArgs, out: &Output) -> Exit {
    let scrub = Scrub::from_env(args.url());
    if let Some(url) = args.url() {
        out.progress(&format!("keyway prune: opening {}", redact_url(url)));
    }
    // No migration: pruning never creates tables.
    let opened = match args.open(false, &scrub).await {
        Ok(opened) => opened,
        Err(e) => return out.failed("prune", e.exit, e.code, &e.message),
    };
    let now = chrono::Utc::now();
    out.progress(&format!(
        "keyway prune: deleting what expired before {}",
        now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    ));
    let pruned = match opened.adapter.delete_expired(now).await {
        Ok(pruned) => pruned,
        Err(e) => {
            let code = (e.kind() == AdapterErrorKind::Connection)
                .then_some(LogCode::AdapterConnectionError.as_str());
            let message = format!(
                "{}: {} (run `keyway migrate` first if the tables do not exist)",
                opened.shown_url,
                scrub.clean(&with_sources(&e))
            );
            return out.failed("prune", Exit::Failed, code, &message);
        }
    };
    let text = format!(
        "{} ({}): deleted {} expired session(s), {} expired verification token(s), {} ended \
         rate-limit counter(s)\n",
        opened.shown_url,
        opened.krate.crate_name(),
        pruned.sessions,
        pruned.verification_tokens,
        pruned.counters
    );
    out.result(
        "prune",
        true,
        &text,
        json!({
            "database_url": opened.shown_url,
            "adapter": opened.krate.name(),
            "now": now.to_rfc3339(),
            "sessions": pruned.sessions,
            "verification_tokens": pruned.verification_tokens,
            "counters": pruned.counters,
        }),
    )
}
