//! How a sign-in message leaves the server: the [`SendVerificationRequest`]
//! trait, a closure adapter ([`send_with`]) and the development
//! [`ConsoleSender`].

use std::fmt;
use std::future::Future;
use std::io::Write;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use keyway_core::pages::Theme;
use keyway_core::provider::{BoxError, VerificationRequest};

use crate::message::{Content, default_content};

/// A sign-in message to deliver, owned so a sender can keep it or move it
/// into a task.
///
/// `url`, `token` and `code` are secrets: whoever reads them can sign in as
/// `identifier`. `Debug` leaves them out.
#[derive(Clone)]
pub struct VerificationMessage {
    /// The normalised address to send to.
    pub identifier: String,
    /// The sign-in link.
    pub url: String,
    /// The plain token inside the link.
    pub token: String,
    /// The one-time code, when the provider sends codes.
    pub code: Option<String>,
    /// When the link stops working.
    pub expires: DateTime<Utc>,
    /// The site's host (`example.com`, `localhost:3000`).
    pub host: String,
    /// The provider's display name.
    pub provider_name: String,
    /// The pages' theme, so the message can match them.
    pub theme: Theme,
}

impl VerificationMessage {
    /// Copies what the engine asks to send.
    pub fn from_request(request: &VerificationRequest<'_>) -> Self {
        Self {
            identifier: request.identifier.to_owned(),
            url: request.url.to_owned(),
            token: request.token.to_owned(),
            code: request.code.map(str::to_owned),
            expires: request.expires,
            host: request.host.to_owned(),
            provider_name: request.provider_name.to_owned(),
            theme: request.theme.clone(),
        }
    }

    /// The default subject, text and HTML of this message.
    pub fn default_content(&self) -> Content {
        default_content(self)
    }
}

impl fmt::Debug for VerificationMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerificationMessage")
            .field("identifier", &self.identifier)
            .field("expires", &self.expires)
            .field("host", &self.host)
            .field("has_code", &self.code.is_some())
            .finish_non_exhaustive()
    }
}

/// Delivers sign-in messages. Implement it to send through an HTTP API, a
/// queue, or anything else; [`SmtpSender`](crate::SmtpSender) is the
/// default, [`send_with`] wraps a closure.
///
/// An `Err` makes the sign-in fail with the `EmailSignin` page, logs
/// `SEND_VERIFICATION_EMAIL_ERROR` with the error, and removes the tokens of
/// the message, so return an error whenever the message may not have gone
/// out.
#[async_trait]
pub trait SendVerificationRequest: Send + Sync + 'static {
    /// Sends `message` to `message.identifier`.
    async fn send_verification_request(
        &self,
        message: &VerificationMessage,
    ) -> Result<(), BoxError>;
}

#[async_trait]
impl<T: SendVerificationRequest + ?Sized> SendVerificationRequest for Arc<T> {
    async fn send_verification_request(
        &self,
        message: &VerificationMessage,
    ) -> Result<(), BoxError> {
        (**self).send_verification_request(message).await
    }
}

/// A sender made from an async closure; see [`send_with`].
pub struct FnSender<F>(F);

impl<F> fmt::Debug for FnSender<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnSender")
    }
}

/// Wraps an async closure as a sender.
///
/// ```
/// use keyway_email::{Email, send_with};
///
/// let email = Email::builder(send_with(|message| async move {
///     let content = message.default_content();
///     // hand `content.subject`, `content.text`, `content.html` to your mail API
///     let _ = (message.identifier, content);
///     Ok(())
/// }))
/// .build();
/// # let _ = email;
/// ```
pub fn send_with<F, Fut>(f: F) -> FnSender<F>
where
    F: Fn(VerificationMessage) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), BoxError>> + Send + 'static,
{
    FnSender(f)
}

#[async_trait]
impl<F, Fut> SendVerificationRequest for FnSender<F>
where
    F: Fn(VerificationMessage) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), BoxError>> + Send + 'static,
{
    async fn send_verification_request(
        &self,
        message: &VerificationMessage,
    ) -> Result<(), BoxError> {
        (self.0)(message.clone()).await
    }
}

/// For development only: writes the sign-in link (and code) to standard
/// output, or to a writer, instead of sending an email.
///
/// Whoever can read that output can sign in as anyone, so never use it in
/// production; [`Email::from_env_or_console`](crate::Email::from_env_or_console)
/// uses it only when `EMAIL_SERVER` is not set, and logs a warning.
pub struct ConsoleSender {
    out: Mutex<Box<dyn Write + Send>>,
}

impl fmt::Debug for ConsoleSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConsoleSender")
    }
}

impl Default for ConsoleSender {
    fn default() -> Self {
        Self::stdout()
    }
}

impl ConsoleSender {
    /// Prints to standard output.
    pub fn stdout() -> Self {
        Self::to_writer(std::io::stdout())
    }

    /// Writes to `out` (a file, a buffer in a test).
    pub fn to_writer(out: impl Write + Send + 'static) -> Self {
        Self {
            out: Mutex::new(Box::new(out)),
        }
    }
}

#[async_trait]
impl SendVerificationRequest for ConsoleSender {
    async fn send_verification_request(
        &self,
        message: &VerificationMessage,
    ) -> Result<(), BoxError> {
        let mut text = format!(
            "\n[keyway-email] sign-in email for {} (console sender, development only)\n  link: {}\n",
            message.identifier, message.url
        );
        if let Some(code) = &message.code {
            text.push_str(&format!("  code: {code}\n"));
        }
        let mut out = self
            .out
            .lock()
            .map_err(|_| "the console sender's output lock is poisoned")?;
        out.write_all(text.as_bytes())?;
        out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer tests can read back.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn message() -> VerificationMessage {
        VerificationMessage {
            identifier: "bob@example.com".into(),
            url: "https://example.com/api/auth/callback/email?token=secret-token".into(),
            token: "secret-token".into(),
            code: Some("12345678".into()),
            expires: Utc::now(),
            host: "example.com".into(),
            provider_name: "Email".into(),
            theme: Theme::default(),
        }
    }

    #[tokio::test]
    async fn console_sender_prints_link_and_code() {
        let buffer = Buffer::default();
        let sender = ConsoleSender::to_writer(buffer.clone());
        sender
            .send_verification_request(&message())
            .await
            .expect("sent");
        let text = String::from_utf8(buffer.0.lock().expect("lock").clone()).expect("utf-8");
        assert!(text.contains("bob@example.com"), "{text}");
        assert!(text.contains("token=secret-token"), "{text}");
        assert!(text.contains("code: 12345678"), "{text}");
    }

    #[tokio::test]
    async fn closures_get_an_owned_message() {
        let seen = Arc::new(Mutex::new(None));
        let keep = seen.clone();
        let sender = send_with(move |m: VerificationMessage| {
            let keep = keep.clone();
            async move {
                *keep.lock().expect("lock") = Some(m.identifier);
                Ok(())
            }
        });
        sender
            .send_verification_request(&message())
            .await
            .expect("sent");
        assert_eq!(
            seen.lock().expect("lock").as_deref(),
            Some("bob@example.com")
        );
    }

    #[test]
    fn debug_hides_the_secrets() {
        let shown = format!("{:?}", message());
        assert!(!shown.contains("secret-token"), "{shown}");
        assert!(!shown.contains("12345678"), "{shown}");
        assert!(shown.contains("bob@example.com"), "{shown}");
    }
}
