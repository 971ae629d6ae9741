//! `cargo xtask bench`: how fast keyway serves sessions, against the
//! framework's own ceiling.
//!
//! Builds `bench/server` in release, starts it on 127.0.0.1 once per session
//! configuration (JWT, SQLite, PostgreSQL), signs in through the credentials
//! flow over HTTP to get a real session cookie, then loads each scenario
//! with `wrk` or `oha`: a warm-up, then fixed-length runs per connection
//! count, in rounds that interleave every scenario with the ceiling on the
//! same server; the best round counts (a shared machine's background load
//! only ever slows a run down). One table (req/s, p50, p99, errors, server peak RSS, ratio to the
//! ceiling) is printed and written to `<target>/bench/report.md` and
//! `report.json`.

mod client;
mod load;
mod profile;
mod report;
mod server;
mod signin;

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::{Result, logs_dir, workspace_root};
use client::json_string_field;
use load::{Measured, Tool};
use report::{Report, Row};
use server::Server;
use signin::{check, sign_in};

/// Options of `cargo xtask bench`.
#[derive(Debug, Clone, PartialEq)]
struct Options {
    warmup: Duration,
    duration: Duration,
    rounds: u32,
    connections: Vec<u32>,
    tool: Option<String>,
    only: Option<Vec<String>>,
    postgres_url: String,
    /// Profile the [`PROFILED`] scenarios with callgrind.
    profile: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            warmup: Duration::from_secs(3),
            duration: Duration::from_secs(10),
            rounds: 2,
            connections: vec![16, 64],
            tool: None,
            only: None,
            postgres_url: "postgres://postgres@127.0.0.1:5432/test".into(),
            profile: true,
        }
    }
}

const USAGE: &str = "cargo xtask bench [--duration SECS] [--warmup SECS] [--rounds N] [--connections 16,64] \
                     [--tool wrk|oha] [--only KEY,...] [--postgres-url URL] [--profile on|off]";

fn parse(args: &[String]) -> Result<Options> {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .ok_or_else(|| format!("`{flag}` needs a value; usage: {USAGE}"))?;
        let secs = || {
            value
                .parse::<u64>()
                .ok()
                .filter(|s| *s > 0)
                .map(Duration::from_secs)
                .ok_or_else(|| format!("`{flag}` takes a number of seconds, got `{value}`"))
        };
        match flag.as_str() {
            "--duration" => o.duration = secs()?,
            "--warmup" => o.warmup = secs()?,
            "--rounds" => {
                o.rounds = value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("`--rounds` takes a positive number, got `{value}`"))?;
            }
            "--connections" => {
                o.connections = value
                    .split(',')
                    .map(|c| c.trim().parse::<u32>().ok().filter(|c| *c > 0))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| format!("`--connections` takes e.g. `16,64`, got `{value}`"))?;
            }
            "--tool" => o.tool = Some(value.clone()),
            "--only" => {
                let keys: Vec<String> = value.split(',').map(|k| k.trim().to_owned()).collect();
                if let Some(bad) = keys.iter().find(|k| !SCENARIOS.iter().any(|s| s.key == *k)) {
                    let known: Vec<&str> = SCENARIOS.iter().map(|s| s.key).collect();
                    return Err(format!(
                        "unknown scenario `{bad}`; known: {}",
                        known.join(", ")
                    ));
                }
                o.only = Some(keys);
            }
            "--postgres-url" => o.postgres_url = value.clone(),
            "--profile" => {
                o.profile = match value.as_str() {
                    "on" => true,
                    "off" => false,
                    _ => return Err(format!("`--profile` takes on or off, got `{value}`")),
                };
            }
            _ => return Err(format!("unknown argument `{flag}`; usage: {USAGE}")),
        }
    }
    Ok(o)
}

/// Which server configuration a scenario runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Jwt,
    Sqlite,
    Postgres,
    /// SQLite through keyway-diesel.
    SqliteDiesel,
    /// PostgreSQL through keyway-diesel.
    PostgresDiesel,
    /// PostgreSQL for users, database sessions in Redis.
    PostgresRedis,
    /// PostgreSQL sessions read through the session cookie cache.
    PostgresCache,
}

