//! What the fuzz targets share: a configured engine to send requests to, and
//! the checks every answer of it must pass whatever the request held.
//!
//! The targets themselves are in `fuzz_targets/`; `cargo xtask fuzz` builds
//! and runs them (see the book's "Fuzzing" page).

use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use bytes::Bytes;
use http::{Request, Response, StatusCode, header};
use keyway_core::oauth::{
    AuthorizationRequest, CallbackRequest, Check, OAuthCallback, OAuthError, OAuthProfile,
    OAuthProvider, TokenSet,
};
use keyway_core::provider::{BoxError, ProviderType, VerificationRequest};
use keyway_core::{Auth, EmailProvider, Provider, SessionStrategy, User, WireMode};
use keyway_memory::MemoryAdapter;

/// The site every engine of the fuzz targets serves.
pub const ORIGIN: &str = "http://127.0.0.1:3000";

/// The only credentials the credentials provider accepts.
pub const USERNAME: &str = "alice";
/// The password of [`USERNAME`].
pub const PASSWORD: &str = "wonderland";

/// Where the fake OAuth provider sends browsers to sign in.
pub const AUTHORIZE_URL: &str = "https://idp.invalid/authorize";

/// Runs a future to completion on the targets' single-threaded runtime.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("a current-thread runtime starts")
        })
        .block_on(future)
}

/// Addresses the fake email provider was asked to send to, since the last
/// [`take_sent`].
static SENT: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// The addresses the engine handed to the email provider, emptied.
pub fn take_sent() -> Vec<String> {
    std::mem::take(&mut *SENT.lock().unwrap_or_else(|e| e.into_inner()))
}

/// Callback parameters the fake OAuth providers received, since the last
/// [`take_oauth_calls`].
static OAUTH_CALLS: Mutex<Vec<(String, Option<String>)>> = Mutex::new(Vec::new());

/// `(provider id, state parameter)` of every callback the engine passed on
/// to a fake OAuth provider, emptied.
pub fn take_oauth_calls() -> Vec<(String, Option<String>)> {
    std::mem::take(&mut *OAUTH_CALLS.lock().unwrap_or_else(|e| e.into_inner()))
}

/// An email provider that sends nothing and records the address.
struct RecordingEmail;

#[async_trait]
impl EmailProvider for RecordingEmail {
    fn id(&self) -> &str {
        "email"
    }
    fn name(&self) -> &str {
        "Email"
    }
    fn send_limit(&self) -> Option<keyway_core::SendLimit> {
        // Counters would grow with every address the fuzzer invents.
        None
    }
    async fn send_verification_request(
        &self,
        request: &VerificationRequest<'_>,
    ) -> Result<(), BoxError> {
        SENT.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(request.identifier.to_owned());
        Ok(())
    }
}

/// An OAuth provider that talks to nobody: the code in the callback is the
/// user's id at the provider.
struct FakeOAuth {
    id: &'static str,
    form_post: bool,
}

#[async_trait]
impl OAuthProvider for FakeOAuth {
    fn id(&self) -> &str {
        self.id
    }
    fn name(&self) -> &str {
        self.id
    }
    fn kind(&self) -> ProviderType {
        ProviderType::OAuth
    }
    fn checks(&self) -> &[Check] {
        &[Check::Pkce, Check::State]
    }
    fn form_post(&self) -> bool {
        self.form_post
    }
    async fn authorization_url(
        &self,
        request: &AuthorizationRequest<'_>,
    ) -> Result<String, OAuthError> {
        let mut url = url::Url::parse(AUTHORIZE_URL).map_err(|e| {
            OAuthError::new(
                keyway_core::LogCode::GetAuthorizationUrlError,
                e.to_string(),
            )
        })?;
        url.query_pairs_mut()
            .append_pair("state", request.state.unwrap_or_default())
            .append_pair("redirect_uri", request.redirect_uri);
        Ok(url.into())
    }
    async fn callback(&self, request: &CallbackRequest<'_>) -> Result<OAuthCallback, OAuthError> {
        OAUTH_CALLS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((self.id.to_owned(), request.params.get("state").cloned()));
        let code = request.params.get("code").cloned().unwrap_or_default();
        if code.is_empty() || request.code_verifier.is_none() {
            return Err(OAuthError::new(
                keyway_core::LogCode::OauthGetAccessTokenError,
                "no code",
            ));
        }
        Ok(OAuthCallback {
            profile: OAuthProfile {
                id: code,
                name: request.params.get("name").cloned(),
                email: request.params.get("email").cloned(),
                email_verified: request.params.contains_key("verified"),
                image: None,
                raw: serde_json::Value::Null,
            },
            tokens: TokenSet::default(),
        })
    }
    async fn refresh(&self, _refresh_token: &str) -> Result<TokenSet, OAuthError> {
        Err(OAuthError::new(
            keyway_core::LogCode::OauthGetAccessTokenError,
            "no refresh",
        ))
    }
}

