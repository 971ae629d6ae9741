//! What the demo reads from the environment.

use std::fmt;
use std::path::PathBuf;

use keyway::SessionStrategy;
use keyway::adapter::{AdapterCrate, ConnectOptions};

/// Which demo runs: the framework the banner names, and the demo's own
/// directory, where its data is kept by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framework {
    /// The framework's name as the banner shows it: `axum` in
    /// "keyway axum demo on http://127.0.0.1:3000".
    pub name: &'static str,
    /// The demo's package name (`axum-demo`): how its errors are signed.
    pub package: &'static str,
    /// The demo's directory (its `CARGO_MANIFEST_DIR`); the default data
    /// directory is `data/` in it.
    pub dir: &'static str,
}

/// The demo's settings.
#[derive(Clone)]
pub struct Settings {
    /// The demo that reads them.
    pub framework: Framework,
    /// `PORT` (default 3000); the demo listens on 127.0.0.1.
    pub port: u16,
    /// `AUTH_URL` (or `NEXTAUTH_URL`) as given; `None` means
    /// `http://127.0.0.1:{port}`.
    pub auth_url: Option<String>,
    /// Whether `AUTH_SECRET` (or `NEXTAUTH_SECRET`) is set. When it is not,
    /// the demo makes a development secret and keeps it in its data
    /// directory.
    pub secret_in_env: bool,
    /// `SESSION_STRATEGY`: `jwt` or `database`; `None` is Auth.js's default
    /// (database, since the demo always has a database).
    pub strategy: Option<SessionStrategy>,
    /// `DEMO_USERNAME` (default `alice`).
    pub username: String,
    /// `DEMO_PASSWORD` (default `wonderland`).
    pub password: String,
    /// `DEMO_DATA_DIR` (default: `data/` beside the running demo's
    /// `Cargo.toml`, see [`Framework::dir`]):
    /// the SQLite database and the development secret.
    pub data_dir: PathBuf,
    /// `DATABASE_URL` (default: an SQLite file in the data directory).
    pub database_url: Option<String>,
    /// `KEYWAY_ADAPTER`: `sea-orm` or `diesel`, the adapter crate for SQL
    /// databases; `None` is the demo's default, [`DEFAULT_SQL_ADAPTER`].
    pub adapter: Option<AdapterCrate>,
    /// The generic OpenID Connect provider, offered when `AUTH_OIDC_ISSUER`,
    /// `AUTH_OIDC_ID` and `AUTH_OIDC_SECRET` are all set.
    pub oidc: Option<OidcSettings>,
    /// `EMAIL_SERVER`: the SMTP server sign-in emails go through
    /// (`smtp://` or `smtps://`, see keyway-email); `None` prints the links
    /// on the console instead.
    pub email_server: Option<String>,
    /// `EMAIL_FROM`, the sender of sign-in emails (default
    /// [`DEFAULT_EMAIL_FROM`]).
    pub email_from: String,
    /// `REDIS_URL`: a Redis for database sessions, email send limits and
    /// access-token refresh leases, shared by several instances; `None`
    /// keeps them all in the database.
    pub redis_url: Option<String>,
}

/// The adapter crate serving SQL databases when `KEYWAY_ADAPTER` is not
/// set (the demo compiles both keyway-sea-orm and keyway-diesel).
pub const DEFAULT_SQL_ADAPTER: AdapterCrate = AdapterCrate::SeaOrm;

/// The sender of sign-in emails when `EMAIL_FROM` is not set.
pub const DEFAULT_EMAIL_FROM: &str = "keyway demo <no-reply@example.com>";

/// Where the generic OpenID Connect provider is and the demo's client there.
#[derive(Clone, PartialEq, Eq)]
pub struct OidcSettings {
    /// `AUTH_OIDC_ISSUER`: the issuer URL (its discovery document lists the
    /// endpoints).
    pub issuer: String,
    /// `AUTH_OIDC_ID`: the client id.
    pub client_id: String,
    /// `AUTH_OIDC_SECRET`: the client secret.
    pub client_secret: String,
}

impl fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish()
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("framework", &self.framework.name)
            .field("port", &self.port)
            .field("auth_url", &self.auth_url)
            .field("secret_in_env", &self.secret_in_env)
            .field("strategy", &self.strategy)
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("data_dir", &self.data_dir)
            .field("oidc", &self.oidc)
            .field("email_server", &self.email_server.is_some())
            .field("email_from", &self.email_from)
            .field("adapter", &self.adapter)
            .field(
                "redis_url",
                &self.redis_url.as_deref().map(keyway::redact::redact_url),
            )
            .finish_non_exhaustive()
    }
}

/// A setting with a value the demo cannot use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError(pub String);

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SettingsError {}

