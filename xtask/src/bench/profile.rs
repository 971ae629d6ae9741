//! "Where the time goes": a short callgrind profile of one scenario, told in
//! one line.
//!
//! The bench server is started again under `valgrind --tool=callgrind` with
//! instrumentation off, signed in and warmed up; instrumentation is turned
//! on (`callgrind_control -i on`) for a short load at 16 connections, the
//! profile dumped (`callgrind_control -d`), and `callgrind_annotate`'s
//! per-function (self) instruction counts are summed by component (the
//! crate, or libc's allocator and copies). Callgrind counts user-space
//! instructions exactly, whatever else the machine is doing, so the line is
//! repeatable on a loaded machine; it does not see the kernel's share
//! (sockets, `epoll`), which the CPU/req column does.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::load::Tool;
use super::server::Server;
use crate::Result;

/// What a profile found: instructions per request by component.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Profile {
    /// Requests served while instrumented.
    pub(crate) requests: u64,
    /// All user-space instructions while instrumented.
    pub(crate) total: u64,
    /// `(component, instructions)`, largest first.
    pub(crate) parts: Vec<(&'static str, u64)>,
    /// Calls to `malloc`, `calloc` and `realloc` while instrumented.
    pub(crate) allocations: Option<u64>,
}

impl Profile {
    /// One line: instructions per request, then the largest components.
    pub(crate) fn line(&self) -> String {
        let per = |ir: u64| ir as f64 / self.requests.max(1) as f64;
        let mut parts: Vec<String> = self
            .parts
            .iter()
            .take(7)
            .map(|(name, ir)| {
                format!(
                    "{name} {:.0}%",
                    *ir as f64 * 100.0 / self.total.max(1) as f64
                )
            })
            .collect();
        let shown: u64 = self.parts.iter().take(7).map(|(_, ir)| ir).sum();
        if self.total > shown {
            parts.push(format!(
                "rest {:.0}%",
                (self.total - shown) as f64 * 100.0 / self.total.max(1) as f64
            ));
        }
        let allocations = self
            .allocations
            .map_or(String::new(), |n| format!(", {:.0} allocations", per(n)));
        format!(
            "{} instructions/request in user space{allocations} (callgrind, {} requests): {}",
            kilo(per(self.total)),
            self.requests,
            parts.join(", ")
        )
    }
}

fn kilo(n: f64) -> String {
    if n >= 1000.0 {
        format!("{:.1}k", n / 1000.0)
    } else {
        format!("{n:.0}")
    }
}

/// Whether valgrind's callgrind tools are on the `PATH`.
pub(crate) fn available() -> bool {
    // callgrind_annotate answers `--version` with a non-zero status: that
    // it runs is enough.
    ["valgrind", "callgrind_control", "callgrind_annotate"]
        .iter()
        .all(|tool| Command::new(tool).arg("--version").output().is_ok())
}

/// What to profile.
pub(crate) struct Target<'a> {
    pub(crate) bin: &'a Path,
    pub(crate) mode: &'a str,
    pub(crate) extra: &'a [String],
    pub(crate) log: &'a Path,
    pub(crate) path: &'a str,
    pub(crate) signed_in: bool,
    /// A file-name-safe name, e.g. `session-jwt`.
    pub(crate) name: &'a str,
}