impl Mode {
    /// Every mode, in the order the servers run.
    const ALL: [Mode; 7] = [
        Mode::Jwt,
        Mode::Sqlite,
        Mode::Postgres,
        Mode::SqliteDiesel,
        Mode::PostgresDiesel,
        Mode::PostgresRedis,
        Mode::PostgresCache,
    ];

    /// The bench server's mode argument.
    fn arg(self) -> &'static str {
        match self {
            Self::Jwt => "jwt",
            Self::Sqlite | Self::SqliteDiesel => "sqlite",
            Self::Postgres | Self::PostgresDiesel | Self::PostgresRedis | Self::PostgresCache => {
                "postgres"
            }
        }
    }

    /// The adapter crate of a database mode (`--adapter`).
    fn adapter(self) -> &'static str {
        match self {
            Self::SqliteDiesel | Self::PostgresDiesel => "diesel",
            _ => "sea-orm",
        }
    }

    /// A name for logs and files.
    fn name(self) -> &'static str {
        match self {
            Self::SqliteDiesel => "sqlite-diesel",
            Self::PostgresDiesel => "postgres-diesel",
            Self::PostgresRedis => "postgres-redis",
            Self::PostgresCache => "postgres-cache",
            other => other.arg(),
        }
    }
}

/// One line of the table (per connection count).
struct Scenario {
    key: &'static str,
    label: &'static str,
    mode: Mode,
    path: &'static str,
    /// Send the signed-in browser's cookies.
    signed_in: bool,
}

/// The scenarios whose report line says where the time goes, from a
/// callgrind profile (see `profile.rs`).
const PROFILED: [&str; 2] = ["session-jwt", "session-postgres"];

/// The framework's own ceiling: a bare axum handler in the same binary
/// answering a JSON body as long as the session's.
const CEILING: Scenario = Scenario {
    key: "ceiling",
    label: "ceiling: bare axum handler, same JSON",
    mode: Mode::Jwt,
    path: "/ceiling",
    signed_in: false,
};

/// In table order; the ceiling first.
const SCENARIOS: &[Scenario] = &[
    CEILING,
    Scenario {
        key: "session-jwt",
        label: "GET /api/auth/session, JWT cookie",
        mode: Mode::Jwt,
        path: "/api/auth/session",
        signed_in: true,
    },
    Scenario {
        key: "ceiling-bytes",
        label: "ceiling, session's bytes (cookies in and out)",
        mode: Mode::Jwt,
        path: "/ceiling/same-bytes",
        signed_in: true,
    },
    Scenario {
        key: "floor-jwt",
        label: "floor: token decode + re-encode only",
        mode: Mode::Jwt,
        path: "/floor/jwt",
        signed_in: true,
    },
    Scenario {
        key: "floor-jwt-read",
        label: "floor: token decode only",
        mode: Mode::Jwt,
        path: "/floor/jwt-read",
        signed_in: true,
    },
    Scenario {
        key: "session-sqlite",
        label: "GET /api/auth/session, SQLite session",
        mode: Mode::Sqlite,
        path: "/api/auth/session",
        signed_in: true,
    },
    Scenario {
        key: "session-postgres",
        label: "GET /api/auth/session, PostgreSQL session",
        mode: Mode::Postgres,
        path: "/api/auth/session",
        signed_in: true,
    },
    Scenario {
        key: "session-sqlite-diesel",
        label: "GET /api/auth/session, SQLite session, keyway-diesel",
        mode: Mode::SqliteDiesel,
        path: "/api/auth/session",
        signed_in: true,
    },
    Scenario {
        key: "session-postgres-diesel",
        label: "GET /api/auth/session, PostgreSQL session, keyway-diesel",
        mode: Mode::PostgresDiesel,
        path: "/api/auth/session",
        signed_in: true,
    },
    Scenario {
        key: "session-redis",
        label: "GET /api/auth/session, database session in Redis",
        mode: Mode::PostgresRedis,
        path: "/api/auth/session",
        signed_in: true,
    },
    Scenario {
        key: "session-cookie-cache",
        label: "GET /api/auth/session, PostgreSQL session, cookie cache hit",
        mode: Mode::PostgresCache,
        path: "/api/auth/session",
        signed_in: true,
    },
    Scenario {
        key: "session-none",
        label: "GET /api/auth/session, no cookie",
        mode: Mode::Jwt,
        path: "/api/auth/session",
        signed_in: false,
    },
    Scenario {
        key: "csrf",
        label: "GET /api/auth/csrf, no cookie",
        mode: Mode::Jwt,
        path: "/api/auth/csrf",
        signed_in: false,
    },
];

