//! The test OpenID provider behind keyway-oauth's `OAuth`, counting the
//! refresh grants keyway asks it for (the provider rotates refresh tokens,
//! so a second refresh with one token would fail).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use keyway_core::oauth::{
    AuthorizationRequest, CallbackRequest, Check, OAuthCallback, OAuthError, OAuthProvider,
    TokenSet,
};
use keyway_core::provider::ProviderType;
use keyway_oauth::OAuth;

use super::ISSUER;

/// An `OAuth` provider that counts its refreshes.
pub struct Counting {
    inner: OAuth,
    refreshes: AtomicUsize,
}

impl Counting {
    /// The provider `oidc` at the test provider, as client `client`, with
    /// the scopes that get a refresh token.
    pub fn real(client: &str, secret: &str) -> Arc<Counting> {
        Arc::new(Counting {
            inner: OAuth::oidc("oidc", "Test IdP")
                .issuer(ISSUER)
                .client_id(client)
                .client_secret(secret)
                .scope("openid profile email offline_access"),
            refreshes: AtomicUsize::new(0),
        })
    }

    /// How many refreshes were asked for so far.
    pub fn refreshes(&self) -> usize {
        self.refreshes.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl OAuthProvider for Counting {
    fn id(&self) -> &str {
        OAuthProvider::id(&self.inner)
    }
    fn name(&self) -> &str {
        OAuthProvider::name(&self.inner)
    }
    fn kind(&self) -> ProviderType {
        self.inner.kind()
    }
    fn checks(&self) -> &[Check] {
        OAuthProvider::checks(&self.inner)
    }
    async fn authorization_url(&self, r: &AuthorizationRequest<'_>) -> Result<String, OAuthError> {
        self.inner.authorization_url(r).await
    }
    async fn callback(&self, r: &CallbackRequest<'_>) -> Result<OAuthCallback, OAuthError> {
        self.inner.callback(r).await
    }
    async fn refresh(&self, refresh_token: &str) -> Result<TokenSet, OAuthError> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        self.inner.refresh(refresh_token).await
    }
}