impl Settings {
    /// Reads the process environment for `framework`'s demo.
    pub fn from_env(framework: Framework) -> Result<Self, SettingsError> {
        Self::from_vars(framework, |name| std::env::var(name).ok())
    }

    /// Reads the settings through `var` (a variable's value, if set).
    /// Empty values count as unset.
    pub fn from_vars(
        framework: Framework,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, SettingsError> {
        let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let port = match var("PORT") {
            None => 3000,
            Some(p) => p.trim().parse().map_err(|_| {
                SettingsError(format!("PORT is {p:?}: set it to a port number, e.g. 3000"))
            })?,
        };
        let strategy = match var("SESSION_STRATEGY").map(|s| s.trim().to_ascii_lowercase()) {
            None => None,
            Some(s) if s == "jwt" => Some(SessionStrategy::Jwt),
            Some(s) if s == "database" => Some(SessionStrategy::Database),
            Some(other) => {
                return Err(SettingsError(format!(
                    "SESSION_STRATEGY is {other:?}: set it to jwt or database"
                )));
            }
        };
        Ok(Self {
            framework,
            port,
            auth_url: var("AUTH_URL").or_else(|| var("NEXTAUTH_URL")),
            secret_in_env: var("AUTH_SECRET")
                .or_else(|| var("NEXTAUTH_SECRET"))
                .is_some(),
            strategy,
            username: var("DEMO_USERNAME").unwrap_or_else(|| "alice".to_owned()),
            password: var("DEMO_PASSWORD").unwrap_or_else(|| "wonderland".to_owned()),
            data_dir: var("DEMO_DATA_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(framework.dir).join("data")),
            database_url: var("DATABASE_URL"),
            adapter: match ConnectOptions::from_vars(var) {
                Ok(o) => o.adapter,
                Err(e) => return Err(SettingsError(format!("KEYWAY_ADAPTER: {e}"))),
            },
            oidc: oidc(&var)?,
            email_server: var("EMAIL_SERVER"),
            email_from: var("EMAIL_FROM").unwrap_or_else(|| DEFAULT_EMAIL_FROM.to_owned()),
            redis_url: var("REDIS_URL").map(|u| u.trim().to_owned()),
        })
    }

    /// The site's URL: `AUTH_URL`, or `http://127.0.0.1:{port}`.
    pub fn site_url(&self) -> String {
        match &self.auth_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://127.0.0.1:{}", self.port),
        }
    }

    /// The database URL: `DATABASE_URL`, or an SQLite file in the data
    /// directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}",
                self.data_dir.join("keyway-demo.db").display()
            ),
        }
    }

    /// The adapter crate that serves [`database_url`](Self::database_url):
    /// `KEYWAY_ADAPTER` if set, else the one compiled-in crate for the URL's
    /// scheme, else (both SQL crates serve it) [`DEFAULT_SQL_ADAPTER`]. The
    /// demo passes it to keyway explicitly.
    pub fn adapter_crate(&self) -> Result<AdapterCrate, keyway::adapter::ConnectError> {
        let url = self.database_url();
        match keyway::adapter::resolve(&url, self.adapter) {
            Err(keyway::adapter::ConnectError::Ambiguous { .. }) => {
                keyway::adapter::resolve(&url, Some(DEFAULT_SQL_ADAPTER))
            }
            other => other,
        }
    }

    /// Where the development secret is kept.
    pub fn dev_secret_path(&self) -> PathBuf {
        self.data_dir.join("dev-secret")
    }
}

