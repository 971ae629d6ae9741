//! `cargo run -p rocket-demo`: keyway's demo on http://127.0.0.1:3000.

use std::process::ExitCode;
use std::sync::Arc;

use keyway_demo_core::Demo;
use rocket::error::ErrorKind;
use rocket::fairing::AdHoc;
use rocket_demo::{FRAMEWORK, config, rocket};

fn main() -> ExitCode {
    keyway_demo_core::init_logging();
    // rocket's own runtime set-up (`#[rocket::main]`) would read its
    // settings from Rocket.toml and ROCKET_*; this one is made here. Worker
    // threads named as rocket names its own, so it does not warn about a
    // foreign runtime.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_name("rocket-worker-thread")
        .enable_all()
        .build();
    let outcome = match runtime {
        Ok(runtime) => runtime.block_on(run()),
        Err(e) => Err(format!("cannot start the async runtime: {e}")),
    };
    keyway_demo_core::exit(FRAMEWORK, outcome)
}

async fn run() -> Result<(), String> {
    let demo = Demo::from_env(FRAMEWORK).await?;
    // rocket binds the port itself; trying it first gives the demos' own
    // message when it is taken.
    drop(demo.listen()?);
    let port = demo.settings().port;
    let auth = demo.auth.clone();
    let demo = Arc::new(demo);
    let rocket = rocket(auth, config(port)).attach(AdHoc::on_liftoff("banner", move |_| {
        Box::pin(async move { demo.announce() })
    }));
    // rocket stops on Ctrl-C (and SIGTERM) by itself.
    match rocket.launch().await {
        Ok(_) => Ok(()),
        Err(e) => match e.kind() {
            ErrorKind::Bind(e) => Err(format!(
                "cannot listen on 127.0.0.1:{port}: {e} (set PORT to a free port)"
            )),
            kind => Err(format!("the server stopped: {kind}")),
        },
    }
}
