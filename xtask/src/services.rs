//! `cargo xtask services`: the servers the tests talk to, started when missing.
//!
//! Every service is one entry of [`SERVICES`]: a name, the TCP port on
//! 127.0.0.1 that says it is up, an optional install step and a start step.
//! A service already listening is left alone, so a second run costs a few
//! connection attempts. Adding a service (chromedriver, an SMTP server, an
//! OpenID provider) means adding one entry and its two functions.
//!
//! Started processes outlive xtask: they are detached from it and write to
//! `$HOME/.cache/keyway/logs/<name>.log`.

use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::{Result, cache_dir, logs_dir, run_logged};

mod smtp;

/// How long a started service may take to open its port.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The MongoDB-compatible test server, pinned (only pre-releases exist).
const SECANTUS_PACKAGE: &str = "SecantusDB==0.7.0b3";

/// A server the tests need.
struct Service {
    name: &'static str,
    /// The service is up when this port on 127.0.0.1 accepts a connection.
    port: u16,
    /// Installs the service if it is not installed yet; must be idempotent.
    install: Option<fn(&Path) -> Result>,
    /// Starts the service, detached; gets the service's log file.
    start: fn(&Path) -> Result,
    /// For a service whose code is in this repository: stops a running copy
    /// that is older than the repository's, and says whether it did (then it
    /// is started again).
    stop_if_outdated: Option<fn() -> Result<bool>>,
}

const SERVICES: &[Service] = &[
    Service {
        name: "postgresql",
        port: 5432,
        install: None,
        start: start_postgresql,
        stop_if_outdated: None,
    },
    Service {
        name: "mariadb",
        port: 3306,
        install: None,
        start: start_mariadb,
        stop_if_outdated: None,
    },
    Service {
        name: "secantus",
        port: 27017,
        install: Some(install_secantus),
        start: start_secantus,
        stop_if_outdated: None,
    },
    Service {
        name: "redis",
        port: 6379,
        install: None,
        start: start_redis,
        stop_if_outdated: None,
    },
    Service {
        name: "oidc",
        port: OIDC_PORT,
        install: Some(install_oidc),
        start: start_oidc,
        stop_if_outdated: Some(stop_outdated_oidc),
    },
    Service {
        name: "smtp",
        port: smtp::PORT,
        install: Some(smtp::install),
        start: smtp::start,
        stop_if_outdated: None,
    },
];

/// The test OpenID provider's port (its issuer is `http://127.0.0.1:4700`).
const OIDC_PORT: u16 = 4700;

/// `cargo xtask services`.
pub(crate) fn run(args: &[String]) -> Result {
    if let Some(arg) = args.first() {
        return Err(format!("`services` takes no arguments, got `{arg}`"));
    }
    ensure_all()
}

/// Makes sure every service is up; tries them all, then reports every one
/// that could not be made available.
pub(crate) fn ensure_all() -> Result {
    let tools = crate::tools::ensure_all();
    let logs = logs_dir()?;
    let mut failed = Vec::new();
    for service in SERVICES {
        let addr = format!("127.0.0.1:{}", service.port);
        let log = logs.join(format!("{}.log", service.name));
        match ensure(service, &log) {
            Ok(None) => println!("  {:<11} up on {addr}", service.name),
            Ok(Some(took)) => println!(
                "  {:<11} started on {addr} in {:.1}s (log: {})",
                service.name,
                took.as_secs_f64(),
                log.display()
            ),
            Err(reason) => {
                eprintln!("  {:<11} NOT AVAILABLE on {addr}: {reason}", service.name);
                eprint!("{}", log_tail(&log, 15));
                failed.push(service.name);
            }
        }
    }
    if failed.is_empty() {
        tools
    } else {
        Err(format!("service(s) not available: {}", failed.join(", ")))
    }
}

