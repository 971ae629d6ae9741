//! `cargo xtask ci`: the whole check a change must pass, in one command:
//! the services, the cargo steps, the book (`cargo xtask docs`), then a
//! short run of every fuzz target (`cargo xtask fuzz`).

use std::ffi::OsString;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::{Result, services, workspace_root};

/// One cargo invocation of the CI run.
struct Step {
    name: &'static str,
    args: Vec<String>,
    /// Extra environment, as (name, value).
    env: Vec<(&'static str, OsString)>,
}

/// Runs the services check, then every step in order; stops at the first
/// failure. Arguments after `--` go to `cargo test`.
pub(crate) fn run(args: &[String]) -> Result {
    let test_args = match args.split_first() {
        None => &[][..],
        Some((first, rest)) if first == "--" => rest,
        Some((first, _)) => {
            return Err(format!(
                "unexpected argument `{first}`; extra `cargo test` arguments go after `--`"
            ));
        }
    };
    let started = Instant::now();

    println!("==> services");
    let t = Instant::now();
    services::ensure_all().map_err(|e| format!("step `services` failed: {e}"))?;
    println!("<== services ok ({})", secs(t.elapsed()));

    println!("==> msrv: the workspace's rust-version against every dependency's");
    let t = Instant::now();
    crate::msrv::run(&workspace_root()).map_err(|e| format!("step `msrv` failed: {e}"))?;
    println!("<== msrv ok ({})", secs(t.elapsed()));

    let release = release_packages(&workspace_root())?;
    let features = facade_features(&workspace_root())?;
    for step in steps(test_args, &release, &features) {
        run_step(&step)?;
    }

    println!("==> docs: cargo xtask docs");
    let t = Instant::now();
    crate::docs::run(&[]).map_err(|e| format!("step `docs` failed: {e}"))?;
    println!("<== docs ok ({})", secs(t.elapsed()));

    println!(
        "==> fuzz: cargo xtask fuzz --time {}",
        crate::fuzz::DEFAULT_SECS
    );
    let t = Instant::now();
    crate::fuzz::run(&["--time".to_owned(), crate::fuzz::DEFAULT_SECS.to_string()])
        .map_err(|e| format!("step `fuzz` failed: {e}"))?;
    println!("<== fuzz ok ({})", secs(t.elapsed()));
    println!("ci: all steps passed in {}", secs(started.elapsed()));
    Ok(())
}

/// The packages CI builds in release: every example with a binary
/// (`examples/*/src/main.rs`) and the bench server, so that what README
/// tells users to run, and what `cargo xtask bench` builds, always builds
/// with optimisations too.
fn release_packages(root: &std::path::Path) -> Result<Vec<String>> {
    let mut dirs: Vec<std::path::PathBuf> = std::fs::read_dir(root.join("examples"))
        .map_err(|e| format!("cannot list examples/: {e}"))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|dir| dir.join("src/main.rs").is_file())
        .collect();
    dirs.sort();
    dirs.push(root.join("bench/server"));
    dirs.iter().map(|dir| package_name(dir)).collect()
}

/// The `name` of the `[package]` in `dir/Cargo.toml`.
fn package_name(dir: &std::path::Path) -> Result<String> {
    let path = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut in_package = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package
            && let Some(value) = line.strip_prefix("name")
            && let Some(value) = value.trim_start().strip_prefix('=')
        {
            return Ok(value.trim().trim_matches('"').to_owned());
        }
    }
    Err(format!("no package name in {}", path.display()))
}

/// The features of the facade (`crates/keyway/Cargo.toml`'s `[features]`,
/// `default` left out), each of which CI checks alone.
fn facade_features(root: &std::path::Path) -> Result<Vec<String>> {
    let path = root.join("crates/keyway/Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut in_features = false;
    let mut features = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_features = line == "[features]";
        } else if in_features
            && let Some((name, _)) = line.split_once('=')
            && !line.starts_with('#')
        {
            let name = name.trim().trim_matches('"');
            if name != "default" && !name.is_empty() {
                features.push(name.to_owned());
            }
        }
    }
    if features.is_empty() {
        return Err(format!("no features in {}", path.display()));
    }
    Ok(features)
}

