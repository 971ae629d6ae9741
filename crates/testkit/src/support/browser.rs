//! A cookie-keeping browser over anything that answers HTTP requests.

use std::borrow::Borrow;
use std::collections::BTreeMap;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode, header};
use keyway_core::Auth;

use crate::binding::BindingUnderTest;

/// What a browser sends as `Accept` when it opens a page.
pub const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// The engine itself, with no binding in between: lets a [`Browser`] drive
/// [`Auth::handle`] directly.
#[async_trait::async_trait]
impl BindingUnderTest for Auth {
    async fn send(&self, request: Request<Bytes>) -> Response<Bytes> {
        self.handle(request).await
    }
}

/// A response, with its body as text.
#[derive(Debug, Clone)]
pub struct Resp {
    /// The status.
    pub status: StatusCode,
    /// Every header (several `Set-Cookie` stay several).
    pub headers: HeaderMap,
    /// The body.
    pub body: String,
}

impl Resp {
    /// A header's value, if it is present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Location` header.
    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }

    /// The body as JSON; panics (failing the test) when it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        match self.try_json() {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        }
    }

    /// The body as JSON, or why it is not.
    pub fn try_json(&self) -> Result<serde_json::Value, String> {
        serde_json::from_str(&self.body)
            .map_err(|e| format!("body is not JSON ({e}): {:?}", self.body))
    }

    /// Every `Set-Cookie` value, in order.
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

    /// One line for failure messages: status, location, cookies set and the
    /// start of the body.
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

/// Whether a `Set-Cookie` value deletes its cookie (`Max-Age=0`).
pub fn is_removal(set_cookie: &str) -> bool {
    set_cookie
        .split(';')
        .skip(1)
        .any(|a| a.trim().eq_ignore_ascii_case("max-age=0"))
}

/// A small browser: it sends its cookies with every request, keeps the
/// cookies each answer sets and drops those it deletes, the way a browser
/// does for one site.
///
/// `A` is what answers: an [`Auth`] (requests go to [`Auth::handle`]) or a
/// binding's app ([`BindingUnderTest`]). Requests carry the path only, no
/// `Host` unless one is added to [`extra_headers`](Self::extra_headers).
///
/// The browser panics (failing the test) when an answer is not what any
/// browser could read: a `Set-Cookie` that is not visible ASCII or has no
/// `name=value`, or a body that is not UTF-8.
pub struct Browser<A = Auth> {
    /// What answers the requests; replace it to talk to another engine with
    /// the same cookies.
    pub app: A,
    /// The cookies, by name.
    pub jar: BTreeMap<String, String>,
    /// Headers added to every request, after the `Cookie` header.
    pub extra_headers: Vec<(String, String)>,
}

impl<A: BindingUnderTest> Browser<A> {
    /// A browser with no cookies.
    pub fn new(app: A) -> Self {
        Self {
            app,
            jar: BTreeMap::new(),
            extra_headers: Vec::new(),
        }
    }

    /// The cookie `name`, as the jar holds it.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.jar.get(name).map(String::as_str)
    }

    /// Sends a request with the jar's cookies and the extra headers, and
    /// keeps the cookies of the answer.
    pub async fn send(&mut self, request: http::request::Builder, body: Bytes) -> Resp {
        let mut request = request;
        if !self.jar.is_empty() {
            let cookies: Vec<String> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            request = request.header(header::COOKIE, cookies.join("; "));
        }
        for (name, value) in &self.extra_headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let request = match request.body(body) {
            Ok(r) => r,
            Err(e) => panic!("the test built an invalid request: {e}"),
        };
        let (parts, body) = self.app.send(request).await.into_parts();
        for value in parts.headers.get_all(header::SET_COOKIE) {
            let Ok(set) = value.to_str() else {
                panic!("a Set-Cookie header that is not visible ASCII: {value:?}");
            };
            let pair = set.split(';').next().unwrap_or_default();
            let Some((name, value)) = pair.split_once('=') else {
                panic!("a Set-Cookie header without name=value: {set:?}");
            };
            if is_removal(set) {
                self.jar.remove(name.trim());
            } else {
                self.jar.insert(name.trim().to_owned(), value.to_owned());
            }
        }
        let body = match String::from_utf8(body.to_vec()) {
            Ok(b) => b,
            Err(e) => panic!("a body that is not UTF-8: {e}"),
        };
        Resp {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    /// `GET path`, with no `Accept` header.
    pub async fn get(&mut self, path: &str) -> Resp {
        self.send(
            Request::builder().method(Method::GET).uri(path),
            Bytes::new(),
        )
        .await
    }

    /// A page navigation: `GET path` accepting HTML ([`BROWSER_ACCEPT`]).
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

    /// A `fetch` that wants JSON: `GET path` accepting `application/json`.
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

    /// Posts `fields` as an `application/x-www-form-urlencoded` form.
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

    /// Posts `body` as `application/json`.
    pub async fn post_json(&mut self, path: &str, body: impl Borrow<serde_json::Value>) -> Resp {
        self.send(
            Request::builder()
                .method(Method::POST)
                .uri(path)
                .header(header::CONTENT_TYPE, "application/json"),
            Bytes::from(body.borrow().to_string()),
        )
        .await
    }

    /// What `next-auth/react`'s `update(data)` sends: a fresh CSRF token
    /// from `GET /api/auth/csrf`, then `POST /api/auth/session` with
    /// `{"csrfToken": …, "data": data}`.
    pub async fn update_session(&mut self, data: serde_json::Value) -> Resp {
        let csrf = self.csrf().await;
        self.post_json(
            "/api/auth/session",
            serde_json::json!({ "csrfToken": csrf, "data": data }),
        )
        .await
    }

    /// The CSRF token from `GET /api/auth/csrf` (which also sets its cookie);
    /// panics when the answer has none.
    pub async fn csrf(&mut self) -> String {
        let r = self.get("/api/auth/csrf").await;
        match r.json()["csrfToken"].as_str() {
            Some(token) => token.to_owned(),
            None => panic!("no csrfToken: {}", r.summary()),
        }
    }

    /// The signed-in user's email from `GET /api/auth/session`, or `None`
    /// when nobody is signed in; panics when the answer is not JSON.
    pub async fn session_email(&mut self) -> Option<String> {
        let r = self.get("/api/auth/session").await;
        r.json()["user"]["email"].as_str().map(str::to_owned)
    }
}
