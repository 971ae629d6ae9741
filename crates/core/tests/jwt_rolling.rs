//! JWT sessions are re-issued when they are due (older than the JWT update
//! age), not on every read; the session's `expires` is the token's real
//! expiry either way; the `jwt` callback still runs on reads unless the
//! application says it need not, and a token it changes is re-issued.
//! `Auth::session` (the extractors' read) does only a session read.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use common::{Browser, SECRET, SignIn, builder};
use keyway_core::callbacks::{JwtParams, JwtTrigger};
use keyway_core::jwt::{Claims, JwtCodec, TokenFormat};
use keyway_core::provider::BoxError;
use keyway_core::redirect::Origin;
use keyway_core::{Auth, Callbacks, SessionStrategy, WireMode};

const COOKIE: &str = "authjs.session-token";
const THIRTY_DAYS: i64 = 30 * 24 * 3600;

fn codec() -> JwtCodec {
    JwtCodec::new(TokenFormat::AuthJs, &[SECRET], COOKIE).expect("codec")
}

/// The claims of the browser's session token.
fn claims(b: &Browser) -> Claims {
    let token = b.cookie(COOKIE).expect("a session cookie");
    codec().decode(token, Utc::now()).expect("a valid token")
}

fn secs(c: &Claims, name: &str) -> i64 {
    c[name].as_i64().expect("a number")
}

/// Replaces the browser's token with the same claims issued `age` ago.
fn age_token(b: &mut Browser, age: Duration) {
    let mut c = claims(b);
    for stamped in ["iat", "exp", "jti"] {
        c.remove(stamped);
    }
    let token = codec()
        .encode(c, THIRTY_DAYS, Utc::now() - age)
        .expect("encode");
    b.jar.insert(COOKIE.to_owned(), token);
}

fn body_expires(r: &common::Resp) -> DateTime<Utc> {
    let text = r.json()["expires"].as_str().expect("expires").to_owned();
    DateTime::parse_from_rfc3339(&text)
        .expect("ISO 8601")
        .with_timezone(&Utc)
}

fn cookie_expires(set_cookie: &str) -> DateTime<Utc> {
    let value = set_cookie
        .split("; ")
        .find_map(|a| a.strip_prefix("Expires="))
        .expect("Expires");
    DateTime::parse_from_rfc2822(&value.replace("GMT", "+0000"))
        .expect("IMF-fixdate")
        .with_timezone(&Utc)
}

async fn signed_in(auth: Auth) -> Browser {
    let mut b = Browser::new(auth);
    b.sign_in("wonderland").await;
    assert!(
        b.jar.keys().any(|k| k.ends_with(".session-token")),
        "signed in"
    );
    b
}

#[tokio::test]
async fn a_fresh_token_is_read_without_being_reissued_and_states_its_own_expiry() {
    let mut b = signed_in(builder().build().expect("config")).await;
    let before = b.cookie(COOKIE).expect("token").to_owned();
    let exp = secs(&claims(&b), "exp");
    for _ in 0..3 {
        let r = b.get("/api/auth/session").await;
        assert_eq!(r.json()["user"]["email"], "alice@example.com");
        assert!(
            r.set_cookie(COOKIE).is_none(),
            "a token younger than the update age is not re-issued: {}",
            r.summary()
        );
        assert_eq!(
            body_expires(&r).timestamp(),
            exp,
            "expires is the token's own exp"
        );
    }
    assert_eq!(b.cookie(COOKIE), Some(before.as_str()), "same token");
}

#[tokio::test]
async fn a_token_older_than_the_update_age_is_reissued_with_a_fresh_expiry() {
    let mut b = signed_in(builder().build().expect("config")).await;
    age_token(&mut b, Duration::hours(25));
    let old = claims(&b);
    let r = b.get("/api/auth/session").await;
    let set = r.set_cookie(COOKIE).expect("re-issued");
    let new = claims(&b);
    let now = Utc::now().timestamp();
    assert!((secs(&new, "iat") - now).abs() <= 5, "fresh iat");
    assert_eq!(secs(&new, "exp"), secs(&new, "iat") + THIRTY_DAYS);
    assert_ne!(new["jti"], old["jti"]);
    assert_eq!(new["sub"], old["sub"], "same claims");
    assert_eq!(new["auth_time"], old["auth_time"], "same sign-in time");
    // The cookie, the token and the session JSON tell the same expiry.
    assert_eq!(cookie_expires(&set).timestamp(), secs(&new, "exp"));
    assert_eq!(body_expires(&r).timestamp(), secs(&new, "exp"));
    // Now fresh again: the next read leaves it alone.
    let r = b.get("/api/auth/session").await;
    assert!(r.set_cookie(COOKIE).is_none(), "{}", r.summary());
}

