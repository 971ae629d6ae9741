//! `keyway::adapter::connect`: schemes, features, options and error messages.

use std::time::Duration;

use keyway::adapter::{self, AdapterCrate, ConnectError, ConnectOptions};
use keyway::{AdapterErrorKind, User};
use keyway_testkit::support::error_text as chain;

fn quick() -> ConnectOptions {
    ConnectOptions {
        connect_timeout: Some(Duration::from_secs(2)),
        ..ConnectOptions::default()
    }
}

/// The SQL adapter crates compiled into this build, each with its feature
/// for `sqlite:`.
fn sqlite_crates() -> Vec<AdapterCrate> {
    let mut out = Vec::new();
    if cfg!(feature = "sea-orm-sqlite") {
        out.push(AdapterCrate::SeaOrm);
    }
    if cfg!(feature = "diesel-sqlite") {
        out.push(AdapterCrate::Diesel);
    }
    out
}

fn choosing(adapter: AdapterCrate) -> ConnectOptions {
    ConnectOptions {
        adapter: Some(adapter),
        ..quick()
    }
}

#[tokio::test]
async fn sqlite_memory_opens_a_migrated_database() {
    for krate in sqlite_crates() {
        let a = adapter::connect_with("sqlite::memory:", choosing(krate))
            .await
            .unwrap();
        let u = a
            .create_user(User::new("u1", "u1@example.test"))
            .await
            .unwrap();
        assert_eq!(a.get_user("u1").await.unwrap(), Some(u), "{krate}");
        assert_eq!(
            a.get_user_by_email("nobody@example.test").await.unwrap(),
            None
        );
    }
}

#[tokio::test]
async fn migrations_can_be_turned_off() {
    for krate in sqlite_crates() {
        let options = ConnectOptions {
            migrate: false,
            ..choosing(krate)
        };
        let a = adapter::connect_with("sqlite::memory:", options)
            .await
            .unwrap();
        // No tables: the query fails rather than finding nothing.
        let e = a.get_user("u1").await.unwrap_err();
        assert_eq!(e.kind(), AdapterErrorKind::Other, "{krate}: {e}");
    }
}

/// Both SQL crates compiled in: no choice is refused before anything is
/// opened, naming both crates and KEYWAY_ADAPTER; KEYWAY_ADAPTER settles it.
#[cfg(all(feature = "sea-orm-sqlite", feature = "diesel-sqlite"))]
#[tokio::test]
async fn both_sql_crates_and_no_choice_is_a_clear_error() {
    let e = adapter::connect("sqlite::memory:").await.err().unwrap();
    assert!(
        matches!(
            e,
            ConnectError::Ambiguous { ref adapters, .. }
                if adapters == &[AdapterCrate::SeaOrm, AdapterCrate::Diesel]
        ),
        "{e:?}"
    );
    let msg = e.to_string();
    for needle in [
        "KEYWAY_ADAPTER",
        "keyway-sea-orm",
        "keyway-diesel",
        "`sqlite:`",
    ] {
        assert!(msg.contains(needle), "{needle} missing: {msg}");
    }

    let env = ConnectOptions::from_vars(vars(&[("KEYWAY_ADAPTER", "diesel")])).unwrap();
    assert_eq!(
        adapter::resolve("sqlite::memory:", env.adapter).unwrap(),
        AdapterCrate::Diesel
    );
    let a = adapter::connect_with("sqlite::memory:", env).await.unwrap();
    let u = a
        .create_user(User::new("u1", "u1@example.test"))
        .await
        .unwrap();
    assert_eq!(a.get_user("u1").await.unwrap(), Some(u));
}

