//! The server `cargo xtask bench` loads.
//!
//! ```text
//! keyway-bench-server <jwt | sqlite | postgres> [--addr 127.0.0.1:0] [--url DATABASE_URL]
//! ```
//!
//! It serves keyway's routes under `/api/auth` through keyway-axum, with one
//! credentials provider (`username=bench`, `password=bench`), in one of
//! three configurations: JWT sessions; database sessions on SQLite (a fresh
//! file under the system temp dir); database sessions on PostgreSQL (default
//! `postgres://postgres@127.0.0.1:5432/test`, schema `keyway_bench`). Next to
//! them, `GET /ceiling` is a bare axum handler answering a JSON body exactly
//! as long as the signed-in user's session JSON: the framework's own ceiling.
//! `GET /ceiling/same-bytes` answers the session route's headers and body,
//! all fixed; `GET /floor/jwt` is the token floor (see `floor.rs`): only the session
//! token's decode and re-encode, the least a JWT read that re-issues the token
//! must do, and `GET /floor/jwt-read` the decode alone, the least a read of a
//! token that is not due must do.
//!
//! Once listening it prints `listening on http://<addr>` on stdout. Worker
//! threads: one per core, or `KEYWAY_BENCH_WORKERS`; database pool size:
//! the adapter's default, or `KEYWAY_BENCH_DB_CONNECTIONS`.

mod config;
mod floor;

use std::process::ExitCode;

use axum::Router;
use axum::routing::get;
use bytes::Bytes;
use http::header;
use tracing_subscriber::EnvFilter;

use config::{Args, Mode};

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let outcome = Args::parse(std::env::args().skip(1)).and_then(|args| {
        let workers = config::workers()?;
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the runtime: {e}"))?
            .block_on(serve(args))
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("keyway-bench-server: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: Args) -> Result<(), String> {
    let auth = config::auth(&args).await?;
    let ceiling = Bytes::from(config::ceiling_body()?);
    let floor = floor::Floor::new(config::SECRET, ceiling.clone(), &config::sample_claims())?;
    let same_bytes = floor.clone();
    let read_floor = floor.clone();
    let app = Router::new()
        .route(
            "/ceiling",
            get(move || {
                let body = ceiling.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], body) }
            }),
        )
        .route(
            "/ceiling/same-bytes",
            get(move || {
                let floor = same_bytes.clone();
                async move { floor.same_bytes() }
            }),
        )
        .route(
            "/floor/jwt",
            get(move |headers: http::HeaderMap| {
                let floor = floor.clone();
                async move { floor.answer(&headers) }
            }),
        )
        .route(
            "/floor/jwt-read",
            get(move |headers: http::HeaderMap| {
                let floor = read_floor.clone();
                async move { floor.read(&headers) }
            }),
        )
        .merge(keyway_axum::routes(auth));
    let listener = tokio::net::TcpListener::bind(&args.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    let mode = match args.mode {
        Mode::Jwt => "jwt",
        Mode::Sqlite => "sqlite",
        Mode::Postgres => "postgres",
    };
    println!("listening on http://{addr} ({mode})");
    axum::serve(listener, app)
        .await
        .map_err(|e| format!("the server stopped: {e}"))
}
