//! Email verification tokens: create, and use (fetch and delete atomically).

use keyway_core::{AdapterError, AdapterResult, VerificationToken};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query};

use crate::SeaOrmAdapter;
use crate::error::ResultExt;
use crate::rows::{self, TOKEN_COLUMNS, table};

impl SeaOrmAdapter {
    pub(crate) async fn create_verification_token_impl(
        &self,
        token: VerificationToken,
    ) -> AdapterResult<VerificationToken> {
        const OP: &str = "create_verification_token";
        let mut insert = Query::insert();
        insert
            .into_table(table(&self.tables.verification_tokens))
            .columns(TOKEN_COLUMNS)
            .values([
                Expr::val(token.identifier.as_str()),
                Expr::val(token.token.as_str()),
                Expr::val(token.expires),
            ])
            .map_err(|e| AdapterError::other(e.to_string()).with_operation(OP))?;
        self.db.execute(&insert).await.op(OP)?;
        Ok(token)
    }

    pub(crate) async fn use_verification_token_impl(
        &self,
        identifier: &str,
        token: &str,
    ) -> AdapterResult<Option<VerificationToken>> {
        const OP: &str = "use_verification_token";
        let cond = Condition::all()
            .add(Expr::col("identifier").eq(identifier))
            .add(Expr::col("token").eq(token));
        let row = self
            .take(OP, &self.tables.verification_tokens, &TOKEN_COLUMNS, cond)
            .await?;
        row.map(|r| rows::token(&r, OP)).transpose()
    }
}
