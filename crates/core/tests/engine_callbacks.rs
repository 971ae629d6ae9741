//! Callbacks steer sign-in, redirects, tokens and the session object; events
//! report what happened.

mod common;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use common::{Browser, ORIGIN, SignIn, assert_redirected, builder};
use keyway_core::callbacks::{JwtParams, JwtTrigger, SessionParams, SignInParams};
use keyway_core::events::{SignInEvent, SignOutEvent};
use keyway_core::jwt::Claims;
use keyway_core::model::{Account, User};
use keyway_core::provider::BoxError;
use keyway_core::redirect::Origin;
use keyway_core::{Callbacks, Events, SessionData, SignInDecision};
use keyway_memory::MemoryAdapter;
use keyway_testkit::support::LogCapture;

struct Decide(SignInDecision);

#[async_trait]
impl Callbacks for Decide {
    async fn sign_in(&self, _p: &SignInParams<'_>) -> Result<SignInDecision, BoxError> {
        Ok(self.0.clone())
    }
}

#[tokio::test]
async fn deny_is_access_denied() {
    let auth = builder()
        .callbacks(Decide(SignInDecision::Deny))
        .build()
        .expect("config");
    let mut b = Browser::new(auth);
    let r = b.sign_in("wonderland").await;
    assert_redirected(&r, "/api/auth/error?error=AccessDenied");
    assert!(b.cookie("authjs.session-token").is_none());
    let page = b.get("/api/auth/error?error=AccessDenied").await;
    assert_eq!(page.status, 403);
}

#[tokio::test]
async fn redirect_decisions_stay_on_the_site() {
    for (target, expected) in [
        ("/welcome", format!("{ORIGIN}/welcome")),
        ("https://evil.com/phish", ORIGIN.to_owned()),
    ] {
        let auth = builder()
            .callbacks(Decide(SignInDecision::Redirect(target.into())))
            .build()
            .expect("config");
        let mut b = Browser::new(auth);
        let r = b.sign_in("wonderland").await;
        assert_eq!(r.location(), Some(expected.as_str()));
        assert!(
            b.cookie("authjs.session-token").is_none(),
            "a redirect decision does not sign in"
        );
    }
}

/// Adds the user's id and a role to the token and exposes them in the
/// session; ends the session when the token is marked revoked.
struct Roles;

#[async_trait]
impl Callbacks for Roles {
    async fn jwt(&self, mut token: Claims, p: &JwtParams<'_>) -> Result<Option<Claims>, BoxError> {
        if p.trigger == JwtTrigger::SignIn {
            token.insert("role".into(), "admin".into());
        }
        if p.session.and_then(|s| s.get("revoke")).is_some() {
            return Ok(None);
        }
        Ok(Some(token))
    }

    async fn session(
        &self,
        mut s: SessionData,
        p: &SessionParams<'_>,
    ) -> Result<SessionData, BoxError> {
        if let Some(token) = p.token {
            s.user.extra.insert("id".into(), token["sub"].clone());
            s.extra.insert("role".into(), token["role"].clone());
        }
        Ok(s)
    }

    async fn redirect(&self, url: &str, origin: &Origin) -> String {
        // This application also trusts its docs site.
        if url.starts_with("https://docs.example.com/") {
            url.to_owned()
        } else {
            keyway_core::redirect::default_redirect(url, origin)
        }
    }
}

#[tokio::test]
async fn jwt_and_session_callbacks_shape_the_session() {
    let auth = builder().callbacks(Roles).build().expect("config");
    let mut b = Browser::new(auth);
    b.sign_in("wonderland").await;
    let r = b.get("/api/auth/session").await;
    let body = r.json();
    assert_eq!(body["user"]["id"], "1");
    assert_eq!(body["role"], "admin");
    let keys: Vec<&String> = body.as_object().expect("object").keys().collect();
    assert_eq!(
        keys,
        ["user", "expires", "role"],
        "Auth.js key order, extras last"
    );

    // A custom redirect callback may allow another site.
    let csrf = b.csrf().await;
    let r = b
        .post_form(
            "/api/auth/signout",
            &[
                ("csrfToken", csrf.as_str()),
                ("callbackUrl", "https://docs.example.com/bye"),
            ],
        )
        .await;
    assert_eq!(r.location(), Some("https://docs.example.com/bye"));
}

