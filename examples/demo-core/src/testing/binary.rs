//! The demo binary as README starts it, and a browser in miniature that
//! talks to it over real HTTP.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout};

use super::DemoBinary;

/// The demo binary on a free port with its own data directory, given only
/// the variables passed to [`Demo::start`]. Killed on drop.
pub struct Demo {
    child: Child,
    stdout: Lines<BufReader<ChildStdout>>,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// What it printed before "Press Ctrl-C to stop.".
    pub banner: String,
    dir: PathBuf,
}

impl Demo {
    /// Starts the binary with `env` (and `PATH`, `PORT`, `DEMO_DATA_DIR`,
    /// `RUST_LOG`) as its whole environment; waits for its banner.
    pub async fn start(bin: DemoBinary, env: &[(&str, &str)]) -> Demo {
        Demo::start_in(bin, bin.temp_dir("data"), env).await
    }

    /// [`Demo::start`] with `dir` as `DEMO_DATA_DIR` (kept from an earlier
    /// start, say).
    pub async fn start_in(bin: DemoBinary, dir: PathBuf, env: &[(&str, &str)]) -> Demo {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cmd = tokio::process::Command::new(bin.path);
        cmd.env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        let mut child = cmd
            .env("PORT", port.to_string())
            .env("DEMO_DATA_DIR", &dir)
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut demo = Demo {
            child,
            stdout,
            port,
            banner: String::new(),
            dir,
        };
        let mut banner = String::new();
        let line = demo
            .next_line_where(Duration::from_secs(60), |line| {
                banner.push_str(line);
                banner.push('\n');
                line.starts_with("Press Ctrl-C")
            })
            .await;
        assert!(
            line.is_some(),
            "the demo did not start serving within 60 s; it printed:\n{banner}"
        );
        demo.banner = banner;
        demo
    }

    /// The demo's origin.
    pub fn site(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Reads the demo's standard output until a line satisfies `want`
    /// (`None`: the output ended or `timeout` passed first).
    pub async fn next_line_where(
        &mut self,
        timeout: Duration,
        mut want: impl FnMut(&str) -> bool,
    ) -> Option<String> {
        let read = async {
            while let Some(line) = self.stdout.next_line().await.unwrap() {
                if want(&line) {
                    return Some(line);
                }
            }
            None
        };
        tokio::time::timeout(timeout, read).await.ok().flatten()
    }

    /// Its process id (`None` once it has exited).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Its data directory.
    pub fn data_dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Stops the demo and keeps its data directory, which it returns.
    pub async fn stop_keeping_data(mut self) -> PathBuf {
        self.child.kill().await.unwrap();
        std::mem::take(&mut self.dir)
    }

    /// Stops the demo and removes its data directory.
    pub async fn stop(mut self) {
        self.child.kill().await.unwrap();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An answer.
pub struct Reply {
    /// Its status.
    pub status: StatusCode,
    /// Its `Location`, or empty.
    pub location: String,
    /// Its body.
    pub body: String,
}

/// A browser in miniature over real HTTP: one cookie jar.
pub struct Client {
    port: u16,
    cookies: Vec<(String, String)>,
}

impl Client {
    /// A client of the demo on `port`, without cookies.
    pub fn new(port: u16) -> Client {
        Client {
            port,
            cookies: Vec::new(),
        }
    }

    async fn send(&mut self, request: http::request::Builder, accept: &str, body: String) -> Reply {
        let stream = tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .unwrap();
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .unwrap();
        tokio::spawn(conn);
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let request = request
            .header(header::HOST, format!("127.0.0.1:{}", self.port))
            .header(header::ACCEPT, accept)
            .header(header::COOKIE, cookie.join("; "))
            .body(http_body_util::Full::new(Bytes::from(body)))
            .unwrap();
        let response = sender.send_request(request).await.unwrap();
        for set in response.headers().get_all(header::SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(k, _)| k != name);
            if !value.is_empty() {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            location,
            body: String::from_utf8(body.to_vec()).unwrap(),
        }
    }

    /// `GET path` as a browser.
    pub async fn get(&mut self, path: &str) -> Reply {
        self.get_as(path, "text/html").await
    }

    /// `GET path` with `accept` as its `Accept` header.
    pub async fn get_as(&mut self, path: &str, accept: &str) -> Reply {
        self.send(Request::get(path), accept, String::new()).await
    }

    /// `POST path` with a form body.
    pub async fn post(&mut self, path: &str, form: String) -> Reply {
        let request =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        self.send(request, "text/html", form).await
    }

    /// A CSRF token (and its cookie, kept in the jar).
    pub async fn csrf(&mut self) -> String {
        let reply = self.get("/api/auth/csrf").await;
        let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        json["csrfToken"].as_str().unwrap().to_owned()
    }

    /// The same browser (its cookies) talking to the demo on `port`: the
    /// next instance behind a load balancer.
    pub fn on(&self, port: u16) -> Client {
        Client {
            port,
            cookies: self.cookies.clone(),
        }
    }

    /// A cookie's value.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}
