//! The [`Adapter`] implementation: one driver call per method where MongoDB
//! has one (`findAndModify` for the reads that also write), two reads where a
//! document points at another.

use async_trait::async_trait;
use futures::TryStreamExt;
use keyway_core::{
    Account, Adapter, AdapterError, AdapterResult, Session, SessionToken, SessionUpdate, User,
    UserUpdate, VerificationToken,
};
use mongodb::ClientSession;
use mongodb::bson::oid::ObjectId;
use mongodb::bson::{Bson, Document, doc};
use mongodb::error::{TRANSIENT_TRANSACTION_ERROR, UNKNOWN_TRANSACTION_COMMIT_RESULT};
use mongodb::options::ReturnDocument;

use crate::MongoAdapter;
use crate::documents::{self as docs, field};
use crate::error::{ResultExt, db_error};

/// How many times a transaction that failed with a transient error (a
/// write conflict, a primary stepping down) is tried in all.
const TRANSACTION_ATTEMPTS: u32 = 3;

impl MongoAdapter {
    fn user_from(&self, doc: &Document) -> AdapterResult<User> {
        docs::user(&self.inner.names.users, doc)
    }

    fn account_from(&self, doc: &Document) -> AdapterResult<Account> {
        docs::account(&self.inner.names.accounts, doc)
    }

    fn session_from(&self, doc: &Document) -> AdapterResult<Session> {
        docs::session(&self.inner.names.sessions, doc)
    }

    fn token_from(&self, doc: &Document) -> AdapterResult<VerificationToken> {
        docs::verification_token(&self.inner.names.verification_tokens, doc)
    }

    async fn find_user(&self, id: ObjectId, op: &'static str) -> AdapterResult<Option<User>> {
        let found = self
            .inner
            .users
            .find_one(doc! { field::ID: id })
            .await
            .op(op)?;
        found
            .map(|d| self.user_from(&d))
            .transpose()
            .map_err(|e| e.with_operation(op))
    }

    /// The user a document's `userId` points at, or `None` if it is gone.
    async fn owner(
        &self,
        collection: &str,
        doc: &Document,
        op: &'static str,
    ) -> AdapterResult<Option<User>> {
        let user_id = docs::Reader::new(collection, doc)
            .object_id(field::USER_ID)
            .map_err(|e| e.with_operation(op))?;
        self.find_user(user_id, op).await
    }

    /// `delete_user` in one transaction, retried on transient errors.
    async fn delete_user_in_transaction(&self, id: ObjectId) -> AdapterResult<Option<User>> {
        const OP: &str = "delete_user";
        let mut session = self.inner.client.start_session().await.op(OP)?;
        let mut attempt = 1;
        loop {
            session.start_transaction().await.op(OP)?;
            let result = match self.delete_user_steps(&mut session, id).await {
                Ok(Some(doc)) => commit(&mut session).await.map(|()| Some(doc)),
                Ok(None) => Ok(None),
                Err(e) => Err(e),
            };
            match result {
                Ok(found) => {
                    if found.is_none() {
                        // Nothing was written; ending the transaction only
                        // frees it on the server.
                        let _ = session.abort_transaction().await;
                    }
                    return found
                        .map(|d| self.user_from(&d))
                        .transpose()
                        .map_err(|e| e.with_operation(OP));
                }
                Err(e) => {
                    let _ = session.abort_transaction().await;
                    if e.contains_label(TRANSIENT_TRANSACTION_ERROR)
                        && attempt < TRANSACTION_ATTEMPTS
                    {
                        attempt += 1;
                        continue;
                    }
                    return Err(db_error(OP, e));
                }
            }
        }
    }

