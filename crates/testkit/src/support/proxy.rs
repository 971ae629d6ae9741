//! [`TcpProxy`]: a TCP proxy between an adapter and its database that a
//! test can cut and restore, for faults that are real network failures.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A TCP proxy on `127.0.0.1:<some port>` to a target address. Point an
/// adapter at [`addr`](Self::addr) instead of the database, then
/// [`cut`](Self::cut) (every connection dropped, the port refusing) and
/// [`restore`](Self::restore) (listening again on the same port).
///
/// ```no_run
/// # async fn demo() {
/// use keyway_testkit::support::TcpProxy;
///
/// let proxy = TcpProxy::start("127.0.0.1:5432".parse().unwrap()).await;
/// let url = format!("postgres://postgres@{}/test", proxy.addr());
/// // ... connect an adapter to `url`, use it ...
/// proxy.cut();
/// // ... the database is gone ...
/// proxy.restore().await;
/// # }
/// ```
pub struct TcpProxy {
    addr: SocketAddr,
    target: SocketAddr,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl std::fmt::Debug for TcpProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpProxy")
            .field("addr", &self.addr)
            .field("target", &self.target)
            .finish()
    }
}

impl TcpProxy {
    /// Starts listening on a free local port, forwarding to `target`.
    ///
    /// # Panics
    ///
    /// When no local port can be bound.
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("proxy: cannot bind a local port: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("proxy: no local address: {e}"));
        let proxy = Self {
            addr,
            target,
            tasks: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    /// Where to connect instead of the target.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address the proxy forwards to.
    pub fn target(&self) -> SocketAddr {
        self.target
    }

    fn tasks(&self) -> std::sync::MutexGuard<'_, Vec<JoinHandle<()>>> {
        self.tasks.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn serve(&self, listener: TcpListener) {
        let target = self.target;
        let tasks = self.tasks.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let conn = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(conn);
            }
        });
        self.tasks().push(accept);
    }

    /// Drops every connection and stops listening.
    pub fn cut(&self) {
        for t in self.tasks().drain(..) {
            t.abort();
        }
    }

    /// Listens again on the same port.
    ///
    /// # Panics
    ///
    /// When the port cannot be bound again within five seconds.
    pub async fn restore(&self) {
        let mut last = None;
        for _ in 0..50 {
            match TcpListener::bind(self.addr).await {
                Ok(l) => return self.serve(l),
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("proxy: could not bind {} again: {last:?}", self.addr);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.cut();
    }
}
