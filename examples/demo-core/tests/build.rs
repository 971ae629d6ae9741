//! The demo built in process, without a framework: the default database,
//! the kept secret and the banner.

#![allow(clippy::unwrap_used)]

use keyway_demo_core::keyway::SessionStrategy;
use keyway_demo_core::{Framework, Settings, build};

const FRAMEWORK: Framework = Framework {
    name: "test",
    package: "keyway-demo-core",
    dir: env!("CARGO_MANIFEST_DIR"),
};

fn settings(vars: &[(&str, &str)]) -> (Settings, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "demo-core-build-{}",
        keyway_demo_core::keyway::random::hex(6)
    ));
    let mut s = Settings::from_vars(FRAMEWORK, |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    })
    .unwrap();
    s.data_dir = dir.clone();
    (s, dir)
}

#[tokio::test]
async fn the_default_database_is_an_sqlite_file_in_the_data_dir() {
    let (settings, dir) = settings(&[]);
    let demo = build(settings).await.unwrap();
    assert!(dir.join("keyway-demo.db").is_file());
    assert!(dir.join("dev-secret").is_file());
    assert_eq!(demo.auth.session_strategy(), SessionStrategy::Database);
    assert!(
        demo.banner()
            .contains(&format!("sqlite://{}/keyway-demo.db", dir.display()))
    );
    drop(demo);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_banner_names_the_framework_and_every_entry_point() {
    let (settings, dir) = settings(&[("PORT", "4321"), ("SESSION_STRATEGY", "jwt")]);
    let demo = build(settings).await.unwrap();
    assert_eq!(demo.auth.session_strategy(), SessionStrategy::Jwt);
    let banner = demo.banner();
    let lines: Vec<&str> = banner.lines().collect();
    assert_eq!(lines[0], "keyway test demo on http://127.0.0.1:4321");
    for expected in [
        "  home         http://127.0.0.1:4321/",
        "  protected    http://127.0.0.1:4321/protected",
        "  session API  http://127.0.0.1:4321/api/me  (401 JSON without a session)",
        "  sign in      http://127.0.0.1:4321/api/auth/signin",
        "  sign out     http://127.0.0.1:4321/api/auth/signout",
        "  sessions     jwt (SESSION_STRATEGY=database for database sessions)",
    ] {
        assert!(
            lines.contains(&expected),
            "{expected:?} missing from:\n{banner}"
        );
    }
    drop(demo);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_bad_database_url_says_which_variable() {
    let (settings, dir) = settings(&[("DATABASE_URL", "nosuchdb://x")]);
    let e = build(settings).await.unwrap_err();
    assert!(e.0.starts_with("DATABASE_URL: "), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
