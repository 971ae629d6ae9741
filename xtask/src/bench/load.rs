//! The load generator: `wrk` (Debian's) or `oha` (crates.io), found on the
//! `PATH` or in `$HOME/.cache/keyway/bin`, installed when missing, and one
//! fixed-length run read back as numbers.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::{Result, cache_dir, display, logs_dir, run_logged};

/// A load generator ready to run.
#[derive(Debug, Clone)]
pub(crate) enum Tool {
    /// `wrk`, with the Lua script that prints its numbers.
    Wrk { bin: PathBuf, script: PathBuf },
    /// `oha`, and the flags this version has.
    Oha { bin: PathBuf, flags: OhaFlags },
}

/// Flags that changed across oha versions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OhaFlags {
    /// `--output-format json` (newer) rather than `--json`.
    output_format: bool,
    /// `--wait-ongoing-requests-after-deadline`: no aborted requests at the end.
    wait_ongoing: bool,
}

/// What one run measured.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Measured {
    pub(crate) requests: u64,
    pub(crate) rps: f64,
    pub(crate) p50_us: f64,
    pub(crate) p99_us: f64,
    /// Socket errors, timeouts and answers other than 2xx/3xx.
    pub(crate) errors: u64,
    /// The server's CPU time (user + system) per request, when known.
    pub(crate) cpu_us_per_request: Option<f64>,
}

/// Prints wrk's numbers as one line the runner reads.
const WRK_SCRIPT: &str = r#"done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "KEYWAY-RESULT requests=%d duration_us=%d socket_errors=%d status_errors=%d p50_us=%.1f p99_us=%.1f\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
"#;

impl Tool {
    /// `wrk 4.1.0` or `oha 1.x`, for the report.
    pub(crate) fn describe(&self) -> String {
        let (bin, name) = match self {
            Self::Wrk { bin, .. } => (bin, "wrk"),
            Self::Oha { bin, .. } => (bin, "oha"),
        };
        let out = Command::new(bin).arg("--version").output();
        let text = out
            .map(|o| {
                format!(
                    "{}{}",
                    String::from_utf8_lossy(&o.stdout),
                    String::from_utf8_lossy(&o.stderr)
                )
            })
            .unwrap_or_default();
        // wrk prints `wrk 4.1.0 [epoll] Copyright ...`; oha prints `oha 1.x.y`.
        let version = text
            .split_whitespace()
            .skip_while(|w| !w.eq_ignore_ascii_case(name))
            .nth(1)
            .unwrap_or("(version unknown)");
        format!("{name} {version}")
    }

