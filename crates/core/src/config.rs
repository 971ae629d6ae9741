//! Configuration: [`AuthBuilder`] collects everything, and
//! [`AuthBuilder::build`] refuses any configuration that cannot work, with a
//! message that says what to set. Nothing is left to fail at the first
//! request.

use std::fmt;
use std::sync::Arc;

use crate::adapter::Adapter;
use crate::callbacks::{Callbacks, DefaultCallbacks};
use crate::codes::LogCode;
use crate::cookies::SameSite;
use crate::events::{Events, NoEvents};
use crate::host::{SiteOrigin, normalise_trusted_host};
use crate::jwt::{PublicKey, SigningKey, TokenFormat};
use crate::pages::{Locale, Theme};
use crate::provider::{Provider, ProviderType};
use crate::redirect::Origin;
use crate::wire::WireMode;

/// Default `session.maxAge`: 30 days.
pub const DEFAULT_MAX_AGE_SECS: i64 = 30 * 24 * 60 * 60;
/// Default `session.updateAge`: 24 hours.
pub const DEFAULT_UPDATE_AGE_SECS: i64 = 24 * 60 * 60;
/// Default for [`AuthBuilder::jwt_read_memo`]: how many decrypted session
/// tokens a JWT session read remembers (about 1 MB for typical tokens).
pub const DEFAULT_JWT_READ_MEMO: usize = 1024;
/// Default base path.
pub const DEFAULT_BASE_PATH: &str = "/api/auth";
/// The shortest secret accepted, in bytes.
pub const MIN_SECRET_LEN: usize = 16;
/// Default for [`AuthBuilder::link_max_session_age`]: 10 minutes.
pub const DEFAULT_LINK_MAX_SESSION_AGE_SECS: i64 = 10 * 60;

/// Where sessions live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStrategy {
    /// In an encrypted token in the session cookie (default without an adapter).
    Jwt,
    /// In the database, the cookie holding a random token (default with an
    /// adapter).
    Database,
}

/// The application's own pages, replacing the built-in ones. Each is a path
/// on the site (`/auth/signin`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pages {
    /// Sign-in page; gets `?callbackUrl=…[&error=…]`.
    pub sign_in: Option<String>,
    /// Sign-out confirmation page.
    pub sign_out: Option<String>,
    /// Error page; gets `?error=<code>`.
    pub error: Option<String>,
    /// "Check your email" page.
    pub verify_request: Option<String>,
    /// Where new users go after their first sign-in; gets `?callbackUrl=…`.
    pub new_user: Option<String>,
}

/// Which cookie an override applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CookieKey {
    /// The session cookie.
    SessionToken,
    /// The callback URL cookie.
    CallbackUrl,
    /// The CSRF cookie.
    CsrfToken,
}

/// Changes to one cookie's defaults (merged into them, field by field).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CookieOverride {
    /// Another cookie name (used as given: no prefix is added).
    pub name: Option<String>,
    /// A `Domain` attribute, e.g. to share a session across subdomains.
    pub domain: Option<String>,
    /// Another `SameSite` value.
    pub same_site: Option<SameSite>,
    /// Another `Path`.
    pub path: Option<String>,
}

/// A configuration that cannot work, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    message: String,
    code: Option<LogCode>,
}

impl ConfigError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: None,
        }
    }

    pub(crate) fn with_code(code: LogCode, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: Some(code),
        }
    }

    /// The log code of this failure, where the reference has one.
    pub fn code(&self) -> Option<LogCode> {
        self.code
    }

    /// What is wrong and what to set.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            Some(code) => write!(f, "[{code}] {} (see {})", self.message, code.docs_url()),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Builds an [`Auth`](crate::Auth). Start with [`Auth::builder`](crate::Auth::builder).
pub struct AuthBuilder {
    pub(crate) secrets: Vec<String>,
    pub(crate) base_path: Option<String>,
    pub(crate) url: Option<String>,
    pub(crate) trust_host: bool,
    pub(crate) trusted_hosts: Vec<String>,
    pub(crate) use_secure_cookies: Option<bool>,
    pub(crate) strategy: Option<SessionStrategy>,
    pub(crate) max_age: i64,
    pub(crate) update_age: i64,
    /// `None`: JWT sessions follow `update_age`.
    pub(crate) jwt_update_age: Option<i64>,
    /// Session tokens whose claims a JWT session read remembers.
    pub(crate) jwt_read_memo: usize,
    pub(crate) providers: Vec<Provider>,
    pub(crate) adapter: Option<Arc<dyn Adapter>>,
    pub(crate) store: Option<Arc<dyn crate::store::Store>>,
    pub(crate) session_cache_secs: i64,
    pub(crate) pages: Pages,
    pub(crate) theme: Theme,
    pub(crate) locale: Option<Locale>,
    pub(crate) callbacks: Arc<dyn Callbacks>,
    pub(crate) events: Arc<dyn Events>,
    /// Whether the application set its own callbacks / events (else the
    /// engine runs the defaults' behaviour without calling through them).
    pub(crate) custom_callbacks: bool,
    pub(crate) custom_events: bool,
    pub(crate) wire_mode: WireMode,
    pub(crate) token_format: Option<TokenFormat>,
    pub(crate) signing_key: Option<SigningKey>,
    pub(crate) retired_keys: Vec<PublicKey>,
    pub(crate) cookie_overrides: Vec<(CookieKey, CookieOverride)>,
    pub(crate) credentials_database_sessions: bool,
    pub(crate) credentials_link_by_email: bool,
    pub(crate) link_max_session_age: i64,
    pub(crate) email_sign_in_to_unverified_users: bool,
    pub(crate) env_errors: Vec<ConfigError>,
}

