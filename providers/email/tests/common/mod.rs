//! Shared test support: the SMTP sink started by `cargo xtask services`
//! (messages as `.eml` files), and the email steps of keyway-testkit's
//! cookie-keeping browser over `Auth::handle`.
//!
//! Tests that need the sink are skipped with a notice when it is not
//! running, and fail instead when `KEYWAY_REQUIRE_SERVICES=1` (as in CI).
#![allow(dead_code)]

use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use keyway_core::{Auth, Provider};
use keyway_email::SmtpConfig;
use keyway_memory::MemoryAdapter;
pub use keyway_testkit::support::{Browser, Resp};

pub const SECRET: &str = "email-test-secret-that-is-long-enough-0123456789";
pub const ORIGIN: &str = "http://127.0.0.1:3000";
pub const FROM: &str = "keyway tests <no-reply@keyway.test>";

/// The sink's ports (see xtask/src/services/smtp.rs).
pub const PLAIN_PORT: u16 = 2525;
pub const STARTTLS_PORT: u16 = 2587;
pub const TLS_PORT: u16 = 2465;
pub const SINK_USER: &str = "keyway";
pub const SINK_PASSWORD: &str = "keyway-test-password";

fn port_open(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok()
}

/// The running SMTP sink.
pub struct Sink {
    dir: PathBuf,
}

/// The sink, or `None` (with a notice) when it is not running and services
/// are not required.
pub fn sink(test: &str) -> Option<Sink> {
    let dir = match std::env::var_os("KEYWAY_SMTP_SINK_DIR") {
        Some(d) => PathBuf::from(d),
        None => {
            PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/keyway/smtp-sink")
        }
    };
    if port_open(PLAIN_PORT) && dir.join("mail").is_dir() {
        return Some(Sink { dir });
    }
    let required = std::env::var("KEYWAY_REQUIRE_SERVICES").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{test}: the SMTP sink (127.0.0.1:{PLAIN_PORT}, mail in {}) is required \
         (KEYWAY_REQUIRE_SERVICES=1) but not running: run `cargo xtask services`",
        dir.display()
    );
    eprintln!(
        "SKIPPED {test}: no SMTP sink on 127.0.0.1:{PLAIN_PORT}; `cargo xtask services` starts it"
    );
    None
}

impl Sink {
    /// The sink's test CA, to trust on the TLS ports.
    pub fn ca_pem(&self) -> Vec<u8> {
        std::fs::read(self.dir.join("ca.pem")).expect("the sink's ca.pem")
    }

    /// Every message delivered to `to` so far, oldest first.
    pub fn messages_to(&self, to: &str) -> Vec<Mail> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.join("mail"))
            .expect("mail dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        names
            .into_iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .map(|raw| Mail::parse(&raw))
            .filter(|m| m.header("X-Sink-Rcpt-To").is_some_and(|r| r == to))
            .collect()
    }

    /// Waits for the first message to `to` and returns its one-time code.
    pub async fn first_code(&self, to: &str) -> String {
        self.wait_for(to, 1)
            .await
            .remove(0)
            .code()
            .expect("the message carries a code")
    }

    /// Waits (up to 10 s) until `n` messages to `to` arrived; returns them.
    pub async fn wait_for(&self, to: &str, n: usize) -> Vec<Mail> {
        let start = Instant::now();
        loop {
            let got = self.messages_to(to);
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{} message(s) to {to} after 10 s, expected {n}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A delivered message: headers and decoded text and HTML parts.
#[derive(Debug, Clone)]
pub struct Mail {
    pub headers: Vec<(String, String)>,
    pub text: String,
    pub html: String,
}

fn split_head(s: &str) -> (&str, &str) {
    s.split_once("\r\n\r\n")
        .or_else(|| s.split_once("\n\n"))
        .unwrap_or((s, ""))
}

fn parse_headers(head: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    out
}

fn decode_qp(s: &str) -> String {
    let s = s.replace("=\r\n", "").replace("=\n", "");
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 3 <= bytes.len()
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).expect("utf-8 part")
}

fn decode_part(headers: &[(String, String)], body: &str) -> String {
    let encoding = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("Content-Transfer-Encoding"))
        .map(|(_, v)| v.to_ascii_lowercase())
        .unwrap_or_default();
    match encoding.as_str() {
        "quoted-printable" => decode_qp(body),
        "base64" => {
            use base64::Engine as _;
            let clean: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(clean)
                .expect("base64 part");
            String::from_utf8(bytes).expect("utf-8 part")
        }
        _ => body.to_owned(),
    }
}

