//! What an application's own, server-rendered sign-in page needs from the
//! engine ([`Auth::sign_in_page`]): the CSRF token and the cookie that
//! carries it, the providers with the URLs their forms post to, the
//! callback URL and the `?error=` code.

use http::{HeaderMap, HeaderValue, Method, Request, Uri};

use crate::auth::Auth;
use crate::codes::SignInPageCode;
use crate::pages::CredentialField;
use crate::provider::{Provider, ProviderType};
use crate::request::Body;

/// One provider as a custom sign-in page draws it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SignInProvider {
    /// The provider's id (`github`, `email`, `credentials`, ...).
    pub id: String,
    /// Its display name.
    pub name: String,
    /// OAuth, OIDC, email or credentials.
    pub kind: ProviderType,
    /// `{origin}{base path}/signin/{id}`, as `GET /providers` gives it:
    /// where an OAuth or email sign-in form posts.
    pub signin_url: String,
    /// `{origin}{base path}/callback/{id}`, as `GET /providers` gives it:
    /// where a credentials form posts.
    pub callback_url: String,
    /// The inputs of a credentials provider's form; empty for the others.
    pub fields: Vec<CredentialField>,
}

impl SignInProvider {
    /// Where this provider's sign-in form posts: the callback URL for
    /// credentials, the sign-in URL for every other kind.
    pub fn form_action(&self) -> &str {
        match self.kind {
            ProviderType::Credentials => &self.callback_url,
            _ => &self.signin_url,
        }
    }
}

/// Everything a server-rendered sign-in page needs, from
/// [`Auth::sign_in_page`].
///
/// Every form on the page posts `csrfToken` (hidden input, value
/// [`csrf_token`](Self::csrf_token)) and `callbackUrl`
/// ([`callback_url`](Self::callback_url)); the answer that shows the page
/// must carry [`set_cookies`](Self::set_cookies), or the token will not
/// match the cookie when the form comes back.
#[derive(Clone)]
#[non_exhaustive]
pub struct SignInPageData {
    /// The value of the `csrfToken` field of every form.
    pub csrf_token: String,
    /// `Set-Cookie` values for the page's response: the CSRF cookie when the
    /// browser had none (or an invalid one) and the callback-URL cookie when
    /// it changes.
    pub set_cookies: Vec<HeaderValue>,
    /// Every configured provider, in configuration order.
    pub providers: Vec<SignInProvider>,
    /// Where to go after signing in: the page's `callbackUrl` query
    /// parameter (or the callback cookie) through the redirect callback,
    /// always on the site; the site's root otherwise.
    pub callback_url: String,
    /// The page's `?error=` code, if any (an unknown value is
    /// [`SignInPageCode::Default`]).
    pub error: Option<SignInPageCode>,
}

impl std::fmt::Debug for SignInPageData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is a secret of the browser's: never in a log line.
        f.debug_struct("SignInPageData")
            .field("csrf_token", &"<redacted>")
            .field("set_cookies", &self.set_cookies.len())
            .field("providers", &self.providers)
            .field("callback_url", &self.callback_url)
            .field("error", &self.error)
            .finish()
    }
}

/// Why [`Auth::sign_in_page`] has nothing for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignInPageError {
    /// Without `AUTH_URL`, the request's host is unusable or not among
    /// `AUTH_TRUSTED_HOSTS`, so no URL can be built for it: answer `400`,
    /// as the engine does.
    #[error("the request's host is missing, unusable or not trusted")]
    UntrustedHost,
}

