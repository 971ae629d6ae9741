//! Email sign-in without `EMAIL_SERVER`: the demo binary says so when it
//! starts, prints the sign-in link and code on its console instead of
//! sending them, and the printed link signs in.

use std::time::Duration;

use http::StatusCode;

use super::DemoBinary;
use super::binary::{Client, Demo};

pub async fn without_an_smtp_server_the_link_is_printed_on_the_console(bin: DemoBinary) {
    let mut demo = Demo::start(bin, &[]).await;
    assert!(
        demo.banner.contains(
            "email        EMAIL_SERVER is not set: links and codes are printed here, not sent"
        ),
        "{}",
        demo.banner
    );
    let site = demo.site();
    let mut c = Client::new(demo.port);
    let address = format!("console-{}@example.com", keyway::random::hex(6));

    let token = c.csrf().await;
    let email: String = url::form_urlencoded::byte_serialize(address.as_bytes()).collect();
    let r = c
        .post(
            "/api/auth/signin/email",
            format!("csrfToken={token}&email={email}&callbackUrl=%2Fprotected"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert!(
        r.location
            .starts_with(&format!("{site}/api/auth/verify-request")),
        "{}",
        r.location
    );

    // The console: who it is for, the link, the code.
    let wait = Duration::from_secs(15);
    let heading = demo
        .next_line_where(wait, |l| l.contains("[keyway-email] sign-in email for"))
        .await
        .expect("the console names the address");
    assert!(heading.contains(&address), "{heading}");
    let link = demo
        .next_line_where(wait, |l| l.trim_start().starts_with("link: "))
        .await
        .expect("the link on the console");
    let link = link.trim_start().trim_start_matches("link: ").trim();
    let path = link
        .strip_prefix(&site)
        .unwrap_or_else(|| panic!("{link} is not on {site}"));
    assert!(path.starts_with("/api/auth/callback/email?"), "{link}");
    let code = demo
        .next_line_where(wait, |l| l.trim_start().starts_with("code: "))
        .await
        .expect("the one-time code on the console");
    let code = code.trim_start().trim_start_matches("code: ").trim();
    assert!(
        code.len() == 8 && code.bytes().all(|b| b.is_ascii_digit()),
        "{code}"
    );

    // The printed link signs in and leads to the protected page.
    let r = c.get(path).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(r.location, format!("{site}/protected"));
    let r = c.get("/protected").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains(&format!("Welcome, <strong>{address}</strong>")),
        "{}",
        r.body
    );
    demo.stop().await;
}
