//! The sign-in methods beside the demo user's credentials: the generic
//! OpenID Connect provider when it is configured, and email always (through
//! SMTP when `EMAIL_SERVER` is set, printed on the console otherwise).

use keyway::Provider;
use keyway::email::{ConsoleSender, Email, OneTimeCode, SmtpConfig};

use crate::{DemoError, Settings};

/// The OpenID Connect provider's id: its routes are
/// `/api/auth/signin/oidc` and `/api/auth/callback/oidc`.
pub const OIDC_ID: &str = "oidc";

/// The OpenID Connect button's name on the sign-in page.
pub const OIDC_NAME: &str = "OpenID Connect";

/// How sign-in emails leave the demo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailDelivery {
    /// Through the SMTP server of `EMAIL_SERVER`.
    Smtp {
        /// The server as `host:port` (never the credentials).
        server: String,
    },
    /// Printed on standard output (`EMAIL_SERVER` is not set).
    Console,
}

/// The generic OpenID Connect provider, if the settings name one.
pub(crate) fn oidc(settings: &Settings) -> Option<Provider> {
    settings.oidc.as_ref().map(|o| {
        keyway::oauth::oidc()
            .id(OIDC_ID)
            .name(OIDC_NAME)
            .issuer(o.issuer.as_str())
            .client_id(o.client_id.as_str())
            .client_secret(o.client_secret.as_str())
            .into()
    })
}

/// Email sign-in with a link and a one-time code, and how it is delivered.
pub(crate) fn email(settings: &Settings) -> Result<(Provider, EmailDelivery), DemoError> {
    let (builder, delivery) = match &settings.email_server {
        Some(server) => {
            let config = SmtpConfig::from_url(server, settings.email_from.as_str())
                .map_err(|e| DemoError(format!("EMAIL_SERVER: {e}")))?;
            let delivery = EmailDelivery::Smtp {
                server: config.server(),
            };
            let sender = config
                .build()
                .map_err(|e| DemoError(format!("EMAIL_FROM: {e}")))?;
            (Email::builder(sender), delivery)
        }
        None => (
            Email::builder(ConsoleSender::stdout()),
            EmailDelivery::Console,
        ),
    };
    let provider = builder.one_time_code(OneTimeCode::default()).build();
    Ok((provider.into(), delivery))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Settings {
        Settings::from_vars(crate::TEST_FRAMEWORK, |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
        .unwrap()
    }

    #[test]
    fn email_is_smtp_only_with_a_server() {
        let (_, delivery) = email(&settings(&[])).unwrap();
        assert_eq!(delivery, EmailDelivery::Console);
        let (_, delivery) = email(&settings(&[(
            "EMAIL_SERVER",
            "smtp://user:hunter2@127.0.0.1:2525",
        )]))
        .unwrap();
        assert_eq!(
            delivery,
            EmailDelivery::Smtp {
                server: "127.0.0.1:2525".to_owned()
            }
        );
    }

    #[test]
    fn bad_email_settings_name_the_variable() {
        let e = email(&settings(&[("EMAIL_SERVER", "http://u:hunter2@x")])).unwrap_err();
        assert!(e.0.starts_with("EMAIL_SERVER: "), "{e}");
        assert!(!e.0.contains("hunter2"), "{e}");
        let e = email(&settings(&[
            ("EMAIL_SERVER", "smtp://127.0.0.1:2525"),
            ("EMAIL_FROM", "not an address"),
        ]))
        .unwrap_err();
        assert!(e.0.starts_with("EMAIL_FROM: "), "{e}");
    }

    #[test]
    fn oidc_only_when_configured() {
        assert!(oidc(&settings(&[])).is_none());
        let provider = oidc(&settings(&[
            ("AUTH_OIDC_ISSUER", "http://127.0.0.1:4700"),
            ("AUTH_OIDC_ID", "keyway-basic"),
            ("AUTH_OIDC_SECRET", "keyway-basic-secret"),
        ]))
        .unwrap();
        assert_eq!(provider.id(), OIDC_ID);
        assert_eq!(provider.name(), OIDC_NAME);
    }
}