    /// The writes of `delete_user` inside `session`'s transaction; the
    /// user's document, or `None` (and nothing deleted) if there is none.
    async fn delete_user_steps(
        &self,
        session: &mut ClientSession,
        id: ObjectId,
    ) -> mongodb::error::Result<Option<Document>> {
        let i = &self.inner;
        let Some(user) = i
            .users
            .find_one(doc! { field::ID: id })
            .session(&mut *session)
            .await?
        else {
            return Ok(None);
        };
        let owned = doc! { field::USER_ID: id };
        i.sessions
            .delete_many(owned.clone())
            .session(&mut *session)
            .await?;
        i.accounts.delete_many(owned).session(&mut *session).await?;
        i.users
            .delete_one(doc! { field::ID: id })
            .session(&mut *session)
            .await?;
        Ok(Some(user))
    }

    /// `delete_user` without a transaction: sessions first, then accounts,
    /// then the user, so a failure half-way leaves a user with fewer
    /// sessions, never a session without its user. Sessions created while
    /// this runs are swept once more after the user is gone.
    async fn delete_user_in_order(&self, id: ObjectId) -> AdapterResult<Option<User>> {
        const OP: &str = "delete_user";
        let i = &self.inner;
        if self.find_user(id, OP).await?.is_none() {
            return Ok(None);
        }
        let owned = doc! { field::USER_ID: id };
        i.sessions.delete_many(owned.clone()).await.op(OP)?;
        i.accounts.delete_many(owned.clone()).await.op(OP)?;
        let deleted = i
            .users
            .find_one_and_delete(doc! { field::ID: id })
            .await
            .op(OP)?;
        i.sessions.delete_many(owned.clone()).await.op(OP)?;
        i.accounts.delete_many(owned).await.op(OP)?;
        deleted
            .map(|d| self.user_from(&d))
            .transpose()
            .map_err(|e| e.with_operation(OP))
    }
}

/// Commits `session`'s transaction, trying again while the server cannot
/// say whether the commit happened.
async fn commit(session: &mut ClientSession) -> mongodb::error::Result<()> {
    let mut attempt = 1;
    loop {
        match session.commit_transaction().await {
            Err(e)
                if e.contains_label(UNKNOWN_TRANSACTION_COMMIT_RESULT)
                    && attempt < TRANSACTION_ATTEMPTS =>
            {
                attempt += 1;
            }
            other => return other,
        }
    }
}

#[async_trait]
impl Adapter for MongoAdapter {
    async fn create_user(&self, user: User) -> AdapterResult<User> {
        // Auth.js keeps an id that is an ObjectId's hex string and makes a
        // new ObjectId otherwise (the engine's ids are UUIDs).
        let id = match docs::object_id(&user.id) {
            Some(id) => id,
            None => ObjectId::new(),
        };
        self.inner
            .users
            .insert_one(docs::user_document(id, &user))
            .await
            .op("create_user")?;
        Ok(User {
            id: id.to_hex(),
            ..user
        })
    }

    async fn get_user(&self, id: &str) -> AdapterResult<Option<User>> {
        match docs::object_id(id) {
            Some(id) => self.find_user(id, "get_user").await,
            None => Ok(None),
        }
    }

    async fn get_user_by_email(&self, email: &str) -> AdapterResult<Option<User>> {
        const OP: &str = "get_user_by_email";
        let found = self
            .inner
            .users
            .find_one(doc! { field::EMAIL: email })
            .await
            .op(OP)?;
        found
            .map(|d| self.user_from(&d))
            .transpose()
            .map_err(|e| e.with_operation(OP))
    }

    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<User>> {
        const OP: &str = "get_user_by_account";
        let filter = doc! {
            field::PROVIDER: provider,
            field::PROVIDER_ACCOUNT_ID: provider_account_id,
        };
        match self.inner.accounts.find_one(filter).await.op(OP)? {
            Some(account) => self.owner(&self.inner.names.accounts, &account, OP).await,
            None => Ok(None),
        }
    }

