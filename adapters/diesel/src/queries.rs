//! Every adapter operation, written once and compiled for each backend's
//! connection type (the [`queries!`] macro): the statements come from
//! [`Sql`](crate::sql::Sql), timestamps take the backend's stored form
//! ([`DbTime`](crate::time::DbTime)).

/// Starts a transaction (the database's default kind).
#[cfg(any(feature = "postgres", feature = "mysql"))]
async fn begin<C>(conn: &mut C) -> diesel::QueryResult<()>
where
    C: diesel_async::AsyncConnection,
{
    use diesel_async::TransactionManager;
    C::TransactionManager::begin_transaction(conn).await
}

/// Starts a SQLite transaction that takes the write lock at once
/// (`BEGIN IMMEDIATE`, waiting out the busy timeout), so a read followed by
/// a write cannot fail on a snapshot another writer made stale. The inner
/// connection's transaction manager records it, so commit and rollback go
/// through the wrapper as usual.
#[cfg(feature = "sqlite")]
async fn sqlite_begin_immediate(conn: &mut crate::connect::SqliteConn) -> diesel::QueryResult<()> {
    conn.spawn_blocking(|c| {
        diesel::connection::AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
    })
    .await
}

/// Expands to a module of the operations for one backend.
macro_rules! queries {
    ($feature:literal, $module:ident, $conn:ty, $ts_sql:ty, $ts:ty, $begin_write:path) => {
        #[cfg(feature = $feature)]
        pub(crate) mod $module {
            use chrono::{DateTime, Utc};
            use diesel::sql_types::{BigInt, Nullable, Text};
            use diesel::{OptionalExtension, QueryableByName};
            use diesel_async::{AsyncConnection, RunQueryDsl, TransactionManager};
            use keyway_core::{
                Account, AccountType, AdapterError, AdapterResult, Session, SessionToken,
                SessionUpdate, User, UserUpdate, VerificationToken, random,
            };

            #[allow(unused_imports)]
            use super::*;
            use crate::connect::Server;
            use crate::error::{ResultExt, bad_row};
            use crate::sql::{Sql, Take};
            use crate::time::DbTime;

            pub(crate) type Conn = $conn;
            type Ts = $ts;
            type Db = <Conn as diesel_async::AsyncConnectionCore>::Backend;
            type Tm = <Conn as AsyncConnection>::TransactionManager;

            fn time(t: Ts, op: &'static str) -> AdapterResult<DateTime<Utc>> {
                t.into_utc().map_err(|e| bad_row(op, e))
            }

            #[derive(QueryableByName)]
            pub(crate) struct UserRow {
                #[diesel(sql_type = Text)]
                id: String,
                #[diesel(sql_type = Nullable<Text>)]
                name: Option<String>,
                #[diesel(sql_type = Nullable<Text>)]
                email: Option<String>,
                #[diesel(sql_type = Nullable<$ts_sql>)]
                email_verified: Option<Ts>,
                #[diesel(sql_type = Nullable<Text>)]
                image: Option<String>,
            }

            impl UserRow {
                fn into_user(self, op: &'static str) -> AdapterResult<User> {
                    let mut user = User::new(self.id, String::new());
                    user.email = self.email;
                    user.name = self.name;
                    user.image = self.image;
                    user.email_verified = self.email_verified.map(|t| time(t, op)).transpose()?;
                    Ok(user)
                }
            }

            #[derive(QueryableByName)]
            pub(crate) struct AccountRow {
                #[diesel(sql_type = Text)]
                user_id: String,
                #[diesel(sql_type = Text)]
                kind: String,
                #[diesel(sql_type = Text)]
                provider: String,
                #[diesel(sql_type = Text)]
                provider_account_id: String,
                #[diesel(sql_type = Nullable<Text>)]
                access_token: Option<String>,
                #[diesel(sql_type = Nullable<Text>)]
                refresh_token: Option<String>,
                #[diesel(sql_type = Nullable<BigInt>)]
                expires_at: Option<i64>,
                #[diesel(sql_type = Nullable<Text>)]
                token_type: Option<String>,
                #[diesel(sql_type = Nullable<Text>)]
                scope: Option<String>,
                #[diesel(sql_type = Nullable<Text>)]
                id_token: Option<String>,
                #[diesel(sql_type = Nullable<Text>)]
                session_state: Option<String>,
            }

            impl AccountRow {
                fn into_account(self, op: &'static str) -> AdapterResult<Account> {
                    let kind = AccountType::parse(&self.kind).ok_or_else(|| {
                        bad_row(op, format!("unknown account type `{}`", self.kind))
                    })?;
                    let mut a =
                        Account::new(self.user_id, kind, self.provider, self.provider_account_id);
                    a.access_token = self.access_token;
                    a.refresh_token = self.refresh_token;
                    a.expires_at = self.expires_at;
                    a.token_type = self.token_type;
                    a.scope = self.scope;
                    a.id_token = self.id_token;
                    a.session_state = self.session_state;
                    Ok(a)
                }
            }

            #[derive(QueryableByName)]
            pub(crate) struct SessionRow {
                #[diesel(sql_type = Text)]
                session_token: String,
                #[diesel(sql_type = Text)]
                user_id: String,
                #[diesel(sql_type = $ts_sql)]
                expires: Ts,
            }

            impl SessionRow {
                fn into_session(self, op: &'static str) -> AdapterResult<Session> {
                    Ok(Session {
                        session_token: SessionToken::new(self.session_token),
                        user_id: self.user_id,
                        expires: time(self.expires, op)?,
                    })
                }
            }

            #[derive(QueryableByName)]
            pub(crate) struct SessionUserRow {
                #[diesel(embed)]
                session: SessionRow,
                #[diesel(embed)]
                user: UserRow,
            }

            #[derive(QueryableByName)]
            pub(crate) struct TokenRow {
                #[diesel(sql_type = Text)]
                identifier: String,
                #[diesel(sql_type = Text)]
                token: String,
                #[diesel(sql_type = $ts_sql)]
                expires: Ts,
            }

            /// Commits when `r` is `Ok`, rolls back otherwise.
            async fn finish<T>(
                conn: &mut Conn,
                r: AdapterResult<T>,
                op: &'static str,
            ) -> AdapterResult<T> {
                match r {
                    Ok(v) => {
                        Tm::commit_transaction(conn).await.op(op)?;
                        Ok(v)
                    }
                    Err(e) => {
                        // A failed rollback leaves the transaction manager
                        // broken, and the pool drops the connection.
                        let _ = Tm::rollback_transaction(conn).await;
                        Err(e)
                    }
                }
            }

            async fn user_where(
                conn: &mut Conn,
                sql: &str,
                value: &str,
                op: &'static str,
            ) -> AdapterResult<Option<User>> {
                let row: Option<UserRow> = diesel::sql_query(sql)
                    .bind::<Text, _>(value)
                    .get_result(conn)
                    .await
                    .optional()
                    .op(op)?;
                row.map(|r| r.into_user(op)).transpose()
            }

            pub(crate) async fn create_user(
                conn: &mut Conn,
                sql: &Sql,
                user: User,
            ) -> AdapterResult<User> {
                const OP: &str = "create_user";
                diesel::sql_query(&sql.insert_user)
                    .bind::<Text, _>(&user.id)
                    .bind::<Nullable<Text>, _>(&user.name)
                    .bind::<Nullable<Text>, _>(&user.email)
                    .bind::<Nullable<$ts_sql>, _>(user.email_verified.map(Ts::to_db))
                    .bind::<Nullable<Text>, _>(&user.image)
                    .execute(conn)
                    .await
                    .op(OP)?;
                Ok(user)
            }

            pub(crate) async fn get_user(
                conn: &mut Conn,
                sql: &Sql,
                id: &str,
            ) -> AdapterResult<Option<User>> {
                user_where(conn, &sql.user_by_id, id, "get_user").await
            }

            pub(crate) async fn get_user_by_email(
                conn: &mut Conn,
                sql: &Sql,
                email: &str,
            ) -> AdapterResult<Option<User>> {
                user_where(conn, &sql.user_by_email, email, "get_user_by_email").await
            }

            pub(crate) async fn get_user_by_account(
                conn: &mut Conn,
                sql: &Sql,
                provider: &str,
                provider_account_id: &str,
            ) -> AdapterResult<Option<User>> {
                const OP: &str = "get_user_by_account";
                let row: Option<UserRow> = diesel::sql_query(&sql.user_by_account)
                    .bind::<Text, _>(provider)
                    .bind::<Text, _>(provider_account_id)
                    .get_result(conn)
                    .await
                    .optional()
                    .op(OP)?;
                row.map(|r| r.into_user(OP)).transpose()
            }

            pub(crate) async fn update_user(
                conn: &mut Conn,
                sql: &Sql,
                update: UserUpdate,
            ) -> AdapterResult<User> {
                const OP: &str = "update_user";
                let mut columns = Vec::new();
                let mut q = diesel::sql_query("").into_boxed::<Db>();
                if let Some(name) = update.name {
                    columns.push("name");
                    q = q.bind::<Nullable<Text>, _>(name);
                }
                if let Some(email) = update.email {
                    columns.push("email");
                    q = q.bind::<Nullable<Text>, _>(email);
                }
                if let Some(verified) = update.email_verified {
                    columns.push("email_verified");
                    q = q.bind::<Nullable<$ts_sql>, _>(verified.map(Ts::to_db));
                }
                if let Some(image) = update.image {
                    columns.push("image");
                    q = q.bind::<Nullable<Text>, _>(image);
                }
                let user = if columns.is_empty() {
                    user_where(conn, &sql.user_by_id, &update.id, OP).await?
                } else {
                    let q = q
                        .sql(sql.update_user(&columns))
                        .bind::<Text, _>(update.id.clone());
                    // The write first: on SQLite it takes the write lock at
                    // once (waiting out the busy timeout), so the read after
                    // it cannot fail on a stale snapshot.
                    Tm::begin_transaction(conn).await.op(OP)?;
                    let r = async {
                        q.execute(&mut *conn).await.op(OP)?;
                        user_where(conn, &sql.user_by_id, &update.id, OP).await
                    }
                    .await;
                    finish(conn, r, OP).await?
                };
                user.ok_or_else(|| {
                    AdapterError::not_found(format!("no user with id `{}`", update.id))
                        .with_operation(OP)
                })
            }

            pub(crate) async fn delete_user(
                conn: &mut Conn,
                sql: &Sql,
                id: &str,
            ) -> AdapterResult<Option<User>> {
                const OP: &str = "delete_user";
                // The foreign keys cascade, but sessions and accounts go
                // explicitly too, first (writes first, as in update_user),
                // so that a schema made without cascades still works.
                Tm::begin_transaction(conn).await.op(OP)?;
                let r = async {
                    for stmt in [&sql.delete_sessions_of_user, &sql.delete_accounts_of_user] {
                        diesel::sql_query(stmt)
                            .bind::<Text, _>(id)
                            .execute(&mut *conn)
                            .await
                            .op(OP)?;
                    }
                    let user = user_where(conn, &sql.user_by_id, id, OP).await?;
                    if user.is_some() {
                        diesel::sql_query(&sql.delete_user)
                            .bind::<Text, _>(id)
                            .execute(&mut *conn)
                            .await
                            .op(OP)?;
                    }
                    Ok(user)
                }
                .await;
                finish(conn, r, OP).await
            }

            pub(crate) async fn link_account(
                conn: &mut Conn,
                sql: &Sql,
                a: Account,
            ) -> AdapterResult<Account> {
                diesel::sql_query(&sql.insert_account)
                    .bind::<Text, _>(random::uuid())
                    .bind::<Text, _>(&a.user_id)
                    .bind::<Text, _>(a.kind.as_str())
                    .bind::<Text, _>(&a.provider)
                    .bind::<Text, _>(&a.provider_account_id)
                    .bind::<Nullable<Text>, _>(&a.access_token)
                    .bind::<Nullable<Text>, _>(&a.refresh_token)
                    .bind::<Nullable<BigInt>, _>(a.expires_at)
                    .bind::<Nullable<Text>, _>(&a.token_type)
                    .bind::<Nullable<Text>, _>(&a.scope)
                    .bind::<Nullable<Text>, _>(&a.id_token)
                    .bind::<Nullable<Text>, _>(&a.session_state)
                    .execute(conn)
                    .await
                    .op("link_account")?;
                Ok(a)
            }

            async fn account_where(
                conn: &mut Conn,
                sql: &Sql,
                provider: &str,
                provider_account_id: &str,
                op: &'static str,
            ) -> AdapterResult<Option<Account>> {
                let row: Option<AccountRow> = diesel::sql_query(&sql.account_by_key)
                    .bind::<Text, _>(provider)
                    .bind::<Text, _>(provider_account_id)
                    .get_result(conn)
                    .await
                    .optional()
                    .op(op)?;
                row.map(|r| r.into_account(op)).transpose()
            }

            pub(crate) async fn get_account(
                conn: &mut Conn,
                sql: &Sql,
                provider: &str,
                provider_account_id: &str,
            ) -> AdapterResult<Option<Account>> {
                account_where(conn, sql, provider, provider_account_id, "get_account").await
            }

            pub(crate) async fn get_accounts_of_user(
                conn: &mut Conn,
                sql: &Sql,
                user_id: &str,
            ) -> AdapterResult<Vec<Account>> {
                const OP: &str = "get_accounts_of_user";
                let rows: Vec<AccountRow> = diesel::sql_query(&sql.accounts_of_user)
                    .bind::<Text, _>(user_id)
                    .load(conn)
                    .await
                    .op(OP)?;
                rows.into_iter().map(|r| r.into_account(OP)).collect()
            }

            pub(crate) async fn update_account(
                conn: &mut Conn,
                sql: &Sql,
                a: Account,
            ) -> AdapterResult<Option<Account>> {
                const OP: &str = "update_account";
                Tm::begin_transaction(conn).await.op(OP)?;
                let r = async {
                    diesel::sql_query(&sql.update_account)
                        .bind::<Nullable<Text>, _>(&a.access_token)
                        .bind::<Nullable<Text>, _>(&a.refresh_token)
                        .bind::<Nullable<BigInt>, _>(a.expires_at)
                        .bind::<Nullable<Text>, _>(&a.token_type)
                        .bind::<Nullable<Text>, _>(&a.scope)
                        .bind::<Nullable<Text>, _>(&a.id_token)
                        .bind::<Nullable<Text>, _>(&a.session_state)
                        .bind::<Text, _>(&a.provider)
                        .bind::<Text, _>(&a.provider_account_id)
                        .execute(&mut *conn)
                        .await
                        .op(OP)?;
                    account_where(conn, sql, &a.provider, &a.provider_account_id, OP).await
                }
                .await;
                finish(conn, r, OP).await
            }

            /// Deletes the row `take` keys with `key` and returns it, to
            /// exactly one of any number of concurrent callers.
            async fn take<R>(
                conn: &mut Conn,
                server: &Server,
                take: &Take,
                key: &[&str],
                op: &'static str,
            ) -> AdapterResult<Option<R>>
            where
                R: diesel::QueryableByName<Db> + Send + 'static,
            {
                let bind = |sql: &str| {
                    key.iter()
                        .fold(diesel::sql_query(sql).into_boxed::<Db>(), |q, k| {
                            q.bind::<Text, _>((*k).to_owned())
                        })
                };
                if server.delete_returning {
                    // One statement: the database decides who gets the row.
                    return bind(&take.delete_returning)
                        .get_result::<R>(conn)
                        .await
                        .optional()
                        .op(op);
                }
                // MySQL: lock the row, read it, delete it; only the caller
                // whose DELETE removed the row returns it.
                $begin_write(conn).await.op(op)?;
                let r = async {
                    let row = bind(&take.select_for_update)
                        .get_result::<R>(&mut *conn)
                        .await
                        .optional()
                        .op(op)?;
                    if row.is_none() {
                        return Ok(None);
                    }
                    let deleted = bind(&take.delete).execute(&mut *conn).await.op(op)?;
                    Ok(row.filter(|_| deleted > 0))
                }
                .await;
                finish(conn, r, op).await
            }

            pub(crate) async fn unlink_account(
                conn: &mut Conn,
                sql: &Sql,
                server: &Server,
                provider: &str,
                provider_account_id: &str,
            ) -> AdapterResult<Option<Account>> {
                const OP: &str = "unlink_account";
                let row: Option<AccountRow> = take(
                    conn,
                    server,
                    &sql.take_account,
                    &[provider, provider_account_id],
                    OP,
                )
                .await?;
                row.map(|r| r.into_account(OP)).transpose()
            }

            pub(crate) async fn create_session(
                conn: &mut Conn,
                sql: &Sql,
                s: Session,
            ) -> AdapterResult<Session> {
                diesel::sql_query(&sql.insert_session)
                    .bind::<Text, _>(random::uuid())
                    .bind::<Text, _>(s.session_token.as_str())
                    .bind::<Text, _>(&s.user_id)
                    .bind::<$ts_sql, _>(Ts::to_db(s.expires))
                    .execute(conn)
                    .await
                    .op("create_session")?;
                Ok(s)
            }

            pub(crate) async fn get_session_and_user(
                conn: &mut Conn,
                sql: &Sql,
                token: &SessionToken,
            ) -> AdapterResult<Option<(Session, User)>> {
                const OP: &str = "get_session_and_user";
                let row: Option<SessionUserRow> = diesel::sql_query(&sql.session_and_user)
                    .bind::<Text, _>(token.as_str())
                    .get_result(conn)
                    .await
                    .optional()
                    .op(OP)?;
                match row {
                    Some(r) => Ok(Some((r.session.into_session(OP)?, r.user.into_user(OP)?))),
                    None => Ok(None),
                }
            }

            #[cfg(feature = "testkit")]
            pub(crate) async fn session_by_token(
                conn: &mut Conn,
                sql: &Sql,
                token: &str,
            ) -> AdapterResult<Option<Session>> {
                session_where(conn, sql, token, "inspector").await
            }

            /// The verification token row, without deleting it.
            #[cfg(feature = "testkit")]
            pub(crate) async fn token_by_key(
                conn: &mut Conn,
                sql: &Sql,
                identifier: &str,
                token: &str,
            ) -> AdapterResult<Option<VerificationToken>> {
                const OP: &str = "inspector";
                let row: Option<TokenRow> = diesel::sql_query(&sql.token_by_key)
                    .bind::<Text, _>(identifier)
                    .bind::<Text, _>(token)
                    .get_result(conn)
                    .await
                    .optional()
                    .op(OP)?;
                match row {
                    Some(r) => Ok(Some(VerificationToken {
                        identifier: r.identifier,
                        token: r.token,
                        expires: time(r.expires, OP)?,
                    })),
                    None => Ok(None),
                }
            }

            async fn session_where(
                conn: &mut Conn,
                sql: &Sql,
                token: &str,
                op: &'static str,
            ) -> AdapterResult<Option<Session>> {
                let row: Option<SessionRow> = diesel::sql_query(&sql.session_by_token)
                    .bind::<Text, _>(token)
                    .get_result(conn)
                    .await
                    .optional()
                    .op(op)?;
                row.map(|r| r.into_session(op)).transpose()
            }

            pub(crate) async fn update_session(
                conn: &mut Conn,
                sql: &Sql,
                server: &Server,
                update: SessionUpdate,
            ) -> AdapterResult<Option<Session>> {
                const OP: &str = "update_session";
                let token = update.session_token.as_str().to_owned();
                let mut columns = Vec::new();
                let mut q = diesel::sql_query("").into_boxed::<Db>();
                if let Some(expires) = update.expires {
                    columns.push("expires");
                    q = q.bind::<$ts_sql, _>(Ts::to_db(expires));
                }
                if let Some(user_id) = update.user_id {
                    columns.push("user_id");
                    q = q.bind::<Text, _>(user_id);
                }
                if columns.is_empty() {
                    return session_where(conn, sql, &token, OP).await;
                }
                let returning = server.update_returning;
                let q = q
                    .sql(sql.update_session(&columns, returning))
                    .bind::<Text, _>(token.clone());
                if returning {
                    // One statement, atomic by itself.
                    let row: Option<SessionRow> = q.get_result(conn).await.optional().op(OP)?;
                    return row.map(|r| r.into_session(OP)).transpose();
                }
                Tm::begin_transaction(conn).await.op(OP)?;
                let r = async {
                    q.execute(&mut *conn).await.op(OP)?;
                    session_where(conn, sql, &token, OP).await
                }
                .await;
                finish(conn, r, OP).await
            }

            pub(crate) async fn delete_session(
                conn: &mut Conn,
                sql: &Sql,
                server: &Server,
                token: &SessionToken,
            ) -> AdapterResult<Option<Session>> {
                const OP: &str = "delete_session";
                let row: Option<SessionRow> =
                    take(conn, server, &sql.take_session, &[token.as_str()], OP).await?;
                row.map(|r| r.into_session(OP)).transpose()
            }

            pub(crate) async fn create_verification_token(
                conn: &mut Conn,
                sql: &Sql,
                t: VerificationToken,
            ) -> AdapterResult<VerificationToken> {
                diesel::sql_query(&sql.insert_token)
                    .bind::<Text, _>(&t.identifier)
                    .bind::<Text, _>(&t.token)
                    .bind::<$ts_sql, _>(Ts::to_db(t.expires))
                    .execute(conn)
                    .await
                    .op("create_verification_token")?;
                Ok(t)
            }

            pub(crate) async fn use_verification_token(
                conn: &mut Conn,
                sql: &Sql,
                server: &Server,
                identifier: &str,
                token: &str,
            ) -> AdapterResult<Option<VerificationToken>> {
                const OP: &str = "use_verification_token";
                let row: Option<TokenRow> =
                    take(conn, server, &sql.take_token, &[identifier, token], OP).await?;
                match row {
                    Some(r) => Ok(Some(VerificationToken {
                        identifier: r.identifier,
                        token: r.token,
                        expires: time(r.expires, OP)?,
                    })),
                    None => Ok(None),
                }
            }

            #[derive(QueryableByName)]
            struct Hits {
                #[diesel(sql_type = BigInt)]
                hits: i64,
            }

            fn count(row: Option<Hits>) -> AdapterResult<u64> {
                let row = row.ok_or_else(|| {
                    AdapterError::other("the counter upsert answered no row").with_operation("hit")
                })?;
                u64::try_from(row.hits)
                    .map_err(|_| bad_row("hit", "a negative hit count".to_owned()))
            }

            /// One hit on `key`'s counter: one upsert answering the count
            /// (PostgreSQL, SQLite), or the upsert then the count read under
            /// the row lock the upsert took, in one transaction (MySQL,
            /// MariaDB).
            pub(crate) async fn hit(
                conn: &mut Conn,
                sql: &Sql,
                server: &Server,
                key: &str,
                now_ms: i64,
                ends_ms: i64,
            ) -> AdapterResult<u64> {
                const OP: &str = "hit";
                let mysql = matches!(
                    server.backend,
                    crate::Backend::MySql | crate::Backend::MariaDb
                );
                if !mysql && server.delete_returning {
                    let row: Option<Hits> = diesel::sql_query(&sql.hit_returning)
                        .bind::<Text, _>(key)
                        .bind::<BigInt, _>(ends_ms)
                        .bind::<BigInt, _>(now_ms)
                        .get_result(conn)
                        .await
                        .optional()
                        .op(OP)?;
                    return count(row);
                }
                $begin_write(conn).await.op(OP)?;
                let r = async {
                    let upsert = diesel::sql_query(&sql.hit)
                        .bind::<Text, _>(key)
                        .bind::<BigInt, _>(ends_ms)
                        .bind::<BigInt, _>(now_ms);
                    if mysql {
                        upsert
                            .bind::<BigInt, _>(now_ms)
                            .bind::<BigInt, _>(ends_ms)
                            .execute(&mut *conn)
                            .await
                            .op(OP)?;
                    } else {
                        upsert.execute(&mut *conn).await.op(OP)?;
                    }
                    let row: Option<Hits> = diesel::sql_query(&sql.hits_of)
                        .bind::<Text, _>(key)
                        .get_result(&mut *conn)
                        .await
                        .optional()
                        .op(OP)?;
                    count(row)
                }
                .await;
                finish(conn, r, OP).await
            }

            /// Deletes the counters whose window ended at or before `now_ms`.
            pub(crate) async fn sweep_counters(
                conn: &mut Conn,
                sql: &Sql,
                now_ms: i64,
            ) -> AdapterResult<usize> {
                diesel::sql_query(&sql.sweep_counters)
                    .bind::<BigInt, _>(now_ms)
                    .execute(conn)
                    .await
                    .op("hit")
            }

            /// Deletes expired sessions and verification tokens (`expires <
            /// now`) and ended counters (`window end <= now`), one statement
            /// each, and counts them.
            pub(crate) async fn delete_expired(
                conn: &mut Conn,
                sql: &Sql,
                now: DateTime<Utc>,
            ) -> AdapterResult<keyway_core::Pruned> {
                const OP: &str = "delete_expired";
                let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
                let sessions = diesel::sql_query(&sql.delete_expired_sessions)
                    .bind::<$ts_sql, _>(Ts::to_db(now))
                    .execute(&mut *conn)
                    .await
                    .op(OP)?;
                let tokens = diesel::sql_query(&sql.delete_expired_tokens)
                    .bind::<$ts_sql, _>(Ts::to_db(now))
                    .execute(&mut *conn)
                    .await
                    .op(OP)?;
                let counters = diesel::sql_query(&sql.sweep_counters)
                    .bind::<BigInt, _>(now.timestamp_millis())
                    .execute(&mut *conn)
                    .await
                    .op(OP)?;
                Ok(keyway_core::Pruned {
                    sessions: count(sessions),
                    verification_tokens: count(tokens),
                    counters: count(counters),
                })
            }

            /// Runs `statements` in order; in one transaction unless
            /// `transactional` is off (MySQL commits each DDL statement by
            /// itself).
            pub(crate) async fn run_script(
                conn: &mut Conn,
                statements: &[String],
                transactional: bool,
                op: &'static str,
            ) -> AdapterResult<()> {
                if !transactional {
                    for s in statements {
                        diesel::sql_query(s).execute(&mut *conn).await.op(op)?;
                    }
                    return Ok(());
                }
                $begin_write(conn).await.op(op)?;
                let r = async {
                    for s in statements {
                        diesel::sql_query(s).execute(&mut *conn).await.op(op)?;
                    }
                    Ok(())
                }
                .await;
                finish(conn, r, op).await
            }

            #[derive(QueryableByName)]
            struct Version {
                #[diesel(sql_type = BigInt)]
                version: i64,
            }

            /// The schema versions recorded in the migrations table.
            pub(crate) async fn applied(conn: &mut Conn, sql: &str) -> AdapterResult<Vec<i64>> {
                let rows: Vec<Version> = diesel::sql_query(sql).load(conn).await.op("migrate")?;
                Ok(rows.into_iter().map(|r| r.version).collect())
            }

            /// Records a schema version; `false` if another process did first.
            pub(crate) async fn record(
                conn: &mut Conn,
                sql: &str,
                version: i64,
                name: &str,
            ) -> AdapterResult<bool> {
                let r = diesel::sql_query(sql)
                    .bind::<BigInt, _>(version)
                    .bind::<Text, _>(name)
                    .bind::<$ts_sql, _>(Ts::to_db(Utc::now()))
                    .execute(conn)
                    .await
                    .op("migrate");
                match r {
                    Ok(_) => Ok(true),
                    Err(e) if e.kind() == keyway_core::AdapterErrorKind::Conflict => Ok(false),
                    Err(e) => Err(e),
                }
            }
        }
    };
}

queries!(
    "sqlite",
    sqlite,
    crate::connect::SqliteConn,
    diesel::sql_types::Text,
    String,
    sqlite_begin_immediate
);
queries!(
    "postgres",
    postgres,
    crate::connect::PgConn,
    diesel::sql_types::Timestamptz,
    chrono::DateTime<chrono::Utc>,
    begin
);
queries!(
    "mysql",
    mysql,
    crate::connect::MysqlConn,
    diesel::sql_types::Datetime,
    chrono::NaiveDateTime,
    begin
);
