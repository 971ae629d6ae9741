//! Capturing `tracing` output as text.

use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

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

/// Captures what `tracing` logs on the current thread, as the plain text a
/// `tracing_subscriber::fmt` subscriber writes (INFO and above, no colours,
/// one line per event with its fields), until it is dropped.
///
/// The subscriber is the thread's default, so only events of this thread
/// are seen: run async tests on a current-thread runtime
/// (`#[tokio::test(flavor = "current_thread")]`), or make sure the code
/// under test runs on the test's own thread.
///
/// ```
/// let logs = keyway_testkit::support::LogCapture::start();
/// tracing::error!(code = "SOME_CODE", "it failed");
/// assert!(logs.take().contains("SOME_CODE"));
/// assert_eq!(logs.text(), "", "take() empties the buffer");
/// ```
pub struct LogCapture {
    buffer: Buffer,
    _guard: DefaultGuard,
}

impl LogCapture {
    /// Starts capturing; the thread's previous subscriber comes back when
    /// the capture is dropped.
    pub fn start() -> Self {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .finish();
        Self {
            buffer,
            _guard: tracing::subscriber::set_default(subscriber),
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

impl std::fmt::Debug for LogCapture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogCapture").finish_non_exhaustive()
    }
}
