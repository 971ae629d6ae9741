//! The smallest keyway app: GitHub sign-in and PostgreSQL sessions on axum.
use axum::{Router, routing::get};
use keyway::axum::{AuthRouter, RequireSession};

async fn home(session: RequireSession) -> String {
    format!("Hello, user {}", session.user_id().unwrap_or("?"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let auth = keyway::Auth::builder()
        .from_env() // AUTH_SECRET, AUTH_URL
        .adapter(keyway::adapter::connect(&std::env::var("DATABASE_URL")?).await?)
        .provider(keyway::oauth::github()) // AUTH_GITHUB_ID, AUTH_GITHUB_SECRET
        .build()?;
    let app = Router::new().route("/", get(home)).with_auth(auth);
    let port: u16 = std::env::var("PORT").map_or(Ok(3000), |p| p.parse())?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