    /// Loads `url` for `duration` with `connections` connections.
    pub(crate) fn run(
        &self,
        url: &str,
        cookie: Option<&str>,
        connections: u32,
        duration: Duration,
    ) -> Result<Measured> {
        let secs = duration.as_secs().max(1);
        let mut cmd = match self {
            Self::Wrk { bin, script } => {
                let threads = std::thread::available_parallelism()
                    .map_or(1, |n| n.get() as u32)
                    .min(connections);
                let mut cmd = Command::new(bin);
                cmd.arg(format!("-t{threads}"))
                    .arg(format!("-c{connections}"))
                    .arg(format!("-d{secs}s"))
                    .args(["--timeout", "10s", "-s"])
                    .arg(script);
                cmd
            }
            Self::Oha { bin, flags } => {
                let mut cmd = Command::new(bin);
                cmd.args(["-z", &format!("{secs}s"), "-c", &connections.to_string()])
                    .arg("--no-tui");
                cmd.args(if flags.output_format {
                    &["--output-format", "json"][..]
                } else {
                    &["--json"][..]
                });
                if flags.wait_ongoing {
                    cmd.arg("--wait-ongoing-requests-after-deadline");
                }
                cmd
            }
        };
        if let Some(cookie) = cookie {
            cmd.arg("-H").arg(format!("Cookie: {cookie}"));
        }
        cmd.arg(url);
        let out = cmd
            .output()
            .map_err(|e| format!("cannot run `{}`: {e}", display(&cmd)))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            return Err(format!(
                "`{}` failed ({}): {}{}",
                display(&cmd),
                out.status,
                stdout,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let parsed = match self {
            Self::Wrk { .. } => parse_wrk(&stdout),
            Self::Oha { .. } => parse_oha(&stdout),
        };
        parsed.ok_or_else(|| format!("cannot read the output of `{}`:\n{stdout}", display(&cmd)))
    }
}

/// The tool `choice` names (`wrk` or `oha`), or any available one (wrk
/// first: it takes the least CPU from the server it loads); installs it when
/// missing.
pub(crate) fn find_or_install(choice: Option<&str>, work_dir: &Path) -> Result<Tool> {
    let bin_dir = cache_dir()?.join("bin");
    let wrk = || which("wrk", &bin_dir);
    let oha = || which("oha", &bin_dir);
    let bin_and_kind = match choice {
        Some("wrk") => (wrk().map_or_else(install_wrk, Ok)?, "wrk"),
        Some("oha") => (oha().map_or_else(|| install_oha(&bin_dir), Ok)?, "oha"),
        Some(other) => return Err(format!("unknown load generator `{other}` (wrk or oha)")),
        None => match (wrk(), oha()) {
            (Some(bin), _) => (bin, "wrk"),
            (None, Some(bin)) => (bin, "oha"),
            (None, None) => match install_wrk() {
                Ok(bin) => (bin, "wrk"),
                Err(e) => {
                    println!("  {e}; installing oha instead");
                    (install_oha(&bin_dir)?, "oha")
                }
            },
        },
    };
    match bin_and_kind {
        (bin, "wrk") => {
            std::fs::create_dir_all(work_dir)
                .map_err(|e| format!("cannot create {}: {e}", work_dir.display()))?;
            let script = work_dir.join("wrk-report.lua");
            std::fs::write(&script, WRK_SCRIPT)
                .map_err(|e| format!("cannot write {}: {e}", script.display()))?;
            Ok(Tool::Wrk { bin, script })
        }
        (bin, _) => {
            let help = Command::new(&bin)
                .arg("--help")
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default();
            let flags = OhaFlags {
                output_format: help.contains("--output-format"),
                wait_ongoing: help.contains("--wait-ongoing-requests-after-deadline"),
            };
            Ok(Tool::Oha { bin, flags })
        }
    }
}

/// `name` on the `PATH`, or in `extra`.
fn which(name: &str, extra: &Path) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(std::iter::once(extra.to_path_buf()))
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn install_wrk() -> Result<PathBuf> {
    println!("  installing wrk: apt-get install -y wrk");
    let log = logs_dir()?.join("install-wrk.log");
    let install = || run_logged(Command::new("apt-get").args(["install", "-y", "wrk"]), &log);
    install()
        .or_else(|_| {
            run_logged(Command::new("apt-get").arg("update"), &log)?;
            install()
        })
        .map_err(|e| format!("cannot install wrk ({e}; log: {})", log.display()))?;
    which("wrk", Path::new("/usr/bin"))
        .ok_or_else(|| "wrk was installed but is not on the PATH".into())
}

fn install_oha(bin_dir: &Path) -> Result<PathBuf> {
    let root = bin_dir.parent().unwrap_or(bin_dir);
    let log = logs_dir()?.join("install-oha.log");
    println!(
        "  installing oha: cargo install oha --locked --root {} (several minutes; log: {})",
        root.display(),
        log.display()
    );
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    run_logged(
        Command::new(cargo)
            .args(["install", "oha", "--locked", "--root"])
            .arg(root),
        &log,
    )?;
    let bin = bin_dir.join("oha");
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!("`cargo install oha` left no {}", bin.display()))
    }
}

/// Reads the line [`WRK_SCRIPT`] prints.
fn parse_wrk(out: &str) -> Option<Measured> {
    let line = out.lines().find_map(|l| l.strip_prefix("KEYWAY-RESULT "))?;
    let field = |name: &str| -> Option<f64> {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))?
            .parse()
            .ok()
    };
    let requests = field("requests")?;
    let duration_us = field("duration_us")?;
    Some(Measured {
        requests: requests as u64,
        rps: if duration_us > 0.0 {
            requests / (duration_us / 1e6)
        } else {
            0.0
        },
        p50_us: field("p50_us")?,
        p99_us: field("p99_us")?,
        errors: (field("socket_errors")? + field("status_errors")?) as u64,
        cpu_us_per_request: None,
    })
}

