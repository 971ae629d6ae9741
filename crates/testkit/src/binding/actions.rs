//! Every action under the base path, reached through the binding.

use bytes::Bytes;
use http::{Method, Request, StatusCode, header};
use keyway_core::{Auth, ErrorPageCode};

use super::auth::{EMAIL, HOST, LOCKED_USERNAME, ORIGIN, USERNAME, standard_auth};
use super::check::ensure;
use super::client::{BROWSER_ACCEPT, Resp, SuiteSteps};
use super::{Ctx, SESSION_COOKIE};

const CSRF_COOKIE: &str = "authjs.csrf-token";

pub(crate) async fn providers(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(standard_auth());
    let r = b.fetch_json("/api/auth/providers").await;
    ensure!(r.status == StatusCode::OK, "providers: {}", r.summary());
    let json = r.try_json()?;
    ensure!(
        json["credentials"]["callbackUrl"] == format!("{ORIGIN}/api/auth/callback/credentials"),
        "providers lists no credentials provider: {json}"
    );
    Ok(())
}

pub(crate) async fn csrf(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(standard_auth());
    let r = b.fetch_json("/api/auth/csrf").await;
    ensure!(r.status == StatusCode::OK, "csrf: {}", r.summary());
    let token = r.try_json()?["csrfToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ensure!(!token.is_empty(), "no csrfToken: {}", r.summary());
    ensure!(
        r.set_cookie(CSRF_COOKIE).is_some(),
        "no CSRF cookie: {}",
        r.summary()
    );
    // With the cookie sent back, the same token comes back and no new
    // cookie is set: the binding passes the Cookie header through.
    let again = b.fetch_json("/api/auth/csrf").await;
    ensure!(
        again.try_json()?["csrfToken"] == token.as_str(),
        "the CSRF cookie was not read back: {}",
        again.summary()
    );
    ensure!(
        again.set_cookie(CSRF_COOKIE).is_none(),
        "a second CSRF cookie was set: {}",
        again.summary()
    );
    Ok(())
}

pub(crate) async fn session_without_cookie(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(standard_auth());
    let r = b.fetch_json("/api/auth/session").await;
    ensure!(
        r.status == StatusCode::OK && r.try_json()? == serde_json::Value::Null,
        "session without a cookie: {}",
        r.summary()
    );
    ensure!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        "session content type: {}",
        r.summary()
    );
    Ok(())
}

pub(crate) async fn signin_page(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(standard_auth());
    let r = b.open("/api/auth/signin?callbackUrl=%2Fprotected").await;
    ensure!(r.status == StatusCode::OK, "sign-in page: {}", r.summary());
    ensure!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("text/html")),
        "sign-in page content type: {}",
        r.summary()
    );
    ensure!(
        r.body.contains("/api/auth/callback/credentials"),
        "the sign-in page has no credentials form: {}",
        r.summary()
    );
    // The page's hidden token is the one its CSRF cookie holds.
    let cookie = b.cookie(CSRF_COOKIE).unwrap_or_default();
    let token = cookie.split(['|', '%']).next().unwrap_or_default();
    ensure!(
        !token.is_empty() && r.body.contains(token),
        "the page's CSRF token is not its cookie's ({cookie:?})"
    );
    Ok(())
}

pub(crate) async fn signin_post(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(standard_auth());
    let token = b.try_csrf().await?;
    let r = b
        .post_form(
            "/api/auth/signin/credentials",
            &[("csrfToken", token.as_str())],
        )
        .await;
    ensure!(
        r.status == StatusCode::FOUND && r.location() == Some(&format!("{ORIGIN}/api/auth/signin")),
        "a credentials sign-in POST goes back to the sign-in page: {}",
        r.summary()
    );
    Ok(())
}

pub(crate) async fn credentials_sign_in(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(standard_auth());
    b.sign_in().await?;
    let r = b.fetch_json("/api/auth/session").await;
    let json = r.try_json()?;
    ensure!(
        r.status == StatusCode::OK && json["user"]["email"] == EMAIL,
        "session after sign-in: {}",
        r.summary()
    );
    ensure!(json["expires"].is_string(), "no expiry: {json}");
    Ok(())
}

