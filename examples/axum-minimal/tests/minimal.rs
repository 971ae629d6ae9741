//! The minimal example, as a user runs it: on the local PostgreSQL (a schema
//! of its own) with test GitHub credentials, it serves keyway's routes with
//! GitHub listed, keeps its sessions in the database, and sends a visitor
//! without a session to sign in. And it stays one short file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Stdio;
use std::time::{Duration, Instant};

use keyway_sea_orm::testing::{execute, query_count};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MAIN: &str = include_str!("../src/main.rs");

#[test]
fn the_example_is_at_most_25_lines() {
    let lines = MAIN.lines().count();
    assert!(lines <= 25, "src/main.rs has {lines} lines");
}

/// One HTTP/1.1 GET on a fresh connection; the status line, headers and body.
async fn get(port: u16, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

/// Kills the example when the test ends, however it ends.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn it_serves_github_sign_in_with_database_sessions() {
    let admin_url = std::env::var("KEYWAY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let schema = format!("axum_minimal_{}", std::process::id());
    if let Err(e) = execute(&admin_url, &format!("CREATE SCHEMA \"{schema}\"")).await {
        assert!(
            std::env::var("KEYWAY_REQUIRE_SERVICES").as_deref() != Ok("1"),
            "PostgreSQL at {admin_url} is required (KEYWAY_REQUIRE_SERVICES=1): {e}"
        );
        eprintln!("notice: skipping: PostgreSQL at {admin_url} is unreachable ({e})");
        return;
    }
    let mut url = url::Url::parse(&admin_url).unwrap();
    url.query_pairs_mut()
        .append_pair("options", &format!("-c search_path={schema}"));

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let origin = format!("http://127.0.0.1:{port}");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_axum-minimal"))
        .env_clear()
        .env("DATABASE_URL", url.as_str())
        .env(
            "AUTH_SECRET",
            "a-test-secret-that-is-long-enough-0123456789",
        )
        .env("AUTH_URL", &origin)
        .env("AUTH_GITHUB_ID", "test-client-id")
        .env("AUTH_GITHUB_SECRET", "test-client-secret")
        .env("PORT", port.to_string())
        // Alone, the example has only keyway-sea-orm; built with the whole
        // workspace (`cargo test --workspace --all-features`), Cargo's
        // feature unification compiles keyway-diesel in too, and `connect`
        // asks which crate to use.
        .env("KEYWAY_ADAPTER", "sea-orm")
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let mut running = Running(child);

    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        if let Ok(Some(status)) = running.0.try_wait() {
            panic!("the example exited before listening: {status}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "it never listened"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let providers = get(port, "/api/auth/providers").await;
    assert!(providers.starts_with("HTTP/1.1 200"), "{providers}");
    let body = providers.split("\r\n\r\n").nth(1).unwrap();
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(json["github"]["type"], "oauth", "{json}");
    assert_eq!(
        json["github"]["signinUrl"],
        format!("{origin}/api/auth/signin/github")
    );
    assert_eq!(json.as_object().unwrap().len(), 1, "only GitHub: {json}");

    // The adapter is the app's PostgreSQL: keyway's tables, sessions among
    // them, were made there when it started (with an adapter, sessions
    // default to the database strategy).
    let sessions_table = format!(
        "SELECT COUNT(*) FROM information_schema.tables \
         WHERE table_schema = '{schema}' AND table_name = 'sessions'"
    );
    assert_eq!(query_count(&admin_url, &sessions_table).await.unwrap(), 1);

    // A visitor without a session is sent to sign in, and comes back.
    let home = get(port, "/").await;
    assert!(home.starts_with("HTTP/1.1 303"), "{home}");
    let location = home
        .lines()
        .find_map(|l| l.strip_prefix("location: "))
        .unwrap_or_else(|| panic!("no location: {home}"));
    assert!(
        location.starts_with(&format!("{origin}/api/auth/signin?callbackUrl=")),
        "{location}"
    );

    drop(running);
    execute(
        &admin_url,
        &format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"),
    )
    .await
    .unwrap();
}
