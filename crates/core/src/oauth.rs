//! The contract between the engine and an OAuth 2 / OpenID Connect provider
//! implementation (keyway-oauth).
//!
//! The engine owns everything that touches the browser: it makes the `state`,
//! PKCE verifier and `nonce` values, keeps them in encrypted cookies bound to
//! the provider (15 minutes, cleared after use), checks the returned `state`,
//! links accounts and makes the session. The provider owns everything that
//! touches the identity provider: the authorization URL, the token request,
//! ID token validation (signature, `iss`, `aud`, `exp`, `nonce`), userinfo and
//! the profile mapping.

use std::collections::BTreeMap;
use std::fmt;

use async_trait::async_trait;

use crate::codes::LogCode;
use crate::provider::{BoxError, ProviderType};

/// Which checks protect a provider's callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Check {
    /// PKCE with `S256`.
    Pkce,
    /// The `state` parameter.
    State,
    /// The OpenID Connect `nonce`.
    Nonce,
}

/// How a provider's button looks on the built-in sign-in page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderStyle {
    /// A logo URL.
    pub logo: Option<String>,
    /// The button's colour.
    pub brand_color: Option<String>,
}

/// What the engine asks of [`OAuthProvider::authorization_url`].
#[derive(Debug)]
pub struct AuthorizationRequest<'a> {
    /// `{origin}{basePath}/callback/{id}`.
    pub redirect_uri: &'a str,
    /// The `state` value to send, when [`Check::State`] is on.
    pub state: Option<&'a str>,
    /// The S256 `code_challenge`, when [`Check::Pkce`] is on.
    pub code_challenge: Option<&'a str>,
    /// The `nonce`, when [`Check::Nonce`] is on.
    pub nonce: Option<&'a str>,
    /// Extra parameters from the sign-in request's query (`prompt`,
    /// `login_hint`, ...); they win over the provider's own.
    pub params: &'a BTreeMap<String, String>,
}

/// What the engine hands to [`OAuthProvider::callback`]. The `state` has
/// already been checked.
pub struct CallbackRequest<'a> {
    /// The callback parameters (query, or form body for `form_post`).
    pub params: &'a BTreeMap<String, String>,
    /// The same `redirect_uri` as in the authorization request.
    pub redirect_uri: &'a str,
    /// The PKCE verifier from the check cookie.
    pub code_verifier: Option<&'a str>,
    /// The nonce from the check cookie; the ID token's `nonce` must equal it.
    pub nonce: Option<&'a str>,
}

impl fmt::Debug for CallbackRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackRequest")
            .field("params", &self.params.keys().collect::<Vec<_>>())
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// The tokens a provider returned. Secrets: `Debug` shows which are present.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TokenSet {
    /// Access token.
    pub access_token: Option<String>,
    /// Refresh token.
    pub refresh_token: Option<String>,
    /// Expiry of the access token, in seconds since the Unix epoch.
    pub expires_at: Option<i64>,
    /// Token type.
    pub token_type: Option<String>,
    /// Granted scopes, space separated.
    pub scope: Option<String>,
    /// ID token.
    pub id_token: Option<String>,
    /// Session state.
    pub session_state: Option<String>,
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &self.access_token.is_some())
            .field("refresh_token", &self.refresh_token.is_some())
            .field("expires_at", &self.expires_at)
            .field("token_type", &self.token_type)
            .field("scope", &self.scope)
            .field("id_token", &self.id_token.is_some())
            .finish()
    }
}

/// A user as the provider describes them, already mapped by the provider's
/// profile function.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OAuthProfile {
    /// The user's id at the provider (`providerAccountId`).
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Email address (the engine lower-cases it).
    pub email: Option<String>,
    /// Whether the provider says it verified [`email`](Self::email) (the
    /// `email_verified` claim, GitHub's `verified` flag, …). The engine
    /// stores and matches an email only when this is true; otherwise the
    /// user is made without one.
    pub email_verified: bool,
    /// Picture URL.
    pub image: Option<String>,
    /// The raw profile document (claims or userinfo JSON).
    pub raw: serde_json::Value,
}

/// A finished callback: who the user is and the tokens.
#[derive(Debug, Clone)]
pub struct OAuthCallback {
    /// The mapped profile.
    pub profile: OAuthProfile,
    /// The tokens.
    pub tokens: TokenSet,
}

/// A failure in an OAuth step, with the log code that names it.
#[derive(Debug)]
pub struct OAuthError {
    /// The log code (`OAUTH_GET_ACCESS_TOKEN_ERROR`, `OAUTH_GET_PROFILE_ERROR`,
    /// `OAUTH_PARSE_PROFILE_ERROR`, `GET_AUTHORIZATION_URL_ERROR`, ...).
    pub code: LogCode,
    /// What went wrong (for the log only).
    pub message: String,
    /// The underlying error.
    pub source: Option<BoxError>,
}

impl OAuthError {
    /// An error with a code and a message.
    pub fn new(code: LogCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            source: None,
        }
    }

    /// Attaches the cause.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for OAuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// An OAuth 2 or OpenID Connect provider. Implemented by keyway-oauth.
#[async_trait]
pub trait OAuthProvider: Send + Sync + 'static {
    /// Provider id (`github`, `google`, ...).
    fn id(&self) -> &str;
    /// Display name.
    fn name(&self) -> &str;
    /// [`ProviderType::OAuth`] or [`ProviderType::Oidc`].
    fn kind(&self) -> ProviderType;
    /// The checks to run (default: PKCE and state).
    fn checks(&self) -> &[Check] {
        &[Check::Pkce, Check::State]
    }
    /// Whether the provider answers with `response_mode=form_post` (a
    /// cross-site POST to the callback: the check cookies need
    /// `SameSite=None; Secure`).
    fn form_post(&self) -> bool {
        false
    }
    /// Link this account to an existing user with the same email without
    /// asking (only for providers that verify emails).
    fn allow_dangerous_email_account_linking(&self) -> bool {
        false
    }
    /// How the button looks.
    fn style(&self) -> ProviderStyle {
        ProviderStyle::default()
    }
    /// Checks the provider's own configuration when the engine is built
    /// ([`AuthBuilder::build`](crate::AuthBuilder::build)); an `Err` says
    /// what is missing and what to set (e.g. `AUTH_GITHUB_ID`).
    fn check_config(&self) -> Result<(), String> {
        Ok(())
    }
    /// Builds the authorization URL.
    async fn authorization_url(
        &self,
        request: &AuthorizationRequest<'_>,
    ) -> Result<String, OAuthError>;
    /// Exchanges the code, validates, fetches and maps the profile.
    async fn callback(&self, request: &CallbackRequest<'_>) -> Result<OAuthCallback, OAuthError>;
    /// Uses a refresh token to get new tokens (`grant_type=refresh_token`).
    async fn refresh(&self, refresh_token: &str) -> Result<TokenSet, OAuthError>;
    /// Whether the engine revokes the user's tokens for this provider
    /// ([`revoke`](Self::revoke)) when they sign out. Off by default.
    fn revoke_on_sign_out(&self) -> bool {
        false
    }
    /// Revokes an account's tokens at the provider (RFC 7009). The default
    /// has nothing to revoke.
    async fn revoke(&self, tokens: &TokenSet) -> Result<(), OAuthError> {
        let _ = tokens;
        Ok(())
    }
}
