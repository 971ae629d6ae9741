//! [`Auth`]: the configured engine. Bindings hand it requests
//! ([`Auth::handle`]) and ask it who is signed in ([`Auth::session`]).

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use chrono::Utc;
use http::{HeaderMap, HeaderValue, Method, Request, Response};

use crate::actions;
use crate::adapter::Adapter;
use crate::callbacks::Callbacks;
use crate::config::{self, AuthBuilder, ConfigError, CookieKey, Pages, SessionStrategy};
use crate::cookies::{CookieNames, CookieOptions, RequestCookies, SetCookie};
use crate::csrf::CsrfToken;
use crate::events::Events;
use crate::failure;
use crate::host::{HostRefused, SiteOrigin};
use crate::jwt::{JwtCodec, TokenFormat};
use crate::keys::Keys;
use crate::model::SessionToken;
use crate::pages::{Locale, Theme};
use crate::provider::Provider;
use crate::redirect::Origin;
use crate::request::{self, Body, MAX_BODY_BYTES, RequestContext};
use crate::response::{self, Outcome};
use crate::session::{self, CurrentSession};
use crate::wire::WireProfile;

/// Cookie names, options and the session token codec for one of the two
/// cookie variants (plain, or `__Secure-` on https). Built once.
pub(crate) struct CookieJar {
    pub names: CookieNames,
    pub session_options: CookieOptions,
    pub callback_options: CookieOptions,
    pub csrf_options: CookieOptions,
    pub session_codec: JwtCodec,
    /// Codecs of the OAuth check cookies (salt = each cookie's name).
    pub state_codec: JwtCodec,
    pub pkce_codec: JwtCodec,
    pub nonce_codec: JwtCodec,
    /// Options of the OAuth check cookies.
    pub check_options: CookieOptions,
    /// The link-intent cookie ([`Auth::link_intent`]): its name and codec
    /// (salt = the name).
    pub link_intent: String,
    pub link_intent_codec: JwtCodec,
}

/// The engine's configuration, shared by every request.
pub(crate) struct Inner {
    /// The secret string CSRF and verification-token hashes use, as Auth.js
    /// does (it joins several with commas): an Auth.js app sharing the
    /// secret reads those values, so they keep the raw secret.
    pub csrf_secret: String,
    /// The derived key of every purpose only keyway reads (see [`crate::keys`]).
    pub keys: Keys,
    pub base_path: String,
    /// How a request's origin is found (`AUTH_URL`, trusted hosts).
    pub site: SiteOrigin,
    pub use_secure_cookies: Option<bool>,
    pub strategy: SessionStrategy,
    pub max_age: i64,
    pub update_age: i64,
    /// How old a JWT session's token gets before a read re-issues it
    /// (`0`: every read).
    pub jwt_update_age: i64,
    pub providers: Vec<Provider>,
    pub adapter: Option<Arc<dyn Adapter>>,
    pub pages: Pages,
    /// A credentials user may join an existing user by email.
    pub credentials_link_by_email: bool,
    /// The oldest session (seconds since sign-in) that may link an account.
    pub link_max_session_age: i64,
    /// An email sign-in may land in a user whose address was never verified.
    pub email_sign_in_to_unverified_users: bool,
    pub theme: Theme,
    pub locale: Option<Locale>,
    pub callbacks: Arc<dyn Callbacks>,
    pub events: Arc<dyn Events>,
    /// The application set its own callbacks: they are called. Without,
    /// the engine applies [`DefaultCallbacks`](crate::callbacks::DefaultCallbacks)'
    /// behaviour directly (no boxed future per call on every session read).
    pub custom_callbacks: bool,
    /// The application set its own events (else none are sent).
    pub custom_events: bool,
    pub wire: WireProfile,
    /// `[plain, secure]`.
    pub jars: [CookieJar; 2],
    /// The JWKS document of the asymmetric session-token keys, when a
    /// signing key is configured (served at `<base path>/jwks`).
    pub jwks: Option<serde_json::Value>,
    /// Single-flight locks for access-token refreshes.
    pub refresh_locks: crate::access_token::RefreshLocks,
    /// The shared store, when one is set (sessions and counters already
    /// reach it through `adapter`; refresh leases ask it directly).
    pub store: Option<Arc<dyn crate::store::Store>>,
    /// Seconds a database session read is cached in a cookie (0: off).
    pub session_cache_secs: i64,
}