impl Default for AuthBuilder {
    fn default() -> Self {
        Self {
            secrets: Vec::new(),
            base_path: None,
            url: None,
            trust_host: false,
            trusted_hosts: Vec::new(),
            use_secure_cookies: None,
            strategy: None,
            max_age: DEFAULT_MAX_AGE_SECS,
            update_age: DEFAULT_UPDATE_AGE_SECS,
            jwt_update_age: None,
            jwt_read_memo: DEFAULT_JWT_READ_MEMO,
            providers: Vec::new(),
            adapter: None,
            store: None,
            session_cache_secs: 0,
            pages: Pages::default(),
            theme: Theme::default(),
            locale: None,
            callbacks: Arc::new(DefaultCallbacks),
            events: Arc::new(NoEvents),
            custom_callbacks: false,
            custom_events: false,
            wire_mode: WireMode::default(),
            token_format: None,
            signing_key: None,
            retired_keys: Vec::new(),
            cookie_overrides: Vec::new(),
            credentials_database_sessions: false,
            credentials_link_by_email: false,
            link_max_session_age: DEFAULT_LINK_MAX_SESSION_AGE_SECS,
            email_sign_in_to_unverified_users: false,
            env_errors: Vec::new(),
        }
    }
}

impl fmt::Debug for AuthBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthBuilder")
            .field(
                "secrets",
                &format_args!("[{} redacted]", self.secrets.len()),
            )
            .field("base_path", &self.base_path)
            .field("url", &self.url)
            .field("trust_host", &self.trust_host)
            .field("trusted_hosts", &self.trusted_hosts)
            .field("strategy", &self.strategy)
            .field("providers", &self.providers)
            .field("wire_mode", &self.wire_mode)
            .field("signing_key", &self.signing_key)
            .finish_non_exhaustive()
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl AuthBuilder {
    /// The secret that encrypts tokens and signs CSRF cookies. Calling it again
    /// adds a secret: the first one signs, all of them verify (rotation).
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secrets.push(secret.into());
        self
    }

    /// Several secrets at once, newest first.
    pub fn secrets<I, S>(mut self, secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.secrets.extend(secrets.into_iter().map(Into::into));
        self
    }

    /// Reads the secrets from the environment: `AUTH_SECRET` (or
    /// `NEXTAUTH_SECRET`), plus `AUTH_SECRET_1` … `AUTH_SECRET_3` for rotation,
    /// newest (`_3`) first as Auth.js orders them.
    pub fn secret_from_env(mut self) -> Self {
        for name in ["AUTH_SECRET_3", "AUTH_SECRET_2", "AUTH_SECRET_1"] {
            if let Some(s) = env_var(name) {
                self.secrets.push(s);
            }
        }
        if let Some(s) = env_var("AUTH_SECRET").or_else(|| env_var("NEXTAUTH_SECRET")) {
            self.secrets.push(s);
        }
        self
    }

    /// Reads the asymmetric session-token keys from the environment:
    /// `AUTH_SIGNING_KEY`, a PKCS#8 PEM private key (Ed25519 or P-256; literal
    /// `\n` are read as line breaks), and `AUTH_SIGNING_KEYS_RETIRED`, any
    /// number of PEM public (or private) keys still accepted and published.
    /// See [`signing_key`](Self::signing_key). An unreadable key is reported
    /// by `build()`, naming the variable.
    pub fn signing_key_from_env(mut self) -> Self {
        if let Some(pem) = env_var("AUTH_SIGNING_KEY") {
            match SigningKey::from_pem(&pem) {
                Ok(key) => self.signing_key = Some(key),
                Err(e) => self
                    .env_errors
                    .push(ConfigError::new(format!("AUTH_SIGNING_KEY: {e}"))),
            }
        }
        if let Some(pems) = env_var("AUTH_SIGNING_KEYS_RETIRED") {
            for block in crate::jwt::split_pem_blocks(&pems) {
                match PublicKey::from_pem(&block) {
                    Ok(key) => self.retired_keys.push(key),
                    Err(e) => self
                        .env_errors
                        .push(ConfigError::new(format!("AUTH_SIGNING_KEYS_RETIRED: {e}"))),
                }
            }
        }
        self
    }

    /// Reads everything Auth.js reads from the environment: the secrets (see
    /// [`secret_from_env`](Self::secret_from_env)), `AUTH_URL` (or
    /// `NEXTAUTH_URL`) and `AUTH_TRUST_HOST`; and keyway's
    /// `AUTH_TRUSTED_HOSTS` (comma-separated, see
    /// [`trusted_hosts`](Self::trusted_hosts)) and
    /// `AUTH_SIGNING_KEY` / `AUTH_SIGNING_KEYS_RETIRED`
    /// ([`signing_key_from_env`](Self::signing_key_from_env)).
    pub fn from_env(mut self) -> Self {
        self = self.secret_from_env().signing_key_from_env();
        if let Some(url) = env_var("AUTH_URL").or_else(|| env_var("NEXTAUTH_URL")) {
            self.url = Some(url);
        }
        if let Some(v) = env_var("AUTH_TRUST_HOST") {
            match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => self.trust_host = true,
                "0" | "false" | "no" | "off" => self.trust_host = false,
                other => self.env_errors.push(ConfigError::new(format!(
                    "AUTH_TRUST_HOST is {other:?}: set it to true or false"
                ))),
            }
        }
        if let Some(hosts) = env_var("AUTH_TRUSTED_HOSTS") {
            self = self.trusted_hosts(hosts.split(',').filter(|h| !h.trim().is_empty()));
        }
        self
    }

    /// Where the auth routes are mounted (default `/api/auth`).
    pub fn base_path(mut self, path: impl Into<String>) -> Self {
        self.base_path = Some(path.into());
        self
    }

    /// The site's public URL (`AUTH_URL`), e.g. `https://example.com`. Its
    /// origin is used for every redirect and cookie decision, whatever the
    /// request's `Host` header says; a path other than `/` sets the base path.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Trust the request's `Host`, `X-Forwarded-Host` and `X-Forwarded-Proto`
    /// headers to tell the site's origin (`AUTH_TRUST_HOST`). Only behind a
    /// proxy that sets them. Without [`url`](Self::url) or
    /// [`trusted_hosts`](Self::trusted_hosts), whoever sends the request
    /// chooses the origin, so email sign-in is refused at build time.
    pub fn trust_host(mut self, trust: bool) -> Self {
        self.trust_host = trust;
        self
    }

    /// The hosts the site answers on (`AUTH_TRUSTED_HOSTS`, comma-separated),
    /// each `host` or `host:port` as visitors type it (`example.com`,
    /// `www.example.com`, `localhost:3000`). Without [`url`](Self::url), a
    /// request's origin is taken from `Host` (or, with
    /// [`trust_host`](Self::trust_host), `X-Forwarded-Host`) only when it
    /// names one of them; any other host is refused with the `Configuration`
    /// error page and nothing is sent or redirected. Calling it again adds
    /// hosts.
    ///
    /// ```
    /// let auth = keyway_core::Auth::builder()
    ///     .secret("a-long-random-secret-value-0123456789")
    ///     .trust_host(true)
    ///     .trusted_hosts(["example.com", "www.example.com"])
    ///     .build()?;
    /// # Ok::<(), keyway_core::ConfigError>(())
    /// ```
    pub fn trusted_hosts<I, S>(mut self, hosts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.trusted_hosts.extend(hosts.into_iter().map(Into::into));
        self
    }

    /// Force `Secure` cookies with `__Secure-`/`__Host-` names on or off
    /// (default: on exactly when the site is https).
    pub fn use_secure_cookies(mut self, secure: bool) -> Self {
        self.use_secure_cookies = Some(secure);
        self
    }

    /// JWT or database sessions (default: database with an adapter, else JWT).
    pub fn session_strategy(mut self, strategy: SessionStrategy) -> Self {
        self.strategy = Some(strategy);
        self
    }

    /// How long an idle session lives, in seconds (default 30 days).
    pub fn session_max_age(mut self, secs: i64) -> Self {
        self.max_age = secs;
        self
    }

    /// How often a session's expiry moves forward when it is read, in
    /// seconds (default 24 h): a database session's row is written, and a
    /// JWT session's token re-issued, at most this often (`0`: on every
    /// read), and the session cookie set again with the new expiry then
    /// (Auth.js sets a database session's cookie on every read; here it
    /// expires with the session). JWT sessions can have their own value
    /// ([`jwt_update_age`](Self::jwt_update_age)).
    pub fn session_update_age(mut self, secs: i64) -> Self {
        self.update_age = secs;
        self
    }

    /// How old a JWT session's token (its `iat`) may get before a read
    /// re-issues it with a fresh expiry and sets its cookie again, in
    /// seconds. Default: the [session update age](Self::session_update_age),
    /// 24 h. `0` re-issues on every read, as Auth.js does.
    ///
    /// A read of a token younger than this decodes it and answers its real
    /// expiry (`expires` is the token's `exp`) without re-encrypting it or
    /// setting a cookie, which is most of a JWT read's cost. An active
    /// visitor still stays signed in: a session idle for `max_age` ends
    /// between `max_age - update_age` and `max_age` after the last read.
    /// A token the `jwt` callback changes, and every `POST` session update,
    /// is always re-issued. A value not shorter than the max age re-issues
    /// on every read (otherwise a token could expire before it was due).
    pub fn jwt_update_age(mut self, secs: i64) -> Self {
        self.jwt_update_age = Some(secs);
        self
    }

    /// How many session tokens a JWT session read remembers, decrypted
    /// (default [`DEFAULT_JWT_READ_MEMO`]; `0`: none).
    ///
    /// A browser sends the same token on every request until it is
    /// re-issued, and decrypting it (HMAC-SHA-512, AES, JSON) is most of a
    /// JWT session read. A read of a remembered token compares it, byte for
    /// byte and in constant time, with the one remembered and checks its
    /// expiry against the clock, then answers what the token says: the
    /// same answer as decrypting it again, for the cost of a hash lookup.
    /// Only tokens that decrypted and verified are remembered (an attacker
    /// without the secret adds none), each of at most 4 KB, so the memo
    /// holds at most about `entries` × 5 KB (typically `entries` × 1 KB).
    /// A read whose callbacks see the token (see
    /// [`Callbacks::session_uses_token`])
    /// decrypts every time.
    pub fn jwt_read_memo(mut self, entries: usize) -> Self {
        self.jwt_read_memo = entries;
        self
    }

    /// Adds a provider.
    pub fn provider(mut self, provider: impl Into<Provider>) -> Self {
        self.providers.push(provider.into());
        self
    }

    /// The database.
    pub fn adapter(mut self, adapter: Arc<dyn Adapter>) -> Self {
        self.adapter = Some(adapter);
        self
    }

    /// A shared store for what is hot and short-lived: database sessions,
    /// send and attempt counters, access-token refresh leases (see
    /// [`crate::store`]). It sits beside the adapter, which keeps users,
    /// accounts and verification tokens; without a store the adapter keeps
    /// everything.
    pub fn store(mut self, store: Arc<dyn crate::store::Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// Caches the database session read in a short-lived signed cookie for
    /// `secs` seconds (0, the default, turns the cache off), so most reads
    /// touch neither the adapter nor the store.
    ///
    /// The price: a session revoked elsewhere (signed out on another device,
    /// its user deleted) still reads as valid on a browser that holds a
    /// cached copy, for at most `secs` seconds. Signing out on the same
    /// browser clears the cache at once. JWT sessions ignore it. A cached
    /// read returns what the `session` callback returned when it was
    /// cached; neither that callback nor the `session` event runs for it.
    pub fn session_cache(mut self, secs: u32) -> Self {
        self.session_cache_secs = i64::from(secs);
        self
    }

    /// The application's own pages.
    pub fn pages(mut self, pages: Pages) -> Self {
        self.pages = pages;
        self
    }

    /// The built-in pages' theme.
    pub fn theme(mut self, theme: Theme) -> Self {
        self.theme = theme;
        self
    }

    /// One language for the built-in pages (default: from each request's
    /// `Accept-Language`, else English).
    pub fn locale(mut self, locale: Locale) -> Self {
        self.locale = Some(locale);
        self
    }

    /// The application's callbacks.
    pub fn callbacks(mut self, callbacks: impl Callbacks) -> Self {
        self.callbacks = Arc::new(callbacks);
        self.custom_callbacks = true;
        self
    }

    /// The application's event handlers.
    pub fn events(mut self, events: impl Events) -> Self {
        self.events = Arc::new(events);
        self.custom_events = true;
        self
    }

    /// Auth.js v5 (default) or next-auth v4 on the wire.
    pub fn wire_mode(mut self, mode: WireMode) -> Self {
        self.wire_mode = mode;
        self
    }

    /// The session token format (default: the wire mode's JWE). Use
    /// [`TokenFormat::Signed`] for a signed-only HMAC JWS that other services
    /// verify with the key derived for it
    /// ([`keys::derive`](crate::keys::derive)`(secret,
    /// Purpose::SessionSigning)`), or better [`signing_key`](Self::signing_key)
    /// so that they need no secret at all.
    pub fn token_format(mut self, format: TokenFormat) -> Self {
        self.token_format = Some(format);
        self
    }

    /// Signs session tokens with an asymmetric key (Ed25519 → `EdDSA`,
    /// P-256 → `ES256`): the session cookie becomes a signed JWS whose
    /// header names the key's `kid`, and `GET <base path>/jwks` publishes
    /// the public keys, so other services verify sessions without holding any
    /// secret. Replaces the encrypted token: the claims are readable by
    /// whoever holds the cookie (as with [`TokenFormat::Signed`]).
    ///
    /// ```
    /// # let pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIGho63zGkWId+V6gnip03p/PLym1UiZzndZ5egRTanZc\n-----END PRIVATE KEY-----\n";
    /// use keyway_core::jwt::SigningKey;
    ///
    /// let key = SigningKey::from_pem(pem)?; // openssl genpkey -algorithm ed25519
    /// let auth = keyway_core::Auth::builder()
    ///     .secret("a-long-random-secret-value-0123456789")
    ///     .url("https://example.com")
    ///     .signing_key(key)
    ///     .build()?;
    /// assert_eq!(auth.jwks().expect("published")["keys"][0]["alg"], "EdDSA");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn signing_key(mut self, key: SigningKey) -> Self {
        self.signing_key = Some(key);
        self
    }

    /// A public key that signed session tokens before the current
    /// [`signing_key`](Self::signing_key): its tokens are still accepted and
    /// it stays in the JWKS, so a key can be rotated without signing everyone
    /// out. Drop it once the longest session (`max_age`) has passed.
    pub fn retired_signing_key(mut self, key: PublicKey) -> Self {
        self.retired_keys.push(key);
        self
    }

    /// Changes one cookie's name or attributes.
    pub fn cookie(mut self, key: CookieKey, change: CookieOverride) -> Self {
        self.cookie_overrides.push((key, change));
        self
    }

    /// Lets credentials providers sign users in with database sessions: the
    /// user is found (by account, then email) or created in the database and
    /// a database session is made. Auth.js refuses this combination.
    pub fn allow_credentials_with_database_sessions(mut self, allow: bool) -> Self {
        self.credentials_database_sessions = allow;
        self
    }

    /// **Dangerous.** Lets a credentials sign-in with database sessions join
    /// an existing user who has the same email address (default: off). A
    /// credentials user is otherwise matched by its credentials account only,
    /// and one whose email already belongs to another user is refused with
    /// `OAuthAccountNotLinked`, unless `authorize` returns the user with
    /// `email_verified` set (the application vouches that it proved the
    /// address). Turn this on only when the application's own sign-up proves
    /// every address: anyone who can put a victim's address into the
    /// application's user store becomes the victim.
    pub fn dangerously_link_credentials_by_email(mut self, allow: bool) -> Self {
        self.credentials_link_by_email = allow;
        self
    }

    /// How recent a sign-in must be, in seconds, for an OAuth sign-in made
    /// while signed in to link the new account to the signed-in user
    /// (default 10 minutes). The session is read in full (the `jwt` and
    /// `session` callbacks run, so a session the application revoked links
    /// nothing); an older session is refused with `OAuthAccountNotLinked`,
    /// so a stolen long-lived cookie cannot attach an attacker's account to
    /// its victim, unless the application made a link intent for that user
    /// and provider ([`Auth::link_intent`](crate::Auth::link_intent), after
    /// checking the user again). `0` leaves link intents as the only way.
    pub fn link_max_session_age(mut self, secs: i64) -> Self {
        self.link_max_session_age = secs;
        self
    }

    /// **Dangerous.** Lets an email sign-in land in an existing user whose
    /// address was never verified (default: off). Such users come from
    /// OAuth or credentials sign-ins, or from an older database; the address
    /// may have been typed by whoever linked them, so the real owner of the
    /// mailbox is refused with `OAuthAccountNotLinked` instead of joining
    /// them.
    pub fn dangerously_allow_email_sign_in_to_unverified_users(mut self, allow: bool) -> Self {
        self.email_sign_in_to_unverified_users = allow;
        self
    }

    /// Checks the configuration and builds the engine.
    pub fn build(self) -> Result<crate::Auth, ConfigError> {
        crate::auth::Auth::from_builder(self)
    }

    /// Every problem [`build`](Self::build) would refuse these settings
    /// for, not only the first: the same checks, in the same order, each
    /// with its message (and log code where it has one). Empty when the
    /// settings pass. (`build` may still refuse a cookie override that
    /// cannot work; that check needs the assembled engine.)
    ///
    /// ```
    /// use keyway_core::Auth;
    ///
    /// let problems = Auth::builder().secret("short").problems();
    /// // The secret is too short, and there is neither AUTH_URL nor AUTH_TRUST_HOST.
    /// assert_eq!(problems.len(), 2);
    /// ```
    pub fn problems(&self) -> Vec<ConfigError> {
        check_all(self).err().unwrap_or_default()
    }

    /// The base path the engine will serve (`/api/auth` unless set in code
    /// or by `AUTH_URL`'s path), or `None` when that setting is unusable.
    pub fn base_path_in_use(&self) -> Option<String> {
        let (_, url_path) = site_url(self).ok()?;
        normalise_base_path(self.base_path.as_deref().or(url_path.as_deref())).ok()
    }

    /// The callback URL to register at an OAuth provider with this `id`:
    /// `{AUTH_URL's origin}{base path}/callback/{id}`. `None` without a
    /// usable `AUTH_URL` (with `AUTH_TRUST_HOST` the origin is only known
    /// per request).
    ///
    /// ```
    /// use keyway_core::Auth;
    ///
    /// let b = Auth::builder().url("https://example.com/auth");
    /// assert_eq!(
    ///     b.callback_url("github").as_deref(),
    ///     Some("https://example.com/auth/callback/github")
    /// );
    /// ```
    pub fn callback_url(&self, id: &str) -> Option<String> {
        let (origin, _) = site_url(self).ok()?;
        Some(format!(
            "{}{}/callback/{id}",
            origin?.as_str(),
            self.base_path_in_use()?
        ))
    }
}

