//! Assertions that return a precise failure message instead of panicking.
//!
//! Values of secrets (session tokens, OAuth tokens) are printed in full here:
//! they are random test data made by the suite, and a failure message is
//! only useful if it shows what differs. Model types redact them in `Debug`,
//! so the comparisons below format each field themselves.

use std::fmt::Debug;

use chrono::{DateTime, TimeDelta, Utc};
use keyway_core::{Account, AdapterErrorKind, AdapterResult, Session, User, VerificationToken};

/// What a case returns: `Err` holds the failure message.
pub(crate) type Outcome = Result<(), String>;

/// The value of an adapter call that must succeed.
pub(crate) fn call<T>(op: &str, result: AdapterResult<T>) -> Result<T, String> {
    result.map_err(|e| format!("{op}: expected success, got error {e} (kind {})", e.kind()))
}

/// An adapter call that must fail with `Conflict`.
pub(crate) fn conflict<T: Debug>(op: &str, result: AdapterResult<T>) -> Outcome {
    match result {
        Err(e) if e.kind() == AdapterErrorKind::Conflict => Ok(()),
        Err(e) => Err(format!(
            "{op}: expected a Conflict error, got error {e} (kind {})",
            e.kind()
        )),
        Ok(v) => Err(format!("{op}: expected a Conflict error, got Ok({v:?})")),
    }
}

/// An adapter call that must fail with `NotFound`.
pub(crate) fn not_found<T: Debug>(op: &str, result: AdapterResult<T>) -> Outcome {
    match result {
        Err(e) if e.kind() == AdapterErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!(
            "{op}: expected a NotFound error, got error {e} (kind {})",
            e.kind()
        )),
        Ok(v) => Err(format!("{op}: expected a NotFound error, got Ok({v:?})")),
    }
}

/// `got` must be `None`.
pub(crate) fn none<T: Debug>(what: &str, got: Option<T>) -> Outcome {
    match got {
        None => Ok(()),
        Some(v) => Err(format!("{what}: expected None, got Some({v:?})")),
    }
}

/// `got` must be `Some`; returns the value.
pub(crate) fn some<T>(what: &str, got: Option<T>) -> Result<T, String> {
    got.ok_or_else(|| format!("{what}: expected Some, got None"))
}

/// `cond` must hold.
pub(crate) fn ensure(cond: bool, message: impl FnOnce() -> String) -> Outcome {
    if cond { Ok(()) } else { Err(message()) }
}

/// Two instants are the same if they are less than a second apart: the
/// contract promises timestamps to the second, and a database may round
/// rather than truncate.
pub(crate) fn same_instant(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    (a - b).abs() < TimeDelta::seconds(1)
}

/// The fields in which two values differ, as `field: expected X, got Y`.
#[derive(Default)]
struct Diff(Vec<String>);

impl Diff {
    fn field<T: PartialEq + Debug + ?Sized>(&mut self, name: &str, expected: &T, got: &T) {
        if expected != got {
            self.0
                .push(format!("{name}: expected {expected:?}, got {got:?}"));
        }
    }

    fn time(&mut self, name: &str, expected: Option<DateTime<Utc>>, got: Option<DateTime<Utc>>) {
        let same = match (expected, got) {
            (Some(e), Some(g)) => same_instant(e, g),
            (e, g) => e == g,
        };
        if !same {
            self.0.push(format!(
                "{name}: expected {} got {} (to the second)",
                show_time(expected),
                show_time(got)
            ));
        }
    }

    fn finish(self, what: &str, kind: &str) -> Outcome {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(format!("{what}: {kind} differs: {}", self.0.join("; ")))
        }
    }
}

fn show_time(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "None".to_owned(), |t| t.to_rfc3339())
}

/// `got` must be the user `expected`, field by field.
pub(crate) fn same_user(what: &str, expected: &User, got: Option<&User>) -> Outcome {
    let got = got.ok_or_else(|| format!("{what}: expected user {:?}, got None", expected.id))?;
    let mut d = Diff::default();
    d.field("id", &expected.id, &got.id);
    d.field("name", &expected.name, &got.name);
    d.field("email", &expected.email, &got.email);
    d.time(
        "email_verified",
        expected.email_verified,
        got.email_verified,
    );
    d.field("image", &expected.image, &got.image);
    d.finish(what, "user")
}

