//! [`SessionLayer`]: gives the extractors the engine, and puts the cookies the
//! engine rolled while they read the session on the response.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use http::{HeaderMap, HeaderValue, Request, Response, header};
use keyway_core::{Auth, CurrentSession};
use tokio::sync::OnceCell;

/// A tower layer that rolls the session cookie for the extractors.
///
/// [`with_auth`](crate::AuthRouter::with_auth) adds it for you. For each request it stores a small per-request slot in the request's
/// extensions. The first extractor that needs the session asks the engine
/// ([`Auth::session`]) once and keeps the answer there, so several extractors
/// in one handler cost one lookup. When the handler has answered, the layer
/// appends the `Set-Cookie` values the engine returned with the session (a
/// refreshed session cookie, or one cleared because it expired or is
/// invalid) to the response, whatever its status.
///
/// Without it the extractors still work (they read the session through the
/// [`Auth`] in the router's state), but a refreshed or cleared session
/// cookie never reaches the browser, so a session ends `maxAge` after
/// sign-in however active its user is. Add it after the routes whose
/// handlers use the extractors, as [`mount`](crate::mount) does:
///
/// ```
/// # use axum::{Router, routing::get};
/// # fn app(auth: keyway_core::Auth) -> Router {
/// Router::new()
///     .route("/me", get(|user: keyway_axum::CurrentUser| async move { format!("{:?}", user.name) }))
///     .merge(keyway_axum::routes(auth.clone()))
///     .layer(keyway_axum::SessionLayer::new(auth.clone()))
///     .with_state(auth)
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SessionLayer {
    auth: Auth,
}

impl SessionLayer {
    /// A layer for this engine.
    pub fn new(auth: Auth) -> Self {
        Self { auth }
    }
}

impl<S> tower::Layer<S> for SessionLayer {
    type Service = SessionService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SessionService {
            auth: self.auth.clone(),
            inner,
        }
    }
}

/// The service [`SessionLayer`] wraps around the app.
#[derive(Debug, Clone)]
pub struct SessionService<S> {
    auth: Auth,
    inner: S,
}

impl<S, ReqBody, ResBody> tower::Service<Request<ReqBody>> for SessionService<S>
where
    S: tower::Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let slot = Arc::new(RequestSession::new(self.auth.clone()));
        request.extensions_mut().insert(Arc::clone(&slot));
        // Call the clone that was polled ready, leave a fresh one behind.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let response = inner.call(request);
        Box::pin(async move {
            let mut response = response.await?;
            for cookie in slot.take_cookies() {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            Ok(response)
        })
    }
}

/// The per-request slot the layer shares with the extractors.
pub(crate) struct RequestSession {
    auth: Auth,
    session: OnceCell<Option<CurrentSession>>,
    cookies: Mutex<Vec<HeaderValue>>,
}

impl RequestSession {
    fn new(auth: Auth) -> Self {
        Self {
            auth,
            session: OnceCell::new(),
            cookies: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn auth(&self) -> &Auth {
        &self.auth
    }

    /// The request's session, asked of the engine on first use; the cookies
    /// that come with it are kept for the response.
    pub(crate) async fn session(&self, headers: &HeaderMap) -> Option<CurrentSession> {
        self.session
            .get_or_init(|| async {
                let lookup = self.auth.session(headers).await;
                self.cookies
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .extend(lookup.set_cookies);
                lookup.session
            })
            .await
            .clone()
    }

    fn take_cookies(&self) -> Vec<HeaderValue> {
        std::mem::take(&mut *self.cookies.lock().unwrap_or_else(PoisonError::into_inner))
    }
}
