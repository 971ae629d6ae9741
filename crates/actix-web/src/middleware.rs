//! [`SessionMiddleware`]: gives the extractors the engine, and puts the
//! cookies the engine rolled while they read the session on the response.

use std::cell::RefCell;
use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest};
use futures::future::LocalBoxFuture;
use keyway_core::{Auth, CurrentSession};
use tokio::sync::OnceCell;

use crate::convert;

/// An actix-web middleware that rolls the session cookie for the
/// extractors.
///
/// Without it, in an app set up with [`configure`](crate::configure), the
/// extractors still work (they read the session through the engine in the
/// app data), but a refreshed or cleared session cookie never reaches the
/// browser, so a session ends `maxAge` after sign-in however active its
/// user is.
///
/// For each request it stores a small per-request slot in the request's
/// extensions. The first extractor that needs the session asks the engine
/// ([`Auth::session`]) once and keeps the answer there, so several extractors
/// in one handler cost one lookup. When the handler has answered, the
/// middleware appends the `Set-Cookie` values the engine returned with the
/// session (a refreshed session cookie, or one cleared because it expired or
/// is invalid) to the response, whatever its status.
///
/// [`app`](crate::app) adds it for you; to add it to an `App` of your own,
/// wrap the app with it:
///
/// ```
/// # use actix_web::{App, web};
/// # fn app(auth: keyway_core::Auth) {
/// App::new()
///     .wrap(keyway_actix_web::SessionMiddleware::new(auth.clone()))
///     .route("/me", web::get().to(|user: keyway_actix_web::CurrentUser| async move {
///         user.name.clone().unwrap_or_default()
///     }))
///     .configure(keyway_actix_web::configure(auth));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SessionMiddleware {
    auth: Auth,
}

impl SessionMiddleware {
    /// The middleware for this engine.
    pub fn new(auth: Auth) -> Self {
        Self { auth }
    }
}

impl<S, B> Transform<S, ServiceRequest> for SessionMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = SessionService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(SessionService {
            auth: self.auth.clone(),
            service,
        }))
    }
}

/// The service [`SessionMiddleware`] wraps around the app.
#[derive(Debug)]
pub struct SessionService<S> {
    auth: Auth,
    service: S,
}

impl<S, B> Service<ServiceRequest> for SessionService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let slot = Rc::new(RequestSession::new(self.auth.clone()));
        request.extensions_mut().insert(Rc::clone(&slot));
        let response = self.service.call(request);
        Box::pin(async move {
            let mut response = response.await?;
            for cookie in slot.take_cookies() {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            Ok(response)
        })
    }
}

/// The per-request slot the middleware shares with the extractors.
pub(crate) struct RequestSession {
    auth: Auth,
    session: OnceCell<Option<CurrentSession>>,
    cookies: RefCell<Vec<header::HeaderValue>>,
}

impl RequestSession {
    fn new(auth: Auth) -> Self {
        Self {
            auth,
            session: OnceCell::new(),
            cookies: RefCell::new(Vec::new()),
        }
    }

    /// The slot the middleware put on `request`, if it runs.
    pub(crate) fn of(request: &HttpRequest) -> Option<Rc<Self>> {
        request.extensions().get::<Rc<Self>>().cloned()
    }

    pub(crate) fn auth(&self) -> &Auth {
        &self.auth
    }

    /// The request's session, asked of the engine on first use; the cookies
    /// that come with it are kept for the response.
    pub(crate) async fn session(&self, request: &HttpRequest) -> Option<CurrentSession> {
        self.session
            .get_or_init(|| async {
                let lookup = self.auth.session(&convert::headers(request)).await;
                self.cookies
                    .borrow_mut()
                    .extend(lookup.set_cookies.iter().filter_map(convert::set_cookie));
                lookup.session
            })
            .await
            .clone()
    }

    fn take_cookies(&self) -> Vec<header::HeaderValue> {
        std::mem::take(&mut *self.cookies.borrow_mut())
    }
}
