//! Proof that the conformance suite bites: `MemoryAdapter` wrapped in small,
//! deliberately broken adapters, each of which must fail exactly the cases
//! that look at what it breaks.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use keyway_core::{
    Account, Adapter, AdapterErrorKind, AdapterResult, Pruned, Session, SessionToken,
    SessionUpdate, User, UserUpdate, VerificationToken,
};
use keyway_memory::MemoryAdapter;
use keyway_testkit::conformance::Report;

use common::MemoryInspector;

/// The one thing a [`Mutant`] does wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bug {
    /// `use_verification_token` reads, sleeps, then deletes: not atomic.
    UseTokenNotAtomic,
    /// `delete_user` leaves the user's sessions behind.
    DeleteUserKeepsSessions,
    /// `delete_user` leaves the user's accounts behind.
    DeleteUserKeepsAccounts,
    /// `link_account` overwrites a linked account instead of refusing.
    LinkAccountAllowsDuplicates,
    /// `create_user` swallows the duplicate-email error and reports success.
    CreateUserAllowsDuplicateEmail,
    /// `get_session_and_user` returns a session whose user is gone, with a
    /// blank user (a LEFT JOIN).
    SessionIgnoresMissingUser,
    /// `update_user` never writes the name.
    UpdateUserIgnoresName,
    /// `update_session` creates the session when there is none (an upsert).
    UpdateSessionUpserts,
    /// `update_account` rewrites the whole row, owner and kind included.
    UpdateAccountReplacesOwner,
    /// `create_user` and `link_account` store `Some("")` as `None`.
    EmptyStringsBecomeNone,
    /// `get_account` panics.
    GetAccountPanics,
    /// `get_accounts_of_user` keeps the trait's default: `None`.
    AccountsOfUserUnlisted,
    /// `get_accounts_of_user` lists the accounts without their tokens.
    AccountsOfUserWithoutTokens,
    /// `get_accounts_of_user` lists every user's accounts.
    AccountsOfUserOfEveryone,
    /// `hit` reads the count, yields, then writes it plus one: hits are lost.
    HitNotAtomic,
    /// `hit` moves the window's end on every hit (a sliding expiry).
    HitExtendsWindow,
    /// `hit` keys counters case-insensitively.
    HitFoldsCase,
    /// `delete_expired` compares with the real clock, not the `now` given.
    PruneUsesOwnClock,
    /// `delete_expired` also deletes what expires at exactly `now`.
    PruneAtTheInstant,
    /// `delete_expired` deletes but reports nothing deleted.
    PruneCountsNothing,
}

/// A `MemoryAdapter` with one [`Bug`].
struct Mutant {
    inner: MemoryAdapter,
    bug: Bug,
    /// The mutant's own counters for the `hit` bugs: `(count, window end)`.
    counters: Mutex<HashMap<String, (u64, DateTime<Utc>)>>,
    /// Session tokens and account keys by user id, so that `delete_user` can
    /// put back what it should have deleted.
    sessions: Mutex<HashMap<String, Vec<SessionToken>>>,
    accounts: Mutex<HashMap<String, Vec<(String, String)>>>,
}

fn blank_to_none(v: &mut Option<String>) {
    if v.as_deref() == Some("") {
        *v = None;
    }
}

#[async_trait]
impl Adapter for Mutant {
    async fn create_user(&self, mut user: User) -> AdapterResult<User> {
        if self.bug == Bug::EmptyStringsBecomeNone {
            blank_to_none(&mut user.name);
            blank_to_none(&mut user.image);
        }
        match self.inner.create_user(user.clone()).await {
            Err(e)
                if e.kind() == AdapterErrorKind::Conflict
                    && self.bug == Bug::CreateUserAllowsDuplicateEmail =>
            {
                Ok(user)
            }
            other => other,
        }
    }

    async fn get_user(&self, id: &str) -> AdapterResult<Option<User>> {
        self.inner.get_user(id).await
    }

    async fn get_user_by_email(&self, email: &str) -> AdapterResult<Option<User>> {
        self.inner.get_user_by_email(email).await
    }

    async fn get_user_by_account(&self, p: &str, i: &str) -> AdapterResult<Option<User>> {
        self.inner.get_user_by_account(p, i).await
    }

