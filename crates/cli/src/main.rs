//! `keyway`, the command line of keyway: authentication for Rust web
//! servers, wire-compatible with Auth.js.
//!
//! ```text
//! keyway secret [--env-file .env]      a new AUTH_SECRET
//! keyway migrate [--database-url URL]  create or upgrade the tables
//! keyway check                         every problem in the environment
//! keyway prune [--database-url URL]    delete expired sessions and tokens
//! ```
//!
//! Every command prints progress on standard error and its result on
//! standard output; with `--json` it prints one JSON object instead.
//!
//! Exit codes: `0` done (and, for `check`, no problem found); `1` `check`
//! found problems; `2` the command line or a setting is unusable (an
//! unknown option, no database URL, a scheme no adapter serves); `3` the
//! database or a file failed (unreachable, a failed migration or delete,
//! an env file that cannot be written).

mod check;
mod database;
mod output;
mod prune;
mod scrub;
mod secret;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::output::{Exit, Output};

/// keyway's command line: make a secret, migrate a database, check the
/// environment, prune expired sessions.
#[derive(Debug, Parser)]
#[command(
    name = "keyway",
    version,
    after_help = "Exit codes: 0 done (check: no problem found), 1 check found problems, \
                  2 bad usage or settings, 3 the database or a file failed."
)]
struct Cli {
    /// Print one JSON object with the result instead of text.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print a new random AUTH_SECRET (32 bytes from the OS CSPRNG, as hex),
    /// or write it into an env file.
    Secret(secret::SecretArgs),
    /// Create or upgrade keyway's tables (or collections) for a database URL.
    Migrate(database::DatabaseArgs),
    /// Read the environment as `Auth::builder().from_env()` does and report
    /// every problem, with its code and what to set, and the callback URL to
    /// register for each provider.
    Check(database::DatabaseArgs),
    /// Delete expired sessions, verification tokens and rate-limit counters.
    Prune(database::DatabaseArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Output::new(cli.json);
    let exit = match cli.command {
        Command::Secret(args) => secret::run(&args, &out),
        command => match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime.block_on(async {
                match command {
                    Command::Migrate(args) => database::migrate(&args, &out).await,
                    Command::Check(args) => check::run(&args, &out).await,
                    Command::Prune(args) => prune::run(&args, &out).await,
                    Command::Secret(_) => Exit::Usage,
                }
            }),
            Err(e) => out.failed(
                "keyway",
                Exit::Failed,
                None,
                &format!("cannot start the async runtime: {e}"),
            ),
        },
    };
    exit.into()
}