#[tokio::test]
async fn the_update_age_is_a_setting_and_zero_reissues_on_every_read() {
    // One hour: a token two hours old is due, one half an hour old is not.
    let mut b = signed_in(builder().jwt_update_age(3600).build().expect("config")).await;
    age_token(&mut b, Duration::minutes(30));
    let r = b.get("/api/auth/session").await;
    assert!(r.set_cookie(COOKIE).is_none(), "{}", r.summary());
    age_token(&mut b, Duration::hours(2));
    let r = b.get("/api/auth/session").await;
    assert!(r.set_cookie(COOKIE).is_some(), "{}", r.summary());

    // The session update age is the default for JWT sessions too.
    let mut b = signed_in(builder().session_update_age(3600).build().expect("config")).await;
    age_token(&mut b, Duration::hours(2));
    let r = b.get("/api/auth/session").await;
    assert!(r.set_cookie(COOKIE).is_some(), "{}", r.summary());

    // Zero: Auth.js's behaviour, every read.
    let mut b = signed_in(builder().jwt_update_age(0).build().expect("config")).await;
    for _ in 0..2 {
        let before = b.cookie(COOKIE).expect("token").to_owned();
        let r = b.get("/api/auth/session").await;
        assert!(r.set_cookie(COOKIE).is_some(), "{}", r.summary());
        assert_ne!(b.cookie(COOKIE), Some(before.as_str()));
    }

    assert!(builder().jwt_update_age(-1).build().is_err());
}

#[tokio::test]
async fn an_update_age_not_shorter_than_the_max_age_reissues_on_every_read() {
    // A one-hour session with the default 24 h update age: waiting for the
    // update age would let an active visitor's token expire.
    let mut b = signed_in(builder().session_max_age(3600).build().expect("config")).await;
    let before = b.cookie(COOKIE).expect("token").to_owned();
    let r = b.get("/api/auth/session").await;
    let set = r.set_cookie(COOKIE).expect("re-issued");
    assert_ne!(b.cookie(COOKIE), Some(before.as_str()));
    let exp = secs(&claims(&b), "exp");
    assert_eq!(cookie_expires(&set).timestamp(), exp);
    assert!((exp - Utc::now().timestamp() - 3600).abs() <= 5);
}

#[tokio::test]
async fn next_auth_v4_tokens_roll_the_same_way() {
    let auth = builder()
        .wire_mode(WireMode::NextAuthV4)
        .build()
        .expect("config");
    let mut b = signed_in(auth).await;
    let name = "next-auth.session-token";
    let before = b.cookie(name).expect("token").to_owned();
    let r = b.get("/api/auth/session").await;
    assert!(r.set_cookie(name).is_none(), "{}", r.summary());
    assert_eq!(r.json()["user"]["email"], "alice@example.com");
    let v4 = JwtCodec::new(TokenFormat::NextAuthV4, &[SECRET], "").expect("codec");
    let exp = v4.decode(&before, Utc::now()).expect("token")["exp"]
        .as_i64()
        .expect("exp");
    assert_eq!(body_expires(&r).timestamp(), exp);
}

/// Counts its `jwt` calls by trigger; on reads, optionally stamps a claim
/// (a token the callback changes).
struct Counting {
    reads: Arc<AtomicUsize>,
    updates: Arc<AtomicUsize>,
    change_on_read: bool,
    on_every_read: bool,
    redirects: Arc<AtomicUsize>,
}

impl Counting {
    fn new(change_on_read: bool, on_every_read: bool) -> Self {
        Self {
            reads: Arc::default(),
            updates: Arc::default(),
            change_on_read,
            on_every_read,
            redirects: Arc::default(),
        }
    }
}

#[async_trait]
impl Callbacks for Counting {
    async fn jwt(
        &self,
        mut token: Claims,
        params: &JwtParams<'_>,
    ) -> Result<Option<Claims>, BoxError> {
        match params.trigger {
            JwtTrigger::Read => {
                let n = self.reads.fetch_add(1, Ordering::SeqCst) + 1;
                if self.change_on_read {
                    token.insert("reads".into(), n.into());
                }
            }
            JwtTrigger::Update => {
                self.updates.fetch_add(1, Ordering::SeqCst);
            }
            _ => {}
        }
        Ok(Some(token))
    }

