//! # keyway-email
//!
//! Email sign-in for keyway, as Auth.js's email provider: the user types an
//! address, receives a link, follows it and is signed in. Optionally the
//! same message carries a one-time code to type on the "check your email"
//! page instead, and a send limit keeps the endpoint from flooding a
//! mailbox (counted by the engine through the adapter, so it holds across
//! every instance on the same database).
//!
//! - [`Email`]: the provider; add it with `Auth::builder().provider(email)`.
//!   Email sign-in needs an adapter (verification tokens are stored).
//! - [`SmtpSender`] (lettre, tokio, rustls) from `EMAIL_SERVER` and
//!   `EMAIL_FROM` ([`smtp_from_env`]) or an explicit [`SmtpConfig`].
//! - [`SendVerificationRequest`]: send any other way ([`send_with`] takes a
//!   closure); [`ConsoleSender`] prints links, for development.
//! - The default message ([`VerificationMessage::default_content`]): subject
//!   `Sign in to <host>`, text and HTML themed like the pages.
//!
//! ```no_run
//! use keyway_email::{Email, OneTimeCode, SendLimit};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // SMTP when EMAIL_SERVER is set, else links printed on the console.
//! let email = Email::from_env_or_console()?
//!     .one_time_code(OneTimeCode::default())
//!     .send_limit(SendLimit::default())
//!     .build();
//! # let adapter = std::sync::Arc::new(keyway_memory::MemoryAdapter::new());
//! let auth = keyway_core::Auth::builder()
//!     .from_env()
//!     .adapter(adapter)
//!     .provider(email)
//!     .build()?;
//! # let _ = auth;
//! # Ok(())
//! # }
//! ```
//!
//! ## One-time codes
//!
//! With [`EmailBuilder::one_time_code`] the message also carries a numeric
//! code (8 digits by default, from the OS CSPRNG), and the verify-request
//! page shows a form to type it. The code works only in the browser that
//! asked for it (an encrypted, HttpOnly cookie holds the address and a
//! per-message nonce; the address never travels in a URL), is stored only
//! as an HMAC under a key derived from the secret for this purpose alone, and
//! allows `max_attempts` guesses counted in the database by the adapter's
//! counters (so clearing cookies, racing requests or another instance gains
//! nothing). Codes have 8 to 12 digits: `build()` refuses fewer. Using the
//! code retires the link and vice versa. With the defaults an attacker gets at most 5 guesses per message
//! and 5 messages per address per hour: 25 guesses an hour against 10^8
//! codes, and the victim's mailbox fills with codes meanwhile.
//!
//! Failures follow Auth.js: an invalid address or a reached send limit is
//! `SIGNIN_EMAIL_ERROR`, a message that could not be sent is
//! `SEND_VERIFICATION_EMAIL_ERROR` (its tokens are removed), both shown as
//! the `EmailSignin` sign-in page; a used, expired or wrong link or code is
//! the `Verification` error page (403).

mod message;
mod sender;
mod smtp;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use keyway_core::Provider;
use keyway_core::provider::{BoxError, EmailProvider, VerificationRequest};

pub use keyway_core::provider::{OneTimeCode, SendLimit};
pub use message::{Content, escape_html};
pub use sender::{
    ConsoleSender, FnSender, SendVerificationRequest, VerificationMessage, send_with,
};
pub use smtp::{SmtpConfig, SmtpConfigError, SmtpSecurity, SmtpSender, smtp_from_env};

