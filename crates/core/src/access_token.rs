//! A valid OAuth access token for a linked account, refreshed with the stored
//! refresh token when it has expired — once per account, however many
//! requests ask at the same time — and saved back through the adapter.
//! (Auth.js leaves this to every application; it is its most requested
//! missing feature.)

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use chrono::Utc;

use crate::actions::apply_tokens;
use crate::adapter::{Adapter, AdapterError};
use crate::auth::Auth;
use crate::model::Account;
use crate::oauth::{OAuthError, OAuthProvider};
use crate::provider::Provider;
use crate::store::Lease;

/// Tokens this close to expiry are refreshed already.
const EXPIRY_MARGIN_SECS: i64 = 60;

/// Why no access token could be had.
#[derive(Debug)]
#[non_exhaustive]
pub enum AccessTokenError {
    /// The engine has no adapter, so no tokens are stored.
    NoAdapter,
    /// No OAuth provider has this id.
    UnknownProvider(String),
    /// The account is not linked.
    NotLinked,
    /// The token expired and there is no refresh token to renew it.
    NoRefreshToken,
    /// The provider refused or failed the refresh.
    Refresh(OAuthError),
    /// The adapter failed.
    Adapter(AdapterError),
}

impl fmt::Display for AccessTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoAdapter => {
                f.write_str("no adapter is configured, so no OAuth tokens are stored")
            }
            Self::UnknownProvider(id) => write!(f, "no OAuth provider with id {id:?}"),
            Self::NotLinked => f.write_str("the account is not linked"),
            Self::NoRefreshToken => {
                f.write_str("the access token expired and there is no refresh token")
            }
            Self::Refresh(e) => write!(f, "refreshing the access token failed: {e}"),
            Self::Adapter(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for AccessTokenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Refresh(e) => Some(e),
            Self::Adapter(e) => Some(e),
            _ => None,
        }
    }
}

/// `(provider, provider_account_id)`.
type AccountKey = (String, String);
type RefreshLock = tokio::sync::Mutex<()>;

/// One lock per account being refreshed; entries die with their last user.
#[derive(Default)]
pub(crate) struct RefreshLocks(Mutex<HashMap<AccountKey, Weak<RefreshLock>>>);

impl RefreshLocks {
    fn lock_for(&self, key: AccountKey) -> Arc<RefreshLock> {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.retain(|_, weak| weak.strong_count() > 0);
        if let Some(existing) = map.get(&key).and_then(Weak::upgrade) {
            return existing;
        }
        let fresh = Arc::new(RefreshLock::new(()));
        map.insert(key, Arc::downgrade(&fresh));
        fresh
    }
}

/// How long one instance may hold an account's refresh lease: longer than
/// a token request takes, short enough that a crashed holder delays the
/// others only this long.
const LEASE: Duration = Duration::from_secs(30);

/// How often an instance waiting for another's refresh reads the account.
const POLL: Duration = Duration::from_millis(100);

/// Whether the account's access token is good for at least the margin.
fn fresh_token(account: &Account) -> Option<&String> {
    let now = Utc::now().timestamp();
    let fresh = account
        .expires_at
        .is_none_or(|at| at > now + EXPIRY_MARGIN_SECS);
    account.access_token.as_ref().filter(|_| fresh)
}

/// The right to refresh one account's token, across instances.
enum Held {
    /// A lease in the shared store, given back when done.
    Store(Lease),
    /// The first hit of an adapter counter window: nothing to give back (the
    /// window is keyed by the stale token, so the next refresh has its own).
    Window,
}

