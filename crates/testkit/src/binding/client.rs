//! A small browser over a [`BindingUnderTest`]: it keeps cookies the way a
//! browser does and sends them back.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode, header};

use super::BindingUnderTest;
use super::auth::{HOST, PASSWORD, USERNAME};

/// What a browser sends as `Accept` when it opens a page.
pub(crate) const BROWSER_ACCEPT: &str =
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// A response, with its body as text.
pub(crate) struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }

    pub fn json(&self) -> Result<serde_json::Value, String> {
        serde_json::from_str(&self.body)
            .map_err(|e| format!("body is not JSON ({e}): {:?}", self.body))
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect()
    }

    /// The `Set-Cookie` value for `name`, if the response sets it.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .find(|c| c.split('=').next() == Some(name))
    }

    pub fn summary(&self) -> String {
        let body: String = self.body.chars().take(300).collect();
        format!(
            "{} location={:?} set-cookie={:?} body={body:?}",
            self.status,
            self.location(),
            self.set_cookies()
        )
    }
}

/// Whether a `Set-Cookie` value deletes its cookie.
pub(crate) fn is_removal(set_cookie: &str) -> bool {
    set_cookie
        .split(';')
        .skip(1)
        .any(|a| a.trim().eq_ignore_ascii_case("max-age=0"))
}

pub(crate) struct Browser {
    binding: Arc<dyn BindingUnderTest>,
    pub jar: BTreeMap<String, String>,
}

impl Browser {
    pub fn new(binding: Arc<dyn BindingUnderTest>) -> Self {
        Self {
            binding,
            jar: BTreeMap::new(),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.jar.get(name).map(String::as_str)
    }

    /// Sends a request with the jar's cookies and `Host`, and keeps the
    /// cookies of the answer.
    pub async fn send(&mut self, builder: http::request::Builder, body: Bytes) -> Resp {
        let mut builder = builder.header(header::HOST, HOST);
        if !self.jar.is_empty() {
            let cookies: Vec<String> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            builder = builder.header(header::COOKIE, cookies.join("; "));
        }
        let request = match builder.body(body) {
            Ok(r) => r,
            Err(e) => panic!("the suite built an invalid request: {e}"),
        };
        let (parts, body) = self.binding.send(request).await.into_parts();
        let resp = Resp {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        for set in resp.set_cookies() {
            let pair = set.split(';').next().unwrap_or_default();
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            if is_removal(&set) {
                self.jar.remove(name.trim());
            } else {
                self.jar.insert(name.trim().to_owned(), value.to_owned());
            }
        }
        resp
    }

    /// A page navigation.
    pub async fn open(&mut self, path: &str) -> Resp {
        self.send(
            Request::builder()
                .method(Method::GET)
                .uri(path)
                .header(header::ACCEPT, BROWSER_ACCEPT),
            Bytes::new(),
        )
        .await
    }

    /// A `fetch` that wants JSON.
    pub async fn fetch_json(&mut self, path: &str) -> Resp {
        self.send(
            Request::builder()
                .method(Method::GET)
                .uri(path)
                .header(header::ACCEPT, "application/json"),
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
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            Bytes::from(body),
        )
        .await
    }

    pub async fn post_json(&mut self, path: &str, body: &serde_json::Value) -> Resp {
        self.send(
            Request::builder()
                .method(Method::POST)
                .uri(path)
                .header(header::CONTENT_TYPE, "application/json"),
            Bytes::from(body.to_string()),
        )
        .await
    }

    /// The CSRF token, from `GET /api/auth/csrf`.
    pub async fn csrf(&mut self) -> Result<String, String> {
        let r = self.fetch_json("/api/auth/csrf").await;
        r.json()?["csrfToken"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("no csrfToken: {}", r.summary()))
    }

    /// Signs in with the credentials form; returns the callback's answer.
    pub async fn sign_in_as(
        &mut self,
        username: &str,
        password: &str,
        callback_url: &str,
    ) -> Result<Resp, String> {
        let token = self.csrf().await?;
        Ok(self
            .post_form(
                "/api/auth/callback/credentials",
                &[
                    ("csrfToken", token.as_str()),
                    ("username", username),
                    ("password", password),
                    ("callbackUrl", callback_url),
                ],
            )
            .await)
    }

    /// Signs alice in and checks that it worked.
    pub async fn sign_in(&mut self) -> Result<(), String> {
        let r = self.sign_in_as(USERNAME, PASSWORD, "/protected").await?;
        if r.status != StatusCode::FOUND || r.location() != Some("http://127.0.0.1:3000/protected")
        {
            return Err(format!("sign-in did not redirect back: {}", r.summary()));
        }
        if self.cookie(super::SESSION_COOKIE).is_none() {
            return Err(format!("sign-in set no session cookie: {}", r.summary()));
        }
        Ok(())
    }
}
