//! `cargo xtask fuzz`: builds the fuzz targets of `fuzz/` with cargo-fuzz
//! (installing the pinned version when it is missing) and runs each for a
//! time budget, starting from the corpus kept in `fuzz/corpus/<target>`.
//!
//! The toolchain is stable: cargo-fuzz's `-Zsanitizer=address` is accepted
//! by setting `RUSTC_BOOTSTRAP=1` for the fuzz build only (stable rustc
//! ships the AddressSanitizer runtime); everything else cargo-fuzz passes
//! (`-Cpasses=sancov-module`, the `-sanitizer-coverage-*` LLVM options) is
//! stable already.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::{Result, cache_dir, display, workspace_root};

/// The cargo-fuzz release the targets are built and run with.
const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// Seconds per target when `--time` is not given (and in `cargo xtask ci`).
pub(crate) const DEFAULT_SECS: u64 = 15;

/// What `cargo xtask fuzz` was asked to do.
#[derive(Debug, PartialEq, Eq)]
struct Options {
    /// Seconds of fuzzing per target.
    secs: u64,
    /// Only these targets (all when empty).
    only: Vec<String>,
    /// `address` (the default) or `none`.
    sanitizer: String,
}

fn parse(args: &[String]) -> Result<Options> {
    let mut options = Options {
        secs: DEFAULT_SECS,
        only: Vec::new(),
        sanitizer: "address".into(),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .cloned()
                .ok_or_else(|| format!("`{name}` needs a value"))
        };
        match arg.as_str() {
            "--time" => {
                let v = value("--time")?;
                options.secs = v
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("`--time {v}`: a number of seconds above 0"))?;
            }
            "--target" => options.only.push(value("--target")?),
            "--sanitizer" => {
                let v = value("--sanitizer")?;
                if v != "address" && v != "none" {
                    return Err(format!("`--sanitizer {v}`: `address` or `none`"));
                }
                options.sanitizer = v;
            }
            other => {
                return Err(format!(
                    "unexpected argument `{other}` (options: --time SECS, --target NAME, \
                     --sanitizer address|none)"
                ));
            }
        }
    }
    Ok(options)
}

/// Builds every target, then runs each for its budget; stops at the first
/// target that finds something, naming the input that shows it.
pub(crate) fn run(args: &[String]) -> Result {
    let options = parse(args)?;
    let root = workspace_root();
    let fuzz_dir = root.join("fuzz");
    let all = targets(&fuzz_dir)?;
    for name in &options.only {
        if !all.contains(name) {
            return Err(format!(
                "no fuzz target `{name}` (targets: {})",
                all.join(", ")
            ));
        }
    }
    let selected: Vec<&String> = all
        .iter()
        .filter(|t| options.only.is_empty() || options.only.contains(t))
        .collect();
    let cargo_fuzz = ensure_cargo_fuzz()?;
    let target_dir = target_dir()?;

    let t = Instant::now();
    let mut build = fuzz_command(&cargo_fuzz, &root, "build");
    build
        .args(["--sanitizer", &options.sanitizer, "--target-dir"])
        .arg(&target_dir);
    println!("  building the fuzz targets: {}", display(&build));
    let status = build
        .status()
        .map_err(|e| format!("cannot run `{}`: {e}", display(&build)))?;
    if !status.success() {
        return Err(format!("`{}` failed ({status})", display(&build)));
    }
    println!("  built in {:.1}s", t.elapsed().as_secs_f64());

    for target in selected {
        let seeds = fuzz_dir.join("corpus").join(target);
        if !seeds.is_dir() {
            return Err(format!(
                "{target} has no seed corpus: {} is missing",
                seeds.display()
            ));
        }
        // New inputs go to a corpus outside the repository, kept between
        // runs; the committed seeds are only read.
        let found = target_dir.join("corpus").join(target);
        std::fs::create_dir_all(&found)
            .map_err(|e| format!("cannot create {}: {e}", found.display()))?;
        let artifacts = fuzz_dir.join("artifacts").join(target);
        std::fs::create_dir_all(&artifacts)
            .map_err(|e| format!("cannot create {}: {e}", artifacts.display()))?;
        let mut fuzz = fuzz_command(&cargo_fuzz, &root, "run");
        fuzz.args(["--sanitizer", &options.sanitizer, target.as_str()])
            .arg("--target-dir")
            .arg(&target_dir)
            .arg(&found)
            .arg(&seeds)
            .arg("--")
            .arg(format!("-max_total_time={}", options.secs))
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            // One slow input is a finding too.
            .arg("-timeout=10")
            .arg("-print_final_stats=1");
        println!("==> fuzz {target}: {} s", options.secs);
        let t = Instant::now();
        let status = fuzz
            .status()
            .map_err(|e| format!("cannot run `{}`: {e}", display(&fuzz)))?;
        let took = t.elapsed().as_secs_f64();
        if !status.success() {
            return Err(format!(
                "fuzz target `{target}` found a failing input after {took:.1}s ({status}); it is \
                 in {} (reproduce: `RUSTC_BOOTSTRAP=1 {} fuzz run {target} <file> --sanitizer {} \
                 --codegen-units {CODEGEN_UNITS} --target-dir {}`)",
                artifacts.display(),
                cargo_fuzz.display(),
                options.sanitizer,
                target_dir.display()
            ));
        }
        println!("<== fuzz {target} ok ({took:.1}s)");
    }
    Ok(())
}

