//! Opening a [`MongoAdapter`]: from a URL or from the app's own client;
//! finding out whether the deployment runs transactions; creating the
//! unique indexes.

use std::sync::Arc;

use keyway_core::{AdapterError, AdapterResult};
use mongodb::bson::{Document, doc};
use mongodb::error::ErrorKind;
use mongodb::options::{ClientOptions, IndexOptions};
use mongodb::{Client, Collection, IndexModel};

use crate::documents::field;
use crate::error::{ResultExt, db_error};
use crate::options::{DEFAULT_DATABASE, MongoOptions};
use crate::{Inner, MongoAdapter};

/// Server codes for an index that exists under the same name or keys with
/// other options: IndexOptionsConflict, IndexKeySpecsConflict.
const INDEX_CONFLICT_CODES: [i32; 2] = [85, 86];

impl MongoAdapter {
    /// Connects to the deployment at `url` (`mongodb://` or
    /// `mongodb+srv://`), checks that a server answers, and creates the
    /// indexes (unless [`MongoOptions::create_indexes`] is off).
    ///
    /// The database is [`MongoOptions::database`], else the URL's path
    /// (`mongodb://host:27017/<database>`), else `keyway`.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), keyway_core::AdapterError> {
    /// use keyway_mongodb::{MongoAdapter, MongoOptions};
    ///
    /// let adapter = MongoAdapter::connect(
    ///     "mongodb://127.0.0.1:27017/myapp?directConnection=true",
    ///     MongoOptions::default(),
    /// )
    /// .await?;
    /// assert_eq!(adapter.database_name(), "myapp");
    /// # Ok(()) }
    /// ```
    ///
    /// Errors: [`Connection`](keyway_core::AdapterErrorKind::Connection) when
    /// no server answers in time (or a `mongodb+srv` name cannot be
    /// resolved, or authentication fails); [`Other`](keyway_core::AdapterErrorKind::Other)
    /// for a URL the driver cannot read. Messages never show the URL's
    /// password.
    pub async fn connect(url: &str, options: MongoOptions) -> AdapterResult<Self> {
        let mut client_options = ClientOptions::parse(url)
            .await
            .map_err(|e| url_error(e, url))?;
        if let Some(timeout) = options.connect_timeout {
            client_options.connect_timeout = Some(timeout);
            client_options.server_selection_timeout = Some(timeout);
        }
        if let Some(max) = options.max_pool_size {
            client_options.max_pool_size = Some(max);
        }
        let database = options
            .database
            .clone()
            .or_else(|| client_options.default_database.clone())
            .unwrap_or_else(|| DEFAULT_DATABASE.to_owned());
        let client = Client::with_options(client_options).op("connect")?;
        Self::open(client, &database, options).await
    }

    /// Uses the app's own [`mongodb::Client`] (which keeps its pool and
    /// settings) on `database`. [`MongoOptions::database`],
    /// [`MongoOptions::max_pool_size`] and [`MongoOptions::connect_timeout`]
    /// are ignored: they belong to the client. Like [`connect`](Self::connect)
    /// it checks that a server answers and creates the indexes.
    ///
    /// This is the one place where a driver type appears in this crate's
    /// API: the app's client is the point. It must be built by the same
    /// `mongodb` version as this crate's (3.x).
    pub async fn from_client(
        client: Client,
        database: &str,
        options: MongoOptions,
    ) -> AdapterResult<Self> {
        Self::open(client, database, options).await
    }

    async fn open(client: Client, database: &str, options: MongoOptions) -> AdapterResult<Self> {
        let db = client.database(database);
        let hello = db.run_command(doc! { "hello": 1 }).await.op("connect")?;
        let transactions = options.transactions && runs_transactions(&hello);
        let names = options.collections;
        let adapter = Self {
            inner: Arc::new(Inner {
                users: db.collection(&names.users),
                accounts: db.collection(&names.accounts),
                sessions: db.collection(&names.sessions),
                tokens: db.collection(&names.verification_tokens),
                rate_limits: db.collection(&names.rate_limits),
                client,
                database: db,
                names,
                transactions,
            }),
        };
        if options.create_indexes {
            adapter.create_indexes().await?;
        }
        tracing::debug!(
            database = database,
            transactions,
            "keyway-mongodb connected"
        );
        Ok(adapter)
    }

