//! keyway's tables and the migrations that create them.
//!
//! The DDL is built with sea-query's schema builder for the backend at hand
//! and uses the configured table names. Every statement is idempotent
//! (`IF NOT EXISTS`), and the applied versions are recorded in the migrations
//! table, so running the migrations again, or from several processes at once,
//! is harmless.

use keyway_core::AdapterError;
use sea_orm::sea_query::{
    Alias, ColumnDef, Expr, ForeignKey, ForeignKeyAction, Index, IndexCreateStatement, Query,
    TableCreateStatement,
};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait,
};

use crate::connect::{Backend, Server};
use crate::error::ResultExt;
use crate::options::TableNames;

const OP: &str = "migrate";

/// One step of the schema: a version, a name, and its statements.
struct Migration {
    version: i64,
    name: &'static str,
    statements: fn(&Ddl<'_>) -> Vec<Statement>,
}

/// Every migration, oldest first.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "create_users_accounts_sessions_verification_tokens",
        statements: v1_create_tables,
    },
    Migration {
        version: 2,
        name: "create_rate_limits",
        statements: v2_create_rate_limits,
    },
];

/// What the DDL builders need to know.
struct Ddl<'a> {
    server: &'a Server,
    t: &'a TableNames,
}

impl Ddl<'_> {
    fn backend(&self) -> DbBackend {
        match self.server.backend {
            Backend::Sqlite => DbBackend::Sqlite,
            Backend::Postgres => DbBackend::Postgres,
            Backend::MySql | Backend::MariaDb => DbBackend::MySql,
        }
    }

    /// A `CREATE TABLE IF NOT EXISTS` with the per-backend table options.
    fn table(&self, name: &str) -> TableCreateStatement {
        let mut t = TableCreateStatement::new();
        t.table(Alias::new(name)).if_not_exists();
        if matches!(self.server.backend, Backend::MySql | Backend::MariaDb) {
            // InnoDB for foreign keys; utf8mb4 so that every string
            // round-trips; a binary collation so that comparisons are exact
            // (provider account ids and emails are case-sensitive here).
            t.engine("InnoDB")
                .character_set("utf8mb4")
                .collate(self.mysql_collation());
        }
        t
    }

    fn mysql_collation(&self) -> &'static str {
        let v = &self.server.version;
        if self.server.backend == Backend::MariaDb {
            "utf8mb4_nopad_bin"
        } else if v.starts_with("5.") {
            "utf8mb4_bin"
        } else {
            "utf8mb4_0900_bin"
        }
    }

    /// A UTC timestamp column with at least second precision.
    fn timestamp(&self, name: &'static str) -> ColumnDef {
        let mut c = ColumnDef::new(name);
        match self.server.backend {
            // MySQL's TIMESTAMP ends in 2038 and follows the session time
            // zone; DATETIME holds the UTC value the driver writes.
            Backend::MySql | Backend::MariaDb => c.custom(Alias::new("datetime(6)")),
            Backend::Sqlite | Backend::Postgres => c.timestamp_with_time_zone(),
        };
        c
    }

    /// A non-unique index on `table(column)`, where the backend does not
    /// make one for the foreign key by itself.
    fn fk_index(&self, table: &str, column: &'static str) -> Option<IndexCreateStatement> {
        if matches!(self.server.backend, Backend::MySql | Backend::MariaDb) {
            return None;
        }
        let mut i = Index::create();
        i.if_not_exists()
            .name(format!("{table}_{column}_idx"))
            .table(Alias::new(table))
            .col(column);
        Some(i)
    }
}

fn key(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(name);
    c.string_len(255).not_null();
    c
}

fn text(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(name);
    c.text().null();
    c
}

fn cascade_to_users(d: &Ddl<'_>, table: &str) -> sea_orm::sea_query::ForeignKeyCreateStatement {
    let mut fk = ForeignKey::create();
    fk.name(format!("{table}_user_id_fkey"))
        .from(Alias::new(table), "user_id")
        .to(Alias::new(&d.t.users), "id")
        .on_delete(ForeignKeyAction::Cascade)
        .on_update(ForeignKeyAction::Cascade);
    fk
}