/// Profiles `target` (see the module docs); the raw profile is kept in
/// `out_dir` as `callgrind-<name>.out*`.
pub(crate) fn run(target: &Target<'_>, tool: &Tool, out_dir: &Path) -> Result<Profile> {
    let base = out_dir.join(format!("callgrind-{}.out", target.name));
    remove_dumps(&base);
    let prefix = vec![
        "valgrind".to_owned(),
        "--tool=callgrind".to_owned(),
        "--instr-atstart=no".to_owned(),
        format!("--callgrind-out-file={}", base.display()),
    ];
    let server = Server::start_with(&prefix, target.bin, target.mode, target.extra, target.log)?;
    let cookie = if target.signed_in {
        Some(super::signin::sign_in(server.addr)?)
    } else {
        None
    };
    let url = format!("http://{}{}", server.addr, target.path);
    tool.run(&url, cookie.as_deref(), 4, Duration::from_secs(3))?;
    control(server.pid(), "-i", "on")?;
    let measured = tool.run(&url, cookie.as_deref(), 16, Duration::from_secs(5))?;
    control(server.pid(), "-d", "bench")?;
    drop(server);
    if measured.requests == 0 {
        return Err("no request was answered under callgrind".into());
    }
    let dump = newest_dump(&base).ok_or("callgrind wrote no profile")?;
    let out = Command::new("callgrind_annotate")
        .arg("--threshold=100")
        .arg(&dump)
        .output()
        .map_err(|e| format!("cannot run callgrind_annotate: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "callgrind_annotate failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let (total, parts) = components(&String::from_utf8_lossy(&out.stdout));
    if total == 0 {
        return Err("the profile counted no instructions".into());
    }
    Ok(Profile {
        requests: measured.requests,
        total,
        parts,
        allocations: std::fs::read_to_string(&dump)
            .ok()
            .map(|text| allocation_calls(&text)),
    })
}

/// Calls to the allocator's entry points in a raw callgrind dump: the
/// `calls=` lines under a `cfn=` naming `malloc`, `calloc` or `realloc`
/// (names are compressed: `cfn=(id) name` the first time, `cfn=(id)` after).
fn allocation_calls(dump: &str) -> u64 {
    let mut names: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    let mut counting = false;
    let mut calls = 0;
    for line in dump.lines() {
        if let Some(rest) = line.strip_prefix("cfn=") {
            let (id, name) = match rest.split_once(' ') {
                Some((id, name)) => {
                    names.insert(id, name);
                    (id, Some(name))
                }
                None => (rest, None),
            };
            let name = name.or_else(|| names.get(id).copied()).unwrap_or("");
            counting = matches!(name, "malloc" | "calloc" | "realloc");
        } else if let Some(n) = line.strip_prefix("calls=") {
            if counting {
                calls += n
                    .split_whitespace()
                    .next()
                    .and_then(|n| n.parse::<u64>().ok())
                    .unwrap_or(0);
            }
            counting = false;
        } else if let Some(rest) = line.strip_prefix("fn=") {
            // The same ids name functions in `fn=` and `cfn=` lines.
            if let Some((id, name)) = rest.split_once(' ') {
                names.insert(id, name);
            }
            counting = false;
        }
    }
    calls
}

fn control(pid: u32, flag: &str, value: &str) -> Result {
    let out = Command::new("callgrind_control")
        .arg(flag)
        .arg(value)
        .arg(pid.to_string())
        .output()
        .map_err(|e| format!("cannot run callgrind_control: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "callgrind_control {flag} {value} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The dumps callgrind wrote for `base` (`base`, `base.1`, ...).
fn dumps(base: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(name)) = (base.parent(), base.file_name()) else {
        return Vec::new();
    };
    let name = name.to_string_lossy().into_owned();
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with(&name))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn remove_dumps(base: &Path) {
    for p in dumps(base) {
        let _ = std::fs::remove_file(p);
    }
}

/// The dump with the most content: the one `-d` wrote (the dump at exit, if
/// any, holds only what ran after it).
fn newest_dump(base: &Path) -> Option<PathBuf> {
    dumps(base)
        .into_iter()
        .max_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
}

/// The program total and the instructions by component, from
/// `callgrind_annotate` output.
fn components(annotated: &str) -> (u64, Vec<(&'static str, u64)>) {
    let mut total = 0;
    let mut parts: Vec<(&'static str, u64)> = Vec::new();
    for line in annotated.lines() {
        let line = line.trim();
        let Some((count, rest)) = line.split_once(' ') else {
            continue;
        };
        let Ok(ir) = count.replace(',', "").parse::<u64>() else {
            continue;
        };
        // `(12.34%)` after the count, in newer versions.
        let rest = rest.trim_start();
        let rest = match rest.strip_prefix('(') {
            Some(r) => r.split_once(')').map_or(r, |(_, after)| after).trim_start(),
            None => rest,
        };
        if rest.starts_with("PROGRAM TOTALS") {
            total = ir;
            continue;
        }
        let (function, object) = split_object(rest);
        let name = component(function, object);
        match parts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, sum)) => *sum += ir,
            None => parts.push((name, ir)),
        }
    }
    parts.sort_by_key(|p| std::cmp::Reverse(p.1));
    (total, parts)
}

/// `file:function [object]` → (`function`, `object`).
fn split_object(rest: &str) -> (&str, &str) {
    let (location, object) = match rest.rfind(" [") {
        Some(i) if rest.ends_with(']') => (&rest[..i], &rest[i + 2..rest.len() - 1]),
        _ => (rest, ""),
    };
    // The file part ends at the first single `:` (function names hold `::`).
    let bytes = location.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b':' {
            if bytes.get(i + 1) == Some(&b':') {
                i += 2;
                continue;
            }
            return (&location[i + 1..], object);
        }
        i += 1;
    }
    (location, object)
}

/// The component a function belongs to.
fn component(function: &str, object: &str) -> &'static str {
    let f = function.trim_start_matches(['<', '&', '*', ' ']);
    let f = f.strip_prefix("dyn ").unwrap_or(f);
    let f = f.strip_prefix("mut ").unwrap_or(f);
    let krate = f.split("::").next().unwrap_or(f);
    match krate {
        "sha2" | "hmac" | "digest" | "block_buffer" => "SHA-2/HMAC",
        "aes" | "cbc" | "aes_gcm" | "ctr" | "ghash" | "polyval" | "cipher" => "AES",
        "serde_json" | "serde" => "JSON",
        "keyway_core" => "keyway engine",
        "keyway_sea_orm" => "keyway-sea-orm",
        "keyway_diesel" => "keyway-diesel",
        "keyway_axum" => "keyway-axum",
        "tokio_postgres" | "postgres_protocol" | "postgres_types" => "tokio-postgres",
        k if k.starts_with("sqlx") => "sqlx",
        "sea_orm" | "sea_query" => "SeaORM",
        "hyper" | "hyper_util" | "httparse" | "http" | "http_body" | "h1" => "hyper/http",
        "axum" | "axum_core" | "tower" | "tower_service" | "matchit" => "axum/tower",
        "tokio" | "mio" => "tokio",
        "chrono" | "uuid" | "base64" | "url" | "form_urlencoded" | "percent_encoding" | "bytes" => {
            "chrono/base64/url/bytes"
        }
        "getrandom" | "rand" | "rand_core" => "randomness",
        "alloc" | "core" | "std" => "Rust std",
        _ if object.contains("libc.so") || object.contains("ld-linux") => {
            let name = function.trim_start_matches('_');
            if [
                "malloc",
                "free",
                "realloc",
                "calloc",
                "int_malloc",
                "int_free",
                "tcache",
            ]
            .iter()
            .any(|m| name.starts_with(m))
                || name.contains("malloc")
            {
                "malloc/free"
            } else if name.contains("memcpy") || name.contains("memmove") || name.contains("memset")
            {
                "memcpy/memset"
            } else {
                "libc (syscall wrappers)"
            }
        }
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANNOTATED: &str = "\
--------------------------------------------------------------------------------
Ir
--------------------------------------------------------------------------------
1,000,000 (100.0%)  PROGRAM TOTALS

--------------------------------------------------------------------------------
Ir                 file:function
--------------------------------------------------------------------------------
300,000 (30.00%)  ???:sha2::sha512::soft::compress [/t/keyway-bench-server]
200,000 (20.00%)  ???:<hyper::proto::h1::role::Server as hyper::proto::h1::Http1Transaction>::parse [/t/keyway-bench-server]
100,000 (10.00%)  ./malloc/malloc.c:_int_malloc [/usr/lib/x86_64-linux-gnu/libc.so.6]
 50,000 ( 5.00%)  ./string/../sysdeps/x86_64/multiarch/memmove-vec-unaligned-erms.S:__memcpy_avx_unaligned_erms [/usr/lib/x86_64-linux-gnu/libc.so.6]
 50,000 ( 5.00%)  ???:keyway_core::session::jwt::read::{{closure}} [/t/keyway-bench-server]
100,000 (10.00%)  ???:serde_json::de::from_slice [/t/keyway-bench-server]
200,000 (20.00%)  ???:tokio::runtime::scheduler::multi_thread::worker::Context::run [/t/keyway-bench-server]
";

    #[test]
    fn instructions_are_summed_by_component() {
        let (total, parts) = components(ANNOTATED);
        assert_eq!(total, 1_000_000);
        assert_eq!(parts[0], ("SHA-2/HMAC", 300_000));
        let get = |name| parts.iter().find(|(n, _)| *n == name).map(|(_, ir)| *ir);
        assert_eq!(get("hyper/http"), Some(200_000));
        assert_eq!(get("tokio"), Some(200_000));
        assert_eq!(get("malloc/free"), Some(100_000));
        assert_eq!(get("memcpy/memset"), Some(50_000));
        assert_eq!(get("keyway engine"), Some(50_000));
        assert_eq!(get("JSON"), Some(100_000));
        let summed: u64 = parts.iter().map(|(_, ir)| ir).sum();
        assert_eq!(summed, total);
    }

    #[test]
    fn allocator_calls_are_counted_from_the_raw_dump() {
        let dump = "\
fn=(1) main
cfn=(2) malloc
calls=3 0x1234
0x1 5
cfn=(3) free
calls=4 0x1
0x1 5
cfn=(2)
calls=2 0x1
0x1 5
fn=(4) other
cfn=(5) realloc
calls=1 0x1
0x1 2
fn=(6) calloc
0x1 9
fn=(7) again
cfn=(6)
calls=5 0x1
0x1 1
";
        assert_eq!(allocation_calls(dump), 11);
    }

    #[test]
    fn the_line_gives_instructions_per_request_and_shares() {
        let (total, parts) = components(ANNOTATED);
        let p = Profile {
            requests: 100,
            total,
            parts,
            allocations: Some(1234),
        };
        let line = p.line();
        assert!(line.starts_with("10.0k instructions/request"), "{line}");
        assert!(line.contains("12 allocations"), "{line}");
        assert!(line.contains("SHA-2/HMAC 30%"), "{line}");
        assert!(line.contains("100 requests"), "{line}");
    }
}
