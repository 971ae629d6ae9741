//! Large and malformed requests: refused with a `4xx`, never a `5xx`, and
//! the app keeps working.

use bytes::Bytes;
use http::{HeaderValue, Method, Request, StatusCode, header};

use super::auth::{EMAIL, ORIGIN, PASSWORD, USERNAME, standard_auth};
use super::check::ensure;
use super::client::{Browser, Resp, SuiteSteps};
use super::{ANONYMOUS, Ctx, SESSION_COOKIE};

fn form_post(path: &str, content_type: Option<&str>) -> http::request::Builder {
    let mut builder = Request::builder().method(Method::POST).uri(path);
    if let Some(ct) = content_type {
        builder = builder.header(header::CONTENT_TYPE, ct);
    }
    builder
}

const FORM: &str = "application/x-www-form-urlencoded";

pub(crate) async fn body_over_the_limit(ctx: Ctx) -> Result<(), String> {
    let auth = standard_auth();
    let limit = auth.max_body_bytes();
    let mut b = ctx.browser(auth);
    let token = b.try_csrf().await?;
    let cases = [
        ("/api/auth/callback/credentials", FORM, limit + 1),
        ("/api/auth/session", "application/json", limit + 1),
        ("/api/auth/signin/credentials", FORM, 4 * limit),
    ];
    for (path, content_type, size) in cases {
        let mut body = format!("csrfToken={token}&username={USERNAME}&password={PASSWORD}&pad=");
        body.extend(std::iter::repeat_n('a', size.saturating_sub(body.len())));
        let r = b
            .send(form_post(path, Some(content_type)), Bytes::from(body))
            .await;
        ensure!(
            r.status == StatusCode::PAYLOAD_TOO_LARGE,
            "a {size}-byte body to {path} (limit {limit}): {}",
            r.summary()
        );
    }
    ensure!(
        b.cookie(SESSION_COOKIE).is_none(),
        "an over-long sign-in signed in"
    );
    let r = b.fetch_json("/api/auth/session").await;
    ensure!(
        r.status == StatusCode::OK,
        "the app broke after large bodies: {}",
        r.summary()
    );
    Ok(())
}

pub(crate) async fn body_at_the_limit(ctx: Ctx) -> Result<(), String> {
    let auth = standard_auth();
    let limit = auth.max_body_bytes();
    let mut b = ctx.browser(auth);
    let token = b.try_csrf().await?;
    let mut body = format!(
        "csrfToken={token}&username={USERNAME}&password={PASSWORD}&callbackUrl=%2Fprotected&pad="
    );
    let pad = limit
        .checked_sub(body.len())
        .ok_or("the limit is too small for a sign-in form")?;
    body.extend(std::iter::repeat_n('a', pad));
    let r = b
        .send(
            form_post("/api/auth/callback/credentials", Some(FORM)),
            Bytes::from(body),
        )
        .await;
    ensure!(
        r.status == StatusCode::FOUND && r.location() == Some(&format!("{ORIGIN}/protected")),
        "a sign-in body of exactly {limit} bytes was refused: {}",
        r.summary()
    );
    let who = b.open("/whoami").await;
    ensure!(
        who.body == EMAIL,
        "not signed in after it: {}",
        who.summary()
    );
    Ok(())
}

pub(crate) async fn unknown_methods(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(standard_auth());
    for method in ["PUT", "PATCH", "DELETE", "OPTIONS", "BREW"] {
        for path in ["/api/auth/session", "/api/auth/signin", "/api/auth/nope"] {
            let method = Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
            let r = b
                .send(
                    Request::builder().method(method.clone()).uri(path),
                    Bytes::new(),
                )
                .await;
            ensure!(
                r.status.is_client_error(),
                "{method} {path}: {}",
                r.summary()
            );
        }
    }
    Ok(())
}

