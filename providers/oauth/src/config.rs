//! [`OAuth`]: one provider's configuration, built in code, with what is not
//! set read from `AUTH_<ID>_ID`, `AUTH_<ID>_SECRET` and `AUTH_<ID>_ISSUER`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use keyway_core::Provider;
use keyway_core::oauth::{Check, OAuthProfile, ProviderStyle, TokenSet};
use keyway_core::provider::{BoxError, ProviderType};
use serde_json::Value;
use zeroize::Zeroizing;

use crate::algorithms::{self, JwsAlgorithm};
use crate::discovery::ProviderMetadata;
use crate::runtime::Runtime;

/// Maps a provider's profile document (ID token claims or userinfo JSON) and
/// the tokens to a keyway profile.
pub type ProfileFn =
    dyn Fn(&Value, &TokenSet) -> Result<OAuthProfile, BoxError> + Send + Sync + 'static;

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenAuthMethod {
    /// `Authorization: Basic base64(urlencode(id):urlencode(secret))` (the
    /// default).
    #[default]
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
    /// A public client: only `client_id` in the body (use PKCE).
    None,
}

/// How the profile document is fetched, for providers that are not plain
/// `GET userinfo` with a bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UserinfoRequest {
    /// `GET` the userinfo endpoint.
    Get,
    /// `POST` the userinfo endpoint with no body (Dropbox).
    Post,
    /// The profile is a field of the token response (Notion's `owner.user`).
    TokenResponse(&'static [&'static str]),
}

/// Providers whose OAuth is not RFC 6749's and needs its own requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// RFC 6749, through the `oauth2` crate.
    Standard,
    /// WeChat: `appid` for the client id and `#wechat_redirect` in the
    /// authorization URL, `GET` token and refresh requests with the
    /// credentials in the query, `{errcode, errmsg}` errors, and userinfo by
    /// `access_token` and `openid` in the query.
    WeChat,
}

/// Where to look for an email address when the profile has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EmailFallback {
    None,
    /// GitHub's `GET {api}/user/emails`: the primary address, else the first.
    Github {
        api: String,
    },
    /// Bitbucket's `GET {api}/user/emails`: the primary confirmed address.
    Bitbucket {
        api: String,
    },
}

/// Written in a preset's endpoint URLs for the issuer (the instance's base
/// URL) of self-hosted services: `{issuer}/oauth/authorize`.
pub(crate) const ISSUER_PLACEHOLDER: &str = "{issuer}";

/// Written in a profile request header's value for the client id (Trakt's
/// `trakt-api-key`).
pub(crate) const CLIENT_ID_PLACEHOLDER: &str = "{client_id}";

/// A client secret: never in `Debug`, wiped from memory when dropped.
#[derive(Clone)]
pub(crate) struct Secret(pub(crate) Arc<Zeroizing<String>>);