impl Inner {
    /// The session callback, or the default's (the session as it is).
    pub(crate) async fn session_callback(
        &self,
        session: crate::session::SessionData,
        params: &crate::callbacks::SessionParams<'_>,
    ) -> Result<crate::session::SessionData, crate::provider::BoxError> {
        if !self.custom_callbacks {
            return Ok(session);
        }
        self.callbacks.session(session, params).await
    }

    /// Where a redirect to `url` goes: through the application's redirect
    /// callback, then [`accepted_target`]. Without a callback of the
    /// application's, the default redirect's answer, which is always on the
    /// site already and which `accepted_target` would return unchanged
    /// (tested).
    pub(crate) async fn redirect_target(&self, url: &str, origin: &Origin) -> String {
        if !self.custom_callbacks {
            return crate::redirect::default_redirect(url, origin);
        }
        let resolved = self.callbacks.redirect(url, origin).await;
        accepted_target(&resolved, origin)
    }

    /// Sends the session event, when the application set events; a failure
    /// is logged.
    pub(crate) async fn session_event(&self, session: &crate::session::SessionData) {
        if self.custom_events {
            crate::failure::log_event_failure("session", self.events.session(session).await);
        }
    }

    pub(crate) fn provider(&self, id: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.id() == id)
    }

    fn jar(&self, secure: bool) -> &CookieJar {
        &self.jars[usize::from(secure)]
    }
}

/// The configured auth engine. Cheap to clone (an `Arc` inside).
///
/// ```
/// use keyway_core::Auth;
///
/// let auth = Auth::builder()
///     .secret("a-long-random-secret-value-0123456789")
///     .url("https://example.com")
///     .build()
///     .expect("valid configuration");
/// assert_eq!(auth.base_path(), "/api/auth");
/// ```
#[derive(Clone)]
pub struct Auth(Arc<Inner>);

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("base_path", &self.0.base_path)
            .field("origin", &self.0.site.fixed)
            .field("strategy", &self.0.strategy)
            .field("providers", &self.0.providers)
            .finish_non_exhaustive()
    }
}

/// The session of a request, for bindings' extractors: the session (if any)
/// with its user's id, and the `Set-Cookie` values that roll it, to add to
/// the response.
#[derive(Debug, Default)]
pub struct SessionLookup {
    /// The session, or `None` when nobody is signed in. Its
    /// [`data`](CurrentSession::data) is what `GET /session` answers.
    pub session: Option<CurrentSession>,
    /// `Set-Cookie` header values to send back (a refreshed or cleared
    /// session cookie).
    pub set_cookies: Vec<HeaderValue>,
}

fn cookie_jar(
    b: &AuthBuilder,
    keys: &Keys,
    wire: &WireProfile,
    format: &TokenFormat,
    secure: bool,
) -> Result<CookieJar, ConfigError> {
    let mut names = CookieNames::new(wire.cookie_prefix, secure);
    let mut session_options = CookieOptions::defaults(secure);
    let mut callback_options = CookieOptions::defaults(secure);
    let mut csrf_options = CookieOptions::defaults(secure);
    for (key, change) in &b.cookie_overrides {
        let (name, options) = match key {
            CookieKey::SessionToken => (&mut names.session_token, &mut session_options),
            CookieKey::CallbackUrl => (&mut names.callback_url, &mut callback_options),
            CookieKey::CsrfToken => (&mut names.csrf_token, &mut csrf_options),
        };
        if let Some(n) = &change.name {
            n.clone_into(name);
        }
        if let Some(d) = &change.domain {
            options.domain = Some(d.clone());
        }
        if let Some(s) = change.same_site {
            options.same_site = s;
        }
        if let Some(p) = &change.path {
            p.clone_into(&mut options.path);
        }
    }
    let salt = if wire.salt_with_cookie_name {
        names.session_token.as_str()
    } else {
        ""
    };
    // The encrypted formats keep Auth.js's derivation from the secret (an
    // Auth.js app reads them); a signed token is keyed by a key of its own.
    let session_codec = match (&b.signing_key, format) {
        (Some(key), _) => Ok(JwtCodec::key_pair(key, &b.retired_keys)),
        (None, TokenFormat::Signed { .. }) => {
            JwtCodec::new(format.clone(), keys.session_signing(), salt)
        }
        (None, _) => JwtCodec::new(format.clone(), &b.secrets, salt),
    }
    .map_err(|e| ConfigError::new(format!("the session token format cannot be used: {e}")))?
    .with_read_memo(b.jwt_read_memo);
    let check = |name: &str| {
        JwtCodec::new(wire.token_format.clone(), keys.check_cookies(), name)
            .map_err(|e| ConfigError::new(format!("the check cookie format cannot be used: {e}")))
    };
    let state_codec = check(&names.state)?;
    let pkce_codec = check(&names.pkce_code_verifier)?;
    let nonce_codec = check(&names.nonce)?;
    let link_intent = format!(
        "{}{}.link-intent",
        if secure { "__Secure-" } else { "" },
        wire.cookie_prefix
    );
    let link_intent_codec = check(&link_intent)?;
    Ok(CookieJar {
        link_intent,
        link_intent_codec,
        check_options: CookieOptions::defaults(secure),
        names,
        session_options,
        callback_options,
        csrf_options,
        session_codec,
        state_codec,
        pkce_codec,
        nonce_codec,
    })
}

