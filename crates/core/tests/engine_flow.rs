//! The whole credentials journey through `Auth::handle` — sign in, read the
//! session, update it, sign out — in both session strategies and both wire
//! modes.

mod common;

use async_trait::async_trait;
use common::{Browser, SignIn, assert_redirected, builder, configured, prefix};
use keyway_core::callbacks::{JwtParams, SessionParams};
use keyway_core::jwt::Claims;
use keyway_core::{Callbacks, SessionData, SessionStrategy, WireMode};
use std::sync::Arc;

/// Lets the client change the display name through `POST /session`, for
/// both strategies (JWT: through the token; database: through the session
/// object only).
struct RenameOnUpdate;

#[async_trait]
impl Callbacks for RenameOnUpdate {
    async fn jwt(
        &self,
        mut token: Claims,
        params: &JwtParams<'_>,
    ) -> Result<Option<Claims>, keyway_core::provider::BoxError> {
        if let Some(name) = params
            .session
            .and_then(|s| s.get("name"))
            .and_then(|v| v.as_str())
        {
            token.insert("name".into(), name.into());
        }
        Ok(Some(token))
    }

    async fn session(
        &self,
        mut session: SessionData,
        params: &SessionParams<'_>,
    ) -> Result<SessionData, keyway_core::provider::BoxError> {
        if let Some(name) = params
            .new_session
            .and_then(|s| s.get("name"))
            .and_then(|v| v.as_str())
        {
            session.user.name = Some(name.to_owned());
        }
        Ok(session)
    }
}

async fn journey(strategy: SessionStrategy, mode: WireMode) {
    let (auth, memory) = {
        let mut b = builder()
            .wire_mode(mode)
            .session_strategy(strategy)
            .callbacks(RenameOnUpdate);
        let mut mem = None;
        if strategy == SessionStrategy::Database {
            let m = keyway_memory::MemoryAdapter::new();
            b = b
                .adapter(Arc::new(m.clone()))
                .allow_credentials_with_database_sessions(true);
            mem = Some(m);
        }
        (b.build().expect("config"), mem)
    };
    let p = prefix(mode);
    let session_cookie = format!("{p}.session-token");
    let mut browser = Browser::new(auth);

    // Sign in.
    let res = browser.sign_in("wonderland").await;
    assert_eq!(res.status, 302, "{mode:?} {strategy:?}");
    assert_redirected(&res, "/dashboard");
    let set = res.set_cookie(&session_cookie).expect("session cookie set");
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Expires="));
    let token = browser.cookie(&session_cookie).expect("stored").to_owned();
    match strategy {
        SessionStrategy::Jwt => assert!(token.starts_with("eyJ"), "a JWE: {token}"),
        SessionStrategy::Database => {
            // A UUID, then when the user signed in (for account linking).
            let (uuid, _) = token.split_once('.').expect("uuid.signed-in-at");
            assert_eq!(uuid.len(), 36, "a UUID: {token}");
            assert!(
                keyway_core::SessionToken::new(token.clone())
                    .signed_in_at()
                    .is_some_and(|t| (chrono::Utc::now() - t).num_seconds() < 60),
                "{token}"
            );
            let mem = memory.as_ref().expect("adapter");
            let user = keyway_core::Adapter::get_user_by_email(mem, "alice@example.com")
                .await
                .expect("adapter")
                .expect("credentials user persisted for database sessions");
            assert_eq!(user.name.as_deref(), Some("Alice Liddell"));
        }
    }

    // Read.
    let res = browser.get("/api/auth/session").await;
    assert_eq!(res.status, 200);
    assert_eq!(
        res.header("cache-control"),
        Some("private, no-cache, no-store")
    );
    let body = res.json();
    assert_eq!(body["user"]["name"], "Alice Liddell");
    assert_eq!(body["user"]["email"], "alice@example.com");
    assert!(body["user"].get("image").is_none(), "no image key: {body}");
    assert!(body["expires"].as_str().expect("expires").ends_with('Z'));
    // Neither a database session this young nor a JWT this young is
    // extended, so neither cookie is set again (engine_invariants.rs,
    // jwt_rolling.rs).
    assert!(
        res.set_cookie(&session_cookie).is_none(),
        "rolled: {}",
        res.summary()
    );

    // Update.
    let res = browser
        .update_session(serde_json::json!({ "name": "Alice Updated" }))
        .await;
    assert_eq!(res.status, 200);
    // The update rolls the session cookie: an answer carrying a token is
    // never stored by a cache.
    assert!(res.set_cookie(&session_cookie).is_some(), "rolled");
    assert_eq!(
        res.header("cache-control"),
        Some("private, no-cache, no-store"),
        "the update carries the session cookie"
    );
    assert_eq!(res.json()["user"]["name"], "Alice Updated");
    if strategy == SessionStrategy::Jwt {
        // The token itself now carries the new name.
        let again = browser.get("/api/auth/session").await;
        assert_eq!(again.json()["user"]["name"], "Alice Updated");
    }

    // Sign out.
    let csrf = browser.csrf().await;
    let res = browser
        .post_form(
            "/api/auth/signout",
            &[("csrfToken", csrf.as_str()), ("callbackUrl", "/bye")],
        )
        .await;
    assert_eq!(res.status, 302);
    assert_redirected(&res, "/bye");
    let cleared = res.set_cookie(&session_cookie).expect("cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    if let Some(mem) = &memory {
        assert_eq!(mem.session_count(), 0, "sign-out deletes the session row");
    }

    // Signed out.
    let res = browser.get("/api/auth/session").await;
    let empty = if mode == WireMode::AuthJs {
        "null"
    } else {
        "{}"
    };
    assert_eq!(res.body, empty);
}