impl Mail {
    pub fn parse(raw: &str) -> Self {
        let (head, body) = split_head(raw);
        let headers = parse_headers(head);
        let content_type = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("Content-Type"))
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let boundary = content_type
            .split("boundary=")
            .nth(1)
            .map(|b| b.trim_matches('"').to_owned())
            .expect("a multipart message");
        let (mut text, mut html) = (String::new(), String::new());
        for part in body.split(&format!("--{boundary}")).skip(1) {
            let (ph, pb) = split_head(part.trim_start_matches(['\r', '\n']));
            let part_headers = parse_headers(ph);
            let ct = part_headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("Content-Type"))
                .map(|(_, v)| v.to_ascii_lowercase())
                .unwrap_or_default();
            let decoded = decode_part(&part_headers, pb);
            if ct.starts_with("text/plain") {
                text = decoded;
            } else if ct.starts_with("text/html") {
                html = decoded;
            }
        }
        Self {
            headers,
            text,
            html,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The sign-in link of the text part.
    pub fn link(&self) -> String {
        self.text
            .lines()
            .find(|l| l.starts_with(ORIGIN))
            .expect("a link in the text part")
            .trim()
            .to_owned()
    }

    /// The one-time code of the text part, if any.
    pub fn code(&self) -> Option<String> {
        self.text
            .lines()
            .find_map(|l| l.strip_prefix("Or enter this code on the sign-in page: "))
            .map(|c| c.trim().to_owned())
    }
}

/// A fresh address, so tests sharing the sink never see each other's mail.
pub fn unique_address(tag: &str) -> String {
    format!("{tag}-{}@example.com", keyway_core::random::hex(6))
}

/// The sink's plain port.
pub fn plain_smtp() -> SmtpConfig {
    SmtpConfig::from_url(&format!("smtp://127.0.0.1:{PLAIN_PORT}"), FROM).expect("smtp url")
}

/// A port nothing listens on (bound, then closed).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}

pub fn auth(provider: impl Into<Provider>, memory: &MemoryAdapter) -> Auth {
    Auth::builder()
        .secret(SECRET)
        .url(ORIGIN)
        .adapter(Arc::new(memory.clone()))
        .provider(provider)
        .build()
        .expect("config")
}

pub fn path_of(url: &str) -> String {
    url.strip_prefix(ORIGIN).expect("on the site").to_owned()
}

/// The email steps of a browser.
pub trait EmailSteps {
    /// Posts the email sign-in form; returns the response.
    async fn request_email(&mut self, address: &str, callback: &str) -> Resp;
    /// Posts a one-time code from the verify-request page.
    async fn post_code(&mut self, address: &str, code: &str) -> Resp;
}

impl EmailSteps for Browser {
    async fn request_email(&mut self, address: &str, callback: &str) -> Resp {
        let csrf = self.csrf().await;
        self.post_form(
            "/api/auth/signin/email",
            &[
                ("csrfToken", csrf.as_str()),
                ("email", address),
                ("callbackUrl", callback),
            ],
        )
        .await
    }

    async fn post_code(&mut self, address: &str, code: &str) -> Resp {
        let csrf = self.csrf().await;
        self.post_form(
            "/api/auth/callback/email",
            &[
                ("csrfToken", csrf.as_str()),
                ("email", address),
                ("code", code),
            ],
        )
        .await
    }
}

pub fn verification_url() -> String {
    format!("{ORIGIN}/api/auth/error?error=Verification")
}

pub fn email_signin_url() -> String {
    format!("{ORIGIN}/api/auth/signin?error=EmailSignin")
}