fn v1_create_tables(d: &Ddl<'_>) -> Vec<Statement> {
    let t = d.t;
    let b = d.backend();
    let mut out = Vec::new();

    let mut users = d.table(&t.users);
    users
        .col(key("id").primary_key())
        .col(text("name"))
        .col(ColumnDef::new("email").string_len(255).null().unique_key())
        .col(d.timestamp("email_verified").null())
        .col(text("image"));
    out.push(b.build(&users));

    let mut accounts = d.table(&t.accounts);
    accounts
        .col(key("id").primary_key())
        .col(key("user_id"))
        .col(ColumnDef::new("type").string_len(32).not_null())
        .col(key("provider"))
        .col(key("provider_account_id"))
        .col(text("access_token"))
        .col(text("refresh_token"))
        .col(ColumnDef::new("expires_at").big_integer().null())
        .col(text("token_type"))
        .col(text("scope"))
        .col(text("id_token"))
        .col(text("session_state"))
        .index(
            Index::create()
                .unique()
                .name(format!("{}_provider_key", t.accounts))
                .col("provider")
                .col("provider_account_id"),
        )
        .foreign_key(&mut cascade_to_users(d, &t.accounts));
    out.push(b.build(&accounts));

    let mut sessions = d.table(&t.sessions);
    sessions
        .col(key("id").primary_key())
        .col(key("session_token").unique_key())
        .col(key("user_id"))
        .col(d.timestamp("expires").not_null())
        .foreign_key(&mut cascade_to_users(d, &t.sessions));
    out.push(b.build(&sessions));

    let mut tokens = d.table(&t.verification_tokens);
    tokens
        .col(key("identifier"))
        .col(key("token"))
        .col(d.timestamp("expires").not_null())
        .primary_key(Index::create().col("identifier").col("token"));
    out.push(b.build(&tokens));

    for (table, column) in [(&t.accounts, "user_id"), (&t.sessions, "user_id")] {
        if let Some(index) = d.fk_index(table, column) {
            out.push(b.build(&index));
        }
    }
    out
}

/// The counters of `Adapter::hit`: a key (a purpose and a hash, never an
/// address), the hits in the current window, and the window's end in
/// milliseconds since the Unix epoch (an integer compares the same way on
/// every backend).
fn v2_create_rate_limits(d: &Ddl<'_>) -> Vec<Statement> {
    let mut limits = d.table(&d.t.rate_limits);
    limits
        .col(key("id").primary_key())
        .col(ColumnDef::new("hits").big_integer().not_null())
        .col(ColumnDef::new("window_ends_ms").big_integer().not_null());
    vec![d.backend().build(&limits)]
}

fn migrations_table(d: &Ddl<'_>) -> Statement {
    let mut m = d.table(&d.t.migrations);
    m.col(
        ColumnDef::new("version")
            .big_integer()
            .not_null()
            .primary_key(),
    )
    .col(key("name"))
    .col(d.timestamp("applied_at").not_null());
    d.backend().build(&m)
}

/// A stable 63-bit key for PostgreSQL's advisory lock, per schema and table.
fn lock_key(schema: Option<&str>, table: &str) -> i64 {
    // FNV-1a: stable across builds and platforms, unlike std's hasher.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in format!("keyway-migrate:{}:{table}", schema.unwrap_or("")).bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h >> 1) as i64
}

/// Creates the schema (PostgreSQL, if one is configured) and applies every
/// migration not applied yet, all under one lock and in one transaction where
/// the database allows it.
pub(crate) async fn migrate(
    db: &DatabaseConnection,
    server: &Server,
    tables: &TableNames,
    schema: Option<&str>,
) -> Result<(), AdapterError> {
    let d = Ddl { server, t: tables };
    let backend = d.backend();
    match server.backend {
        // DDL is transactional here: all of a migration or none of it.
        Backend::Postgres | Backend::Sqlite => {
            let txn = db
                .begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: (server.backend == Backend::Sqlite)
                        .then_some(SqliteTransactionMode::Immediate),
                    ..TransactionOptions::default()
                })
                .await
                .op(OP)?;
            if server.backend == Backend::Postgres {
                // Two processes creating the same tables at once can trip
                // over each other even with IF NOT EXISTS: take turns.
                let key = lock_key(schema, &tables.migrations);
                txn.execute_raw(Statement::from_sql_and_values(
                    backend,
                    "SELECT pg_advisory_xact_lock($1)",
                    [key.into()],
                ))
                .await
                .op(OP)?;
                if let Some(schema) = schema {
                    txn.execute_unprepared(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
                        .await
                        .op(OP)?;
                }
            }
            apply(&txn, &d).await?;
            txn.commit().await.op(OP)?;
        }
        // MySQL commits every DDL statement by itself; the statements are
        // idempotent and a concurrent run's version row is tolerated.
        Backend::MySql | Backend::MariaDb => apply(db, &d).await?,
    }
    Ok(())
}

