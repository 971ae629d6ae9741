//! Values come back as they went in: timestamps to the second (sub-second
//! inputs included), non-ASCII text exactly, and `None` distinct from
//! `Some("")`.

use chrono::{SubsecRound, TimeDelta, Utc};
use keyway_core::{Account, AccountType, Session, SessionUpdate, User, UserUpdate};

use super::check::{Outcome, call, same_account, same_session, same_token, same_user, some};
use super::ctx::Ctx;
use super::fixtures::{self, tag};

/// Sub-second timestamps come back within the second, through the adapter
/// and in the database, on create and on update.
pub(crate) async fn timestamps_round_trip(ctx: Ctx) -> Outcome {
    let a = &ctx.adapter;
    let base = Utc::now().trunc_subsecs(0);
    let mut user = fixtures::user();
    user.email_verified = Some(base - TimeDelta::days(1000) + TimeDelta::nanoseconds(987_654_321));
    let user = ctx.create_user(user).await?;
    let got = call("get_user", a.get_user(&user.id).await)?;
    same_user("get_user (sub-second email_verified)", &user, got.as_ref())?;

    let session = ctx
        .create_session(Session {
            expires: base + TimeDelta::days(30) + TimeDelta::milliseconds(500),
            ..fixtures::session(&user.id)
        })
        .await?;
    let (got, _) = some(
        "get_session_and_user",
        call(
            "get_session_and_user",
            a.get_session_and_user(&session.session_token).await,
        )?,
    )?;
    same_session(
        "get_session_and_user (sub-second expires)",
        &session,
        Some(&got),
    )?;

    let later = base + TimeDelta::days(60) + TimeDelta::microseconds(999_999);
    let moved = Session {
        expires: later,
        ..session.clone()
    };
    let got = call(
        "update_session",
        a.update_session(SessionUpdate::expires(session.session_token.clone(), later))
            .await,
    )?;
    same_session(
        "update_session (sub-second expires) returned",
        &moved,
        got.as_ref(),
    )?;
    let stored = ctx.inspector.session(&session.session_token).await;
    same_session(
        "update_session (sub-second expires) stored",
        &moved,
        stored.as_ref(),
    )?;

    let verified = base + TimeDelta::nanoseconds(1);
    let mut update = UserUpdate::new(user.id.clone());
    update.email_verified = Some(Some(verified));
    let expected = User {
        email_verified: Some(verified),
        ..user.clone()
    };
    let got = call("update_user", a.update_user(update).await)?;
    same_user(
        "update_user (sub-second email_verified) returned",
        &expected,
        Some(&got),
    )?;
    let stored = ctx.inspector.user(&user.id).await;
    same_user(
        "update_user (sub-second email_verified) stored",
        &expected,
        stored.as_ref(),
    )?;

    let mut token = fixtures::verification_token();
    token.expires += TimeDelta::nanoseconds(999_999_999);
    call(
        "create_verification_token",
        a.create_verification_token(token.clone()).await,
    )?;
    let stored = ctx
        .inspector
        .verification_token(&token.identifier, &token.token)
        .await;
    same_token(
        "verification token (sub-second expires) stored",
        &token,
        stored.as_ref(),
    )?;
    let used = call(
        "use_verification_token",
        a.use_verification_token(&token.identifier, &token.token)
            .await,
    )?;
    same_token(
        "use_verification_token (sub-second expires)",
        &token,
        used.as_ref(),
    )
}

/// Accented, CJK and emoji (4-byte UTF-8) text round-trips exactly and is
/// found by exact lookups.
pub(crate) async fn unicode_round_trip(ctx: Ctx) -> Outcome {
    let a = &ctx.adapter;
    let t = tag();
    let zoe = ctx
        .create_user(User {
            name: Some("Zoë Ærøskøbing".to_owned()),
            email: Some(format!("zoë.ærøskøbing-{t}@exämple.test")),
            image: Some("https://example.test/ïmage/😀.png".to_owned()),
            ..fixtures::user()
        })
        .await?;
    let namae = ctx
        .create_user(User {
            name: Some("名前 🦀🔐".to_owned()),
            email: Some(format!("名前-{t}@例え.jp")),
            ..fixtures::user()
        })
        .await?;
    for user in [&zoe, &namae] {
        let address = user.email.clone().unwrap_or_default();
        let got = call("get_user_by_email", a.get_user_by_email(&address).await)?;
        same_user("get_user_by_email (non-ASCII)", user, got.as_ref())?;
    }

    let account = ctx
        .link_account(Account {
            provider_account_id: format!("ユーザー-{t}"),
            scope: Some("openid émail 🔑".to_owned()),
            session_state: Some(format!("état-{t}")),
            ..fixtures::account(&zoe.id)
        })
        .await?;
    let (p, i) = (&account.provider, &account.provider_account_id);
    let got = call("get_user_by_account", a.get_user_by_account(p, i).await)?;
    same_user("get_user_by_account (non-ASCII id)", &zoe, got.as_ref())?;
    let got = call("get_account", a.get_account(p, i).await)?;
    same_account("get_account (non-ASCII)", &account, got.as_ref())?;

    let token = fixtures::verification_token();
    let token = keyway_core::VerificationToken {
        identifier: zoe.email.clone().unwrap_or_default(),
        ..token
    };
    call(
        "create_verification_token",
        a.create_verification_token(token.clone()).await,
    )?;
    let used = call(
        "use_verification_token",
        a.use_verification_token(&token.identifier, &token.token)
            .await,
    )?;
    same_token(
        "use_verification_token (non-ASCII identifier)",
        &token,
        used.as_ref(),
    )
}

/// `None` and `Some("")` stay distinct in every optional field, on create
/// and on update.
pub(crate) async fn optional_fields_round_trip(ctx: Ctx) -> Outcome {
    let a = &ctx.adapter;
    let empty = || Some(String::new());
    let first = ctx
        .create_user(User {
            name: empty(),
            image: None,
            email_verified: None,
            ..fixtures::user()
        })
        .await?;
    let second = ctx
        .create_user(User {
            name: None,
            image: empty(),
            ..fixtures::user()
        })
        .await?;
    for user in [&first, &second] {
        let got = call("get_user", a.get_user(&user.id).await)?;
        same_user("get_user (None and \"\" fields)", user, got.as_ref())?;
    }

    let mut update = UserUpdate::new(second.id.clone());
    update.name = Some(empty());
    update.image = Some(None);
    update.email_verified = Some(None);
    let expected = User {
        name: empty(),
        image: None,
        email_verified: None,
        ..second.clone()
    };
    let got = call("update_user", a.update_user(update).await)?;
    same_user(
        "update_user (None and \"\" fields) returned",
        &expected,
        Some(&got),
    )?;
    let stored = ctx.inspector.user(&second.id).await;
    same_user(
        "update_user (None and \"\" fields) stored",
        &expected,
        stored.as_ref(),
    )?;

    let account = ctx
        .link_account(Account {
            access_token: empty(),
            refresh_token: None,
            expires_at: None,
            token_type: empty(),
            scope: None,
            id_token: empty(),
            session_state: None,
            ..Account::new(&first.id, AccountType::Email, "email", tag())
        })
        .await?;
    let got = call(
        "get_account",
        a.get_account(&account.provider, &account.provider_account_id)
            .await,
    )?;
    same_account("get_account (None and \"\" fields)", &account, got.as_ref())
}
