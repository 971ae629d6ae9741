//! Proof that the binding suite bites: the good axum app behind small,
//! deliberately broken bindings, each of which must fail the cases that look
//! at what it breaks.

#![allow(clippy::unwrap_used)]

mod common;

use bytes::Bytes;
use common::{Oneshot, app};
use http::{HeaderValue, Request, Response, StatusCode, header};
use keyway_testkit::binding::{self, BindingUnderTest};

/// The one thing a [`Broken`] binding does wrong.
#[derive(Debug, Clone, Copy)]
enum Bug {
    /// Drops the cookies the extractors rolled (no layer appending them).
    DropsRolledCookies,
    /// Joins several `Set-Cookie` headers into one, comma-separated.
    JoinsSetCookie,
    /// Does not pass the `Cookie` header to the app's own routes.
    LosesCookiesOnAppRoutes,
    /// Redirects with `302` instead of `303`.
    Found,
    /// Loses the query string of the app's routes.
    LosesQuery,
}

struct Broken {
    bug: Bug,
    inner: Oneshot,
}

fn is_auth_route(path: &str) -> bool {
    path.starts_with("/api/auth")
}

#[async_trait::async_trait]
impl BindingUnderTest for Broken {
    async fn send(&self, mut request: Request<Bytes>) -> Response<Bytes> {
        let app_route = !is_auth_route(request.uri().path());
        match self.bug {
            Bug::LosesCookiesOnAppRoutes if app_route => {
                request.headers_mut().remove(header::COOKIE);
            }
            Bug::LosesQuery if app_route => {
                let path = request.uri().path().to_owned();
                *request.uri_mut() = path.parse().unwrap();
            }
            _ => {}
        }
        let mut response = self.inner.send(request).await;
        match self.bug {
            Bug::DropsRolledCookies if app_route => {
                response.headers_mut().remove(header::SET_COOKIE);
            }
            Bug::JoinsSetCookie => {
                let all: Vec<String> = response
                    .headers()
                    .get_all(header::SET_COOKIE)
                    .iter()
                    .map(|v| v.to_str().unwrap().to_owned())
                    .collect();
                if all.len() > 1 {
                    let joined = HeaderValue::from_str(&all.join(", ")).unwrap();
                    response.headers_mut().insert(header::SET_COOKIE, joined);
                }
            }
            Bug::Found if response.status() == StatusCode::SEE_OTHER => {
                *response.status_mut() = StatusCode::FOUND;
            }
            _ => {}
        }
        response
    }
}

async fn failures(bug: Bug) -> Vec<&'static str> {
    let report = binding::run(&format!("broken: {bug:?}"), move |auth| Broken {
        bug,
        inner: Oneshot(app(auth)),
    })
    .await;
    report.failed()
}

fn assert_fails(failed: &[&str], expected: &[&str]) {
    for case in expected {
        assert!(failed.contains(case), "{case} passed; failed: {failed:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_rolled_cookies_is_caught() {
    let failed = failures(Bug::DropsRolledCookies).await;
    assert_fails(
        &failed,
        &[
            "rolled_jwt_cookie",
            "rolled_database_cookie",
            "invalid_session_cookie_is_cleared",
        ],
    );
    // The auth routes themselves are untouched.
    assert!(!failed.contains(&"credentials_sign_in"), "{failed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_set_cookie_headers_is_caught() {
    let failed = failures(Bug::JoinsSetCookie).await;
    assert_fails(&failed, &["credentials_sign_in", "protected_with_session"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_cookies_on_app_routes_is_caught() {
    let failed = failures(Bug::LosesCookiesOnAppRoutes).await;
    assert_fails(
        &failed,
        &["protected_with_session", "whoami", "current_user"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wrong_redirect_status_is_caught() {
    let failed = failures(Bug::Found).await;
    assert_fails(&failed, &["protected_redirects_a_browser"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_the_query_is_caught() {
    let failed = failures(Bug::LosesQuery).await;
    assert_fails(&failed, &["protected_redirects_a_browser"]);
}
