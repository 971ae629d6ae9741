//! The standard test configuration (credentials alice / wonderland), and
//! signing in with it through keyway-testkit's cookie-keeping browser.
#![allow(dead_code)]

use std::sync::Arc;

use keyway_core::{Auth, AuthBuilder, SessionStrategy, User, WireMode};
use keyway_credentials::{Rejection, constant_time_eq, credentials};
use keyway_memory::MemoryAdapter;
pub use keyway_testkit::support::{Browser, Resp};

pub const SECRET: &str = "test-secret-that-is-long-enough-0123456789";
pub const ORIGIN: &str = "http://127.0.0.1:3000";

pub fn alice() -> User {
    let mut u = User::new("1", "alice@example.com");
    u.name = Some("Alice Liddell".into());
    u
}

/// The standard test configuration: credentials alice / wonderland.
pub fn builder() -> AuthBuilder {
    let provider = credentials(|input| async move {
        let user = input.get("username").unwrap_or_default();
        let pass = input.get("password").unwrap_or_default();
        if user == "locked" {
            return Err(Rejection::code("locked").into());
        }
        if user == "broken" {
            return Err(keyway_core::AuthorizeError::Failed(
                "the user store is down".into(),
            ));
        }
        Ok((constant_time_eq(user, "alice") & constant_time_eq(pass, "wonderland")).then(alice))
    })
    .username_password();
    Auth::builder()
        .secret(SECRET)
        .url(ORIGIN)
        .provider(provider)
}

/// A configuration for one strategy and wire mode (database uses a fresh
/// memory adapter).
pub fn configured(strategy: SessionStrategy, mode: WireMode) -> (Auth, Option<MemoryAdapter>) {
    let mut b = builder().wire_mode(mode).session_strategy(strategy);
    let mut mem = None;
    if strategy == SessionStrategy::Database {
        let m = MemoryAdapter::new();
        b = b
            .adapter(Arc::new(m.clone()))
            .allow_credentials_with_database_sessions(true);
        mem = Some(m);
    }
    (b.build().expect("valid config"), mem)
}

/// Signing in as alice through the credentials form.
pub trait SignIn {
    /// Signs in as alice with `password`; returns the callback response.
    async fn sign_in(&mut self, password: &str) -> Resp;
    /// Posts `fields` and a valid CSRF token to the credentials callback.
    async fn post_credentials(&mut self, fields: &[(&str, &str)]) -> Resp;
}

impl SignIn for Browser {
    async fn sign_in(&mut self, password: &str) -> Resp {
        self.post_credentials(&[
            ("username", "alice"),
            ("password", password),
            ("callbackUrl", "/dashboard"),
        ])
        .await
    }

    async fn post_credentials(&mut self, fields: &[(&str, &str)]) -> Resp {
        let token = self.csrf().await;
        let mut all = vec![("csrfToken", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form("/api/auth/callback/credentials", &all).await
    }
}

/// The prefix of the cookie names for a wire mode.
pub fn prefix(mode: WireMode) -> &'static str {
    match mode {
        WireMode::AuthJs => "authjs",
        WireMode::NextAuthV4 => "next-auth",
    }
}

/// Asserts that `r` redirects to `path` on the test site.
#[track_caller]
pub fn assert_redirected(r: &Resp, path: &str) {
    let expected = format!("{ORIGIN}{path}");
    assert_eq!(r.location(), Some(expected.as_str()), "redirect target");
}
