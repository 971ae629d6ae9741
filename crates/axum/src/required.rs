//! The answer to a request that needs a session and has none.

use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use keyway_core::{Auth, SignInPageCode};

/// The English text of the `SessionRequired` sign-in page code.
const MESSAGE: &str = "Please sign in to access this page.";

/// A request that needs a signed-in user came without one. As a response it
/// is a `303` redirect to the sign-in page for a browser, or `401` JSON
/// `{"error":"SessionRequired","message":…,"url":<sign-in page>}` for a
/// client that accepts `application/json` but not `text/html`. Both carry
/// `Vary: Accept` and `Cache-Control: no-store`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRequired {
    signin_url: String,
    json: bool,
}

impl SessionRequired {
    pub(crate) fn new(auth: &Auth, headers: &HeaderMap, wanted: &str) -> Self {
        Self {
            signin_url: auth.signin_url(headers, wanted),
            json: wants_json(headers),
        }
    }

    /// The sign-in page URL, with `callbackUrl` set to the page asked for.
    pub fn signin_url(&self) -> &str {
        &self.signin_url
    }
}

impl IntoResponse for SessionRequired {
    fn into_response(self) -> Response {
        let common = [
            (header::VARY, HeaderValue::from_static("accept")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ];
        if self.json {
            let body = serde_json::json!({
                "error": SignInPageCode::SessionRequired.as_str(),
                "message": MESSAGE,
                "url": self.signin_url,
            });
            return (
                StatusCode::UNAUTHORIZED,
                common,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                body.to_string(),
            )
                .into_response();
        }
        match HeaderValue::from_str(&self.signin_url) {
            Ok(location) => (
                StatusCode::SEE_OTHER,
                common,
                [(header::LOCATION, location)],
            )
                .into_response(),
            // The engine builds the URL from the site's origin and an
            // encoded callback, so this cannot happen; refuse plainly if it does.
            Err(_) => (StatusCode::UNAUTHORIZED, common, MESSAGE).into_response(),
        }
    }
}

/// Whether the client asked for JSON: its `Accept` lists `application/json`
/// (or a `+json` type) and does not list `text/html`, ignoring entries with
/// `q=0`. Browsers navigating to a page always list `text/html`.
fn wants_json(headers: &HeaderMap) -> bool {
    let mut json = false;
    let mut html = false;
    for value in headers.get_all(header::ACCEPT) {
        let Ok(value) = value.to_str() else { continue };
        for entry in value.split(',') {
            let mut params = entry.split(';');
            let media = params
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            let refused = params.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            if refused {
                continue;
            }
            if media == "application/json" || media.ends_with("+json") {
                json = true;
            } else if media == "text/html" {
                html = true;
            }
        }
    }
    json && !html
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(header::ACCEPT, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn json_only_when_asked_for_and_not_html() {
        assert!(wants_json(&accept(&["application/json"])));
        assert!(wants_json(&accept(&["Application/JSON; charset=utf-8"])));
        assert!(wants_json(&accept(&[
            "application/problem+json, */*;q=0.1"
        ])));
        assert!(wants_json(&accept(&["text/plain", "application/json"])));
        assert!(!wants_json(&accept(&[])));
        assert!(!wants_json(&accept(&["*/*"])));
        assert!(!wants_json(&accept(&[
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        ])));
        assert!(!wants_json(&accept(&["application/json, text/html"])));
        assert!(!wants_json(&accept(&["application/json;q=0"])));
        assert!(wants_json(&accept(&["application/json, text/html;q=0"])));
    }
}