    fn jwt_on_every_read(&self) -> bool {
        self.on_every_read
    }

    async fn redirect(&self, url: &str, origin: &Origin) -> String {
        self.redirects.fetch_add(1, Ordering::SeqCst);
        keyway_core::redirect::default_redirect(url, origin)
    }
}

#[tokio::test]
async fn the_jwt_callback_runs_on_every_read_and_a_token_it_changes_is_reissued() {
    // Unchanged: the callback runs on each read, the token stays.
    let callbacks = Counting::new(false, true);
    let reads = callbacks.reads.clone();
    let mut b = signed_in(builder().callbacks(callbacks).build().expect("config")).await;
    for n in 1..=2 {
        let r = b.get("/api/auth/session").await;
        assert_eq!(reads.load(Ordering::SeqCst), n);
        assert!(r.set_cookie(COOKIE).is_none(), "{}", r.summary());
    }

    // Changed: re-issued on every read, carrying the change.
    let callbacks = Counting::new(true, true);
    let reads = callbacks.reads.clone();
    let mut b = signed_in(builder().callbacks(callbacks).build().expect("config")).await;
    for n in 1..=2 {
        let r = b.get("/api/auth/session").await;
        assert_eq!(reads.load(Ordering::SeqCst), n);
        assert!(r.set_cookie(COOKIE).is_some(), "{}", r.summary());
        assert_eq!(claims(&b)["reads"], n);
    }
}

#[tokio::test]
async fn a_jwt_callback_that_opts_out_of_reads_still_runs_on_updates() {
    let callbacks = Counting::new(true, false);
    let (reads, updates) = (callbacks.reads.clone(), callbacks.updates.clone());
    let mut b = signed_in(builder().callbacks(callbacks).build().expect("config")).await;
    let r = b.get("/api/auth/session").await;
    assert_eq!(r.json()["user"]["email"], "alice@example.com");
    assert_eq!(reads.load(Ordering::SeqCst), 0, "not run on a plain read");
    assert!(r.set_cookie(COOKIE).is_none(), "{}", r.summary());
    let r = b
        .update_session(serde_json::json!({ "theme": "dark" }))
        .await;
    assert_eq!(updates.load(Ordering::SeqCst), 1);
    assert!(r.set_cookie(COOKIE).is_some(), "an update always re-issues");
}

fn cookie_header(b: &Browser) -> http::HeaderMap {
    let all: Vec<String> = b.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::COOKIE,
        all.join("; ").parse().expect("header"),
    );
    headers
}

#[tokio::test]
async fn the_extractors_read_runs_no_redirect_callback_and_sets_only_session_cookies() {
    let callbacks = Counting::new(false, false);
    let redirects = callbacks.redirects.clone();
    let auth = builder().callbacks(callbacks).build().expect("config");
    let mut b = signed_in(auth.clone()).await;
    // The browser holds a callback-url cookie, which a request to the
    // engine passes through the redirect callback.
    assert!(b.cookie("authjs.callback-url").is_some());
    let before = redirects.load(Ordering::SeqCst);
    b.get("/api/auth/session").await;
    assert_eq!(redirects.load(Ordering::SeqCst), before + 1);

    // No CSRF cookie in the jar: a request to the engine would mint one.
    b.jar.remove("authjs.csrf-token");
    let headers = cookie_header(&b);
    let lookup = auth.session(&headers).await;
    let session = lookup.session.expect("signed in");
    assert_eq!(session.user.email.as_deref(), Some("alice@example.com"));
    assert_eq!(
        redirects.load(Ordering::SeqCst),
        before + 1,
        "Auth::session ran the redirect callback"
    );
    assert!(lookup.set_cookies.is_empty(), "{:?}", lookup.set_cookies);
    assert_eq!(
        session.expires,
        DateTime::from_timestamp(secs(&claims(&b), "exp"), 0)
            .expect("time")
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    );

    // Due: only the session cookie is set.
    age_token(&mut b, Duration::days(2));
    let lookup = auth.session(&cookie_header(&b)).await;
    assert!(lookup.session.is_some());
    assert_eq!(lookup.set_cookies.len(), 1, "{:?}", lookup.set_cookies);
    let set = lookup.set_cookies[0].to_str().expect("ascii");
    assert!(set.starts_with("authjs.session-token="), "{set}");

    // An untrusted host has no session, as on the engine's routes.
    let strict = keyway_core::Auth::builder()
        .secret(SECRET)
        .trust_host(true)
        .trusted_hosts(["app.example.com"])
        .session_strategy(SessionStrategy::Jwt)
        .build()
        .expect("config");
    let mut headers = cookie_header(&b);
    headers.insert(http::header::HOST, "evil.example".parse().expect("host"));
    assert!(strict.session(&headers).await.session.is_none());
    headers.insert(http::header::HOST, "app.example.com".parse().expect("host"));
    assert!(strict.session(&headers).await.session.is_some());
}

