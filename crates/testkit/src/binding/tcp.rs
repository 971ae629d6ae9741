//! [`OverTcp`]: a binding's app reached over a real socket, for any
//! framework that can serve on a local address.

use std::net::SocketAddr;
use std::sync::Mutex;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

use super::BindingUnderTest;

type Stop = Box<dyn FnOnce() + Send>;

/// An app served on `addr` by its framework's own server; each request goes
/// over a new HTTP/1.1 connection, as the suite's browser would send it.
///
/// `stop` runs when the value is dropped (abort the server task, stop the
/// framework's server handle, ...), so every suite case leaves nothing
/// running behind it.
///
/// ```no_run
/// # async fn demo(addr: std::net::SocketAddr, server: tokio::task::JoinHandle<()>) {
/// use keyway_testkit::binding::OverTcp;
/// let app = OverTcp::new(addr, move || server.abort());
/// # }
/// ```
pub struct OverTcp {
    addr: SocketAddr,
    stop: Mutex<Option<Stop>>,
}

impl OverTcp {
    /// The app listening on `addr`; `stop` shuts its server down.
    pub fn new(addr: SocketAddr, stop: impl FnOnce() + Send + 'static) -> Self {
        Self {
            addr,
            stop: Mutex::new(Some(Box::new(stop))),
        }
    }

    /// Where the app listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    async fn exchange(&self, request: Request<Bytes>) -> Result<Response<Bytes>, String> {
        let stream = tokio::net::TcpStream::connect(self.addr)
            .await
            .map_err(|e| format!("connect to {}: {e}", self.addr))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake with {}: {e}", self.addr))?;
        tokio::spawn(connection);
        let response = sender
            .send_request(request.map(Full::new))
            .await
            .map_err(|e| format!("request to {}: {e}", self.addr))?;
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| format!("response body from {}: {e}", self.addr))?
            .to_bytes();
        Ok(Response::from_parts(parts, body))
    }
}

impl Drop for OverTcp {
    fn drop(&mut self) {
        let stop = self
            .stop
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(stop) = stop {
            stop();
        }
    }
}

#[async_trait::async_trait]
impl BindingUnderTest for OverTcp {
    async fn send(&self, request: Request<Bytes>) -> Response<Bytes> {
        match self.exchange(request).await {
            Ok(response) => response,
            // A transport failure is the binding's fault: answer it as a 502
            // whose body says why, so the case that sent it fails with the
            // reason instead of a panic somewhere in the suite.
            Err(why) => {
                let mut response = Response::new(Bytes::from(format!("transport error: {why}")));
                *response.status_mut() = StatusCode::BAD_GATEWAY;
                response
            }
        }
    }

    async fn socket_addr(&self) -> Option<SocketAddr> {
        Some(self.addr)
    }
}
