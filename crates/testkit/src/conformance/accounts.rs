//! Cases about linked accounts: Auth.js's #9, #10, #15 and #16, the
//! `(provider, provider_account_id)` key, and keyway's `get_account`,
//! `get_accounts_of_user` and `update_account`.

use keyway_core::{Account, AccountType, random};

use super::check::{Outcome, call, conflict, ensure, none, same_account, same_user, some};
use super::ctx::Ctx;
use super::fixtures::{self, tag};

/// §6.4 #9: the returned and stored account equal the input.
pub(crate) async fn link_account(ctx: Ctx) -> Outcome {
    let user = ctx.new_user().await?;
    ctx.new_account(&user).await.map(drop)
}

/// §6.4 #10: wrong pairs are `None`, the real one finds the user.
pub(crate) async fn get_user_by_account(ctx: Ctx) -> Outcome {
    let a = &ctx.adapter;
    let user = ctx.new_user().await?;
    let account = ctx.new_account(&user).await?;
    let (provider, id) = (&account.provider, &account.provider_account_id);
    for (what, p, i) in wrong_pairs(provider, id) {
        none(
            &format!("get_user_by_account({what})"),
            call("get_user_by_account", a.get_user_by_account(&p, &i).await)?,
        )?;
    }
    let got = call(
        "get_user_by_account",
        a.get_user_by_account(provider, id).await,
    )?;
    same_user("get_user_by_account", &user, got.as_ref())
}

/// §6.4 #15. In Rust the methods always exist, so this checks what
/// `unlink_account`, `delete_user`, `get_account` and `update_account`
/// answer for keys that match nothing: `Ok(None)`, and no row is created.
pub(crate) async fn future_methods_not_found(ctx: Ctx) -> Outcome {
    let (a, db) = (&ctx.adapter, &ctx.inspector);
    let unknown = fixtures::account(&random::uuid());
    let (p, i) = (&unknown.provider, &unknown.provider_account_id);
    none(
        "unlink_account(unknown account)",
        call("unlink_account", a.unlink_account(p, i).await)?,
    )?;
    none(
        "delete_user(unknown id)",
        call("delete_user", a.delete_user(&random::uuid()).await)?,
    )?;
    none(
        "get_account(unknown account)",
        call("get_account", a.get_account(p, i).await)?,
    )?;
    none(
        "update_account(unknown account)",
        call("update_account", a.update_account(unknown.clone()).await)?,
    )?;
    none(
        "account after update_account(unknown account) (inspector)",
        db.account(p, i).await,
    )
}

/// §6.4 #16, plus: the unlinked account is returned and the user stays.
pub(crate) async fn unlink_account(ctx: Ctx) -> Outcome {
    let (a, db) = (&ctx.adapter, &ctx.inspector);
    let user = ctx.new_user().await?;
    let account = ctx.new_account(&user).await?;
    let kept = ctx.new_account(&user).await?;
    let (p, i) = (&account.provider, &account.provider_account_id);

    let got = call("unlink_account", a.unlink_account(p, i).await)?;
    same_account("unlink_account returned", &account, got.as_ref())?;
    none(
        "account after unlink_account (inspector)",
        db.account(p, i).await,
    )?;
    none(
        "get_user_by_account after unlink_account",
        call("get_user_by_account", a.get_user_by_account(p, i).await)?,
    )?;
    none(
        "unlink_account a second time",
        call("unlink_account", a.unlink_account(p, i).await)?,
    )?;
    same_user(
        "the user after unlink_account (inspector)",
        &user,
        db.user(&user.id).await.as_ref(),
    )?;
    same_account(
        "the user's other account after unlink_account (inspector)",
        &kept,
        db.account(&kept.provider, &kept.provider_account_id)
            .await
            .as_ref(),
    )
}

/// Linking a linked `(provider, provider_account_id)` again, to another user
/// or the same one, is a `Conflict` that writes nothing.
pub(crate) async fn duplicate_account(ctx: Ctx) -> Outcome {
    let (a, db) = (&ctx.adapter, &ctx.inspector);
    let owner = ctx.new_user().await?;
    let account = ctx.new_account(&owner).await?;
    let other = ctx.new_user().await?;
    let (p, i) = (&account.provider, &account.provider_account_id);

    for (whose, user_id) in [("another user", &other.id), ("the same user", &owner.id)] {
        let mut twin = fixtures::account(user_id);
        twin.provider_account_id = i.clone();
        conflict(
            &format!("link_account of a linked account to {whose}"),
            a.link_account(twin).await,
        )?;
        same_account(
            &format!("the account after linking it again to {whose} (inspector)"),
            &account,
            db.account(p, i).await.as_ref(),
        )?;
    }
    let got = call("get_user_by_account", a.get_user_by_account(p, i).await)?;
    same_user(
        "get_user_by_account after the rejected link_account",
        &owner,
        got.as_ref(),
    )
}

