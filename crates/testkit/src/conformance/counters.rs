//! Cases about the rate-limit counters of [`Adapter::hit`]: counts, fixed
//! windows that end, exact counts under concurrency, independent keys.
//!
//! Every case passes its own `now` (the contract compares with the
//! engine's clock), so windows end without waiting.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use keyway_core::adapter::MAX_COUNTER_KEY_LEN;
use keyway_core::{Adapter, random};
use tokio::sync::Barrier;

use super::check::{Outcome, call, ensure};
use super::ctx::Ctx;
use super::fixtures;

/// How many tasks hit one counter at once.
const RACERS: u64 = 32;

const MINUTE: Duration = Duration::from_secs(60);

/// A fresh counter key, shaped like the engine's (`purpose:hex digest`).
fn key() -> String {
    format!("conformance:{}", random::hex(32))
}

/// One hit that must return `expected`.
async fn expect_hit(
    adapter: &dyn Adapter,
    what: &str,
    key: &str,
    now: DateTime<Utc>,
    window: Duration,
    expected: u64,
) -> Outcome {
    let got = call("hit", adapter.hit(key, now, window).await)?;
    ensure(got == expected, || {
        format!("hit ({what}): expected count {expected}, got {got}")
    })
}

/// A fresh key counts 1, 2, 3, ... within its window.
pub(crate) async fn hit_counts(ctx: Ctx) -> Outcome {
    let (a, k, now) = (&*ctx.adapter, key(), fixtures::now());
    for n in 1..=5 {
        let at = now + TimeDelta::seconds(i64::try_from(n).unwrap_or(0));
        expect_hit(a, &format!("hit {n} on a fresh key"), &k, at, MINUTE, n).await?;
    }
    Ok(())
}

/// A window ends at `start + window` exactly; the next hit opens a new one
/// counting from 1, and hits inside a window never move its end.
pub(crate) async fn hit_window_expires(ctx: Ctx) -> Outcome {
    let (a, k, t0) = (&*ctx.adapter, key(), fixtures::now());
    let s = TimeDelta::seconds;
    expect_hit(a, "first hit", &k, t0, MINUTE, 1).await?;
    expect_hit(a, "1 s before the window ends", &k, t0 + s(59), MINUTE, 2).await?;
    expect_hit(a, "when the window ends", &k, t0 + s(60), MINUTE, 1).await?;
    expect_hit(a, "in the second window", &k, t0 + s(61), MINUTE, 2).await?;
    expect_hit(a, "1 s before it ends", &k, t0 + s(119), MINUTE, 3).await?;
    // Had a hit moved the window's end, this would count 4.
    expect_hit(a, "when the second window ends", &k, t0 + s(120), MINUTE, 1).await?;
    expect_hit(a, "long after", &k, t0 + s(86_400), MINUTE, 1).await?;

    // Windows are kept to the millisecond.
    let (k, ms) = (key(), TimeDelta::milliseconds);
    let second = Duration::from_secs(1);
    expect_hit(a, "1 s window, first hit", &k, t0, second, 1).await?;
    expect_hit(a, "999 ms later", &k, t0 + ms(999), second, 2).await?;
    expect_hit(a, "1000 ms later", &k, t0 + ms(1000), second, 1).await
}

/// Of 32 hits on one fresh key at the same moment, each returns a different
/// count and together they return exactly 1 to 32; the next hit counts 33.
pub(crate) async fn hit_race(ctx: Ctx) -> Outcome {
    let (k, now) = (key(), fixtures::now());
    let start = Arc::new(Barrier::new(usize::try_from(RACERS).unwrap_or(1)));
    let racers: Vec<_> = (0..RACERS)
        .map(|_| {
            let (adapter, start, k) = (ctx.adapter.clone(), start.clone(), k.clone());
            tokio::spawn(async move {
                start.wait().await;
                adapter.hit(&k, now, MINUTE).await
            })
        })
        .collect();
    let mut counts = Vec::new();
    let mut errors = Vec::new();
    for racer in racers {
        match racer.await {
            Ok(Ok(n)) => counts.push(n),
            Ok(Err(e)) => errors.push(format!("error {e} (kind {})", e.kind())),
            Err(e) => errors.push(format!("task failed: {e}")),
        }
    }
    counts.sort_unstable();
    let expected: Vec<u64> = (1..=RACERS).collect();
    ensure(errors.is_empty() && counts == expected, || {
        format!(
            "{RACERS} concurrent hits on one key: expected the counts 1 to {RACERS} once each, \
             got {counts:?}{}",
            if errors.is_empty() {
                String::new()
            } else {
                format!(" and errors: {}", errors.join("; "))
            }
        )
    })?;
    expect_hit(
        &*ctx.adapter,
        "after the race",
        &k,
        now + TimeDelta::seconds(1),
        MINUTE,
        RACERS + 1,
    )
    .await
}

/// Hits on one key never change another, even one that differs only by
/// case, by a suffix, or by the window asked for; the longest key the
/// engine makes is accepted.
pub(crate) async fn hit_keys_independent(ctx: Ctx) -> Outcome {
    let (a, now) = (&*ctx.adapter, fixtures::now());
    let base = format!("conformance:{}", random::hex(16));
    let longer = format!("{base}0");
    let upper = base.to_ascii_uppercase();
    let mut longest = format!("conformance:{}", random::hex(64));
    longest.truncate(MAX_COUNTER_KEY_LEN);
    for n in 1..=3 {
        expect_hit(a, &format!("hit {n} on key A"), &base, now, MINUTE, n).await?;
    }
    expect_hit(a, "key A followed by a 0", &longer, now, MINUTE, 1).await?;
    expect_hit(a, "key A in upper case", &upper, now, MINUTE, 1).await?;
    expect_hit(a, "a key of the longest length", &longest, now, MINUTE, 1).await?;
    expect_hit(a, "the longest key again", &longest, now, MINUTE, 2).await?;
    let hour = Duration::from_secs(3600);
    expect_hit(a, "key A with another window", &base, now, hour, 4).await?;
    expect_hit(a, "key A followed by a 0, again", &longer, now, MINUTE, 2).await
}
