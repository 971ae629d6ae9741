//! The answer to a request that needs a signed-in user and has none, shared
//! by every binding's "required session" extractor.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Response, StatusCode, header};

use crate::auth::Auth;
use crate::codes::SignInPageCode;

/// The English text of the `SessionRequired` sign-in page code.
const MESSAGE: &str = "Please sign in to access this page.";

impl Auth {
    /// What to answer a request for `wanted` (a path and query on the site)
    /// that needs a session and has none: a `303` redirect to the sign-in page
    /// with `callbackUrl` set to `wanted` for a browser, or `401` JSON
    /// `{"error":"SessionRequired","message":…,"url":<sign-in page>}` for a
    /// client that accepts `application/json` but not `text/html`. Both carry
    /// `Vary: Accept` and `Cache-Control: no-store`.
    pub fn session_required(&self, headers: &HeaderMap, wanted: &str) -> Response<Bytes> {
        let signin_url = self.signin_url(headers, wanted);
        let mut response = Response::new(Bytes::new());
        let h = response.headers_mut();
        h.insert(header::VARY, HeaderValue::from_static("accept"));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        let location = HeaderValue::from_str(&signin_url).ok();
        match location {
            Some(location) if !wants_json(headers) => {
                *response.status_mut() = StatusCode::SEE_OTHER;
                response.headers_mut().insert(header::LOCATION, location);
            }
            _ => {
                *response.status_mut() = StatusCode::UNAUTHORIZED;
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                let body = serde_json::json!({
                    "error": SignInPageCode::SessionRequired.as_str(),
                    "message": MESSAGE,
                    "url": signin_url,
                });
                *response.body_mut() = Bytes::from(body.to_string());
            }
        }
        response
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

    #[test]
    fn browser_gets_a_redirect_and_api_gets_401_json() {
        let auth = Auth::builder()
            .secret("a-long-random-secret-value-0123456789")
            .url("https://example.com")
            .build()
            .unwrap();
        let r = auth.session_required(&accept(&["text/html"]), "/dashboard?tab=1");
        assert_eq!(r.status(), 303);
        assert_eq!(
            r.headers()[header::LOCATION],
            "https://example.com/api/auth/signin?callbackUrl=https%3A%2F%2Fexample.com%2Fdashboard%3Ftab%3D1"
        );
        assert_eq!(r.headers()[header::VARY], "accept");
        let r = auth.session_required(&accept(&["application/json"]), "/api/me");
        assert_eq!(r.status(), 401);
        let body: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
        assert_eq!(body["error"], "SessionRequired");
        assert!(
            body["url"]
                .as_str()
                .unwrap()
                .starts_with("https://example.com/api/auth/signin?")
        );
    }
}