/// `cargo xtask bench`.
pub(crate) fn run(args: &[String]) -> Result {
    let options = parse(args)?;
    let root = workspace_root();
    let target = target_dir(&root)?;
    let out_dir = target.join("bench");
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;

    println!("==> cargo build --release -p keyway-bench-server");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "-p", "keyway-bench-server"])
        .current_dir(&root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building the bench server failed ({status})"));
    }
    let bin = target.join("release").join("keyway-bench-server");

    println!("==> load generator");
    let tool = load::find_or_install(options.tool.as_deref(), &out_dir)?;
    let tool_name = tool.describe();
    println!("  {tool_name}");

    let selected: Vec<&Scenario> = SCENARIOS
        .iter()
        .filter(|s| {
            options
                .only
                .as_ref()
                .is_none_or(|o| o.iter().any(|k| k == s.key))
        })
        .collect();
    let mut results: Vec<(&Scenario, Vec<Row>)> = Vec::new();
    let mut profiles: Vec<(&'static str, String)> = Vec::new();
    let profiling = options.profile && profile::available();
    if options.profile && !profiling {
        println!("  (valgrind's callgrind not found: no \"where the time goes\" lines)");
    }
    for mode in Mode::ALL {
        let scenarios: Vec<&Scenario> = selected
            .iter()
            .copied()
            .filter(|s| s.mode == mode)
            .collect();
        if scenarios.is_empty() {
            continue;
        }
        let rows = match serve_and_load(mode, &scenarios, &bin, &tool, &options, &out_dir) {
            Ok((rows, extra)) => {
                if profiling {
                    for s in scenarios.iter().filter(|s| PROFILED.contains(&s.key)) {
                        println!("  profiling {} under callgrind", s.key);
                        let line = match profile::run(
                            &profile::Target {
                                bin: &bin,
                                mode: mode.arg(),
                                extra: &extra,
                                log: &logs_dir()?.join(format!("bench-profile-{}.log", s.key)),
                                path: s.path,
                                signed_in: s.signed_in,
                                name: s.key,
                            },
                            &tool,
                            &out_dir,
                        ) {
                            Ok(p) => p.line(),
                            Err(e) => format!("not profiled: {e}"),
                        };
                        println!("  {line}");
                        profiles.push((s.key, line));
                    }
                }
                rows
            }
            Err(reason) => {
                println!("  skipped: {reason}");
                skipped(&scenarios, &options, &reason)
            }
        };
        for (scenario, row) in scenarios.iter().flat_map(|s| {
            rows.iter()
                .filter(|r| r.key == s.key)
                .map(move |r| (*s, r.clone()))
        }) {
            match results.iter_mut().find(|(s, _)| s.key == scenario.key) {
                Some((_, list)) => list.push(row),
                None => results.push((scenario, vec![row])),
            }
        }
    }
    // Table order: SCENARIOS order, then connection count.
    let mut rows = Vec::new();
    for s in SCENARIOS {
        if let Some((_, list)) = results.iter().find(|(r, _)| r.key == s.key) {
            rows.extend(list.iter().cloned());
        }
    }
    let report = Report {
        tool: tool_name,
        cores: std::thread::available_parallelism().map_or(1, usize::from),
        warmup_secs: options.warmup.as_secs(),
        rounds: options.rounds,
        duration_secs: options.duration.as_secs(),
        commit: commit(&root),
        rows,
        profiles,
    };
    println!();
    print!("{}", report.table());
    println!();
    for line in report.targets() {
        println!("{line}");
    }
    let md = out_dir.join("report.md");
    let json = out_dir.join("report.json");
    std::fs::write(&md, report.markdown())
        .and_then(|()| std::fs::write(&json, report.json()))
        .map_err(|e| format!("cannot write the report under {}: {e}", out_dir.display()))?;
    println!("\nreport: {}\n        {}", md.display(), json.display());
    Ok(())
}