#[tokio::test]
async fn journey_jwt_authjs() {
    journey(SessionStrategy::Jwt, WireMode::AuthJs).await;
}

#[tokio::test]
async fn journey_jwt_nextauth_v4() {
    journey(SessionStrategy::Jwt, WireMode::NextAuthV4).await;
}

#[tokio::test]
async fn journey_database_authjs() {
    journey(SessionStrategy::Database, WireMode::AuthJs).await;
}

#[tokio::test]
async fn journey_database_nextauth_v4() {
    journey(SessionStrategy::Database, WireMode::NextAuthV4).await;
}

#[tokio::test]
async fn server_side_session_lookup_rolls_the_cookie() {
    // Re-issued on every read, so the lookup has a cookie to hand back.
    let auth = common::builder()
        .session_strategy(SessionStrategy::Jwt)
        .jwt_update_age(0)
        .build()
        .expect("config");
    let mut browser = Browser::new(auth.clone());
    browser.sign_in("wonderland").await;
    let mut headers = http::HeaderMap::new();
    let cookie = format!(
        "authjs.session-token={}",
        browser.cookie("authjs.session-token").expect("cookie")
    );
    headers.insert("cookie", cookie.parse().expect("header"));
    let lookup = auth.session(&headers).await;
    let session = lookup.session.expect("signed in");
    assert_eq!(session.user.email.as_deref(), Some("alice@example.com"));
    assert_eq!(lookup.set_cookies.len(), 1);
    let none = auth.session(&http::HeaderMap::new()).await;
    assert!(none.session.is_none() && none.set_cookies.is_empty());
}

/// The server-side lookup names the signed-in user beside the session
/// object (which stays exactly what `GET /session` answers), and the
/// database session's token where there is one.
async fn lookup_names_the_user(strategy: SessionStrategy) {
    use keyway_core::Adapter;
    let (auth, memory) = configured(strategy, WireMode::AuthJs);
    let mut browser = Browser::new(auth.clone());
    browser.sign_in("wonderland").await;
    let token = browser
        .cookie("authjs.session-token")
        .expect("cookie")
        .to_owned();
    let mut headers = http::HeaderMap::new();
    let cookie = format!("authjs.session-token={token}");
    headers.insert("cookie", cookie.parse().expect("header"));
    let session = auth.session(&headers).await.session.expect("signed in");
    let expected_id = match &memory {
        Some(m) => {
            m.get_user_by_email("alice@example.com")
                .await
                .expect("adapter")
                .expect("alice is stored")
                .id
        }
        None => "1".to_owned(),
    };
    assert_eq!(
        session.user_id(),
        Some(expected_id.as_str()),
        "{strategy:?}"
    );
    match strategy {
        SessionStrategy::Database => assert_eq!(
            session.session_token.as_ref().map(|t| t.as_str()),
            Some(token.as_str())
        ),
        SessionStrategy::Jwt => assert!(session.session_token.is_none()),
    }
    // The id is beside the Auth.js object, not in it: GET /session is unchanged.
    let res = browser.get("/api/auth/session").await;
    let mut json: serde_json::Value = serde_json::from_str(&res.body).expect("json");
    let object = serde_json::to_value(&session.data).expect("json");
    // A JWT session's expiry moves with each read; the rest is the same.
    json["expires"] = object["expires"].clone();
    assert_eq!(json, object);
    assert!(json["user"].get("id").is_none(), "{json}");
    assert!(json.get("userId").is_none() && json.get("sessionToken").is_none());
}

#[tokio::test]
async fn lookup_names_the_user_with_jwt_sessions() {
    lookup_names_the_user(SessionStrategy::Jwt).await;
}

#[tokio::test]
async fn lookup_names_the_user_with_database_sessions() {
    lookup_names_the_user(SessionStrategy::Database).await;
}