impl Secret {
    pub(crate) fn new(value: String) -> Self {
        Self(Arc::new(Zeroizing::new(value)))
    }
    pub(crate) fn expose(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// An OAuth 2 or OpenID Connect provider: a preset ([`crate::github`],
/// [`crate::google`], ...) or one configured by hand with [`OAuth::oidc`] or
/// [`OAuth::oauth2`].
///
/// Settings not given in code are read from the environment when the
/// provider is added to the engine (`.provider(...)`): `AUTH_<ID>_ID`,
/// `AUTH_<ID>_SECRET`, `AUTH_<ID>_ISSUER`, with the id upper-cased and `-`
/// written `_` (`microsoft-entra-id` → `AUTH_MICROSOFT_ENTRA_ID_ID`).
/// Anything still missing is reported by `AuthBuilder::build`.
///
/// ```
/// use keyway_oauth::OAuth;
///
/// let company = OAuth::oidc("company", "Company SSO")
///     .issuer("https://sso.example.com")
///     .client_id("keyway")
///     .client_secret("s3cret");
/// let auth = keyway_core::Auth::builder()
///     .secret("a-secret-of-at-least-32-bytes-long!!")
///     .url("https://app.example.com")
///     .provider(company)
///     .build();
/// assert!(auth.is_ok());
/// ```
#[derive(Clone)]
pub struct OAuth {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) kind: ProviderType,
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<Secret>,
    pub(crate) issuer: Option<String>,
    pub(crate) default_issuer: Option<String>,
    pub(crate) well_known: Option<String>,
    pub(crate) metadata: Option<ProviderMetadata>,
    pub(crate) authorization_endpoint: Option<String>,
    pub(crate) token_endpoint: Option<String>,
    pub(crate) userinfo_endpoint: Option<String>,
    pub(crate) jwks_uri: Option<String>,
    pub(crate) id_token_algorithms: Vec<JwsAlgorithm>,
    pub(crate) scope: Option<String>,
    pub(crate) params: Vec<(String, String)>,
    pub(crate) checks: Vec<Check>,
    pub(crate) auth_method: TokenAuthMethod,
    pub(crate) form_post: bool,
    pub(crate) fetch_userinfo: bool,
    pub(crate) userinfo_request: UserinfoRequest,
    pub(crate) userinfo_headers: Vec<(String, String)>,
    pub(crate) email_fallback: EmailFallback,
    pub(crate) token_fields: &'static [&'static str],
    pub(crate) client_id_param: Option<&'static str>,
    pub(crate) dialect: Dialect,
    pub(crate) revocation_endpoint: Option<String>,
    pub(crate) revoke_on_sign_out: bool,
    pub(crate) profile: Option<Arc<ProfileFn>>,
    pub(crate) style: ProviderStyle,
    pub(crate) dangerous_linking: bool,
    pub(crate) timeout: Duration,
    pub(crate) root_certificates: Vec<Vec<u8>>,
    pub(crate) runtime: Arc<Runtime>,
}

impl fmt::Debug for OAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth")
            .field("id", &self.id)
            .field("kind", &self.kind.as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("issuer", &self.issuer_url())
            .field("checks", &self.checks)
            .field("auth_method", &self.auth_method)
            .field("id_token_algorithms", &self.id_token_algorithms)
            .finish_non_exhaustive()
    }
}

/// The default request timeout for calls to the provider.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