/// A `jwt` callback that adds a claim at sign-in only, and a `session`
/// callback that copies it from the token when it is given one.
struct Roles {
    session_uses_token: bool,
    tokens_seen: Arc<AtomicUsize>,
    sessions: Arc<AtomicUsize>,
}

#[async_trait]
impl Callbacks for Roles {
    async fn jwt(
        &self,
        mut token: Claims,
        params: &JwtParams<'_>,
    ) -> Result<Option<Claims>, BoxError> {
        if matches!(params.trigger, JwtTrigger::SignIn | JwtTrigger::SignUp) {
            token.insert("role".into(), "admin".into());
        }
        Ok(Some(token))
    }

    fn jwt_on_every_read(&self) -> bool {
        false
    }

    fn session_uses_token(&self) -> bool {
        self.session_uses_token
    }

    async fn session(
        &self,
        mut session: keyway_core::SessionData,
        params: &keyway_core::callbacks::SessionParams<'_>,
    ) -> Result<keyway_core::SessionData, BoxError> {
        self.sessions.fetch_add(1, Ordering::SeqCst);
        if let Some(token) = params.token {
            self.tokens_seen.fetch_add(1, Ordering::SeqCst);
            if let Some(role) = token.get("role") {
                session.user.extra.insert("role".into(), role.clone());
            }
        }
        Ok(session)
    }
}

#[tokio::test]
async fn a_session_callback_that_reads_no_token_gets_none_and_the_same_session() {
    for session_uses_token in [true, false] {
        let callbacks = Roles {
            session_uses_token,
            tokens_seen: Arc::default(),
            sessions: Arc::default(),
        };
        let (seen, sessions) = (callbacks.tokens_seen.clone(), callbacks.sessions.clone());
        let mut b = signed_in(builder().callbacks(callbacks).build().expect("config")).await;
        let exp = secs(&claims(&b), "exp");
        let r = b.get("/api/auth/session").await;
        let body = r.json();
        assert_eq!(body["user"]["email"], "alice@example.com");
        assert_eq!(body["user"]["name"], "Alice Liddell");
        assert_eq!(body_expires(&r).timestamp(), exp);
        assert!(r.set_cookie(COOKIE).is_none(), "{}", r.summary());
        assert_eq!(sessions.load(Ordering::SeqCst), 1);
        if session_uses_token {
            assert_eq!(seen.load(Ordering::SeqCst), 1, "the token is given");
            assert_eq!(body["user"]["role"], "admin");
        } else {
            assert_eq!(seen.load(Ordering::SeqCst), 0, "no token is given");
            assert!(body["user"].get("role").is_none(), "{body}");
        }

        // A due token is re-issued whole: the claim the jwt callback added
        // at sign-in survives the lean read.
        age_token(&mut b, Duration::hours(25));
        let r = b.get("/api/auth/session").await;
        assert!(r.set_cookie(COOKIE).is_some(), "{}", r.summary());
        assert_eq!(claims(&b)["role"], "admin");
        assert_eq!(claims(&b)["email"], "alice@example.com");
    }
}

