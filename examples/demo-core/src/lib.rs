//! What every keyway demo shares, whatever its web framework: the settings
//! it reads from the environment, the development secret, the engine with
//! its sign-in methods, the pages' HTML and the banner. A demo (axum-demo,
//! actix-demo, ...) is only its framework's glue around this crate: a
//! `main.rs` and a router whose handlers call [`pages`].
//!
//! Every demo serves the same app: a home page that shows who is signed in,
//! a protected page, sign-in and sign-out through keyway's built-in pages,
//! and a JSON endpoint (`/api/me`) that needs a session. Sign-in methods: the
//! demo user's username and password; email (a link and a one-time code,
//! sent through `EMAIL_SERVER` or printed on the console); and any OpenID
//! provider when `AUTH_OIDC_ISSUER`, `AUTH_OIDC_ID` and `AUTH_OIDC_SECRET`
//! are set. See [`Settings`] for what a demo reads from the environment.
//!
//! A demo's `main` is:
//!
//! ```no_run
//! # const FRAMEWORK: keyway_demo_core::Framework = keyway_demo_core::Framework {
//! #     name: "axum", package: "axum-demo", dir: env!("CARGO_MANIFEST_DIR") };
//! # async fn serve(_: std::net::TcpListener, _: keyway_demo_core::keyway::Auth) -> Result<(), String> { Ok(()) }
//! async fn run() -> Result<(), String> {
//!     let demo = keyway_demo_core::Demo::from_env(FRAMEWORK).await?;
//!     let listener = demo.listen()?;
//!     demo.announce();
//!     serve(listener, demo.auth).await // the framework's server
//! }
//! ```
//!
//! With the `testing` feature, the `testing` module holds the tests every
//! demo runs against its binary (HTTP, databases, the console email, a real
//! browser).

pub mod pages;
mod secret;
mod settings;
mod signin;
#[cfg(feature = "testing")]
pub mod testing;
mod token;

use std::fmt;
use std::io::Write;
use std::process::ExitCode;

use keyway::adapter::{AdapterCrate, ConnectOptions};
use keyway::{Auth, SessionStrategy, User};
use keyway_credentials::{constant_time_eq, credentials};

pub use keyway;
pub use secret::SecretSource;
pub use settings::{
    DEFAULT_EMAIL_FROM, DEFAULT_SQL_ADAPTER, Framework, OidcSettings, Settings, SettingsError,
};
pub use signin::{EmailDelivery, OIDC_ID, OIDC_NAME};
pub use token::{TokenReply, provider_token};

/// The framework the core's own tests read settings for.
#[cfg(test)]
pub(crate) const TEST_FRAMEWORK: Framework = Framework {
    name: "test",
    package: "keyway-demo-core",
    dir: env!("CARGO_MANIFEST_DIR"),
};

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
    /// The engine, to hand to the framework's binding.
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
    let adapter_crate = settings
        .adapter_crate()
        .map_err(|e| DemoError(format!("DATABASE_URL: {e}")))?;
    let options = ConnectOptions {
        adapter: Some(adapter_crate),
        ..ConnectOptions::default()
    };
    let adapter = keyway::adapter::connect_with(&database_url, options)
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
    if let Some(url) = &settings.redis_url {
        let store = keyway::store::connect(url)
            .await
            .map_err(|e| DemoError(e.to_string()))?;
        builder = builder.store(store);
    }
    let auth = builder.build().map_err(|e| DemoError(e.to_string()))?;
    Ok(Demo {
        auth,
        secret,
        email: delivery,
        settings,
    })
}

/// Sets up logging to stderr (`RUST_LOG`, default `info`), so stdout holds
/// only what the demo says it serves.
pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
}

/// The exit code of a demo's `run`: failure after printing the message on
/// stderr, signed with the demo's package name.
pub fn exit(framework: Framework, outcome: Result<(), String>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{}: {message}", framework.package);
            ExitCode::FAILURE
        }
    }
}

impl Demo {
    /// Reads the settings of `framework`'s demo from the environment and
    /// builds it; the error says what to change.
    pub async fn from_env(framework: Framework) -> Result<Demo, String> {
        let settings = Settings::from_env(framework).map_err(|e| e.to_string())?;
        // Boxed: the engine's start-up future is deep, and a demo's `main`
        // future would otherwise hold its whole layout (issue 21).
        Box::pin(build(settings)).await.map_err(|e| e.to_string())
    }

    /// The settings it was built from.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// A listener on 127.0.0.1:`PORT`, non-blocking (ready for tokio's
    /// `TcpListener::from_std` or a framework's `listen`).
    pub fn listen(&self) -> Result<std::net::TcpListener, String> {
        let port = self.settings.port;
        let cannot = |e: std::io::Error| {
            format!("cannot listen on 127.0.0.1:{port}: {e} (set PORT to a free port)")
        };
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).map_err(cannot)?;
        listener.set_nonblocking(true).map_err(cannot)?;
        Ok(listener)
    }

    /// Prints the banner and how to stop, once the demo listens: the tests
    /// wait for "Press Ctrl-C to stop." before they connect.
    pub fn announce(&self) {
        let mut out = std::io::stdout().lock();
        // stdout gone (a closed pipe) is no reason to stop serving.
        let _ = writeln!(out, "{}\nPress Ctrl-C to stop.", self.banner());
        let _ = out.flush();
    }

    /// The banner's adapter line: the crate serving the database and how
    /// to choose the other.
    fn adapter_line(&self) -> String {
        let Ok(krate) = self.settings.adapter_crate() else {
            return "unknown".to_owned();
        };
        match (krate, self.settings.adapter) {
            (AdapterCrate::SeaOrm | AdapterCrate::Diesel, Some(_)) => format!(
                "{} (KEYWAY_ADAPTER={}; the default is {})",
                krate.crate_name(),
                krate.name(),
                settings::DEFAULT_SQL_ADAPTER.crate_name()
            ),
            (AdapterCrate::SeaOrm | AdapterCrate::Diesel, None) => format!(
                "{} (the default; KEYWAY_ADAPTER=sea-orm or diesel chooses)",
                krate.crate_name()
            ),
            _ => krate.crate_name().to_owned(),
        }
    }

    /// The banner's Redis line: what is kept there, or where it all is
    /// without it.
    fn redis_line(&self) -> String {
        match &self.settings.redis_url {
            Some(url) => format!(
                "{} (REDIS_URL): {}email send limits and access-token refresh locks",
                redact(url),
                match self.auth.session_strategy() {
                    SessionStrategy::Database => "database sessions, ",
                    SessionStrategy::Jwt => "",
                }
            ),
            None => "off: sessions, send limits and refresh locks are kept in the database \
                     (set REDIS_URL to keep them in Redis, for several instances)"
                .to_owned(),
        }
    }

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
            format!("keyway {} demo on {site}", self.settings.framework.name),
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
            format!("  adapter      {}", self.adapter_line()),
            format!("  redis        {}", self.redis_line()),
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
