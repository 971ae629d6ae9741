//! [`SignInPage`]: what an application's own sign-in page needs.

use std::ops::Deref;

use axum::extract::{FromRef, FromRequestParts, OriginalUri};
use axum::response::{AppendHeaders, IntoResponse, Response};
use http::request::Parts;
use http::{HeaderName, HeaderValue, StatusCode, header};
use keyway_core::{Auth, SignInPageData};

/// The CSRF token (and its cookie), the providers with their URLs, the
/// callback URL and the `?error=` code, for a server-rendered sign-in page
/// of the application's own ([`Auth::sign_in_page`]). Dereferences to
/// [`SignInPageData`].
///
/// The page's response must carry [`set_cookies`](Self::set_cookies):
///
/// ```
/// use axum::response::{Html, IntoResponse};
///
/// async fn login(page: keyway_axum::SignInPage) -> impl IntoResponse {
///     let mut html = String::from("<h1>Sign in</h1>");
///     for p in &page.providers {
///         html.push_str(&format!(
///             r#"<form method="post" action="{}"><input type="hidden" name="csrfToken" value="{}">
///                <input type="hidden" name="callbackUrl" value="{}"><button>{}</button></form>"#,
///             p.form_action(), page.csrf_token, page.callback_url, p.name, // escape these in a real page
///         ));
///     }
///     (page.set_cookies(), Html(html))
/// }
/// ```
#[derive(Debug, Clone)]
pub struct SignInPage(pub SignInPageData);

impl SignInPage {
    /// The `Set-Cookie` headers the page's response must carry (the CSRF
    /// cookie, the callback-URL cookie), as response parts.
    pub fn set_cookies(&self) -> AppendHeaders<Vec<(HeaderName, HeaderValue)>> {
        AppendHeaders(
            self.0
                .set_cookies
                .iter()
                .map(|c| (header::SET_COOKIE, c.clone()))
                .collect(),
        )
    }
}

impl Deref for SignInPage {
    type Target = SignInPageData;

    fn deref(&self) -> &SignInPageData {
        &self.0
    }
}

/// The request's host cannot be used for URLs (see
/// [`SignInPageError`](keyway_core::SignInPageError)): answered with `400`.
#[derive(Debug)]
pub struct SignInPageRejection(keyway_core::SignInPageError);

impl IntoResponse for SignInPageRejection {
    fn into_response(self) -> Response {
        tracing::warn!("[keyway][warn] sign-in page refused: {}", self.0);
        (StatusCode::BAD_REQUEST, "Bad request.").into_response()
    }
}

impl<S> FromRequestParts<S> for SignInPage
where
    S: Send + Sync,
    Auth: FromRef<S>,
{
    type Rejection = SignInPageRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_ref(state);
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map_or(&parts.uri, |o| &o.0);
        auth.sign_in_page(uri, &parts.headers)
            .await
            .map(Self)
            .map_err(SignInPageRejection)
    }
}
