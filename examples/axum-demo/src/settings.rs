//! What the demo reads from the environment.

use std::fmt;
use std::path::PathBuf;

use keyway::SessionStrategy;

/// The demo's settings.
#[derive(Clone)]
pub struct Settings {
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
    /// `DEMO_DATA_DIR` (default: `data/` beside the demo's `Cargo.toml`):
    /// the SQLite database and the development secret.
    pub data_dir: PathBuf,
    /// `DATABASE_URL` (default: an SQLite file in the data directory).
    pub database_url: Option<String>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("port", &self.port)
            .field("auth_url", &self.auth_url)
            .field("secret_in_env", &self.secret_in_env)
            .field("strategy", &self.strategy)
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("data_dir", &self.data_dir)
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
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `var` (a variable's value, if set).
    /// Empty values count as unset.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
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
                .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")),
            database_url: var("DATABASE_URL"),
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

    /// Where the development secret is kept.
    pub fn dev_secret_path(&self) -> PathBuf {
        self.data_dir.join("dev-secret")
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
        Settings::from_vars(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
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
            s.data_dir.ends_with("examples/axum-demo/data"),
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
    fn bad_values_say_what_to_set() {
        let e = with(&[("PORT", "http")]).unwrap_err();
        assert!(e.0.contains("PORT"), "{e}");
        let e = with(&[("SESSION_STRATEGY", "cookies")]).unwrap_err();
        assert!(e.0.contains("jwt or database"), "{e}");
    }
}
