//! Many rows written and read back in parallel.

use keyway_core::User;

use super::check::{Outcome, call, same_account, same_user, some};
use super::ctx::Ctx;
use super::fixtures;

/// How many users the case writes.
const USERS: usize = 1_000;
/// How many tasks write at once: enough to interleave, few enough for a
/// small connection pool.
const WORKERS: usize = 16;

/// 1,000 users, each with an account and a session, written by 16 tasks at
/// once and read back through every lookup; then deleted again.
pub(crate) async fn thousand_users(ctx: Ctx) -> Outcome {
    let workers: Vec<_> = (0..WORKERS)
        .map(|worker| {
            let ctx = ctx.clone();
            tokio::spawn(async move {
                let mut users = Vec::new();
                for n in (worker..USERS).step_by(WORKERS) {
                    let user = write_and_read(&ctx)
                        .await
                        .map_err(|e| format!("user {n} of {USERS}: {e}"))?;
                    users.push(user);
                }
                for user in &users {
                    some(
                        "delete_user",
                        call("delete_user", ctx.adapter.delete_user(&user.id).await)?,
                    )?;
                }
                Ok::<usize, String>(users.len())
            })
        })
        .collect();
    let mut written = 0;
    let mut failures = Vec::new();
    for worker in workers {
        match worker.await {
            Ok(Ok(n)) => written += n,
            Ok(Err(e)) => failures.push(e),
            Err(e) => failures.push(format!("worker task failed: {e}")),
        }
    }
    if failures.is_empty() && written == USERS {
        return Ok(());
    }
    let shown: Vec<&str> = failures.iter().take(3).map(String::as_str).collect();
    Err(format!(
        "{} of {WORKERS} workers failed; first failures: {}",
        failures.len(),
        shown.join(" | ")
    ))
}

/// Writes one user with an account and a session and reads them back.
async fn write_and_read(ctx: &Ctx) -> Result<User, String> {
    let a = &ctx.adapter;
    let user = call("create_user", a.create_user(fixtures::user()).await)?;
    let account = fixtures::account(&user.id);
    call("link_account", a.link_account(account.clone()).await)?;
    let session = fixtures::session(&user.id);
    call("create_session", a.create_session(session.clone()).await)?;

    let address = user.email.clone().unwrap_or_default();
    let got = call("get_user_by_email", a.get_user_by_email(&address).await)?;
    same_user("get_user_by_email", &user, got.as_ref())?;
    let (p, i) = (&account.provider, &account.provider_account_id);
    let got = call("get_user_by_account", a.get_user_by_account(p, i).await)?;
    same_user("get_user_by_account", &user, got.as_ref())?;
    let got = call("get_account", a.get_account(p, i).await)?;
    same_account("get_account", &account, got.as_ref())?;
    ctx.check_session_and_user(&session, &user).await?;
    Ok(user)
}
