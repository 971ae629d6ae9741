//! The demo over HTTP: its protected routes as a browser sees them
//! (redirect to sign-in) and as an API client sees them (401 JSON), a
//! credentials sign-in in both session strategies, and the real binary
//! started the way README says.

use std::process::Stdio;

use http::StatusCode;
use keyway::SessionStrategy;

use super::DemoBinary;
use super::binary::{Client, Demo, Reply};

const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

async fn sign_in(c: &mut Client, password: &str) -> Reply {
    let token = c.csrf().await;
    let form =
        format!("csrfToken={token}&username=alice&password={password}&callbackUrl=%2Fprotected");
    c.post("/api/auth/callback/credentials", form).await
}

async fn journey(bin: DemoBinary, strategy: Option<SessionStrategy>, expected: SessionStrategy) {
    let env: &[(&str, &str)] = match strategy {
        None => &[],
        Some(SessionStrategy::Jwt) => &[("SESSION_STRATEGY", "jwt")],
        Some(SessionStrategy::Database) => &[("SESSION_STRATEGY", "database")],
    };
    let demo = Demo::start(bin, env).await;
    let expected = match expected {
        SessionStrategy::Jwt => "sessions     jwt",
        SessionStrategy::Database => "sessions     database",
    };
    assert!(demo.banner.contains(expected), "{}", demo.banner);
    let site = demo.site();
    let mut c = Client::new(demo.port);

    let home = c.get_as("/", BROWSER_ACCEPT).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Not signed in."), "{}", home.body);

    // A browser is sent to sign in, and would come back to the page.
    let r = c.get_as("/protected?from=test", BROWSER_ACCEPT).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let escaped_site = site.replace(':', "%3A").replace('/', "%2F");
    assert_eq!(
        r.location,
        format!("{site}/api/auth/signin?callbackUrl={escaped_site}%2Fprotected%3Ffrom%3Dtest")
    );

    // An API client gets 401 JSON, on the page and on the JSON endpoint.
    for path in ["/protected", "/api/me"] {
        let r = c.get_as(path, "application/json").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
        let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(json["error"], "SessionRequired", "{path}: {json}");
        assert_eq!(json["message"], "Please sign in to access this page.");
        assert!(
            json["url"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{site}/api/auth/signin?callbackUrl=")),
            "{json}"
        );
    }

    let wrong = sign_in(&mut c, "nope").await;
    assert_eq!(wrong.status, StatusCode::FOUND);
    assert!(
        wrong.location.contains("error=CredentialsSignin"),
        "{}",
        wrong.location
    );

    let ok = sign_in(&mut c, "wonderland").await;
    assert_eq!(ok.location, format!("{site}/protected"));
    let page = c.get_as("/protected", BROWSER_ACCEPT).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("Welcome, <strong>alice (alice@example.com)</strong>"),
        "{}",
        page.body
    );
    let me = c.get_as("/api/me", "application/json").await;
    assert_eq!(me.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&me.body).unwrap();
    assert_eq!(json["user"]["email"], "alice@example.com");
    let home = c.get_as("/", BROWSER_ACCEPT).await;
    assert!(
        home.body.contains("Signed in as <strong>alice"),
        "{}",
        home.body
    );

    demo.stop().await;
}

pub async fn database_sessions_by_default(bin: DemoBinary) {
    journey(bin, None, SessionStrategy::Database).await;
}

pub async fn jwt_sessions_on_request(bin: DemoBinary) {
    journey(bin, Some(SessionStrategy::Jwt), SessionStrategy::Jwt).await;
}

