//! The SMTP sink the email tests deliver to: PyPI `aiosmtpd` in a venv and
//! the committed script `xtask/smtp/sink.py`, which writes every message it
//! accepts as a `.eml` file under `$HOME/.cache/keyway/smtp-sink/mail`.
//!
//! Ports on 127.0.0.1: [`PORT`] plain (no STARTTLS), 2587 STARTTLS
//! required, 2465 implicit TLS; the TLS ports require AUTH and use a test CA
//! the script creates in the state directory (`ca.pem`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, cache_dir, run_logged, workspace_root};

/// The plain port, the one `services` waits for.
pub(super) const PORT: u16 = 2525;
const STARTTLS_PORT: u16 = 2587;
const TLS_PORT: u16 = 2465;

/// The SMTP server library, pinned.
const AIOSMTPD_PACKAGE: &str = "aiosmtpd==1.4.6";

fn venv() -> Result<PathBuf> {
    Ok(cache_dir()?.join("smtp-sink-venv"))
}

/// Where the sink keeps its CA, certificate and received mail.
fn state_dir() -> Result<PathBuf> {
    Ok(cache_dir()?.join("smtp-sink"))
}

pub(super) fn install(log: &Path) -> Result {
    let venv = venv()?;
    // aiosmtpd installs this console script; its presence means installed.
    if venv.join("bin").join("aiosmtpd").is_file() {
        return Ok(());
    }
    println!(
        "  smtp        installing {AIOSMTPD_PACKAGE} into {} (a few seconds)",
        venv.display()
    );
    let pip = venv.join("bin").join("pip");
    if !pip.is_file() {
        run_logged(Command::new("python3").args(["-m", "venv"]).arg(&venv), log)?;
    }
    run_logged(Command::new(&pip).args(["install", AIOSMTPD_PACKAGE]), log)
}

pub(super) fn start(log: &Path) -> Result {
    let state = state_dir()?;
    std::fs::create_dir_all(&state)
        .map_err(|e| format!("cannot create {}: {e}", state.display()))?;
    let script = workspace_root().join("xtask").join("smtp").join("sink.py");
    // `setsid --fork`: the sink outlives xtask and the job that ran it.
    run_logged(
        Command::new("setsid")
            .arg("--fork")
            .arg(venv()?.join("bin").join("python"))
            .arg(script)
            .arg("--state")
            .arg(&state)
            .args(["--port", &PORT.to_string()])
            .args(["--starttls-port", &STARTTLS_PORT.to_string()])
            .args(["--tls-port", &TLS_PORT.to_string()])
            .current_dir(&state),
        log,
    )
}