impl OAuth {
    fn new(id: &str, name: &str, kind: ProviderType, checks: Vec<Check>) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            kind,
            client_id: None,
            client_secret: None,
            issuer: None,
            default_issuer: None,
            well_known: None,
            metadata: None,
            authorization_endpoint: None,
            token_endpoint: None,
            userinfo_endpoint: None,
            jwks_uri: None,
            id_token_algorithms: JwsAlgorithm::ASYMMETRIC.to_vec(),
            scope: None,
            params: Vec::new(),
            checks,
            auth_method: TokenAuthMethod::default(),
            form_post: false,
            fetch_userinfo: false,
            userinfo_request: UserinfoRequest::Get,
            userinfo_headers: Vec::new(),
            email_fallback: EmailFallback::None,
            token_fields: &[],
            client_id_param: None,
            dialect: Dialect::Standard,
            revocation_endpoint: None,
            revoke_on_sign_out: false,
            profile: None,
            style: ProviderStyle::default(),
            dangerous_linking: false,
            timeout: DEFAULT_TIMEOUT,
            root_certificates: Vec::new(),
            runtime: Arc::new(Runtime::new(DEFAULT_TIMEOUT, Vec::new())),
        }
    }

    /// An OpenID Connect provider: endpoints come from the issuer's discovery
    /// document, the profile from the validated ID token. Checks PKCE, state
    /// and nonce; scope `openid profile email`.
    pub fn oidc(id: &str, name: &str) -> Self {
        Self::new(
            id,
            name,
            ProviderType::Oidc,
            vec![Check::Pkce, Check::State, Check::Nonce],
        )
    }

    /// A plain OAuth 2 provider: set the authorization, token and userinfo
    /// endpoints. Checks PKCE and state.
    pub fn oauth2(id: &str, name: &str) -> Self {
        Self::new(
            id,
            name,
            ProviderType::OAuth,
            vec![Check::Pkce, Check::State],
        )
    }

    /// Another id (used in URLs: `/api/auth/signin/{id}`, and for the
    /// environment variables).
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// Another display name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The client id registered at the provider.
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }

    /// The client secret registered at the provider.
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(Secret::new(secret.into()));
        self
    }

    /// The issuer URL; its `/.well-known/openid-configuration` gives the
    /// endpoints, and the ID token's `iss` must equal it.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Another discovery document URL than `{issuer}/.well-known/openid-configuration`.
    pub fn well_known(mut self, url: impl Into<String>) -> Self {
        self.well_known = Some(url.into());
        self
    }

    /// Uses this metadata instead of fetching the discovery document.
    pub fn metadata(mut self, metadata: ProviderMetadata) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// The authorization endpoint. Query parameters on it are sent too.
    pub fn authorization_endpoint(mut self, url: impl Into<String>) -> Self {
        self.authorization_endpoint = Some(url.into());
        self
    }

    /// The token endpoint.
    pub fn token_endpoint(mut self, url: impl Into<String>) -> Self {
        self.token_endpoint = Some(url.into());
        self
    }

    /// The userinfo endpoint.
    pub fn userinfo_endpoint(mut self, url: impl Into<String>) -> Self {
        self.userinfo_endpoint = Some(url.into());
        self
    }

    /// The token revocation endpoint (RFC 7009), when the provider has one
    /// and discovery does not name it.
    pub fn revocation_endpoint(mut self, url: impl Into<String>) -> Self {
        self.revocation_endpoint = Some(url.into());
        self
    }

    /// Revokes the account's tokens at the provider when the user signs out
    /// (off by default). Needs a revocation endpoint (set, discovered or the
    /// preset's) and an adapter that stores the tokens; a revocation that
    /// fails is logged and does not stop the sign-out.
    pub fn revoke_on_sign_out(mut self, on: bool) -> Self {
        self.revoke_on_sign_out = on;
        self
    }

    /// The JWKS URL that verifies ID tokens, when there is no discovery.
    pub fn jwks_uri(mut self, url: impl Into<String>) -> Self {
        self.jwks_uri = Some(url.into());
        self
    }

    /// The algorithms an ID token from this provider may be signed with;
    /// one signed with any other is refused (`CALLBACK_OAUTH_ERROR`) before
    /// its signature is checked.
    ///
    /// The default is [`JwsAlgorithm::ASYMMETRIC`]: RSA, RSA-PSS, ECDSA and
    /// Ed25519, verified with the provider's published keys (JWKS). The
    /// HMAC algorithms (`HS256`, `HS384`, `HS512`) verify with the client
    /// secret (OpenID Connect Core §10.1), so anyone who holds the secret
    /// can make a token that passes: list them only for a provider that
    /// signs that way (the [`line()`](crate::line) preset does), and with a
    /// client secret set. Unsigned tokens (`alg: none`) are always refused.
    ///
    /// ```
    /// use keyway_oauth::{JwsAlgorithm, OAuth};
    ///
    /// // An in-house provider that signs ID tokens with its client secret.
    /// let sso = OAuth::oidc("sso", "SSO")
    ///     .issuer("https://sso.example.com")
    ///     .client_id("app")
    ///     .client_secret("a-long-random-client-secret")
    ///     .id_token_algorithms(&[JwsAlgorithm::HS256]);
    /// # let _ = sso;
    /// ```
    pub fn id_token_algorithms(mut self, algorithms: &[JwsAlgorithm]) -> Self {
        self.id_token_algorithms = algorithms.to_vec();
        self
    }

    /// The scopes to ask for, space separated.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// An extra authorization parameter (`prompt`, `access_type`, ...).
    /// Parameters of the sign-in request's query win over it.
    pub fn authorization_param(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        let name = name.into();
        let value = value.into();
        match self.params.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.params.push((name, value)),
        }
        self
    }

    /// The checks that protect the callback (`&[]` for none).
    pub fn checks(mut self, checks: &[Check]) -> Self {
        self.checks = checks.to_vec();
        self
    }

    /// How the client authenticates at the token endpoint.
    pub fn token_auth_method(mut self, method: TokenAuthMethod) -> Self {
        self.auth_method = method;
        self
    }

    /// Asks for `response_mode=form_post`: the provider POSTs the answer to
    /// the callback (Apple). The check cookies are then `SameSite=None;
    /// Secure`, so the site must be served over https.
    pub fn form_post(mut self, on: bool) -> Self {
        self.form_post = on;
        self
    }

    /// For OpenID Connect: also fetch the userinfo endpoint and merge it over
    /// the ID token's claims (Auth.js's `idToken: false`).
    pub fn fetch_userinfo(mut self, on: bool) -> Self {
        self.fetch_userinfo = on;
        self
    }

    /// A header sent with profile requests (e.g. an API version).
    pub fn userinfo_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.userinfo_headers.push((name.into(), value.into()));
        self
    }

    /// The application's own profile mapping, instead of the preset's. Set
    /// [`OAuthProfile::email_verified`](keyway_core::oauth::OAuthProfile)
    /// only when the provider proves the address: the engine stores and
    /// matches an email only then.
    pub fn profile<F>(mut self, map: F) -> Self
    where
        F: Fn(&Value, &TokenSet) -> Result<OAuthProfile, BoxError> + Send + Sync + 'static,
    {
        self.profile = Some(Arc::new(map));
        self
    }

    /// How the button looks on the built-in sign-in page.
    pub fn style(mut self, style: ProviderStyle) -> Self {
        self.style = style;
        self
    }

    /// Links this provider's account to an existing user with the same email
    /// without asking. Only for providers that verify email addresses.
    pub fn allow_dangerous_email_account_linking(mut self, on: bool) -> Self {
        self.dangerous_linking = on;
        self
    }

    /// The timeout of each request to the provider (default 20 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self.runtime = Arc::new(Runtime::new(timeout, self.root_certificates.clone()));
        self
    }

    /// Also trusts this root certificate (PEM) for the provider's https
    /// endpoints: a self-hosted provider behind a private certificate
    /// authority. The public roots stay trusted.
    pub fn root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self.runtime = Arc::new(Runtime::new(self.timeout, self.root_certificates.clone()));
        self
    }

    /// Fills what is not set in code from `AUTH_<ID>_ID`, `AUTH_<ID>_SECRET`
    /// and `AUTH_<ID>_ISSUER`. Done automatically when the provider is added
    /// to the engine.
    pub fn from_env(mut self) -> Self {
        let var = |suffix: &str| {
            std::env::var(env_name(&self.id, suffix))
                .ok()
                .filter(|v| !v.trim().is_empty())
        };
        if self.client_id.is_none() {
            self.client_id = var("ID");
        }
        if self.client_secret.is_none() {
            self.client_secret = var("SECRET").map(Secret::new);
        }
        if self.issuer.is_none() {
            self.issuer = var("ISSUER");
        }
        self
    }

    /// The issuer in use: set in code or the environment, else the preset's.
    pub(crate) fn issuer_url(&self) -> Option<&str> {
        self.issuer
            .as_deref()
            .or(self.default_issuer.as_deref())
            .map(|s| s.trim_end_matches('/'))
            .filter(|s| !s.is_empty())
    }

    /// An endpoint URL with `{issuer}` replaced by the issuer in use.
    pub(crate) fn resolve(&self, url: &str) -> String {
        match self.issuer_url() {
            Some(issuer) if url.contains(ISSUER_PLACEHOLDER) => {
                url.replace(ISSUER_PLACEHOLDER, issuer)
            }
            _ => url.to_owned(),
        }
    }

    pub(crate) fn check(&self) -> Result<(), String> {
        if self.client_id.as_deref().is_none_or(str::is_empty) {
            return Err(format!(
                "no client id: set {} or call .client_id(...)",
                env_name(&self.id, "ID")
            ));
        }
        if self.auth_method != TokenAuthMethod::None && self.client_secret.is_none() {
            return Err(format!(
                "no client secret: set {} or call .client_secret(...) (or use \
                 TokenAuthMethod::None for a public client)",
                env_name(&self.id, "SECRET")
            ));
        }
        if self.id_token_algorithms.is_empty() {
            return Err(
                "id_token_algorithms(&[]) refuses every ID token: list at least one algorithm"
                    .to_owned(),
            );
        }
        let symmetric: Vec<JwsAlgorithm> = self
            .id_token_algorithms
            .iter()
            .copied()
            .filter(|a| a.is_symmetric())
            .collect();
        if !symmetric.is_empty() && self.client_secret.is_none() {
            return Err(format!(
                "id_token_algorithms lists {}, which verify with the client secret, but there \
                 is none: set {} or call .client_secret(...)",
                algorithms::list(&symmetric),
                env_name(&self.id, "SECRET")
            ));
        }
        let needs_issuer = [
            &self.authorization_endpoint,
            &self.token_endpoint,
            &self.userinfo_endpoint,
            &self.revocation_endpoint,
        ]
        .into_iter()
        .flatten()
        .any(|url| url.contains(ISSUER_PLACEHOLDER));
        if needs_issuer && self.issuer_url().is_none() {
            return Err(format!(
                "no issuer: set {} to the base URL of the service (or call .issuer(...))",
                env_name(&self.id, "ISSUER")
            ));
        }
        if self.revoke_on_sign_out
            && self.revocation_endpoint.is_none()
            && self
                .metadata
                .as_ref()
                .is_none_or(|m| m.revocation_endpoint.is_none())
            && (self.metadata.is_some() || self.issuer_url().is_none())
        {
            return Err(
                "revoke_on_sign_out(true) needs a revocation endpoint: call \
                 .revocation_endpoint(...) (or use an issuer whose discovery document names one)"
                    .to_owned(),
            );
        }
        let pem_certificates = |pem: &Vec<u8>| matches!(reqwest::Certificate::from_pem_bundle(pem), Ok(c) if !c.is_empty());
        if !self.root_certificates.iter().all(pem_certificates) {
            return Err("a root certificate given to .root_certificate_pem(...) is not PEM".into());
        }
        let has = |endpoint: &Option<String>| {
            endpoint.is_some() || self.metadata.is_some() || self.issuer_url().is_some()
        };
        let needs_userinfo = self.kind == ProviderType::OAuth
            && !matches!(self.userinfo_request, UserinfoRequest::TokenResponse(_));
        if !has(&self.authorization_endpoint)
            || !has(&self.token_endpoint)
            || (needs_userinfo && !has(&self.userinfo_endpoint))
        {
            return Err(format!(
                "no issuer and not every endpoint is set: set {} (the issuer URL, whose \
                 /.well-known/openid-configuration lists the endpoints) or the authorization, \
                 token and userinfo endpoints",
                env_name(&self.id, "ISSUER")
            ));
        }
        for url in [
            &self.authorization_endpoint,
            &self.token_endpoint,
            &self.userinfo_endpoint,
            &self.revocation_endpoint,
            &self.jwks_uri,
            &self.well_known,
            &self.issuer_url().map(str::to_owned),
        ]
        .into_iter()
        .flatten()
        {
            let url = &self.resolve(url);
            let parsed = url::Url::parse(url).map_err(|_| format!("{url:?} is not a URL"))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(format!("{url:?} is not an http(s) URL"));
            }
        }
        Ok(())
    }
}