/// The JWT update age in use: the configured one, else the session's; one
/// not shorter than the max age becomes `0` (every read), since a token
/// that was never due would expire under an active visitor.
fn jwt_update_age(b: &AuthBuilder) -> i64 {
    let secs = b.jwt_update_age.unwrap_or(b.update_age);
    if secs >= b.max_age { 0 } else { secs }
}

/// `<base path>/jwks`, with or without a trailing slash.
fn is_jwks_path(base_path: &str, path: &str) -> bool {
    path.strip_prefix(base_path)
        .map(|rest| rest.strip_suffix('/').unwrap_or(rest))
        == Some("/jwks")
}

/// The JWKS document, cacheable for five minutes (a rotated key shows up
/// within that time; retired keys stay listed far longer).
fn jwks_response(jwks: &serde_json::Value) -> Response<Bytes> {
    let body = Bytes::from(jwks.to_string());
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/jwk-set+json"),
    );
    headers.insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

impl Auth {
    /// Starts a configuration.
    pub fn builder() -> AuthBuilder {
        AuthBuilder::default()
    }

    pub(crate) fn from_builder(b: AuthBuilder) -> Result<Self, ConfigError> {
        let checked = config::check(&b)?;
        let wire = b.wire_mode.profile();
        let format = b
            .token_format
            .clone()
            .unwrap_or_else(|| wire.token_format.clone());
        let keys = Keys::derive(&b.secrets);
        let jars = [
            cookie_jar(&b, &keys, &wire, &format, false)?,
            cookie_jar(&b, &keys, &wire, &format, true)?,
        ];
        let csrf_secret = b.secrets.join(",");
        let jwks = b
            .signing_key
            .as_ref()
            .map(|key| crate::jwt::jwks(std::iter::once(key.public_key()).chain(&b.retired_keys)));
        Ok(Self(Arc::new(Inner {
            jwks,
            csrf_secret,
            keys,
            base_path: checked.base_path,
            site: checked.site,
            use_secure_cookies: b.use_secure_cookies,
            strategy: checked.strategy,
            max_age: b.max_age,
            update_age: b.update_age,
            jwt_update_age: jwt_update_age(&b),
            providers: b.providers,
            adapter: match (b.adapter, &b.store) {
                (Some(adapter), Some(store)) => Some(Arc::new(crate::store::Layered {
                    adapter,
                    store: store.clone(),
                }) as Arc<dyn Adapter>),
                (adapter, _) => adapter,
            },
            store: b.store,
            session_cache_secs: b.session_cache_secs,
            pages: b.pages,
            credentials_link_by_email: b.credentials_link_by_email,
            link_max_session_age: b.link_max_session_age,
            email_sign_in_to_unverified_users: b.email_sign_in_to_unverified_users,
            theme: b.theme,
            locale: b.locale,
            callbacks: b.callbacks,
            events: b.events,
            custom_callbacks: b.custom_callbacks,
            custom_events: b.custom_events,
            wire,
            jars,
            refresh_locks: Default::default(),
        })))
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.0
    }

    /// The base path the routes live under (default `/api/auth`).
    pub fn base_path(&self) -> &str {
        &self.0.base_path
    }

