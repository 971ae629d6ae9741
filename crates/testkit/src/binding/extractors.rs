//! The session extractors and the cookies they roll, on the app's own routes.

use http::{HeaderMap, HeaderValue, StatusCode, header};

use super::auth::{EMAIL, HOST, NAME, ORIGIN, database_auth, rolling_jwt_auth, standard_auth};
use super::check::ensure;
use super::client::{BROWSER_ACCEPT, Browser, Resp, SuiteSteps, is_removal};
use super::{ANONYMOUS, Ctx, PUBLIC, SESSION_COOKIE};

/// The headers a browser sends, as the engine sees them, to compute the
/// sign-in URL a redirect must point at.
fn browser_headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(header::HOST, HeaderValue::from_static(HOST));
    h.insert(header::ACCEPT, HeaderValue::from_static(BROWSER_ACCEPT));
    h
}

/// The decoded `callbackUrl` of a sign-in URL.
fn callback_of(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "callbackUrl")
        .map(|(_, v)| v.into_owned())
}

fn ensure_sign_in_redirect(r: &Resp, wanted: &str) -> Result<(), String> {
    let auth = standard_auth();
    let expected = auth.signin_url(&browser_headers(), wanted);
    ensure!(
        r.status == StatusCode::SEE_OTHER,
        "{wanted} without a session: expected 303 to the sign-in page, got {}",
        r.summary()
    );
    ensure!(
        r.location() == Some(expected.as_str()),
        "{wanted} redirects to {:?}, expected {expected:?}",
        r.location()
    );
    let callback = r.location().and_then(callback_of);
    ensure!(
        callback.as_deref() == Some(&format!("{ORIGIN}{wanted}")),
        "{wanted}: the sign-in page would send the visitor back to {callback:?}"
    );
    Ok(())
}

pub(crate) async fn protected_redirects_a_browser(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(standard_auth());
    for wanted in ["/protected", "/protected?tab=2&q=caf%C3%A9", "/me?x=1"] {
        let r = b.open(wanted).await;
        ensure_sign_in_redirect(&r, wanted)?;
        ensure!(
            r.set_cookie(SESSION_COOKIE).is_none(),
            "a redirect without a session touched the session cookie: {}",
            r.summary()
        );
    }
    Ok(())
}

pub(crate) async fn protected_answers_json_401(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(standard_auth());
    for wanted in ["/protected", "/me"] {
        let r = b.fetch_json(wanted).await;
        ensure!(
            r.status == StatusCode::UNAUTHORIZED,
            "API call to {wanted} without a session: {}",
            r.summary()
        );
        ensure!(
            r.header("content-type")
                .is_some_and(|c| c.starts_with("application/json")),
            "401 content type: {}",
            r.summary()
        );
        let json = r.try_json()?;
        ensure!(json["error"] == "SessionRequired", "401 body: {json}");
        let expected = standard_auth().signin_url(&browser_headers(), wanted);
        ensure!(
            json["url"] == expected.as_str(),
            "401 body's url: {json}, expected {expected}"
        );
    }
    Ok(())
}

pub(crate) async fn protected_with_session(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(standard_auth());
    b.sign_in().await?;
    for r in [b.open("/protected").await, b.fetch_json("/protected").await] {
        ensure!(
            r.status == StatusCode::OK && r.body == EMAIL,
            "/protected when signed in: {}",
            r.summary()
        );
    }
    Ok(())
}

pub(crate) async fn whoami(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(standard_auth());
    let r = b.open("/whoami").await;
    ensure!(
        r.status == StatusCode::OK && r.body == ANONYMOUS,
        "/whoami when signed out: {}",
        r.summary()
    );
    ensure!(
        r.set_cookies().is_empty(),
        "/whoami without cookies set some: {}",
        r.summary()
    );
    b.sign_in().await?;
    let r = b.open("/whoami").await;
    ensure!(
        r.status == StatusCode::OK && r.body == EMAIL,
        "/whoami when signed in: {}",
        r.summary()
    );
    Ok(())
}

/// `/user-id` answers the signed-in user's id, then, for a database
/// session, a space and the session's token: with JWT sessions the token's
/// `sub` ("1", the suite's credentials user); with database sessions the
/// stored user's id and the token the session cookie holds.
pub(crate) async fn user_id(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(standard_auth());
    b.sign_in().await?;
    let r = b.open("/user-id").await;
    ensure!(
        r.status == StatusCode::OK && r.body == "1",
        "/user-id with a JWT session: {}",
        r.summary()
    );
    let mut b = ctx.browser(database_auth());
    b.sign_in().await?;
    let token = b.cookie(SESSION_COOKIE).unwrap_or_default().to_owned();
    let r = b.open("/user-id").await;
    let (id, got_token) = r.body.split_once(' ').unwrap_or((r.body.as_str(), ""));
    ensure!(
        r.status == StatusCode::OK && !id.is_empty() && !token.is_empty() && got_token == token,
        "/user-id with a database session (cookie {token:?}): {}",
        r.summary()
    );
    Ok(())
}

