//! Test helpers: a browser that drives `Auth::handle` in-process and keeps
//! cookies, a second cookie-keeping HTTP client that walks the identity
//! provider's redirects, and log capture.
#![allow(dead_code)]

pub mod failing;
pub mod fake_idp;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use keyway_core::Auth;

pub const SECRET: &str = "test-secret-that-is-long-enough-0123456789";
pub const ORIGIN: &str = "http://127.0.0.1:3000";
/// The test OpenID provider started by `cargo xtask services`.
pub const ISSUER: &str = "http://127.0.0.1:4700";

/// Whether the test OpenID provider is up. Under `KEYWAY_REQUIRE_SERVICES=1`
/// (CI) a missing provider fails the test instead of skipping it.
pub async fn idp_up() -> bool {
    let up = tokio::net::TcpStream::connect("127.0.0.1:4700")
        .await
        .is_ok();
    if !up {
        assert!(
            std::env::var("KEYWAY_REQUIRE_SERVICES").as_deref() != Ok("1"),
            "the test OpenID provider is not running on {ISSUER}: run `cargo xtask services`"
        );
        eprintln!("skipped: no OpenID provider on {ISSUER} (run `cargo xtask services`)");
    }
    up
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("JSON body")
    }
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().expect("ascii").to_owned())
            .collect()
    }
}

/// The site's side of a browser: requests go to `Auth::handle`.
pub struct Browser {
    pub auth: Auth,
    pub jar: BTreeMap<String, String>,
}

impl Browser {
    pub fn new(auth: Auth) -> Self {
        Self {
            auth,
            jar: BTreeMap::new(),
        }
    }

    pub async fn send(&mut self, req: http::request::Builder, body: Bytes) -> Resp {
        let mut req = req;
        if !self.jar.is_empty() {
            let header = self
                .jar
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            req = req.header("cookie", header);
        }
        let res: Response<Bytes> = self.auth.handle(req.body(body).expect("request")).await;
        for v in res.headers().get_all("set-cookie") {
            let s = v.to_str().expect("ascii");
            let pair = s.split(';').next().unwrap_or_default();
            let (name, value) = pair.split_once('=').expect("name=value");
            if s.contains("Max-Age=0") {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_owned(), value.to_owned());
            }
        }
        let (parts, body) = res.into_parts();
        Resp {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8(body.to_vec()).expect("utf-8 body"),
        }
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.send(
            Request::builder().method(Method::GET).uri(path),
            Bytes::new(),
        )
        .await
    }

    pub async fn post_form(&mut self, path: &str, fields: &[(String, String)]) -> Resp {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.send(
            Request::builder()
                .method(Method::POST)
                .uri(path)
                .header("content-type", "application/x-www-form-urlencoded"),
            Bytes::from(body),
        )
        .await
    }

    /// `POST /signin/{provider}{query}` with a CSRF token; returns the
    /// authorization URL it redirects to.
    pub async fn start(&mut self, provider: &str, query: &str) -> String {
        let csrf = self.get("/api/auth/csrf").await.json()["csrfToken"]
            .as_str()
            .expect("csrf token")
            .to_owned();
        let r = self
            .post_form(
                &format!("/api/auth/signin/{provider}{query}"),
                &[
                    ("csrfToken".into(), csrf),
                    ("callbackUrl".into(), "/after".into()),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
        r.location().to_owned()
    }

    /// Delivers the identity provider's answer to the callback.
    pub async fn finish(&mut self, answer: &Answer) -> Resp {
        match answer {
            Answer::Get(path) => self.get(path).await,
            Answer::Post(path, fields) => self.post_form(path, fields).await,
        }
    }

    /// The signed-in user's email, if any.
    pub async fn session_email(&mut self) -> Option<String> {
        let r = self.get("/api/auth/session").await;
        let v: serde_json::Value = serde_json::from_str(&r.body).ok()?;
        v["user"]["email"].as_str().map(str::to_owned)
    }

    pub fn has_session_cookie(&self) -> bool {
        self.jar.keys().any(|k| k.contains("session-token"))
    }
}

/// How the identity provider sends the browser back to the site.
#[derive(Debug, Clone)]
pub enum Answer {
    /// A redirect: the path and query under the site's origin.
    Get(String),
    /// A `form_post` page: the form's path and fields.
    Post(String, Vec<(String, String)>),
}

impl Answer {
    /// The answer with one query parameter or form field replaced.
    pub fn with(&self, name: &str, value: &str) -> Answer {
        match self {
            Answer::Get(path) => {
                let url = url::Url::parse(&format!("{ORIGIN}{path}")).expect("url");
                let pairs: Vec<(String, String)> = url
                    .query_pairs()
                    .map(|(k, v)| {
                        let v = if k == name {
                            value.to_owned()
                        } else {
                            v.into_owned()
                        };
                        (k.into_owned(), v)
                    })
                    .collect();
                let query = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(pairs)
                    .finish();
                Answer::Get(format!("{}?{query}", url.path()))
            }
            Answer::Post(path, fields) => Answer::Post(
                path.clone(),
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), if k == name { value.into() } else { v.clone() }))
                    .collect(),
            ),
        }
    }

    pub fn param(&self, name: &str) -> Option<String> {
        match self {
            Answer::Get(path) => url::Url::parse(&format!("{ORIGIN}{path}"))
                .expect("url")
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned()),
            Answer::Post(_, fields) => fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone()),
        }
    }
}

/// The browser's side at the identity provider: a cookie-keeping client
/// that follows the provider's redirects (its automatic login and consent)
/// until it is sent back to the site.
pub struct IdpBrowser {
    client: reqwest::Client,
}

impl IdpBrowser {
    pub fn new() -> Self {
        Self {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
        }
    }

    pub async fn authorize(&self, url: &str) -> Answer {
        let mut url = url.to_owned();
        for _ in 0..10 {
            let res = self.client.get(&url).send().await.expect("IdP request");
            let status = res.status();
            if status.is_redirection() {
                let next = res
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .expect("location")
                    .to_owned();
                let next = url::Url::parse(&url)
                    .expect("url")
                    .join(&next)
                    .expect("join");
                if next.as_str().starts_with(ORIGIN) {
                    let path = &next.as_str()[ORIGIN.len()..];
                    return Answer::Get(path.to_owned());
                }
                url = next.into();
                continue;
            }
            let body = res.text().await.expect("body");
            assert!(status.is_success(), "IdP answered {status}: {body}");
            return parse_form_post(&body);
        }
        panic!("too many redirects at the IdP");
    }
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&#47;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

/// Reads a `response_mode=form_post` page: the form's action and inputs.
fn parse_form_post(html: &str) -> Answer {
    let form_start = html.find("<form").expect("a form_post page");
    let form_tag = &html[form_start..form_start + html[form_start..].find('>').expect("tag")];
    let action = attr(form_tag, "action").expect("action");
    assert!(action.starts_with(ORIGIN), "{action}");
    let mut fields = Vec::new();
    let mut rest = &html[form_start..];
    while let Some(i) = rest.find("<input") {
        let end = rest[i..].find('>').expect("tag") + i;
        let tag = &rest[i..end];
        if let (Some(n), Some(v)) = (attr(tag, "name"), attr(tag, "value")) {
            fields.push((n, v));
        }
        rest = &rest[end..];
    }
    Answer::Post(action[ORIGIN.len()..].to_owned(), fields)
}

#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    /// Captures this thread's logs (use a current-thread runtime).
    pub fn capture() -> (Logs, tracing::subscriber::DefaultGuard) {
        let logs = Logs::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .finish();
        (logs.clone(), tracing::subscriber::set_default(subscriber))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}
