//! `cargo run -p axum-demo`: keyway's demo on http://127.0.0.1:3000.

use std::process::ExitCode;

use axum_demo::{FRAMEWORK, router};
use keyway_demo_core::Demo;

#[tokio::main]
async fn main() -> ExitCode {
    keyway_demo_core::init_logging();
    keyway_demo_core::exit(FRAMEWORK, run().await)
}

async fn run() -> Result<(), String> {
    let demo = Demo::from_env(FRAMEWORK).await?;
    let listener = tokio::net::TcpListener::from_std(demo.listen()?)
        .map_err(|e| format!("cannot listen: {e}"))?;
    demo.announce();
    axum::serve(listener, router(demo.auth))
        .with_graceful_shutdown(async {
            // If the signal cannot be listened for, serve until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await
        .map_err(|e| format!("the server stopped: {e}"))
}