impl Auth {
    /// What an application's own sign-in page needs (see
    /// [`pages.signIn`](crate::Pages)): the CSRF token and its cookie, the
    /// providers with their URLs, the callback URL and the error code, for
    /// the page request's URI (its query carries `callbackUrl` and `error`)
    /// and headers (the host, the cookies).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use keyway_core::Auth;
    ///
    /// let auth = Auth::builder()
    ///     .secret("a-long-random-secret-value-0123456789")
    ///     .url("https://example.com")
    ///     .build()?;
    /// let uri = "/login?callbackUrl=%2Fdashboard&error=CredentialsSignin".parse()?;
    /// let page = auth.sign_in_page(&uri, &http::HeaderMap::new()).await?;
    /// assert_eq!(page.callback_url, "https://example.com/dashboard");
    /// assert_eq!(page.error, Some(keyway_core::SignInPageCode::CredentialsSignin));
    /// assert!(!page.csrf_token.is_empty());
    /// assert!(!page.set_cookies.is_empty()); // the CSRF cookie, for the page's response
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn sign_in_page(
        &self,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Result<SignInPageData, SignInPageError> {
        let mut parts = match Request::builder()
            .method(Method::GET)
            .uri(uri.clone())
            .body(())
        {
            Ok(r) => r.into_parts().0,
            Err(_) => return Err(SignInPageError::UntrustedHost),
        };
        parts.headers = headers.clone();
        let ctx = self
            .context(&parts, Body::default())
            .await
            .map_err(|_| SignInPageError::UntrustedHost)?;
        let providers = self
            .providers()
            .iter()
            .map(|p| SignInProvider {
                id: p.id().to_owned(),
                name: p.name().to_owned(),
                kind: p.kind(),
                signin_url: ctx.action_url(&format!("signin/{}", p.id())),
                callback_url: ctx.action_url(&format!("callback/{}", p.id())),
                fields: match p {
                    Provider::Credentials(c) => c.fields().to_vec(),
                    _ => Vec::new(),
                },
            })
            .collect();
        Ok(SignInPageData {
            csrf_token: ctx.csrf.token().to_owned(),
            set_cookies: ctx
                .init_cookies()
                .iter()
                .filter_map(|c| HeaderValue::try_from(c.header_value()).ok())
                .collect(),
            providers,
            callback_url: ctx.callback_url.clone(),
            error: ctx
                .query
                .get("error")
                .map(|e| SignInPageCode::from_query(e)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> Auth {
        Auth::builder()
            .secret("a-long-random-secret-value-0123456789")
            .url("https://example.com")
            .build()
            .expect("valid configuration")
    }

    #[tokio::test]
    async fn a_browser_with_a_csrf_cookie_keeps_its_token_and_gets_no_new_cookie() {
        let auth = auth();
        let uri: Uri = "/login".parse().expect("uri");
        let first = auth
            .sign_in_page(&uri, &HeaderMap::new())
            .await
            .expect("page");
        let cookie = first
            .set_cookies
            .iter()
            .filter_map(|c| c.to_str().ok())
            .find(|c| c.contains("csrf-token="))
            .expect("a csrf cookie")
            .split(';')
            .next()
            .expect("name=value")
            .to_owned();
        let mut headers = HeaderMap::new();
        headers.insert(http::header::COOKIE, cookie.parse().expect("header"));
        let again = auth.sign_in_page(&uri, &headers).await.expect("page");
        assert_eq!(again.csrf_token, first.csrf_token);
        assert!(
            !again
                .set_cookies
                .iter()
                .any(|c| c.to_str().is_ok_and(|c| c.contains("csrf-token="))),
            "{:?}",
            again.set_cookies
        );
        assert_eq!(again.error, None);
        assert_eq!(again.callback_url, "https://example.com");
    }

    #[tokio::test]
    async fn a_callback_url_off_the_site_is_not_used() {
        let uri: Uri = "/login?callbackUrl=https%3A%2F%2Fevil.example%2F&error=nonsense"
            .parse()
            .expect("uri");
        let page = auth()
            .sign_in_page(&uri, &HeaderMap::new())
            .await
            .expect("page");
        assert!(
            page.callback_url.starts_with("https://example.com"),
            "{}",
            page.callback_url
        );
        assert_eq!(page.error, Some(SignInPageCode::Default));
    }

    #[tokio::test]
    async fn an_untrusted_host_gets_nothing() {
        let auth = Auth::builder()
            .secret("a-long-random-secret-value-0123456789")
            .trust_host(true)
            .trusted_hosts(["example.com"])
            .build()
            .expect("valid configuration");
        let mut headers = HeaderMap::new();
        headers.insert(http::header::HOST, "evil.example".parse().expect("header"));
        let uri: Uri = "/login".parse().expect("uri");
        assert_eq!(
            auth.sign_in_page(&uri, &headers).await.map(|_| ()),
            Err(SignInPageError::UntrustedHost)
        );
    }

    #[test]
    fn debug_never_shows_the_token() {
        let data = SignInPageData {
            csrf_token: "secret-token-value".to_owned(),
            set_cookies: Vec::new(),
            providers: Vec::new(),
            callback_url: "/".to_owned(),
            error: None,
        };
        assert!(!format!("{data:?}").contains("secret-token-value"));
    }
}