    /// The adapter the engine uses: the one configured, wrapped so that
    /// sessions and counters reach the [store](crate::store) when one is
    /// set. `None` without an adapter.
    pub fn adapter(&self) -> Option<&Arc<dyn Adapter>> {
        self.0.adapter.as_ref()
    }

    /// The session strategy in use.
    pub fn session_strategy(&self) -> SessionStrategy {
        self.0.strategy
    }

    /// The full paths of the actions that are served without a provider
    /// (`{base path}/session`, `/csrf`, `/providers`, `/signin`, `/signout`,
    /// `/verify-request`, `/error`). Every path under the base path goes to
    /// [`Auth::handle`] all the same; a binding whose router captures a
    /// wildcard segment into a parameter (an allocation or two per request)
    /// registers these as exact routes to the same handler, so the session
    /// read that every page makes captures nothing.
    pub fn action_paths(&self) -> impl Iterator<Item = String> + '_ {
        request::Action::WITHOUT_PROVIDER
            .iter()
            .map(|action| format!("{}/{action}", self.0.base_path))
    }

    /// The configured providers.
    pub fn providers(&self) -> &[Provider] {
        &self.0.providers
    }

    /// The most bytes of request body the engine reads; bindings refuse
    /// larger bodies with 413 before calling [`Auth::handle`].
    pub fn max_body_bytes(&self) -> usize {
        MAX_BODY_BYTES
    }

    /// The JWKS document (`{"keys":[...]}`) of the session-token signing
    /// keys, current first, then the retired ones; `None` unless a
    /// [signing key](AuthBuilder::signing_key) is configured. The engine
    /// serves it at `GET <base path>/jwks`.
    pub fn jwks(&self) -> Option<&serde_json::Value> {
        self.0.jwks.as_ref()
    }

    /// Serves one request under the base path: every Auth.js action
    /// (`providers`, `csrf`, `session`, `signin`, `callback`, `signout`,
    /// `verify-request`, `error`), and `GET jwks` when a signing key is
    /// configured. Never panics and never answers 500 for bad input: unknown
    /// actions and methods are 400.
    pub async fn handle(&self, request: Request<Bytes>) -> Response<Bytes> {
        let (parts, body) = request.into_parts();
        let inner = &*self.0;
        if let Some(jwks) = &inner.jwks
            && parts.method == Method::GET
            && is_jwks_path(&inner.base_path, parts.uri.path())
        {
            return jwks_response(jwks);
        }
        let json_bad_request = inner.wire.empty_session == "null";
        let Some((action, provider)) = request::parse_route(&inner.base_path, parts.uri.path())
        else {
            if !parts.uri.path().starts_with(&inner.base_path) {
                // The binding handed over a request outside the base path:
                // the routes are mounted somewhere else than configured.
                failure::log_error(
                    crate::codes::LogCode::MissingNextauthApiRouteError,
                    &format!(
                        "a request for {:?} reached the engine, whose base path is {}: mount the \
                         auth routes at the base path, or configure .base_path(...) to match",
                        parts.uri.path().chars().take(200).collect::<String>(),
                        inner.base_path
                    ),
                );
            }
            return response::into_response(
                failure::bad_request(json_bad_request, &parts.method),
                false,
            );
        };
        if parts.method != Method::GET && parts.method != Method::POST {
            return response::into_response(
                failure::bad_request(json_bad_request, &parts.method),
                false,
            );
        }
        if body.len() > MAX_BODY_BYTES {
            let outcome = Outcome::text(http::StatusCode::PAYLOAD_TOO_LARGE, "Payload too large.");
            return response::into_response(outcome, false);
        }
        let body = if parts.method == Method::POST {
            Body::parse(&parts.headers, &body)
        } else {
            Body::default()
        };
        let ctx = match self.context(&parts, body).await {
            Ok(ctx) => ctx,
            Err(HostRefused::Unusable) => {
                return response::into_response(
                    failure::bad_request(json_bad_request, &parts.method),
                    false,
                );
            }
            Err(HostRefused::Untrusted(host)) => {
                let page = crate::pages::PageContext {
                    theme: &inner.theme,
                    locale: request::request_locale(inner.locale, &parts.headers),
                    site_url: "",
                };
                let kind = provider
                    .as_deref()
                    .and_then(|id| inner.provider(id))
                    .map(Provider::kind);
                let outcome = failure::untrusted_host(action, kind, &host, page);
                return response::into_response(outcome, false);
            }
        };
        let outcome = match actions::dispatch(&ctx, action, provider.as_deref(), &parts).await {
            Ok(outcome) => outcome,
            Err(f) => failure::respond(&ctx, action, f),
        };
        response::into_response(outcome, ctx.return_json)
    }

    /// The current session for a request's headers, and the cookies that roll
    /// it. Bindings call this from their session extractors.
    ///
    /// It does only what a session read needs: it finds the site's origin
    /// (an untrusted host has no session) to pick the cookie names, parses
    /// the cookies and reads the session through the callbacks. Unlike a
    /// request to [`Auth::handle`], it mints no CSRF token and resolves no
    /// callback URL.
    pub async fn session(&self, headers: &HeaderMap) -> SessionLookup {
        let inner = &*self.0;
        let Ok(origin) = inner.site.origin_for(None, headers) else {
            return SessionLookup::default();
        };
        let secure = inner
            .use_secure_cookies
            .unwrap_or_else(|| origin.is_https());
        let cookies = RequestCookies::from_headers(headers);
        let scope = session::Scope {
            auth: inner,
            jar: inner.jar(secure),
            cookies: &cookies,
            now: Utc::now(),
        };
        let read = session::read_in(&scope).await;
        // A database session is the row behind the request's cookie.
        let session_token = match inner.strategy {
            SessionStrategy::Database => {
                crate::cookies::read_chunked(&cookies, &scope.jar.names.session_token)
                    .filter(|t| t.len() <= SessionToken::MAX_LEN)
                    .map(SessionToken::new)
            }
            SessionStrategy::Jwt => None,
        };
        SessionLookup {
            session: read
                .data
                .map(|data| CurrentSession::new(data, read.user_id, session_token)),
            set_cookies: read
                .cookies
                .iter()
                .filter_map(|c| HeaderValue::try_from(c.header_value()).ok())
                .collect(),
        }
    }

    /// Lets the user signed in on `headers` link an account of the OAuth
    /// provider `provider` within the next 10 minutes, however long ago
    /// they signed in (linking otherwise needs a sign-in younger than
    /// [`link_max_session_age`](crate::AuthBuilder::link_max_session_age)).
    /// Call it from the application's own handler once it has checked the
    /// user again (a password prompt, a second factor), add the returned
    /// `Set-Cookie` values to its answer, then send the browser to
    /// `POST {base path}/signin/{provider}`. The intent is bound to that
    /// user and provider and used up by the callback.
    ///
    /// `None` when nobody is signed in (the session is read in full,
    /// callbacks included) or `provider` is not an OAuth provider.
    pub async fn link_intent(
        &self,
        headers: &HeaderMap,
        provider: &str,
    ) -> Option<Vec<HeaderValue>> {
        let parts = match Request::builder().method(Method::GET).body(()) {
            Ok(r) => {
                let (mut parts, ()) = r.into_parts();
                parts.headers = headers.clone();
                parts
            }
            Err(_) => return None,
        };
        let ctx = self.context(&parts, Body::default()).await.ok()?;
        let cookie = actions::link_intent(&ctx, provider).await?;
        HeaderValue::try_from(cookie.header_value())
            .ok()
            .map(|v| vec![v])
    }

    /// The URL of the sign-in page for a request, with `callback_url` (a path
    /// or URL on the site) to come back to. Bindings use it to send a browser
    /// that needs a session to sign in.
    pub fn signin_url(&self, headers: &HeaderMap, callback_url: &str) -> String {
        // An untrusted or missing host gives a path on the same site.
        let origin = self.0.site.origin_for(None, headers);
        let origin = origin.map(|o| o.as_str().to_owned()).unwrap_or_default();
        let callback = crate::redirect::Origin::parse(&origin)
            .map(|o| crate::redirect::default_redirect(callback_url, &o))
            .unwrap_or_default();
        let page = match &self.0.pages.sign_in {
            Some(p) => format!("{origin}{p}"),
            None => format!("{origin}{}/signin", self.0.base_path),
        };
        let enc: String = url::form_urlencoded::byte_serialize(callback.as_bytes()).collect();
        failure::with_query(&page, &format!("callbackUrl={enc}"))
    }

    pub(crate) async fn context<'a>(
        &'a self,
        parts: &'a http::request::Parts,
        body: Body,
    ) -> Result<RequestContext<'a>, HostRefused> {
        let inner = &*self.0;
        let origin = inner.site.origin_for(Some(&parts.uri), &parts.headers)?;
        let secure = inner
            .use_secure_cookies
            .unwrap_or_else(|| origin.is_https());
        let jar = inner.jar(secure);
        let cookies = RequestCookies::from_headers(&parts.headers);
        let query = request::parse_query(parts.uri.query());
        let csrf =
            CsrfToken::from_cookie_or_new(cookies.get(&jar.names.csrf_token), &inner.csrf_secret);
        let return_json = parts.headers.contains_key("x-auth-return-redirect")
            || body.fields.get("json").is_some_and(|v| v == "true");
        let locale = request::request_locale(inner.locale, &parts.headers);

        // Callback URL: body, then query, then cookie; always through the
        // redirect callback; anything unusable falls back to the site root.
        let cookie_value = cookies.get(&jar.names.callback_url);
        let requested = body
            .fields
            .get("callbackUrl")
            .or_else(|| query.get("callbackUrl"))
            .map(String::as_str)
            .or(cookie_value);
        let callback_url = match requested {
            Some(url) => inner.redirect_target(url, &origin).await,
            None => origin.as_str().to_owned(),
        };
        let callback_cookie = (cookie_value != Some(callback_url.as_str())).then(|| {
            SetCookie::new(
                jar.names.callback_url.clone(),
                callback_url.clone(),
                jar.callback_options.clone(),
            )
        });
        let path_and_query = parts.uri.path_and_query().map_or("", |p| p.as_str());
        Ok(RequestContext {
            auth: inner,
            method: parts.method.clone(),
            path_and_query,
            origin,
            jar,
            cookies,
            query,
            body,
            csrf,
            return_json,
            now: Utc::now(),
            locale,
            callback_url,
            callback_cookie,
        })
    }
}