pub(crate) async fn credentials_refused(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(standard_auth());
    let r = b.sign_in_as(USERNAME, "not-the-password", "/").await?;
    let location = r.location().unwrap_or_default();
    ensure!(
        r.status == StatusCode::FOUND && location.contains("error=CredentialsSignin"),
        "a wrong password: {}",
        r.summary()
    );
    ensure!(
        b.cookie(SESSION_COOKIE).is_none(),
        "a wrong password set a session cookie"
    );
    let r = b.sign_in_as(LOCKED_USERNAME, "x", "/").await?;
    ensure!(
        r.location().is_some_and(|l| l.contains("code=locked")),
        "a refusal's code is lost: {}",
        r.summary()
    );
    Ok(())
}

pub(crate) async fn session_update(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(standard_auth());
    b.sign_in().await?;
    let token = b.try_csrf().await?;
    let r = b
        .post_json(
            "/api/auth/session",
            &serde_json::json!({ "csrfToken": token, "data": { "theme": "dark" } }),
        )
        .await;
    ensure!(
        r.status == StatusCode::OK && r.try_json()?["user"]["email"] == EMAIL,
        "session update: {}",
        r.summary()
    );
    ensure!(
        r.set_cookie(SESSION_COOKIE).is_some(),
        "session update re-issued no cookie: {}",
        r.summary()
    );
    Ok(())
}

pub(crate) async fn sign_out(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(standard_auth());
    b.sign_in().await?;
    let page = b.open("/api/auth/signout").await;
    ensure!(
        page.status == StatusCode::OK && page.body.contains("/api/auth/signout"),
        "sign-out page: {}",
        page.summary()
    );
    let token = b.try_csrf().await?;
    let r = b
        .post_form(
            "/api/auth/signout",
            &[("csrfToken", token.as_str()), ("callbackUrl", "/")],
        )
        .await;
    ensure!(
        r.status == StatusCode::FOUND && r.location() == Some(&format!("{ORIGIN}/")),
        "sign-out: {}",
        r.summary()
    );
    ensure!(
        b.cookie(SESSION_COOKIE).is_none(),
        "sign-out left the session cookie: {}",
        r.summary()
    );
    let session = b.fetch_json("/api/auth/session").await;
    ensure!(
        session.try_json()? == serde_json::Value::Null,
        "still signed in after sign-out: {}",
        session.summary()
    );
    Ok(())
}

pub(crate) async fn verify_request_page(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(standard_auth());
    let r = b.open("/api/auth/verify-request").await;
    ensure!(
        r.status == StatusCode::OK
            && r.header("content-type")
                .is_some_and(|c| c.starts_with("text/html")),
        "verify-request page: {}",
        r.summary()
    );
    Ok(())
}

pub(crate) async fn error_page(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(standard_auth());
    for code in [
        ErrorPageCode::AccessDenied,
        ErrorPageCode::Configuration,
        ErrorPageCode::Verification,
        ErrorPageCode::Default,
    ] {
        let r = b
            .open(&format!("/api/auth/error?error={}", code.as_str()))
            .await;
        ensure!(
            r.status == code.status() && r.body.contains("<html"),
            "error page for {code}: {}",
            r.summary()
        );
    }
    Ok(())
}

pub(crate) async fn unknown_action(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(standard_auth());
    for path in [
        "/api/auth/nope",
        "/api/auth",
        "/api/auth/",
        "/api/auth/session/extra",
        "/api/auth/providers/credentials",
    ] {
        let r = b.fetch_json(path).await;
        ensure!(
            r.status == StatusCode::BAD_REQUEST,
            "GET {path}: {}",
            r.summary()
        );
    }
    Ok(())
}

/// One request, built twice: once for the binding, once for the engine.
struct Probe {
    method: Method,
    uri: &'static str,
    accept: &'static str,
    extra: Option<(&'static str, &'static str)>,
}

