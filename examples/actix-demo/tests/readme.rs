//! README's "Add keyway to an actix-web app" snippet, kept compiling and
//! kept the same: the body of `serve` between the markers is the snippet,
//! and a test compares it with README.md's text.

use keyway::{AuthorizeError, CredentialsInput, User};
use keyway_demo_core::testing::{marked_snippet, readme_snippet};

/// The application's own credentials check (README leaves it out).
async fn check(c: CredentialsInput) -> Result<Option<User>, AuthorizeError> {
    let ok = c.get("username") == Some("alice") && c.get("password") == Some("wonderland");
    Ok(ok.then(|| User::new("1", "alice@example.com")))
}

#[rustfmt::skip]
async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    // README snippet begins
    use actix_web::{HttpServer, web};
    use keyway_actix_web::RequireSession;

    let auth = keyway::Auth::builder()
        .from_env()                                        // AUTH_SECRET, AUTH_URL
        .provider(keyway_credentials::credentials(|c| async move { check(c).await }).username_password())
        .build()?;                                         // every misconfiguration is caught here

    HttpServer::new(move || {
        keyway_actix_web::app(auth.clone())                // sign-in, callback, session, sign-out... under /api/auth
            .route("/dashboard", web::get().to(|s: RequireSession| async move { format!("Hello, {:?}", s.user.email) }))
    })
    .bind(("127.0.0.1", 3000))?
    .run()
    .await?;
    // README snippet ends
    Ok(())
}

#[test]
fn the_snippet_is_the_one_in_the_readme() {
    assert_eq!(
        marked_snippet(include_str!("readme.rs")),
        readme_snippet(
            include_str!("../../../README.md"),
            "Add keyway to an actix-web app"
        )
    );
}

#[actix_web::test]
async fn the_snippet_refuses_to_start_without_configuration() {
    // With AUTH_SECRET set the snippet would serve on port 3000 until
    // stopped; the test environment (CI's included) does not set it, and
    // then `build()?` refuses with a message that says what to set.
    if std::env::var_os("AUTH_SECRET").is_some() || std::env::var_os("NEXTAUTH_SECRET").is_some() {
        eprintln!("SKIPPED the_snippet_refuses_to_start_without_configuration: AUTH_SECRET is set");
        return;
    }
    let e = serve().await.unwrap_err();
    assert!(e.to_string().contains("AUTH_"), "{e}");
}
