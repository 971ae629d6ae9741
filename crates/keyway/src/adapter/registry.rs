//! The registry of adapter crates: one [`Registration`] per crate, saying
//! which URL schemes it serves, behind which feature, and how to open it.
//! [`choose`] picks the row for a URL's scheme and an optional explicit
//! choice; it is a pure function over the table, so its rules are tested
//! on tables that need no database.
//!
//! An adapter crate plugs in with a module beside this one (`memory.rs`,
//! `sea_orm.rs`, ...) that defines its `REGISTRATION`, and one line in
//! [`REGISTRY`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use keyway_core::adapter::{Adapter, AdapterError};

use super::{AdapterCrate, ConnectError, ConnectOptions};

/// What an adapter crate's open function returns.
pub(crate) type Opening =
    Pin<Box<dyn Future<Output = Result<Arc<dyn Adapter>, AdapterError>> + Send + 'static>>;

/// Opens an adapter crate on a URL whose scheme it serves and whose feature
/// is on.
pub(crate) type OpenFn = fn(url: String, options: ConnectOptions) -> Opening;

/// One database an adapter crate serves: its schemes and the feature that
/// compiles it in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Database {
    /// The URL schemes, lower case, without the colon.
    pub(crate) schemes: &'static [&'static str],
    /// What it is, for messages (`"PostgreSQL"`).
    pub(crate) what: &'static str,
    /// keyway's feature that compiles it in; `None`: not available yet.
    pub(crate) feature: Option<&'static str>,
    /// Whether that feature is on in this build.
    pub(crate) enabled: bool,
}

/// One adapter crate's row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Registration {
    pub(crate) krate: AdapterCrate,
    pub(crate) databases: &'static [Database],
    /// `None` when none of the crate's features is on.
    pub(crate) open: Option<OpenFn>,
}

/// Every adapter crate keyway knows, in the order they are listed in
/// messages.
pub(crate) const REGISTRY: &[Registration] = &[
    super::sea_orm::REGISTRATION,
    super::diesel::REGISTRATION,
    super::memory::REGISTRATION,
    super::mongodb::REGISTRATION,
];

impl Registration {
    fn database(&self, scheme: &str) -> Option<&'static Database> {
        self.databases.iter().find(|d| d.schemes.contains(&scheme))
    }
}

/// The row that opens `scheme`, given an explicit `choice` (or none).
///
/// - no row serves the scheme: [`ConnectError::UnknownScheme`];
/// - a choice: that crate must serve the scheme
///   ([`ConnectError::NotServed`]) with its feature on
///   ([`ConnectError::FeatureDisabled`], naming the feature);
/// - no choice: the one compiled-in crate serving the scheme; two or more is
///   [`ConnectError::Ambiguous`]; none is [`ConnectError::FeatureDisabled`]
///   (or [`ConnectError::Unavailable`] when no crate is written yet).
pub(crate) fn choose(
    registry: &'static [Registration],
    scheme: &str,
    choice: Option<AdapterCrate>,
) -> Result<(&'static Registration, OpenFn), ConnectError> {
    let serving: Vec<(&'static Registration, &'static Database)> = registry
        .iter()
        .filter_map(|r| r.database(scheme).map(|d| (r, d)))
        .collect();
    if serving.is_empty() {
        return Err(ConnectError::UnknownScheme {
            scheme: scheme.to_owned(),
        });
    }
    let ready = |(r, d): &(&'static Registration, &'static Database)| match (d.enabled, r.open) {
        (true, Some(open)) => Some((*r, open)),
        _ => None,
    };
    if let Some(choice) = choice {
        let Some(row) = serving.iter().find(|(r, _)| r.krate == choice) else {
            return Err(ConnectError::NotServed {
                scheme: scheme.to_owned(),
                adapter: choice,
            });
        };
        return match (ready(row), row.1.feature) {
            (Some(found), _) => Ok(found),
            (None, Some(feature)) => Err(ConnectError::FeatureDisabled {
                scheme: scheme.to_owned(),
                feature,
            }),
            (None, None) => Err(ConnectError::Unavailable {
                scheme: scheme.to_owned(),
            }),
        };
    }
    let compiled: Vec<_> = serving.iter().filter_map(ready).collect();
    match compiled.as_slice() {
        [one] => Ok(*one),
        [] => match serving.iter().find_map(|(_, d)| d.feature) {
            Some(feature) => Err(ConnectError::FeatureDisabled {
                scheme: scheme.to_owned(),
                feature,
            }),
            None => Err(ConnectError::Unavailable {
                scheme: scheme.to_owned(),
            }),
        },
        several => Err(ConnectError::Ambiguous {
            scheme: scheme.to_owned(),
            adapters: several.iter().map(|(r, _)| r.krate).collect(),
        }),
    }
}

