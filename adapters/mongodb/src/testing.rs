//! Throw-away databases on the test server (feature `testkit`), for this
//! crate's tests and for other crates' tests that run keyway on MongoDB
//! (the demos').
//!
//! The server is found at `KEYWAY_TEST_MONGODB_URL` (default
//! [`DEFAULT_URL`], the server `cargo xtask services` starts). When it
//! cannot be reached, [`TestDatabase::create`] prints a notice and answers
//! `None`, so the test can return early; with `KEYWAY_REQUIRE_SERVICES=1`
//! (as in CI) it panics instead, so the test fails.
//!
//! Here the driver's types are the point (tests read the raw documents), so
//! they appear in the signatures.

use std::time::Duration;

use mongodb::bson::{Document, doc};
use mongodb::options::ClientOptions;
use mongodb::{Client, Database};

use crate::{MongoAdapter, MongoOptions};

/// The test server `cargo xtask services` starts.
pub const DEFAULT_URL: &str = "mongodb://127.0.0.1:27017/?directConnection=true";

/// How long a test waits for the server: short, so a missing server fails
/// a test in seconds rather than the driver's 30.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// The test server's URL: `KEYWAY_TEST_MONGODB_URL`, else [`DEFAULT_URL`].
pub fn server_url() -> String {
    std::env::var("KEYWAY_TEST_MONGODB_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

/// `url` with `database` as its path, its options kept:
/// `mongodb://h:1/?x=1` becomes `mongodb://h:1/<database>?x=1`.
///
/// ```
/// use keyway_mongodb::testing::with_database;
///
/// assert_eq!(
///     with_database("mongodb://127.0.0.1:27017/?directConnection=true", "t1"),
///     "mongodb://127.0.0.1:27017/t1?directConnection=true"
/// );
/// assert_eq!(with_database("mongodb://a,b/old", "t2"), "mongodb://a,b/t2");
/// ```
pub fn with_database(url: &str, database: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let (head, rest) = url.split_at(start);
    // The hosts end at the first `/` or `?` (a password with either must be
    // percent-encoded in a MongoDB URL).
    let hosts_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (hosts, tail) = rest.split_at(hosts_end);
    let query = tail.find('?').map_or("", |q| &tail[q..]);
    format!("{head}{hosts}/{database}{query}")
}

fn required() -> bool {
    std::env::var("KEYWAY_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

async fn client(url: &str) -> mongodb::error::Result<Client> {
    let mut options = ClientOptions::parse(url).await?;
    options.server_selection_timeout = Some(TIMEOUT);
    options.connect_timeout = Some(TIMEOUT);
    Client::with_options(options)
}

/// A database with a fresh random name on the test server, dropped when
/// this guard drops (even when the test fails).
pub struct TestDatabase {
    name: String,
    url: String,
    db: Database,
}

impl std::fmt::Debug for TestDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDatabase")
            .field("name", &self.name)
            .finish()
    }
}

impl TestDatabase {
    /// A new database name on the test server (nothing is created until
    /// something writes), or `None` after a notice when the server cannot be
    /// reached and is not required.
    ///
    /// # Panics
    ///
    /// When the server cannot be reached and `KEYWAY_REQUIRE_SERVICES=1`.
    pub async fn create() -> Option<Self> {
        let server = server_url();
        let name = format!("keyway_test_{}", keyway_core::random::hex(6));
        let url = with_database(&server, &name);
        let reached = match client(&url).await {
            Ok(client) => client
                .database(&name)
                .run_command(doc! { "ping": 1 })
                .await
                .map(|_| client),
            Err(e) => Err(e),
        };
        match reached {
            Ok(client) => Some(Self {
                db: client.database(&name),
                name,
                url,
            }),
            Err(e) => {
                let server = keyway_core::redact::redact_url(&server);
                assert!(
                    !required(),
                    "MongoDB at {server} is required (KEYWAY_REQUIRE_SERVICES=1) but unreachable: {e}"
                );
                eprintln!("notice: skipping MongoDB tests: {server} is unreachable ({e})");
                None
            }
        }
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The test server's URL with this database as its path.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Options for an adapter on this database: the defaults, with
    /// [`TIMEOUT`] as the connect timeout.
    pub fn options(&self) -> MongoOptions {
        MongoOptions {
            connect_timeout: Some(TIMEOUT),
            ..MongoOptions::default()
        }
    }

    /// An adapter on this database with `tweak` applied to
    /// [`options`](Self::options).
    ///
    /// # Panics
    ///
    /// When it cannot connect.
    pub async fn adapter_with(&self, tweak: impl FnOnce(&mut MongoOptions)) -> MongoAdapter {
        let mut options = self.options();
        tweak(&mut options);
        MongoAdapter::connect(&self.url, options)
            .await
            .unwrap_or_else(|e| panic!("{}: connect failed: {e} ({e:?})", self.name))
    }

    /// An adapter on this database with [`options`](Self::options).
    pub async fn adapter(&self) -> MongoAdapter {
        self.adapter_with(|_| {}).await
    }

    /// The database, on a client of its own, for reading raw documents.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Every document of `collection`, as stored.
    ///
    /// # Panics
    ///
    /// When the server fails.
    pub async fn documents(&self, collection: &str) -> Vec<Document> {
        use futures::TryStreamExt;
        let cursor = self
            .db
            .collection::<Document>(collection)
            .find(doc! {})
            .await
            .unwrap_or_else(|e| panic!("find in `{collection}` failed: {e}"));
        cursor
            .try_collect()
            .await
            .unwrap_or_else(|e| panic!("reading `{collection}` failed: {e}"))
    }

    /// The names of the collections in this database, sorted.
    ///
    /// # Panics
    ///
    /// When the server fails.
    pub async fn collection_names(&self) -> Vec<String> {
        let mut names = self
            .db
            .list_collection_names()
            .await
            .unwrap_or_else(|e| panic!("listing collections failed: {e}"));
        names.sort();
        names
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // On a thread and runtime of its own: the test's runtime may be
        // shutting down, and a `Drop` cannot await.
        let (url, name) = (self.url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async {
                let client = client(&url).await.map_err(|e| e.to_string())?;
                client
                    .database(&name)
                    .drop()
                    .await
                    .map_err(|e| e.to_string())?;
                client.shutdown().await;
                Ok::<(), String>(())
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("warning: could not drop test database {}: {e}", self.name),
            Err(_) => eprintln!("warning: dropping test database {} panicked", self.name),
        }
    }
}
