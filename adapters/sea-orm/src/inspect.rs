//! [`SqlInspector`]: reads keyway's tables with hand-written SQL, bypassing
//! the adapter's queries, for keyway-testkit's conformance suite.

use async_trait::async_trait;
use keyway_core::{Account, Session, SessionToken, User, VerificationToken};
use keyway_testkit::conformance::Inspector;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, QueryResult, Statement, Value};

use crate::TableNames;
use crate::rows;

/// Reads what a [`SeaOrmAdapter`](crate::SeaOrmAdapter) really stored, with
/// plain `SELECT *` statements on its tables. Made by
/// [`SeaOrmAdapter::inspector`](crate::SeaOrmAdapter::inspector).
///
/// It panics when the database fails, as the conformance suite allows.
#[derive(Clone)]
pub struct SqlInspector {
    db: DatabaseConnection,
    tables: TableNames,
}

impl std::fmt::Debug for SqlInspector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlInspector")
            .field("tables", &self.tables)
            .finish_non_exhaustive()
    }
}

impl SqlInspector {
    pub(crate) fn new(db: DatabaseConnection, tables: TableNames) -> Self {
        Self { db, tables }
    }

    /// `SELECT * FROM <table> WHERE <c1> = ? AND <c2> = ?`, with this
    /// backend's quoting and placeholders.
    fn select(&self, table: &str, columns: &[&str]) -> String {
        let backend = self.db.get_database_backend();
        let q = |s: &str| match backend {
            DbBackend::MySql => format!("`{s}`"),
            _ => format!("\"{s}\""),
        };
        let conds: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| match backend {
                DbBackend::Postgres => format!("{} = ${}", q(c), i + 1),
                _ => format!("{} = ?", q(c)),
            })
            .collect();
        format!("SELECT * FROM {} WHERE {}", q(table), conds.join(" AND "))
    }

    async fn one(&self, sql: String, values: Vec<Value>) -> Option<QueryResult> {
        let stmt = Statement::from_sql_and_values(self.db.get_database_backend(), &sql, values);
        self.db
            .query_one_raw(stmt)
            .await
            .unwrap_or_else(|e| panic!("inspector query `{sql}` failed: {e}"))
    }
}

fn or_panic<T>(r: Result<T, keyway_core::AdapterError>) -> T {
    r.unwrap_or_else(|e| panic!("inspector could not read a row: {e} ({:?})", e))
}

#[async_trait]
impl Inspector for SqlInspector {
    async fn user(&self, id: &str) -> Option<User> {
        let sql = self.select(&self.tables.users, &["id"]);
        let row = self.one(sql, vec![id.into()]).await?;
        Some(or_panic(rows::user(&row, "inspector")))
    }

    async fn account(&self, provider: &str, provider_account_id: &str) -> Option<Account> {
        let sql = self.select(&self.tables.accounts, &["provider", "provider_account_id"]);
        let row = self
            .one(sql, vec![provider.into(), provider_account_id.into()])
            .await?;
        Some(or_panic(rows::account(&row, "inspector")))
    }

    async fn session(&self, session_token: &SessionToken) -> Option<Session> {
        let sql = self.select(&self.tables.sessions, &["session_token"]);
        let row = self.one(sql, vec![session_token.as_str().into()]).await?;
        Some(or_panic(rows::session(&row, "inspector")))
    }

    async fn verification_token(&self, identifier: &str, token: &str) -> Option<VerificationToken> {
        let sql = self.select(&self.tables.verification_tokens, &["identifier", "token"]);
        let row = self.one(sql, vec![identifier.into(), token.into()]).await?;
        Some(or_panic(rows::token(&row, "inspector")))
    }
}