/// Reads oha's JSON report.
fn parse_oha(out: &str) -> Option<Measured> {
    let summary = object(out, "summary")?;
    let percentiles = object(out, "latencyPercentiles")?;
    let statuses = object(out, "statusCodeDistribution")?;
    let mut requests = 0u64;
    let mut errors = 0u64;
    for (code, count) in pairs(statuses) {
        requests += count as u64;
        if !(code.starts_with('2') || code.starts_with('3')) {
            errors += count as u64;
        }
    }
    if let Some(failed) = object(out, "errorDistribution") {
        for (what, count) in pairs(failed) {
            // In-flight requests cut off when the run ends are not failures.
            if !what.contains("deadline") {
                errors += count as u64;
            }
        }
    }
    Some(Measured {
        requests,
        rps: number(summary, "requestsPerSec")?,
        p50_us: number(percentiles, "p50")? * 1e6,
        p99_us: number(percentiles, "p99")? * 1e6,
        errors,
        cpu_us_per_request: None,
    })
}

/// The text of the JSON object that is the value of `"key"`.
fn object<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let pattern = format!("\"{key}\"");
    let start = json.find(&pattern)? + pattern.len();
    let rest = json[start..].trim_start().strip_prefix(':')?.trim_start();
    if !rest.starts_with('{') {
        return None;
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, c) in rest.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '{' if !in_string => depth += 1,
            '}' if !in_string => {
                depth -= 1;
                if depth == 0 {
                    return Some(&rest[..=i]);
                }
            }
            _ => {}
        }
    }
    None
}

/// The number that is the value of `"key"` in a flat object.
fn number(object: &str, key: &str) -> Option<f64> {
    pairs(object).find(|(k, _)| k == key).map(|(_, v)| v)
}

/// The `"key": number` pairs of a flat object (others are skipped).
fn pairs(object: &str) -> impl Iterator<Item = (String, f64)> + '_ {
    let inner = object
        .trim()
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .unwrap_or("");
    split_top_level(inner).into_iter().filter_map(|pair| {
        let (k, v) = pair.split_once("\":")?;
        let key = k.trim().strip_prefix('"')?.to_owned();
        Some((key, v.trim().parse().ok()?))
    })
}

/// Splits at the commas outside strings.
fn split_top_level(s: &str) -> Vec<&str> {
    let (mut out, mut start, mut in_string, mut escaped) = (Vec::new(), 0, false, false);
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            ',' if !in_string => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_wrk_script_line() {
        let out = "Running 10s test\nKEYWAY-RESULT requests=1000 duration_us=2000000 \
                   socket_errors=1 status_errors=2 p50_us=250.0 p99_us=1200.5\n";
        let m = parse_wrk(out).unwrap();
        assert_eq!(m.requests, 1000);
        assert!((m.rps - 500.0).abs() < 1e-9);
        assert_eq!(m.errors, 3);
        assert!((m.p99_us - 1200.5).abs() < 1e-9);
        assert!(parse_wrk("no result").is_none());
    }

    #[test]
    fn reads_an_oha_report() {
        let out = r#"{"summary":{"successRate":1.0,"requestsPerSec":1234.5},
            "rps":{"percentiles":{"p50":9.0}},
            "latencyPercentiles":{"p10":0.0001,"p50":0.0002,"p99":0.0015,"p99.9":0.002},
            "statusCodeDistribution":{"200":990,"500":10},
            "errorDistribution":{"aborted due to deadline":16,"connection reset":2}}"#;
        let m = parse_oha(out).unwrap();
        assert!((m.rps - 1234.5).abs() < 1e-9);
        assert!((m.p50_us - 200.0).abs() < 1e-6);
        assert!((m.p99_us - 1500.0).abs() < 1e-6);
        assert_eq!(m.requests, 1000);
        assert_eq!(m.errors, 12);
    }
}
