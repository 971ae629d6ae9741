//! Cases about email verification tokens: Auth.js's #12-#14, the
//! `(identifier, token)` key, and single use under concurrency.

use std::sync::Arc;

use chrono::TimeDelta;
use keyway_core::{VerificationToken, random};
use tokio::sync::Barrier;

use super::check::{Outcome, call, conflict, ensure, none, same_token};
use super::ctx::Ctx;
use super::fixtures::{self, email};

/// How many tasks race to use one token.
const RACERS: usize = 32;

/// §6.4 #12. The methods always exist in Rust, so this checks that using a
/// token that was never created is `Ok(None)`.
pub(crate) async fn token_methods_not_found(ctx: Ctx) -> Outcome {
    none(
        "use_verification_token(unknown pair)",
        call(
            "use_verification_token",
            ctx.adapter
                .use_verification_token(&email(), &random::hex(32))
                .await,
        )?,
    )
}

/// §6.4 #13: the returned and stored token equal the input.
pub(crate) async fn create_verification_token(ctx: Ctx) -> Outcome {
    create(&ctx, fixtures::verification_token()).await
}

/// §6.4 #14: the first use returns the token and deletes it, the second is
/// `None`; a wrong identifier or token is `None` and deletes nothing.
pub(crate) async fn use_verification_token(ctx: Ctx) -> Outcome {
    let (a, db) = (&ctx.adapter, &ctx.inspector);
    let token = fixtures::verification_token();
    create(&ctx, token.clone()).await?;
    let (id, hash) = (&token.identifier, &token.token);

    none(
        "use_verification_token with a wrong identifier",
        call(
            "use_verification_token",
            a.use_verification_token(&email(), hash).await,
        )?,
    )?;
    none(
        "use_verification_token with a wrong token",
        call(
            "use_verification_token",
            a.use_verification_token(id, &random::hex(32)).await,
        )?,
    )?;
    same_token(
        "the token after uses with a wrong identifier or token (inspector)",
        &token,
        db.verification_token(id, hash).await.as_ref(),
    )?;

    let used = call(
        "use_verification_token",
        a.use_verification_token(id, hash).await,
    )?;
    same_token("use_verification_token (first use)", &token, used.as_ref())?;
    none(
        "the token after its first use (inspector)",
        db.verification_token(id, hash).await,
    )?;
    none(
        "use_verification_token (second use)",
        call(
            "use_verification_token",
            a.use_verification_token(id, hash).await,
        )?,
    )
}

/// Creating an existing `(identifier, token)` pair again is a `Conflict`
/// that writes nothing.
pub(crate) async fn duplicate_verification_token(ctx: Ctx) -> Outcome {
    let token = fixtures::verification_token();
    create(&ctx, token.clone()).await?;
    let twin = VerificationToken {
        expires: token.expires + TimeDelta::hours(1),
        ..token.clone()
    };
    conflict(
        "create_verification_token of an existing pair",
        ctx.adapter.create_verification_token(twin).await,
    )?;
    same_token(
        "the token after the rejected create_verification_token (inspector)",
        &token,
        ctx.inspector
            .verification_token(&token.identifier, &token.token)
            .await
            .as_ref(),
    )
}

/// Of 32 tasks using one token at the same moment exactly one gets it; the
/// others get `Ok(None)`.
pub(crate) async fn use_verification_token_race(ctx: Ctx) -> Outcome {
    let token = fixtures::verification_token();
    create(&ctx, token.clone()).await?;
    let start = Arc::new(Barrier::new(RACERS));
    let racers: Vec<_> = (0..RACERS)
        .map(|_| {
            let (adapter, start) = (ctx.adapter.clone(), start.clone());
            let (id, hash) = (token.identifier.clone(), token.token.clone());
            tokio::spawn(async move {
                start.wait().await;
                adapter.use_verification_token(&id, &hash).await
            })
        })
        .collect();
    let mut winners = 0;
    let mut errors = Vec::new();
    for racer in racers {
        match racer.await {
            Ok(Ok(Some(_))) => winners += 1,
            Ok(Ok(None)) => {}
            Ok(Err(e)) => errors.push(format!("error {e} (kind {})", e.kind())),
            Err(e) => errors.push(format!("task failed: {e}")),
        }
    }
    ensure(winners == 1 && errors.is_empty(), || {
        let mut msg = format!(
            "{RACERS} concurrent use_verification_token calls: expected exactly 1 to get \
             the token and the rest None, got {winners} with the token"
        );
        if !errors.is_empty() {
            msg.push_str(&format!(
                " and {} errors: {}",
                errors.len(),
                errors.join("; ")
            ));
        }
        msg
    })?;
    none(
        "the token after the race (inspector)",
        ctx.inspector
            .verification_token(&token.identifier, &token.token)
            .await,
    )
}

/// Creates `token`, checking what was returned and stored.
async fn create(ctx: &Ctx, token: VerificationToken) -> Outcome {
    let got = call(
        "create_verification_token",
        ctx.adapter.create_verification_token(token.clone()).await,
    )?;
    same_token("create_verification_token returned", &token, Some(&got))?;
    let stored = ctx
        .inspector
        .verification_token(&token.identifier, &token.token)
        .await;
    same_token("create_verification_token stored", &token, stored.as_ref())
}