/// The OpenID Connect settings: all three variables, or none of them.
fn oidc(var: &impl Fn(&str) -> Option<String>) -> Result<Option<OidcSettings>, SettingsError> {
    const NAMES: [&str; 3] = ["AUTH_OIDC_ISSUER", "AUTH_OIDC_ID", "AUTH_OIDC_SECRET"];
    let [issuer, client_id, client_secret] = NAMES.map(var);
    match (issuer, client_id, client_secret) {
        (Some(issuer), Some(client_id), Some(client_secret)) => Ok(Some(OidcSettings {
            issuer: issuer.trim().to_owned(),
            client_id: client_id.trim().to_owned(),
            client_secret,
        })),
        (None, None, None) => Ok(None),
        (issuer, client_id, client_secret) => {
            let set = [
                issuer.is_some(),
                client_id.is_some(),
                client_secret.is_some(),
            ];
            let missing: Vec<&str> = NAMES
                .iter()
                .zip(set)
                .filter(|(_, set)| !set)
                .map(|(name, _)| *name)
                .collect();
            Err(SettingsError(format!(
                "OpenID Connect sign-in needs AUTH_OIDC_ISSUER, AUTH_OIDC_ID and \
                 AUTH_OIDC_SECRET, but {} {} not set: set all three, or none",
                missing.join(" and "),
                if missing.len() == 1 { "is" } else { "are" }
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_vars(crate::TEST_FRAMEWORK, |name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults() {
        let s = with(&[]).unwrap();
        assert_eq!(s.port, 3000);
        assert_eq!(s.site_url(), "http://127.0.0.1:3000");
        assert!(!s.secret_in_env);
        assert_eq!(s.strategy, None);
        assert_eq!(
            (s.username.as_str(), s.password.as_str()),
            ("alice", "wonderland")
        );
        assert!(
            s.data_dir.ends_with("examples/demo-core/data"),
            "{:?}",
            s.data_dir
        );
        assert_eq!(
            s.database_url(),
            format!("sqlite://{}/keyway-demo.db", s.data_dir.display())
        );
        assert!(!format!("{s:?}").contains("wonderland"));
    }

    #[test]
    fn redis_url_is_read_and_its_password_never_shown() {
        let s = with(&[("REDIS_URL", " redis://:pw123@10.0.0.5:6379/0 ")]).unwrap();
        assert_eq!(
            s.redis_url.as_deref(),
            Some("redis://:pw123@10.0.0.5:6379/0")
        );
        assert!(!format!("{s:?}").contains("pw123"));
        assert_eq!(with(&[]).unwrap().redis_url, None);
        assert_eq!(with(&[("REDIS_URL", "  ")]).unwrap().redis_url, None);
    }

    #[test]
    fn environment_values() {
        let s = with(&[
            ("PORT", "8080"),
            ("AUTH_SECRET", "x"),
            ("NEXTAUTH_URL", "https://demo.example/"),
            ("SESSION_STRATEGY", "JWT"),
            ("DEMO_USERNAME", "bob"),
            ("DEMO_PASSWORD", "builder"),
            ("DATABASE_URL", "memory:"),
            ("DEMO_DATA_DIR", "/tmp/d"),
        ])
        .unwrap();
        assert_eq!(s.port, 8080);
        assert!(s.secret_in_env);
        assert_eq!(s.site_url(), "https://demo.example");
        assert_eq!(s.strategy, Some(SessionStrategy::Jwt));
        assert_eq!(s.username, "bob");
        assert_eq!(s.database_url(), "memory:");
        assert_eq!(s.dev_secret_path(), PathBuf::from("/tmp/d/dev-secret"));
        let s = with(&[("SESSION_STRATEGY", "database"), ("PORT", " ")]).unwrap();
        assert_eq!(s.strategy, Some(SessionStrategy::Database));
        assert_eq!(s.port, 3000);
    }

    #[test]
    fn openid_connect_needs_all_three_variables() {
        let s = with(&[]).unwrap();
        assert_eq!(s.oidc, None);
        let s = with(&[
            ("AUTH_OIDC_ISSUER", "http://127.0.0.1:4700"),
            ("AUTH_OIDC_ID", "keyway-basic"),
            ("AUTH_OIDC_SECRET", "keyway-basic-secret"),
        ])
        .unwrap();
        let oidc = s.oidc.clone().unwrap();
        assert_eq!(oidc.issuer, "http://127.0.0.1:4700");
        assert_eq!(oidc.client_id, "keyway-basic");
        assert_eq!(oidc.client_secret, "keyway-basic-secret");
        assert!(!format!("{s:?}").contains("keyway-basic-secret"), "{s:?}");

        let e = with(&[("AUTH_OIDC_ISSUER", "http://127.0.0.1:4700")]).unwrap_err();
        assert!(
            e.0.contains("but AUTH_OIDC_ID and AUTH_OIDC_SECRET are not set"),
            "{e}"
        );
        let e = with(&[("AUTH_OIDC_ID", "a"), ("AUTH_OIDC_ISSUER", "http://x")]).unwrap_err();
        assert!(e.0.contains("but AUTH_OIDC_SECRET is not set"), "{e}");
    }

    #[test]
    fn email_goes_to_the_console_unless_a_server_is_set() {
        let s = with(&[]).unwrap();
        assert_eq!(s.email_server, None);
        assert_eq!(s.email_from, DEFAULT_EMAIL_FROM);
        let s = with(&[
            ("EMAIL_SERVER", "smtps://user:hunter2@mail.example.com"),
            ("EMAIL_FROM", "Demo <demo@example.com>"),
        ])
        .unwrap();
        assert_eq!(
            s.email_server.as_deref(),
            Some("smtps://user:hunter2@mail.example.com")
        );
        assert_eq!(s.email_from, "Demo <demo@example.com>");
        assert!(!format!("{s:?}").contains("hunter2"), "{s:?}");
    }

    #[test]
    fn bad_values_say_what_to_set() {
        let e = with(&[("PORT", "http")]).unwrap_err();
        assert!(e.0.contains("PORT"), "{e}");
        let e = with(&[("SESSION_STRATEGY", "cookies")]).unwrap_err();
        assert!(e.0.contains("jwt or database"), "{e}");
    }
}
