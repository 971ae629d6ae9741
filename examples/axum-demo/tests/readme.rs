//! README's "Add keyway to an axum app" snippet, kept compiling and kept
//! the same: the body of `app` between the markers is the snippet, and a
//! test compares it with README.md's text.

use keyway::{AuthorizeError, CredentialsInput, User};
use keyway_demo_core::testing::{marked_snippet, readme_snippet};

/// The application's own credentials check (README leaves it out).
async fn check(c: CredentialsInput) -> Result<Option<User>, AuthorizeError> {
    let ok = c.get("username") == Some("alice") && c.get("password") == Some("wonderland");
    Ok(ok.then(|| User::new("1", "alice@example.com")))
}

#[rustfmt::skip]
fn app() -> Result<axum::Router, Box<dyn std::error::Error>> {
    // README snippet begins
    use axum::{Router, routing::get};
    use keyway_axum::{AuthRouter, RequireSession};

    let auth = keyway::Auth::builder()
        .from_env()                                        // AUTH_SECRET, AUTH_URL
        .provider(keyway_credentials::credentials(|c| async move { check(c).await }).username_password())
        .build()?;                                         // every misconfiguration is caught here

    let app: Router = Router::new()
        .route("/dashboard", get(|s: RequireSession| async move { format!("Hello, user {:?}", s.user_id) }))
        .with_auth(auth);                                  // sign-in, callback, session, sign-out... under /api/auth
    // README snippet ends
    Ok(app)
}

#[test]
fn the_snippet_is_the_one_in_the_readme() {
    assert_eq!(
        marked_snippet(include_str!("readme.rs")),
        readme_snippet(
            include_str!("../../../README.md"),
            "Add keyway to an axum app"
        )
    );
}

#[test]
fn the_snippet_builds_without_configuration_only_with_a_message() {
    // Without AUTH_SECRET / AUTH_URL in the environment, `build()?` refuses
    // with a message that says what to set; with them, it builds.
    match app() {
        Ok(_) => assert!(
            std::env::var_os("AUTH_SECRET").is_some()
                || std::env::var_os("NEXTAUTH_SECRET").is_some()
        ),
        Err(e) => assert!(e.to_string().contains("AUTH_"), "{e}"),
    }
}
