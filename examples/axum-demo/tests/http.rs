//! The demo over HTTP: its protected routes as a browser sees them
//! (redirect to sign-in) and as an API client sees them (401 JSON), a
//! credentials sign-in in both session strategies, and the real binary
//! started the way README says.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Stdio;

use axum::body::Body;
use axum_demo::{Settings, build};
use bytes::Bytes;
use http::{Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use keyway::SessionStrategy;
use tower::ServiceExt;

mod support;

use support::binary::{Client as HttpClient, Demo};

const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

fn temp_dir(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("axum-demo-{tag}-{}", keyway::random::hex(6)))
}

fn settings(strategy: Option<SessionStrategy>, data_dir: PathBuf) -> Settings {
    let mut s = Settings::from_vars(|_| None).unwrap();
    s.port = 3000;
    s.strategy = strategy;
    s.data_dir = data_dir;
    s
}

struct Reply {
    status: StatusCode,
    headers: http::HeaderMap,
    body: String,
}

impl Reply {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// A browser in miniature: one cookie jar over the router.
struct Client {
    router: axum::Router,
    cookies: Vec<(String, String)>,
}

impl Client {
    async fn send(&mut self, request: http::request::Builder, body: Bytes) -> Reply {
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let request = request
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::COOKIE, cookie.join("; "))
            .body(Body::from(body))
            .unwrap();
        let response: Response<Body> = self.router.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        for set in parts.headers.get_all(header::SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(k, _)| k != name);
            if !value.is_empty() {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        let body = body.collect().await.unwrap().to_bytes();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8(body.to_vec()).unwrap(),
        }
    }

    async fn get(&mut self, path: &str, accept: &str) -> Reply {
        self.send(
            Request::get(path).header(header::ACCEPT, accept),
            Bytes::new(),
        )
        .await
    }

    async fn sign_in(&mut self, password: &str) -> Reply {
        let csrf = self.get("/api/auth/csrf", "application/json").await;
        let json: serde_json::Value = serde_json::from_str(&csrf.body).unwrap();
        let token = json["csrfToken"].as_str().unwrap().to_owned();
        let form = format!(
            "csrfToken={token}&username=alice&password={password}&callbackUrl=%2Fprotected"
        );
        self.send(
            Request::post("/api/auth/callback/credentials")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            Bytes::from(form),
        )
        .await
    }
}

async fn journey(strategy: Option<SessionStrategy>, expected: SessionStrategy) {
    let dir = temp_dir("http");
    let demo = build(settings(strategy, dir.clone())).await.unwrap();
    assert_eq!(demo.auth.session_strategy(), expected);
    let mut c = Client {
        router: demo.router,
        cookies: Vec::new(),
    };

    let home = c.get("/", BROWSER_ACCEPT).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Not signed in."), "{}", home.body);

    // A browser is sent to sign in, and would come back to the page.
    let r = c.get("/protected?from=test", BROWSER_ACCEPT).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.location(),
        "http://127.0.0.1:3000/api/auth/signin?callbackUrl=http%3A%2F%2F127.0.0.1%3A3000%2Fprotected%3Ffrom%3Dtest"
    );

    // An API client gets 401 JSON, on the page and on the JSON endpoint.
    for path in ["/protected", "/api/me"] {
        let r = c.get(path, "application/json").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
        let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(json["error"], "SessionRequired", "{path}: {json}");
        assert_eq!(json["message"], "Please sign in to access this page.");
        assert!(
            json["url"]
                .as_str()
                .unwrap()
                .starts_with("http://127.0.0.1:3000/api/auth/signin?callbackUrl="),
            "{json}"
        );
    }

    let wrong = c.sign_in("nope").await;
    assert_eq!(wrong.status, StatusCode::FOUND);
    assert!(
        wrong.location().contains("error=CredentialsSignin"),
        "{}",
        wrong.location()
    );

    let ok = c.sign_in("wonderland").await;
    assert_eq!(ok.location(), "http://127.0.0.1:3000/protected");
    let page = c.get("/protected", BROWSER_ACCEPT).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("Welcome, <strong>alice (alice@example.com)</strong>"),
        "{}",
        page.body
    );
    let me = c.get("/api/me", "application/json").await;
    assert_eq!(me.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&me.body).unwrap();
    assert_eq!(json["user"]["email"], "alice@example.com");
    let home = c.get("/", BROWSER_ACCEPT).await;
    assert!(
        home.body.contains("Signed in as <strong>alice"),
        "{}",
        home.body
    );

    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn database_sessions_by_default() {
    journey(None, SessionStrategy::Database).await;
}

#[tokio::test]
async fn jwt_sessions_on_request() {
    journey(Some(SessionStrategy::Jwt), SessionStrategy::Jwt).await;
}