/// Starts the `mode` server, signs in when a scenario needs it, and measures
/// every scenario at every connection count. Also returns the server's
/// arguments after the mode (to start it again for a profile).
fn serve_and_load(
    mode: Mode,
    scenarios: &[&Scenario],
    bin: &Path,
    tool: &Tool,
    options: &Options,
    out_dir: &Path,
) -> Result<(Vec<Row>, Vec<String>)> {
    let mut extra = Vec::new();
    match mode {
        Mode::Jwt => {}
        Mode::Sqlite | Mode::SqliteDiesel => {
            let db = out_dir.join(format!("bench-{}.sqlite", mode.name()));
            for suffix in ["", "-wal", "-shm"] {
                let mut p = db.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
            extra = vec!["--url".to_owned(), format!("sqlite://{}", db.display())];
        }
        Mode::Postgres | Mode::PostgresDiesel | Mode::PostgresRedis | Mode::PostgresCache => {
            if TcpStream::connect_timeout(
                &"127.0.0.1:5432".parse().map_err(|_| "bad address")?,
                Duration::from_secs(2),
            )
            .is_err()
            {
                return Err(
                    "PostgreSQL is not up on 127.0.0.1:5432 (`cargo xtask services` starts it)"
                        .into(),
                );
            }
            extra = vec!["--url".to_owned(), options.postgres_url.clone()];
        }
    }
    if mode != Mode::Jwt {
        extra.extend(["--adapter".to_owned(), mode.adapter().to_owned()]);
    }
    if mode == Mode::PostgresRedis {
        if TcpStream::connect_timeout(
            &"127.0.0.1:6379".parse().map_err(|_| "bad address")?,
            Duration::from_secs(2),
        )
        .is_err()
        {
            return Err(
                "Redis is not up on 127.0.0.1:6379 (`cargo xtask services` starts it)".into(),
            );
        }
        extra.extend([
            "--redis".to_owned(),
            "redis://127.0.0.1:6379/10?key_prefix=keyway-bench:".to_owned(),
        ]);
    }
    if mode == Mode::PostgresCache {
        // Long enough to outlast every run: the row measures cache hits.
        extra.extend(["--session-cache".to_owned(), "3600".to_owned()]);
    }
    let log = logs_dir()?.join(format!("bench-server-{}.log", mode.name()));
    println!("==> {} server (log: {})", mode.name(), log.display());
    let server = Server::start(bin, mode.arg(), &extra, &log)?;
    let addr = server.addr;
    let cookie = if scenarios.iter().any(|s| s.signed_in) {
        Some(sign_in(addr)?)
    } else {
        None
    };
    // The ceiling runs on every server, interleaved with the scenarios, so
    // that each ratio compares runs made under the same background load.
    let mut runs: Vec<&Scenario> = scenarios.to_vec();
    if !runs.iter().any(|s| s.key == CEILING.key) {
        runs.insert(0, &CEILING);
    }
    for scenario in &runs {
        check(
            addr,
            scenario,
            cookie.as_deref().filter(|_| scenario.signed_in),
        )?;
    }
    let mut best: Vec<Best> = Vec::new();
    for round in 1..=options.rounds {
        for &connections in &options.connections {
            for scenario in &runs {
                let cookie = cookie.as_deref().filter(|_| scenario.signed_in);
                let url = format!("http://{addr}{}", scenario.path);
                print!(
                    "  [{round}/{}] {:<42} c={connections:<4} ",
                    options.rounds, scenario.label
                );
                let _ = std::io::Write::flush(&mut std::io::stdout());
                if round == 1 {
                    tool.run(&url, cookie, connections, options.warmup)?;
                }
                let watch = server.watch_memory();
                let measured = tool.run(&url, cookie, connections, options.duration);
                let watched = watch.finish();
                let mut measured = measured?;
                measured.cpu_us_per_request = watched
                    .cpu_secs
                    .filter(|_| measured.requests > 0)
                    .map(|secs| secs * 1e6 / measured.requests as f64);
                let peak = watched.peak_kib;
                println!(
                    "{:>8.0} req/s  p99 {:>8.0} µs  cpu {:>5.1} µs/req  errors {}",
                    measured.rps,
                    measured.p99_us,
                    measured.cpu_us_per_request.unwrap_or(0.0),
                    measured.errors
                );
                match best
                    .iter_mut()
                    .find(|b| b.key == scenario.key && b.connections == connections)
                {
                    Some(b) => b.add(measured, peak),
                    None => best.push(Best {
                        key: scenario.key,
                        connections,
                        measured,
                        errors: measured.errors,
                        peak_rss_kib: peak,
                    }),
                }
            }
        }
    }
    let ceiling_at = |connections: u32| {
        best.iter()
            .find(|b| b.key == CEILING.key && b.connections == connections)
            .map(|b| b.measured.rps)
    };
    let mut rows = Vec::new();
    for scenario in scenarios {
        for b in best.iter().filter(|b| b.key == scenario.key) {
            rows.push(Row {
                key: scenario.key,
                label: scenario.label,
                connections: b.connections,
                result: Ok(Measured {
                    errors: b.errors,
                    ..b.measured
                }),
                peak_rss_kib: b.peak_rss_kib,
                ceiling_rps: ceiling_at(b.connections),
            });
        }
    }
    Ok((rows, extra))
}

/// The best round of one scenario at one connection count: the run with
/// the most req/s (background load only ever slows a run down), with the
/// errors of every round and the highest peak RSS of any.
struct Best {
    key: &'static str,
    connections: u32,
    measured: Measured,
    errors: u64,
    peak_rss_kib: u64,
}

impl Best {
    fn add(&mut self, measured: Measured, peak_rss_kib: u64) {
        self.errors += measured.errors;
        self.peak_rss_kib = self.peak_rss_kib.max(peak_rss_kib);
        if measured.rps > self.measured.rps {
            self.measured = measured;
        }
    }
}

fn skipped(scenarios: &[&Scenario], options: &Options, reason: &str) -> Vec<Row> {
    scenarios
        .iter()
        .flat_map(|s| {
            options.connections.iter().map(move |&connections| Row {
                key: s.key,
                label: s.label,
                connections,
                result: Err(reason.to_owned()),
                peak_rss_kib: 0,
                ceiling_rps: None,
            })
        })
        .collect()
}

/// Cargo's target directory (honours `CARGO_TARGET_DIR` and config).
fn target_dir(root: &Path) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    json_string_field(&text, "target_directory")
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata did not name the target directory".into())
}