impl Probe {
    fn get(uri: &'static str, accept: &'static str) -> Self {
        Self {
            method: Method::GET,
            uri,
            accept,
            extra: None,
        }
    }

    fn build(&self) -> Result<Request<Bytes>, String> {
        let mut builder = Request::builder()
            .method(self.method.clone())
            .uri(self.uri)
            .header(header::HOST, HOST)
            .header(header::ACCEPT, self.accept);
        if let Some((name, value)) = self.extra {
            builder = builder.header(name, value);
        }
        builder.body(Bytes::new()).map_err(|e| e.to_string())
    }
}

fn same(binding: &Resp, engine: &http::Response<Bytes>, what: &str) -> Result<(), String> {
    ensure!(
        binding.status == engine.status(),
        "{what}: status {} through the binding, {} from the engine",
        binding.status,
        engine.status()
    );
    for name in [
        header::CONTENT_TYPE,
        header::LOCATION,
        header::CACHE_CONTROL,
    ] {
        let engine_value = engine.headers().get(&name).and_then(|v| v.to_str().ok());
        ensure!(
            binding.header(name.as_str()) == engine_value,
            "{what}: {name} is {:?} through the binding, {engine_value:?} from the engine",
            binding.header(name.as_str())
        );
    }
    let engine_body = String::from_utf8_lossy(engine.body());
    ensure!(
        binding.body == engine_body,
        "{what}: the body differs from the engine's:\n{}\nvs\n{engine_body}",
        binding.body
    );
    Ok(())
}

/// Requests whose answers hold nothing random get exactly the engine's
/// answer: status, content type, location, cache control and body; and
/// the pages keep their security headers.
pub(crate) async fn responses_match_the_engine(ctx: Ctx) -> Result<(), String> {
    let auth: Auth = standard_auth();
    let app = ctx.app(auth.clone());
    let probes = [
        Probe::get("/api/auth/providers", "application/json"),
        Probe::get("/api/auth/session", "application/json"),
        Probe::get("/api/auth/verify-request", BROWSER_ACCEPT),
        Probe::get("/api/auth/error", BROWSER_ACCEPT),
        Probe::get("/api/auth/error?error=Verification", BROWSER_ACCEPT),
        Probe::get("/api/auth/error?error=%3Cscript%3E", BROWSER_ACCEPT),
        Probe::get("/api/auth/error?error=OAuthSignin", BROWSER_ACCEPT),
        Probe::get("/api/auth/unknown", BROWSER_ACCEPT),
        Probe {
            extra: Some(("accept-language", "ko-KR,ko;q=0.9")),
            ..Probe::get("/api/auth/error?error=AccessDenied", BROWSER_ACCEPT)
        },
        Probe {
            method: Method::DELETE,
            ..Probe::get("/api/auth/session", "application/json")
        },
    ];
    for probe in &probes {
        let what = format!("{} {}", probe.method, probe.uri);
        let (parts, body) = app.send(probe.build()?).await.into_parts();
        let through = Resp {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        let direct = auth.handle(probe.build()?).await;
        same(&through, &direct, &what)?;
        // A page keeps the engine's security headers through the binding (a
        // framework may add its own defaults to other answers, as rocket's
        // Shield does, but must not replace these).
        if through
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
        {
            for name in [
                header::CONTENT_SECURITY_POLICY,
                header::X_FRAME_OPTIONS,
                header::REFERRER_POLICY,
            ] {
                let engine_value = direct.headers().get(&name).and_then(|v| v.to_str().ok());
                ensure!(
                    engine_value.is_some() && through.header(name.as_str()) == engine_value,
                    "{what}: {name} is {:?} through the binding, {engine_value:?} from the engine",
                    through.header(name.as_str())
                );
            }
            ensure!(
                through
                    .header("content-security-policy")
                    .is_some_and(|csp| csp.contains("frame-ancestors 'none'"))
                    && through.header("x-frame-options") == Some("DENY")
                    && through
                        .header("cache-control")
                        .is_some_and(|c| c.contains("no-store")),
                "{what}: a page without its security headers through the binding: {:?}",
                through.headers
            );
        }
    }
    Ok(())
}
