//! Capturing `tracing` output as text.

use std::cell::RefCell;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use tracing::subscriber::DefaultGuard;

/// The shared buffer the subscriber writes into.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    fn lock(&self) -> MutexGuard<'_, Vec<u8>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.lock().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

thread_local! {
    /// The captures open on this thread, innermost last.
    static CAPTURES: RefCell<Vec<Buffer>> = const { RefCell::new(Vec::new()) };
}

/// Writes into the innermost capture of the writing thread, or nowhere.
struct ThreadWriter;

impl io::Write for ThreadWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        CAPTURES.with(|captures| {
            if let Some(buffer) = captures.borrow().last() {
                buffer.lock().extend_from_slice(buf);
            }
        });
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The subscriber every capture writes through.
fn subscriber<W>(writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish()
}

/// Installs, once per process, the global subscriber that routes each
/// thread's events to that thread's capture. `false` if the process already
/// has another global subscriber.
fn routed() -> bool {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    *INSTALLED.get_or_init(|| {
        tracing::subscriber::set_global_default(subscriber(|| ThreadWriter)).is_ok()
    })
}

/// Captures what `tracing` logs on the current thread, as the plain text a
/// `tracing_subscriber::fmt` subscriber writes (INFO and above, no colours,
/// one line per event with its fields), until it is dropped.
///
/// Only events of this thread are seen: run async tests on a current-thread
/// runtime (`#[tokio::test(flavor = "current_thread")]`), or make sure the
/// code under test runs on the test's own thread.
///
/// One process-wide subscriber routes every thread's events to that
/// thread's capture. (A subscriber per thread, set as the thread's default,
/// loses events now and then when tests run in parallel: `tracing` caches
/// per call site whether anyone listens, and another thread's answer can
/// stick.) Should the process already have a global subscriber, the capture
/// falls back to the thread's default.
///
/// ```
/// let logs = keyway_testkit::support::LogCapture::start();
/// tracing::error!(code = "SOME_CODE", "it failed");
/// assert!(logs.take().contains("SOME_CODE"));
/// assert_eq!(logs.text(), "", "take() empties the buffer");
/// ```
pub struct LogCapture {
    buffer: Buffer,
    /// Set when capturing through the thread's default subscriber.
    scoped: Option<DefaultGuard>,
}

impl LogCapture {
    /// Starts capturing; drop the capture to stop.
    pub fn start() -> Self {
        let buffer = Buffer::default();
        if routed() {
            CAPTURES.with(|captures| captures.borrow_mut().push(buffer.clone()));
            Self {
                buffer,
                scoped: None,
            }
        } else {
            let writer = buffer.clone();
            Self {
                scoped: Some(tracing::subscriber::set_default(subscriber(move || {
                    writer.clone()
                }))),
                buffer,
            }
        }
    }

    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer.lock()).into_owned()
    }

    /// Everything logged since the last `take`, and empties the buffer.
    pub fn take(&self) -> String {
        let mut buffer = self.buffer.lock();
        let text = String::from_utf8_lossy(&buffer).into_owned();
        buffer.clear();
        text
    }
}

impl Drop for LogCapture {
    fn drop(&mut self) {
        if self.scoped.is_none() {
            CAPTURES.with(|captures| {
                let mut captures = captures.borrow_mut();
                if let Some(i) = captures
                    .iter()
                    .rposition(|b| Arc::ptr_eq(&b.0, &self.buffer.0))
                {
                    captures.remove(i);
                }
            });
        }
    }
}

impl std::fmt::Debug for LogCapture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogCapture").finish_non_exhaustive()
    }
}
