//! Sessions: the object clients see, and the two strategies (JWT and
//! database) behind one interface — issue, read, update, revoke — so actions
//! never branch on the strategy.

mod cache;
mod current;
mod database;
mod jwt;

pub use current::CurrentSession;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::{CookieJar, Inner};
use crate::config::SessionStrategy;
use crate::cookies::{RequestCookies, SetCookie};
use crate::failure::Failure;
use crate::model::{Account, User};
use crate::request::RequestContext;

/// The user part of a [`SessionData`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionUser {
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Picture URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Fields added by the session callback (e.g. `id`, `role`).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl SessionUser {
    /// The user part Auth.js's default session callback makes: name, email
    /// and picture, no other fields.
    pub(crate) fn basic(
        name: Option<String>,
        email: Option<String>,
        image: Option<String>,
    ) -> Self {
        Self {
            name,
            email,
            image,
            extra: serde_json::Map::new(),
        }
    }
}

/// The session object: what `GET /api/auth/session` returns and what
/// extractors hand to handlers. Serialises exactly as Auth.js's
/// (`{"user":{"name","email","image"},"expires":"…"}`), plus any fields the
/// session callback adds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionData {
    /// Who is signed in.
    pub user: SessionUser,
    /// When the session ends, as ISO 8601 with milliseconds.
    pub expires: String,
    /// Fields added by the session callback.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl SessionData {
    pub(crate) fn new(user: SessionUser, expires: DateTime<Utc>) -> Self {
        Self {
            user,
            expires: iso(expires),
            extra: serde_json::Map::new(),
        }
    }

    /// The JSON `GET /session` answers: exactly what serialising it with
    /// serde_json gives. A session the callbacks added no fields to, whose
    /// strings need no escaping (nearly every one), is written directly,
    /// without the generic serialiser's per-byte escaping and the map its
    /// flattened fields need.
    pub(crate) fn to_json(&self) -> String {
        if !self.extra.is_empty() || !self.user.extra.is_empty() {
            return serde_json::to_string(self).unwrap_or_else(|_| "null".to_owned());
        }
        let SessionUser {
            name, email, image, ..
        } = &self.user;
        let mut out = String::with_capacity(
            64 + [name, email, image]
                .iter()
                .map(|v| v.as_ref().map_or(0, String::len))
                .sum::<usize>(),
        );
        out.push_str("{\"user\":{");
        let mut first = true;
        for (key, value) in [("name", name), ("email", email), ("image", image)] {
            if let Some(value) = value {
                if !first {
                    out.push(',');
                }
                first = false;
                out.push('"');
                out.push_str(key);
                out.push_str("\":");
                push_json_string(&mut out, value);
            }
        }
        out.push_str("},\"expires\":");
        push_json_string(&mut out, &self.expires);
        out.push('}');
        out
    }
}

/// Appends `s` as a JSON string, as serde_json writes it: as it is between
/// quotes when it holds no quote, backslash or control character, else
/// through serde_json.
fn push_json_string(out: &mut String, s: &str) {
    if is_plain_json(s.as_bytes()) {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        // Serialising a string cannot fail.
        out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned()));
    }
}

/// Whether `bytes` need no escaping in a JSON string: no quote, backslash
/// or control character (below 0x20). Eight bytes at a time: a word has
/// such a byte exactly when one of the three zero-byte tests below finds
/// one (the classic "has a zero byte" and "has a byte less than n" tricks,
/// exact for n <= 128); the tail byte by byte.
fn is_plain_json(bytes: &[u8]) -> bool {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let less_than = |x: u64, n: u8| x.wrapping_sub(LOW * u64::from(n)) & !x & HIGH;
    let mut words = bytes.chunks_exact(8);
    let mut found = 0u64;
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let x = u64::from_le_bytes(w);
        found |= less_than(x, 0x20)
            | less_than(x ^ (LOW * u64::from(b'"')), 1)
            | less_than(x ^ (LOW * u64::from(b'\\')), 1);
    }
    found == 0
        && words
            .remainder()
            .iter()
            .all(|&b| b >= 0x20 && b != b'"' && b != b'\\')
}

