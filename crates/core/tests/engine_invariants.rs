//! The invariants of authjs-behaviour.md §15 (1–6, 8, 10–12) as tests
//! against `Auth::handle`.

mod common;

use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use chrono::{Duration, Utc};
use common::{Browser, ORIGIN, SECRET, SignIn, assert_redirected, builder, configured};
use keyway_core::callbacks::JwtParams;
use keyway_core::jwt::Claims;
use keyway_core::model::*;
use keyway_core::{Adapter, Callbacks, SessionStrategy, WireMode};
use keyway_memory::MemoryAdapter;
use keyway_testkit::support::FaultyAdapter;
use sha2::{Digest, Sha256};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// 1. CSRF cookie format and hash; POST actions refuse a missing/wrong token.
#[tokio::test]
async fn inv1_csrf_cookie_and_checks() {
    let (auth, _) = configured(SessionStrategy::Jwt, WireMode::AuthJs);
    let mut b = Browser::new(auth);
    let token = b.csrf().await;
    let cookie = b
        .cookie("authjs.csrf-token")
        .expect("csrf cookie")
        .replace("%7C", "|");
    let (t, h) = cookie.split_once('|').expect("token|hash");
    assert_eq!(t, token);
    assert!(t.len() == 64 && h.len() == 64);
    assert!(
        cookie
            .bytes()
            .all(|c| c == b'|' || c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
    );
    assert_eq!(h, hex(&Sha256::digest(format!("{t}{SECRET}"))));

    // Credentials callback without / with a wrong token.
    for bad in [None, Some("0".repeat(64))] {
        let mut fields = vec![("username", "alice"), ("password", "wonderland")];
        if let Some(bad) = &bad {
            fields.push(("csrfToken", bad.as_str()));
        }
        let r = b.post_form("/api/auth/callback/credentials", &fields).await;
        assert_eq!(r.status, 302);
        assert_redirected(&r, "/api/auth/signin?error=MissingCSRF");
        assert!(r.set_cookies().is_empty(), "no cookies on error answers");
        assert!(b.cookie("authjs.session-token").is_none());
    }
    // Sign-out and sign-in POSTs.
    let r = b.post_form("/api/auth/signout", &[]).await;
    assert_redirected(&r, "/api/auth/signin?error=MissingCSRF");
    let r = b.post_form("/api/auth/signin/credentials", &[]).await;
    assert_redirected(&r, "/api/auth/signin?error=MissingCSRF");
    // Session update.
    let r = b
        .post_json("/api/auth/session", serde_json::json!({ "data": {} }))
        .await;
    assert_eq!((r.status.as_u16(), r.body.as_str()), (400, "null"));
    // A token in the query does not count.
    let r = b
        .post_form(&format!("/api/auth/signout?csrfToken={token}"), &[])
        .await;
    assert_redirected(&r, "/api/auth/signin?error=MissingCSRF");
}

#[tokio::test]
async fn inv1_csrf_failures_in_v4_mode() {
    let (auth, _) = configured(SessionStrategy::Jwt, WireMode::NextAuthV4);
    let mut b = Browser::new(auth);
    b.csrf().await;
    let r = b.post_form("/api/auth/signout", &[]).await;
    assert_redirected(&r, "/api/auth/signout?csrf=true");
    let r = b.post_form("/api/auth/callback/credentials", &[]).await;
    assert_redirected(&r, "/api/auth/signin?csrf=true");
    let r = b
        .post_json("/api/auth/session", serde_json::json!({}))
        .await;
    assert_eq!((r.status.as_u16(), r.body.as_str()), (400, "{}"));
}

// 2. No session: null / {} with the no-cache headers.
#[tokio::test]
async fn inv2_empty_session_and_cache_headers() {
    for (mode, body) in [(WireMode::AuthJs, "null"), (WireMode::NextAuthV4, "{}")] {
        let (auth, _) = configured(SessionStrategy::Jwt, mode);
        let mut b = Browser::new(auth);
        let r = b.get("/api/auth/session").await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body, body);
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(
            r.header("cache-control"),
            Some("private, no-cache, no-store")
        );
        assert_eq!(r.header("expires"), Some("0"));
        assert_eq!(r.header("pragma"), Some("no-cache"));
    }
}

fn jose_header(token: &str) -> serde_json::Value {
    let h = token.split('.').next().expect("header");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(h)
        .expect("b64url");
    serde_json::from_slice(&bytes).expect("json")
}

