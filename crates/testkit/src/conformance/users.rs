//! Cases about users: Auth.js's #1-#4, #7 and #17, and the email key.

use chrono::TimeDelta;
use keyway_core::{SessionToken, SessionUpdate, User, UserUpdate, random};

use super::check::{Outcome, call, conflict, ensure, none, not_found, same_user};
use super::ctx::Ctx;
use super::fixtures::{self, email, now, tag};

/// §6.4 #1. In Rust the required methods always exist, so this checks what
/// they answer for keys that match nothing: `Ok(None)`, never an error, and
/// `NotFound` from `update_user`, which returns the row itself.
pub(crate) async fn required_methods_not_found(ctx: Ctx) -> Outcome {
    let a = &ctx.adapter;
    let id = random::uuid();
    let token = SessionToken::generate();
    none(
        "get_user(unknown id)",
        call("get_user", a.get_user(&id).await)?,
    )?;
    none(
        "get_user_by_email(unknown email)",
        call("get_user_by_email", a.get_user_by_email(&email()).await)?,
    )?;
    none(
        "get_user_by_account(unknown account)",
        call(
            "get_user_by_account",
            a.get_user_by_account("github", &tag()).await,
        )?,
    )?;
    let mut update = UserUpdate::new(id.clone());
    update.name = Some(Some("Nobody".to_owned()));
    not_found("update_user(unknown id)", a.update_user(update).await)?;
    none(
        "user after update_user(unknown id) (inspector)",
        ctx.inspector.user(&id).await,
    )?;
    none(
        "get_session_and_user(unknown token)",
        call("get_session_and_user", a.get_session_and_user(&token).await)?,
    )?;
    none(
        "update_session(unknown token)",
        call(
            "update_session",
            a.update_session(SessionUpdate::expires(token.clone(), now()))
                .await,
        )?,
    )?;
    none(
        "delete_session(unknown token)",
        call("delete_session", a.delete_session(&token).await)?,
    )
}

/// §6.4 #2: the returned user and the stored row equal the input, with the id
/// the adapter kept.
pub(crate) async fn create_user(ctx: Ctx) -> Outcome {
    let user = ctx.new_user().await?;
    ensure(!user.id.is_empty(), || {
        "create_user returned an empty id".to_owned()
    })
}

/// §6.4 #3.
pub(crate) async fn get_user(ctx: Ctx) -> Outcome {
    let a = &ctx.adapter;
    none(
        "get_user(random id)",
        call("get_user", a.get_user(&random::uuid()).await)?,
    )?;
    let user = ctx.new_user().await?;
    let got = call("get_user", a.get_user(&user.id).await)?;
    same_user("get_user", &user, got.as_ref())
}

/// §6.4 #4.
pub(crate) async fn get_user_by_email(ctx: Ctx) -> Outcome {
    let a = &ctx.adapter;
    none(
        "get_user_by_email(unknown email)",
        call("get_user_by_email", a.get_user_by_email(&email()).await)?,
    )?;
    let user = ctx.new_user().await?;
    let address = user.email.clone().unwrap_or_default();
    let got = call("get_user_by_email", a.get_user_by_email(&address).await)?;
    same_user("get_user_by_email", &user, got.as_ref())
}

/// §6.4 #7, plus partial updates: fields not set stay, `Some(None)` clears,
/// and a changed email moves the lookup.
pub(crate) async fn update_user(ctx: Ctx) -> Outcome {
    let a = &ctx.adapter;
    let user = ctx.new_user().await?;

    let mut update = UserUpdate::new(user.id.clone());
    update.name = Some(Some("Updated Name".to_owned()));
    let renamed = User {
        name: Some("Updated Name".to_owned()),
        ..user.clone()
    };
    let got = call("update_user", a.update_user(update).await)?;
    same_user("update_user(name) returned", &renamed, Some(&got))?;
    let stored = ctx.inspector.user(&user.id).await;
    same_user("update_user(name) stored", &renamed, stored.as_ref())?;

    let new_email = email();
    let verified = now() - TimeDelta::hours(1);
    let mut update = UserUpdate::new(user.id.clone());
    update.email = Some(Some(new_email.clone()));
    update.email_verified = Some(Some(verified));
    update.image = Some(None);
    let expected = User {
        email: Some(new_email.clone()),
        email_verified: Some(verified),
        image: None,
        ..renamed
    };
    let got = call("update_user", a.update_user(update).await)?;
    same_user(
        "update_user(email, email_verified, image cleared) returned",
        &expected,
        Some(&got),
    )?;
    let stored = ctx.inspector.user(&user.id).await;
    same_user(
        "update_user(email, email_verified, image cleared) stored",
        &expected,
        stored.as_ref(),
    )?;
    let old_email = user.email.unwrap_or_default();
    none(
        "get_user_by_email(the old email) after update_user",
        call("get_user_by_email", a.get_user_by_email(&old_email).await)?,
    )?;
    let got = call("get_user_by_email", a.get_user_by_email(&new_email).await)?;
    same_user(
        "get_user_by_email(the new email) after update_user",
        &expected,
        got.as_ref(),
    )
}