    async fn update_user(&self, update: UserUpdate) -> AdapterResult<User> {
        const OP: &str = "update_user";
        let not_found = || AdapterError::not_found("no user with this id").with_operation(OP);
        let id = docs::object_id(&update.id).ok_or_else(not_found)?;
        let mut set = Document::new();
        if let Some(name) = &update.name {
            set.insert(field::NAME, docs::opt_string(name));
        }
        if let Some(email) = &update.email {
            set.insert(field::EMAIL, docs::opt_string(email));
        }
        if let Some(verified) = update.email_verified {
            set.insert(field::EMAIL_VERIFIED, docs::opt_date(verified));
        }
        if let Some(image) = &update.image {
            set.insert(field::IMAGE, docs::opt_string(image));
        }
        if set.is_empty() {
            return self.find_user(id, OP).await?.ok_or_else(not_found);
        }
        let updated = self
            .inner
            .users
            .find_one_and_update(doc! { field::ID: id }, doc! { "$set": set })
            .return_document(ReturnDocument::After)
            .await
            .op(OP)?
            .ok_or_else(not_found)?;
        self.user_from(&updated).map_err(|e| e.with_operation(OP))
    }

    async fn delete_user(&self, id: &str) -> AdapterResult<Option<User>> {
        let Some(id) = docs::object_id(id) else {
            return Ok(None);
        };
        if self.inner.transactions {
            self.delete_user_in_transaction(id).await
        } else {
            self.delete_user_in_order(id).await
        }
    }

    async fn link_account(&self, account: Account) -> AdapterResult<Account> {
        const OP: &str = "link_account";
        let user_id = docs::user_object_id(&account.user_id).map_err(|e| e.with_operation(OP))?;
        self.inner
            .accounts
            .insert_one(docs::account_document(user_id, &account))
            .await
            .op(OP)?;
        Ok(account)
    }

    async fn unlink_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<Account>> {
        const OP: &str = "unlink_account";
        let filter = doc! {
            field::PROVIDER: provider,
            field::PROVIDER_ACCOUNT_ID: provider_account_id,
        };
        let removed = self
            .inner
            .accounts
            .find_one_and_delete(filter)
            .await
            .op(OP)?;
        removed
            .map(|d| self.account_from(&d))
            .transpose()
            .map_err(|e| e.with_operation(OP))
    }

    async fn get_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<Account>> {
        const OP: &str = "get_account";
        let filter = doc! {
            field::PROVIDER: provider,
            field::PROVIDER_ACCOUNT_ID: provider_account_id,
        };
        let found = self.inner.accounts.find_one(filter).await.op(OP)?;
        found
            .map(|d| self.account_from(&d))
            .transpose()
            .map_err(|e| e.with_operation(OP))
    }

    async fn get_accounts_of_user(&self, user_id: &str) -> AdapterResult<Option<Vec<Account>>> {
        const OP: &str = "get_accounts_of_user";
        // Accounts are only ever stored with an ObjectId `userId`: an id that
        // is not one owns none.
        let Some(user_id) = docs::object_id(user_id) else {
            return Ok(Some(Vec::new()));
        };
        let found: Vec<Document> = self
            .inner
            .accounts
            .find(doc! { field::USER_ID: user_id })
            .sort(doc! { field::PROVIDER: 1, field::PROVIDER_ACCOUNT_ID: 1 })
            .await
            .op(OP)?
            .try_collect()
            .await
            .op(OP)?;
        found
            .iter()
            .map(|d| self.account_from(d))
            .collect::<AdapterResult<Vec<_>>>()
            .map(Some)
            .map_err(|e| e.with_operation(OP))
    }

    async fn update_account(&self, account: Account) -> AdapterResult<Option<Account>> {
        const OP: &str = "update_account";
        let (set, unset) = docs::account_tokens(&account);
        let mut update = Document::new();
        if !set.is_empty() {
            update.insert("$set", set);
        }
        if !unset.is_empty() {
            let unset: Document = unset
                .into_iter()
                .map(|f| (f.to_owned(), Bson::from("")))
                .collect();
            update.insert("$unset", unset);
        }
        let filter = doc! {
            field::PROVIDER: &account.provider,
            field::PROVIDER_ACCOUNT_ID: &account.provider_account_id,
        };
        let updated = self
            .inner
            .accounts
            .find_one_and_update(filter, update)
            .return_document(ReturnDocument::After)
            .await
            .op(OP)?;
        updated
            .map(|d| self.account_from(&d))
            .transpose()
            .map_err(|e| e.with_operation(OP))
    }

