//! A small browser for driving `Auth::handle` in tests: it keeps cookies the
//! way a browser does and sends them back.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use keyway_core::{Auth, AuthBuilder, SessionStrategy, User, WireMode};
use keyway_credentials::{Rejection, constant_time_eq, credentials};
use keyway_memory::MemoryAdapter;

pub const SECRET: &str = "test-secret-that-is-long-enough-0123456789";
pub const ORIGIN: &str = "http://127.0.0.1:3000";

pub fn alice() -> User {
    let mut u = User::new("1", "alice@example.com");
    u.name = Some("Alice Liddell".into());
    u
}

/// The standard test configuration: credentials alice / wonderland.
pub fn builder() -> AuthBuilder {
    let provider = credentials(|input| async move {
        let user = input.get("username").unwrap_or_default();
        let pass = input.get("password").unwrap_or_default();
        if user == "locked" {
            return Err(Rejection::code("locked").into());
        }
        if user == "broken" {
            return Err(keyway_core::AuthorizeError::Failed(
                "the user store is down".into(),
            ));
        }
        Ok((constant_time_eq(user, "alice") & constant_time_eq(pass, "wonderland")).then(alice))
    })
    .username_password();
    Auth::builder()
        .secret(SECRET)
        .url(ORIGIN)
        .provider(provider)
}

/// A configuration for one strategy and wire mode (database uses a fresh
/// memory adapter).
pub fn configured(strategy: SessionStrategy, mode: WireMode) -> (Auth, Option<MemoryAdapter>) {
    let mut b = builder().wire_mode(mode).session_strategy(strategy);
    let mut mem = None;
    if strategy == SessionStrategy::Database {
        let m = MemoryAdapter::new();
        b = b
            .adapter(Arc::new(m.clone()))
            .allow_credentials_with_database_sessions(true);
        mem = Some(m);
    }
    (b.build().expect("valid config"), mem)
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
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
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .find(|c| c.split('=').next() == Some(name))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub struct Browser {
    pub auth: Auth,
    pub jar: BTreeMap<String, String>,
    pub extra_headers: Vec<(String, String)>,
}

impl Browser {
    pub fn new(auth: Auth) -> Self {
        Self {
            auth,
            jar: BTreeMap::new(),
            extra_headers: Vec::new(),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.jar.get(name).map(String::as_str)
    }

    fn cookie_header(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn send(&mut self, req: http::request::Builder, body: Bytes) -> Resp {
        let mut req = req;
        if !self.jar.is_empty() {
            req = req.header("cookie", self.cookie_header());
        }
        for (k, v) in &self.extra_headers {
            req = req.header(k.as_str(), v.as_str());
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

    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
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

    pub async fn post_json(&mut self, path: &str, body: serde_json::Value) -> Resp {
        self.send(
            Request::builder()
                .method(Method::POST)
                .uri(path)
                .header("content-type", "application/json"),
            Bytes::from(body.to_string()),
        )
        .await
    }

    pub async fn csrf(&mut self) -> String {
        let r = self.get("/api/auth/csrf").await;
        r.json()["csrfToken"].as_str().expect("token").to_owned()
    }

    /// Signs in as alice with credentials; returns the callback response.
    pub async fn sign_in(&mut self, password: &str) -> Resp {
        let token = self.csrf().await;
        self.post_form(
            "/api/auth/callback/credentials",
            &[
                ("csrfToken", token.as_str()),
                ("username", "alice"),
                ("password", password),
                ("callbackUrl", "/dashboard"),
            ],
        )
        .await
    }
}

/// The prefix of the cookie names for a wire mode.
pub fn prefix(mode: WireMode) -> &'static str {
    match mode {
        WireMode::AuthJs => "authjs",
        WireMode::NextAuthV4 => "next-auth",
    }
}
