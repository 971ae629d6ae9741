//! Cases about database sessions: Auth.js's #5, #6, #8 and #11, the token
//! key, and sessions whose user is gone.

use chrono::TimeDelta;
use keyway_core::{Session, SessionToken, SessionUpdate, random};

use super::check::{Outcome, call, conflict, ensure, none, same_session, same_user};
use super::ctx::Ctx;
use super::fixtures::{self, now};

/// §6.4 #5: the returned and stored session equal the input.
pub(crate) async fn create_session(ctx: Ctx) -> Outcome {
    let user = ctx.new_user().await?;
    ctx.new_session(&user).await.map(drop)
}

/// §6.4 #6.
pub(crate) async fn get_session_and_user(ctx: Ctx) -> Outcome {
    let a = &ctx.adapter;
    none(
        "get_session_and_user(invalid token)",
        call(
            "get_session_and_user",
            a.get_session_and_user(&SessionToken::generate()).await,
        )?,
    )?;
    let user = ctx.new_user().await?;
    let session = ctx.new_session(&user).await?;
    ctx.check_session_and_user(&session, &user).await
}

/// §6.4 #8, plus: the owner stays, and an unknown token is `None` and
/// creates nothing.
pub(crate) async fn update_session(ctx: Ctx) -> Outcome {
    let (a, db) = (&ctx.adapter, &ctx.inspector);
    let user = ctx.new_user().await?;
    let session = ctx.new_session(&user).await?;
    let moved = Session {
        expires: now() + TimeDelta::days(30),
        ..session.clone()
    };
    let got = call(
        "update_session",
        a.update_session(SessionUpdate::expires(
            session.session_token.clone(),
            moved.expires,
        ))
        .await,
    )?;
    same_session("update_session returned", &moved, got.as_ref())?;
    let stored = db.session(&session.session_token).await;
    same_session("update_session stored", &moved, stored.as_ref())?;

    let unknown = SessionToken::generate();
    none(
        "update_session(unknown token)",
        call(
            "update_session",
            a.update_session(SessionUpdate::expires(unknown.clone(), now()))
                .await,
        )?,
    )?;
    none(
        "session after update_session(unknown token) (inspector)",
        db.session(&unknown).await,
    )
}

/// §6.4 #11, plus: the deleted session is returned, the user's other
/// sessions stay, and a second delete is `None`.
pub(crate) async fn delete_session(ctx: Ctx) -> Outcome {
    let (a, db) = (&ctx.adapter, &ctx.inspector);
    let user = ctx.new_user().await?;
    let session = ctx.new_session(&user).await?;
    let kept = ctx.new_session(&user).await?;

    let deleted = call(
        "delete_session",
        a.delete_session(&session.session_token).await,
    )?;
    same_session("delete_session returned", &session, deleted.as_ref())?;
    none(
        "session after delete_session (inspector)",
        db.session(&session.session_token).await,
    )?;
    none(
        "get_session_and_user after delete_session",
        call(
            "get_session_and_user",
            a.get_session_and_user(&session.session_token).await,
        )?,
    )?;
    none(
        "delete_session a second time",
        call(
            "delete_session",
            a.delete_session(&session.session_token).await,
        )?,
    )?;
    same_session(
        "the user's other session after delete_session (inspector)",
        &kept,
        db.session(&kept.session_token).await.as_ref(),
    )?;
    same_user(
        "the user after delete_session (inspector)",
        &user,
        db.user(&user.id).await.as_ref(),
    )
}

/// A session token already in use is a `Conflict` that writes nothing.
pub(crate) async fn duplicate_session_token(ctx: Ctx) -> Outcome {
    let (a, db) = (&ctx.adapter, &ctx.inspector);
    let owner = ctx.new_user().await?;
    let session = ctx.new_session(&owner).await?;
    let other = ctx.new_user().await?;
    let twin = Session {
        session_token: session.session_token.clone(),
        user_id: other.id.clone(),
        expires: session.expires + TimeDelta::days(1),
    };
    conflict(
        "create_session with a token in use",
        a.create_session(twin).await,
    )?;
    same_session(
        "the session after the rejected create_session (inspector)",
        &session,
        db.session(&session.session_token).await.as_ref(),
    )
}

/// `get_session_and_user` is `None` when the session's user no longer
/// exists: after `delete_user`, and for a session written for a user id that
/// names no user (where the database accepts one at all).
pub(crate) async fn session_of_deleted_user(ctx: Ctx) -> Outcome {
    let a = &ctx.adapter;
    let user = ctx.new_user().await?;
    let session = ctx.new_session(&user).await?;
    call("delete_user", a.delete_user(&user.id).await)?;
    none(
        "get_session_and_user after its user was deleted",
        call(
            "get_session_and_user",
            a.get_session_and_user(&session.session_token).await,
        )?,
    )?;

    // A database with a foreign key refuses this session; one without keeps
    // it, and it must then read as no session.
    let orphan = fixtures::session(&random::uuid());
    if a.create_session(orphan.clone()).await.is_ok() {
        ensure(
            ctx.inspector.session(&orphan.session_token).await.is_some(),
            || "create_session(unknown user) returned Ok but stored nothing".to_owned(),
        )?;
        none(
            "get_session_and_user of a session whose user does not exist",
            call(
                "get_session_and_user",
                a.get_session_and_user(&orphan.session_token).await,
            )?,
        )?;
    }
    Ok(())
}