/// A refusal: a `4xx`, or the engine's redirect to a page with `?error=`.
fn refused(r: &Resp) -> bool {
    r.status.is_client_error()
        || (r.status == StatusCode::FOUND && r.location().is_some_and(|l| l.contains("error=")))
}

/// Broken bodies read as missing fields: the engine refuses them as it
/// refuses a request without a CSRF token (redirect with `?error=`, as
/// Auth.js), and no session is made.
pub(crate) async fn malformed_bodies(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(standard_auth());
    let token = b.try_csrf().await?;
    let bodies: [(Option<&str>, Vec<u8>); 6] = [
        (
            Some("application/json"),
            format!("{{\"csrfToken\":\"{token}\",\"username\":").into_bytes(),
        ),
        (Some("application/json"), b"[1,2,3]".to_vec()),
        (
            Some(FORM),
            b"csrfToken=%ZZ&username=%&password=\xff\xfe".to_vec(),
        ),
        (Some(FORM), vec![0xff, 0x00, 0xfe, b'=', b'&', b'&', b'=']),
        (None, format!("csrfToken={token}").into_bytes()),
        (Some("multipart/form-data; boundary=x"), b"--x\r\n".to_vec()),
    ];
    for (content_type, body) in bodies {
        let r = b
            .send(
                form_post("/api/auth/callback/credentials", content_type),
                Bytes::from(body.clone()),
            )
            .await;
        ensure!(
            refused(&r),
            "POST callback with {content_type:?} body {:?}: {}",
            String::from_utf8_lossy(&body),
            r.summary()
        );
        ensure!(
            b.cookie(SESSION_COOKIE).is_none(),
            "a malformed body signed in"
        );
    }
    Ok(())
}

pub(crate) async fn odd_paths_and_headers(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(standard_auth());
    for path in [
        "/api/auth/signin/%FF%FE",
        "/api/auth//providers",
        "/api/auth/signin/credentials/extra",
        "/api/auth/%2e%2e/session",
    ] {
        let r = b.fetch_json(path).await;
        ensure!(r.status.is_client_error(), "GET {path}: {}", r.summary());
    }
    // Headers the engine cannot use are ignored, not fatal.
    let odd_cookies: [&[u8]; 4] = [
        b"\xff\xfe=\x80",
        b"=;;;==; authjs.session-token",
        b"authjs.session-token.0=abc; authjs.session-token.7=def",
        &[b'a'; 6000],
    ];
    for cookie in odd_cookies {
        let value = HeaderValue::from_bytes(cookie).map_err(|e| e.to_string())?;
        for path in ["/api/auth/session", "/whoami"] {
            let r = b
                .send(
                    Request::builder()
                        .uri(path)
                        .header(header::COOKIE, value.clone()),
                    Bytes::new(),
                )
                .await;
            let expected = if path == "/whoami" { ANONYMOUS } else { "null" };
            ensure!(
                r.status == StatusCode::OK && r.body == expected,
                "GET {path} with cookie {:?}: {}",
                String::from_utf8_lossy(cookie),
                r.summary()
            );
        }
    }
    let r = b
        .send(Request::builder().uri("/whoami"), Bytes::new())
        .await;
    ensure!(
        r.status == StatusCode::OK,
        "the app broke after odd requests: {}",
        r.summary()
    );
    check_host_headers(&mut b).await
}

/// A site with a fixed URL ignores what `Host` and `X-Forwarded-*` claim.
async fn check_host_headers(b: &mut Browser) -> Result<(), String> {
    let r = b
        .send(
            Request::builder()
                .uri("/protected")
                .header(header::ACCEPT, "text/html")
                .header("x-forwarded-host", "evil.example")
                .header("x-forwarded-proto", "https"),
            Bytes::new(),
        )
        .await;
    ensure!(
        r.status == StatusCode::SEE_OTHER
            && r.location()
                .is_some_and(|l| l.starts_with(&format!("{ORIGIN}/api/auth/signin"))),
        "forwarded headers moved the redirect: {}",
        r.summary()
    );
    Ok(())
}
