//! The default sender: SMTP through lettre (tokio, rustls).
//!
//! Configured from a URL like Auth.js's `EMAIL_SERVER`: see [`SmtpConfig`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use keyway_core::provider::BoxError;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::message::Content;
use crate::sender::{SendVerificationRequest, VerificationMessage};

/// A configuration mistake (a bad `EMAIL_SERVER`, a missing `EMAIL_FROM`).
/// Its message never contains the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfigError(String);

impl SmtpConfigError {
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for SmtpConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SmtpConfigError {}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// TLS from the first byte (`smtps://`, port 465).
    ImplicitTls,
    /// Plain connection upgraded with STARTTLS, which must succeed.
    StartTls,
    /// STARTTLS when the server offers it, plain text otherwise. A network
    /// attacker can strip the offer: use it only for local servers.
    Opportunistic,
    /// Plain text. Only for a trusted relay on the same machine or network.
    Plain,
}

/// Where and how to send: server, port, security, credentials, sender
/// address.
///
/// Configured from a URL, the same `EMAIL_SERVER` Auth.js apps use:
///
/// | URL | connection |
/// |---|---|
/// | `smtps://user:pass@host[:465]` | TLS from the first byte (implicit TLS) |
/// | `smtp://user:pass@host[:587]` | STARTTLS, required: nothing is sent unencrypted |
/// | `smtp://localhost:1025` | on a loopback host: STARTTLS if offered (its certificate must verify), else plain |
/// | `smtp://host?tls=opportunistic` | STARTTLS if offered, else plain (open to downgrade) |
/// | `smtp://host?tls=none` | plain text, for a trusted local relay only |
///
/// User name and password are percent-decoded; they are sent only with
/// `AUTH` (never logged, never in `Debug`).
#[derive(Clone)]
pub struct SmtpConfig {
    host: String,
    port: u16,
    security: SmtpSecurity,
    credentials: Option<(String, String)>,
    from: String,
    timeout: Duration,
    root_certificates: Vec<Vec<u8>>,
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.credentials.as_ref().map(|(u, _)| u))
            .field("from", &self.from)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

impl SmtpConfig {
    /// A server on `host`, STARTTLS on port 587, no credentials, sending
    /// from `from` (`"Example <no-reply@example.com>"` or a bare address).
    pub fn new(host: impl Into<String>, from: impl Into<String>) -> Self {
        Self {
            host: host.into(),
            port: 587,
            security: SmtpSecurity::StartTls,
            credentials: None,
            from: from.into(),
            timeout: Duration::from_secs(30),
            root_certificates: Vec::new(),
        }
    }

