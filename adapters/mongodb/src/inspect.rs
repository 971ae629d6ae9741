//! [`MongoInspector`]: reads the raw collections with plain `find`s and
//! serde-typed documents, bypassing the adapter's queries and its own
//! decoding, for keyway-testkit's conformance suite.

use async_trait::async_trait;
use keyway_core::{Account, AccountType, Session, SessionToken, User, VerificationToken};
use keyway_testkit::conformance::Inspector;
use mongodb::Database;
use mongodb::bson::oid::ObjectId;
use mongodb::bson::{DateTime, doc};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::CollectionNames;

/// Reads what a [`MongoAdapter`](crate::MongoAdapter) really stored. Made
/// by [`MongoAdapter::inspector`](crate::MongoAdapter::inspector).
///
/// Documents are decoded into structs that spell out the BSON type of each
/// field (`_id` and `userId` ObjectIds, dates as BSON dates), so a document
/// stored with another type fails the case that reads it. It panics when
/// the database fails, as the conformance suite allows.
#[derive(Clone)]
pub struct MongoInspector {
    db: Database,
    names: CollectionNames,
}

impl std::fmt::Debug for MongoInspector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MongoInspector")
            .field("database", &self.db.name())
            .field("collections", &self.names)
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawUser {
    #[serde(rename = "_id")]
    id: ObjectId,
    name: Option<String>,
    email: Option<String>,
    email_verified: Option<DateTime>,
    image: Option<String>,
}

/// The token fields keep their OAuth (snake_case) names.
#[derive(Deserialize)]
struct RawAccount {
    #[serde(rename = "userId")]
    user_id: ObjectId,
    #[serde(rename = "type")]
    kind: String,
    provider: String,
    #[serde(rename = "providerAccountId")]
    provider_account_id: String,
    access_token: Option<String>,
    refresh_token: Option<String>,
    expires_at: Option<i64>,
    token_type: Option<String>,
    scope: Option<String>,
    id_token: Option<String>,
    session_state: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSession {
    session_token: String,
    user_id: ObjectId,
    expires: DateTime,
}

#[derive(Deserialize)]
struct RawToken {
    identifier: String,
    token: String,
    expires: DateTime,
}

/// A BSON date as a chrono instant.
fn instant(d: DateTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(d.timestamp_millis())
        .unwrap_or_else(|| panic!("inspector: date {d} is out of chrono's range"))
}

impl MongoInspector {
    pub(crate) fn new(db: Database, names: CollectionNames) -> Self {
        Self { db, names }
    }

    async fn one<T: DeserializeOwned + Send + Sync>(
        &self,
        collection: &str,
        filter: mongodb::bson::Document,
    ) -> Option<T> {
        self.db
            .collection::<T>(collection)
            .find_one(filter)
            .await
            .unwrap_or_else(|e| panic!("inspector: find in `{collection}` failed: {e}"))
    }
}

#[async_trait]
impl Inspector for MongoInspector {
    async fn user(&self, id: &str) -> Option<User> {
        let id = ObjectId::parse_str(id).ok()?;
        let raw: RawUser = self.one(&self.names.users, doc! { "_id": id }).await?;
        Some(User {
            id: raw.id.to_hex(),
            name: raw.name,
            email: raw.email,
            email_verified: raw.email_verified.map(instant),
            image: raw.image,
        })
    }

    async fn account(&self, provider: &str, provider_account_id: &str) -> Option<Account> {
        let filter = doc! { "provider": provider, "providerAccountId": provider_account_id };
        let raw: RawAccount = self.one(&self.names.accounts, filter).await?;
        Some(Account {
            user_id: raw.user_id.to_hex(),
            kind: AccountType::parse(&raw.kind)
                .unwrap_or_else(|| panic!("inspector: unknown account type {:?}", raw.kind)),
            provider: raw.provider,
            provider_account_id: raw.provider_account_id,
            access_token: raw.access_token,
            refresh_token: raw.refresh_token,
            expires_at: raw.expires_at,
            token_type: raw.token_type,
            scope: raw.scope,
            id_token: raw.id_token,
            session_state: raw.session_state,
        })
    }

    async fn session(&self, session_token: &SessionToken) -> Option<Session> {
        let filter = doc! { "sessionToken": session_token.as_str() };
        let raw: RawSession = self.one(&self.names.sessions, filter).await?;
        Some(Session {
            session_token: SessionToken::new(raw.session_token),
            user_id: raw.user_id.to_hex(),
            expires: instant(raw.expires),
        })
    }

    async fn verification_token(&self, identifier: &str, token: &str) -> Option<VerificationToken> {
        let filter = doc! { "identifier": identifier, "token": token };
        let raw: RawToken = self.one(&self.names.verification_tokens, filter).await?;
        Some(VerificationToken {
            identifier: raw.identifier,
            token: raw.token,
            expires: instant(raw.expires),
        })
    }
}
