//! The session request guards: [`OptionalSession`], [`RequireSession`] and
//! [`CurrentUser`].

use std::ops::Deref;

use keyway_core::{Auth, CurrentSession, SessionUser};
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome};
use rocket::response::{self, Responder};
use rocket::{Ignite, Request, Rocket, Sentinel};

use crate::answer::{self, Answer};
use crate::fairing::Mounted;

/// The status a [`RequireSession`] or [`CurrentUser`] guard fails with when
/// nobody is signed in. It never reaches the wire: keyway's catcher (or, if
/// an app's catcher took the request, the fairing) answers with the engine's
/// `303` or `401` instead. A code of its own keeps the app's `401` catchers
/// out of the way.
pub(crate) const SIGN_IN_NEEDED: Status = Status::new(491);

/// The session if someone is signed in, `None` otherwise. Never fails a
/// request.
///
/// ```
/// #[rocket::get("/")]
/// fn home(session: keyway_rocket::OptionalSession) -> String {
///     match session.user() {
///         Some(user) => format!("signed in as {:?}", user.email),
///         None => "not signed in".to_owned(),
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct OptionalSession(pub Option<CurrentSession>);

impl OptionalSession {
    /// The signed-in user, if any.
    pub fn user(&self) -> Option<&SessionUser> {
        self.0.as_ref().map(|s| &s.data.user)
    }

    /// The signed-in user's id, if anyone is signed in (see
    /// [`CurrentSession::user_id`]).
    pub fn user_id(&self) -> Option<&str> {
        self.0.as_ref().and_then(CurrentSession::user_id)
    }
}

/// The session of a signed-in user. Without one, the request is answered
/// with [`SessionRequired`]: a browser is redirected (`303`) to the sign-in
/// page with `callbackUrl` set to the page it asked for, and a client that
/// accepts `application/json` but not `text/html` gets `401` with
/// `{"error":"SessionRequired","message":…,"url":<sign-in page>}`.
///
/// Dereferences to [`CurrentSession`] (the user's id, the database
/// session's token), which dereferences to the Auth.js
/// [`SessionData`](keyway_core::SessionData):
///
/// ```
/// #[rocket::get("/dashboard")]
/// fn dashboard(session: keyway_rocket::RequireSession) -> String {
///     format!("user {:?} ({:?}) until {}", session.user_id, session.user.email, session.expires)
/// }
/// ```
///
/// To answer visitors without a session yourself, take
/// [`OptionalSession`], or `Result<RequireSession, SessionRejection>` (a
/// [`SessionRejection`] is a [`Responder`] giving keyway's answer).
#[derive(Debug, Clone, PartialEq)]
pub struct RequireSession(pub CurrentSession);

impl Deref for RequireSession {
    type Target = CurrentSession;

    fn deref(&self) -> &CurrentSession {
        &self.0
    }
}

/// The signed-in user; fails like [`RequireSession`] when nobody is.
/// Dereferences to [`SessionUser`].
///
/// ```
/// #[rocket::get("/me")]
/// fn me(user: keyway_rocket::CurrentUser) -> String {
///     user.name.clone().unwrap_or_default()
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentUser(pub SessionUser);

impl Deref for CurrentUser {
    type Target = SessionUser;

    fn deref(&self) -> &SessionUser {
        &self.0
    }
}

/// A request that needs a signed-in user came without one: as a response,
/// the engine's [`Auth::session_required`] answer (`303` to the sign-in page
/// for a browser, `401` JSON for an API client).
#[derive(Clone)]
pub struct SessionRequired(Answer);

// rocket logs a failed guard's error with `Debug`: the status says it all.
impl std::fmt::Debug for SessionRequired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRequired")
            .field("status", &self.0.status().code)
            .finish()
    }
}

impl SessionRequired {
    /// The HTTP status of the answer (303 or 401).
    pub fn status(&self) -> Status {
        self.0.status()
    }
}

impl<'r> Responder<'r, 'static> for SessionRequired {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        Ok(self.0.respond())
    }
}

