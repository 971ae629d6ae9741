//! The suite's browser: the shared [`support::Browser`](crate::support::Browser)
//! on a [`BindingUnderTest`], with the suite's sign-in steps, which report a
//! failure instead of panicking.

use std::sync::Arc;

use http::StatusCode;

use super::BindingUnderTest;
use super::auth::{ORIGIN, PASSWORD, USERNAME};
pub(crate) use crate::support::{BROWSER_ACCEPT, Resp, is_removal};

/// A browser on a binding's app.
pub(crate) type Browser = crate::support::Browser<Arc<dyn BindingUnderTest>>;

/// The suite's steps, as failures it can report.
pub(crate) trait SuiteSteps {
    /// The CSRF token, from a JSON `GET /api/auth/csrf`.
    async fn try_csrf(&mut self) -> Result<String, String>;

    /// Signs in with the credentials form; returns the callback's answer.
    async fn sign_in_as(
        &mut self,
        username: &str,
        password: &str,
        callback_url: &str,
    ) -> Result<Resp, String>;

    /// Signs alice in and checks that it worked.
    async fn sign_in(&mut self) -> Result<(), String>;
}

impl SuiteSteps for Browser {
    async fn try_csrf(&mut self) -> Result<String, String> {
        let r = self.fetch_json("/api/auth/csrf").await;
        r.try_json()?["csrfToken"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("no csrfToken: {}", r.summary()))
    }

    async fn sign_in_as(
        &mut self,
        username: &str,
        password: &str,
        callback_url: &str,
    ) -> Result<Resp, String> {
        let token = self.try_csrf().await?;
        Ok(self
            .post_form(
                "/api/auth/callback/credentials",
                &[
                    ("csrfToken", token.as_str()),
                    ("username", username),
                    ("password", password),
                    ("callbackUrl", callback_url),
                ],
            )
            .await)
    }

    async fn sign_in(&mut self) -> Result<(), String> {
        let r = self.sign_in_as(USERNAME, PASSWORD, "/protected").await?;
        if r.status != StatusCode::FOUND || r.location() != Some(&format!("{ORIGIN}/protected")) {
            return Err(format!("sign-in did not redirect back: {}", r.summary()));
        }
        if self.cookie(super::SESSION_COOKIE).is_none() {
            return Err(format!("sign-in set no session cookie: {}", r.summary()));
        }
        Ok(())
    }
}