/// Choosing a crate whose support for the scheme is not compiled in names
/// the feature to turn on.
#[tokio::test]
async fn choosing_a_crate_that_is_not_compiled_in_names_its_feature() {
    let cases = [
        (
            AdapterCrate::SeaOrm,
            "sea-orm-sqlite",
            cfg!(feature = "sea-orm-sqlite"),
        ),
        (
            AdapterCrate::Diesel,
            "diesel-sqlite",
            cfg!(feature = "diesel-sqlite"),
        ),
    ];
    for (krate, feature, enabled) in cases {
        let r = adapter::connect_with("sqlite::memory:", choosing(krate)).await;
        match r {
            Ok(_) => assert!(enabled, "{krate} opened without {feature}"),
            Err(e) => {
                assert!(!enabled, "{krate}: {e}");
                assert!(
                    matches!(e, ConnectError::FeatureDisabled { feature: f, .. } if f == feature),
                    "{e:?}"
                );
                assert!(e.to_string().contains(&format!("`{feature}`")), "{e}");
            }
        }
    }
}

#[cfg(feature = "memory")]
#[tokio::test]
async fn memory_opens_the_memory_adapter() {
    let a = adapter::connect("memory:").await.unwrap();
    let u = a
        .create_user(User::new("u1", "u1@example.test"))
        .await
        .unwrap();
    assert_eq!(a.get_user("u1").await.unwrap(), Some(u));
}

