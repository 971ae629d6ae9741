//! The bench server process: started with a mode, its address read from its
//! first line, its peak resident memory watched through `/proc`.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::Result;

/// How long the server may take to listen (PostgreSQL migrations included).
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// A running bench server; killed when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) addr: SocketAddr,
}

impl Server {
    /// Starts `bin <mode> <extra...>` with stderr appended to `log`.
    pub(crate) fn start(bin: &Path, mode: &str, extra: &[String], log: &Path) -> Result<Self> {
        Self::start_with(&[], bin, mode, extra, log)
    }

    /// [`start`](Self::start) under a wrapper: `prefix[0] prefix[1..] bin
    /// <mode> <extra...>` (e.g. valgrind).
    pub(crate) fn start_with(
        prefix: &[String],
        bin: &Path,
        mode: &str,
        extra: &[String],
        log: &Path,
    ) -> Result<Self> {
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| format!("cannot open log {}: {e}", log.display()))?;
        let mut command = match prefix.split_first() {
            Some((wrapper, args)) => {
                let mut c = Command::new(wrapper);
                c.args(args).arg(bin);
                c
            }
            None => Command::new(bin),
        };
        let mut child = command
            .arg(mode)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            return Err("the server's stdout is not readable".into());
        };
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(START_TIMEOUT).unwrap_or_default();
        let addr = line
            .strip_prefix("listening on http://")
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|a| a.parse().ok());
        match addr {
            Some(addr) => Ok(Self { child, addr }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!(
                    "the {mode} server did not start (see {})",
                    log.display()
                ))
            }
        }
    }

    /// The server's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Starts watching peak resident memory from now on.
    pub(crate) fn watch_memory(&self) -> MemoryWatch {
        MemoryWatch::start(self.child.id())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `/proc/<pid>/status` for the high-water mark of resident memory
/// (`VmHWM`), after resetting it (`/proc/<pid>/clear_refs` ← `5`) so that
/// the peak is that of the load that follows; and reads the CPU time the
/// process spent meanwhile (`/proc/<pid>/stat`), which background load on a
/// shared machine disturbs far less than throughput.
pub(crate) struct MemoryWatch {
    pid: u32,
    cpu_start: Option<u64>,
    stop: Arc<AtomicBool>,
    peak_kib: Arc<AtomicU64>,
    handle: Option<JoinHandle<()>>,
}

/// What a [`MemoryWatch`] saw.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Watched {
    /// Peak resident memory, KiB (0 if `/proc` could not be read).
    pub(crate) peak_kib: u64,
    /// User + system CPU time of the server, seconds.
    pub(crate) cpu_secs: Option<f64>,
}

/// Clock ticks per second of `/proc/<pid>/stat` (`USER_HZ`, 100 on Linux).
const TICKS_PER_SEC: f64 = 100.0;

/// utime + stime of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    cpu_ticks_from_stat(&stat)
}

/// Fields 14 and 15 of `/proc/<pid>/stat`, counted after the `(comm)` that
/// may itself hold spaces.
fn cpu_ticks_from_stat(stat: &str) -> Option<u64> {
    let after_comm = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_comm.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

impl MemoryWatch {
    fn start(pid: u32) -> Self {
        // Without the reset (old kernel, no permission) the peak is the
        // process's whole life, which is still an upper bound.
        let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
        let stop = Arc::new(AtomicBool::new(false));
        let peak_kib = Arc::new(AtomicU64::new(0));
        let handle = {
            let (stop, peak) = (stop.clone(), peak_kib.clone());
            thread::spawn(move || {
                let path = format!("/proc/{pid}/status");
                loop {
                    if let Some(kib) = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|s| peak_from_status(&s))
                    {
                        peak.fetch_max(kib, Ordering::Relaxed);
                    }
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    thread::sleep(Duration::from_millis(100));
                }
            })
        };
        Self {
            pid,
            cpu_start: cpu_ticks(pid),
            stop,
            peak_kib,
            handle: Some(handle),
        }
    }

    /// Stops watching.
    pub(crate) fn finish(mut self) -> Watched {
        let cpu_end = cpu_ticks(self.pid);
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        Watched {
            peak_kib: self.peak_kib.load(Ordering::Relaxed),
            cpu_secs: match (self.cpu_start, cpu_end) {
                (Some(a), Some(b)) => Some(b.saturating_sub(a) as f64 / TICKS_PER_SEC),
                _ => None,
            },
        }
    }
}

/// The larger of `VmHWM` and `VmRSS`, in KiB.
fn peak_from_status(status: &str) -> Option<u64> {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    match (field("VmHWM:"), field("VmRSS:")) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_peak_from_proc_status() {
        let status = "Name:\tx\nVmPeak:\t  99999 kB\nVmHWM:\t    8120 kB\nVmRSS:\t    7000 kB\n";
        assert_eq!(peak_from_status(status), Some(8120));
        assert_eq!(peak_from_status("Name:\tx\n"), None);
    }

    #[test]
    fn watches_this_process() {
        let watch = MemoryWatch::start(std::process::id());
        let until = std::time::Instant::now() + Duration::from_millis(150);
        let mut spin = 0u64;
        while std::time::Instant::now() < until {
            spin = spin.wrapping_add(1);
        }
        let seen = watch.finish();
        assert!(seen.peak_kib > 0);
        assert!(seen.cpu_secs.is_some_and(|s| s > 0.0), "{seen:?} {spin}");
    }

    #[test]
    fn reads_cpu_ticks_after_a_command_name_with_spaces() {
        let stat = "42 (a b) c) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0";
        assert_eq!(cpu_ticks_from_stat(stat), Some(300));
        assert_eq!(cpu_ticks_from_stat("42 (x) S 1"), None);
    }
}