impl Auth {
    /// A valid access token for the account `(provider, provider_account_id)`.
    ///
    /// When the stored token has expired (or expires within a minute), it is
    /// refreshed with the stored refresh token through the provider's token
    /// endpoint, and the new tokens are saved with
    /// [`Adapter::update_account`](crate::Adapter::update_account). Concurrent
    /// calls for the same account wait for one refresh instead of racing (a
    /// rotated refresh token can be used only once) — within this process by
    /// a lock, and across every instance that shares the database by a lease:
    /// in the [store](crate::store) when one is set, else the first hit of an
    /// [`Adapter::hit`](crate::Adapter::hit) window keyed by the stale token.
    /// The instances that do not hold the lease read the account until the
    /// new token is there, for at most 30 seconds, then try the lease again.
    pub async fn access_token(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<String, AccessTokenError> {
        let inner = self.inner();
        let adapter = inner
            .adapter
            .as_deref()
            .ok_or(AccessTokenError::NoAdapter)?;
        let oauth = match inner.provider(provider) {
            Some(Provider::OAuth(p)) => p.clone(),
            _ => return Err(AccessTokenError::UnknownProvider(provider.to_owned())),
        };
        let lock = inner
            .refresh_locks
            .lock_for((provider.to_owned(), provider_account_id.to_owned()));
        let _guard = lock.lock().await;

        let read = || async {
            adapter
                .get_account(provider, provider_account_id)
                .await
                .map_err(AccessTokenError::Adapter)?
                .ok_or(AccessTokenError::NotLinked)
        };
        loop {
            let account = read().await?;
            if let Some(token) = fresh_token(&account) {
                return Ok(token.clone());
            }
            if account.refresh_token.is_none() {
                return Err(AccessTokenError::NoRefreshToken);
            }
            match self.take_lease(adapter, &account).await? {
                Some(held) => {
                    // Another instance may have finished between the read and
                    // the lease.
                    let outcome = match read().await {
                        Ok(account) => match fresh_token(&account) {
                            Some(token) => Ok(token.clone()),
                            None => refresh(&*oauth, adapter, account).await,
                        },
                        Err(e) => Err(e),
                    };
                    self.give_back(held).await;
                    return outcome;
                }
                None => {
                    let until = tokio::time::Instant::now() + LEASE;
                    while tokio::time::Instant::now() < until {
                        tokio::time::sleep(POLL).await;
                        if let Some(token) = fresh_token(&read().await?) {
                            return Ok(token.clone());
                        }
                    }
                }
            }
        }
    }

    /// Takes the cross-instance refresh lease of the token `account` holds
    /// now; `None` when another instance has it.
    async fn take_lease(
        &self,
        adapter: &dyn Adapter,
        account: &Account,
    ) -> Result<Option<Held>, AccessTokenError> {
        let inner = self.inner();
        let generation = format!(
            "{}\0{}\0{}\0{}",
            account.provider,
            account.provider_account_id,
            account.access_token.as_deref().unwrap_or_default(),
            account.expires_at.unwrap_or_default()
        );
        let key = inner.keys.counter_key("refresh", &generation);
        match &inner.store {
            Some(store) => Ok(store
                .try_lease(&key, LEASE)
                .await
                .map_err(AccessTokenError::Adapter)?
                .map(Held::Store)),
            None => {
                let hits = adapter
                    .hit(&key, Utc::now(), LEASE)
                    .await
                    .map_err(AccessTokenError::Adapter)?;
                Ok((hits == 1).then_some(Held::Window))
            }
        }
    }

    async fn give_back(&self, held: Held) {
        if let (Held::Store(lease), Some(store)) = (held, &self.inner().store)
            && let Err(e) = store.release(&lease).await
        {
            // The lease ends by itself; log and go on.
            crate::failure::log_error(
                crate::codes::LogCode::AdapterConnectionError,
                &crate::failure::describe(&e),
            );
        }
    }
}

/// Refreshes `account`'s tokens at the provider and saves them.
async fn refresh(
    oauth: &dyn OAuthProvider,
    adapter: &dyn Adapter,
    mut account: Account,
) -> Result<String, AccessTokenError> {
    let refresh_token = account
        .refresh_token
        .clone()
        .ok_or(AccessTokenError::NoRefreshToken)?;
    let mut tokens = oauth
        .refresh(&refresh_token)
        .await
        .map_err(AccessTokenError::Refresh)?;
    // Providers that do not rotate refresh tokens send none back.
    if tokens.refresh_token.is_none() {
        tokens.refresh_token = Some(refresh_token);
    }
    if tokens.id_token.is_none() {
        tokens.id_token = account.id_token.clone();
    }
    apply_tokens(&mut account, &tokens);
    let stored = adapter
        .update_account(account)
        .await
        .map_err(AccessTokenError::Adapter)?
        .ok_or(AccessTokenError::NotLinked)?;
    stored.access_token.ok_or_else(|| {
        AccessTokenError::Refresh(OAuthError::new(
            crate::codes::LogCode::OauthGetAccessTokenError,
            "the refresh answer had no access token",
        ))
    })
}