    async fn create_session(&self, session: Session) -> AdapterResult<Session> {
        const OP: &str = "create_session";
        let user_id = docs::user_object_id(&session.user_id).map_err(|e| e.with_operation(OP))?;
        self.inner
            .sessions
            .insert_one(docs::session_document(user_id, &session))
            .await
            .op(OP)?;
        Ok(session)
    }

    async fn get_session_and_user(
        &self,
        session_token: &SessionToken,
    ) -> AdapterResult<Option<(Session, User)>> {
        const OP: &str = "get_session_and_user";
        let filter = doc! { field::SESSION_TOKEN: session_token.as_str() };
        let Some(doc) = self.inner.sessions.find_one(filter).await.op(OP)? else {
            return Ok(None);
        };
        let session = self.session_from(&doc).map_err(|e| e.with_operation(OP))?;
        let user = self.owner(&self.inner.names.sessions, &doc, OP).await?;
        Ok(user.map(|user| (session, user)))
    }

    async fn update_session(&self, update: SessionUpdate) -> AdapterResult<Option<Session>> {
        const OP: &str = "update_session";
        let filter = doc! { field::SESSION_TOKEN: update.session_token.as_str() };
        let mut set = Document::new();
        if let Some(expires) = update.expires {
            set.insert(field::EXPIRES, docs::date(expires));
        }
        if let Some(user_id) = &update.user_id {
            let user_id = docs::user_object_id(user_id).map_err(|e| e.with_operation(OP))?;
            set.insert(field::USER_ID, user_id);
        }
        let sessions = &self.inner.sessions;
        let found = if set.is_empty() {
            sessions.find_one(filter).await.op(OP)?
        } else {
            sessions
                .find_one_and_update(filter, doc! { "$set": set })
                .return_document(ReturnDocument::After)
                .await
                .op(OP)?
        };
        found
            .map(|d| self.session_from(&d))
            .transpose()
            .map_err(|e| e.with_operation(OP))
    }

    async fn delete_session(&self, session_token: &SessionToken) -> AdapterResult<Option<Session>> {
        const OP: &str = "delete_session";
        let filter = doc! { field::SESSION_TOKEN: session_token.as_str() };
        let removed = self
            .inner
            .sessions
            .find_one_and_delete(filter)
            .await
            .op(OP)?;
        removed
            .map(|d| self.session_from(&d))
            .transpose()
            .map_err(|e| e.with_operation(OP))
    }

    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> AdapterResult<VerificationToken> {
        self.inner
            .tokens
            .insert_one(docs::token_document(&token))
            .await
            .op("create_verification_token")?;
        Ok(token)
    }

    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> AdapterResult<Option<VerificationToken>> {
        const OP: &str = "use_verification_token";
        // One findAndModify removes the document it returns: the server
        // hands it to exactly one of any number of concurrent callers.
        let filter = doc! { field::IDENTIFIER: identifier, field::TOKEN: token };
        let removed = self.inner.tokens.find_one_and_delete(filter).await.op(OP)?;
        removed
            .map(|d| self.token_from(&d))
            .transpose()
            .map_err(|e| e.with_operation(OP))
    }

    async fn hit(
        &self,
        key: &str,
        now: chrono::DateTime<chrono::Utc>,
        window: std::time::Duration,
    ) -> AdapterResult<u64> {
        self.hit_counter(key, now, window).await
    }

    async fn delete_expired(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> AdapterResult<keyway_core::Pruned> {
        self.delete_expired_docs(now).await
    }
}