/// The value of the first `<input ... name="{name}" value="...">` of a page.
fn hidden_value(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no {name} input in {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// The demo's own sign-in page (`GET /login`), drawn from what the binding
/// gives a custom page: a form per provider with the engine's URLs, the
/// CSRF token whose cookie comes with the page (signing in with them
/// works), the callback URL and the error code from the query.
pub async fn a_custom_sign_in_page_signs_in(bin: DemoBinary) {
    let demo = Demo::start(bin, &[]).await;
    let site = demo.site();
    let mut c = Client::new(demo.port);

    let page = c.get("/login?callbackUrl=%2Fprotected").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let html = &page.body;
    for form in [
        format!("action=\"{site}/api/auth/callback/credentials\" id=\"provider-credentials\""),
        format!("action=\"{site}/api/auth/signin/email\" id=\"provider-email\""),
    ] {
        assert!(html.contains(&form), "no {form} in {html}");
    }
    assert!(html.contains("name=\"username\"") && html.contains("name=\"password\""));
    assert!(!html.contains("id=\"error\""), "{html}");
    assert_eq!(
        hidden_value(html, "callbackUrl"),
        format!("{site}/protected")
    );
    let token = hidden_value(html, "csrfToken");
    assert!(
        c.cookie("authjs.csrf-token").is_some(),
        "the page did not set the CSRF cookie"
    );

    // The form, as the browser posts it, with the page's token and cookie.
    let form = format!(
        "csrfToken={token}&callbackUrl={}&username=alice&password=wonderland",
        url::form_urlencoded::byte_serialize(format!("{site}/protected").as_bytes())
            .collect::<String>()
    );
    let signed_in = c.post("/api/auth/callback/credentials", form).await;
    assert_eq!(signed_in.status, StatusCode::FOUND, "{}", signed_in.body);
    assert_eq!(signed_in.location, format!("{site}/protected"));
    let protected = c.get("/protected").await;
    assert_eq!(protected.status, StatusCode::OK);

    // A refused sign-in comes back with its code, which the page shows.
    let page = c.get("/login?error=CredentialsSignin").await;
    assert!(
        page.body
            .contains("id=\"error\" data-code=\"CredentialsSignin\""),
        "{}",
        page.body
    );
    // The browser keeps its token: the page reuses it, with no new cookie.
    assert_eq!(hidden_value(&page.body, "csrfToken"), token);
    demo.stop().await;
}

pub async fn the_binary_serves_and_says_how_to_sign_in(bin: DemoBinary) {
    let demo = Demo::start(bin, &[]).await;
    let site = demo.site();
    for expected in [
        format!("keyway {} demo on {site}", bin.framework),
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
        // The default database: an SQLite file in the data directory.
        format!(
            "database     sqlite://{}/keyway-demo.db",
            demo.data_dir().display()
        ),
    ] {
        assert!(
            demo.banner.contains(&expected),
            "{expected:?} missing from:\n{}",
            demo.banner
        );
    }
    assert!(demo.data_dir().join("keyway-demo.db").is_file());
    let mut client = Client::new(demo.port);
    let reply = client.get("/").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("Not signed in."), "{}", reply.body);
    let reply = client.get("/protected").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let dir = demo.stop_keeping_data().await;

    // The second start reuses the kept secret.
    let demo = Demo::start_in(bin, dir, &[]).await;
    assert!(
        demo.banner.contains("using a development secret"),
        "{}",
        demo.banner
    );
    demo.stop().await;
}

pub async fn the_binary_says_which_sign_in_methods_it_offers(bin: DemoBinary) {
    let demo = Demo::start(
        bin,
        &[
            ("AUTH_OIDC_ISSUER", "http://127.0.0.1:4700"),
            ("AUTH_OIDC_ID", "keyway-basic"),
            ("AUTH_OIDC_SECRET", "keyway-basic-secret"),
            ("EMAIL_SERVER", "smtp://demo:hunter2@127.0.0.1:2525"),
            ("EMAIL_FROM", "Demo <demo@example.com>"),
        ],
    )
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
    let reply = Client::new(demo.port).get("/api/auth/providers").await;
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

/// Runs the demo binary with `configure` applied; it must exit
/// unsuccessfully. Returns its stderr.
async fn refused(bin: DemoBinary, configure: impl FnOnce(&mut tokio::process::Command)) -> String {
    let mut command = tokio::process::Command::new(bin.path);
    command
        .env("DEMO_DATA_DIR", bin.temp_dir("bad"))
        .stdin(Stdio::null());
    configure(&mut command);
    let output = command.output().await.unwrap();
    assert!(!output.status.success());
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub async fn bad_settings_stop_the_binary_with_a_message(bin: DemoBinary) {
    let stderr = refused(bin, |c| {
        c.env("SESSION_STRATEGY", "cookies");
    })
    .await;
    assert!(
        stderr.contains("SESSION_STRATEGY is \"cookies\": set it to jwt or database"),
        "{stderr}"
    );
    // Signed with the demo's name.
    assert!(stderr.contains(&format!("{}: ", bin.package)), "{stderr}");

    // Half an OpenID Connect configuration is refused, not ignored.
    let stderr = refused(bin, |c| {
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