/// What the redirect callback returned, if it can be sent as a `Location`:
/// a URL on the site (the default callback only returns those), or an
/// absolute http(s) URL without credentials that a custom callback chose.
/// Anything else becomes the site root.
fn accepted_target(resolved: &str, origin: &Origin) -> String {
    if resolved == origin.as_str() {
        return resolved.to_owned();
    }
    if let Some(url) = crate::redirect::same_origin(resolved, origin) {
        return url;
    }
    match url::Url::parse(resolved) {
        Ok(u)
            if matches!(u.scheme(), "http" | "https")
                && u.username().is_empty()
                && u.password().is_none()
                && u.host_str().is_some() =>
        {
            u.to_string()
        }
        _ => origin.as_str().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::accepted_target;
    use crate::redirect::{Origin, default_redirect};

    /// URL-like strings: schemes, hosts, ports, paths, queries and the odd
    /// characters that make URLs tricky.
    fn url_like() -> impl Strategy<Value = String> {
        let scheme = prop_oneof![
            Just(""),
            Just("http://"),
            Just("https://"),
            Just("HTTP://"),
            Just("//"),
            Just("javascript:"),
            Just("ftp://"),
        ];
        let host = prop_oneof![
            Just(""),
            Just("127.0.0.1:3000"),
            Just("127.0.0.1"),
            Just("example.com"),
            Just("EXAMPLE.com:443"),
            Just("user:pw@example.com"),
            Just("evil.test"),
        ];
        let rest =
            proptest::string::string_regex(r"[/a-zA-Z0-9.?#%@:\\ _~-]{0,24}").expect("a regex");
        (scheme, host, rest).prop_map(|(s, h, r)| format!("{s}{h}{r}"))
    }

    proptest! {
        /// `Inner::redirect_target` skips `accepted_target` after the
        /// default redirect (no redirect callback set): that must change
        /// nothing.
        #[test]
        fn the_default_redirect_is_already_an_accepted_target(
            url in prop_oneof![url_like(), any::<String>()],
            site in prop_oneof![Just("http://127.0.0.1:3000"), Just("https://example.com")],
        ) {
            let origin = Origin::parse(site).expect("an origin");
            let answer = default_redirect(&url, &origin);
            prop_assert_eq!(accepted_target(&answer, &origin), answer);
        }
    }
}
