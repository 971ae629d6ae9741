//! The maps behind a [`MemoryAdapter`](crate::MemoryAdapter) and the
//! operations on them.
//!
//! Every operation runs with the store's lock held, so it is atomic. Writes
//! check every unique key **before** they change anything: a write that fails
//! leaves the store exactly as it was.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use keyway_core::{
    Account, AdapterError, AdapterResult, Pruned, Session, SessionToken, SessionUpdate, User,
    UserUpdate, VerificationToken,
};

/// `(provider, provider_account_id)`, the key of an account.
pub(crate) type AccountKey = (String, String);
/// `(identifier, token)`, the key of a verification token.
pub(crate) type TokenKey = (String, String);

/// Everything a [`MemoryAdapter`](crate::MemoryAdapter) holds.
#[derive(Default)]
pub(crate) struct Store {
    /// Users by id.
    pub(crate) users: HashMap<String, User>,
    /// User id by email: the unique index on `User::email`. Users without an
    /// email are not in it, so any number of them may exist.
    pub(crate) user_ids_by_email: HashMap<String, String>,
    /// Accounts by `(provider, provider_account_id)`.
    pub(crate) accounts: HashMap<AccountKey, Account>,
    /// Sessions by token.
    pub(crate) sessions: HashMap<SessionToken, Session>,
    /// Verification tokens by `(identifier, token)`.
    pub(crate) verification_tokens: HashMap<TokenKey, VerificationToken>,
    /// Rate-limit counters by key.
    pub(crate) counters: HashMap<String, Counter>,
    /// How many counters were left after the last sweep of ended windows.
    counters_after_sweep: usize,
}

/// One fixed-window counter of [`Adapter::hit`](keyway_core::Adapter::hit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counter {
    /// Hits in the current window.
    pub(crate) count: u64,
    /// When the current window ends.
    pub(crate) window_ends: DateTime<Utc>,
}

/// Counters are swept of ended windows when their number has doubled since
/// the last sweep (and is at least this), so memory follows the live
/// counters without a sweep on every hit.
const SWEEP_FLOOR: usize = 1024;

fn account_key(provider: &str, provider_account_id: &str) -> AccountKey {
    (provider.to_owned(), provider_account_id.to_owned())
}

impl Store {
    pub(crate) fn create_user(&mut self, user: User) -> AdapterResult<User> {
        if self.users.contains_key(&user.id) {
            return Err(AdapterError::conflict("a user with this id exists"));
        }
        if let Some(email) = &user.email {
            if self.user_ids_by_email.contains_key(email) {
                return Err(AdapterError::conflict("a user with this email exists"));
            }
            self.user_ids_by_email
                .insert(email.clone(), user.id.clone());
        }
        self.users.insert(user.id.clone(), user.clone());
        Ok(user)
    }

    pub(crate) fn get_user_by_email(&self, email: &str) -> Option<User> {
        let id = self.user_ids_by_email.get(email)?;
        self.users.get(id).cloned()
    }

    pub(crate) fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Option<User> {
        let account = self
            .accounts
            .get(&account_key(provider, provider_account_id))?;
        self.users.get(&account.user_id).cloned()
    }

    pub(crate) fn update_user(&mut self, update: &UserUpdate) -> AdapterResult<User> {
        let Some(current) = self.users.get(&update.id) else {
            return Err(AdapterError::not_found("no user with this id"));
        };
        let mut updated = current.clone();
        update.apply_to(&mut updated);
        if updated.email != current.email {
            if let Some(email) = &updated.email
                && self.user_ids_by_email.contains_key(email)
            {
                return Err(AdapterError::conflict("a user with this email exists"));
            }
            // Checked: from here on nothing can fail.
            if let Some(old) = &current.email {
                self.user_ids_by_email.remove(old);
            }
            if let Some(email) = &updated.email {
                self.user_ids_by_email
                    .insert(email.clone(), updated.id.clone());
            }
        }
        self.users.insert(updated.id.clone(), updated.clone());
        Ok(updated)
    }

    pub(crate) fn delete_user(&mut self, id: &str) -> Option<User> {
        let user = self.users.remove(id)?;
        if let Some(email) = &user.email {
            self.user_ids_by_email.remove(email);
        }
        self.accounts.retain(|_, account| account.user_id != id);
        self.sessions.retain(|_, session| session.user_id != id);
        Some(user)
    }

    pub(crate) fn link_account(&mut self, account: Account) -> AdapterResult<Account> {
        let key = account_key(&account.provider, &account.provider_account_id);
        if self.accounts.contains_key(&key) {
            return Err(AdapterError::conflict(
                "this (provider, provider_account_id) is already linked",
            ));
        }
        self.accounts.insert(key, account.clone());
        Ok(account)
    }