/// `got` must be the account `expected`, field by field (tokens included).
pub(crate) fn same_account(what: &str, expected: &Account, got: Option<&Account>) -> Outcome {
    let got = got.ok_or_else(|| {
        format!(
            "{what}: expected account ({:?}, {:?}), got None",
            expected.provider, expected.provider_account_id
        )
    })?;
    let mut d = Diff::default();
    d.field("user_id", &expected.user_id, &got.user_id);
    d.field("kind", &expected.kind, &got.kind);
    d.field("provider", &expected.provider, &got.provider);
    d.field(
        "provider_account_id",
        &expected.provider_account_id,
        &got.provider_account_id,
    );
    d.field("access_token", &expected.access_token, &got.access_token);
    d.field("refresh_token", &expected.refresh_token, &got.refresh_token);
    d.field("expires_at", &expected.expires_at, &got.expires_at);
    d.field("token_type", &expected.token_type, &got.token_type);
    d.field("scope", &expected.scope, &got.scope);
    d.field("id_token", &expected.id_token, &got.id_token);
    d.field("session_state", &expected.session_state, &got.session_state);
    d.finish(what, "account")
}

/// `got` must be the session `expected`, field by field.
pub(crate) fn same_session(what: &str, expected: &Session, got: Option<&Session>) -> Outcome {
    let got = got.ok_or_else(|| format!("{what}: expected a session, got None"))?;
    let mut d = Diff::default();
    d.field(
        "session_token",
        expected.session_token.as_str(),
        got.session_token.as_str(),
    );
    d.field("user_id", &expected.user_id, &got.user_id);
    d.time("expires", Some(expected.expires), Some(got.expires));
    d.finish(what, "session")
}

/// `got` must be the verification token `expected`, field by field.
pub(crate) fn same_token(
    what: &str,
    expected: &VerificationToken,
    got: Option<&VerificationToken>,
) -> Outcome {
    let got = got.ok_or_else(|| {
        format!(
            "{what}: expected the verification token for {:?}, got None",
            expected.identifier
        )
    })?;
    let mut d = Diff::default();
    d.field("identifier", &expected.identifier, &got.identifier);
    d.field("token", &expected.token, &got.token);
    d.time("expires", Some(expected.expires), Some(got.expires));
    d.finish(what, "verification token")
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use keyway_core::{AccountType, AdapterError};

    use super::*;

    #[test]
    fn same_instant_allows_less_than_a_second() {
        let t = Utc.timestamp_opt(100, 0).single().expect("t");
        assert!(same_instant(t, t + TimeDelta::milliseconds(999)));
        assert!(same_instant(t + TimeDelta::milliseconds(999), t));
        assert!(!same_instant(t, t + TimeDelta::seconds(1)));
    }

    #[test]
    fn account_diff_names_each_field_and_shows_values() {
        let a = Account::new("u1", AccountType::Oauth, "github", "42");
        let mut b = a.clone();
        b.access_token = Some(String::new());
        b.user_id = "u2".into();
        let msg = same_account("get_account", &a, Some(&b)).expect_err("differs");
        assert_eq!(
            msg,
            "get_account: account differs: user_id: expected \"u1\", got \"u2\"; \
             access_token: expected None, got Some(\"\")"
        );
        assert!(same_account("x", &a, Some(&a)).is_ok());
        assert!(same_account("x", &a, None).is_err());
    }

    #[test]
    fn error_kind_checks() {
        assert!(conflict::<()>("op", Err(AdapterError::conflict("dup"))).is_ok());
        let msg = conflict::<()>("op", Err(AdapterError::other("boom"))).expect_err("kind");
        assert!(msg.contains("kind other"), "{msg}");
        let msg = conflict("op", Ok(7)).expect_err("ok");
        assert_eq!(msg, "op: expected a Conflict error, got Ok(7)");
        assert!(not_found::<()>("op", Err(AdapterError::not_found("x"))).is_ok());
        assert!(not_found("op", Ok(())).is_err());
    }
}