// 3. The session token header per wire mode.
#[tokio::test]
async fn inv3_session_token_header() {
    let (auth, _) = configured(SessionStrategy::Jwt, WireMode::AuthJs);
    let mut b = Browser::new(auth);
    b.sign_in("wonderland").await;
    let token = b.cookie("authjs.session-token").expect("token");
    assert_eq!(token.split('.').count(), 5, "compact JWE");
    let h = jose_header(token);
    let keys: Vec<&String> = h.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["alg", "enc", "kid"]);
    assert_eq!(h["alg"], "dir");
    assert_eq!(h["enc"], "A256CBC-HS512");
    assert_eq!(h["kid"].as_str().map(str::len), Some(86));

    let (auth, _) = configured(SessionStrategy::Jwt, WireMode::NextAuthV4);
    let mut b = Browser::new(auth);
    b.sign_in("wonderland").await;
    let h = jose_header(b.cookie("next-auth.session-token").expect("token"));
    assert_eq!(h, serde_json::json!({ "alg": "dir", "enc": "A256GCM" }));
}

// 4. Every read re-issues the token with a fresh exp and cookie Expires
// (Auth.js's behaviour: a JWT update age of 0; tests/jwt_rolling.rs covers
// the default, which re-issues only a token that is due).
#[tokio::test]
async fn inv4_every_read_reissues() {
    let auth = builder()
        .session_strategy(SessionStrategy::Jwt)
        .jwt_update_age(0)
        .build()
        .expect("config");
    let mut b = Browser::new(auth);
    b.sign_in("wonderland").await;
    let first = b.cookie("authjs.session-token").expect("token").to_owned();
    let r = b.get("/api/auth/session").await;
    let set = r.set_cookie("authjs.session-token").expect("re-issued");
    let second = b.cookie("authjs.session-token").expect("token").to_owned();
    assert_ne!(first, second, "new token (new jti, iat, IV)");
    let expires = set
        .split("; ")
        .find_map(|a| a.strip_prefix("Expires="))
        .expect("Expires");
    let when = chrono::DateTime::parse_from_rfc2822(&expires.replace("GMT", "+0000"))
        .expect("IMF-fixdate");
    let delta = when.with_timezone(&Utc) - (Utc::now() + Duration::days(30));
    assert!(
        delta.num_seconds().abs() <= 5,
        "Expires = now + 30 d: {expires}"
    );
    let body_expires = r.json()["expires"].as_str().expect("expires").to_owned();
    let body_when = chrono::DateTime::parse_from_rfc3339(&body_expires).expect("iso");
    assert_eq!(
        body_when.timestamp(),
        when.timestamp(),
        "body and cookie agree"
    );
}

/// Puts a large claim in the token, or removes it when the session update
/// says so.
struct Bulky;

#[async_trait]
impl Callbacks for Bulky {
    async fn jwt(
        &self,
        mut token: Claims,
        params: &JwtParams<'_>,
    ) -> Result<Option<Claims>, keyway_core::provider::BoxError> {
        match params
            .session
            .and_then(|s| s.get("size"))
            .and_then(|v| v.as_u64())
        {
            Some(n) => {
                token.insert("blob".into(), "x".repeat(n as usize).into());
            }
            None if params.trigger == keyway_core::callbacks::JwtTrigger::Update => {
                token.remove("blob");
            }
            None => {}
        }
        Ok(Some(token))
    }
}

// 5. Large tokens are chunked; shrinking cleans the chunks up.
#[tokio::test]
async fn inv5_chunking_through_the_engine() {
    let auth = builder().callbacks(Bulky).build().expect("config");
    let mut b = Browser::new(auth);
    b.sign_in("wonderland").await;
    let r = b.update_session(serde_json::json!({ "size": 6000 })).await;
    assert_eq!(r.status, 200);
    let names: Vec<String> = r
        .set_cookies()
        .iter()
        .map(|c| c.split('=').next().unwrap_or_default().to_owned())
        .collect();
    assert!(
        names.contains(&"authjs.session-token.0".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&"authjs.session-token.1".to_owned()),
        "{names:?}"
    );
    for c in r.set_cookies() {
        assert!(c.len() <= 4096, "each cookie fits a browser: {}", c.len());
    }
    // The chunks read back as one session.
    let r = b.get("/api/auth/session").await;
    assert_eq!(r.json()["user"]["email"], "alice@example.com");
    // Shrink: plain cookie back, chunks deleted.
    let r = b.update_session(serde_json::json!({})).await;
    let cookies = r.set_cookies();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("authjs.session-token.0=; Max-Age=0")),
        "{cookies:?}"
    );
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("authjs.session-token.1=; Max-Age=0")),
        "{cookies:?}"
    );
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("authjs.session-token=eyJ")),
        "{cookies:?}"
    );
    assert_eq!(
        b.jar
            .keys()
            .filter(|k| k.starts_with("authjs.session-token"))
            .count(),
        1
    );
}

