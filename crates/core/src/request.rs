//! The request, parsed once into everything an action needs: action and
//! provider, cookies, query and body, the site's origin, the CSRF state and
//! the resolved callback URL.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use http::{HeaderMap, Method};

use crate::auth::{CookieJar, Inner};
use crate::cookies::{RequestCookies, SetCookie};
use crate::csrf::CsrfToken;
use crate::pages::Locale;
use crate::redirect::Origin;

/// The most a request body may hold. Auth forms are tiny; anything larger is
/// refused before parsing.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The actions served under the base path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Providers,
    Session,
    Csrf,
    SignIn,
    SignOut,
    Callback,
    VerifyRequest,
    Error,
}

impl Action {
    /// The actions served without a provider segment, by path name.
    pub(crate) const WITHOUT_PROVIDER: [&'static str; 7] = [
        "session",
        "csrf",
        "providers",
        "signin",
        "signout",
        "verify-request",
        "error",
    ];

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "providers" => Self::Providers,
            "session" => Self::Session,
            "csrf" => Self::Csrf,
            "signin" => Self::SignIn,
            "signout" => Self::SignOut,
            "callback" => Self::Callback,
            "verify-request" => Self::VerifyRequest,
            "error" => Self::Error,
            _ => return None,
        })
    }

    fn takes_provider(self) -> bool {
        matches!(self, Self::SignIn | Self::Callback)
    }
}

/// Splits `path` into action and provider id, Auth.js v5's rules: one or two
/// non-empty segments after the base path, a provider only for signin and
/// callback, and the literal `undefined` meaning no provider.
pub(crate) fn parse_route(base_path: &str, path: &str) -> Option<(Action, Option<String>)> {
    let rest = path.strip_prefix(base_path)?;
    let rest = rest.strip_prefix('/')?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let mut segments = rest.split('/');
    let action = Action::parse(segments.next()?)?;
    let provider = segments.next();
    if segments.next().is_some() {
        return None;
    }
    match provider {
        None => Some((action, None)),
        Some("") => None,
        Some(_) if !action.takes_provider() => None,
        Some("undefined") => Some((action, None)),
        Some(p) => {
            let decoded = percent_encoding::percent_decode_str(p)
                .decode_utf8()
                .ok()?
                .into_owned();
            Some((action, Some(decoded)))
        }
    }
}

/// The parsed POST body.
#[derive(Debug, Default)]
pub(crate) struct Body {
    /// Top-level string fields (form fields, or JSON strings/booleans/numbers).
    pub fields: BTreeMap<String, String>,
    /// The whole JSON body, when it was JSON.
    pub json: Option<serde_json::Value>,
}

impl Body {
    pub(crate) fn parse(headers: &HeaderMap, bytes: &[u8]) -> Self {
        let content_type = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match content_type.as_str() {
            "application/json" => {
                let Ok(json) = serde_json::from_slice::<serde_json::Value>(bytes) else {
                    return Self::default();
                };
                let mut fields = BTreeMap::new();
                if let Some(obj) = json.as_object() {
                    for (k, v) in obj {
                        let s = match v {
                            serde_json::Value::String(s) => s.clone(),
                            serde_json::Value::Bool(b) => b.to_string(),
                            serde_json::Value::Number(n) => n.to_string(),
                            _ => continue,
                        };
                        fields.insert(k.clone(), s);
                    }
                }
                Self {
                    fields,
                    json: Some(json),
                }
            }
            "application/x-www-form-urlencoded" => Self {
                fields: first_wins(form_urlencoded::parse(bytes)),
                json: None,
            },
            _ => Self::default(),
        }
    }
}

fn first_wins<'a>(
    pairs: impl Iterator<Item = (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)>,
) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for (k, v) in pairs {
        map.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    map
}

pub(crate) fn parse_query(query: Option<&str>) -> BTreeMap<String, String> {
    first_wins(form_urlencoded::parse(query.unwrap_or("").as_bytes()))
}

/// Everything an action needs to know about the request.
pub(crate) struct RequestContext<'a> {
    pub auth: &'a Inner,
    pub method: Method,
    /// Path and query of the request, as received.
    pub path_and_query: &'a str,
    pub origin: Origin,
    pub jar: &'a CookieJar,
    pub cookies: RequestCookies,
    pub query: BTreeMap<String, String>,
    pub body: Body,
    pub csrf: CsrfToken,
    pub return_json: bool,
    pub now: DateTime<Utc>,
    pub locale: Locale,
    /// The callback URL after the redirect callback, always on the site.
    pub callback_url: String,
    /// Set when the callback-url cookie must be (re)written.
    pub callback_cookie: Option<SetCookie>,
}