pub(crate) async fn current_user(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(standard_auth());
    b.sign_in().await?;
    let r = b.open("/me").await;
    ensure!(
        r.status == StatusCode::OK && r.body == NAME,
        "/me when signed in: {}",
        r.summary()
    );
    Ok(())
}

/// A read through an extractor re-issues the session cookie, and the new one
/// works.
async fn rolls(b: &mut Browser, path: &str, same_value: bool) -> Result<(), String> {
    let before = b.cookie(SESSION_COOKIE).unwrap_or_default().to_owned();
    let r = b.open(path).await;
    ensure!(r.status == StatusCode::OK, "{path}: {}", r.summary());
    let Some(set) = r.set_cookie(SESSION_COOKIE) else {
        return Err(format!(
            "{path} read the session but the rolled cookie is not on the response: {}",
            r.summary()
        ));
    };
    ensure!(!is_removal(&set), "{path} cleared the session: {set}");
    ensure!(
        set.contains("Expires="),
        "the rolled cookie has no expiry: {set}"
    );
    let after = b.cookie(SESSION_COOKIE).unwrap_or_default();
    ensure!(
        (after == before) == same_value,
        "rolled cookie value: before {before:?}, after {after:?} (same expected: {same_value})"
    );
    let check = b.fetch_json("/whoami").await;
    ensure!(
        check.body == EMAIL,
        "the rolled cookie does not work: {}",
        check.summary()
    );
    Ok(())
}

pub(crate) async fn rolled_jwt_cookie(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(rolling_jwt_auth());
    b.sign_in().await?;
    // With a JWT update age of 0, a JWT is re-encrypted on every read.
    rolls(&mut b, "/protected", false).await?;
    rolls(&mut b, "/whoami", false).await?;
    rolls(&mut b, "/me", false).await
}

/// With the default JWT update age, a token just issued is read without
/// being re-issued: the extractors answer and set no cookie.
pub(crate) async fn fresh_jwt_not_rolled(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(standard_auth());
    b.sign_in().await?;
    let before = b.cookie(SESSION_COOKIE).unwrap_or_default().to_owned();
    for path in ["/protected", "/whoami", "/me"] {
        let r = b.open(path).await;
        ensure!(r.status == StatusCode::OK, "{path}: {}", r.summary());
        ensure!(
            r.set_cookies().is_empty(),
            "{path} set cookies for a fresh JWT: {}",
            r.summary()
        );
    }
    ensure!(
        b.cookie(SESSION_COOKIE) == Some(before.as_str()),
        "the session cookie changed"
    );
    Ok(())
}

pub(crate) async fn rolled_database_cookie(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(database_auth());
    b.sign_in().await?;
    // A database session keeps its token; the cookie's expiry moves.
    rolls(&mut b, "/protected", true).await?;
    rolls(&mut b, "/whoami", true).await
}

pub(crate) async fn invalid_session_cookie_is_cleared(ctx: Ctx) -> Result<(), String> {
    for auth in [standard_auth(), database_auth()] {
        let strategy = auth.session_strategy();
        let mut b = ctx.browser(auth);
        for path in ["/whoami", "/protected"] {
            b.jar
                .insert(SESSION_COOKIE.to_owned(), "not-a-session".to_owned());
            let r = b.open(path).await;
            let cleared = r.set_cookie(SESSION_COOKIE).is_some_and(|c| is_removal(&c));
            ensure!(
                cleared,
                "{path} with an invalid {strategy:?} session cookie did not clear it: {}",
                r.summary()
            );
            let expected = if path == "/whoami" {
                StatusCode::OK
            } else {
                StatusCode::SEE_OTHER
            };
            ensure!(
                r.status == expected,
                "{path} with an invalid session: {}",
                r.summary()
            );
        }
    }
    Ok(())
}

pub(crate) async fn no_cookie_without_extractor(ctx: Ctx) -> Result<(), String> {
    let mut b = ctx.browser(standard_auth());
    b.sign_in().await?;
    let r = b.open("/public").await;
    ensure!(
        r.status == StatusCode::OK && r.body == PUBLIC,
        "/public: {}",
        r.summary()
    );
    ensure!(
        r.set_cookies().is_empty(),
        "a route without an extractor set cookies: {}",
        r.summary()
    );
    Ok(())
}