// 6. Database sessions: updateAge throttling; expired sessions deleted.
#[tokio::test]
async fn inv6_database_session_throttling_and_expiry() {
    let memory = MemoryAdapter::new();
    let adapter = FaultyAdapter::new(Arc::new(memory.clone()));
    let auth = builder()
        .adapter(Arc::new(adapter.clone()))
        .allow_credentials_with_database_sessions(true)
        .build()
        .expect("config");
    let mut b = Browser::new(auth);
    b.sign_in("wonderland").await;
    let token = SessionToken::new(b.cookie("authjs.session-token").expect("token"));
    for _ in 0..3 {
        let r = b.get("/api/auth/session").await;
        assert_eq!(r.json()["user"]["email"], "alice@example.com");
        assert!(
            r.set_cookie("authjs.session-token").is_none(),
            "the cookie already expires with the session: not set again \
             until the session's expiry moves"
        );
    }
    assert_eq!(
        adapter.calls("update_session"),
        0,
        "fresh session: no update within updateAge"
    );

    // Pretend the session was last extended 25 h ago.
    let stale = Utc::now() + Duration::days(30) - Duration::hours(25);
    memory
        .update_session(SessionUpdate::expires(token.clone(), stale))
        .await
        .expect("update");
    let r = b.get("/api/auth/session").await;
    assert_eq!(adapter.calls("update_session"), 1, "extended once");
    let row = memory.stored_session(&token).expect("row");
    assert!(
        row.expires > Utc::now() + Duration::days(29),
        "moved to now + maxAge"
    );
    // The cookie moves with it, to the row's new expiry (to the second).
    let set = r
        .set_cookie("authjs.session-token")
        .expect("cookie set again");
    let expires = row.expires.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    assert!(set.contains(&format!("Expires={expires}")), "{set}");
    assert_eq!(
        r.json()["expires"],
        row.expires
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            .as_str()
    );
    // And the next read, not due again, leaves it alone.
    let r = b.get("/api/auth/session").await;
    assert!(r.set_cookie("authjs.session-token").is_none());
    assert_eq!(adapter.calls("update_session"), 1);

    // Expired: deleted and the cookie cleared.
    memory
        .update_session(SessionUpdate::expires(
            token.clone(),
            Utc::now() - Duration::seconds(1),
        ))
        .await
        .expect("update");
    let r = b.get("/api/auth/session").await;
    assert_eq!(r.body, "null");
    assert!(
        r.set_cookie("authjs.session-token")
            .expect("cleared")
            .contains("Max-Age=0")
    );
    assert_eq!(adapter.calls("delete_session"), 1);
    assert!(memory.stored_session(&token).is_none());
}

#[tokio::test]
async fn inv6_update_age_zero_updates_every_read() {
    let adapter = FaultyAdapter::new(Arc::new(MemoryAdapter::new()));
    let auth = builder()
        .adapter(Arc::new(adapter.clone()))
        .allow_credentials_with_database_sessions(true)
        .session_update_age(0)
        .build()
        .expect("config");
    let mut b = Browser::new(auth);
    b.sign_in("wonderland").await;
    for _ in 0..2 {
        let r = b.get("/api/auth/session").await;
        assert!(
            r.set_cookie("authjs.session-token").is_some(),
            "extended on every read, so the cookie is set on every read (Auth.js)"
        );
    }
    assert_eq!(adapter.calls("update_session"), 2);
}

// 8. authorize -> None: the v5 redirect with the default code; custom codes
// pass through; a failing authorize is a Configuration error.
#[tokio::test]
async fn inv8_credentials_refusals() {
    let (auth, _) = configured(SessionStrategy::Jwt, WireMode::AuthJs);
    let mut b = Browser::new(auth);
    let r = b.sign_in("wrong").await;
    assert_eq!(r.status, 302);
    assert_redirected(
        &r,
        "/api/auth/signin?error=CredentialsSignin&code=credentials",
    );
    assert!(r.set_cookies().is_empty());
    let r = b.post_credentials(&[("username", "locked")]).await;
    assert_redirected(&r, "/api/auth/signin?error=CredentialsSignin&code=locked");
    let r = b.post_credentials(&[("username", "broken")]).await;
    assert_redirected(&r, "/api/auth/error?error=Configuration");

    // v4: through the error route, 401 in JSON mode.
    let (auth, _) = configured(SessionStrategy::Jwt, WireMode::NextAuthV4);
    let mut b = Browser::new(auth);
    let r = b
        .post_credentials(&[("username", "alice"), ("password", "x"), ("json", "true")])
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json()["url"],
        format!("{ORIGIN}/api/auth/error?error=CredentialsSignin&provider=credentials")
    );
    let r = b.get("/api/auth/error?error=CredentialsSignin").await;
    assert_redirected(&r, "/api/auth/signin?error=CredentialsSignin");
}