/// Every crate serving `scheme` with the feature that compiles it, as
/// `` `feature` (keyway-crate) ``, for messages.
pub(crate) fn features_for(registry: &[Registration], scheme: &str) -> Vec<String> {
    registry
        .iter()
        .filter_map(|r| {
            let d = r.database(scheme)?;
            let feature = d.feature?;
            Some(format!("`{feature}` ({})", r.krate.crate_name()))
        })
        .collect()
}

/// The known schemes, each with the crates that open it, their features and
/// whether each is on, as one line of text for error messages.
pub(crate) fn describe(registry: &[Registration]) -> String {
    // Group by scheme set, keeping the order of first appearance.
    let mut groups: Vec<(&'static [&'static str], &'static str, Vec<String>)> = Vec::new();
    for r in registry {
        for d in r.databases {
            let state = match d.feature {
                Some(f) if d.enabled => format!("{}, feature `{f}`, enabled", r.krate.crate_name()),
                Some(f) => format!("{}, feature `{f}`, not enabled", r.krate.crate_name()),
                None => format!("{}, not available yet", r.krate.crate_name()),
            };
            match groups.iter_mut().find(|g| g.0 == d.schemes) {
                Some(g) => g.2.push(state),
                None => groups.push((d.schemes, d.what, vec![state])),
            }
        }
    }
    groups
        .iter()
        .map(|(schemes, what, states)| {
            let names: Vec<String> = schemes.iter().map(|n| format!("{n}:")).collect();
            format!("{} ({what}: {})", names.join(" / "), states.join("; "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never(_: String, _: ConnectOptions) -> Opening {
        Box::pin(async { Err(AdapterError::other("test registry: never opened")) })
    }

    const fn db(schemes: &'static [&'static str], feature: &'static str, on: bool) -> Database {
        Database {
            schemes,
            what: "test",
            feature: Some(feature),
            enabled: on,
        }
    }

    const PG: &[&str] = &["postgres", "postgresql"];

    /// Two SQL crates on PostgreSQL, both compiled in; SQLite only through
    /// the first; MongoDB known but not written.
    const BOTH: &[Registration] = &[
        Registration {
            krate: AdapterCrate::SeaOrm,
            databases: &[
                db(PG, "sea-orm-postgres", true),
                db(&["sqlite"], "sea-orm-sqlite", true),
            ],
            open: Some(never),
        },
        Registration {
            krate: AdapterCrate::Diesel,
            databases: &[
                db(PG, "diesel-postgres", true),
                db(&["sqlite"], "diesel-sqlite", false),
            ],
            open: Some(never),
        },
        Registration {
            krate: AdapterCrate::MongoDb,
            databases: &[Database {
                schemes: &["mongodb"],
                what: "MongoDB",
                feature: None,
                enabled: false,
            }],
            open: None,
        },
    ];

    /// The same crates with nothing compiled in.
    const NONE: &[Registration] = &[
        Registration {
            krate: AdapterCrate::SeaOrm,
            databases: &[db(PG, "sea-orm-postgres", false)],
            open: None,
        },
        Registration {
            krate: AdapterCrate::Diesel,
            databases: &[db(PG, "diesel-postgres", false)],
            open: None,
        },
    ];

    fn chosen(
        registry: &'static [Registration],
        scheme: &str,
        choice: Option<AdapterCrate>,
    ) -> Result<AdapterCrate, ConnectError> {
        choose(registry, scheme, choice).map(|(r, _)| r.krate)
    }

    #[test]
    fn two_compiled_in_crates_on_one_scheme_need_a_choice() {
        let e = chosen(BOTH, "postgres", None).unwrap_err();
        match &e {
            ConnectError::Ambiguous { scheme, adapters } => {
                assert_eq!(scheme, "postgres");
                assert_eq!(adapters, &[AdapterCrate::SeaOrm, AdapterCrate::Diesel]);
            }
            other => panic!("{other:?}"),
        }
        let msg = e.to_string();
        for needle in [
            "keyway-sea-orm",
            "keyway-diesel",
            "KEYWAY_ADAPTER",
            "ConnectOptions::adapter",
        ] {
            assert!(msg.contains(needle), "{needle} missing: {msg}");
        }
    }

    #[test]
    fn a_choice_settles_it() {
        assert_eq!(
            chosen(BOTH, "postgresql", Some(AdapterCrate::Diesel)).unwrap(),
            AdapterCrate::Diesel
        );
        assert_eq!(
            chosen(BOTH, "postgres", Some(AdapterCrate::SeaOrm)).unwrap(),
            AdapterCrate::SeaOrm
        );
    }

    #[test]
    fn one_compiled_in_crate_needs_no_choice() {
        assert_eq!(chosen(BOTH, "sqlite", None).unwrap(), AdapterCrate::SeaOrm);
    }

    #[test]
    fn choosing_a_crate_that_is_not_compiled_in_names_its_feature() {
        let e = chosen(BOTH, "sqlite", Some(AdapterCrate::Diesel)).unwrap_err();
        assert!(
            matches!(
                e,
                ConnectError::FeatureDisabled {
                    feature: "diesel-sqlite",
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("`diesel-sqlite`"), "{e}");
    }

    #[test]
    fn choosing_a_crate_that_does_not_serve_the_scheme_is_refused() {
        let e = chosen(BOTH, "mongodb", Some(AdapterCrate::Diesel)).unwrap_err();
        assert!(
            matches!(
                e,
                ConnectError::NotServed {
                    adapter: AdapterCrate::Diesel,
                    ..
                }
            ),
            "{e:?}"
        );
        let msg = e.to_string();
        assert!(
            msg.contains("keyway-diesel") && msg.contains("`mongodb:`"),
            "{msg}"
        );
    }

    #[test]
    fn nothing_compiled_in_names_every_feature_that_would_serve() {
        let e = chosen(NONE, "postgres", None).unwrap_err();
        assert!(
            matches!(
                e,
                ConnectError::FeatureDisabled {
                    feature: "sea-orm-postgres",
                    ..
                }
            ),
            "{e:?}"
        );
        let all = features_for(NONE, "postgres");
        assert_eq!(
            all,
            [
                "`sea-orm-postgres` (keyway-sea-orm)",
                "`diesel-postgres` (keyway-diesel)"
            ]
        );
    }

    #[test]
    fn unknown_and_unwritten_schemes() {
        assert!(matches!(
            chosen(BOTH, "redis", None),
            Err(ConnectError::UnknownScheme { .. })
        ));
        assert!(matches!(
            chosen(BOTH, "mongodb", None),
            Err(ConnectError::Unavailable { .. })
        ));
    }

    #[test]
    fn the_description_groups_crates_by_scheme() {
        let text = describe(BOTH);
        assert!(
            text.starts_with(
                "postgres: / postgresql: (test: keyway-sea-orm, feature `sea-orm-postgres`, \
                 enabled; keyway-diesel, feature `diesel-postgres`, enabled)"
            ),
            "{text}"
        );
        assert!(text.contains("keyway-mongodb, not available yet"), "{text}");
    }
}