fn commit(root: &Path) -> String {
    Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(root)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown commit".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn defaults_and_flags() {
        assert_eq!(parse(&[]).unwrap(), Options::default());
        let o = parse(&strings(&[
            "--duration",
            "5",
            "--connections",
            "8, 32",
            "--only",
            "ceiling,csrf",
            "--profile",
            "off",
        ]))
        .unwrap();
        assert!(!o.profile);
        assert_eq!(o.duration, Duration::from_secs(5));
        assert_eq!(o.connections, [8, 32]);
        assert_eq!(o.only.unwrap(), ["ceiling", "csrf"]);
    }

    #[test]
    fn bad_flags_are_refused() {
        for bad in [
            &["--duration"][..],
            &["--duration", "0"],
            &["--connections", "16,x"],
            &["--only", "nope"],
            &["--profile", "maybe"],
            &["--fast", "1"],
        ] {
            assert!(parse(&strings(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn every_mode_has_a_scenario_and_keys_are_unique() {
        for mode in Mode::ALL {
            assert!(SCENARIOS.iter().any(|s| s.mode == mode));
        }
        let mut keys: Vec<_> = SCENARIOS.iter().map(|s| s.key).collect();
        keys.dedup();
        assert_eq!(keys.len(), SCENARIOS.len());
        assert_eq!(SCENARIOS[0].key, "ceiling");
    }
}