// 10. Redirect callback default: relative → origin + path; same origin kept;
// foreign → origin. Also for the callback-url cookie and the query.
#[tokio::test]
async fn inv10_redirects_stay_on_the_site() {
    let (auth, _) = configured(SessionStrategy::Jwt, WireMode::AuthJs);
    let cases = [
        ("/x", format!("{ORIGIN}/x")),
        ("http://127.0.0.1:3000/y?z=1", format!("{ORIGIN}/y?z=1")),
        ("https://evil.com/", ORIGIN.to_owned()),
        ("//evil.com", ORIGIN.to_owned()),
        ("/\\evil.com", ORIGIN.to_owned()),
        ("javascript:alert(1)", ORIGIN.to_owned()),
        ("http://127.0.0.1:3000@evil.com/", ORIGIN.to_owned()),
    ];
    for (input, expected) in cases {
        let mut b = Browser::new(auth.clone());
        b.sign_in("wonderland").await;
        let csrf = b.csrf().await;
        let r = b
            .post_form(
                "/api/auth/signout",
                &[("csrfToken", csrf.as_str()), ("callbackUrl", input)],
            )
            .await;
        assert_eq!(
            r.location(),
            Some(expected.as_str()),
            "callbackUrl {input:?}"
        );
    }
    // A hostile callback-url cookie never turns into an error or a redirect
    // off the site.
    let mut b = Browser::new(auth.clone());
    b.jar.insert(
        "authjs.callback-url".into(),
        "https%3A%2F%2Fevil.com%2F".into(),
    );
    for path in [
        "/api/auth/session",
        "/api/auth/csrf",
        "/api/auth/signin",
        "/api/auth/providers",
    ] {
        let r = b.get(path).await;
        assert!(r.status.is_success(), "{path}: {}", r.status);
    }
    assert_eq!(
        b.cookie("authjs.callback-url"),
        Some("http%3A%2F%2F127.0.0.1%3A3000")
    );
    let csrf = b.csrf().await;
    let r = b
        .post_form("/api/auth/signout", &[("csrfToken", csrf.as_str())])
        .await;
    assert_eq!(r.location(), Some(ORIGIN));
}

// 11. Redirect as JSON: X-Auth-Return-Redirect and json=true, in both modes.
#[tokio::test]
async fn inv11_redirect_as_json_in_every_mode() {
    for mode in [WireMode::AuthJs, WireMode::NextAuthV4] {
        let p = common::prefix(mode);
        // Header switch.
        let (auth, _) = configured(SessionStrategy::Jwt, mode);
        let mut b = Browser::new(auth.clone());
        b.extra_headers
            .push(("X-Auth-Return-Redirect".into(), "1".into()));
        let r = b.sign_in("wonderland").await;
        assert_eq!(r.status, 200, "{mode:?}");
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.json()["url"], format!("{ORIGIN}/dashboard"));
        assert!(
            r.set_cookie(&format!("{p}.session-token")).is_some(),
            "cookies kept"
        );
        let r = b.sign_in("wrong").await;
        assert_eq!(r.status, if mode == WireMode::AuthJs { 200 } else { 401 });
        assert!(
            r.json()["url"]
                .as_str()
                .expect("url")
                .contains("error=CredentialsSignin")
        );

        // Body switch.
        let mut b = Browser::new(auth);
        let r = b
            .post_credentials(&[
                ("username", "alice"),
                ("password", "wonderland"),
                ("json", "true"),
            ])
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.json()["url"], ORIGIN);
    }
}

// 12. Built-in error page statuses.
#[tokio::test]
async fn inv12_error_page_statuses() {
    let (auth, _) = configured(SessionStrategy::Jwt, WireMode::AuthJs);
    let mut b = Browser::new(auth);
    for (code, status) in [
        ("Configuration", 500),
        ("AccessDenied", 403),
        ("Verification", 403),
        ("Default", 200),
        ("SomethingElse", 200),
        ("%3Cscript%3E", 200),
    ] {
        let r = b.get(&format!("/api/auth/error?error={code}")).await;
        assert_eq!(r.status.as_u16(), status, "{code}");
        assert!(
            r.header("content-type")
                .expect("ct")
                .starts_with("text/html")
        );
        assert!(!r.body.contains("<script>"));
    }
    let r = b.get("/api/auth/error").await;
    assert_eq!(r.status, 200);
}