    async fn update_user(&self, mut update: UserUpdate) -> AdapterResult<User> {
        if self.bug == Bug::UpdateUserIgnoresName {
            update.name = None;
        }
        self.inner.update_user(update).await
    }

    async fn delete_user(&self, id: &str) -> AdapterResult<Option<User>> {
        let sessions: Vec<Session> = match self.bug {
            Bug::DeleteUserKeepsSessions => tracked(&self.sessions, id)
                .iter()
                .filter_map(|t| self.inner.stored_session(t))
                .collect(),
            _ => Vec::new(),
        };
        let accounts: Vec<Account> = match self.bug {
            Bug::DeleteUserKeepsAccounts => tracked(&self.accounts, id)
                .iter()
                .filter_map(|(p, i)| self.inner.stored_account(p, i))
                .collect(),
            _ => Vec::new(),
        };
        let deleted = self.inner.delete_user(id).await?;
        for session in sessions {
            self.inner.create_session(session).await?;
        }
        for account in accounts {
            self.inner.link_account(account).await?;
        }
        Ok(deleted)
    }

    async fn link_account(&self, mut account: Account) -> AdapterResult<Account> {
        if self.bug == Bug::EmptyStringsBecomeNone {
            for field in [
                &mut account.access_token,
                &mut account.token_type,
                &mut account.id_token,
            ] {
                blank_to_none(field);
            }
        }
        track(
            &self.accounts,
            &account.user_id,
            (
                account.provider.clone(),
                account.provider_account_id.clone(),
            ),
        );
        match self.inner.link_account(account.clone()).await {
            Err(e)
                if e.kind() == AdapterErrorKind::Conflict
                    && self.bug == Bug::LinkAccountAllowsDuplicates =>
            {
                let (p, i) = (&account.provider, &account.provider_account_id);
                self.inner.unlink_account(p, i).await?;
                self.inner.link_account(account).await
            }
            other => other,
        }
    }

    async fn unlink_account(&self, p: &str, i: &str) -> AdapterResult<Option<Account>> {
        self.inner.unlink_account(p, i).await
    }

    async fn get_account(&self, p: &str, i: &str) -> AdapterResult<Option<Account>> {
        if self.bug == Bug::GetAccountPanics {
            panic!("get_account mutant exploded");
        }
        self.inner.get_account(p, i).await
    }

    async fn get_accounts_of_user(&self, user_id: &str) -> AdapterResult<Option<Vec<Account>>> {
        match self.bug {
            Bug::AccountsOfUserUnlisted => Ok(None),
            Bug::AccountsOfUserWithoutTokens => {
                let listed = self.inner.get_accounts_of_user(user_id).await?;
                Ok(listed.map(|accounts| {
                    accounts
                        .into_iter()
                        .map(|a| Account::new(a.user_id, a.kind, a.provider, a.provider_account_id))
                        .collect()
                }))
            }
            Bug::AccountsOfUserOfEveryone => {
                let keys: Vec<(String, String)> = self
                    .accounts
                    .lock()
                    .expect("tracking lock")
                    .values()
                    .flatten()
                    .cloned()
                    .collect();
                Ok(Some(
                    keys.iter()
                        .filter_map(|(p, i)| self.inner.stored_account(p, i))
                        .collect(),
                ))
            }
            _ => self.inner.get_accounts_of_user(user_id).await,
        }
    }

    async fn update_account(&self, account: Account) -> AdapterResult<Option<Account>> {
        if self.bug != Bug::UpdateAccountReplacesOwner {
            return self.inner.update_account(account).await;
        }
        let (p, i) = (&account.provider, &account.provider_account_id);
        if self.inner.unlink_account(p, i).await?.is_none() {
            return Ok(None);
        }
        self.inner.link_account(account).await.map(Some)
    }

    async fn create_session(&self, session: Session) -> AdapterResult<Session> {
        track(
            &self.sessions,
            &session.user_id,
            session.session_token.clone(),
        );
        self.inner.create_session(session).await
    }

    async fn get_session_and_user(
        &self,
        token: &SessionToken,
    ) -> AdapterResult<Option<(Session, User)>> {
        if self.bug != Bug::SessionIgnoresMissingUser {
            return self.inner.get_session_and_user(token).await;
        }
        let Some(session) = self.inner.stored_session(token) else {
            return Ok(None);
        };
        let user = self.inner.get_user(&session.user_id).await?;
        let user = user.unwrap_or_else(|| User {
            id: session.user_id.clone(),
            name: None,
            email: None,
            email_verified: None,
            image: None,
        });
        Ok(Some((session, user)))
    }

