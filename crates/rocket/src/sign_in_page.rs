//! [`SignInPage`]: what an application's own sign-in page needs.

use std::ops::Deref;

use keyway_core::SignInPageData;
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome};
use rocket::{Ignite, Request, Rocket, Sentinel};

use crate::answer;
use crate::fairing::Mounted;

/// The CSRF token, the providers with their URLs, the callback URL and the
/// `?error=` code, for a server-rendered sign-in page of the application's
/// own ([`Auth::sign_in_page`](keyway_core::Auth::sign_in_page)).
/// Dereferences to [`SignInPageData`]. The fairing puts the cookies the page
/// needs (the CSRF cookie, the callback-URL cookie) on the response; a
/// request whose host cannot be used for URLs fails with `400`.
///
/// ```
/// use rocket::response::content::RawHtml;
///
/// #[rocket::get("/login")]
/// fn login(page: keyway_rocket::SignInPage) -> RawHtml<String> {
///     let mut html = String::from("<h1>Sign in</h1>");
///     for p in &page.providers {
///         html.push_str(&format!(
///             r#"<form method="post" action="{}"><input type="hidden" name="csrfToken" value="{}">
///                <input type="hidden" name="callbackUrl" value="{}"><button>{}</button></form>"#,
///             p.form_action(), page.csrf_token, page.callback_url, p.name, // escape these in a real page
///         ));
///     }
///     RawHtml(html)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct SignInPage(pub SignInPageData);

impl Deref for SignInPage {
    type Target = SignInPageData;

    fn deref(&self) -> &SignInPageData {
        &self.0
    }
}

/// The page's cookies, for the fairing to add to the response.
#[derive(Debug, Default)]
pub(crate) struct PageCookies(pub(crate) Vec<String>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for SignInPage {
    type Error = keyway_core::SignInPageError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let Some(Mounted(auth)) = request.rocket().state::<Mounted>() else {
            // The sentinel keeps such a rocket from launching.
            return Outcome::Forward(Status::InternalServerError);
        };
        let uri: http::Uri = match request.uri().to_string().parse() {
            Ok(uri) => uri,
            Err(_) => {
                return Outcome::Error((
                    Status::BadRequest,
                    keyway_core::SignInPageError::UntrustedHost,
                ));
            }
        };
        match auth.sign_in_page(&uri, &answer::headers(request)).await {
            Ok(data) => {
                request.local_cache(|| {
                    PageCookies(
                        data.set_cookies
                            .iter()
                            .filter_map(|v| v.to_str().ok().map(str::to_owned))
                            .collect(),
                    )
                });
                Outcome::Success(Self(data))
            }
            Err(e) => Outcome::Error((Status::BadRequest, e)),
        }
    }
}

impl Sentinel for SignInPage {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        crate::guards::fairing_missing(rocket)
    }
}
