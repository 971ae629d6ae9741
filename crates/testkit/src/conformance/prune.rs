//! The case about [`Adapter::delete_expired`]: expired sessions, tokens and
//! counters go and are counted; live ones, users and accounts stay.
//!
//! The case works at a random instant years in the past (`base`), which no
//! other case's rows come near: every other case makes sessions and tokens
//! that expire after the real now. So the case can check exact counts even
//! when other runs share the database, and rows that are "live" at `base`
//! are long expired by the database's own clock: an adapter that compares
//! with the database's clock instead of `now` deletes them and fails.
//!
//! The counts of sessions and tokens are exact; that of counters is at
//! most the number that ended, as [`Adapter::hit`] lets an adapter delete
//! ended counters at any time.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use keyway_core::adapter::Pruned;
use keyway_core::{Session, SessionToken, VerificationToken, random};

use super::check::{Outcome, call, ensure, none, same_session, same_token};
use super::ctx::Ctx;
use super::fixtures;

/// A random whole second between 2001 and about 2004.
fn base() -> DateTime<Utc> {
    let [a, b, c, _] = random::bytes::<4>();
    let offset = i64::from(u32::from_be_bytes([0, a, b, c]) % 100_000_000);
    Utc.timestamp_opt(978_307_200 + offset, 0)
        .single()
        .unwrap_or_else(|| {
            Utc.timestamp_opt(978_307_200, 0)
                .single()
                .unwrap_or_default()
        })
}

fn session_at(user_id: &str, expires: DateTime<Utc>) -> Session {
    Session {
        session_token: SessionToken::generate(),
        user_id: user_id.to_owned(),
        expires,
    }
}

fn token_at(expires: DateTime<Utc>) -> VerificationToken {
    VerificationToken {
        expires,
        ..fixtures::verification_token()
    }
}

/// Expired rows (before `now`) are deleted and counted; rows expiring at
/// `now` or later, counters whose window is still open, users and accounts
/// stay; a second call finds nothing more.
pub(crate) async fn delete_expired(ctx: Ctx) -> Outcome {
    let (a, now) = (&*ctx.adapter, base());
    let s = TimeDelta::seconds;
    let user = ctx.new_user().await?;
    let account = ctx.new_account(&user).await?;

    let expired_sessions = [
        ctx.create_session(session_at(&user.id, now - s(1))).await?,
        ctx.create_session(session_at(&user.id, now - TimeDelta::days(30)))
            .await?,
    ];
    let live_sessions = [
        // Still valid at the very instant it expires.
        ctx.create_session(session_at(&user.id, now)).await?,
        ctx.create_session(session_at(&user.id, now + s(1))).await?,
    ];
    let mut expired_tokens = Vec::new();
    for expires in [
        now - s(1),
        now - TimeDelta::hours(1),
        now - TimeDelta::days(400),
    ] {
        let t = token_at(expires);
        call(
            "create_verification_token",
            a.create_verification_token(t.clone()).await,
        )?;
        expired_tokens.push(t);
    }
    let live_token = token_at(now + TimeDelta::minutes(15));
    call(
        "create_verification_token",
        a.create_verification_token(live_token.clone()).await,
    )?;

    // Counters: two windows ended at `now` (one before it, one exactly at
    // it), and one open at the real clock, far after `now`. A counter whose
    // window ended may disappear at any time (`hit` allows a sweep, or a TTL
    // index by the server's clock), so for the ended ones the count may be
    // lower, never higher; the open one must stay.
    let minute = Duration::from_secs(60);
    let hour = Duration::from_secs(3600);
    let key = |what: &str| format!("conformance-prune-{what}:{}", random::hex(16));
    let (ended, ends_now, open) = (key("ended"), key("ends-now"), key("open"));
    call("hit", a.hit(&ends_now, now - s(60), minute).await)?;
    call("hit", a.hit(&ended, now - s(120), minute).await)?;
    let real_now = fixtures::now();
    call("hit", a.hit(&open, real_now, hour).await)?;
    call("hit", a.hit(&open, real_now, hour).await)?;

    let pruned = call("delete_expired", a.delete_expired(now).await)?;
    ensure(
        pruned.sessions == 2 && pruned.verification_tokens == 3 && pruned.counters <= 2,
        || {
            format!(
                "delete_expired: expected 2 sessions, 3 verification tokens and at most 2 \
                 counters, got {pruned:?}"
            )
        },
    )?;

    for session in &expired_sessions {
        let stored = ctx.inspector.session(&session.session_token).await;
        none("an expired session after delete_expired", stored)?;
    }
    for session in &live_sessions {
        let stored = ctx.inspector.session(&session.session_token).await;
        same_session(
            "a live session after delete_expired",
            session,
            stored.as_ref(),
        )?;
    }
    for token in &expired_tokens {
        let stored = ctx
            .inspector
            .verification_token(&token.identifier, &token.token)
            .await;
        none("an expired verification token after delete_expired", stored)?;
    }
    let stored = ctx
        .inspector
        .verification_token(&live_token.identifier, &live_token.token)
        .await;
    same_token(
        "a live verification token after delete_expired",
        &live_token,
        stored.as_ref(),
    )?;
    let count = call("hit", a.hit(&open, real_now + s(1), hour).await)?;
    ensure(count == 3, || {
        format!(
            "hit on a counter whose window is still open after delete_expired: expected count \
             3 (the counter kept), got {count}"
        )
    })?;
    let kept = ctx.inspector.user(&user.id).await;
    super::check::same_user("the user after delete_expired", &user, kept.as_ref())?;
    let kept = ctx
        .inspector
        .account(&account.provider, &account.provider_account_id)
        .await;
    super::check::same_account("the account after delete_expired", &account, kept.as_ref())?;

    let again = call("delete_expired", a.delete_expired(now).await)?;
    ensure(again == Pruned::default(), || {
        format!("delete_expired a second time at the same instant: expected nothing, got {again:?}")
    })?;

    // Leave nothing of this case behind for the next run's counts: a
    // little later the two live sessions expire too (the live token is
    // used; the open counter's window is far after any run's instant).
    call(
        "use_verification_token",
        a.use_verification_token(&live_token.identifier, &live_token.token)
            .await,
    )?;
    let later = call("delete_expired", a.delete_expired(now + s(31)).await)?;
    let expected = Pruned {
        sessions: 2,
        verification_tokens: 0,
        counters: 0,
    };
    ensure(later == expected, || {
        format!(
            "delete_expired 31 s later (the live sessions have expired): expected \
             {expected:?}, got {later:?}"
        )
    })
}