    async fn update_session(&self, update: SessionUpdate) -> AdapterResult<Option<Session>> {
        let found = self.inner.update_session(update.clone()).await?;
        if found.is_some() || self.bug != Bug::UpdateSessionUpserts {
            return Ok(found);
        }
        let session = Session {
            session_token: update.session_token,
            user_id: update.user_id.unwrap_or_default(),
            expires: update.expires.unwrap_or_default(),
        };
        self.inner.create_session(session).await.map(Some)
    }

    async fn delete_session(&self, token: &SessionToken) -> AdapterResult<Option<Session>> {
        self.inner.delete_session(token).await
    }

    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> AdapterResult<VerificationToken> {
        self.inner.create_verification_token(token).await
    }

    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> AdapterResult<Option<VerificationToken>> {
        if self.bug != Bug::UseTokenNotAtomic {
            return self.inner.use_verification_token(identifier, token).await;
        }
        let found = self.inner.stored_verification_token(identifier, token);
        if found.is_some() {
            tokio::time::sleep(Duration::from_millis(20)).await;
            self.inner.use_verification_token(identifier, token).await?;
        }
        Ok(found)
    }

    async fn hit(&self, key: &str, now: DateTime<Utc>, window: Duration) -> AdapterResult<u64> {
        let window = TimeDelta::from_std(window).expect("a short window");
        match self.bug {
            Bug::HitNotAtomic => {
                let current = self.counters.lock().expect("lock").get(key).copied();
                tokio::task::yield_now().await;
                let next = match current {
                    Some((n, end)) if end > now => (n + 1, end),
                    _ => (1, now + window),
                };
                self.counters
                    .lock()
                    .expect("lock")
                    .insert(key.to_owned(), next);
                Ok(next.0)
            }
            Bug::HitExtendsWindow => {
                let mut counters = self.counters.lock().expect("lock");
                let entry = counters.entry(key.to_owned()).or_insert((0, now));
                *entry = if entry.1 > now {
                    (entry.0 + 1, now + window)
                } else {
                    (1, now + window)
                };
                Ok(entry.0)
            }
            Bug::HitFoldsCase => {
                let folded = key.to_ascii_lowercase();
                self.inner
                    .hit(&folded, now, window.to_std().expect("positive"))
                    .await
            }
            _ => {
                self.inner
                    .hit(key, now, window.to_std().expect("positive"))
                    .await
            }
        }
    }

    async fn delete_expired(&self, now: DateTime<Utc>) -> AdapterResult<Pruned> {
        let mut pruned = match self.bug {
            Bug::PruneUsesOwnClock => self.inner.delete_expired(Utc::now()).await?,
            Bug::PruneAtTheInstant => {
                self.inner
                    .delete_expired(now + TimeDelta::nanoseconds(1))
                    .await?
            }
            Bug::PruneCountsNothing => {
                self.inner.delete_expired(now).await?;
                Pruned::default()
            }
            _ => self.inner.delete_expired(now).await?,
        };
        // The `hit` mutants keep their own counters: prune those too.
        let mut counters = self.counters.lock().expect("lock");
        let before = counters.len();
        counters.retain(|_, (_, end)| *end > now);
        pruned.counters += u64::try_from(before - counters.len()).expect("small");
        Ok(pruned)
    }
}

fn track<K: Clone>(map: &Mutex<HashMap<String, Vec<K>>>, user_id: &str, key: K) {
    let mut map = map.lock().expect("tracking lock");
    map.entry(user_id.to_owned()).or_default().push(key);
}

fn tracked<K: Clone>(map: &Mutex<HashMap<String, Vec<K>>>, user_id: &str) -> Vec<K> {
    let map = map.lock().expect("tracking lock");
    map.get(user_id).cloned().unwrap_or_default()
}

/// Runs the suite against a mutant with `bug`.
async fn run_with(bug: Bug) -> Report {
    let inner = MemoryAdapter::new();
    let mutant = Mutant {
        inner: inner.clone(),
        bug,
        counters: Mutex::default(),
        sessions: Mutex::default(),
        accounts: Mutex::default(),
    };
    keyway_testkit::adapter_conformance(Arc::new(mutant), Arc::new(MemoryInspector(inner))).await
}

