//! [`SignInPage`]: what an application's own sign-in page needs.

use std::fmt;
use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, HttpResponseBuilder, ResponseError};
use futures::future::LocalBoxFuture;
use keyway_core::{Auth, SignInPageData, SignInPageError};

use crate::convert;
use crate::middleware::RequestSession;

/// The CSRF token (and its cookie), the providers with their URLs, the
/// callback URL and the `?error=` code, for a server-rendered sign-in page
/// of the application's own ([`Auth::sign_in_page`]). Dereferences to
/// [`SignInPageData`]. Works in an app set up with [`app`](crate::app) or
/// [`configure`](crate::configure).
///
/// The page's response must carry the cookies
/// ([`add_cookies`](Self::add_cookies)):
///
/// ```
/// use actix_web::HttpResponse;
///
/// async fn login(page: keyway_actix_web::SignInPage) -> HttpResponse {
///     let mut html = String::from("<h1>Sign in</h1>");
///     for p in &page.providers {
///         html.push_str(&format!(
///             r#"<form method="post" action="{}"><input type="hidden" name="csrfToken" value="{}">
///                <input type="hidden" name="callbackUrl" value="{}"><button>{}</button></form>"#,
///             p.form_action(), page.csrf_token, page.callback_url, p.name, // escape these in a real page
///         ));
///     }
///     page.add_cookies(&mut HttpResponse::Ok()).content_type("text/html").body(html)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct SignInPage(pub SignInPageData);

impl SignInPage {
    /// Appends the `Set-Cookie` headers the page's response must carry (the
    /// CSRF cookie, the callback-URL cookie) to `response`.
    pub fn add_cookies<'a>(
        &self,
        response: &'a mut HttpResponseBuilder,
    ) -> &'a mut HttpResponseBuilder {
        for cookie in self.0.set_cookies.iter().filter_map(convert::set_cookie) {
            response.append_header((actix_web::http::header::SET_COOKIE, cookie));
        }
        response
    }
}

impl Deref for SignInPage {
    type Target = SignInPageData;

    fn deref(&self) -> &SignInPageData {
        &self.0
    }
}

/// Why [`SignInPage`] has nothing for a request.
#[derive(Debug)]
#[non_exhaustive]
pub enum SignInPageRejection {
    /// The request's host cannot be used for URLs: `400`.
    Host(SignInPageError),
    /// The app was given no engine ([`app`](crate::app) or
    /// [`configure`](crate::configure)): `500`, logged.
    NoEngine,
}

impl fmt::Display for SignInPageRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Host(e) => write!(f, "sign-in page refused: {e}"),
            Self::NoEngine => f.write_str(
                "keyway_actix_web::SignInPage ran in an app that was given no keyway engine: \
                 build the app with keyway_actix_web::app(auth), or add \
                 .configure(keyway_actix_web::configure(auth))",
            ),
        }
    }
}

impl ResponseError for SignInPageRejection {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Host(_) => StatusCode::BAD_REQUEST,
            Self::NoEngine => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        tracing::warn!("{self}");
        match self {
            Self::Host(_) => HttpResponse::BadRequest().body("Bad request."),
            Self::NoEngine => HttpResponse::InternalServerError().finish(),
        }
    }
}

impl FromRequest for SignInPage {
    type Error = SignInPageRejection;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let auth = match RequestSession::of(&request) {
                Some(slot) => slot.auth().clone(),
                None => request
                    .app_data::<Auth>()
                    .cloned()
                    .ok_or(SignInPageRejection::NoEngine)?,
            };
            let uri: http::Uri = request
                .uri()
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .parse()
                .map_err(|_| SignInPageRejection::Host(SignInPageError::UntrustedHost))?;
            auth.sign_in_page(&uri, &convert::headers(&request))
                .await
                .map(Self)
                .map_err(SignInPageRejection::Host)
        })
    }
}
