//! Callbacks: async hooks through which an application steers sign-in,
//! redirects, token contents and the session object. Every method has a
//! default, so an application overrides only what it needs.

use async_trait::async_trait;

use crate::jwt::Claims;
use crate::model::{Account, User};
use crate::provider::{BoxError, CredentialsInput};
use crate::redirect::{Origin, default_redirect};
use crate::session::SessionData;

/// What the [`Callbacks::sign_in`] callback decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInDecision {
    /// Go on signing in.
    Allow,
    /// Refuse: the user sees the `AccessDenied` error page.
    Deny,
    /// Refuse and send the user to this URL (passed through the redirect
    /// callback, so it stays on the site by default).
    Redirect(String),
}

/// What [`Callbacks::sign_in`] is told.
#[derive(Debug)]
pub struct SignInParams<'a> {
    /// The user signing in (for an unknown email user, a placeholder).
    pub user: &'a User,
    /// The account used, if the provider has one.
    pub account: Option<&'a Account>,
    /// The posted credentials, for a credentials sign-in.
    pub credentials: Option<&'a CredentialsInput>,
    /// True when an email provider is about to *send* a link (not when it is
    /// used).
    pub email_verification_request: bool,
}

/// Why the [`Callbacks::jwt`] callback runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtTrigger {
    /// A known user signed in.
    SignIn,
    /// A new user was created by this sign-in.
    SignUp,
    /// `POST /session`: the client sent data to update the session.
    Update,
    /// A plain session read.
    Read,
}

/// What [`Callbacks::jwt`] is told.
#[derive(Debug)]
pub struct JwtParams<'a> {
    /// Why the callback runs.
    pub trigger: JwtTrigger,
    /// The user, at sign-in.
    pub user: Option<&'a User>,
    /// The account, at sign-in.
    pub account: Option<&'a Account>,
    /// Whether the user was created by this sign-in.
    pub is_new_user: bool,
    /// The data the client posted, for [`JwtTrigger::Update`].
    pub session: Option<&'a serde_json::Value>,
}

/// What [`Callbacks::session`] is told.
#[derive(Debug)]
pub struct SessionParams<'a> {
    /// The decoded token (JWT strategy); `None` on plain reads when
    /// [`Callbacks::session_uses_token`] and
    /// [`Callbacks::jwt_on_every_read`] both answer `false`.
    pub token: Option<&'a Claims>,
    /// The user (database strategy).
    pub user: Option<&'a User>,
    /// The data the client posted to `POST /session` (database strategy).
    pub new_session: Option<&'a serde_json::Value>,
    /// Set to [`JwtTrigger::Update`] for `POST /session`.
    pub trigger: Option<JwtTrigger>,
}

/// The application's hooks. See the module documentation.
#[async_trait]
pub trait Callbacks: Send + Sync + 'static {
    /// Decides whether a user may sign in. Runs for every provider kind,
    /// before anything is written. An error counts as [`SignInDecision::Deny`]
    /// and is logged.
    async fn sign_in(&self, params: &SignInParams<'_>) -> Result<SignInDecision, BoxError> {
        let _ = params;
        Ok(SignInDecision::Allow)
    }

    /// Chooses where to send the browser for `url` (a callback URL from the
    /// request or a [`SignInDecision::Redirect`]). The default keeps every
    /// redirect on the site's own origin: relative paths and same-origin URLs
    /// pass, anything else becomes the site root.
    async fn redirect(&self, url: &str, origin: &Origin) -> String {
        default_redirect(url, origin)
    }

    /// Shapes the JWT session token. Returning `None` ends the session.
    ///
    /// Runs at sign-in, on `POST /session` updates and, unless
    /// [`jwt_on_every_read`](Self::jwt_on_every_read) says otherwise, on
    /// every session read ([`JwtTrigger::Read`]). A token it changes on a
    /// read is re-issued (a new cookie), whatever the JWT update age.
    async fn jwt(&self, token: Claims, params: &JwtParams<'_>) -> Result<Option<Claims>, BoxError> {
        let _ = params;
        Ok(Some(token))
    }

    /// Whether [`jwt`](Self::jwt) runs on plain session reads
    /// ([`JwtTrigger::Read`]), as in Auth.js. Default `true`. An application
    /// whose `jwt` callback only shapes the token at sign-in and on updates
    /// answers `false`: a read then neither runs it nor compares the token
    /// it returns with the one it was given. [`DefaultCallbacks`] answers
    /// `false` (its `jwt` changes nothing).
    fn jwt_on_every_read(&self) -> bool {
        true
    }

    /// Whether [`session`](Self::session) reads the token
    /// ([`SessionParams::token`]) on plain JWT session reads. Default
    /// `true`. A `session` callback that never looks at the token answers
    /// `false`: when [`jwt_on_every_read`](Self::jwt_on_every_read) is
    /// `false` too, a read then keeps only the claims the session object
    /// needs instead of building the whole claim map, and the callback is
    /// given `token: None`. [`DefaultCallbacks`] answers `false`.
    fn session_uses_token(&self) -> bool {
        true
    }

    /// Shapes the session object sent to clients and returned by
    /// `Auth::session`.
    async fn session(
        &self,
        session: SessionData,
        params: &SessionParams<'_>,
    ) -> Result<SessionData, BoxError> {
        let _ = params;
        Ok(session)
    }
}

/// The callbacks used when the application sets none.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultCallbacks;

impl Callbacks for DefaultCallbacks {
    fn jwt_on_every_read(&self) -> bool {
        false
    }

    fn session_uses_token(&self) -> bool {
        false
    }
}
