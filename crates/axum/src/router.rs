//! One call puts keyway in an app: [`AuthRouter::with_auth`] for a router
//! without state of its own, [`mount`] for one with.

use axum::Router;
use axum::extract::FromRef;
use keyway_core::Auth;

use crate::{SessionLayer, routes};

/// Adds keyway to a router in one call: [`with_auth`](Self::with_auth).
pub trait AuthRouter {
    /// Every auth action under the engine's base path ([`routes`]), the
    /// [`SessionLayer`] around the router's routes, and the engine as the
    /// router's state, which the extractors read. Call it after the app's
    /// routes: a route added later is outside the layer and no longer has
    /// the engine in its state, so a handler there that takes a session
    /// extractor does not compile.
    ///
    /// ```
    /// use axum::{Router, routing::get};
    /// use keyway_axum::{AuthRouter, RequireSession};
    ///
    /// # fn app(auth: keyway_core::Auth) -> Router {
    /// Router::new()
    ///     .route("/dashboard", get(|s: RequireSession| async move { format!("{:?}", s.user_id) }))
    ///     .with_auth(auth)
    /// # }
    /// ```
    ///
    /// Forgetting it is a compile error, not a failure at run time: a
    /// handler that takes a session extractor needs the engine in the
    /// router's state.
    ///
    /// ```compile_fail
    /// use axum::{Router, routing::get};
    /// use keyway_axum::RequireSession;
    ///
    /// # fn app(auth: keyway_core::Auth) -> Router {
    /// Router::new()
    ///     .route("/dashboard", get(|s: RequireSession| async move { format!("{:?}", s.user_id) }))
    ///     .merge(keyway_axum::routes(auth))
    /// # }
    /// ```
    fn with_auth(self, auth: Auth) -> Router;
}

impl AuthRouter for Router<Auth> {
    fn with_auth(self, auth: Auth) -> Router {
        mount(self, auth.clone()).with_state(auth)
    }
}

/// [`AuthRouter::with_auth`] for a router with state of its own: the auth
/// actions ([`routes`]) and the [`SessionLayer`], leaving the state to the
/// app, which gives the extractors the engine through
/// [`FromRef`](axum::extract::FromRef) (`#[derive(FromRef)]` on the state,
/// or an `impl`).
///
/// ```
/// use axum::{Router, extract::FromRef, routing::get};
/// use keyway_axum::RequireSession;
/// use keyway_core::Auth;
///
/// #[derive(Clone)]
/// struct AppState {
///     auth: Auth,
///     // ... the app's own
/// }
///
/// impl FromRef<AppState> for Auth {
///     fn from_ref(state: &AppState) -> Auth {
///         state.auth.clone()
///     }
/// }
///
/// # fn app(auth: Auth) -> Router {
/// let state = AppState { auth: auth.clone() };
/// let router = Router::new().route("/", get(|s: RequireSession| async move { format!("{:?}", s.user_id) }));
/// keyway_axum::mount(router, auth).with_state(state)
/// # }
/// ```
pub fn mount<S>(router: Router<S>, auth: Auth) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Auth: FromRef<S>,
{
    router
        .merge(routes(auth.clone()))
        .layer(SessionLayer::new(auth))
}