#[tokio::test]
async fn an_unknown_scheme_lists_the_known_ones() {
    let e = adapter::connect("foo://x").await.err().unwrap();
    assert!(
        matches!(e, ConnectError::UnknownScheme { ref scheme } if scheme == "foo"),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(msg.contains("`foo:`"), "{msg}");
    for scheme in [
        "sqlite:",
        "postgres:",
        "postgresql:",
        "mysql:",
        "mariadb:",
        "memory:",
        "mongodb:",
    ] {
        assert!(msg.contains(scheme), "{scheme} missing: {msg}");
    }
    for feature in [
        "`sea-orm-sqlite`",
        "`sea-orm-postgres`",
        "`sea-orm-mysql`",
        "`memory`",
    ] {
        assert!(msg.contains(feature), "{feature} missing: {msg}");
    }
}

#[tokio::test]
async fn text_without_a_scheme_is_not_a_url() {
    for url in ["", "keyway.db", "://x", "1abc:x"] {
        let e = adapter::connect(url).await.err().unwrap();
        assert!(matches!(e, ConnectError::InvalidUrl { .. }), "{url}: {e:?}");
    }
}

/// `mongodb:` and `mongodb+srv:` open keyway-mongodb (which fails to
/// reach port 1) or name the `mongodb` feature; neither shows the password.
#[tokio::test]
async fn mongodb_urls_open_keyway_mongodb_and_hide_the_password() {
    for scheme in ["mongodb", "mongodb+srv"] {
        let url = format!("{scheme}://app:hunter2@127.0.0.1/db");
        let resolved = adapter::resolve(&url, None);
        if cfg!(feature = "mongodb") {
            assert_eq!(resolved.unwrap(), AdapterCrate::MongoDb, "{url}");
        } else {
            let e = resolved.unwrap_err();
            assert!(
                matches!(
                    e,
                    ConnectError::FeatureDisabled {
                        feature: "mongodb",
                        ..
                    }
                ),
                "{url}: {e:?}"
            );
        }
    }
    let url = "mongodb://app:hunter2@127.0.0.1:1/db?directConnection=true";
    let e = adapter::connect_with(url, quick()).await.err().unwrap();
    let text = chain(&e);
    assert!(!text.contains("hunter2"), "password shown: {text}");
    if cfg!(feature = "mongodb") {
        match &e {
            ConnectError::Adapter(inner) => {
                assert_eq!(inner.kind(), AdapterErrorKind::Connection, "{e}")
            }
            other => panic!("{other:?}"),
        }
    } else {
        assert!(e.to_string().contains("`mongodb`"), "{e}");
    }
}

/// A server scheme, with either SQL crate chosen, either opens it (and
/// fails to reach port 1) or names the feature it needs; neither shows the
/// password.
#[tokio::test]
async fn server_urls_never_show_the_password() {
    let cases = [
        ("postgres://app:hunter2@127.0.0.1:1/db", "postgres"),
        ("postgresql://app:hunter2@127.0.0.1:1/db", "postgres"),
        ("mysql://app:hunter2@127.0.0.1:1/db", "mysql"),
        ("mariadb://app:hunter2@127.0.0.1:1/db", "mysql"),
    ];
    let compiled = |feature: &str| match feature {
        "sea-orm-postgres" => cfg!(feature = "sea-orm-postgres"),
        "sea-orm-mysql" => cfg!(feature = "sea-orm-mysql"),
        "diesel-postgres" => cfg!(feature = "diesel-postgres"),
        "diesel-mysql" => cfg!(feature = "diesel-mysql"),
        _ => false,
    };
    for (url, database) in cases {
        for krate in [AdapterCrate::SeaOrm, AdapterCrate::Diesel] {
            let feature = format!("{}-{database}", krate.name());
            let e = adapter::connect_with(url, choosing(krate))
                .await
                .err()
                .unwrap();
            let text = chain(&e);
            assert!(!text.contains("hunter2"), "{url}: password shown: {text}");
            if compiled(&feature) {
                match &e {
                    ConnectError::Adapter(inner) => {
                        assert_eq!(inner.kind(), AdapterErrorKind::Connection, "{url}: {e}")
                    }
                    other => panic!("{url}: {other:?}"),
                }
                assert!(text.contains("app:***@"), "{url}: {text}");
            } else {
                match &e {
                    ConnectError::FeatureDisabled { feature: f, .. } => assert_eq!(*f, feature),
                    other => panic!("{url}: {other:?}"),
                }
                assert!(e.to_string().contains(&feature), "{e}");
            }
        }
    }
}

fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

#[test]
fn keyway_adapter_names_the_crate() {
    let o = ConnectOptions::from_vars(vars(&[("KEYWAY_ADAPTER", "diesel")])).unwrap();
    assert_eq!(o.adapter, Some(AdapterCrate::Diesel));
    assert_eq!(
        ConnectOptions { adapter: None, ..o },
        ConnectOptions::default()
    );
    let o = ConnectOptions::from_vars(vars(&[("KEYWAY_ADAPTER", "sea-orm")])).unwrap();
    assert_eq!(o.adapter, Some(AdapterCrate::SeaOrm));
    for unset in [&[][..], &[("KEYWAY_ADAPTER", " ")][..]] {
        let o = ConnectOptions::from_vars(vars(unset)).unwrap();
        assert_eq!(o, ConnectOptions::default());
    }
}

#[test]
fn an_unknown_keyway_adapter_is_refused_with_the_choices() {
    let e = ConnectOptions::from_vars(vars(&[("KEYWAY_ADAPTER", "sqlx")])).unwrap_err();
    assert!(
        matches!(e, ConnectError::UnknownAdapter { ref name } if name == "sqlx"),
        "{e:?}"
    );
    let msg = e.to_string();
    for needle in ["`sqlx`", "KEYWAY_ADAPTER", "sea-orm", "diesel"] {
        assert!(msg.contains(needle), "{needle} missing: {msg}");
    }
}

#[cfg(feature = "memory")]
#[tokio::test]
async fn a_choice_must_serve_the_scheme() {
    let chosen = |adapter| ConnectOptions {
        adapter: Some(adapter),
        ..ConnectOptions::default()
    };
    let a = adapter::connect_with("memory:", chosen(AdapterCrate::Memory))
        .await
        .unwrap();
    assert_eq!(a.get_user("u1").await.unwrap(), None);
    assert_eq!(
        adapter::resolve("memory:", None).unwrap(),
        AdapterCrate::Memory
    );
    let e = adapter::connect_with("memory:", chosen(AdapterCrate::SeaOrm))
        .await
        .err()
        .unwrap();
    assert!(
        matches!(
            e,
            ConnectError::NotServed {
                adapter: AdapterCrate::SeaOrm,
                ..
            }
        ),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(
        msg.contains("keyway-sea-orm") && msg.contains("`memory:`"),
        "{msg}"
    );
}
