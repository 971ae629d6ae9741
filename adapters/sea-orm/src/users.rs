//! Users: create, read (by id, email or linked account), update, delete.

use keyway_core::{AdapterError, AdapterResult, User, UserUpdate};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement, Value};

use crate::SeaOrmAdapter;
use crate::error::ResultExt;
use crate::rows::{self, USER_COLUMNS, table};

impl SeaOrmAdapter {
    fn select_user(&self) -> SelectStatement {
        let mut s = Query::select();
        s.columns(USER_COLUMNS).from(table(&self.tables.users));
        s
    }

    async fn user_where<C: ConnectionTrait>(
        &self,
        db: &C,
        op: &'static str,
        column: &'static str,
        value: &str,
    ) -> AdapterResult<Option<User>> {
        let mut s = self.select_user();
        s.and_where(Expr::col(column).eq(value));
        match db.query_one(&s).await.op(op)? {
            Some(row) => Ok(Some(rows::user(&row, op)?)),
            None => Ok(None),
        }
    }

    pub(crate) async fn create_user_impl(&self, user: User) -> AdapterResult<User> {
        const OP: &str = "create_user";
        let mut insert = Query::insert();
        insert
            .into_table(table(&self.tables.users))
            .columns(USER_COLUMNS)
            .values([
                Expr::val(user.id.as_str()),
                Expr::val(user.name.clone()),
                Expr::val(user.email.clone()),
                Expr::val(user.email_verified),
                Expr::val(user.image.clone()),
            ])
            .map_err(|e| AdapterError::other(e.to_string()).with_operation(OP))?;
        self.db.execute(&insert).await.op(OP)?;
        Ok(user)
    }

    pub(crate) async fn get_user_impl(&self, id: &str) -> AdapterResult<Option<User>> {
        #[cfg(feature = "postgres")]
        if let Some(reader) = &self.pg_reader
            && let Ok(found) = reader.user(id).await
        {
            return Ok(found);
        }
        self.user_where(&self.db, "get_user", "id", id).await
    }

    pub(crate) async fn get_user_by_email_impl(&self, email: &str) -> AdapterResult<Option<User>> {
        self.user_where(&self.db, "get_user_by_email", "email", email)
            .await
    }

    pub(crate) async fn get_user_by_account_impl(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<User>> {
        const OP: &str = "get_user_by_account";
        let users = table(&self.tables.users);
        let accounts = table(&self.tables.accounts);
        let mut s = Query::select();
        s.columns(USER_COLUMNS.map(|c| (users.clone(), c)))
            .from(users.clone())
            .inner_join(
                accounts.clone(),
                Expr::col((accounts.clone(), "user_id")).equals((users.clone(), "id")),
            )
            .and_where(Expr::col((accounts.clone(), "provider")).eq(provider))
            .and_where(Expr::col((accounts, "provider_account_id")).eq(provider_account_id));
        match self.db.query_one(&s).await.op(OP)? {
            Some(row) => Ok(Some(rows::user(&row, OP)?)),
            None => Ok(None),
        }
    }

    pub(crate) async fn update_user_impl(&self, update: UserUpdate) -> AdapterResult<User> {
        const OP: &str = "update_user";
        let mut values: Vec<(&'static str, Expr)> = Vec::new();
        if let Some(name) = &update.name {
            values.push(("name", Expr::val(name.clone())));
        }
        if let Some(email) = &update.email {
            values.push(("email", Expr::val(email.clone())));
        }
        if let Some(verified) = update.email_verified {
            values.push(("email_verified", Expr::val(verified)));
        }
        if let Some(image) = &update.image {
            values.push(("image", Expr::val(image.clone())));
        }
        let txn = self.begin_write(OP).await?;
        if !values.is_empty() {
            let mut u = Query::update();
            u.table(table(&self.tables.users))
                .values(values)
                .and_where(Expr::col("id").eq(update.id.as_str()));
            txn.execute(&u).await.op(OP)?;
        }
        let user = self.user_where(&txn, OP, "id", &update.id).await?;
        txn.commit().await.op(OP)?;
        user.ok_or_else(|| {
            AdapterError::not_found(format!("no user with id `{}`", update.id)).with_operation(OP)
        })
    }

    pub(crate) async fn delete_user_impl(&self, id: &str) -> AdapterResult<Option<User>> {
        const OP: &str = "delete_user";
        // The foreign keys cascade, but the rows go explicitly too, in one
        // transaction, so that a schema made without cascades still works.
        let txn = self.begin_write(OP).await?;
        let Some(user) = self.user_where(&txn, OP, "id", id).await? else {
            txn.commit().await.op(OP)?;
            return Ok(None);
        };
        for (t, column) in [
            (&self.tables.sessions, "user_id"),
            (&self.tables.accounts, "user_id"),
            (&self.tables.users, "id"),
        ] {
            let mut d = Query::delete();
            d.from_table(table(t))
                .and_where(Expr::col(column).eq(Value::from(id)));
            txn.execute(&d).await.op(OP)?;
        }
        txn.commit().await.op(OP)?;
        Ok(Some(user))
    }
}
