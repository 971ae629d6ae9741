//! Arguments, and the keyway configuration of each mode.

use std::time::Duration;

use keyway::adapter::{AdapterCrate, ConnectOptions, connect_with};
use keyway::{Auth, SessionData, SessionStrategy, SessionUser, User};
use keyway_credentials::{Rejection, constant_time_eq, credentials};

/// The secret every mode signs with (a benchmark, not a deployment).
pub(crate) const SECRET: &str = "keyway-bench-secret-keyway-bench-secret-0123456789";
/// The PostgreSQL mode's database unless `--url` names another.
const DEFAULT_URL_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";
/// The schema the PostgreSQL mode works in, away from the tests' tables.
const POSTGRES_SCHEMA: &str = "keyway_bench";

/// Who signs in.
const USER_ID: &str = "bench-user";
const USER_NAME: &str = "Bench User";
const USER_EMAIL: &str = "bench@example.com";
const USER_IMAGE: &str = "https://example.com/avatars/bench.png";

/// Which sessions the engine keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Jwt,
    Sqlite,
    Postgres,
}

/// The command line.
#[derive(Debug)]
pub(crate) struct Args {
    pub(crate) mode: Mode,
    pub(crate) addr: String,
    pub(crate) url: Option<String>,
    /// The adapter crate of a database mode (`--adapter`, default
    /// keyway-sea-orm).
    pub(crate) adapter: AdapterCrate,
    /// `--redis URL`: database sessions in this Redis.
    pub(crate) redis: Option<String>,
    /// `--session-cache SECS`: the session cookie cache.
    pub(crate) session_cache: u32,
}

impl Args {
    pub(crate) fn parse(mut args: impl Iterator<Item = String>) -> Result<Self, String> {
        let usage = "usage: keyway-bench-server <jwt|sqlite|postgres> [--addr HOST:PORT] [--url DATABASE_URL] [--adapter sea-orm|diesel] [--redis URL] [--session-cache SECS]";
        let mode = match args.next().as_deref() {
            Some("jwt") => Mode::Jwt,
            Some("sqlite") => Mode::Sqlite,
            Some("postgres") => Mode::Postgres,
            _ => return Err(usage.to_owned()),
        };
        let mut parsed = Args {
            mode,
            addr: "127.0.0.1:0".to_owned(),
            url: None,
            adapter: AdapterCrate::SeaOrm,
            redis: None,
            session_cache: 0,
        };
        while let Some(flag) = args.next() {
            let value = args
                .next()
                .ok_or_else(|| format!("`{flag}` needs a value; {usage}"))?;
            match flag.as_str() {
                "--addr" => parsed.addr = value,
                "--url" => parsed.url = Some(value),
                "--adapter" => {
                    parsed.adapter = value.parse().map_err(|e| format!("--adapter: {e}"))?;
                }
                "--redis" => parsed.redis = Some(value),
                "--session-cache" => {
                    parsed.session_cache = value
                        .parse()
                        .map_err(|_| format!("--session-cache takes seconds, got `{value}`"))?;
                }
                _ => return Err(format!("unknown argument `{flag}`; {usage}")),
            }
        }
        Ok(parsed)
    }
}

/// Worker threads: `KEYWAY_BENCH_WORKERS`, or one per core.
pub(crate) fn workers() -> Result<usize, String> {
    match std::env::var("KEYWAY_BENCH_WORKERS") {
        Ok(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("KEYWAY_BENCH_WORKERS must be a positive number, got `{v}`")),
        Err(_) => Ok(std::thread::available_parallelism().map_or(1, usize::from)),
    }
}

/// The engine for `args.mode`.
pub(crate) async fn auth(args: &Args) -> Result<Auth, String> {
    let provider = credentials(|input| async move {
        let user = input.get("username").unwrap_or_default();
        let pass = input.get("password").unwrap_or_default();
        if constant_time_eq(user, "bench") & constant_time_eq(pass, "bench") {
            let mut u = User::new(USER_ID, USER_EMAIL);
            u.name = Some(USER_NAME.to_owned());
            u.image = Some(USER_IMAGE.to_owned());
            Ok(Some(u))
        } else {
            Err(Rejection::code("invalid").into())
        }
    })
    .username_password();
    let builder = Auth::builder()
        .secret(SECRET)
        .trust_host(true)
        .provider(provider);
    let builder = match args.mode {
        Mode::Jwt => builder.session_strategy(SessionStrategy::Jwt),
        Mode::Sqlite | Mode::Postgres => {
            let (url, options) = database(args)?;
            let adapter = connect_with(&url, options)
                .await
                .map_err(|e| format!("cannot open the database: {e}"))?;
            let builder = builder
                .adapter(adapter)
                .session_strategy(SessionStrategy::Database)
                .allow_credentials_with_database_sessions(true)
                .session_cache(args.session_cache);
            match &args.redis {
                Some(url) => builder.store(
                    keyway::store::connect(url)
                        .await
                        .map_err(|e| format!("cannot open Redis: {e}"))?,
                ),
                None => builder,
            }
        }
    };
    builder
        .build()
        .map_err(|e| format!("invalid configuration: {e}"))
}

/// The database URL and connection options of a database mode.
fn database(args: &Args) -> Result<(String, ConnectOptions), String> {
    let mut options = ConnectOptions {
        adapter: Some(args.adapter),
        connect_timeout: Some(Duration::from_secs(5)),
        ..ConnectOptions::default()
    };
    let url = match (args.mode, &args.url) {
        (_, Some(url)) => url.clone(),
        (Mode::Sqlite, None) => {
            let path =
                std::env::temp_dir().join(format!("keyway-bench-{}.sqlite", std::process::id()));
            for suffix in ["", "-wal", "-shm"] {
                let mut p = path.clone().into_os_string();
                p.push(suffix);
                // A leftover from an earlier run with the same pid.
                let _ = std::fs::remove_file(p);
            }
            format!("sqlite://{}", path.display())
        }
        (Mode::Postgres, None) => DEFAULT_URL_POSTGRES.to_owned(),
        (Mode::Jwt, None) => return Err("the jwt mode has no database".to_owned()),
    };
    if args.mode == Mode::Postgres {
        options.schema = Some(POSTGRES_SCHEMA.to_owned());
    }
    if let Ok(v) = std::env::var("KEYWAY_BENCH_DB_CONNECTIONS") {
        let n = v.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
            format!("KEYWAY_BENCH_DB_CONNECTIONS must be a positive number, got `{v}`")
        })?;
        options.max_connections = Some(n);
    }
    Ok((url, options))
}

/// The claims of the bench user's session token (as the engine writes
/// them after a credentials sign-in, before `iat`/`exp`/`jti`).
pub(crate) fn sample_claims() -> [(&'static str, &'static str); 4] {
    [
        ("name", USER_NAME),
        ("email", USER_EMAIL),
        ("picture", USER_IMAGE),
        ("sub", USER_ID),
    ]
}

/// The session JSON of the bench user (what `GET /api/auth/session` answers
/// once signed in), for the ceiling route to answer as many bytes.
pub(crate) fn ceiling_body() -> Result<String, String> {
    let expires = chrono::Utc::now() + chrono::Duration::days(30);
    let data = SessionData {
        user: SessionUser {
            name: Some(USER_NAME.to_owned()),
            email: Some(USER_EMAIL.to_owned()),
            image: Some(USER_IMAGE.to_owned()),
            extra: Default::default(),
        },
        expires: expires.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        extra: Default::default(),
    };
    serde_json::to_string(&data).map_err(|e| format!("cannot serialise the session: {e}"))
}
