//! Test helpers: the OAuth steps of keyway-testkit's browser (which drives
//! `Auth::handle` in-process and keeps cookies), and a second
//! cookie-keeping HTTP client that walks the identity provider's redirects.
#![allow(dead_code)]

pub mod counting;
pub mod fake_idp;

use http::StatusCode;
pub use keyway_testkit::support::{Browser, Resp};

pub const SECRET: &str = "test-secret-that-is-long-enough-0123456789";
pub const ORIGIN: &str = "http://127.0.0.1:3000";
/// The test OpenID provider started by `cargo xtask services`.
pub const ISSUER: &str = "http://127.0.0.1:4700";

/// Whether the test OpenID provider is up. Under `KEYWAY_REQUIRE_SERVICES=1`
/// (CI) a missing provider fails the test instead of skipping it.
pub async fn idp_up() -> bool {
    let up = tokio::net::TcpStream::connect("127.0.0.1:4700")
        .await
        .is_ok();
    if !up {
        assert!(
            std::env::var("KEYWAY_REQUIRE_SERVICES").as_deref() != Ok("1"),
            "the test OpenID provider is not running on {ISSUER}: run `cargo xtask services`"
        );
        eprintln!("skipped: no OpenID provider on {ISSUER} (run `cargo xtask services`)");
    }
    up
}

/// The OAuth steps of the site's side of a browser.
pub trait OAuthSteps {
    /// `POST /signin/{provider}{query}` with a CSRF token; returns the
    /// authorization URL it redirects to.
    async fn start(&mut self, provider: &str, query: &str) -> String;
    /// Delivers the identity provider's answer to the callback.
    async fn finish(&mut self, answer: &Answer) -> Resp;
    /// Whether the jar holds a session cookie.
    fn has_session_cookie(&self) -> bool;
}

impl OAuthSteps for Browser {
    async fn start(&mut self, provider: &str, query: &str) -> String {
        let csrf = self.csrf().await;
        let r = self
            .post_form(
                &format!("/api/auth/signin/{provider}{query}"),
                &[("csrfToken", csrf.as_str()), ("callbackUrl", "/after")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
        r.location().unwrap_or_default().to_owned()
    }

    async fn finish(&mut self, answer: &Answer) -> Resp {
        match answer {
            Answer::Get(path) => self.get(path).await,
            Answer::Post(path, fields) => {
                let fields: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                self.post_form(path, &fields).await
            }
        }
    }

    fn has_session_cookie(&self) -> bool {
        self.jar.keys().any(|k| k.contains("session-token"))
    }
}

/// How the identity provider sends the browser back to the site.
#[derive(Debug, Clone)]
pub enum Answer {
    /// A redirect: the path and query under the site's origin.
    Get(String),
    /// A `form_post` page: the form's path and fields.
    Post(String, Vec<(String, String)>),
}

impl Answer {
    /// The answer with one query parameter or form field replaced.
    pub fn with(&self, name: &str, value: &str) -> Answer {
        match self {
            Answer::Get(path) => {
                let url = url::Url::parse(&format!("{ORIGIN}{path}")).expect("url");
                let pairs: Vec<(String, String)> = url
                    .query_pairs()
                    .map(|(k, v)| {
                        let v = if k == name {
                            value.to_owned()
                        } else {
                            v.into_owned()
                        };
                        (k.into_owned(), v)
                    })
                    .collect();
                let query = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(pairs)
                    .finish();
                Answer::Get(format!("{}?{query}", url.path()))
            }
            Answer::Post(path, fields) => Answer::Post(
                path.clone(),
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), if k == name { value.into() } else { v.clone() }))
                    .collect(),
            ),
        }
    }

    pub fn param(&self, name: &str) -> Option<String> {
        match self {
            Answer::Get(path) => url::Url::parse(&format!("{ORIGIN}{path}"))
                .expect("url")
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned()),
            Answer::Post(_, fields) => fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone()),
        }
    }
}

/// The browser's side at the identity provider: a cookie-keeping client
/// that follows the provider's redirects (its automatic login and consent)
/// until it is sent back to the site.
pub struct IdpBrowser {
    client: reqwest::Client,
}

impl IdpBrowser {
    pub fn new() -> Self {
        Self {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                // The https test provider's CA (fake_idp::start_tls).
                .add_root_certificate(
                    reqwest::Certificate::from_pem(fake_idp::TEST_CA).expect("test CA"),
                )
                .build()
                .expect("client"),
        }
    }

    pub async fn authorize(&self, url: &str) -> Answer {
        let mut url = url.to_owned();
        for _ in 0..10 {
            let res = self.client.get(&url).send().await.expect("IdP request");
            let status = res.status();
            if status.is_redirection() {
                let next = res
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .expect("location")
                    .to_owned();
                let next = url::Url::parse(&url)
                    .expect("url")
                    .join(&next)
                    .expect("join");
                if next.as_str().starts_with(ORIGIN) {
                    let path = &next.as_str()[ORIGIN.len()..];
                    return Answer::Get(path.to_owned());
                }
                url = next.into();
                continue;
            }
            let body = res.text().await.expect("body");
            assert!(status.is_success(), "IdP answered {status}: {body}");
            return parse_form_post(&body);
        }
        panic!("too many redirects at the IdP");
    }
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&#47;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

/// Reads a `response_mode=form_post` page: the form's action and inputs.
fn parse_form_post(html: &str) -> Answer {
    let form_start = html.find("<form").expect("a form_post page");
    let form_tag = &html[form_start..form_start + html[form_start..].find('>').expect("tag")];
    let action = attr(form_tag, "action").expect("action");
    assert!(action.starts_with(ORIGIN), "{action}");
    let mut fields = Vec::new();
    let mut rest = &html[form_start..];
    while let Some(i) = rest.find("<input") {
        let end = rest[i..].find('>').expect("tag") + i;
        let tag = &rest[i..end];
        if let (Some(n), Some(v)) = (attr(tag, "name"), attr(tag, "value")) {
            fields.push((n, v));
        }
        rest = &rest[end..];
    }
    Answer::Post(action[ORIGIN.len()..].to_owned(), fields)
}