/// `t` as JavaScript's `Date.prototype.toISOString` writes it
/// (`2027-01-03T21:23:52.000Z`), as every session object states its
/// expiry. Written digit by digit for the years 0 to 9999 (what chrono's
/// general formatter gives, at a tenth of its cost on every session read);
/// other years and leap seconds go through chrono.
pub(crate) fn iso(t: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let fallback = || t.to_rfc3339_opts(SecondsFormat::Millis, true);
    let t = t.naive_utc();
    let year = t.year();
    let nanos = t.nanosecond();
    let (Ok(year @ 0..=9999), 0..=999_999_999) = (u32::try_from(year), nanos) else {
        return fallback();
    };
    let mut out = *b"0000-00-00T00:00:00.000Z";
    let mut put = |at: usize, width: usize, mut n: u32| {
        for i in (at..at + width).rev() {
            // n % 10 < 10: the digit is ASCII.
            out[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, t.month());
    put(8, 2, t.day());
    put(11, 2, t.hour());
    put(14, 2, t.minute());
    put(17, 2, t.second());
    put(20, 3, nanos / 1_000_000);
    // Digits and ASCII punctuation only: always UTF-8.
    std::str::from_utf8(&out).map_or_else(|_| fallback(), str::to_owned)
}

/// The result of reading or updating a session.
#[derive(Debug, Default)]
pub(crate) struct SessionRead {
    pub data: Option<SessionData>,
    pub cookies: Vec<SetCookie>,
    /// Who is signed in, when `data` is set: the user id (the token's `sub`
    /// after the `jwt` callback, or the database session's user).
    pub user_id: Option<String>,
    /// When that user signed in, where the session records it (the token's
    /// `auth_time`, or a database session token made by keyway).
    pub signed_in_at: Option<DateTime<Utc>>,
}

/// The result of signing out.
#[derive(Debug, Default)]
pub(crate) struct Revoked {
    pub cookies: Vec<SetCookie>,
}

/// A successful sign-in, handed to the strategy to make the session.
pub(crate) struct SignedIn<'a> {
    pub user: &'a User,
    pub account: Option<&'a Account>,
    pub is_new_user: bool,
}

/// What the session strategies need of a request: the engine, the cookie
/// variant in use, the request's cookies and the time. A whole
/// [`RequestContext`] gives one ([`Scope::of`]); [`crate::Auth::session`]
/// builds one alone, since a session read needs no CSRF token, callback URL,
/// query or body.
pub(crate) struct Scope<'a> {
    pub auth: &'a Inner,
    pub jar: &'a CookieJar,
    pub cookies: &'a RequestCookies,
    pub now: DateTime<Utc>,
}

impl<'a> Scope<'a> {
    /// The part of `ctx` the strategies use.
    pub(crate) fn of(ctx: &'a RequestContext<'_>) -> Self {
        Self {
            auth: ctx.auth,
            jar: ctx.jar,
            cookies: &ctx.cookies,
            now: ctx.now,
        }
    }
}

/// Reads the current session.
pub(crate) async fn read(ctx: &RequestContext<'_>) -> SessionRead {
    read_in(&Scope::of(ctx)).await
}

/// The answer of `GET /session` when the read memo already holds it (JWT
/// sessions, no callbacks or events set by the application, a token read
/// before and not due); `None` reads the session with [`read`].
pub(crate) fn remembered_json(ctx: &RequestContext<'_>) -> Option<bytes::Bytes> {
    let auth = ctx.auth;
    if auth.strategy != SessionStrategy::Jwt || auth.custom_callbacks || auth.custom_events {
        return None;
    }
    jwt::remembered_json(&Scope::of(ctx))
}

/// Reads the session of `scope` (what [`read`] and [`crate::Auth::session`]
/// share).
pub(crate) async fn read_in(scope: &Scope<'_>) -> SessionRead {
    match scope.auth.strategy {
        SessionStrategy::Jwt => jwt::read(scope, None).await,
        SessionStrategy::Database => database::read(scope, None).await,
    }
}

/// Updates the current session with data the client posted.
pub(crate) async fn update(ctx: &RequestContext<'_>, data: &serde_json::Value) -> SessionRead {
    let scope = Scope::of(ctx);
    match ctx.auth.strategy {
        SessionStrategy::Jwt => jwt::read(&scope, Some(data)).await,
        SessionStrategy::Database => database::read(&scope, Some(data)).await,
    }
}

/// Makes the session for a user who just signed in; returns the cookies.
pub(crate) async fn issue(
    ctx: &RequestContext<'_>,
    signed_in: &SignedIn<'_>,
) -> Result<Vec<SetCookie>, Failure> {
    let scope = Scope::of(ctx);
    match ctx.auth.strategy {
        SessionStrategy::Jwt => jwt::issue(&scope, signed_in).await,
        SessionStrategy::Database => database::issue(&scope, signed_in).await,
    }
}

/// Ends the current session; returns the cookies that clear it.
pub(crate) async fn revoke(ctx: &RequestContext<'_>) -> Revoked {
    let scope = Scope::of(ctx);
    match ctx.auth.strategy {
        SessionStrategy::Jwt => jwt::revoke(&scope).await,
        SessionStrategy::Database => database::revoke(&scope).await,
    }
}

