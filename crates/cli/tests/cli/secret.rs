//! `keyway secret`: format, strength, `--json`, `--env-file`.

use crate::common::{TempDir, keyway};

fn is_secret(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|c| c.is_ascii_hexdigit())
}

#[test]
fn prints_a_new_64_hex_digit_secret_each_time() {
    let a = keyway(&["secret"], &[]);
    let b = keyway(&["secret"], &[]);
    assert_eq!(a.code, 0, "{a:#?}");
    let (sa, sb) = (a.stdout.trim(), b.stdout.trim());
    assert!(is_secret(sa), "{a:#?}");
    assert!(is_secret(sb), "{b:#?}");
    assert_eq!(a.stdout.lines().count(), 1, "only the secret on stdout");
    assert_ne!(sa, sb);
    // 32 random bytes: a run of distinct digits, not a counter or a constant.
    let distinct: std::collections::HashSet<u8> = sa.bytes().collect();
    assert!(distinct.len() >= 8, "{sa}");
    assert!(a.stderr.contains("AUTH_SECRET"), "{a:#?}");
}

#[test]
fn json_gives_one_object_with_the_secret() {
    let run = keyway(&["secret", "--json"], &[]);
    assert_eq!(run.code, 0, "{run:#?}");
    let v = run.json();
    assert_eq!(v["command"], "secret");
    assert_eq!(v["ok"], true);
    assert!(is_secret(v["secret"].as_str().unwrap_or_default()), "{v}");
    assert!(run.stderr.is_empty(), "{run:#?}");
}

#[test]
fn env_file_is_created_and_the_secret_never_printed() {
    let dir = TempDir::new();
    let path = dir.0.join(".env");
    let shown = path.display().to_string();
    let run = keyway(&["secret", "--env-file", &shown], &[]);
    assert_eq!(run.code, 0, "{run:#?}");
    let contents = std::fs::read_to_string(&path).expect("written");
    let secret = contents
        .strip_prefix("AUTH_SECRET=")
        .and_then(|s| s.strip_suffix('\n'))
        .expect("one AUTH_SECRET line");
    assert!(is_secret(secret), "{contents}");
    assert!(
        !run.all().contains(secret),
        "the secret is printed: {run:#?}"
    );
    assert!(run.stdout.contains(&shown), "says where it went: {run:#?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o077, 0, "readable by others: {mode:o}");
    }
}

#[test]
fn env_file_line_is_replaced_and_other_lines_kept() {
    let dir = TempDir::new();
    let path = dir.0.join(".env.local");
    let before = "# app settings\nDATABASE_URL=sqlite://app.db\nexport AUTH_SECRET=old-old-old-old-old\nAUTH_URL=https://example.com\n";
    std::fs::write(&path, before).expect("write");
    let run = keyway(
        &[
            "secret",
            "--json",
            "--env-file",
            &path.display().to_string(),
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.json()["change"], "replaced");
    let after = std::fs::read_to_string(&path).expect("read");
    let lines: Vec<&str> = after.lines().collect();
    assert_eq!(lines.len(), 4, "{after}");
    assert_eq!(lines[0], "# app settings");
    assert_eq!(lines[1], "DATABASE_URL=sqlite://app.db");
    assert_eq!(lines[3], "AUTH_URL=https://example.com");
    let secret = lines[2]
        .strip_prefix("AUTH_SECRET=")
        .expect("replaced in place");
    assert!(is_secret(secret), "{after}");
    assert!(!run.all().contains(secret), "{run:#?}");

    // A file without the line gets it appended.
    std::fs::write(&path, "A=1").expect("write");
    let run = keyway(&["secret", "--env-file", &path.display().to_string()], &[]);
    assert_eq!(run.code, 0, "{run:#?}");
    let after = std::fs::read_to_string(&path).expect("read");
    assert!(after.starts_with("A=1\nAUTH_SECRET="), "{after}");
    assert!(run.stdout.contains("added"), "{run:#?}");
}

#[test]
fn an_unwritable_env_file_fails_with_code_3() {
    let dir = TempDir::new();
    let path = dir.0.join("no-such-dir").join(".env");
    let run = keyway(&["secret", "--env-file", &path.display().to_string()], &[]);
    assert_eq!(run.code, 3, "{run:#?}");
    assert!(run.stderr.contains("cannot write"), "{run:#?}");
    assert!(run.stdout.is_empty(), "no secret printed instead: {run:#?}");
}

#[test]
fn bad_usage_exits_with_code_2() {
    assert_eq!(keyway(&["no-such-command"], &[]).code, 2);
    assert_eq!(keyway(&["secret", "--no-such-flag"], &[]).code, 2);
}
