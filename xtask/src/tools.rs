//! Programs the tests run themselves (not servers): installed from Debian's
//! packages by `cargo xtask services` when missing.
//!
//! Each tool is one entry of [`TOOLS`]: the programs that must be on the
//! machine and the apt packages that provide them. A tool whose programs are
//! all found is left alone.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, logs_dir, run_logged};

/// Programs the tests need, from apt packages.
struct Tool {
    name: &'static str,
    /// Each must be found on `PATH` (or in /usr/bin).
    programs: &'static [&'static str],
    /// What `apt-get install` gets when one is missing.
    packages: &'static [&'static str],
}

const TOOLS: &[Tool] = &[
    Tool {
        // The headless browser test of examples/axum-demo.
        name: "chromium",
        programs: &["chromium", "chromedriver"],
        packages: &["chromium", "chromium-driver"],
    },
    Tool {
        // The server of the `redis` service (keyway-redis, the instance tests).
        name: "redis",
        programs: &["redis-server"],
        packages: &["redis-server"],
    },
];

/// Makes sure every tool is installed; reports every one that is not.
pub(crate) fn ensure_all() -> Result {
    let logs = logs_dir()?;
    let mut failed = Vec::new();
    for tool in TOOLS {
        let missing: Vec<&str> = tool
            .programs
            .iter()
            .copied()
            .filter(|p| find(p).is_none())
            .collect();
        if missing.is_empty() {
            println!("  {:<11} installed", tool.name);
            continue;
        }
        let log = logs.join(format!("{}.log", tool.name));
        println!(
            "  {:<11} installing {} with apt-get (missing: {}; log: {})",
            tool.name,
            tool.packages.join(" "),
            missing.join(", "),
            log.display()
        );
        let installed = apt_install(tool.packages, &log).and_then(|()| {
            match tool.programs.iter().find(|p| find(p).is_none()) {
                Some(p) => Err(format!("{p} is still missing after the install")),
                None => Ok(()),
            }
        });
        if let Err(reason) = installed {
            eprintln!("  {:<11} NOT INSTALLED: {reason}", tool.name);
            failed.push(tool.name);
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("tool(s) not installed: {}", failed.join(", ")))
    }
}

/// `apt-get install`; if the first try fails, again after finishing any
/// install that was interrupted (`dpkg --configure -a`: apt refuses to work
/// until then) and `apt-get update` (a fresh machine has no package lists).
fn apt_install(packages: &[&str], log: &Path) -> Result {
    let install = || {
        run_logged(
            Command::new("apt-get")
                .args(["install", "-y"])
                .args(packages)
                .env("DEBIAN_FRONTEND", "noninteractive"),
            log,
        )
    };
    if install().is_ok() {
        return Ok(());
    }
    // Nothing to finish is no failure; a real one shows in the retry.
    let _ = run_logged(
        Command::new("dpkg")
            .args(["--configure", "-a"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
        log,
    );
    run_logged(
        Command::new("apt-get")
            .arg("update")
            .env("DEBIAN_FRONTEND", "noninteractive"),
        log,
    )?;
    install()
}

/// The program's path, from `PATH` or /usr/bin.
fn find(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_programs_on_the_path() {
        assert!(find("sh").is_some());
        assert!(find("no-such-program-keyway-xtask").is_none());
    }

    #[test]
    fn every_tool_names_programs_and_packages() {
        for tool in TOOLS {
            assert!(!tool.programs.is_empty() && !tool.packages.is_empty());
        }
    }
}
