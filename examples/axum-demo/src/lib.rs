//! keyway's demo: an axum app with a home page that shows who is signed in,
//! a protected page, sign-in and sign-out through keyway's built-in pages,
//! and a JSON endpoint that needs a session.
//!
//! Sign-in methods: the demo user's username and password; email (a link
//! and a one-time code, sent through `EMAIL_SERVER` or printed on the
//! console); and any OpenID provider when `AUTH_OIDC_ISSUER`, `AUTH_OIDC_ID`
//! and `AUTH_OIDC_SECRET` are set.
//!
//! `cargo run -p axum-demo` starts it on <http://127.0.0.1:3000>; see
//! [`Settings`] for what it reads from the environment.

mod pages;
mod secret;
mod settings;
mod signin;

use std::fmt;

use axum::Router;
use axum::routing::get;
use keyway::{Auth, SessionStrategy, User};
use keyway_axum::{RequireSession, SessionLayer};
use keyway_credentials::{constant_time_eq, credentials};

pub use secret::SecretSource;
pub use settings::{DEFAULT_EMAIL_FROM, OidcSettings, Settings, SettingsError};
pub use signin::{EmailDelivery, OIDC_ID, OIDC_NAME};

/// Why the demo cannot start, with what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoError(pub String);

impl fmt::Display for DemoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DemoError {}

/// The demo, ready to serve.
#[derive(Debug)]
pub struct Demo {
    /// The whole app: pages, the JSON endpoint and keyway's routes.
    pub router: Router,
    /// The engine.
    pub auth: Auth,
    /// Where the secret came from.
    pub secret: SecretSource,
    /// How sign-in emails are delivered.
    pub email: EmailDelivery,
    settings: Settings,
}

/// The demo user's email: the username if it is one, else
/// `{username}@example.com`.
pub fn demo_email(username: &str) -> String {
    if username.contains('@') {
        username.to_owned()
    } else {
        format!("{username}@example.com")
    }
}

/// Builds the demo from its settings: opens the database, finds or makes
/// the secret, configures keyway with the demo user, email sign-in and, when
/// configured, OpenID Connect.
pub async fn build(settings: Settings) -> Result<Demo, DemoError> {
    let secret = secret::resolve(&settings)?;
    let (email, delivery) = signin::email(&settings)?;
    let database_url = settings.database_url();
    if database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&settings.data_dir).map_err(|e| {
            DemoError(format!(
                "cannot create the data directory {}: {e} (set DEMO_DATA_DIR)",
                settings.data_dir.display()
            ))
        })?;
    }
    let adapter = keyway::adapter::connect(&database_url)
        .await
        .map_err(|e| DemoError(format!("DATABASE_URL: {e}")))?;

    let (username, password) = (settings.username.clone(), settings.password.clone());
    let provider = credentials(move |input| {
        let ok = constant_time_eq(input.get("username").unwrap_or_default(), &username)
            & constant_time_eq(input.get("password").unwrap_or_default(), &password);
        let mut user = User::new("demo-user", demo_email(&username));
        user.name = Some(username.clone());
        async move { Ok(ok.then_some(user)) }
    })
    .username_password();

    let mut builder = Auth::builder().from_env();
    if let SecretSource::DevFile { secret, .. } = &secret {
        builder = builder.secret(secret.as_str());
    }
    builder = builder
        .url(settings.site_url())
        .adapter(adapter)
        .allow_credentials_with_database_sessions(true)
        .provider(provider)
        .provider(email);
    if let Some(oidc) = signin::oidc(&settings) {
        builder = builder.provider(oidc);
    }
    if let Some(strategy) = settings.strategy {
        builder = builder.session_strategy(strategy);
    }
    let auth = builder.build().map_err(|e| DemoError(e.to_string()))?;
    Ok(Demo {
        router: router(auth.clone()),
        auth,
        secret,
        email: delivery,
        settings,
    })
}

/// The demo's routes around keyway's.
pub fn router(auth: Auth) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/protected", get(pages::protected))
        .route("/api/me", get(me))
        .merge(keyway_axum::routes(auth.clone()))
        .layer(SessionLayer::new(auth))
}

/// `GET /api/me`: the session as JSON; without one, `401` JSON for API
/// clients (or a redirect for a browser).
async fn me(session: RequireSession) -> axum::Json<keyway::SessionData> {
    axum::Json(session.0)
}

impl Demo {
    /// What the demo prints when it starts: what it serves and how to sign
    /// in.
    pub fn banner(&self) -> String {
        let site = self.settings.site_url();
        let base = self.auth.base_path();
        let strategy = match self.auth.session_strategy() {
            SessionStrategy::Jwt => "jwt (SESSION_STRATEGY=database for database sessions)",
            SessionStrategy::Database => "database (SESSION_STRATEGY=jwt for JWT sessions)",
        };
        let secret = match &self.secret {
            SecretSource::Env => "from AUTH_SECRET".to_owned(),
            SecretSource::DevFile { path, created, .. } => format!(
                "AUTH_SECRET is not set: {} a development secret in {} \
                 (set AUTH_SECRET in production)",
                if *created { "made" } else { "using" },
                path.display()
            ),
        };
        let database = redact(&self.settings.database_url());
        let openid = match &self.settings.oidc {
            Some(oidc) => format!(
                "{OIDC_NAME} at {} (client {:?}; callback {site}{base}/callback/{OIDC_ID})",
                oidc.issuer, oidc.client_id
            ),
            None => "off (set AUTH_OIDC_ISSUER, AUTH_OIDC_ID and AUTH_OIDC_SECRET to offer it)"
                .to_owned(),
        };
        let email = match &self.email {
            EmailDelivery::Smtp { server } => format!(
                "links and codes sent through the SMTP server {server} (EMAIL_SERVER), from {:?}",
                self.settings.email_from
            ),
            EmailDelivery::Console => "EMAIL_SERVER is not set: links and codes are printed \
                 here, not sent (set EMAIL_SERVER and EMAIL_FROM to send them)"
                .to_owned(),
        };
        let lines = [
            format!("keyway axum demo on {site}"),
            format!("  home         {site}/"),
            format!("  protected    {site}/protected"),
            format!("  session API  {site}/api/me  (401 JSON without a session)"),
            format!("  sign in      {site}{base}/signin"),
            format!("  sign out     {site}{base}/signout"),
            format!(
                "  demo user    username {:?}, password {:?} (DEMO_USERNAME / DEMO_PASSWORD)",
                self.settings.username, self.settings.password
            ),
            format!("  email        {email}"),
            format!("  OpenID       {openid}"),
            format!("  sessions     {strategy}"),
            format!("  database     {database}"),
            format!("  secret       {secret}"),
        ];
        lines.join("\n")
    }
}

/// A database URL without its password, for printing.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{path}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_are_not_printed() {
        assert_eq!(
            redact("postgres://app:s3cret@127.0.0.1:5432/db"),
            "postgres://app:***@127.0.0.1:5432/db"
        );
        assert_eq!(redact("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/db"),
            "postgres://postgres@127.0.0.1/db"
        );
        assert_eq!(redact("memory:"), "memory:");
    }

    #[test]
    fn demo_email_keeps_addresses() {
        assert_eq!(demo_email("alice"), "alice@example.com");
        assert_eq!(demo_email("bob@example.org"), "bob@example.org");
    }
}