/// The checked, normalised configuration the engine runs on.
pub(crate) struct Checked {
    pub base_path: String,
    pub site: SiteOrigin,
    pub strategy: SessionStrategy,
}

/// One-time codes of fewer than 8 digits are refused: with the attempt and
/// send limits, 8 digits keep a guess at about one in four million a day.
fn check_one_time_codes(b: &AuthBuilder) -> Result<(), ConfigError> {
    use crate::provider::OneTimeCode;
    let (min, max) = (OneTimeCode::MIN_DIGITS, OneTimeCode::MAX_DIGITS);
    for p in &b.providers {
        if let Provider::Email(email) = p
            && let Some(code) = email.one_time_code()
            && !(min..=max).contains(&code.digits)
        {
            return Err(ConfigError::new(format!(
                "email provider {:?}: one-time codes of {} digits are refused: use \
                 {min} to {max} digits (OneTimeCode::default() has 8)",
                email.id(),
                code.digits
            )));
        }
    }
    Ok(())
}

pub(crate) fn check(b: &AuthBuilder) -> Result<Checked, ConfigError> {
    check_all(b).map_err(|mut problems| problems.swap_remove(0))
}

/// The site's origin and the path of `AUTH_URL` (if any), or why `AUTH_URL`
/// cannot be used.
fn site_url(b: &AuthBuilder) -> Result<(Option<Origin>, Option<String>), ConfigError> {
    let Some(raw) = &b.url else {
        return Ok((None, None));
    };
    let with_scheme = if raw.contains("://") {
        raw.clone()
    } else {
        format!("https://{raw}")
    };
    let parsed = url::Url::parse(&with_scheme).map_err(|_| {
        ConfigError::new(format!(
            "AUTH_URL {raw:?} is not a URL: set it to the site's address, e.g. https://example.com"
        ))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(ConfigError::new(format!(
            "AUTH_URL {raw:?} must be an http or https URL with a host"
        )));
    }
    let origin = Origin::parse(&parsed.origin().ascii_serialization())
        .ok_or_else(|| ConfigError::new(format!("AUTH_URL {raw:?} has no usable origin")))?;
    let path = parsed.path().trim_end_matches('/').to_owned();
    Ok((Some(origin), (!path.is_empty()).then_some(path)))
}

/// Every check of [`check`], each problem collected rather than the first
/// returned: `Err` holds at least one.
fn check_all(b: &AuthBuilder) -> Result<Checked, Vec<ConfigError>> {
    let mut problems: Vec<ConfigError> = b.env_errors.clone();
    if b.secrets.is_empty() {
        problems.push(ConfigError::new(
            "no secret is configured: set AUTH_SECRET (for example to the output of \
             `openssl rand -base64 33`) or call .secret(...)",
        ));
    }
    if b.secrets.iter().any(|s| s.len() < MIN_SECRET_LEN) {
        problems.push(ConfigError::new(format!(
            "a secret is shorter than {MIN_SECRET_LEN} bytes: use a long random value \
             (for example `openssl rand -base64 33`)"
        )));
    }

    let (fixed_origin, url_path) = match site_url(b) {
        Ok(parts) => parts,
        Err(e) => {
            problems.push(e);
            (None, None)
        }
    };
    let mut allowed_hosts = Vec::with_capacity(b.trusted_hosts.len());
    for entry in &b.trusted_hosts {
        match normalise_trusted_host(entry) {
            Some(host) => allowed_hosts.push(host),
            None => problems.push(ConfigError::new(format!(
                "AUTH_TRUSTED_HOSTS entry {entry:?} is not a host: list hosts as visitors \
                 type them, e.g. example.com,www.example.com,localhost:3000"
            ))),
        }
    }
    if b.url.is_none() && !b.trust_host && b.trusted_hosts.is_empty() {
        problems.push(ConfigError::new(
            "keyway cannot tell the site's origin: set AUTH_URL to the public URL \
             (e.g. https://example.com), or AUTH_TRUSTED_HOSTS to the hosts the site \
             answers on, or AUTH_TRUST_HOST=true when a trusted proxy sets Host / \
             X-Forwarded-Host / X-Forwarded-Proto",
        ));
    }
    let site = SiteOrigin {
        fixed: fixed_origin,
        trust_forwarded: b.trust_host,
        allowed_hosts,
    };

    let base_path = match normalise_base_path(b.base_path.as_deref().or(url_path.as_deref())) {
        Ok(path) => Some(path),
        Err(e) => {
            problems.push(e);
            None
        }
    };

    let mut seen = std::collections::HashSet::new();
    for p in &b.providers {
        let id = p.id();
        let valid = !id.is_empty()
            && id
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
        if !valid {
            problems.push(ConfigError::new(format!(
                "provider id {id:?} is not usable in a URL: use letters, digits, '-' and '_'"
            )));
        } else if id == "undefined" || !seen.insert(id.to_owned()) {
            problems.push(ConfigError::new(format!(
                "provider id {id:?} is used twice (or reserved): give each provider its own id"
            )));
        }
    }

    for p in &b.providers {
        if let Provider::OAuth(oauth) = p
            && let Err(message) = oauth.check_config()
        {
            problems.push(ConfigError::new(format!(
                "provider {:?}: {message}",
                oauth.id()
            )));
        }
    }

    let has_email = b.providers.iter().any(|p| p.kind() == ProviderType::Email);
    // An unusable AUTH_URL is reported above; this would only repeat it.
    let url_unusable = b.url.is_some() && site.fixed.is_none();
    if has_email && !site.is_trusted() && !url_unusable {
        problems.push(ConfigError::with_code(
            LogCode::SigninEmailError,
            "email sign-in mails links built on the site's origin, and with only \
             AUTH_TRUST_HOST the origin comes from request headers anyone can forge: set \
             AUTH_URL to the public URL (e.g. https://example.com), or AUTH_TRUSTED_HOSTS to \
             the hosts the site answers on (e.g. example.com,www.example.com)",
        ));
    }
    if has_email && b.adapter.is_none() {
        problems.push(ConfigError::with_code(
            LogCode::EmailRequiresAdapterError,
            "the email provider needs a database to store verification tokens: add an adapter \
             (e.g. keyway::adapter::connect(DATABASE_URL))",
        ));
    }

    if let Err(e) = check_one_time_codes(b) {
        problems.push(e);
    }
    if b.signing_key.is_none() && !b.retired_keys.is_empty() {
        problems.push(ConfigError::new(
            "retired signing keys are configured without a current one: set AUTH_SIGNING_KEY \
             or call .signing_key(...)",
        ));
    }
    if b.signing_key.is_some() && b.token_format.is_some() {
        problems.push(ConfigError::new(
            "both a signing key and a token format are configured: a signing key already \
             chooses the token format; drop .token_format(...)",
        ));
    }

    let strategy = b.strategy.unwrap_or(if b.adapter.is_some() {
        SessionStrategy::Database
    } else {
        SessionStrategy::Jwt
    });
    if strategy == SessionStrategy::Database && b.adapter.is_none() {
        problems.push(ConfigError::new(
            "database sessions need an adapter: add one, or use SessionStrategy::Jwt",
        ));
    }
    let has_credentials = b
        .providers
        .iter()
        .any(|p| p.kind() == ProviderType::Credentials);
    if has_credentials && strategy == SessionStrategy::Database && !b.credentials_database_sessions
    {
        problems.push(ConfigError::with_code(
            LogCode::CallbackCredentialsJwtError,
            "credentials providers sign in with JWT sessions by default, but the session \
             strategy is database: call .session_strategy(SessionStrategy::Jwt), or opt in \
             with .allow_credentials_with_database_sessions(true)",
        ));
    }
    if b.store.is_some() && b.adapter.is_none() {
        problems.push(ConfigError::new(
            "a store keeps sessions and counters beside an adapter, which keeps users: \
             set .adapter(...) as well (DATABASE_URL)",
        ));
    }
    if b.max_age <= 0 {
        problems.push(ConfigError::new("session max age must be positive"));
    }
    if b.update_age < 0 {
        problems.push(ConfigError::new("session update age must not be negative"));
    }
    if b.jwt_update_age.is_some_and(|secs| secs < 0) {
        problems.push(ConfigError::new("JWT update age must not be negative"));
    }
    if b.link_max_session_age < 0 {
        problems.push(ConfigError::new(
            "link_max_session_age must not be negative (0 turns linking to a signed-in user off)",
        ));
    }

    for (name, page) in [
        ("sign_in", &b.pages.sign_in),
        ("sign_out", &b.pages.sign_out),
        ("error", &b.pages.error),
        ("verify_request", &b.pages.verify_request),
        ("new_user", &b.pages.new_user),
    ] {
        let Some(page) = page else { continue };
        let path = page.split(['?', '#']).next().unwrap_or_default();
        if !path.starts_with('/') || path.starts_with("//") || path.contains('\\') {
            problems.push(ConfigError::new(format!(
                "pages.{name} is {page:?}: use a path on the site starting with '/'"
            )));
            continue;
        }
        let Some(base_path) = &base_path else {
            continue;
        };
        let under_base = path == base_path || path.starts_with(&format!("{base_path}/"));
        if under_base {
            problems.push(ConfigError::new(format!(
                "pages.{name} is {page:?}, inside the auth base path {base_path}: the engine \
                 would redirect to itself forever. Point it at the application's own page, or \
                 leave it unset for the built-in page"
            )));
        }
    }
    if let (Some(a), Some(b2)) = (&b.pages.sign_in, &b.pages.error)
        && a == b2
    {
        problems.push(ConfigError::new(
            "pages.sign_in and pages.error are the same page: give each its own path",
        ));
    }

    match base_path {
        Some(base_path) if problems.is_empty() => Ok(Checked {
            base_path,
            site,
            strategy,
        }),
        // A missing base path always left its problem above; the fallback
        // only keeps `Err` from ever being empty.
        _ if problems.is_empty() => Err(vec![ConfigError::new("the base path is not usable")]),
        _ => Err(problems),
    }
}

fn normalise_base_path(path: Option<&str>) -> Result<String, ConfigError> {
    let raw = path.unwrap_or(DEFAULT_BASE_PATH).trim();
    let trimmed = raw.trim_end_matches('/');
    if trimmed.is_empty() || !trimmed.starts_with('/') || trimmed.starts_with("//") {
        return Err(ConfigError::new(format!(
            "base path {raw:?} must be a path like /api/auth"
        )));
    }
    if trimmed
        .bytes()
        .any(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'/' | b'-' | b'_' | b'.' | b'~')))
    {
        return Err(ConfigError::new(format!(
            "base path {raw:?} may only contain letters, digits and / - _ . ~"
        )));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_path_is_normalised() {
        assert_eq!(normalise_base_path(None).as_deref(), Ok("/api/auth"));
        assert_eq!(normalise_base_path(Some("/auth/")).as_deref(), Ok("/auth"));
        assert!(normalise_base_path(Some("auth")).is_err());
        assert!(normalise_base_path(Some("//evil")).is_err());
        assert!(normalise_base_path(Some("/")).is_err());
    }

    fn messages(b: &AuthBuilder) -> Vec<String> {
        b.problems()
            .iter()
            .map(|p| p.message().to_owned())
            .collect()
    }

    #[test]
    fn problems_lists_every_problem_in_builds_order() {
        let b = AuthBuilder::default()
            .secret("short")
            .base_path("no-slash")
            .session_strategy(SessionStrategy::Database)
            .session_max_age(0);
        let found = messages(&b);
        assert_eq!(found.len(), 5, "{found:#?}");
        assert!(found[0].contains("shorter than 16 bytes"), "{found:#?}");
        assert!(found[1].contains("set AUTH_URL"), "{found:#?}");
        assert!(found[2].contains("base path \"no-slash\""), "{found:#?}");
        assert!(
            found[3].contains("database sessions need an adapter"),
            "{found:#?}"
        );
        assert!(found[4].contains("max age must be positive"), "{found:#?}");
        // build() reports the first of them.
        let first = b.build().err().map(|e| e.message().to_owned());
        assert_eq!(first.as_deref(), Some(found[0].as_str()));
    }

    #[test]
    fn problems_keep_their_codes_and_a_good_configuration_has_none() {
        let email = crate::Provider::Email(std::sync::Arc::new(NoSend));
        let b = AuthBuilder::default().provider(email);
        let problems = b.problems();
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert_eq!(problems[0].code(), None);
        assert_eq!(problems[2].code(), Some(LogCode::SigninEmailError));
        assert_eq!(problems[3].code(), Some(LogCode::EmailRequiresAdapterError));

        let good = AuthBuilder::default()
            .secret("0123456789abcdef0123456789abcdef")
            .url("https://example.com");
        assert!(good.problems().is_empty());
        assert!(good.build().is_ok());
    }

    #[test]
    fn an_unusable_auth_url_and_trust_host_is_still_one_problem() {
        let b = AuthBuilder::default()
            .secret("0123456789abcdef0123456789abcdef")
            .url("ftp://example.com")
            .trust_host(true);
        let found = messages(&b);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].contains("http or https"), "{found:#?}");
    }

    #[test]
    fn callback_urls_follow_auth_url_and_the_base_path() {
        let b = AuthBuilder::default().url("example.com");
        assert_eq!(b.base_path_in_use().as_deref(), Some("/api/auth"));
        assert_eq!(
            b.callback_url("google").as_deref(),
            Some("https://example.com/api/auth/callback/google")
        );
        let b = AuthBuilder::default()
            .url("http://localhost:3000/")
            .base_path("/auth/");
        assert_eq!(
            b.callback_url("github").as_deref(),
            Some("http://localhost:3000/auth/callback/github")
        );
        let trusted = AuthBuilder::default().trust_host(true);
        assert_eq!(trusted.callback_url("github"), None);
        assert_eq!(trusted.base_path_in_use().as_deref(), Some("/api/auth"));
        assert_eq!(
            AuthBuilder::default().url("ftp://x").callback_url("a"),
            None
        );
    }

    /// An email provider that is never asked to send.
    struct NoSend;

    #[async_trait::async_trait]
    impl crate::provider::EmailProvider for NoSend {
        fn id(&self) -> &str {
            "email"
        }
        fn name(&self) -> &str {
            "Email"
        }
        async fn send_verification_request(
            &self,
            _request: &crate::provider::VerificationRequest<'_>,
        ) -> Result<(), crate::provider::BoxError> {
            Ok(())
        }
    }
}