/// One configured engine and what a browser holds after visiting it.
pub struct Site {
    /// The engine.
    pub auth: Auth,
    /// The wire mode it speaks.
    pub mode: WireMode,
    /// A valid CSRF token…
    pub csrf_token: String,
    /// …and the `Cookie` pair that makes it valid.
    pub csrf_cookie: String,
}

impl Site {
    /// A fresh engine: credentials (alice / wonderland), a recording email
    /// provider, and two fake OAuth providers (`oauth`, answering with a
    /// redirect, and `oauth-post`, with `response_mode=form_post`). Auth.js
    /// mode uses JWT sessions, next-auth v4 mode database sessions, both on
    /// a fresh in-memory adapter.
    pub fn new(mode: WireMode) -> Self {
        let credentials = keyway_credentials::credentials(|input| async move {
            let user = input.get("username").unwrap_or_default();
            let pass = input.get("password").unwrap_or_default();
            Ok((user == USERNAME && pass == PASSWORD).then(|| User::new("1", "alice@example.com")))
        })
        .username_password();
        let strategy = match mode {
            WireMode::AuthJs => SessionStrategy::Jwt,
            WireMode::NextAuthV4 => SessionStrategy::Database,
        };
        let auth = Auth::builder()
            .secret("fuzzing-secret-that-is-long-enough-0123456789")
            .url(ORIGIN)
            .wire_mode(mode)
            .session_strategy(strategy)
            .adapter(Arc::new(MemoryAdapter::new()))
            .allow_credentials_with_database_sessions(true)
            .provider(credentials)
            .provider(Provider::Email(Arc::new(RecordingEmail)))
            .provider(Provider::OAuth(Arc::new(FakeOAuth {
                id: "oauth",
                form_post: false,
            })))
            .provider(Provider::OAuth(Arc::new(FakeOAuth {
                id: "oauth-post",
                form_post: true,
            })))
            .build()
            .expect("the fuzzing configuration is valid");
        let response = block_on(auth.handle(get("/api/auth/csrf", None)));
        let body: serde_json::Value =
            serde_json::from_slice(response.body()).expect("GET /csrf answers JSON");
        let csrf_token = body["csrfToken"]
            .as_str()
            .expect("GET /csrf answers a token")
            .to_owned();
        let csrf_cookie = set_cookies(&response)
            .into_iter()
            .find(|c| c.name.ends_with("csrf-token"))
            .map(|c| format!("{}={}", c.name, c.value))
            .expect("GET /csrf sets the CSRF cookie");
        Self {
            auth,
            mode,
            csrf_token,
            csrf_cookie,
        }
    }

    /// The session cookie's name (without `.0`, `.1`, … chunk suffixes).
    pub fn session_cookie(&self) -> &'static str {
        match self.mode {
            WireMode::AuthJs => "authjs.session-token",
            WireMode::NextAuthV4 => "next-auth.session-token",
        }
    }
}

/// A `GET` of `path` with an optional `Cookie` header.
pub fn get(path: &str, cookie: Option<&str>) -> Request<Bytes> {
    let mut builder = Request::get(path);
    if let Some(c) = cookie {
        builder = builder.header(header::COOKIE, c);
    }
    builder
        .body(Bytes::new())
        .expect("a GET of a fixed path is a valid request")
}

