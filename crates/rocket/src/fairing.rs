//! [`KeywayFairing`]: mounts the auth routes, lets the guards find the
//! engine, answers a missing session and sets the cookies the engine rolled.

use keyway_core::Auth;
use rocket::catcher::{self, Catcher};
use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::http::Status;
use rocket::{Build, Request, Response, Rocket};

use crate::guards::{Lookup, Pending, SIGN_IN_NEEDED};
use crate::sign_in_page::PageCookies;

/// The engine, managed by rocket once the fairing is attached: how the
/// guards (and their sentinels) know it is.
pub(crate) struct Mounted(pub(crate) Auth);

/// keyway in a rocket app, attached with
/// `rocket.attach(keyway_rocket::fairing(auth))`.
///
/// On ignition it mounts every auth action under the engine's base path
/// (all methods), manages the engine for the request guards and registers
/// the catcher that answers a guard's missing session. On every response it
/// appends the `Set-Cookie` values the engine returned while a guard read
/// the session (a refreshed session cookie, or one cleared because it
/// expired or is invalid), whatever the status.
///
/// Routes and fairing come together, so neither can be forgotten; a route
/// that names a guard in a rocket without this fairing stops the launch
/// (the guards are [sentinels](rocket::Sentinel)). Attaching it twice is a
/// launch error too.
#[derive(Debug, Clone)]
pub struct KeywayFairing {
    auth: Auth,
}

/// The fairing for this engine: `rocket::build().attach(keyway_rocket::fairing(auth))`.
pub fn fairing(auth: Auth) -> KeywayFairing {
    KeywayFairing { auth }
}

#[rocket::async_trait]
impl Fairing for KeywayFairing {
    fn info(&self) -> Info {
        Info {
            name: "keyway",
            kind: Kind::Ignite | Kind::Response,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        if rocket.state::<Mounted>().is_some() {
            tracing::error!(
                "keyway_rocket::fairing is attached twice: attach it once, with the one Auth"
            );
            return Err(rocket);
        }
        let routes = match crate::routes::routes(&self.auth) {
            Ok(routes) => routes,
            Err(why) => {
                tracing::error!("keyway-rocket cannot mount the auth routes: {why}");
                return Err(rocket);
            }
        };
        Ok(rocket
            .manage(Mounted(self.auth.clone()))
            .mount("/", routes)
            .register("/", vec![Catcher::new(SIGN_IN_NEEDED.code, SignInNeeded)]))
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        if response.status() == SIGN_IN_NEEDED {
            // An app's catcher (one with a longer base than keyway's) took
            // the guard's failure: put keyway's answer on its response.
            if let Some(answer) = &request.local_cache(Pending::default).0 {
                answer.write_into(response);
            }
        }
        for cookie in &request.local_cache(Lookup::default).set_cookies {
            response.adjoin_raw_header("Set-Cookie", cookie.clone());
        }
        for cookie in &request.local_cache(PageCookies::default).0 {
            response.adjoin_raw_header("Set-Cookie", cookie.clone());
        }
    }
}

/// The catcher for a guard's missing session: the engine's answer the guard
/// kept.
#[derive(Clone)]
struct SignInNeeded;

#[rocket::async_trait]
impl catcher::Handler for SignInNeeded {
    async fn handle<'r>(&self, _: Status, request: &'r Request<'_>) -> catcher::Result<'r> {
        match &request.local_cache(Pending::default).0 {
            Some(answer) => Ok(answer.respond()),
            None => Err(Status::InternalServerError),
        }
    }
}
