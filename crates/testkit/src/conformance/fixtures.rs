//! Test data, shaped like Auth.js's v5 adapter-test fixtures but unique on
//! every call, so that cases never see each other's rows and several runs can
//! share one database.
//!
//! Times are whole seconds (as in Auth.js's suite), because the contract only
//! promises that timestamps round-trip to the second.

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use keyway_core::{Account, AccountType, Session, SessionToken, User, VerificationToken, random};

/// Now, truncated to the whole second.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

/// A short random tag for making values unique.
pub(crate) fn tag() -> String {
    random::hex(8)
}

/// A fresh email address that no user has.
pub(crate) fn email() -> String {
    format!("fill-{}@murray.example", tag())
}

/// A user with every field set and an engine-chosen id (v5 semantics).
pub(crate) fn user() -> User {
    User {
        id: random::uuid(),
        name: Some("Fill Murray".to_owned()),
        email: Some(email()),
        email_verified: Some(now()),
        image: Some("https://www.fillmurray.com/460/300".to_owned()),
    }
}

/// An OAuth account of `user_id` with every token field set; `expires_at` is
/// in seconds, as in Auth.js v5's fixture.
pub(crate) fn account(user_id: &str) -> Account {
    Account {
        user_id: user_id.to_owned(),
        kind: AccountType::Oauth,
        provider: "github".to_owned(),
        provider_account_id: tag(),
        access_token: Some(format!("gho_{}", tag())),
        refresh_token: Some(format!("ghr_{}", tag())),
        expires_at: Some(2_592_000),
        token_type: Some("bearer".to_owned()),
        scope: Some("user".to_owned()),
        id_token: Some(format!("eyJ.{}.sig", tag())),
        session_state: Some(tag()),
    }
}

/// A session of `user_id` that expires in seven days.
pub(crate) fn session(user_id: &str) -> Session {
    Session {
        session_token: SessionToken::generate(),
        user_id: user_id.to_owned(),
        expires: now() + TimeDelta::days(7),
    }
}

/// A verification token (a random 64-hex-digit "hash") that expires in 15
/// minutes.
pub(crate) fn verification_token() -> VerificationToken {
    VerificationToken {
        identifier: email(),
        token: random::hex(32),
        expires: now() + TimeDelta::minutes(15),
    }
}