    /// Creates the indexes keyway relies on; one that exists already is
    /// left alone.
    async fn create_indexes(&self) -> AdapterResult<()> {
        let i = &self.inner;
        let indexes = [
            // Unique among the users that have an email; any number have none.
            Index::unique(&i.users, doc! { field::EMAIL: 1 })
                .partial(doc! { field::EMAIL: { "$type": "string" } }),
            Index::unique(
                &i.accounts,
                doc! { field::PROVIDER: 1, field::PROVIDER_ACCOUNT_ID: 1 },
            ),
            Index::unique(&i.sessions, doc! { field::SESSION_TOKEN: 1 }),
            Index::unique(&i.tokens, doc! { field::IDENTIFIER: 1, field::TOKEN: 1 }),
            // For finding a user's accounts and sessions when deleting them.
            Index::plain(&i.accounts, doc! { field::USER_ID: 1 }),
            Index::plain(&i.sessions, doc! { field::USER_ID: 1 }),
            Index::plain(&i.rate_limits, doc! { field::WINDOW_END: 1 })
                .expire_after(crate::counters::EXPIRED_KEPT),
        ];
        for index in indexes {
            index.create().await?;
        }
        Ok(())
    }
}

/// One index to create.
struct Index<'a> {
    collection: &'a Collection<Document>,
    keys: Document,
    options: IndexOptions,
}

impl<'a> Index<'a> {
    fn plain(collection: &'a Collection<Document>, keys: Document) -> Self {
        Self {
            collection,
            keys,
            options: IndexOptions::default(),
        }
    }

    fn unique(collection: &'a Collection<Document>, keys: Document) -> Self {
        let mut index = Self::plain(collection, keys);
        index.options.unique = Some(true);
        index
    }

    fn expire_after(mut self, after: std::time::Duration) -> Self {
        self.options.expire_after = Some(after);
        self
    }

    fn partial(mut self, filter: Document) -> Self {
        self.options.partial_filter_expression = Some(filter);
        self
    }

    /// Creates the index. One that exists with the same name or keys but
    /// other options is kept as it is, with a warning.
    async fn create(self) -> AdapterResult<()> {
        let model = IndexModel::builder()
            .keys(self.keys)
            .options(self.options)
            .build();
        match self.collection.create_index(model).await {
            Ok(_) => Ok(()),
            Err(e) if is_index_conflict(&e) => {
                tracing::warn!(
                    collection = self.collection.name(),
                    "an index on the same keys exists with other options; \
                     keyway keeps it as it is (check that it is unique)"
                );
                Ok(())
            }
            Err(e) => Err(db_error("create_indexes", e)),
        }
    }
}

fn is_index_conflict(e: &mongodb::error::Error) -> bool {
    matches!(e.kind.as_ref(), ErrorKind::Command(c) if INDEX_CONFLICT_CODES.contains(&c.code))
}

/// Whether a server's `hello` answer describes a deployment with
/// transactions: a replica set member or a mongos router, with sessions.
fn runs_transactions(hello: &Document) -> bool {
    let sessions = hello.contains_key("logicalSessionTimeoutMinutes");
    let replica_set = hello.contains_key("setName");
    let router = hello.get_str("msg").is_ok_and(|m| m == "isdbgrid");
    sessions && (replica_set || router)
}

/// The driver could not read `url`: an unresolvable `mongodb+srv` name is a
/// connection error, anything else a bad URL. The URL is shown without its
/// password (the driver's own messages redact it too).
fn url_error(e: mongodb::error::Error, url: &str) -> AdapterError {
    if crate::error::classify(&e) == keyway_core::AdapterErrorKind::Connection {
        return db_error("connect", e);
    }
    AdapterError::other(format!(
        "`{}` is not a MongoDB URL the driver can use",
        keyway_core::redact::redact_url(url)
    ))
    .with_operation("connect")
    .with_source(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transactions_need_a_replica_set_or_a_router_with_sessions() {
        let rs = doc! { "setName": "rs0", "logicalSessionTimeoutMinutes": 30 };
        assert!(runs_transactions(&rs));
        let router = doc! { "msg": "isdbgrid", "logicalSessionTimeoutMinutes": 30 };
        assert!(runs_transactions(&router));
        let standalone = doc! { "logicalSessionTimeoutMinutes": 30 };
        assert!(!runs_transactions(&standalone));
        let old = doc! { "setName": "rs0" };
        assert!(!runs_transactions(&old));
    }
}
