//! [`OAuth`] as the engine's [`OAuthProvider`]: the authorization URL, the
//! callback (code exchange, ID token, profile) and the refresh grant.

use async_trait::async_trait;
use keyway_core::LogCode;
use keyway_core::oauth::{
    AuthorizationRequest, CallbackRequest, Check, OAuthCallback, OAuthError, OAuthProvider,
    ProviderStyle, TokenSet,
};
use keyway_core::provider::ProviderType;

use crate::config::OAuth;
use crate::discovery::issuer_matches;
use crate::id_token::Expect;

#[async_trait]
impl OAuthProvider for OAuth {
    fn id(&self) -> &str {
        &self.id
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> ProviderType {
        self.kind
    }

    fn checks(&self) -> &[Check] {
        &self.checks
    }

    fn form_post(&self) -> bool {
        self.form_post
    }

    fn allow_dangerous_email_account_linking(&self) -> bool {
        self.dangerous_linking
    }

    fn style(&self) -> ProviderStyle {
        self.style.clone()
    }

    fn check_config(&self) -> Result<(), String> {
        self.check()
    }

    fn revoke_on_sign_out(&self) -> bool {
        self.revoke_on_sign_out
    }

    async fn revoke(&self, tokens: &TokenSet) -> Result<(), OAuthError> {
        self.revoke_tokens(tokens).await
    }

    async fn authorization_url(
        &self,
        request: &AuthorizationRequest<'_>,
    ) -> Result<String, OAuthError> {
        self.build_authorization_url(request).await
    }

    async fn callback(&self, request: &CallbackRequest<'_>) -> Result<OAuthCallback, OAuthError> {
        let code = request
            .params
            .get("code")
            .filter(|c| !c.is_empty())
            .ok_or_else(|| {
                OAuthError::new(
                    LogCode::OauthCallbackHandlerError,
                    "the callback has no code parameter",
                )
            })?;
        // RFC 9207: an `iss` in the answer must be this provider's issuer
        // (mix-up attacks).
        if let Some(iss) = request.params.get("iss") {
            let expected = self
                .expected_issuer()
                .await
                .map_err(|e| OAuthError::new(LogCode::OauthCallbackHandlerError, e.to_string()))?;
            if let Some(expected) = expected
                && !expected.contains(crate::discovery::TENANT_PLACEHOLDER)
                && !issuer_matches(&expected, iss, None)
            {
                return Err(OAuthError::new(
                    LogCode::CallbackOauthError,
                    format!("the callback's iss {iss:?} is not the issuer {expected:?}"),
                ));
            }
        }
        let response = self
            .exchange_code(code, request.redirect_uri, request.code_verifier)
            .await?;
        let document = self
            .profile_document(&response, request.nonce, request.params)
            .await?;
        let profile = self.map_profile(&document, &response.tokens)?;
        tracing::debug!(provider = %self.id, tokens = ?response.tokens, "[keyway][debug] OAuth callback done");
        Ok(OAuthCallback {
            profile,
            tokens: response.tokens,
        })
    }

    async fn refresh(&self, refresh_token: &str) -> Result<TokenSet, OAuthError> {
        let response = self.refresh_grant(refresh_token).await?;
        if self.kind == ProviderType::Oidc
            && let Some(id_token) = &response.tokens.id_token
        {
            self.validate_id_token(id_token, Expect { nonce: None })
                .await
                .map_err(|e| {
                    OAuthError::new(
                        LogCode::OauthGetAccessTokenError,
                        format!("refresh: {}", e.message),
                    )
                })?;
        }
        Ok(response.tokens)
    }
}
