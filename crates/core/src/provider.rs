//! Providers: the ways a user can sign in.
//!
//! The engine knows provider *kinds*, each a trait implemented by a provider
//! crate: [`CredentialsProvider`] (keyway-credentials), [`EmailProvider`]
//! (keyway-email) and [`OAuthProvider`] (keyway-oauth). A [`Provider`] holds one of them as a trait object.

use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::model::User;
use crate::oauth::OAuthProvider;
pub use crate::pages::CredentialField;
use crate::pages::Theme;

/// A boxed error from application or provider code.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// The `type` a provider reports in `/providers` and stores on accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProviderType {
    /// Plain OAuth 2.
    OAuth,
    /// OpenID Connect.
    Oidc,
    /// Email magic links.
    Email,
    /// Username/password or another custom check.
    Credentials,
}

impl ProviderType {
    /// The Auth.js string (`"oauth"`, `"oidc"`, `"email"`, `"credentials"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::OAuth => "oauth",
            Self::Oidc => "oidc",
            Self::Email => "email",
            Self::Credentials => "credentials",
        }
    }
}

/// What a credentials check decided against the user.
#[derive(Debug)]
pub enum AuthorizeError {
    /// The credentials were refused. `code` is sent to the sign-in page as
    /// `&code=<code>` next to `error=CredentialsSignin` (default
    /// `"credentials"`); keep it vague, it is shown to whoever tried.
    Rejected {
        /// The code passed on to the sign-in page.
        code: String,
    },
    /// The check itself failed (a database down, a bug). Logged as
    /// `CALLBACK_CREDENTIALS_HANDLER_ERROR`; the user sees the
    /// `Configuration` error page.
    Failed(BoxError),
}

impl AuthorizeError {
    /// A refusal with the default code `"credentials"`.
    pub fn rejected() -> Self {
        Self::Rejected {
            code: "credentials".to_owned(),
        }
    }
}

impl fmt::Display for AuthorizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rejected { code } => write!(f, "credentials rejected ({code})"),
            Self::Failed(e) => write!(f, "credentials check failed: {e}"),
        }
    }
}

/// The form fields posted to a credentials callback, minus `csrfToken`,
/// `callbackUrl` and `json`. Values are secrets: `Debug` shows only the names.
#[derive(Clone, Default)]
pub struct CredentialsInput(BTreeMap<String, String>);

impl CredentialsInput {
    /// Wraps posted fields.
    pub fn new(fields: BTreeMap<String, String>) -> Self {
        Self(fields)
    }

    /// The value of one field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// All fields.
    pub fn fields(&self) -> &BTreeMap<String, String> {
        &self.0
    }
}

impl fmt::Debug for CredentialsInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// Sign-in by a check the application writes (username and password, a
/// one-time code, a signed token...). Implemented by keyway-credentials.
#[async_trait]
pub trait CredentialsProvider: Send + Sync + 'static {
    /// Provider id, used in URLs (`/callback/<id>`).
    fn id(&self) -> &str;
    /// Display name ("Sign in with {name}").
    fn name(&self) -> &str;
    /// The form fields the built-in sign-in page shows.
    fn fields(&self) -> &[CredentialField];
    /// Checks the posted credentials. `Ok(Some(user))` signs the user in;
    /// `Ok(None)` is a refusal with the default code.
    async fn authorize(
        &self,
        credentials: &CredentialsInput,
        request: &http::request::Parts,
    ) -> Result<Option<User>, AuthorizeError>;
}

/// What an email provider is asked to send.
pub struct VerificationRequest<'a> {
    /// The normalised address to send to.
    pub identifier: &'a str,
    /// The sign-in link (contains the token: a secret).
    pub url: &'a str,
    /// The plain token (a secret).
    pub token: &'a str,
    /// When the link stops working.
    pub expires: DateTime<Utc>,
    /// The site's host, for the message text.
    pub host: &'a str,
    /// The provider's display name.
    pub provider_name: &'a str,
    /// The page theme, so messages can match the pages.
    pub theme: &'a Theme,
    /// The one-time code to show in the message (a secret), when the
    /// provider offers codes ([`EmailProvider::one_time_code`]).
    pub code: Option<&'a str>,
}

impl fmt::Debug for VerificationRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerificationRequest")
            .field("identifier", &self.identifier)
            .field("expires", &self.expires)
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

