//! Token revocation (RFC 7009) through the `oauth2` crate, for providers
//! that have a revocation endpoint and were asked to revoke on sign-out.

use keyway_core::LogCode;
use keyway_core::oauth::{OAuthError, TokenSet};
use oauth2::{AccessToken, RefreshToken, RevocationUrl, StandardRevocableToken};

use crate::config::OAuth;
use crate::token::describe;

fn revoke_error(message: impl Into<String>) -> OAuthError {
    OAuthError::new(LogCode::SignoutError, message)
}

impl OAuth {
    /// Revokes an account's grant: its refresh token when it has one
    /// (servers end the grant, and its access tokens, with it), else its
    /// access token. Nothing to revoke is not an error.
    pub(crate) async fn revoke_tokens(&self, tokens: &TokenSet) -> Result<(), OAuthError> {
        let token = match (&tokens.refresh_token, &tokens.access_token) {
            (Some(refresh), _) => {
                StandardRevocableToken::RefreshToken(RefreshToken::new(refresh.clone()))
            }
            (None, Some(access)) => {
                StandardRevocableToken::AccessToken(AccessToken::new(access.clone()))
            }
            (None, None) => return Ok(()),
        };
        let url = self
            .endpoint(
                &self.revocation_endpoint,
                |m| m.revocation_endpoint.clone(),
                "revocation_endpoint",
            )
            .await
            .map_err(|e| revoke_error(e.to_string()))?;
        let url = RevocationUrl::new(url.clone())
            .map_err(|_| revoke_error(format!("the revocation endpoint {url:?} is not a URL")))?;
        self.protocol_client()
            .set_revocation_url(url)
            .revoke_token(token)
            .map_err(|e| revoke_error(e.to_string()))?
            .request_async(&self.runtime.http)
            .await
            .map_err(|e| revoke_error(format!("revocation: {}", describe(e))))
    }
}