#[tokio::test]
async fn the_default_database_is_an_sqlite_file_in_the_data_dir() {
    let dir = temp_dir("sqlite");
    let demo = build(settings(None, dir.clone())).await.unwrap();
    assert!(dir.join("keyway-demo.db").is_file());
    assert!(dir.join("dev-secret").is_file());
    assert!(
        demo.banner()
            .contains(&format!("sqlite://{}/keyway-demo.db", dir.display()))
    );
    drop(demo);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_binary_serves_and_says_how_to_sign_in() {
    let demo = Demo::start(&[]).await;
    let site = demo.site();
    for expected in [
        format!("keyway axum demo on {site}"),
        format!("{site}/protected"),
        format!("{site}/api/auth/signin"),
        "username \"alice\", password \"wonderland\"".to_owned(),
        "sessions     database".to_owned(),
        "email        EMAIL_SERVER is not set: links and codes are printed here".to_owned(),
        "OpenID       off (set AUTH_OIDC_ISSUER, AUTH_OIDC_ID and AUTH_OIDC_SECRET".to_owned(),
        format!(
            "made a development secret in {}",
            demo.data_dir().join("dev-secret").display()
        ),
    ] {
        assert!(
            demo.banner.contains(&expected),
            "{expected:?} missing from:\n{}",
            demo.banner
        );
    }
    let mut client = HttpClient::new(demo.port);
    let reply = client.get("/").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("Not signed in."), "{}", reply.body);
    let reply = client.get("/protected").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let dir = demo.stop_keeping_data().await;

    // The second start reuses the kept secret.
    let demo = Demo::start_in(dir, &[]).await;
    assert!(
        demo.banner.contains("using a development secret"),
        "{}",
        demo.banner
    );
    demo.stop().await;
}

#[tokio::test]
async fn the_binary_says_which_sign_in_methods_it_offers() {
    let demo = Demo::start(&[
        ("AUTH_OIDC_ISSUER", "http://127.0.0.1:4700"),
        ("AUTH_OIDC_ID", "keyway-basic"),
        ("AUTH_OIDC_SECRET", "keyway-basic-secret"),
        ("EMAIL_SERVER", "smtp://demo:hunter2@127.0.0.1:2525"),
        ("EMAIL_FROM", "Demo <demo@example.com>"),
    ])
    .await;
    let (site, banner) = (demo.site(), &demo.banner);
    for expected in [
        format!(
            "OpenID       OpenID Connect at http://127.0.0.1:4700 (client \"keyway-basic\"; \
             callback {site}/api/auth/callback/oidc)"
        ),
        "email        links and codes sent through the SMTP server 127.0.0.1:2525 \
         (EMAIL_SERVER), from \"Demo <demo@example.com>\""
            .to_owned(),
    ] {
        assert!(
            banner.contains(&expected),
            "{expected:?} missing from:\n{banner}"
        );
    }
    for secret in ["keyway-basic-secret", "hunter2"] {
        assert!(!banner.contains(secret), "{secret} printed:\n{banner}");
    }
    // The providers keyway serves: the demo user, email, OpenID Connect.
    let reply = HttpClient::new(demo.port).get("/api/auth/providers").await;
    assert_eq!(reply.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    let types: Vec<&str> = json
        .as_object()
        .unwrap()
        .values()
        .map(|p| p["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["credentials", "email", "oidc"], "{json}");
    assert_eq!(json["oidc"]["name"], "OpenID Connect");
    demo.stop().await;
}

/// Runs the demo binary with `configure` applied; it must exit unsuccessfully.
/// Returns its stderr.
async fn refused(configure: impl FnOnce(&mut tokio::process::Command)) -> String {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_axum-demo"));
    command
        .env("DEMO_DATA_DIR", temp_dir("bad"))
        .stdin(Stdio::null());
    configure(&mut command);
    let output = command.output().await.unwrap();
    assert!(!output.status.success());
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn bad_settings_stop_the_binary_with_a_message() {
    let stderr = refused(|c| {
        c.env("SESSION_STRATEGY", "cookies");
    })
    .await;
    assert!(
        stderr.contains("SESSION_STRATEGY is \"cookies\": set it to jwt or database"),
        "{stderr}"
    );

    // Half an OpenID Connect configuration is refused, not ignored.
    let stderr = refused(|c| {
        c.env_remove("AUTH_OIDC_ID")
            .env_remove("AUTH_OIDC_SECRET")
            .env("AUTH_OIDC_ISSUER", "http://127.0.0.1:4700");
    })
    .await;
    assert!(
        stderr.contains("but AUTH_OIDC_ID and AUTH_OIDC_SECRET are not set"),
        "{stderr}"
    );
}