/// How an email provider's one-time codes work: a short numeric code sent
/// in the same message as the link, typed on the verify-request page by the
/// browser that asked for it.
///
/// `build()` refuses fewer than 8 or more than 12 digits; the engine clamps
/// the other values to safe ranges: 1 to 10 attempts, a lifetime of 60 s up
/// to the link's. Attempts are counted in the adapter
/// ([`Adapter::hit`](crate::Adapter::hit)), so they hold across instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OneTimeCode {
    /// How many decimal digits a code has: 8 (the default) to 12.
    pub digits: u8,
    /// How many wrong codes end a code (default 5).
    pub max_attempts: u8,
    /// How long a code stays valid, in seconds (default 600).
    pub max_age_secs: i64,
}

impl OneTimeCode {
    /// The fewest digits a code may have; `build()` refuses fewer.
    pub const MIN_DIGITS: u8 = 8;
    /// The most digits a code may have; `build()` refuses more.
    pub const MAX_DIGITS: u8 = 12;
}

impl Default for OneTimeCode {
    fn default() -> Self {
        Self {
            digits: 8,
            max_attempts: 5,
            max_age_secs: 600,
        }
    }
}

/// How many sign-in emails one address may be sent, and in what window.
///
/// The engine enforces it for every email provider, custom ones included
/// ([`EmailProvider::send_limit`]), with a fixed-window counter kept by the
/// adapter ([`Adapter::hit`](crate::Adapter::hit)): every instance on the
/// same database shares it, and the counter is keyed by a keyed hash of the
/// address, never the address itself. Counted per address across all email
/// providers; every request counts, refused ones too, until the window
/// ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendLimit {
    /// Messages allowed per address in one window.
    pub max: u32,
    /// The window (at least one second).
    pub window: std::time::Duration,
}

impl SendLimit {
    /// `max` messages per address per `window`.
    pub fn new(max: u32, window: std::time::Duration) -> Self {
        Self { max, window }
    }
}

impl Default for SendLimit {
    /// Five messages per address per hour.
    fn default() -> Self {
        Self::new(5, std::time::Duration::from_secs(3600))
    }
}

/// Sign-in by a link sent to an email address. Implemented by keyway-email.
#[async_trait]
pub trait EmailProvider: Send + Sync + 'static {
    /// Provider id, used in URLs (`/signin/<id>`, `/callback/<id>`).
    fn id(&self) -> &str;
    /// Display name.
    fn name(&self) -> &str;
    /// How long a link stays valid, in seconds (default 24 h).
    fn max_age_secs(&self) -> i64 {
        86_400
    }
    /// Whether messages also carry a one-time code, and its settings
    /// (default: links only).
    fn one_time_code(&self) -> Option<OneTimeCode> {
        None
    }
    /// How many messages one address may be sent ([`SendLimit::default`],
    /// five an hour, unless overridden); `None` turns the limit off (for
    /// instance when a proxy already limits the route). The engine counts
    /// through the adapter; a message past the limit refuses the sign-in with
    /// the `EmailSignin` page (logged as `SIGNIN_EMAIL_ERROR`).
    fn send_limit(&self) -> Option<SendLimit> {
        Some(SendLimit::default())
    }
    /// Delivers the sign-in link.
    async fn send_verification_request(
        &self,
        request: &VerificationRequest<'_>,
    ) -> Result<(), BoxError>;
}

/// A configured provider.
#[derive(Clone)]
#[non_exhaustive]
pub enum Provider {
    /// A credentials provider.
    Credentials(Arc<dyn CredentialsProvider>),
    /// An email provider.
    Email(Arc<dyn EmailProvider>),
    /// An OAuth 2 / OpenID Connect provider.
    OAuth(Arc<dyn OAuthProvider>),
}

impl Provider {
    /// Provider id.
    pub fn id(&self) -> &str {
        match self {
            Self::Credentials(p) => p.id(),
            Self::Email(p) => p.id(),
            Self::OAuth(p) => p.id(),
        }
    }

    /// Display name.
    pub fn name(&self) -> &str {
        match self {
            Self::Credentials(p) => p.name(),
            Self::Email(p) => p.name(),
            Self::OAuth(p) => p.name(),
        }
    }

    /// Provider type.
    pub fn kind(&self) -> ProviderType {
        match self {
            Self::Credentials(_) => ProviderType::Credentials,
            Self::Email(_) => ProviderType::Email,
            Self::OAuth(p) => p.kind(),
        }
    }
}

impl fmt::Debug for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Provider")
            .field("id", &self.id())
            .field("type", &self.kind().as_str())
            .finish()
    }
}