/// `get_account` returns the account with its tokens; wrong pairs are
/// `None`.
pub(crate) async fn get_account(ctx: Ctx) -> Outcome {
    let a = &ctx.adapter;
    let user = ctx.new_user().await?;
    let account = ctx.new_account(&user).await?;
    let (provider, id) = (&account.provider, &account.provider_account_id);
    for (what, p, i) in wrong_pairs(provider, id) {
        none(
            &format!("get_account({what})"),
            call("get_account", a.get_account(&p, &i).await)?,
        )?;
    }
    let got = call("get_account", a.get_account(provider, id).await)?;
    same_account("get_account", &account, got.as_ref())
}

/// `get_accounts_of_user` lists every account of the user, tokens
/// included, and no other user's; a user with none, or an unknown id, has
/// an empty list; an unlinked account is gone from it. `None` ("cannot
/// list") fails: every in-tree adapter must list, or `revoke_on_sign_out`
/// would revoke nothing.
pub(crate) async fn get_accounts_of_user(ctx: Ctx) -> Outcome {
    let a = &ctx.adapter;
    let user = ctx.new_user().await?;
    let github = ctx.new_account(&user).await?;
    // A second provider, with some token fields absent.
    let other = ctx
        .link_account(Account {
            kind: AccountType::Oidc,
            provider: format!("p{}", tag()),
            refresh_token: None,
            session_state: None,
            ..fixtures::account(&user.id)
        })
        .await?;
    let neighbour = ctx.new_user().await?;
    let theirs = ctx.new_account(&neighbour).await?;
    let lonely = ctx.new_user().await?;

    same_accounts(&ctx, "the user's accounts", &user.id, &[&github, &other]).await?;
    same_accounts(&ctx, "another user's accounts", &neighbour.id, &[&theirs]).await?;
    same_accounts(&ctx, "a user without accounts", &lonely.id, &[]).await?;
    same_accounts(&ctx, "an unknown user id", &random::uuid(), &[]).await?;

    call(
        "unlink_account",
        a.unlink_account(&github.provider, &github.provider_account_id)
            .await,
    )?;
    same_accounts(
        &ctx,
        "the user's accounts after unlink_account",
        &user.id,
        &[&other],
    )
    .await
}

/// `get_accounts_of_user(user_id)` must be `Some` of exactly `expected`, in
/// any order.
async fn same_accounts(ctx: &Ctx, what: &str, user_id: &str, expected: &[&Account]) -> Outcome {
    let what = format!("get_accounts_of_user({what})");
    let got = call(
        "get_accounts_of_user",
        ctx.adapter.get_accounts_of_user(user_id).await,
    )?;
    let mut got = some(&format!("{what} (None means the adapter cannot list)"), got)?;
    let by_key = |a: &Account| (a.provider.clone(), a.provider_account_id.clone());
    got.sort_by_key(by_key);
    let mut expected = expected.to_vec();
    expected.sort_by_key(|a| by_key(a));
    ensure(got.len() == expected.len(), || {
        let keys: Vec<_> = got.iter().map(by_key).collect();
        format!(
            "{what}: expected {} accounts, got {}: {keys:?}",
            expected.len(),
            got.len()
        )
    })?;
    for (e, g) in expected.iter().zip(&got) {
        same_account(&what, e, Some(g))?;
    }
    Ok(())
}

/// `update_account` replaces every token field (clearing those that are
/// `None`) and keeps `user_id` and `kind`.
pub(crate) async fn update_account(ctx: Ctx) -> Outcome {
    let (a, db) = (&ctx.adapter, &ctx.inspector);
    let user = ctx.new_user().await?;
    let account = ctx.new_account(&user).await?;
    let refreshed = Account {
        user_id: random::uuid(),
        kind: AccountType::Oidc,
        provider: account.provider.clone(),
        provider_account_id: account.provider_account_id.clone(),
        access_token: Some(format!("gho_{}", tag())),
        refresh_token: None,
        expires_at: Some(2_000_000_000),
        token_type: Some("dpop".to_owned()),
        scope: Some("user repo".to_owned()),
        id_token: None,
        session_state: Some(String::new()),
    };
    let expected = Account {
        user_id: account.user_id.clone(),
        kind: account.kind,
        ..refreshed.clone()
    };
    let got = call("update_account", a.update_account(refreshed).await)?;
    same_account("update_account returned", &expected, got.as_ref())?;
    let stored = db
        .account(&account.provider, &account.provider_account_id)
        .await;
    same_account("update_account stored", &expected, stored.as_ref())?;
    let got = call(
        "get_account",
        a.get_account(&account.provider, &account.provider_account_id)
            .await,
    )?;
    same_account("get_account after update_account", &expected, got.as_ref())
}

/// Keys that must find nothing, next to a real `(provider, id)`.
fn wrong_pairs(provider: &str, id: &str) -> [(&'static str, String, String); 3] {
    [
        ("right provider, wrong id", provider.to_owned(), tag()),
        (
            "wrong provider, right id",
            format!("p{}", tag()),
            id.to_owned(),
        ),
        (
            "provider and id swapped",
            id.to_owned(),
            provider.to_owned(),
        ),
    ]
}
