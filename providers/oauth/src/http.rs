//! The HTTP client every request to an identity provider goes through:
//! timeouts, no redirects, a size cap on answers, JSON parsing that never
//! panics and errors that never carry a token.
//!
//! The same client serves keyway's own requests (discovery, keys, userinfo)
//! and the `oauth2` crate's (token, refresh, revocation), through
//! [`oauth2::AsyncHttpClient`], so both follow these rules.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue, USER_AGENT};
use keyway_core::redact::{bounded_remote_text, remote_text};
use serde_json::{Map, Value};

/// Answers larger than this are refused (discovery documents, JWKS and
/// profiles are a few KiB).
const MAX_BODY: usize = 1024 * 1024;

/// The `User-Agent` sent to providers (GitHub refuses requests without one).
pub(crate) const AGENT: &str = concat!("keyway/", env!("CARGO_PKG_VERSION"));

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

/// Why a request to the provider failed. Messages never include a token.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpError {
    /// The HTTP client could not be built, or the request not made.
    #[error("the HTTP client could not be built: {0}")]
    Client(String),
    /// The request did not complete (connection, timeout, TLS).
    #[error("request to {url} failed: {source}")]
    Transport {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// The provider answered with an error status or an OAuth `error`.
    #[error("{url} answered {status}{}", describe_oauth_error(.error, .description))]
    Status {
        url: String,
        status: u16,
        error: Option<String>,
        description: Option<String>,
    },
    /// The answer was larger than [`MAX_BODY`].
    #[error("the answer of {url} is larger than {MAX_BODY} bytes")]
    TooLarge { url: String },
    /// The answer was not a JSON object.
    #[error("the answer of {url} is not the JSON expected")]
    NotJson { url: String },
}

fn describe_oauth_error(error: &Option<String>, description: &Option<String>) -> String {
    match (error, description) {
        (Some(e), Some(d)) => format!(" (error=\"{e}\": {d})"),
        (Some(e), None) => format!(" (error=\"{e}\")"),
        _ => String::new(),
    }
}

/// A lazily built client shared by one provider's requests.
#[derive(Debug)]
pub(crate) struct Http {
    timeout: Duration,
    /// Extra trusted root certificates (PEM), for a private CA.
    roots: Vec<Vec<u8>>,
    client: OnceLock<Result<reqwest::Client, String>>,
}

/// How a request authenticates.
pub(crate) enum Auth<'a> {
    None,
    Bearer(&'a str),
}

impl Http {
    pub(crate) fn new(timeout: Duration, roots: Vec<Vec<u8>>) -> Self {
        Self {
            timeout,
            roots,
            client: OnceLock::new(),
        }
    }

    fn client(&self) -> Result<&reqwest::Client, HttpError> {
        self.client
            .get_or_init(|| {
                let mut builder = reqwest::Client::builder()
                    .timeout(self.timeout)
                    .connect_timeout(self.timeout.min(Duration::from_secs(10)))
                    // A redirected POST could carry the client secret elsewhere.
                    .redirect(reqwest::redirect::Policy::none())
                    .user_agent(AGENT);
                for pem in &self.roots {
                    for root in
                        reqwest::Certificate::from_pem_bundle(pem).map_err(|e| e.to_string())?
                    {
                        builder = builder.add_root_certificate(root);
                    }
                }
                builder.build().map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| HttpError::Client(e.clone()))
    }

    /// `GET url`, expecting a JSON object.
    pub(crate) async fn get_json(
        &self,
        url: &str,
        auth: Auth<'_>,
        headers: &[(String, String)],
    ) -> Result<Map<String, Value>, HttpError> {
        object(url, self.get_value(url, auth, headers).await?)
    }

    /// `GET url`, expecting any JSON value (an array of emails, say).
    pub(crate) async fn get_value(
        &self,
        url: &str,
        auth: Auth<'_>,
        headers: &[(String, String)],
    ) -> Result<Value, HttpError> {
        let request = build(http::Method::GET, url, auth, headers)?;
        json(url, self.send(request).await?)
    }

    /// `POST url` with no body, expecting a JSON object (Dropbox's
    /// userinfo).
    pub(crate) async fn post_json(
        &self,
        url: &str,
        auth: Auth<'_>,
        headers: &[(String, String)],
    ) -> Result<Map<String, Value>, HttpError> {
        let request = build(http::Method::POST, url, auth, headers)?;
        object(url, json(url, self.send(request).await?)?)
    }

    /// Sends one request and reads its answer under keyway's rules. An
    /// error status, or an OAuth `error` in a `200` answer (GitHub's token
    /// endpoint does that), is an [`HttpError::Status`]; a successful answer
    /// is JSON (a form-encoded one is turned into JSON) or empty, else
    /// [`HttpError::NotJson`].
    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<Vec<u8>, HttpError> {
        // For messages: without the query, which may carry a token (WeChat's
        // API takes its credentials there).
        let url = {
            let uri = request.uri();
            format!(
                "{}://{}{}",
                uri.scheme_str().unwrap_or("http"),
                uri.authority().map_or("", |a| a.as_str()),
                uri.path()
            )
        };
        let (mut parts, body) = request.into_parts();
        parts
            .headers
            .entry(ACCEPT)
            .or_insert(HeaderValue::from_static(JSON));
        parts
            .headers
            .entry(USER_AGENT)
            .or_insert(HeaderValue::from_static(AGENT));
        if let Some(value) = parts.headers.get_mut(AUTHORIZATION) {
            value.set_sensitive(true);
        }
        let request = reqwest::Request::try_from(http::Request::from_parts(parts, body))
            .map_err(|e| HttpError::Client(format!("the request to {url} is not valid: {e}")))?;
        let transport = |source| HttpError::Transport {
            url: url.clone(),
            source,
        };
        let mut response = self.client()?.execute(request).await.map_err(transport)?;
        let status = response.status();
        let form = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with(FORM));
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(HttpError::TooLarge { url });
            }
            body.extend_from_slice(&chunk);
        }
        let parsed = if form {
            Some(form_answer(&body))
        } else {
            serde_json::from_slice::<Value>(&body).ok()
        };
        // In a successful answer only a string `error` is an OAuth error:
        // TikTok wraps every answer with `"error": {"code": "ok"}`.
        let oauth_error = parsed.as_ref().and_then(Value::as_object).and_then(|m| {
            m.get("error")
                .filter(|e| !e.is_null() && (e.is_string() || !status.is_success()))
                .map(|e| (text(e), m.get("error_description").and_then(Value::as_str)))
        });
        if !status.is_success() || oauth_error.is_some() {
            let (error, description) = match oauth_error {
                Some((e, d)) => (Some(e), d.map(remote_text)),
                None => (None, None),
            };
            return Err(HttpError::Status {
                url,
                status: status.as_u16(),
                error,
                description,
            });
        }
        match parsed {
            Some(value) if form => {
                serde_json::to_vec(&value).map_err(|_| HttpError::NotJson { url })
            }
            Some(_) => Ok(body),
            None if body.iter().all(u8::is_ascii_whitespace) => Ok(Vec::new()),
            None => Err(HttpError::NotJson { url }),
        }
    }
}