    /// Reads an `EMAIL_SERVER` URL (see [`SmtpConfig`]).
    pub fn from_url(server: &str, from: impl Into<String>) -> Result<Self, SmtpConfigError> {
        let url = url::Url::parse(server.trim()).map_err(|e| {
            SmtpConfigError::new(format!(
                "the SMTP server URL is not a URL ({e}); expected smtp://user:pass@host:587 or smtps://user:pass@host:465"
            ))
        })?;
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| SmtpConfigError::new("the SMTP server URL has no host"))?
            .to_owned();
        let tls = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.to_ascii_lowercase());
        let (security, default_port) = match (url.scheme(), tls.as_deref()) {
            ("smtps", _) => (SmtpSecurity::ImplicitTls, 465),
            ("smtp", Some("required" | "starttls")) => (SmtpSecurity::StartTls, 587),
            ("smtp", Some("opportunistic")) => (SmtpSecurity::Opportunistic, 587),
            ("smtp", Some("none" | "off" | "false")) => (SmtpSecurity::Plain, 587),
            ("smtp", None) if is_loopback(&host) => (SmtpSecurity::Opportunistic, 587),
            ("smtp", None) => (SmtpSecurity::StartTls, 587),
            ("smtp", Some(other)) => {
                return Err(SmtpConfigError::new(format!(
                    "unknown tls={other:?} in the SMTP server URL; use required, opportunistic or none"
                )));
            }
            (scheme, _) => {
                return Err(SmtpConfigError::new(format!(
                    "the SMTP server URL scheme is {scheme:?}; use smtp:// or smtps://"
                )));
            }
        };
        let mut config = Self::new(host, from);
        config.security = security;
        config.port = url.port().unwrap_or(default_port);
        if !url.username().is_empty() {
            let password = url.password().map(decode).unwrap_or_default();
            config.credentials = Some((decode(url.username()), password));
        }
        Ok(config)
    }

    /// The port (default: 465 for implicit TLS, 587 otherwise).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// How the connection is protected (default STARTTLS, required).
    pub fn security(mut self, security: SmtpSecurity) -> Self {
        self.security = security;
        self
    }

    /// Authenticates with `AUTH` (PLAIN or LOGIN) as `user`.
    pub fn credentials(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials = Some((user.into(), password.into()));
        self
    }

    /// The longest one message may take, connection to `QUIT` (default
    /// 30 s); a server that stalls past it fails the send.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Trusts this PEM certificate (a private CA, a test server) besides the
    /// public web roots.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// The server as `host:port`.
    pub fn server(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    fn tls(&self) -> Result<Tls, SmtpConfigError> {
        if self.security == SmtpSecurity::Plain {
            return Ok(Tls::None);
        }
        let mut builder = TlsParameters::builder(self.host.clone());
        for pem in &self.root_certificates {
            if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
                return Err(SmtpConfigError::new(
                    "a root certificate is not valid PEM: no BEGIN CERTIFICATE block",
                ));
            }
            let cert = Certificate::from_pem(pem).map_err(|e| {
                SmtpConfigError::new(format!("a root certificate is not valid PEM: {e}"))
            })?;
            builder = builder.add_root_certificate(cert);
        }
        let params = builder
            .build()
            .map_err(|e| SmtpConfigError::new(format!("TLS cannot be set up: {e}")))?;
        Ok(match self.security {
            SmtpSecurity::ImplicitTls => Tls::Wrapper(params),
            SmtpSecurity::StartTls => Tls::Required(params),
            SmtpSecurity::Opportunistic => Tls::Opportunistic(params),
            SmtpSecurity::Plain => Tls::None,
        })
    }

    /// Checks the configuration and makes the sender.
    pub fn build(self) -> Result<SmtpSender, SmtpConfigError> {
        let from: Mailbox = self.from.trim().parse().map_err(|e| {
            SmtpConfigError::new(format!(
                "the sender address {:?} is not valid ({e}); expected \"Name <no-reply@example.com>\" or an address",
                self.from
            ))
        })?;
        let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host)
            .port(self.port)
            .tls(self.tls()?)
            .timeout(Some(self.timeout));
        if let Some((user, password)) = &self.credentials {
            transport = transport.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(SmtpSender {
            transport: transport.build(),
            timeout: self.timeout,
            from,
            server: self.server(),
            content: Arc::new(crate::message::default_content),
        })
    }
}

/// Sends sign-in messages over SMTP, one connection per message (sign-in
/// mail is rare; nothing runs in the background, and building the sender
/// needs no runtime). Cheap to clone.
#[derive(Clone)]
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    timeout: Duration,
    from: Mailbox,
    server: String,
    content: Arc<dyn Fn(&VerificationMessage) -> Content + Send + Sync>,
}

impl fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSender")
            .field("server", &self.server)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl SmtpSender {
    /// Writes messages with `content` instead of the default subject, text
    /// and HTML. Escape what you interpolate into the HTML
    /// ([`escape_html`](crate::escape_html)).
    pub fn with_content(
        mut self,
        content: impl Fn(&VerificationMessage) -> Content + Send + Sync + 'static,
    ) -> Self {
        self.content = Arc::new(content);
        self
    }
}

#[async_trait]
impl SendVerificationRequest for SmtpSender {
    async fn send_verification_request(
        &self,
        message: &VerificationMessage,
    ) -> Result<(), BoxError> {
        let to: Mailbox = message
            .identifier
            .parse()
            .map_err(|e| format!("the mailer refuses the recipient address: {e}"))?;
        let content = (self.content)(message);
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(content.subject)
            .multipart(MultiPart::alternative_plain_html(
                content.text,
                content.html,
            ))?;
        // lettre bounds each step; this bounds the whole conversation.
        match tokio::time::timeout(self.timeout, self.transport.send(email)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(format!("SMTP server {}: {e}", self.server).into()),
            Err(_) => Err(format!(
                "SMTP server {}: no answer within {} s",
                self.server,
                self.timeout.as_secs_f32()
            )
            .into()),
        }
    }
}

/// The SMTP sender from the environment: `EMAIL_SERVER` (an `smtp://` or
/// `smtps://` URL, see [`SmtpConfig`]) and `EMAIL_FROM` (the sender
/// address, e.g. `Example <no-reply@example.com>`). Both are required.
pub fn smtp_from_env() -> Result<SmtpSender, SmtpConfigError> {
    config_from_env()?
        .ok_or_else(|| SmtpConfigError::new("EMAIL_SERVER is not set"))?
        .build()
}

/// `Ok(None)` when `EMAIL_SERVER` is not set.
pub(crate) fn config_from_env() -> Result<Option<SmtpConfig>, SmtpConfigError> {
    config_from(|name| std::env::var(name).ok())
}