/// Why a session guard failed a request.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SessionRejection {
    /// Nobody is signed in.
    Required(SessionRequired),
    /// [`fairing`](crate::fairing) is not attached. Routes that name a guard
    /// in their signature cannot get here (rocket refuses to launch); a guard
    /// invoked by hand can: answered `500` and logged.
    FairingMissing,
}

impl<'r> Responder<'r, 'static> for SessionRejection {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'static> {
        match self {
            Self::Required(required) => required.respond_to(request),
            Self::FairingMissing => Err(Status::InternalServerError),
        }
    }
}

/// What the guards read: the session, asked of the engine once per request.
#[derive(Debug, Default)]
pub(crate) struct Lookup {
    pub(crate) session: Option<CurrentSession>,
    /// The `Set-Cookie` values that roll the session; the fairing adds them
    /// to the response.
    pub(crate) set_cookies: Vec<String>,
}

/// The answer to a missing session, kept for keyway's catcher.
#[derive(Debug, Default)]
pub(crate) struct Pending(pub(crate) Option<Answer>);

const FAIRING_MISSING: &str = "a keyway session guard is used but keyway_rocket::fairing(auth) is \
                               not attached: add .attach(keyway_rocket::fairing(auth)) to the rocket";

fn auth<'r>(request: &'r Request<'_>) -> Result<&'r Auth, SessionRejection> {
    match request.rocket().state::<Mounted>() {
        Some(mounted) => Ok(&mounted.0),
        None => {
            tracing::error!("{FAIRING_MISSING}");
            Err(SessionRejection::FairingMissing)
        }
    }
}

async fn lookup<'r>(request: &'r Request<'_>) -> Result<&'r Lookup, SessionRejection> {
    let auth = auth(request)?;
    Ok(request
        .local_cache_async(async {
            let found = auth.session(&answer::headers(request)).await;
            let set_cookies = found
                .set_cookies
                .iter()
                .filter_map(|v| v.to_str().ok().map(str::to_owned))
                .collect();
            Lookup {
                session: found.session,
                set_cookies,
            }
        })
        .await)
}

async fn required(request: &Request<'_>) -> Result<CurrentSession, SessionRejection> {
    if let Some(session) = &lookup(request).await?.session {
        return Ok(session.clone());
    }
    let auth = auth(request)?;
    let pending = request.local_cache(|| {
        // The page the visitor wanted: the request's path and query.
        let wanted = request.uri().to_string();
        let answer = auth.session_required(&answer::headers(request), &wanted);
        Pending(Some(Answer::from_engine(answer)))
    });
    match &pending.0 {
        Some(answer) => Err(SessionRejection::Required(SessionRequired(answer.clone()))),
        // Only the fairing leaves the cache empty, after every guard ran.
        None => Err(SessionRejection::FairingMissing),
    }
}

fn outcome<T>(result: Result<T, SessionRejection>) -> Outcome<T, SessionRejection> {
    match result {
        Ok(value) => Outcome::Success(value),
        Err(rejection @ SessionRejection::Required(_)) => {
            Outcome::Error((SIGN_IN_NEEDED, rejection))
        }
        Err(rejection) => Outcome::Error((Status::InternalServerError, rejection)),
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for OptionalSession {
    type Error = SessionRejection;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        outcome(lookup(request).await.map(|l| Self(l.session.clone())))
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for RequireSession {
    type Error = SessionRejection;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        outcome(required(request).await.map(Self))
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CurrentUser {
    type Error = SessionRejection;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        outcome(required(request).await.map(|s| Self(s.data.user)))
    }
}

/// A rocket whose routes name a guard but lacks the fairing does not launch.
pub(crate) fn fairing_missing(rocket: &Rocket<Ignite>) -> bool {
    let missing = rocket.state::<Mounted>().is_none();
    if missing {
        tracing::error!("{FAIRING_MISSING}");
    }
    missing
}

impl Sentinel for OptionalSession {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        fairing_missing(rocket)
    }
}

impl Sentinel for RequireSession {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        fairing_missing(rocket)
    }
}

impl Sentinel for CurrentUser {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        fairing_missing(rocket)
    }
}