async fn apply<C: ConnectionTrait>(db: &C, d: &Ddl<'_>) -> Result<(), AdapterError> {
    let backend = d.backend();
    db.execute_raw(migrations_table(d)).await.op(OP)?;
    let mut select = Query::select();
    select.column("version").from(Alias::new(&d.t.migrations));
    let applied: Vec<i64> = db
        .query_all(&select)
        .await
        .op(OP)?
        .iter()
        .map(|row| row.try_get::<i64>("", "version"))
        .collect::<Result<_, _>>()
        .op(OP)?;
    for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        for stmt in (m.statements)(d) {
            db.execute_raw(stmt).await.op(OP)?;
        }
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new(&d.t.migrations))
            .columns(["version", "name", "applied_at"])
            .values([
                Expr::val(m.version),
                Expr::val(m.name),
                Expr::val(chrono::Utc::now()),
            ])
            .map_err(|e| AdapterError::other(e.to_string()).with_operation(OP))?;
        match db.execute_raw(backend.build(&insert)).await {
            Ok(_) => {}
            // Another process recorded it first (MySQL, no lock).
            Err(e) if crate::error::classify(&e) == keyway_core::AdapterErrorKind::Conflict => {}
            Err(e) => return Err(crate::error::db_error(OP, e)),
        }
        tracing::info!(
            version = m.version,
            name = m.name,
            "keyway-sea-orm applied a migration"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ddl_for(backend: Backend, version: &str) -> Vec<String> {
        let server = Server {
            backend,
            version: version.to_owned(),
            delete_returning: true,
            update_returning: true,
        };
        let t = TableNames::default().resolve(Some("kw_")).unwrap();
        let d = Ddl {
            server: &server,
            t: &t,
        };
        let mut all: Vec<String> = v1_create_tables(&d).into_iter().map(|s| s.sql).collect();
        all.extend(v2_create_rate_limits(&d).into_iter().map(|s| s.sql));
        all.push(migrations_table(&d).sql);
        all
    }

    #[test]
    fn ddl_uses_the_configured_names_and_is_idempotent() {
        for (b, v) in [
            (Backend::Sqlite, "3.45.0"),
            (Backend::Postgres, "15.2"),
            (Backend::MariaDb, "10.11.6-MariaDB"),
            (Backend::MySql, "8.0.36"),
        ] {
            let sql = ddl_for(b, v);
            for s in &sql {
                assert!(s.contains("IF NOT EXISTS"), "{b}: {s}");
                assert!(s.contains("kw_"), "{b}: {s}");
                assert!(
                    !s.contains("\"users\"") && !s.contains("`users`"),
                    "{b}: {s}"
                );
            }
            let accounts = &sql[1];
            assert!(accounts.contains("ON DELETE CASCADE"), "{b}: {accounts}");
            assert!(accounts.contains("UNIQUE"), "{b}: {accounts}");
        }
    }

    #[test]
    fn mysql_tables_are_utf8mb4_with_exact_comparison() {
        let sql = ddl_for(Backend::MariaDb, "10.11.6-MariaDB");
        assert!(sql[0].contains("utf8mb4_nopad_bin"), "{}", sql[0]);
        assert!(sql[0].contains("datetime(6)"), "{}", sql[0]);
        let sql = ddl_for(Backend::MySql, "8.0.36");
        assert!(sql[0].contains("utf8mb4_0900_bin"), "{}", sql[0]);
    }

    #[test]
    fn lock_keys_are_stable_and_distinct() {
        assert_eq!(lock_key(None, "m"), lock_key(None, "m"));
        assert_ne!(lock_key(Some("a"), "m"), lock_key(Some("b"), "m"));
        assert!(lock_key(None, "m") >= 0);
    }
}