/// [`config_from_env`] over any variable lookup.
fn config_from(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Option<SmtpConfig>, SmtpConfigError> {
    let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let Some(server) = var("EMAIL_SERVER") else {
        return Ok(None);
    };
    let from = var("EMAIL_FROM").ok_or_else(|| {
        SmtpConfigError::new(
            "EMAIL_SERVER is set but EMAIL_FROM is not: set the sender address, e.g. EMAIL_FROM=\"Example <no-reply@example.com>\"",
        )
    })?;
    SmtpConfig::from_url(&server, from)
        .map(Some)
        .map_err(|e| SmtpConfigError::new(format!("EMAIL_SERVER: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> SmtpConfig {
        SmtpConfig::from_url(url, "a@example.com").expect("valid")
    }

    #[test]
    fn urls_choose_security_port_and_credentials() {
        let c = parse("smtps://user%40x.com:p%3Ass@mail.example.com");
        assert_eq!(c.security, SmtpSecurity::ImplicitTls);
        assert_eq!(c.port, 465);
        assert_eq!(
            c.credentials,
            Some(("user@x.com".to_owned(), "p:ss".to_owned()))
        );
        let c = parse("smtp://u:p@mail.example.com");
        assert_eq!((c.security, c.port), (SmtpSecurity::StartTls, 587));
        let c = parse("smtp://mail.example.com:2525?tls=opportunistic");
        assert_eq!((c.security, c.port), (SmtpSecurity::Opportunistic, 2525));
        assert_eq!(c.credentials, None);
        let c = parse("smtp://mail.example.com:25?tls=none");
        assert_eq!(c.security, SmtpSecurity::Plain);
        assert_eq!(
            parse("smtp://localhost:1025").security,
            SmtpSecurity::Opportunistic
        );
        assert_eq!(
            parse("smtp://127.0.0.1:1025").security,
            SmtpSecurity::Opportunistic
        );
        assert_eq!(
            parse("smtp://[::1]:1025").security,
            SmtpSecurity::Opportunistic
        );
        assert_eq!(
            parse("smtp://127.0.0.1:1025?tls=required").security,
            SmtpSecurity::StartTls
        );
    }

    #[test]
    fn bad_urls_are_refused_without_echoing_the_password() {
        for bad in [
            "http://u:hunter2@mail.example.com",
            "smtp://u:hunter2@mail.example.com?tls=maybe",
            "not a url hunter2",
            "smtp://u:hunter2@",
        ] {
            let e = SmtpConfig::from_url(bad, "a@example.com").expect_err(bad);
            assert!(!e.to_string().contains("hunter2"), "{bad}: {e}");
        }
    }

    #[test]
    fn debug_hides_the_password() {
        let c = parse("smtps://user:hunter2@mail.example.com");
        let shown = format!("{c:?}");
        assert!(shown.contains("user"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn sender_address_is_checked() {
        assert!(parse("smtp://localhost").build().is_ok());
        let e = SmtpConfig::new("localhost", "not an address")
            .build()
            .expect_err("bad from");
        assert!(e.to_string().contains("not valid"), "{e}");
        assert!(
            SmtpConfig::new("localhost", "Example <no-reply@example.com>")
                .build()
                .is_ok()
        );
    }

    #[test]
    fn environment_needs_both_variables_when_a_server_is_set() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(config_from(env(&[])).expect("ok").map(|c| c.host), None);
        assert_eq!(
            config_from(env(&[("EMAIL_SERVER", "  ")]))
                .expect("blank is unset")
                .map(|c| c.host),
            None
        );
        let e = config_from(env(&[(
            "EMAIL_SERVER",
            "smtp://u:hunter2@mail.example.com",
        )]))
        .expect_err("no EMAIL_FROM");
        assert!(e.to_string().contains("EMAIL_FROM"), "{e}");
        let e = config_from(env(&[
            ("EMAIL_SERVER", "ftp://u:hunter2@mail.example.com"),
            ("EMAIL_FROM", "a@example.com"),
        ]))
        .expect_err("bad scheme");
        assert!(e.to_string().starts_with("EMAIL_SERVER: "), "{e}");
        assert!(!e.to_string().contains("hunter2"), "{e}");
        let c = config_from(env(&[
            ("EMAIL_SERVER", "smtps://u:p@mail.example.com"),
            ("EMAIL_FROM", "Example <no-reply@example.com>"),
        ]))
        .expect("ok")
        .expect("set");
        assert_eq!(c.server(), "mail.example.com:465");
        assert_eq!(c.from, "Example <no-reply@example.com>");
    }

    #[test]
    fn bad_root_certificate_is_a_config_error() {
        let e = SmtpConfig::new("localhost", "a@example.com")
            .add_root_certificate_pem("not pem")
            .build()
            .expect_err("bad pem");
        assert!(e.to_string().contains("PEM"), "{e}");
    }
}