/// The email provider. Build it with [`Email::builder`] (or
/// [`Email::smtp_from_env`], [`Email::from_env_or_console`]) and turn it into
/// a [`Provider`] with `.into()` or by passing it to `AuthBuilder::provider`.
pub struct Email {
    id: String,
    name: String,
    max_age_secs: i64,
    sender: Arc<dyn SendVerificationRequest>,
    code: Option<OneTimeCode>,
    limit: Option<SendLimit>,
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Email")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("max_age_secs", &self.max_age_secs)
            .field("one_time_code", &self.code)
            .field("send_limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl Email {
    /// A provider that sends through `sender`: id `email`, name `Email`,
    /// links valid 24 h, no codes, the default send limit.
    pub fn builder(sender: impl SendVerificationRequest) -> EmailBuilder {
        EmailBuilder {
            id: "email".to_owned(),
            name: "Email".to_owned(),
            max_age: Duration::from_secs(86_400),
            sender: Arc::new(sender),
            code: None,
            limit: Some(SendLimit::default()),
        }
    }

    /// [`Email::builder`] with the SMTP sender of [`smtp_from_env`].
    pub fn smtp_from_env() -> Result<EmailBuilder, SmtpConfigError> {
        Ok(Self::builder(smtp_from_env()?))
    }

    /// SMTP from `EMAIL_SERVER`/`EMAIL_FROM` when `EMAIL_SERVER` is set,
    /// otherwise the development [`ConsoleSender`] (logged as a warning).
    /// A set but invalid `EMAIL_SERVER` is an error, never a silent fallback.
    pub fn from_env_or_console() -> Result<EmailBuilder, SmtpConfigError> {
        match smtp::config_from_env()? {
            Some(config) => Ok(Self::builder(config.build()?)),
            None => {
                tracing::warn!(
                    "[keyway][warn] EMAIL_SERVER is not set: sign-in links are printed on the console, not emailed (development only)"
                );
                Ok(Self::builder(ConsoleSender::stdout()))
            }
        }
    }
}

/// Configures an [`Email`] provider.
pub struct EmailBuilder {
    id: String,
    name: String,
    max_age: Duration,
    sender: Arc<dyn SendVerificationRequest>,
    code: Option<OneTimeCode>,
    limit: Option<SendLimit>,
}

impl fmt::Debug for EmailBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailBuilder")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("max_age", &self.max_age)
            .field("one_time_code", &self.code)
            .field("send_limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl EmailBuilder {
    /// The provider id in URLs (default `email`).
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// The display name ("Sign in with {name}", default `Email`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// How long a link stays valid (default 24 hours).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// Also send a one-time code, typed on the verify-request page by the
    /// browser that asked for it. Off by default.
    pub fn one_time_code(mut self, code: OneTimeCode) -> Self {
        self.code = Some(code);
        self
    }

    /// At most `limit.max` messages per address in one `limit.window`
    /// (default: 5 per hour). The engine counts through the adapter, so the
    /// limit holds across every instance on the same database.
    pub fn send_limit(mut self, limit: SendLimit) -> Self {
        self.limit = Some(limit);
        self
    }

    /// No send limit (for instance when a proxy already limits the route).
    pub fn no_send_limit(mut self) -> Self {
        self.limit = None;
        self
    }

    /// The provider.
    pub fn build(self) -> Email {
        Email {
            id: self.id,
            name: self.name,
            max_age_secs: i64::try_from(self.max_age.as_secs()).unwrap_or(i64::MAX),
            sender: self.sender,
            code: self.code,
            limit: self.limit,
        }
    }
}

#[async_trait]
impl EmailProvider for Email {
    fn id(&self) -> &str {
        &self.id
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn max_age_secs(&self) -> i64 {
        self.max_age_secs
    }

    fn one_time_code(&self) -> Option<OneTimeCode> {
        self.code
    }

    fn send_limit(&self) -> Option<SendLimit> {
        self.limit
    }

    async fn send_verification_request(
        &self,
        request: &VerificationRequest<'_>,
    ) -> Result<(), BoxError> {
        let message = VerificationMessage::from_request(request);
        self.sender.send_verification_request(&message).await
    }
}

impl From<Email> for Provider {
    fn from(email: Email) -> Self {
        Provider::Email(Arc::new(email))
    }
}

impl From<EmailBuilder> for Provider {
    fn from(builder: EmailBuilder) -> Self {
        builder.build().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiet() -> EmailBuilder {
        Email::builder(ConsoleSender::to_writer(std::io::sink()))
    }

    #[test]
    fn defaults_follow_authjs_and_limit_sends() {
        let email = quiet().build();
        assert_eq!(email.id(), "email");
        assert_eq!(email.name(), "Email");
        assert_eq!(email.max_age_secs(), 86_400);
        assert_eq!(email.one_time_code(), None);
        assert_eq!(
            email.send_limit(),
            Some(SendLimit::new(5, Duration::from_secs(3600))),
            "five per hour by default"
        );
    }

    #[test]
    fn builder_settings_reach_the_provider() {
        let email = quiet()
            .id("magic")
            .name("Magic link")
            .max_age(Duration::from_secs(600))
            .one_time_code(OneTimeCode {
                digits: 10,
                ..OneTimeCode::default()
            })
            .no_send_limit()
            .build();
        assert_eq!((email.id(), email.name()), ("magic", "Magic link"));
        assert_eq!(email.max_age_secs(), 600);
        assert_eq!(email.one_time_code().map(|c| c.digits), Some(10));
        assert_eq!(email.send_limit(), None);
        let provider: Provider = email.into();
        assert_eq!(provider.id(), "magic");
        assert_eq!(provider.kind().as_str(), "email");
    }

    #[test]
    fn codes_of_fewer_than_eight_digits_are_refused_at_build() {
        let build = |digits: u8| {
            keyway_core::Auth::builder()
                .secret("a-long-random-secret-value-0123456789")
                .url("https://example.com")
                .adapter(std::sync::Arc::new(keyway_memory::MemoryAdapter::new()))
                .provider(
                    quiet()
                        .one_time_code(OneTimeCode {
                            digits,
                            ..OneTimeCode::default()
                        })
                        .build(),
                )
                .build()
        };
        for digits in [0, 6, 7, 13] {
            let e = build(digits).expect_err("refused");
            assert!(e.to_string().contains("8 to 12 digits"), "{digits}: {e}");
        }
        for digits in [8, 12] {
            assert!(build(digits).is_ok(), "{digits}");
        }
    }
}
