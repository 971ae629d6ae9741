//! Provider accounts: link, unlink, read (one, or all of a user's), and
//! save refreshed tokens.

use keyway_core::{Account, AdapterError, AdapterResult, random};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Order, Query};

use crate::SeaOrmAdapter;
use crate::error::ResultExt;
use crate::rows::{self, ACCOUNT_COLUMNS, table};

/// `provider = ? AND provider_account_id = ?`
fn key(provider: &str, provider_account_id: &str) -> Condition {
    Condition::all()
        .add(Expr::col("provider").eq(provider))
        .add(Expr::col("provider_account_id").eq(provider_account_id))
}

/// The token fields of `a`, as `(column, value)` pairs.
fn token_values(a: &Account) -> [(&'static str, Expr); 7] {
    [
        ("access_token", Expr::val(a.access_token.clone())),
        ("refresh_token", Expr::val(a.refresh_token.clone())),
        ("expires_at", Expr::val(a.expires_at)),
        ("token_type", Expr::val(a.token_type.clone())),
        ("scope", Expr::val(a.scope.clone())),
        ("id_token", Expr::val(a.id_token.clone())),
        ("session_state", Expr::val(a.session_state.clone())),
    ]
}

impl SeaOrmAdapter {
    async fn account_where<C: ConnectionTrait>(
        &self,
        db: &C,
        op: &'static str,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<Account>> {
        let mut s = Query::select();
        s.columns(ACCOUNT_COLUMNS)
            .from(table(&self.tables.accounts))
            .cond_where(key(provider, provider_account_id));
        match db.query_one(&s).await.op(op)? {
            Some(row) => Ok(Some(rows::account(&row, op)?)),
            None => Ok(None),
        }
    }

    pub(crate) async fn link_account_impl(&self, account: Account) -> AdapterResult<Account> {
        const OP: &str = "link_account";
        let mut columns = vec!["id", "user_id", "type", "provider", "provider_account_id"];
        let mut values = vec![
            Expr::val(random::uuid()),
            Expr::val(account.user_id.as_str()),
            Expr::val(account.kind.as_str()),
            Expr::val(account.provider.as_str()),
            Expr::val(account.provider_account_id.as_str()),
        ];
        for (c, v) in token_values(&account) {
            columns.push(c);
            values.push(v);
        }
        let mut insert = Query::insert();
        insert
            .into_table(table(&self.tables.accounts))
            .columns(columns)
            .values(values)
            .map_err(|e| AdapterError::other(e.to_string()).with_operation(OP))?;
        self.db.execute(&insert).await.op(OP)?;
        Ok(account)
    }

    pub(crate) async fn unlink_account_impl(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<Account>> {
        const OP: &str = "unlink_account";
        let row = self
            .take(
                OP,
                &self.tables.accounts,
                &ACCOUNT_COLUMNS,
                key(provider, provider_account_id),
            )
            .await?;
        row.map(|r| rows::account(&r, OP)).transpose()
    }

    pub(crate) async fn get_account_impl(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<Account>> {
        self.account_where(&self.db, "get_account", provider, provider_account_id)
            .await
    }

    pub(crate) async fn get_accounts_of_user_impl(
        &self,
        user_id: &str,
    ) -> AdapterResult<Vec<Account>> {
        const OP: &str = "get_accounts_of_user";
        let mut s = Query::select();
        s.columns(ACCOUNT_COLUMNS)
            .from(table(&self.tables.accounts))
            .and_where(Expr::col("user_id").eq(user_id))
            .order_by("provider", Order::Asc)
            .order_by("provider_account_id", Order::Asc);
        let found = self.db.query_all(&s).await.op(OP)?;
        found.iter().map(|row| rows::account(row, OP)).collect()
    }

    pub(crate) async fn update_account_impl(
        &self,
        account: Account,
    ) -> AdapterResult<Option<Account>> {
        const OP: &str = "update_account";
        let txn = self.begin_write(OP).await?;
        let mut u = Query::update();
        u.table(table(&self.tables.accounts))
            .values(token_values(&account))
            .cond_where(key(&account.provider, &account.provider_account_id));
        txn.execute(&u).await.op(OP)?;
        let stored = self
            .account_where(&txn, OP, &account.provider, &account.provider_account_id)
            .await?;
        txn.commit().await.op(OP)?;
        Ok(stored)
    }
}