/// The current user as the cookie names it, without the callbacks (email
/// sign-in while signed in, to end another user's database session).
/// Anything that grants access (account linking) uses [`read`] instead.
pub(crate) async fn current_user_id(ctx: &RequestContext<'_>) -> Option<String> {
    let scope = Scope::of(ctx);
    match ctx.auth.strategy {
        SessionStrategy::Jwt => jwt::current_subject(&scope),
        SessionStrategy::Database => database::current_user_id(&scope).await,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use chrono::{Duration, NaiveDate, TimeZone};
    use proptest::prelude::*;

    use super::*;

    fn chrono_iso(t: DateTime<Utc>) -> String {
        t.to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    #[test]
    fn iso_writes_what_javascript_writes() {
        let t = Utc.with_ymd_and_hms(2027, 1, 3, 21, 23, 52).unwrap();
        assert_eq!(iso(t), "2027-01-03T21:23:52.000Z");
        let t = t + Duration::milliseconds(7);
        assert_eq!(iso(t), "2027-01-03T21:23:52.007Z");
        // Sub-millisecond digits are cut, not rounded, as chrono does.
        let t = DateTime::<Utc>::from_timestamp(1_800_000_000, 999_999_999).unwrap();
        assert_eq!(iso(t), chrono_iso(t));
        assert!(iso(t).ends_with(".999Z"));
        for t in [
            DateTime::<Utc>::from_timestamp(0, 0).unwrap(),
            Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
            // Outside 0..=9999, and a leap second: chrono's spelling.
            Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(-1, 6, 1, 0, 0, 0).unwrap(),
            NaiveDate::from_ymd_opt(2016, 12, 31)
                .unwrap()
                .and_hms_milli_opt(23, 59, 59, 1_500)
                .unwrap()
                .and_utc(),
        ] {
            assert_eq!(iso(t), chrono_iso(t));
        }
    }

    fn session(name: Option<String>, email: Option<String>, image: Option<String>) -> SessionData {
        SessionData {
            user: SessionUser {
                name,
                email,
                image,
                extra: serde_json::Map::new(),
            },
            expires: "2027-01-03T21:23:52.000Z".to_owned(),
            extra: serde_json::Map::new(),
        }
    }

    #[test]
    fn session_json_is_what_serde_json_writes() {
        let plain = session(
            Some("Bench User".into()),
            Some("bench@example.com".into()),
            Some("https://example.com/a.png".into()),
        );
        assert_eq!(
            plain.to_json(),
            r#"{"user":{"name":"Bench User","email":"bench@example.com","image":"https://example.com/a.png"},"expires":"2027-01-03T21:23:52.000Z"}"#
        );
        let escaped = session(
            Some("a\"b\\c\n\u{1}é\u{7f}</".into()),
            None,
            Some(String::new()),
        );
        assert_eq!(escaped.to_json(), serde_json::to_string(&escaped).unwrap());
        assert_eq!(
            session(None, None, None).to_json(),
            r#"{"user":{},"expires":"2027-01-03T21:23:52.000Z"}"#
        );
        let mut extra = session(None, Some("e@x".into()), None);
        extra.user.extra.insert("id".into(), "1".into());
        extra
            .extra
            .insert("role".into(), serde_json::json!(["admin"]));
        assert_eq!(extra.to_json(), serde_json::to_string(&extra).unwrap());
        assert!(extra.to_json().contains(r#""id":"1""#));
    }

    proptest! {
        #[test]
        fn session_json_matches_serde_json(
            name in proptest::option::of(".{0,12}"),
            email in proptest::option::of("[a-z\"\\\x00-\x1f@.]{0,12}"),
            image in proptest::option::of(any::<String>()),
        ) {
            let data = session(name, email, image);
            prop_assert_eq!(data.to_json(), serde_json::to_string(&data).unwrap());
        }

        #[test]
        fn the_word_at_a_time_check_is_the_byte_check(
            // Mostly printable bytes, so that plain strings are common and a
            // single quote, backslash or control byte decides.
            bytes in proptest::collection::vec(prop_oneof![1 => any::<u8>(), 40 => 0x20u8..=0xff], 0..40)
        ) {
            let expected = bytes.iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\');
            prop_assert_eq!(is_plain_json(&bytes), expected);
        }

        #[test]
        fn iso_matches_chrono(secs in -62_167_219_200i64..253_402_300_800, nanos in 0u32..1_000_000_000) {
            let t = DateTime::<Utc>::from_timestamp(secs, nanos).unwrap();
            prop_assert_eq!(iso(t), chrono_iso(t));
        }
    }
}
