//! `cargo xtask`: keyway's project automation, in plain std Rust.
//!
//! Run `cargo xtask help` for the list of subcommands. The alias lives in
//! `.cargo/config.toml`.

mod bench;
mod ci;
mod docs;
mod fuzz;
mod msrv;
mod services;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

const HELP: &str = "\
cargo xtask <subcommand>

Subcommands:
  ci [-- <args>]   start the test services, then run, stopping at the first failure:
                     (msrv) workspace rust-version >= every dependency's, inherited by every member
                     cargo fmt --all -- --check
                     cargo clippy --workspace --all-targets --all-features -- -D warnings
                     cargo test --workspace --all-features <args>
                     cargo doc --workspace --no-deps --all-features  (RUSTDOCFLAGS=-D warnings)
                     cargo build --release -p <every example binary> -p keyway-bench-server
                     cargo build --release -p keyway --all-features
                     cargo check -p keyway --no-default-features [--features <each feature>]
                     cargo xtask docs
                     cargo xtask fuzz  (the default budget, 15 s per target)
  services         make sure the servers the tests need are running (PostgreSQL,
                   MariaDB, a MongoDB-compatible server, an OpenID provider);
                   starts what is missing. Installs chromium and chromedriver
                   (apt) for the browser test when they are missing.
                   Logs go to $HOME/.cache/keyway/logs.
  bench [options]  build bench/server in release and load it with wrk or oha: session
                   reads (JWT, SQLite, PostgreSQL), no-cookie session, csrf, against a bare
                   axum handler (the ceiling); prints one table and writes
                   <target>/bench/report.md and report.json. Not part of `ci`.
                   Options: --duration SECS (10) --warmup SECS (3) --rounds N (2)
                   --connections 16,64
                   --tool wrk|oha --only KEY,... --postgres-url URL
  docs             build the book (docs/) with mdBook into target/book, installing
                   mdBook (pinned) into $HOME/.cache/keyway when missing, and check
                   that every relative link and #anchor in it resolves
  fuzz [options]   build the fuzz targets of fuzz/ with cargo-fuzz (installing the pinned
                   version into $HOME/.cache/keyway when missing; stable rustc with
                   RUSTC_BOOTSTRAP=1 for AddressSanitizer) and run each for a budget from
                   its corpus in fuzz/corpus/<target>; new inputs are kept beside the
                   build, failing inputs go to fuzz/artifacts/<target>.
                   Options: --time SECS (15 per target) --target NAME (repeatable)
                   --sanitizer address|none
  help             print this message
";

/// What every subcommand returns: a failure is one message for the user.
pub(crate) type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let subcommand = args.next();
    let rest: Vec<String> = args.collect();
    let outcome = match subcommand.as_deref() {
        Some("ci") => ci::run(&rest),
        Some("services") => services::run(&rest),
        Some("bench") => bench::run(&rest),
        Some("docs") => docs::run(&rest),
        Some("fuzz") => fuzz::run(&rest),
        Some("help" | "-h" | "--help") | None => {
            print!("{HELP}");
            Ok(())
        }
        Some(other) => Err(format!(
            "unknown subcommand `{other}`; `cargo xtask help` lists them"
        )),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask sits one level below it).
///
/// `cargo run` sets `CARGO_MANIFEST_DIR` for the program it starts; the value
/// baked in at build time is only the fallback, because a shared target dir
/// may hold a binary built from another checkout.
pub(crate) fn workspace_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or(manifest_dir)
}

/// `$HOME/.cache/keyway`: the shared target dir, tool installs and logs.
pub(crate) fn cache_dir() -> Result<PathBuf> {
    match std::env::var_os("HOME") {
        Some(home) if !home.is_empty() => Ok(PathBuf::from(home).join(".cache").join("keyway")),
        _ => Err("HOME is not set; it is needed for $HOME/.cache/keyway".into()),
    }
}

/// `$HOME/.cache/keyway/logs`, created if missing.
pub(crate) fn logs_dir() -> Result<PathBuf> {
    let dir = cache_dir()?.join("logs");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

/// A command line as the user would type it, for messages.
pub(crate) fn display(cmd: &Command) -> String {
    let mut line = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    line
}

/// Runs `cmd` to completion with its output appended to `log`, stdin closed.
///
/// Daemons started this way never hold xtask's stdout open, so a caller
/// reading xtask's output through a pipe sees it end when xtask ends.
/// A tool built by `cargo install`, kept in
/// `$HOME/.cache/keyway/<name>-<version>/bin/<bin>`: its path, installed
/// the first time (`extra` are more `cargo install` arguments).
pub(crate) fn cargo_installed(
    name: &str,
    version: &str,
    bin: &str,
    extra: &[&str],
) -> Result<PathBuf> {
    let root = cache_dir()?.join(format!("{name}-{version}"));
    let path = root.join("bin").join(bin);
    if path.is_file() {
        return Ok(path);
    }
    let log = logs_dir()?.join(format!("{name}-install.log"));
    let build_dir = cache_dir()?.join(format!("{name}-build"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut install = Command::new(cargo);
    install
        .args(["install", name, "--locked", "--version", version])
        .args(extra)
        .arg("--root")
        .arg(&root)
        // Its own target dir, so the workspace's build lock is not held.
        .env("CARGO_TARGET_DIR", &build_dir);
    println!(
        "  installing {name} {version} (log: {}): {}",
        log.display(),
        display(&install)
    );
    let installed = run_logged(&mut install, &log);
    // The build's intermediate files are not needed once the binary is in
    // place (a few hundred megabytes on a shared disk).
    let _ = std::fs::remove_dir_all(&build_dir);
    installed?;
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "{name} was installed but {} is missing",
            path.display()
        ))
    }
}

pub(crate) fn run_logged(cmd: &mut Command, log: &Path) -> Result {
    let open = || {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| format!("cannot open log {}: {e}", log.display()))
    };
    let status = cmd
        .stdin(Stdio::null())
        .stdout(open()?)
        .stderr(open()?)
        .status()
        .map_err(|e| format!("cannot run `{}`: {e}", display(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", display(cmd)))
    }
}