#[tokio::test]
async fn jwt_callback_returning_none_ends_the_session() {
    let auth = builder().callbacks(Roles).build().expect("config");
    let mut b = Browser::new(auth);
    b.sign_in("wonderland").await;
    let r = b
        .update_session(serde_json::json!({ "revoke": true }))
        .await;
    assert_eq!(r.body, "null");
    assert!(
        r.set_cookie("authjs.session-token")
            .expect("cleared")
            .contains("Max-Age=0")
    );
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

impl Recorder {
    fn push(&self, s: String) {
        self.0.lock().expect("lock").push(s);
    }
    fn seen(&self) -> Vec<String> {
        self.0.lock().expect("lock").clone()
    }
}

#[async_trait]
impl Events for Recorder {
    async fn sign_in(&self, e: &SignInEvent<'_>) -> Result<(), BoxError> {
        self.push(format!(
            "sign_in {} new={}",
            e.user.email.as_deref().unwrap_or("-"),
            e.is_new_user
        ));
        Ok(())
    }
    async fn sign_out(&self, e: &SignOutEvent<'_>) -> Result<(), BoxError> {
        let what = match e {
            SignOutEvent::Jwt { token } => format!("jwt sub={:?}", token.map(|t| t["sub"].clone())),
            SignOutEvent::Database { session } => format!("database found={}", session.is_some()),
        };
        self.push(format!("sign_out {what}"));
        Ok(())
    }
    async fn create_user(&self, u: &User) -> Result<(), BoxError> {
        self.push(format!("create_user {}", u.email.as_deref().unwrap_or("-")));
        Ok(())
    }
    async fn link_account(&self, _u: &User, a: &Account) -> Result<(), BoxError> {
        self.push(format!("link_account {}", a.provider));
        Ok(())
    }
    async fn session(&self, s: &SessionData) -> Result<(), BoxError> {
        self.push(format!(
            "session {}",
            s.user.email.as_deref().unwrap_or("-")
        ));
        // A failing event is logged and ignored.
        Err("the audit log is full".into())
    }
}

#[tokio::test]
async fn events_fire_in_order_and_failures_are_ignored() {
    let rec = Recorder::default();
    let auth = builder()
        .events(rec.clone())
        .adapter(Arc::new(MemoryAdapter::new()))
        .allow_credentials_with_database_sessions(true)
        .build()
        .expect("config");
    let mut b = Browser::new(auth);
    b.sign_in("wonderland").await;
    let r = b.get("/api/auth/session").await;
    assert_eq!(
        r.json()["user"]["email"],
        "alice@example.com",
        "event failure ignored"
    );
    let csrf = b.csrf().await;
    b.post_form("/api/auth/signout", &[("csrfToken", csrf.as_str())])
        .await;
    b.sign_in("wonderland").await;
    assert_eq!(
        rec.seen(),
        [
            "create_user alice@example.com",
            "link_account credentials",
            "sign_in alice@example.com new=true",
            "session alice@example.com",
            "sign_out database found=true",
            "sign_in alice@example.com new=false",
        ]
    );

    let rec = Recorder::default();
    let mut b = Browser::new(builder().events(rec.clone()).build().expect("config"));
    b.sign_in("wonderland").await;
    let csrf = b.csrf().await;
    b.post_form("/api/auth/signout", &[("csrfToken", csrf.as_str())])
        .await;
    assert_eq!(
        rec.seen(),
        [
            "sign_in alice@example.com new=false",
            "sign_out jwt sub=Some(String(\"1\"))"
        ]
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_failing_event_is_logged_with_its_name_and_cause() {
    let logs = LogCapture::start();
    let mut b = Browser::new(
        builder()
            .events(Recorder::default())
            .build()
            .expect("config"),
    );
    b.sign_in("wonderland").await;
    let r = b.get("/api/auth/session").await;
    assert_eq!(r.json()["user"]["email"], "alice@example.com");
    let text = logs.text();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("event handler failed"))
        .collect();
    assert_eq!(lines.len(), 1, "only the session event failed:\n{text}");
    assert!(
        lines[0].contains("ERROR")
            && lines[0].contains("event=\"session\"")
            && lines[0].contains("the audit log is full"),
        "{}",
        lines[0]
    );
}
