//! The HTTP client every request to an identity provider goes through:
//! timeouts, no redirects, a size cap on answers, JSON parsing that never
//! panics and errors that never carry a token.

use std::sync::OnceLock;
use std::time::Duration;

use keyway_core::redact::{bounded_remote_text, remote_text};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use serde_json::{Map, Value};

/// Answers larger than this are refused (discovery documents, JWKS and
/// profiles are a few KiB).
const MAX_BODY: usize = 1024 * 1024;

/// The `User-Agent` sent to providers (GitHub refuses requests without one).
pub(crate) const AGENT: &str = concat!("keyway/", env!("CARGO_PKG_VERSION"));

/// Why a request to the provider failed. Messages never include a token.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpError {
    /// The HTTP client could not be built.
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
    client: OnceLock<Result<reqwest::Client, String>>,
}

/// How a request authenticates.
pub(crate) enum Auth<'a> {
    None,
    Bearer(&'a str),
    Basic(String),
}

impl Http {
    pub(crate) fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            client: OnceLock::new(),
        }
    }

    fn client(&self) -> Result<&reqwest::Client, HttpError> {
        self.client
            .get_or_init(|| {
                reqwest::Client::builder()
                    .timeout(self.timeout)
                    .connect_timeout(self.timeout.min(Duration::from_secs(10)))
                    // A redirected POST could carry the client secret elsewhere.
                    .redirect(reqwest::redirect::Policy::none())
                    .user_agent(AGENT)
                    .build()
                    .map_err(|e| e.to_string())
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
        let request = self.client()?.get(url);
        object(url, self.send(url, request, auth, headers).await?)
    }

    /// `GET url`, expecting any JSON value (an array of emails, say).
    pub(crate) async fn get_value(
        &self,
        url: &str,
        auth: Auth<'_>,
        headers: &[(String, String)],
    ) -> Result<Value, HttpError> {
        let request = self.client()?.get(url);
        self.send(url, request, auth, headers).await
    }

    /// `POST url` with a form body (or none), expecting a JSON object.
    pub(crate) async fn post_json(
        &self,
        url: &str,
        form: Option<&[(&str, &str)]>,
        auth: Auth<'_>,
        headers: &[(String, String)],
    ) -> Result<Map<String, Value>, HttpError> {
        let mut request = self.client()?.post(url);
        if let Some(form) = form {
            let body = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form.iter())
                .finish();
            request = request
                .header(
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                )
                .body(body);
        }
        object(url, self.send(url, request, auth, headers).await?)
    }

    async fn send(
        &self,
        url: &str,
        request: reqwest::RequestBuilder,
        auth: Auth<'_>,
        extra: &[(String, String)],
    ) -> Result<Value, HttpError> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        for (name, value) in extra {
            if let (Ok(name), Ok(value)) = (
                reqwest::header::HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                headers.insert(name, value);
            }
        }
        headers
            .entry(USER_AGENT)
            .or_insert(HeaderValue::from_static(AGENT));
        let secret_header = match auth {
            Auth::None => None,
            Auth::Bearer(token) => Some(format!("Bearer {token}")),
            Auth::Basic(credentials) => Some(format!("Basic {credentials}")),
        };
        if let Some(value) = secret_header {
            let mut value = HeaderValue::from_str(&value).map_err(|_| HttpError::Status {
                url: url.to_owned(),
                status: 0,
                error: Some("invalid_client".into()),
                description: Some("the credentials are not valid in an HTTP header".into()),
            })?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        let transport = |source| HttpError::Transport {
            url: url.to_owned(),
            source,
        };
        let mut response = request.headers(headers).send().await.map_err(transport)?;
        let status = response.status();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(HttpError::TooLarge {
                    url: url.to_owned(),
                });
            }
            body.extend_from_slice(&chunk);
        }
        let json = serde_json::from_slice::<Value>(&body).ok();
        let oauth_error = json.as_ref().and_then(Value::as_object).and_then(|m| {
            m.get("error")
                .filter(|e| !e.is_null())
                .map(|e| (text(e), m.get("error_description").and_then(Value::as_str)))
        });
        if !status.is_success() || oauth_error.is_some() {
            let (error, description) = match oauth_error {
                Some((e, d)) => (Some(e), d.map(remote_text)),
                None => (None, None),
            };
            return Err(HttpError::Status {
                url: url.to_owned(),
                status: status.as_u16(),
                error,
                description,
            });
        }
        json.ok_or_else(|| HttpError::NotJson {
            url: url.to_owned(),
        })
    }
}

fn object(url: &str, value: Value) -> Result<Map<String, Value>, HttpError> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(HttpError::NotJson {
            url: url.to_owned(),
        }),
    }
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
}
