//! `cargo run -p actix-demo`: keyway's demo on http://127.0.0.1:3000.

use std::process::ExitCode;

use actix_demo::{FRAMEWORK, app};
use keyway_demo_core::Demo;

#[actix_web::main]
async fn main() -> ExitCode {
    keyway_demo_core::init_logging();
    keyway_demo_core::exit(FRAMEWORK, run().await)
}

async fn run() -> Result<(), String> {
    let demo = Demo::from_env(FRAMEWORK).await?;
    let listener = demo.listen()?;
    let auth = demo.auth.clone();
    // actix stops on Ctrl-C (SIGINT) and SIGTERM by itself.
    let server = actix_web::HttpServer::new(move || app(auth.clone()))
        .listen(listener)
        .map_err(|e| format!("cannot serve: {e}"))?
        .run();
    demo.announce();
    server.await.map_err(|e| format!("the server stopped: {e}"))
}