fn steps(test_args: &[String], release: &[String], facade_features: &[String]) -> Vec<Step> {
    let strings = |args: &[&str]| args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
    let mut test = strings(&["test", "--workspace", "--all-features"]);
    test.extend(test_args.iter().cloned());
    // Keep any flags the caller set, and deny warnings on top of them.
    let mut rustdocflags = std::env::var_os("RUSTDOCFLAGS").unwrap_or_default();
    if !rustdocflags.is_empty() {
        rustdocflags.push(" ");
    }
    rustdocflags.push("-D warnings");
    let mut release_build = strings(&["build", "--release"]);
    for package in release {
        release_build.push("-p".to_owned());
        release_build.push(package.clone());
    }
    // The facade with no feature, then each feature alone: every one must
    // build by itself (`cargo check`: a release build per feature would
    // recompile the database drivers each time). The defaults and every
    // feature together are built by the test and release steps.
    let mut features = vec![Step {
        name: "features",
        args: strings(&["check", "-p", "keyway", "--no-default-features"]),
        env: vec![],
    }];
    for feature in facade_features {
        let mut args = strings(&[
            "check",
            "-p",
            "keyway",
            "--no-default-features",
            "--features",
        ]);
        args.push(feature.clone());
        features.push(Step {
            name: "features",
            args,
            env: vec![],
        });
    }
    let mut all = vec![
        Step {
            name: "fmt",
            args: strings(&["fmt", "--all", "--", "--check"]),
            env: vec![],
        },
        Step {
            name: "clippy",
            args: strings(&[
                "clippy",
                "--workspace",
                "--all-targets",
                "--all-features",
                "--",
                "-D",
                "warnings",
            ]),
            env: vec![],
        },
        Step {
            name: "test",
            args: test,
            env: vec![],
        },
        Step {
            name: "doc",
            args: strings(&["doc", "--workspace", "--no-deps", "--all-features"]),
            env: vec![("RUSTDOCFLAGS", rustdocflags)],
        },
        Step {
            name: "release",
            args: release_build,
            env: vec![],
        },
        Step {
            name: "release",
            args: strings(&["build", "--release", "-p", "keyway", "--all-features"]),
            env: vec![],
        },
    ];
    all.extend(features);
    all
}

fn run_step(step: &Step) -> Result {
    // `cargo run` tells us which cargo started xtask; use the same one.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(&step.args).current_dir(workspace_root());
    for (name, value) in &step.env {
        cmd.env(name, value);
    }
    let env_prefix: String = step
        .env
        .iter()
        .map(|(name, value)| format!("{name}='{}' ", value.to_string_lossy()))
        .collect();
    // Shown as typed: `cargo ...`, whichever cargo binary actually runs.
    let line = format!("{env_prefix}cargo {}", step.args.join(" "));
    println!("==> {}: {line}", step.name);

    let t = Instant::now();
    let status = cmd
        .status()
        .map_err(|e| format!("step `{}`: cannot run `{line}`: {e}", step.name))?;
    let took = secs(t.elapsed());
    if status.success() {
        println!("<== {} ok ({took})", step.name);
        Ok(())
    } else {
        Err(format!(
            "step `{}` failed after {took} ({status}): {line}",
            step.name
        ))
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_step_receives_the_extra_arguments() {
        let extra = vec!["csrf".to_owned(), "--".to_owned(), "--nocapture".to_owned()];
        let steps = steps(&extra, &[], &["oauth".to_owned()]);
        let names: Vec<_> = steps.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "fmt", "clippy", "test", "doc", "release", "release", "features", "features"
            ]
        );
        assert_eq!(
            steps[2].args,
            [
                "test",
                "--workspace",
                "--all-features",
                "csrf",
                "--",
                "--nocapture"
            ]
        );
    }

    #[test]
    fn doc_step_denies_warnings() {
        let steps = steps(&[], &[], &[]);
        let (name, value) = &steps[3].env[0];
        assert_eq!(*name, "RUSTDOCFLAGS");
        assert!(value.to_string_lossy().ends_with("-D warnings"));
    }

    #[test]
    fn every_example_binary_and_the_bench_server_are_built_in_release() {
        let packages = release_packages(&workspace_root()).unwrap();
        for expected in ["axum-demo", "actix-demo", "keyway-bench-server"] {
            assert!(packages.iter().any(|p| p == expected), "{packages:?}");
        }
        // A library under examples/ has nothing to run.
        assert!(
            !packages.iter().any(|p| p == "keyway-demo-core"),
            "{packages:?}"
        );
        let steps = steps(&[], &packages, &[]);
        let release = steps.iter().find(|s| s.name == "release").unwrap();
        assert_eq!(release.args[..2], ["build", "--release"]);
        assert!(release.args.windows(2).any(|w| w == ["-p", "actix-demo"]));
    }

    #[test]
    fn the_facade_is_checked_with_each_of_its_features_alone() {
        let features = facade_features(&workspace_root()).unwrap();
        for expected in [
            "axum",
            "actix-web",
            "rocket",
            "postgres",
            "github",
            "sea-orm-sqlite",
        ] {
            assert!(features.iter().any(|f| f == expected), "{features:?}");
        }
        assert!(!features.iter().any(|f| f == "default"), "{features:?}");
        let steps = steps(&[], &[], &features);
        let checks: Vec<_> = steps.iter().filter(|s| s.name == "features").collect();
        assert_eq!(checks.len(), features.len() + 1);
        assert_eq!(
            checks[0].args,
            ["check", "-p", "keyway", "--no-default-features"]
        );
        for (step, feature) in checks[1..].iter().zip(&features) {
            assert_eq!(
                step.args[..4],
                ["check", "-p", "keyway", "--no-default-features"]
            );
            assert_eq!(step.args[4..], ["--features".to_owned(), feature.clone()]);
        }
        let release: Vec<_> = steps.iter().filter(|s| s.name == "release").collect();
        assert!(
            release
                .iter()
                .any(|s| s.args.windows(2).any(|w| w == ["-p", "keyway"])
                    && s.args.iter().any(|a| a == "--all-features"))
        );
    }

    #[test]
    fn arguments_without_separator_are_refused() {
        match run(&["--nocapture".to_owned()]) {
            Err(err) => assert!(err.contains("after `--`"), "{err}"),
            Ok(()) => panic!("an argument before `--` was accepted"),
        }
    }
}