/// `AUTH_<ID>_<SUFFIX>`, the id upper-cased with `-` written `_`.
pub fn env_name(id: &str, suffix: &str) -> String {
    let id: String = id
        .chars()
        .map(|c| match c {
            '-' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    format!("AUTH_{id}_{suffix}")
}

impl From<OAuth> for Provider {
    fn from(provider: OAuth) -> Self {
        Provider::OAuth(Arc::new(provider.from_env()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_follow_authjs() {
        assert_eq!(env_name("github", "ID"), "AUTH_GITHUB_ID");
        assert_eq!(
            env_name("microsoft-entra-id", "ISSUER"),
            "AUTH_MICROSOFT_ENTRA_ID_ISSUER"
        );
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let p = OAuth::oidc("x", "X")
            .client_id("id")
            .client_secret("hunter2");
        let text = format!("{p:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
    }

    #[test]
    fn id_token_algorithms_are_checked_at_build() {
        let p = || {
            OAuth::oidc("my-idp", "X")
                .issuer("https://idp.example")
                .client_id("a")
        };
        assert_eq!(
            p().client_secret("s").id_token_algorithms,
            JwsAlgorithm::ASYMMETRIC.to_vec()
        );
        let e = p()
            .client_secret("s")
            .id_token_algorithms(&[])
            .check()
            .unwrap_err();
        assert!(e.contains("refuses every ID token"), "{e}");
        // HMAC verifies with the client secret: a public client has none.
        let public = p()
            .token_auth_method(TokenAuthMethod::None)
            .id_token_algorithms(&[JwsAlgorithm::ES256, JwsAlgorithm::HS512]);
        let e = public.clone().check().unwrap_err();
        assert!(
            e.contains("lists HS512") && e.contains("AUTH_MY_IDP_SECRET"),
            "{e}"
        );
        assert!(public.client_secret("s").check().is_ok());
        let listed = format!("{:?}", p().id_token_algorithms(&[JwsAlgorithm::EdDSA]));
        assert!(listed.contains("id_token_algorithms: [EdDSA]"), "{listed}");
    }

    #[test]
    fn missing_settings_name_the_variable() {
        let e = OAuth::oidc("my-idp", "X").check().unwrap_err();
        assert!(e.contains("AUTH_MY_IDP_ID"), "{e}");
        let e = OAuth::oidc("my-idp", "X")
            .client_id("a")
            .check()
            .unwrap_err();
        assert!(e.contains("AUTH_MY_IDP_SECRET"), "{e}");
        let e = OAuth::oidc("my-idp", "X")
            .client_id("a")
            .client_secret("b")
            .check()
            .unwrap_err();
        assert!(e.contains("AUTH_MY_IDP_ISSUER"), "{e}");
        let ok = OAuth::oidc("my-idp", "X")
            .client_id("a")
            .client_secret("b")
            .issuer("https://idp.example");
        assert_eq!(ok.check(), Ok(()));
        let bad = ok.clone().token_endpoint("ftp://x");
        assert!(bad.check().is_err());
        let public = OAuth::oidc("pub", "P")
            .client_id("a")
            .token_auth_method(TokenAuthMethod::None)
            .issuer("https://idp.example");
        assert_eq!(public.check(), Ok(()));
    }

    #[test]
    fn issuer_placeholders_resolve_to_the_instance() {
        let p = crate::mattermost();
        let e = p
            .clone()
            .client_id("a")
            .client_secret("b")
            .check()
            .unwrap_err();
        assert!(e.contains("AUTH_MATTERMOST_ISSUER"), "{e}");
        let p = p.issuer("https://chat.example.com/");
        assert_eq!(
            p.resolve("{issuer}/oauth/access_token"),
            "https://chat.example.com/oauth/access_token"
        );
        assert_eq!(p.resolve("https://fixed/x"), "https://fixed/x");
        assert_eq!(p.client_id("a").client_secret("b").check(), Ok(()));
    }

    #[test]
    fn plain_oauth2_needs_three_endpoints() {
        let p = OAuth::oauth2("x", "X")
            .client_id("a")
            .client_secret("b")
            .authorization_endpoint("https://x/authorize")
            .token_endpoint("https://x/token");
        assert!(p.check().unwrap_err().contains("userinfo"));
        assert_eq!(p.userinfo_endpoint("https://x/me").check(), Ok(()));
    }
}
