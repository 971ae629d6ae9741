//! Signing in as the bench user over HTTP, and the one request that checks
//! a scenario answers what it claims to measure.

use std::net::SocketAddr;

use super::Scenario;
use super::client::{Answer, json_string_field, request};
use crate::Result;

/// Signs in as the bench user through the credentials flow, as a browser
/// does; returns the browser's `Cookie` header afterwards.
pub(super) fn sign_in(addr: SocketAddr) -> Result<String> {
    let csrf = request(addr, "GET", "/api/auth/csrf", &[], "")?;
    expect_status(&csrf, 200, "GET /api/auth/csrf")?;
    let token = json_string_field(&csrf.body, "csrfToken")
        .ok_or_else(|| format!("GET /api/auth/csrf: no csrfToken in {}", csrf.body))?;
    let mut jar = csrf.set_cookies();
    let body = format!("csrfToken={token}&username=bench&password=bench&callbackUrl=%2F");
    let signed = request(
        addr,
        "POST",
        "/api/auth/callback/credentials",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", &cookie_header(&jar)),
        ],
        &body,
    )?;
    expect_status(&signed, 302, "POST /api/auth/callback/credentials")?;
    for (name, value) in signed.set_cookies() {
        jar.retain(|(n, _)| *n != name);
        if !value.is_empty() {
            jar.push((name, value));
        }
    }
    if !jar.iter().any(|(n, _)| n.contains("session-token")) {
        let location = signed
            .headers
            .iter()
            .find(|(n, _)| n == "location")
            .map_or("", |(_, v)| v.as_str());
        return Err(format!(
            "signing in set no session cookie (redirected to {location:?})"
        ));
    }
    // With the session cookie cache on, the first read sets the cache
    // cookie that every measured read then carries.
    let read = request(
        addr,
        "GET",
        "/api/auth/session",
        &[("Cookie", &cookie_header(&jar))],
        "",
    )?;
    expect_status(&read, 200, "GET /api/auth/session")?;
    for (name, value) in read.set_cookies() {
        if name.contains("session-cache") && !value.is_empty() {
            jar.push((name, value));
        }
    }
    Ok(cookie_header(&jar))
}

fn cookie_header(jar: &[(String, String)]) -> String {
    jar.iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// One request before the load: the scenario must answer what it claims to
/// measure (a session for the signed-in rows, `null` without a cookie), and
/// the ceiling's body must be as long as the session's.
pub(super) fn check(addr: SocketAddr, scenario: &Scenario, cookie: Option<&str>) -> Result {
    let headers: Vec<(&str, &str)> = cookie.map(|c| ("Cookie", c)).into_iter().collect();
    let answer = request(addr, "GET", scenario.path, &headers, "")?;
    let what = format!("GET {} ({})", scenario.path, scenario.key);
    expect_status(&answer, 200, &what)?;
    let ok = match scenario.key {
        "ceiling"
        | "ceiling-bytes"
        | "session-jwt"
        | "floor-jwt"
        | "floor-jwt-read"
        | "session-sqlite"
        | "session-postgres"
        | "session-sqlite-diesel"
        | "session-postgres-diesel"
        | "session-redis"
        | "session-cookie-cache" => answer.body.contains("\"email\":\"bench@example.com\""),
        "session-none" => answer.body == "null",
        _ => answer.body.contains("\"csrfToken\":\""),
    };
    if !ok {
        return Err(format!("{what}: unexpected body {}", answer.body));
    }
    let rolled = answer
        .set_cookies()
        .iter()
        .any(|(n, _)| n.contains("session-token"));
    if matches!(scenario.key, "floor-jwt" | "ceiling-bytes") && !rolled {
        return Err(format!("{what}: the JWT session was not rolled"));
    }
    // The browser's token was just issued: younger than the JWT update age,
    // a read decodes it and does not re-issue it.
    if matches!(scenario.key, "session-jwt" | "floor-jwt-read") && rolled {
        return Err(format!("{what}: a fresh JWT session was re-issued"));
    }
    if scenario.key == "session-cookie-cache" && !answer.set_cookies().is_empty() {
        return Err(format!("{what}: the read missed the session cookie cache"));
    }
    Ok(())
}

fn expect_status(answer: &Answer, status: u16, what: &str) -> Result {
    if answer.status == status {
        Ok(())
    } else {
        Err(format!(
            "{what}: status {} (expected {status}): {}",
            answer.status, answer.body
        ))
    }
}