/// A cookie a response sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCookie {
    /// Its name.
    pub name: String,
    /// Its value, as written (still percent-encoded).
    pub value: String,
    /// Whether it deletes the cookie (`Max-Age=0`).
    pub removal: bool,
}

/// Every `Set-Cookie` of `response`.
pub fn set_cookies(response: &Response<Bytes>) -> Vec<SetCookie> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| {
            let text = v.to_str().expect("Set-Cookie values are ASCII");
            let mut attributes = text.split("; ");
            let pair = attributes.next().unwrap_or_default();
            let (name, value) = pair.split_once('=').expect("Set-Cookie has name=value");
            SetCookie {
                name: name.to_owned(),
                value: value.to_owned(),
                removal: attributes.any(|a| a == "Max-Age=0"),
            }
        })
        .collect()
}

/// Whether `url` is an absolute URL on [`ORIGIN`].
pub fn on_site(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| {
        u.origin().ascii_serialization() == ORIGIN
            && u.username().is_empty()
            && u.password().is_none()
    })
}

/// The checks every answer of the engine passes, whatever the request:
/// no server error, every redirect (as `Location` or as a JSON `url`) on the
/// site unless it is the fake provider's authorization page, and the
/// security headers: a page or an answer that sets a cookie is never
/// stored by a cache, and a page is never framed.
pub fn check_answer(response: &Response<Bytes>) {
    let status = response.status();
    assert!(
        !status.is_server_error()
            || status == StatusCode::INTERNAL_SERVER_ERROR && is_html(response),
        "server error {status} (only the Configuration error page may answer 500)"
    );
    let allowed = |url: &str| on_site(url) || url.starts_with(AUTHORIZE_URL);
    if let Some(location) = response.headers().get(header::LOCATION) {
        let location = location.to_str().expect("Location is ASCII");
        assert!(allowed(location), "redirect off the site: {location}");
    }
    if is_json(response)
        && let Ok(serde_json::Value::Object(body)) = serde_json::from_slice(response.body())
        && let Some(serde_json::Value::String(url)) = body.get("url")
    {
        assert!(allowed(url), "JSON redirect off the site: {url}");
    }
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    let sets_cookie = response.headers().contains_key(header::SET_COOKIE);
    if sets_cookie || is_html(response) {
        assert!(
            header("cache-control").contains("no-store"),
            "an answer with cookies or a page is cacheable: {:?}",
            response.headers()
        );
    }
    if is_html(response) {
        assert!(
            header("content-security-policy").contains("frame-ancestors 'none'"),
            "a page without frame-ancestors: {:?}",
            response.headers()
        );
        assert_eq!(header("x-frame-options"), "DENY");
    }
}

fn content_type(response: &Response<Bytes>) -> &str {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn is_html(response: &Response<Bytes>) -> bool {
    content_type(response).starts_with("text/html")
}

fn is_json(response: &Response<Bytes>) -> bool {
    content_type(response).starts_with("application/json")
}

/// Whether `response` signs someone in: it sets a non-empty session cookie
/// (or a chunk of one).
pub fn signs_in(site: &Site, response: &Response<Bytes>) -> bool {
    set_cookies(response).iter().any(|c| {
        !c.removal
            && !c.value.is_empty()
            && (c.name == site.session_cookie()
                || c.name
                    .strip_prefix(site.session_cookie())
                    .is_some_and(|rest| rest.starts_with('.')))
    })
}

/// The first value of `name` in `application/x-www-form-urlencoded` text,
/// as the engine reads queries and forms (first occurrence wins).
pub fn form_value(text: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(text)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Replaces every `marker` in `input` by `value`.
pub fn substitute(input: &[u8], marker: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut rest = input;
    while !rest.is_empty() {
        if rest.starts_with(marker) {
            out.extend_from_slice(value);
            rest = &rest[marker.len()..];
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    out
}
