//! The database options shared by `migrate`, `check` and `prune`, opening
//! the adapter through the facade's registry, and `keyway migrate`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use keyway::adapter::{self, AdapterCrate, ConnectError, ConnectOptions};
use keyway::redact::redact_url;
use keyway::{Adapter, AdapterErrorKind, LogCode};
use serde_json::json;

use crate::output::{Exit, Output};
use crate::scrub::Scrub;

/// Which database, through which adapter crate.
#[derive(Debug, Args)]
pub(crate) struct DatabaseArgs {
    /// The database URL (sqlite:, postgres:, mysql:, mariadb:, memory:, ...).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_name = "URL")]
    pub(crate) database_url: Option<String>,
    /// The adapter crate, when two serve the URL's scheme (sea-orm, diesel,
    /// memory, mongodb).
    #[arg(long, env = "KEYWAY_ADAPTER", value_name = "NAME")]
    pub(crate) adapter: Option<String>,
    /// Put before every table name (SQL databases), e.g. `auth_`.
    #[arg(long, value_name = "PREFIX")]
    pub(crate) table_prefix: Option<String>,
    /// PostgreSQL: the schema to work in (created if missing).
    #[arg(long, value_name = "NAME")]
    pub(crate) schema: Option<String>,
    /// How long to wait for the database, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub(crate) connect_timeout: u64,
}

/// Why a database could not be opened, ready to print.
pub(crate) struct OpenError {
    pub(crate) exit: Exit,
    pub(crate) code: Option<&'static str>,
    pub(crate) message: String,
}

/// An opened adapter and what to say about it.
pub(crate) struct Opened {
    pub(crate) adapter: Arc<dyn Adapter>,
    /// The URL, password hidden.
    pub(crate) shown_url: String,
    pub(crate) krate: AdapterCrate,
}

impl DatabaseArgs {
    /// The URL given (`--database-url` or `DATABASE_URL`), if not blank.
    pub(crate) fn url(&self) -> Option<&str> {
        self.database_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
    }

    fn options(&self, migrate: bool) -> Result<ConnectOptions, ConnectError> {
        let adapter = match self.adapter.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(name) => Some(name.parse::<AdapterCrate>()?),
        };
        Ok(ConnectOptions {
            adapter,
            migrate,
            table_prefix: self.table_prefix.clone(),
            schema: self.schema.clone(),
            connect_timeout: Some(Duration::from_secs(self.connect_timeout.max(1))),
            ..ConnectOptions::default()
        })
    }

    /// Opens the adapter for the URL, running its migrations when `migrate`.
    pub(crate) async fn open(&self, migrate: bool, scrub: &Scrub) -> Result<Opened, OpenError> {
        let Some(url) = self.url() else {
            return Err(OpenError {
                exit: Exit::Usage,
                code: None,
                message: "no database URL: set DATABASE_URL or pass --database-url".to_owned(),
            });
        };
        let shown_url = redact_url(url);
        let fail = |e: ConnectError| connect_error(&e, scrub);
        let options = self.options(migrate).map_err(fail)?;
        let krate = adapter::resolve(url, options.adapter).map_err(fail)?;
        let adapter = adapter::connect_with(url, options).await.map_err(fail)?;
        Ok(Opened {
            adapter,
            shown_url,
            krate,
        })
    }
}

/// A [`ConnectError`] as an exit code, a code and a message.
pub(crate) fn connect_error(e: &ConnectError, scrub: &Scrub) -> OpenError {
    let message = scrub.clean(&with_sources(e));
    match e {
        ConnectError::Adapter(inner) if inner.kind() == AdapterErrorKind::Connection => OpenError {
            exit: Exit::Failed,
            code: Some(LogCode::AdapterConnectionError.as_str()),
            message,
        },
        ConnectError::Adapter(_) => OpenError {
            exit: Exit::Failed,
            code: None,
            message,
        },
        _ => OpenError {
            exit: Exit::Usage,
            code: Some(keyway::ErrorPageCode::Configuration.as_str()),
            message,
        },
    }
}

/// An error and, when it does not already say it, its root cause (the
/// backend's words say which table or which host).
pub(crate) fn with_sources(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut root = e.source();
    while let Some(next) = root.and_then(std::error::Error::source) {
        root = Some(next);
    }
    if let Some(root) = root {
        let cause = root.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

/// `keyway migrate`.
pub(crate) async fn migrate(args: &DatabaseArgs, out: &Output) -> Exit {
    let scrub = Scrub::from_env(args.url());
    if let Some(url) = args.url() {
        out.progress(&format!("keyway migrate: opening {}", redact_url(url)));
    }
    let started = Instant::now();
    let opened = match args.open(true, &scrub).await {
        Ok(opened) => opened,
        Err(e) => return out.failed("migrate", e.exit, e.code, &e.message),
    };
    let elapsed = started.elapsed();
    let what = if opened.krate == AdapterCrate::MongoDb {
        "collections and indexes"
    } else if opened.krate == AdapterCrate::Memory {
        "nothing to create (the in-memory adapter keeps no tables)"
    } else {
        "tables"
    };
    let text = if opened.krate == AdapterCrate::Memory {
        format!(
            "{} ({}): {what}\n",
            opened.shown_url,
            opened.krate.crate_name()
        )
    } else {
        format!(
            "{} ({}): {what} created or upgraded, up to date ({} ms)\n",
            opened.shown_url,
            opened.krate.crate_name(),
            elapsed.as_millis()
        )
    };
    out.result(
        "migrate",
        true,
        &text,
        json!({
            "database_url": opened.shown_url,
            "adapter": opened.krate.name(),
            "table_prefix": args.table_prefix,
            "schema": args.schema,
            "elapsed_ms": u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        }),
    )
}
