//! The binding suite's app on rocket, and two ways to send it requests: in
//! process (rocket's asynchronous local client) and over a real TCP socket
//! (keyway-testkit's [`OverTcp`]).
#![allow(dead_code, clippy::unwrap_used)]

use std::net::Ipv4Addr;
use std::str::FromStr;

use bytes::Bytes;
use http::{Request, Response};
use keyway_core::Auth;
use keyway_rocket::{CurrentUser, OptionalSession, RequireSession};
use keyway_testkit::binding::{ANONYMOUS, BindingUnderTest, OverTcp, PUBLIC};
use rocket::config::{Config, LogLevel, Shutdown};
use rocket::fairing::AdHoc;
use rocket::http::{Header, Method};
use rocket::local::asynchronous::Client;
use rocket::{Build, Rocket, get, routes};
use tokio::sync::OnceCell;

#[get("/protected")]
fn protected(s: RequireSession) -> String {
    s.user.email.clone().unwrap_or_default()
}

#[get("/whoami")]
fn whoami(s: OptionalSession) -> String {
    s.user()
        .and_then(|u| u.email.clone())
        .unwrap_or_else(|| ANONYMOUS.to_owned())
}

#[get("/me")]
fn me(u: CurrentUser) -> String {
    u.name.clone().unwrap_or_default()
}

#[get("/user-id")]
fn user_id(s: RequireSession) -> String {
    let id = s.user_id().unwrap_or_default().to_owned();
    match &s.session_token {
        Some(token) => format!("{id} {}", token.as_str()),
        None => id,
    }
}

#[get("/public")]
fn public() -> &'static str {
    PUBLIC
}

/// Rocket's settings for the tests, in code (no Rocket.toml, no
/// `ROCKET_*`): quiet, any free port on 127.0.0.1, no signal handlers, a
/// short shutdown.
pub fn config() -> Config {
    Config {
        address: Ipv4Addr::LOCALHOST.into(),
        port: 0,
        log_level: LogLevel::Off,
        shutdown: Shutdown {
            ctrlc: false,
            #[cfg(unix)]
            signals: Default::default(),
            grace: 1,
            mercy: 1,
            ..Shutdown::default()
        },
        ..Config::debug_default()
    }
}

/// The routes the suite expects, with keyway's fairing.
pub fn app(auth: Auth) -> Rocket<Build> {
    rocket::custom(config())
        .mount("/", routes![protected, whoami, me, user_id, public])
        .attach(keyway_rocket::fairing(auth))
}

/// Sends requests through rocket's asynchronous local client, untracked
/// (the suite's browser keeps the cookies). The client is made on the first
/// request, since making it ignites the rocket.
///
/// A request whose method rocket has no name for (`BREW`) cannot be
/// expressed through the local client: it goes to the same app served over
/// TCP, where rocket's server answers it.
pub struct InProcess {
    make: Box<dyn Fn() -> Rocket<Build> + Send + Sync>,
    client: OnceCell<Client>,
    twin: OnceCell<OverTcp>,
}

impl InProcess {
    /// The app `make` builds.
    pub fn new(make: impl Fn() -> Rocket<Build> + Send + Sync + 'static) -> Self {
        Self {
            make: Box::new(make),
            client: OnceCell::new(),
            twin: OnceCell::new(),
        }
    }
}

#[async_trait::async_trait]
impl BindingUnderTest for InProcess {
    async fn send(&self, request: Request<Bytes>) -> Response<Bytes> {
        let Ok(method) = Method::from_str(request.method().as_str()) else {
            let twin = self.twin.get_or_init(|| serve((self.make)())).await;
            return twin.send(request).await;
        };
        let client = self
            .client
            .get_or_init(|| async { Client::untracked((self.make)()).await.unwrap() })
            .await;
        let (parts, body) = request.into_parts();
        let mut local = client.req(method, parts.uri.to_string());
        for (name, value) in &parts.headers {
            // rocket keeps only UTF-8 header values (its server drops the
            // others the same way).
            if let Ok(value) = std::str::from_utf8(value.as_bytes()) {
                local.add_header(Header::new(name.as_str().to_owned(), value.to_owned()));
            }
        }
        let local = local.body(&body);
        let response = local.dispatch().await;
        let mut out = Response::builder().status(response.status().code);
        for header in response.headers().iter() {
            out = out.header(header.name().as_str(), header.value());
        }
        let body = response.into_bytes().await.unwrap_or_default();
        out.body(Bytes::from(body)).unwrap()
    }
}

/// Launches `rocket` on a free port of 127.0.0.1 and waits until it
/// listens; the returned client shuts it down when dropped.
pub async fn serve(rocket: Rocket<Build>) -> OverTcp {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let rocket = rocket.attach(AdHoc::on_liftoff("test address", move |rocket| {
        let listening = (
            std::net::SocketAddr::new(rocket.config().address, rocket.config().port),
            rocket.shutdown(),
        );
        Box::pin(async move {
            let _ = tx.send(listening);
        })
    }));
    tokio::spawn(async move {
        if let Err(e) = rocket.launch().await {
            panic!("rocket did not launch: {:?}", e.kind());
        }
    });
    let (addr, shutdown) = rx.await.expect("rocket did not lift off");
    OverTcp::new(addr, move || shutdown.notify())
}

/// The app for an engine, served over TCP on first use.
pub struct OverTcpLazily {
    make: Box<dyn Fn() -> Rocket<Build> + Send + Sync>,
    server: OnceCell<OverTcp>,
}

impl OverTcpLazily {
    /// The app `make` builds.
    pub fn new(make: impl Fn() -> Rocket<Build> + Send + Sync + 'static) -> Self {
        Self {
            make: Box::new(make),
            server: OnceCell::new(),
        }
    }
}

#[async_trait::async_trait]
impl BindingUnderTest for OverTcpLazily {
    async fn send(&self, request: Request<Bytes>) -> Response<Bytes> {
        let server = self.server.get_or_init(|| serve((self.make)())).await;
        server.send(request).await
    }

    async fn socket_addr(&self) -> Option<std::net::SocketAddr> {
        let server = self.server.get_or_init(|| serve((self.make)())).await;
        server.socket_addr().await
    }
}