/// The client the `oauth2` crate sends its requests with. What it is
/// handed is a checked answer: status `200`, and a JSON body or none.
impl<'c> oauth2::AsyncHttpClient<'c> for Http {
    type Error = HttpError;
    type Future =
        Pin<Box<dyn Future<Output = Result<oauth2::HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(async move {
            let body = self.send(request).await?;
            let mut response = http::Response::new(body);
            if !response.body().is_empty() {
                response
                    .headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static(JSON));
            }
            Ok(response)
        })
    }
}

/// A request of keyway's own, with its credentials and extra headers (names
/// or values that are not valid in HTTP are left out).
fn build(
    method: http::Method,
    url: &str,
    auth: Auth<'_>,
    extra: &[(String, String)],
) -> Result<http::Request<Vec<u8>>, HttpError> {
    let mut request = http::Request::builder()
        .method(method)
        .uri(url)
        .body(Vec::new())
        .map_err(|_| HttpError::Client(format!("{url:?} is not a valid request URL")))?;
    let headers = request.headers_mut();
    for (name, value) in extra {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(name, value);
        }
    }
    if let Auth::Bearer(token) = auth {
        let value =
            HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| HttpError::Status {
                url: url.to_owned(),
                status: 0,
                error: Some("invalid_token".into()),
                description: Some("the access token is not valid in an HTTP header".into()),
            })?;
        headers.insert(AUTHORIZATION, value);
    }
    Ok(request)
}

fn json(url: &str, body: Vec<u8>) -> Result<Value, HttpError> {
    serde_json::from_slice(&body).map_err(|_| HttpError::NotJson {
        url: url.to_owned(),
    })
}

fn object(url: &str, value: Value) -> Result<Map<String, Value>, HttpError> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(HttpError::NotJson {
            url: url.to_owned(),
        }),
    }
}

/// GitHub (without `Accept: application/json`) and some older providers
/// answer the token request form-encoded: `access_token=...&scope=...`.
/// Every value is a string, as a JSON answer's would be.
fn form_answer(body: &[u8]) -> Value {
    Value::Object(
        form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect(),
    )
}

/// A JSON value as text for the log: strings as they are, anything else
/// serialised; escaped and bounded, since the provider wrote it.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => bounded_remote_text(s, 100),
        other => bounded_remote_text(&other.to_string(), 100),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_text_is_escaped_and_bounded() {
        assert_eq!(text(&Value::String("bad\ncode".into())), "bad\\u{a}code");
        assert_eq!(text(&Value::String("é".repeat(150))).chars().count(), 101);
        assert_eq!(text(&serde_json::json!({"a": 1})), r#"{"a":1}"#);
    }

    #[test]
    fn oauth_error_text() {
        let e = HttpError::Status {
            url: "https://idp/token".into(),
            status: 400,
            error: Some("invalid_grant".into()),
            description: Some("code expired".into()),
        };
        assert_eq!(
            e.to_string(),
            "https://idp/token answered 400 (error=\"invalid_grant\": code expired)"
        );
    }

    #[test]
    fn form_encoded_answers_read_as_json() {
        let v =
            form_answer(b"access_token=gho_x&scope=read%3Auser%2Cuser%3Aemail&token_type=bearer");
        assert_eq!(
            v,
            serde_json::json!({
                "access_token": "gho_x",
                "scope": "read:user,user:email",
                "token_type": "bearer",
            })
        );
        let v = form_answer(b"error=bad_verification_code&error_description=The+code+is+wrong");
        assert_eq!(v["error"], "bad_verification_code");
    }

    #[test]
    fn bearer_tokens_that_are_not_header_values_are_refused() {
        let e = build(
            http::Method::GET,
            "https://idp/me",
            Auth::Bearer("a\nb"),
            &[],
        )
        .unwrap_err();
        assert!(!e.to_string().contains("a\nb"), "{e}");
        let r = build(
            http::Method::GET,
            "https://idp/me",
            Auth::Bearer("at"),
            &[
                ("Notion-Version".into(), "2022-06-28".into()),
                ("bad name".into(), "x".into()),
            ],
        )
        .unwrap();
        assert_eq!(r.headers()[AUTHORIZATION], "Bearer at");
        assert_eq!(r.headers()["notion-version"], "2022-06-28");
        assert_eq!(r.headers().len(), 2);
    }
}