    pub(crate) fn unlink_account(
        &mut self,
        provider: &str,
        provider_account_id: &str,
    ) -> Option<Account> {
        self.accounts
            .remove(&account_key(provider, provider_account_id))
    }

    pub(crate) fn get_account(&self, provider: &str, provider_account_id: &str) -> Option<Account> {
        self.accounts
            .get(&account_key(provider, provider_account_id))
            .cloned()
    }

    pub(crate) fn accounts_of_user(&self, user_id: &str) -> Vec<Account> {
        let mut accounts: Vec<Account> = self
            .accounts
            .values()
            .filter(|a| a.user_id == user_id)
            .cloned()
            .collect();
        accounts.sort_by(|a, b| {
            (&a.provider, &a.provider_account_id).cmp(&(&b.provider, &b.provider_account_id))
        });
        accounts
    }

    pub(crate) fn update_account(&mut self, account: Account) -> Option<Account> {
        let stored = self.accounts.get_mut(&account_key(
            &account.provider,
            &account.provider_account_id,
        ))?;
        // Only the token fields; `user_id` and `kind` stay as linked.
        stored.access_token = account.access_token;
        stored.refresh_token = account.refresh_token;
        stored.expires_at = account.expires_at;
        stored.token_type = account.token_type;
        stored.scope = account.scope;
        stored.id_token = account.id_token;
        stored.session_state = account.session_state;
        Some(stored.clone())
    }

    pub(crate) fn create_session(&mut self, session: Session) -> AdapterResult<Session> {
        if self.sessions.contains_key(&session.session_token) {
            return Err(AdapterError::conflict("this session token is in use"));
        }
        self.sessions
            .insert(session.session_token.clone(), session.clone());
        Ok(session)
    }

    pub(crate) fn get_session_and_user(&self, token: &SessionToken) -> Option<(Session, User)> {
        let session = self.sessions.get(token)?;
        // A session whose user is gone is no session at all.
        let user = self.users.get(&session.user_id)?;
        Some((session.clone(), user.clone()))
    }

    pub(crate) fn update_session(&mut self, update: &SessionUpdate) -> Option<Session> {
        let session = self.sessions.get_mut(&update.session_token)?;
        update.apply_to(session);
        Some(session.clone())
    }

    pub(crate) fn create_verification_token(
        &mut self,
        token: VerificationToken,
    ) -> AdapterResult<VerificationToken> {
        let key = (token.identifier.clone(), token.token.clone());
        if self.verification_tokens.contains_key(&key) {
            return Err(AdapterError::conflict(
                "this (identifier, token) pair exists",
            ));
        }
        self.verification_tokens.insert(key, token.clone());
        Ok(token)
    }

    pub(crate) fn use_verification_token(
        &mut self,
        identifier: &str,
        token: &str,
    ) -> Option<VerificationToken> {
        self.verification_tokens
            .remove(&(identifier.to_owned(), token.to_owned()))
    }

    pub(crate) fn hit(&mut self, key: &str, now: DateTime<Utc>, window: Duration) -> u64 {
        let window = TimeDelta::from_std(window).unwrap_or(TimeDelta::MAX);
        let window_ends = now
            .checked_add_signed(window)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let count = match self.counters.get_mut(key) {
            Some(c) if c.window_ends > now => {
                c.count = c.count.saturating_add(1);
                c.count
            }
            Some(c) => {
                *c = Counter {
                    count: 1,
                    window_ends,
                };
                1
            }
            None => {
                self.counters.insert(
                    key.to_owned(),
                    Counter {
                        count: 1,
                        window_ends,
                    },
                );
                1
            }
        };
        if self.counters.len() >= SWEEP_FLOOR.max(2 * self.counters_after_sweep) {
            // Only ended windows go: a live counter is never evicted.
            self.counters.retain(|_, c| c.window_ends > now);
            self.counters_after_sweep = self.counters.len();
        }
        count
    }

    pub(crate) fn delete_expired(&mut self, now: DateTime<Utc>) -> Pruned {
        fn gone(before: usize, after: usize) -> u64 {
            u64::try_from(before - after).unwrap_or(u64::MAX)
        }
        let sessions = self.sessions.len();
        self.sessions.retain(|_, s| s.expires >= now);
        let tokens = self.verification_tokens.len();
        self.verification_tokens.retain(|_, t| t.expires >= now);
        let counters = self.counters.len();
        self.counters.retain(|_, c| c.window_ends > now);
        self.counters_after_sweep = self.counters.len();
        Pruned {
            sessions: gone(sessions, self.sessions.len()),
            verification_tokens: gone(tokens, self.verification_tokens.len()),
            counters: gone(counters, self.counters.len()),
        }
    }
}