/// The engine's read memo (`jwt_read_memo`) answers a token it has read as
/// decrypting it would, and a token that differs from a remembered one in
/// any byte is decrypted, and refused, as without the memo.
#[tokio::test]
async fn the_read_memo_answers_as_decrypting_does() {
    let mut remembering = signed_in(builder().build().expect("config")).await;
    let mut decrypting = Browser::new(builder().jwt_read_memo(0).build().expect("config"));
    decrypting.jar = remembering.jar.clone();
    for _ in 0..3 {
        let a = remembering.get("/api/auth/session").await;
        let b = decrypting.get("/api/auth/session").await;
        assert_eq!(a.json()["user"]["email"], "alice@example.com");
        assert_eq!(a.json(), b.json());
        assert_eq!(a.set_cookie(COOKIE), b.set_cookie(COOKIE));
    }
    // The remembered token with one byte of its ciphertext changed (its tag,
    // the memo's key, kept): refused by both, and the cookie cleared.
    let token = remembering.cookie(COOKIE).expect("token").to_owned();
    let mut segments: Vec<String> = token.split('.').map(str::to_owned).collect();
    let flipped = if segments[3].starts_with('A') {
        "B"
    } else {
        "A"
    };
    segments[3].replace_range(0..1, flipped);
    let forged = segments.join(".");
    for b in [&mut remembering, &mut decrypting] {
        b.jar.insert(COOKIE.to_owned(), forged.clone());
        let r = b.get("/api/auth/session").await;
        assert!(r.json()["user"].is_null(), "{}", r.summary());
        let cleared = r.set_cookie(COOKIE).expect("the bad cookie is cleared");
        assert!(
            cleared.contains("Max-Age=0") || cleared.contains("Expires=Thu, 01 Jan 1970"),
            "{cleared}"
        );
    }
    // The real token still reads, from the memo.
    remembering.jar.insert(COOKIE.to_owned(), token);
    let r = remembering.get("/api/auth/session").await;
    assert_eq!(r.json()["user"]["email"], "alice@example.com");
}

/// A plain read the memo answers (no callbacks or events set, a token read
/// before and not due) sends exactly what reading the token again sends:
/// status, headers and body, byte for byte, on every read, before and
/// after the token is due. (A remembered token past its expiry is left to
/// the usual read: `jwt::memo`'s unit tests; a forged one:
/// `the_read_memo_answers_as_decrypting_does`.)
#[tokio::test]
async fn a_remembered_answer_is_the_answer_of_a_fresh_read() {
    let mut remembering = signed_in(builder().build().expect("config")).await;
    let mut decrypting = Browser::new(builder().jwt_read_memo(0).build().expect("config"));
    let same = |a: &common::Resp, b: &common::Resp| {
        assert_eq!(a.status, b.status);
        // A token re-issued by each engine gets each engine's clock: its
        // `expires` (and its cookie's) may differ by the time between the
        // two reads. Anything else, and every answer that re-issued
        // nothing, must be byte for byte the same.
        let reissued = a.set_cookie(COOKIE).is_some();
        assert_eq!(reissued, b.set_cookie(COOKIE).is_some());
        if reissued && a.body != b.body {
            let (mut x, mut y) = (a.json(), b.json());
            let at = |v: &mut serde_json::Value| {
                let e = v["expires"].take();
                chrono::DateTime::parse_from_rfc3339(e.as_str().expect("expires"))
                    .expect("an ISO date")
            };
            let (ex, ey) = (at(&mut x), at(&mut y));
            assert!((ey - ex).num_milliseconds().abs() <= 1000, "{ex} {ey}");
            assert_eq!(x, y);
        } else {
            assert_eq!(a.body, b.body);
        }
        let headers = |r: &common::Resp| {
            let mut h: Vec<(String, String)> = r
                .headers
                .iter()
                .filter(|(n, _)| *n != http::header::DATE)
                .map(|(n, v)| {
                    // A re-issued token is encrypted afresh (a new IV) by
                    // each engine: its value differs, its cookie must not.
                    let v = v.to_str().expect("ASCII");
                    let v = match v.split_once(';') {
                        Some((pair, rest)) if pair.starts_with("authjs.session-token=") => {
                            let empty = pair.ends_with('=');
                            // Its `Expires` is the engine's clock too
                            // (checked with the body's `expires` above).
                            let rest: Vec<&str> = rest
                                .split(';')
                                .filter(|a| !a.trim_start().starts_with("Expires="))
                                .collect();
                            format!(
                                "authjs.session-token=<{}>;{}",
                                if empty { "" } else { "token" },
                                rest.join(";")
                            )
                        }
                        _ => v.to_owned(),
                    };
                    (n.to_string(), v)
                })
                .collect();
            h.sort();
            h
        };
        assert_eq!(headers(a), headers(b));
    };
    // Fresh, then due (re-issued, and the new token fresh again).
    for age in [None, Some(Duration::hours(25))] {
        if let Some(age) = age {
            age_token(&mut remembering, age);
        }
        for _ in 0..3 {
            decrypting.jar = remembering.jar.clone();
            let a = remembering.get("/api/auth/session").await;
            let b = decrypting.get("/api/auth/session").await;
            assert_eq!(a.json()["user"]["email"], "alice@example.com");
            same(&a, &b);
        }
    }
}
