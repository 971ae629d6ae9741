//! One thread per SQLite connection, for its blocking work.
//!
//! diesel's SQLite connection is synchronous; diesel-async runs each of its
//! operations on tokio's blocking pool by default. Under load that pool
//! grows far past the number of connections (a finished thread is not yet
//! idle when the next operation arrives, so another is started): a bench
//! at 64 connections with a pool of eight ran some sixty threads, each
//! with its own allocator arena and stack. Here each pooled connection
//! instead owns one thread that runs its operations in order, so a pool of
//! `n` connections uses `n` threads, and each thread ends with its
//! connection.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, PoisonError, mpsc};
use std::task::{Context, Poll};

use diesel_async::sync_connection_wrapper::SpawnBlocking;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

type Job = Box<dyn FnOnce() + Send>;

/// The [`SpawnBlocking`] runtime of one SQLite connection: a thread of its
/// own, started with the connection and ended with it, that runs the
/// connection's operations in order. See
/// [`SqliteConnection`](crate::SqliteConnection).
pub struct SqliteThread {
    jobs: mpsc::Sender<Job>,
}

/// Why an operation got no answer from the connection's thread.
#[derive(Debug)]
enum ThreadGone {
    NotStarted,
    Stopped,
}

impl fmt::Display for ThreadGone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotStarted => "the SQLite connection's thread could not be started",
            Self::Stopped => "the SQLite connection's thread stopped during the operation",
        })
    }
}

impl Error for ThreadGone {}

impl SpawnBlocking for SqliteThread {
    fn spawn_blocking<'a, R>(
        &mut self,
        task: impl FnOnce() -> R + Send + 'static,
    ) -> BoxFuture<'a, Result<R, Box<dyn Error + Send + Sync + 'static>>>
    where
        R: Send + 'static,
    {
        let (done, answer) = tokio::sync::oneshot::channel();
        let finished = Arc::new(Finished::default());
        let on_finish = SetOnDrop(Arc::clone(&finished));
        let job: Job = Box::new(move || {
            // Set once the operation and everything it holds (the shared
            // connection among them) are gone, even if it panics.
            let _finish = on_finish;
            // The caller may have stopped waiting: nothing to tell then.
            let _ = done.send(task());
        });
        if self.jobs.send(job).is_err() {
            return Box::pin(std::future::ready(Err(
                Box::new(ThreadGone::NotStarted) as Box<dyn Error + Send + Sync>
            )));
        }
        Box::pin(Answer {
            answer,
            finished,
            answered: false,
        })
    }

    fn get_runtime() -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        let started = std::thread::Builder::new()
            .name("keyway-diesel-sqlite".to_owned())
            .spawn(move || run(&queue));
        if let Err(e) = started {
            // The queue's receiver is gone with the closure: every operation
            // on this connection fails with `NotStarted`, none panics.
            tracing::error!(error = %e, "keyway-diesel: could not start a SQLite connection's thread");
        }
        Self { jobs }
    }
}

/// Whether a queued operation has finished.
#[derive(Default)]
struct Finished {
    done: Mutex<bool>,
    changed: Condvar,
}

impl Finished {
    fn wait(&self) {
        let mut done = self.done.lock().unwrap_or_else(PoisonError::into_inner);
        while !*done {
            done = self
                .changed
                .wait(done)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// Marks its operation finished when dropped.
struct SetOnDrop(Arc<Finished>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        *self.0.done.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.0.changed.notify_all();
    }
}

/// The answer of one operation.
///
/// Dropped before the answer came (the request was cancelled), it waits for
/// the operation to finish: the pool takes the connection back when the
/// caller lets it go, and diesel-async refuses (panics on) a connection an
/// operation still holds. The wait cannot deadlock: the operation runs on
/// the connection's own thread, not on the runtime's.
struct Answer<R> {
    answer: tokio::sync::oneshot::Receiver<R>,
    finished: Arc<Finished>,
    answered: bool,
}

impl<R> Future for Answer<R> {
    type Output = Result<R, Box<dyn Error + Send + Sync + 'static>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let polled = Pin::new(&mut self.answer).poll(cx);
        match polled {
            Poll::Ready(answer) => {
                self.answered = true;
                Poll::Ready(answer.map_err(|_| Box::new(ThreadGone::Stopped) as _))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<R> Drop for Answer<R> {
    fn drop(&mut self) {
        if self.answered {
            return;
        }
        let finished = &self.finished;
        match tokio::runtime::Handle::try_current() {
            // Let the worker's other tasks move on while it waits.
            Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(|| finished.wait());
            }
            _ => finished.wait(),
        }
    }
}

/// Runs the connection's operations until the connection is dropped. A
/// panicking operation fails alone (its caller sees `Stopped`); the thread
/// goes on with the next.
fn run(queue: &mpsc::Receiver<Job>) {
    while let Ok(job) = queue.recv() {
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
            tracing::error!("keyway-diesel: a SQLite operation panicked");
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use std::cell::RefCell;
    use std::time::Duration;

    use super::*;

    /// Sends once when dropped: kept in a thread-local, it tells when its
    /// thread exits.
    struct OnExit(mpsc::Sender<()>);

    impl Drop for OnExit {
        fn drop(&mut self) {
            let _ = self.0.send(());
        }
    }

    thread_local! {
        static EXIT: RefCell<Option<OnExit>> = const { RefCell::new(None) };
    }

    /// A cancelled operation's answer waits, when dropped, until the
    /// operation is over: the pool must not get the connection back while
    /// the operation still holds it.
    async fn dropping_an_answer_waits_for_its_operation() {
        let mut thread = SqliteThread::get_runtime();
        let over = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let seen = Arc::clone(&over);
        let answer = thread.spawn_blocking(move || {
            std::thread::sleep(Duration::from_millis(200));
            seen.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        drop(answer);
        assert!(over.load(std::sync::atomic::Ordering::SeqCst));
        // An answer already received does not wait again.
        assert_eq!(thread.spawn_blocking(|| 1).await.unwrap(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cancelled_operation_is_waited_for_on_a_multi_thread_runtime() {
        dropping_an_answer_waits_for_its_operation().await;
    }

    #[tokio::test]
    async fn a_cancelled_operation_is_waited_for_on_a_current_thread_runtime() {
        dropping_an_answer_waits_for_its_operation().await;
    }

    #[tokio::test]
    async fn operations_run_on_one_thread_that_ends_with_the_connection() {
        let mut thread = SqliteThread::get_runtime();
        let first = thread.spawn_blocking(|| std::thread::current().id());
        let second = thread.spawn_blocking(|| std::thread::current().id());
        let (a, b) = (first.await.unwrap(), second.await.unwrap());
        assert_eq!(a, b);
        assert_ne!(a, std::thread::current().id());
        // A panicking operation fails alone.
        let failed = thread.spawn_blocking(|| -> u8 { panic!("boom") }).await;
        assert!(failed.is_err());
        assert_eq!(thread.spawn_blocking(|| 7).await.unwrap(), 7);
        // Dropping the runtime (the connection) ends the thread.
        let (tx, rx) = mpsc::channel();
        thread
            .spawn_blocking(move || EXIT.with(|e| *e.borrow_mut() = Some(OnExit(tx))))
            .await
            .unwrap();
        assert!(rx.try_recv().is_err(), "the thread is still running");
        drop(thread);
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(()));
    }
}
