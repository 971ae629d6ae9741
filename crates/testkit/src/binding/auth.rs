//! The engine configurations the binding suite runs against.

use std::sync::Arc;

use keyway_core::{Auth, AuthBuilder, SessionStrategy, User};
use keyway_credentials::{Rejection, constant_time_eq, credentials};
use keyway_memory::MemoryAdapter;

/// The site's origin in every suite configuration (`AUTH_URL`).
pub const ORIGIN: &str = "http://127.0.0.1:3000";
/// The `Host` the suite's requests carry.
pub const HOST: &str = "127.0.0.1:3000";
/// The secret of every suite configuration.
pub const SECRET: &str = "binding-suite-secret-that-is-long-enough-0123";
/// The username the test credentials provider accepts.
pub const USERNAME: &str = "alice";
/// Alice's password.
pub const PASSWORD: &str = "wonderland";
/// Alice's email: what `/protected` and `/whoami` answer when she is signed in.
pub const EMAIL: &str = "alice@example.com";
/// Alice's name: what `/me` answers when she is signed in.
pub const NAME: &str = "Alice Liddell";
/// The username whose sign-in is refused with the code `locked`.
pub const LOCKED_USERNAME: &str = "locked";

/// Alice, as the credentials provider returns her.
pub fn alice() -> User {
    let mut user = User::new("1", EMAIL);
    user.name = Some(NAME.to_owned());
    user
}

/// The standard test configuration, to extend: [`ORIGIN`] as the site URL,
/// [`SECRET`], and a credentials provider (id `credentials`, fields
/// `username` and `password`) that accepts [`USERNAME`] / [`PASSWORD`],
/// refuses [`LOCKED_USERNAME`] with the code `locked` and everything else
/// plainly.
pub fn standard_builder() -> AuthBuilder {
    let provider = credentials(|input| async move {
        let username = input.get("username").unwrap_or_default();
        let password = input.get("password").unwrap_or_default();
        if username == LOCKED_USERNAME {
            return Err(Rejection::code("locked").into());
        }
        let ok = constant_time_eq(username, USERNAME) & constant_time_eq(password, PASSWORD);
        Ok(ok.then(alice))
    })
    .username_password();
    Auth::builder()
        .secret(SECRET)
        .url(ORIGIN)
        .provider(provider)
}

/// [`standard_builder`] with JWT sessions, built.
pub fn standard_auth() -> Auth {
    build(standard_builder().session_strategy(SessionStrategy::Jwt))
}

/// [`standard_builder`] with JWT sessions re-issued on every read (JWT
/// update age 0, Auth.js's behaviour), built: every session read rolls the
/// cookie.
pub fn rolling_jwt_auth() -> Auth {
    build(
        standard_builder()
            .session_strategy(SessionStrategy::Jwt)
            .jwt_update_age(0),
    )
}

/// [`standard_builder`] with database sessions in a fresh
/// [`MemoryAdapter`], written on every read (`update_age` 0) so that every
/// session read rolls the cookie.
pub fn database_auth() -> Auth {
    build(
        standard_builder()
            .adapter(Arc::new(MemoryAdapter::new()))
            .session_strategy(SessionStrategy::Database)
            .allow_credentials_with_database_sessions(true)
            .session_update_age(0),
    )
}

fn build(builder: AuthBuilder) -> Auth {
    match builder.build() {
        Ok(auth) => auth,
        // The configurations above are fixed; a refusal is a bug in keyway.
        Err(e) => panic!("the binding suite's configuration is refused: {e}"),
    }
}
