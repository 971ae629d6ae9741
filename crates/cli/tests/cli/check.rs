//! `keyway check`: every problem with its code, the callback URLs, exit
//! codes, and no secret in the output.

use serde_json::Value;

use crate::common::{self, keyway};

const SECRET: &str = "0f9d8c7b6a5948372615f4e3d2c1b0a99a8b7c6d5e4f30211203f4e5d6c7b8a9";
const GITHUB_SECRET: &str = "gh-client-secret-value-123";
const GOOGLE_SECRET: &str = "google-client-secret-456";

fn codes(v: &Value) -> Vec<String> {
    v["problems"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_good_environment_passes_and_lists_the_callback_urls() {
    let env = [
        ("AUTH_SECRET", SECRET),
        ("AUTH_URL", "https://app.example.com"),
        ("AUTH_GITHUB_ID", "Iv1.abc"),
        ("AUTH_GITHUB_SECRET", GITHUB_SECRET),
        ("AUTH_GOOGLE_ID", "123.apps.googleusercontent.com"),
        ("AUTH_GOOGLE_SECRET", GOOGLE_SECRET),
    ];
    let run = keyway(&["check"], &env);
    assert_eq!(run.code, 0, "{run:#?}");
    for needle in [
        "https://app.example.com/api/auth/callback/github",
        "https://app.example.com/api/auth/callback/google",
        "No problems found",
        "AUTH_SECRET set",
    ] {
        assert!(run.stdout.contains(needle), "{needle}: {run:#?}");
    }
    for secret in [SECRET, GITHUB_SECRET, GOOGLE_SECRET] {
        assert!(!run.all().contains(secret), "{secret} printed: {run:#?}");
    }

    let run = keyway(&["check", "--json"], &env);
    assert_eq!(run.code, 0, "{run:#?}");
    let v = run.json();
    assert_eq!(v["ok"], true);
    assert_eq!(v["problems"], serde_json::json!([]));
    assert_eq!(v["providers"], serde_json::json!(["github", "google"]));
    assert_eq!(
        v["callback_urls"][0]["url"],
        "https://app.example.com/api/auth/callback/github"
    );
}

#[test]
fn a_bad_environment_reports_every_problem_with_its_code() {
    let env = [
        ("AUTH_SECRET", "short-secret"),
        ("AUTH_GITHUB_SECRET", GITHUB_SECRET),
        ("AUTH_KEYCLOAK_ID", "app"),
        ("EMAIL_SERVER", "smtp://mailer:smtp-pass-789@127.0.0.1:2525"),
        ("EMAIL_FROM", "Example <no-reply@example.com>"),
    ];
    let run = keyway(&["check", "--json"], &env);
    assert_eq!(run.code, 1, "{run:#?}");
    for secret in ["short-secret", GITHUB_SECRET, "smtp-pass-789"] {
        assert!(!run.all().contains(secret), "{secret} printed: {run:#?}");
    }
    let v = run.json();
    assert_eq!(v["ok"], false);
    let messages: Vec<&str> = v["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p["message"].as_str())
        .collect();
    assert_eq!(messages.len(), 6, "{messages:#?}");
    assert!(
        messages[0].contains("shorter than 16 bytes"),
        "{messages:#?}"
    );
    assert!(messages[1].contains("set AUTH_URL"), "{messages:#?}");
    assert!(messages[2].contains("AUTH_GITHUB_ID"), "{messages:#?}");
    assert!(
        messages[3].contains("AUTH_KEYCLOAK_SECRET"),
        "{messages:#?}"
    );
    assert!(messages[4].contains("forge"), "{messages:#?}");
    assert!(messages[5].contains("needs a database"), "{messages:#?}");
    assert_eq!(
        codes(&v),
        [
            "Configuration",
            "Configuration",
            "Configuration",
            "Configuration",
            "SIGNIN_EMAIL_ERROR",
            "EMAIL_REQUIRES_ADAPTER_ERROR"
        ]
    );
    // The callback URLs are listed even so, with the host left to fill in.
    assert_eq!(
        v["callback_urls"][0]["url"],
        "https://<your site>/api/auth/callback/github"
    );

    let run = keyway(&["check"], &env);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stdout.contains("6 problems found"), "{run:#?}");
    assert!(
        run.stdout.contains("[EMAIL_REQUIRES_ADAPTER_ERROR]"),
        "{run:#?}"
    );
    // Each problem points at its code's section in the published book.
    let docs = keyway::LogCode::EmailRequiresAdapterError.docs_url();
    assert!(run.stdout.contains(&docs), "{docs} missing: {run:#?}");
}

#[test]
fn nothing_set_names_what_to_set() {
    let run = keyway(&["check"], &[]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stdout.contains("set AUTH_SECRET"), "{run:#?}");
    assert!(run.stdout.contains("2 problems found"), "{run:#?}");
}

#[test]
fn an_unreachable_database_is_a_coded_problem_without_its_password() {
    let env = [
        ("AUTH_SECRET", SECRET),
        ("AUTH_URL", "https://app.example.com/auth"),
        (
            "DATABASE_URL",
            "postgres://app:db-pass-hunter2@127.0.0.1:1/app",
        ),
        ("KEYWAY_ADAPTER", "diesel"),
    ];
    let run = keyway(&["check", "--connect-timeout", "2", "--json"], &env);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(!run.all().contains("db-pass-hunter2"), "{run:#?}");
    let v = run.json();
    assert_eq!(codes(&v), ["ADAPTER_CONNECTION_ERROR"], "{v}");
    assert_eq!(v["base_path"], "/auth");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_without_tables_says_to_migrate_and_a_migrated_one_passes() {
    let db = common::sqlite();
    let env = [
        ("AUTH_SECRET", SECRET),
        ("AUTH_URL", "https://app.example.com"),
        ("DATABASE_URL", db.url.as_str()),
        ("KEYWAY_ADAPTER", "sea-orm"),
        ("EMAIL_SERVER", "smtp://127.0.0.1:2525"),
        ("EMAIL_FROM", "no-reply@example.com"),
    ];
    let run = keyway(&["check"], &env);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stdout.contains("[GET_USER_BY_ID_ERROR]"), "{run:#?}");
    assert!(run.stdout.contains("keyway migrate"), "{run:#?}");

    assert_eq!(db.keyway("migrate", &[], &[]).code, 0);
    let run = keyway(&["check"], &env);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stdout.contains("tables readable"), "{run:#?}");
    assert!(run.stdout.contains("email"), "{run:#?}");
}