impl RequestContext<'_> {
    /// `{origin}{basePath}/{action}`.
    pub fn action_url(&self, action: &str) -> String {
        format!("{}{}/{}", self.origin.as_str(), self.auth.base_path, action)
    }

    /// Whether the CSRF token posted in the body matches the cookie.
    pub fn csrf_verified(&self) -> bool {
        self.method == Method::POST
            && self
                .csrf
                .verify(self.body.fields.get("csrfToken").map(String::as_str))
    }

    /// The cookies every successful answer carries: a freshly minted CSRF
    /// cookie and a changed callback-url cookie, in that order.
    pub fn init_cookies(&self) -> Vec<SetCookie> {
        // Most requests set neither: no allocation for them.
        let mut out = Vec::new();
        if let Some(value) = self.csrf.cookie_value_to_set() {
            out.push(SetCookie::new(
                self.jar.names.csrf_token.clone(),
                value.to_owned(),
                self.jar.csrf_options.clone(),
            ));
        }
        if let Some(c) = &self.callback_cookie {
            out.push(c.clone());
        }
        out
    }
}

/// The language of the built-in pages for this request.
pub(crate) fn request_locale(configured: Option<Locale>, headers: &HeaderMap) -> Locale {
    configured
        .or_else(|| {
            headers
                .get(http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::from_accept_language)
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_actions_without_a_provider_are_every_action_that_needs_none() {
        for name in Action::WITHOUT_PROVIDER {
            let path = format!("/api/auth/{name}");
            assert!(
                matches!(parse_route("/api/auth", &path), Some((_, None))),
                "{name}"
            );
        }
        // Only callback needs a provider segment; every other action is listed.
        let listed: Vec<Action> = Action::WITHOUT_PROVIDER
            .iter()
            .filter_map(|n| Action::parse(n))
            .collect();
        for action in [
            Action::Providers,
            Action::Session,
            Action::Csrf,
            Action::SignIn,
            Action::SignOut,
            Action::VerifyRequest,
            Action::Error,
        ] {
            assert!(listed.contains(&action), "{action:?}");
        }
        assert!(!listed.contains(&Action::Callback));
    }

    #[test]
    fn routes_follow_authjs_rules() {
        let b = "/api/auth";
        assert_eq!(
            parse_route(b, "/api/auth/session"),
            Some((Action::Session, None))
        );
        assert_eq!(
            parse_route(b, "/api/auth/signin/github"),
            Some((Action::SignIn, Some("github".into())))
        );
        assert_eq!(
            parse_route(b, "/api/auth/callback/undefined"),
            Some((Action::Callback, None))
        );
        assert_eq!(parse_route(b, "/api/auth/session/extra"), None);
        assert_eq!(parse_route(b, "/api/auth/foo"), None);
        assert_eq!(parse_route(b, "/api/auth"), None);
        assert_eq!(parse_route(b, "/api/authx/session"), None);
        assert_eq!(parse_route(b, "/api/auth/signin/a/b"), None);
        assert_eq!(parse_route(b, "/api/auth/signin//"), None);
    }

    #[test]
    fn json_body_fields_and_form_first_wins() {
        let mut h = HeaderMap::new();
        h.insert(
            "content-type",
            http::HeaderValue::from_static("application/json"),
        );
        let b = Body::parse(&h, br#"{"csrfToken":"x","json":true,"data":{"a":1}}"#);
        assert_eq!(b.fields.get("csrfToken").map(String::as_str), Some("x"));
        assert_eq!(b.fields.get("json").map(String::as_str), Some("true"));
        assert!(!b.fields.contains_key("data"));
        let mut h = HeaderMap::new();
        h.insert(
            "content-type",
            http::HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
        );
        let b = Body::parse(&h, b"a=1&a=2&b=%20x");
        assert_eq!(b.fields.get("a").map(String::as_str), Some("1"));
        assert_eq!(b.fields.get("b").map(String::as_str), Some(" x"));
        let b = Body::parse(&HeaderMap::new(), b"a=1");
        assert!(b.fields.is_empty());
    }
}