/// `Ok(None)` if it was already up, `Ok(Some(time to start))` if started.
fn ensure(service: &Service, log: &Path) -> Result<Option<Duration>> {
    if is_up(service.port) {
        let stopped = match service.stop_if_outdated {
            Some(stop) => stop()?,
            None => false,
        };
        if !stopped {
            return Ok(None);
        }
        let stopping = Instant::now();
        while is_up(service.port) {
            if stopping.elapsed() > START_TIMEOUT {
                return Err(format!(
                    "an outdated copy still listens on port {} after {} s",
                    service.port,
                    START_TIMEOUT.as_secs()
                ));
            }
            sleep(Duration::from_millis(200));
        }
        println!("  {:<11} restarting: its code changed", service.name);
    }
    let started = Instant::now();
    if let Some(install) = service.install {
        install(log)?;
    }
    (service.start)(log)?;
    while started.elapsed() < START_TIMEOUT {
        if is_up(service.port) {
            return Ok(Some(started.elapsed()));
        }
        sleep(Duration::from_millis(200));
    }
    Err(format!(
        "started, but nothing listens on port {} after {} s",
        service.port,
        START_TIMEOUT.as_secs()
    ))
}

fn is_up(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok()
}

/// The last `lines` lines of a log, indented, for failure messages.
fn log_tail(log: &Path, lines: usize) -> String {
    let Ok(text) = std::fs::read_to_string(log) else {
        return String::new();
    };
    let all: Vec<&str> = text.lines().collect();
    let tail = &all[all.len().saturating_sub(lines)..];
    let mut out = format!("    last lines of {}:\n", log.display());
    for line in tail {
        out.push_str("    | ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn start_postgresql(log: &Path) -> Result {
    run_logged(
        Command::new("sh").args([
            "-c",
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
        ]),
        log,
    )
}

/// Redis for keyway-redis and the instance tests: nothing saved to disk.
fn start_redis(log: &Path) -> Result {
    run_logged(
        Command::new("redis-server").args([
            "--port",
            "6379",
            "--bind",
            "127.0.0.1",
            "--daemonize",
            "yes",
            "--save",
            "",
            "--appendonly",
            "no",
        ]),
        log,
    )
}

fn start_mariadb(log: &Path) -> Result {
    run_logged(
        Command::new("start-stop-daemon").args([
            "--start",
            "--oknodo",
            "--background",
            "--exec",
            "/usr/sbin/mariadbd",
        ]),
        log,
    )
}

fn secantus_venv() -> Result<PathBuf> {
    Ok(cache_dir()?.join("secantus-venv"))
}

fn install_secantus(log: &Path) -> Result {
    let venv = secantus_venv()?;
    let server = venv.join("bin").join("secantusd-py");
    if server.is_file() {
        return Ok(());
    }
    println!(
        "  secantus    installing {SECANTUS_PACKAGE} into {} (about 15 s)",
        venv.display()
    );
    let pip = venv.join("bin").join("pip");
    if !pip.is_file() {
        run_logged(Command::new("python3").args(["-m", "venv"]).arg(&venv), log)?;
    }
    run_logged(Command::new(&pip).args(["install", SECANTUS_PACKAGE]), log)?;
    if server.is_file() {
        Ok(())
    } else {
        Err(format!(
            "pip installed {SECANTUS_PACKAGE} but {} is missing",
            server.display()
        ))
    }
}

fn start_secantus(log: &Path) -> Result {
    let venv = secantus_venv()?;
    // `setsid --fork` puts the server in its own session and returns at once,
    // so the server survives xtask and the terminal or CI job that ran it.
    run_logged(
        Command::new("setsid")
            .arg("--fork")
            .arg(venv.join("bin").join("secantusd-py"))
            .args(["--host", "127.0.0.1", "--port", "27017"])
            .args(["--storage-path", ":memory:"])
            .current_dir(cache_dir()?),
        log,
    )
}

/// Where the OpenID provider is installed: its script, package.json,
/// package-lock.json and node_modules.
fn oidc_dir() -> Result<PathBuf> {
    Ok(cache_dir()?.join("oidc"))
}

/// Copies `name` from xtask/oidc to `dir`; says whether it changed.
fn sync_file(dir: &Path, name: &str) -> Result<bool> {
    let source = crate::workspace_root()
        .join("xtask")
        .join("oidc")
        .join(name);
    let wanted =
        std::fs::read(&source).map_err(|e| format!("cannot read {}: {e}", source.display()))?;
    let target = dir.join(name);
    if std::fs::read(&target).ok().as_deref() == Some(wanted.as_slice()) {
        return Ok(false);
    }
    std::fs::write(&target, wanted)
        .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    Ok(true)
}

/// `npm ci` of the npm package `oidc-provider` (pinned by xtask/oidc's
/// package-lock.json), again whenever the lock file changes.
fn install_oidc(log: &Path) -> Result {
    let dir = oidc_dir()?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut changed = sync_file(&dir, "package.json")?;
    changed |= sync_file(&dir, "package-lock.json")?;
    let installed = dir
        .join("node_modules")
        .join("oidc-provider")
        .join("package.json")
        .is_file();
    if installed && !changed {
        return Ok(());
    }
    println!(
        "  oidc        installing oidc-provider into {} (npm ci, a few seconds)",
        dir.display()
    );
    run_logged(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir),
        log,
    )
    .map_err(|e| format!("{e}; the OpenID provider needs Node.js 20+ and npm on PATH"))
}

/// Stops the running OpenID provider when its script is not the
/// repository's `xtask/oidc/provider.mjs` (a test may need what a newer one
/// serves).
fn stop_outdated_oidc() -> Result<bool> {
    let dir = oidc_dir()?;
    let source = crate::workspace_root().join("xtask/oidc/provider.mjs");
    let wanted =
        std::fs::read(&source).map_err(|e| format!("cannot read {}: {e}", source.display()))?;
    if std::fs::read(dir.join("provider.mjs")).ok().as_deref() == Some(wanted.as_slice()) {
        return Ok(false);
    }
    let status = Command::new("pkill")
        .args(["-f", "node provider.mjs"])
        .status()
        .map_err(|e| format!("cannot run pkill to stop the outdated OpenID provider: {e}"))?;
    // pkill's 1 is "no process matched": whatever listens is not ours.
    if !status.success() {
        return Err(format!(
            "port {OIDC_PORT} is taken, but not by `node provider.mjs` (pkill: {status})"
        ));
    }
    Ok(true)
}

fn start_oidc(log: &Path) -> Result {
    let dir = oidc_dir()?;
    sync_file(&dir, "provider.mjs")?;
    run_logged(
        Command::new("setsid")
            .arg("--fork")
            .args(["node", "provider.mjs"])
            .env("KEYWAY_OIDC_PORT", OIDC_PORT.to_string())
            .current_dir(&dir),
        log,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_has_its_own_name_and_port() {
        for (i, a) in SERVICES.iter().enumerate() {
            for b in &SERVICES[i + 1..] {
                assert_ne!(a.name, b.name);
                assert_ne!(a.port, b.port);
            }
        }
    }

    #[test]
    fn a_closed_port_is_not_up() {
        // Bind then drop: the port is closed right after.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("local addr").port();
        assert!(is_up(port));
        drop(listener);
        assert!(!is_up(port));
    }

    #[test]
    fn log_tail_keeps_the_last_lines() {
        let dir = std::env::temp_dir().join(format!("xtask-tail-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let log = dir.join("t.log");
        std::fs::write(&log, "one\ntwo\nthree\n").expect("write log");
        let tail = log_tail(&log, 2);
        std::fs::remove_dir_all(&dir).expect("clean up");
        assert!(!tail.contains("one"), "{tail}");
        assert!(
            tail.contains("| two\n") && tail.contains("| three\n"),
            "{tail}"
        );
        assert_eq!(log_tail(&dir.join("missing.log"), 2), "");
    }
}