/// §6.4 #17: deleting a user deletes their sessions and accounts, and only
/// theirs.
pub(crate) async fn delete_user(ctx: Ctx) -> Outcome {
    let (a, db) = (&ctx.adapter, &ctx.inspector);
    let user = ctx.new_user().await?;
    let session = ctx.new_session(&user).await?;
    let account = ctx.new_account(&user).await?;
    let other = ctx.new_user().await?;
    let other_session = ctx.new_session(&other).await?;
    let other_account = ctx.new_account(&other).await?;

    let deleted = call("delete_user", a.delete_user(&user.id).await)?;
    same_user("delete_user returned", &user, deleted.as_ref())?;
    none(
        "user after delete_user (inspector)",
        db.user(&user.id).await,
    )?;
    none(
        "session of the deleted user (inspector)",
        db.session(&session.session_token).await,
    )?;
    none(
        "account of the deleted user (inspector)",
        db.account(&account.provider, &account.provider_account_id)
            .await,
    )?;
    none(
        "get_user after delete_user",
        call("get_user", a.get_user(&user.id).await)?,
    )?;
    let address = user.email.clone().unwrap_or_default();
    none(
        "get_user_by_email after delete_user",
        call("get_user_by_email", a.get_user_by_email(&address).await)?,
    )?;
    none(
        "get_user_by_account after delete_user",
        call(
            "get_user_by_account",
            a.get_user_by_account(&account.provider, &account.provider_account_id)
                .await,
        )?,
    )?;
    none(
        "delete_user a second time",
        call("delete_user", a.delete_user(&user.id).await)?,
    )?;

    // Another user's rows are untouched.
    same_user(
        "another user after delete_user (inspector)",
        &other,
        db.user(&other.id).await.as_ref(),
    )?;
    ensure(
        db.session(&other_session.session_token).await.is_some(),
        || "delete_user deleted another user's session".to_owned(),
    )?;
    ensure(
        db.account(&other_account.provider, &other_account.provider_account_id)
            .await
            .is_some(),
        || "delete_user deleted another user's account".to_owned(),
    )
}

/// A second user with an existing email, or an update to one, is a
/// `Conflict` that writes nothing.
pub(crate) async fn duplicate_email(ctx: Ctx) -> Outcome {
    let (a, db) = (&ctx.adapter, &ctx.inspector);
    let owner = ctx.new_user().await?;
    let address = owner.email.clone().unwrap_or_default();

    let mut twin = fixtures::user();
    twin.email = Some(address.clone());
    twin.name = Some("Imposter".to_owned());
    conflict(
        "create_user with an existing email",
        a.create_user(twin.clone()).await,
    )?;
    none("the rejected user (inspector)", db.user(&twin.id).await)?;
    same_user(
        "the email's owner after the rejected create_user (inspector)",
        &owner,
        db.user(&owner.id).await.as_ref(),
    )?;
    let got = call("get_user_by_email", a.get_user_by_email(&address).await)?;
    same_user(
        "get_user_by_email after the rejected create_user",
        &owner,
        got.as_ref(),
    )?;

    let other = ctx.new_user().await?;
    let mut update = UserUpdate::new(other.id.clone());
    update.email = Some(Some(address.clone()));
    update.name = Some(Some("Changed".to_owned()));
    conflict(
        "update_user to another user's email",
        a.update_user(update).await,
    )?;
    same_user(
        "the user after the rejected update_user (inspector)",
        &other,
        db.user(&other.id).await.as_ref(),
    )?;
    let got = call("get_user_by_email", a.get_user_by_email(&address).await)?;
    same_user(
        "get_user_by_email after the rejected update_user",
        &owner,
        got.as_ref(),
    )
}

/// The email key holds only for present emails: any number of users may
/// have none, and none of them is found by the empty string.
pub(crate) async fn users_without_email(ctx: Ctx) -> Outcome {
    let a = &ctx.adapter;
    let mut first = fixtures::user();
    first.email = None;
    let mut second = fixtures::user();
    second.email = None;
    second.name = Some("Second".to_owned());
    let first = ctx.create_user(first).await?;
    let second = ctx
        .create_user(second)
        .await
        .map_err(|e| format!("{e} (a second user without an email must be accepted)"))?;
    none(
        "get_user_by_email(\"\")",
        call("get_user_by_email", a.get_user_by_email("").await)?,
    )?;
    for user in [&first, &second] {
        let got = call("get_user", a.get_user(&user.id).await)?;
        same_user("get_user of a user without email", user, got.as_ref())?;
    }
    Ok(())
}

/// Email lookups and the email key compare exactly: no case or accent
/// folding (watch for case- or accent-insensitive database collations).
pub(crate) async fn email_lookup_is_exact(ctx: Ctx) -> Outcome {
    let a = &ctx.adapter;
    let t = tag();
    let accented = format!("zoë-{t}@exämple.test");
    let plain = format!("zoe-{t}@example.test");
    let upper = format!("ZOË-{t}@EXÄMPLE.TEST");
    let mut user = fixtures::user();
    user.email = Some(accented.clone());
    let user = ctx.create_user(user).await?;

    none(
        "get_user_by_email of the address without accents (accent-insensitive comparison?)",
        call("get_user_by_email", a.get_user_by_email(&plain).await)?,
    )?;
    none(
        "get_user_by_email of the upper-case address (case-insensitive comparison?)",
        call("get_user_by_email", a.get_user_by_email(&upper).await)?,
    )?;
    let mut other = fixtures::user();
    other.email = Some(plain.clone());
    let other = ctx
        .create_user(other)
        .await
        .map_err(|e| format!("{e} (an email differing only by accents is another email)"))?;
    let got = call("get_user_by_email", a.get_user_by_email(&accented).await)?;
    same_user("get_user_by_email(accented)", &user, got.as_ref())?;
    let got = call("get_user_by_email", a.get_user_by_email(&plain).await)?;
    same_user("get_user_by_email(plain)", &other, got.as_ref())
}