/// The suite must fail exactly `expected` against a mutant with `bug`.
async fn assert_fails_exactly(bug: Bug, expected: &[&str]) {
    let report = run_with(bug).await;
    let failed: BTreeSet<&str> = report.failed().iter().map(|(name, _)| *name).collect();
    let expected: BTreeSet<&str> = expected.iter().copied().collect();
    assert_eq!(
        failed,
        expected,
        "{bug:?}: wrong cases failed; failures: {:#?}",
        report.failed()
    );
    assert_eq!(report.cases(), 37, "{bug:?}: every case must still run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn non_atomic_use_of_a_token_is_caught() {
    assert_fails_exactly(Bug::UseTokenNotAtomic, &["use_verification_token_race"]).await;
    let report = run_with(Bug::UseTokenNotAtomic).await;
    let (_, why) = report
        .failed()
        .into_iter()
        .find(|(name, _)| *name == "use_verification_token_race")
        .expect("the race case fails");
    assert!(why.contains("expected exactly 1"), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn delete_user_keeping_sessions_is_caught() {
    assert_fails_exactly(Bug::DeleteUserKeepsSessions, &["delete_user"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn delete_user_keeping_accounts_is_caught() {
    assert_fails_exactly(Bug::DeleteUserKeepsAccounts, &["delete_user"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn duplicate_account_links_are_caught() {
    assert_fails_exactly(Bug::LinkAccountAllowsDuplicates, &["duplicate_account"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn duplicate_emails_are_caught() {
    assert_fails_exactly(Bug::CreateUserAllowsDuplicateEmail, &["duplicate_email"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sessions_of_missing_users_are_caught() {
    assert_fails_exactly(Bug::SessionIgnoresMissingUser, &["session_of_deleted_user"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn update_user_ignoring_the_name_is_caught() {
    assert_fails_exactly(
        Bug::UpdateUserIgnoresName,
        &["update_user", "optional_fields_round_trip"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn update_session_upserting_is_caught() {
    assert_fails_exactly(
        Bug::UpdateSessionUpserts,
        &["required_methods_not_found", "update_session"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn update_account_replacing_the_owner_is_caught() {
    assert_fails_exactly(Bug::UpdateAccountReplacesOwner, &["update_account"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn adapters_that_cannot_list_accounts_are_caught() {
    assert_fails_exactly(Bug::AccountsOfUserUnlisted, &["get_accounts_of_user"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn accounts_listed_without_tokens_are_caught() {
    assert_fails_exactly(Bug::AccountsOfUserWithoutTokens, &["get_accounts_of_user"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn listing_other_users_accounts_is_caught() {
    assert_fails_exactly(Bug::AccountsOfUserOfEveryone, &["get_accounts_of_user"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn empty_strings_turning_into_none_are_caught() {
    assert_fails_exactly(Bug::EmptyStringsBecomeNone, &["optional_fields_round_trip"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lost_hits_are_caught() {
    assert_fails_exactly(Bug::HitNotAtomic, &["hit_race"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn windows_that_slide_are_caught() {
    assert_fails_exactly(Bug::HitExtendsWindow, &["hit_window_expires"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn counter_keys_folded_to_one_case_are_caught() {
    assert_fails_exactly(Bug::HitFoldsCase, &["hit_keys_independent"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pruning_by_another_clock_is_caught() {
    assert_fails_exactly(Bug::PruneUsesOwnClock, &["delete_expired"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pruning_what_expires_at_the_instant_is_caught() {
    assert_fails_exactly(Bug::PruneAtTheInstant, &["delete_expired"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pruning_without_counting_is_caught() {
    assert_fails_exactly(Bug::PruneCountsNothing, &["delete_expired"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_panicking_adapter_fails_cases_without_stopping_the_run() {
    let report = run_with(Bug::GetAccountPanics).await;
    assert_eq!(report.cases(), 37);
    let failed = report.failed();
    let (_, why) = failed
        .iter()
        .find(|(name, _)| *name == "get_account")
        .expect("get_account fails");
    assert!(
        why.contains("panicked: get_account mutant exploded"),
        "{why}"
    );
    // Cases that never call get_account still pass.
    assert!(failed.iter().all(|(name, _)| *name != "create_user"));
    assert!(report.to_string().contains("get_account"), "{report}");
}