/// Codegen units of the fuzz build: builds in a fraction of the time of
/// cargo-fuzz's default (1), for a little less speed when fuzzing.
const CODEGEN_UNITS: &str = "16";

/// `cargo-fuzz <subcommand>` from the cache, run from the workspace root (it
/// finds `fuzz/` there), with the flags stable rustc needs. `build` and `run`
/// must get the same flags, or `run` rebuilds everything.
fn fuzz_command(cargo_fuzz: &Path, root: &Path, subcommand: &str) -> Command {
    let mut cmd = Command::new(cargo_fuzz);
    // Run as a cargo subcommand: `cargo-fuzz fuzz <args>`.
    cmd.args(["fuzz", subcommand, "--codegen-units", CODEGEN_UNITS])
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_INCREMENTAL", "0")
        // cargo-fuzz sets its own flags; an outer build's must not leak in.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    cmd
}

/// Where the fuzz build goes: beside the CI's `CARGO_TARGET_DIR`
/// (`<dir>-fuzz`) when one is set, else `$HOME/.cache/keyway/fuzz-target`.
/// Instrumented builds share nothing with normal ones, so they get a
/// directory of their own.
fn target_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from)
        && let Some(name) = dir.file_name()
    {
        let mut name = name.to_os_string();
        name.push("-fuzz");
        return Ok(dir.with_file_name(name));
    }
    Ok(cache_dir()?.join("fuzz-target"))
}

/// The `[[bin]]` names of `fuzz/Cargo.toml`: the fuzz targets.
fn targets(fuzz_dir: &Path) -> Result<Vec<String>> {
    let path = fuzz_dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut names = Vec::new();
    let mut in_bin = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if in_bin
            && let Some(value) = line.strip_prefix("name")
            && let Some(value) = value.trim_start().strip_prefix('=')
        {
            names.push(value.trim().trim_matches('"').to_owned());
        }
    }
    if names.is_empty() {
        return Err(format!("no [[bin]] fuzz target in {}", path.display()));
    }
    Ok(names)
}

/// The cargo-fuzz binary: `$HOME/.cache/keyway/cargo-fuzz-<version>/bin/`,
/// installed with `cargo install` the first time.
fn ensure_cargo_fuzz() -> Result<PathBuf> {
    crate::cargo_installed("cargo-fuzz", CARGO_FUZZ_VERSION, "cargo-fuzz", &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn options_default_to_a_short_budget_for_every_target() {
        assert_eq!(
            parse(&[]),
            Ok(Options {
                secs: DEFAULT_SECS,
                only: vec![],
                sanitizer: "address".into(),
            })
        );
        let o = parse(&strings(&[
            "--time",
            "600",
            "--target",
            "cookies",
            "--sanitizer",
            "none",
        ]))
        .unwrap();
        assert_eq!(o.secs, 600);
        assert_eq!(o.only, ["cookies"]);
        assert_eq!(o.sanitizer, "none");
    }

    #[test]
    fn bad_options_are_refused() {
        for bad in [
            &["--time"][..],
            &["--time", "0"],
            &["--time", "ten"],
            &["--sanitizer", "memory"],
            &["--jobs", "2"],
        ] {
            assert!(parse(&strings(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn every_target_has_a_seed_corpus_and_a_source() {
        let fuzz = workspace_root().join("fuzz");
        let names = targets(&fuzz).unwrap();
        for expected in [
            "session_token",
            "cookies",
            "callback_url",
            "body",
            "oauth_callback",
            "email_address",
        ] {
            assert!(names.iter().any(|n| n == expected), "{names:?}");
        }
        for name in &names {
            let seeds = fuzz.join("corpus").join(name);
            let count = std::fs::read_dir(&seeds)
                .map(|d| d.count())
                .unwrap_or_default();
            assert!(count > 0, "{} holds no seed", seeds.display());
            assert!(
                fuzz.join("fuzz_targets")
                    .join(format!("{name}.rs"))
                    .is_file(),
                "{name}"
            );
        }
    }

    #[test]
    fn the_fuzz_build_sits_beside_the_target_dir() {
        // Only the shape: the variable is the process's own.
        if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
            let got = target_dir().unwrap();
            assert_eq!(got.parent(), PathBuf::from(dir).parent());
            assert!(got.to_string_lossy().ends_with("-fuzz"), "{got:?}");
        } else {
            assert!(target_dir().unwrap().ends_with("fuzz-target"));
        }
    }
}
