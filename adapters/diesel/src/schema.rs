//! keyway's tables, written as keyway-sea-orm writes them, and the
//! migrations that create them.
//!
//! The DDL is the SQL keyway-sea-orm's schema builder produces for each
//! backend (same tables, columns, types, keys, constraint and index names),
//! and the applied versions are recorded in the same migrations table
//! (`keyway_migrations`, with the prefix), under the same PostgreSQL
//! advisory lock. So either crate can create the tables and the other finds
//! them migrated: switching crates needs no data migration.
//!
//! diesel_migrations is not used: its migrations are SQL files with fixed
//! table names and its own ledger (`__diesel_schema_migrations`), and
//! keyway's tables take a prefix and share keyway-sea-orm's ledger. The
//! migrations are embedded in the binary here instead, as SQL built for the
//! backend and names at hand.

use crate::connect::{Backend, Server};
use crate::options::TableNames;
use crate::sql::Dialect;

/// One step of the schema: a version, a name, and its statements.
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) name: &'static str,
    pub(crate) statements: fn(&Ddl<'_>) -> Vec<String>,
}

/// Every migration, oldest first (keyway-sea-orm's versions and names).
pub(crate) const MIGRATIONS: &[Migration] = &[
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

/// What the DDL needs to know.
pub(crate) struct Ddl<'a> {
    pub(crate) server: &'a Server,
    pub(crate) t: &'a TableNames,
}

impl Ddl<'_> {
    fn d(&self) -> Dialect {
        Dialect::new(self.server.backend)
    }

    fn mysql(&self) -> bool {
        matches!(self.server.backend, Backend::MySql | Backend::MariaDb)
    }

    /// `CREATE TABLE IF NOT EXISTS name ( body )` with the table options.
    fn table(&self, name: &str, body: &[String]) -> String {
        let mut s = format!(
            "CREATE TABLE IF NOT EXISTS {} ( {} )",
            self.d().q(name),
            body.join(", ")
        );
        if self.mysql() {
            // InnoDB for foreign keys; utf8mb4 so every string round-trips;
            // a binary collation so comparisons are exact.
            s.push_str(" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=");
            s.push_str(self.mysql_collation());
        }
        s
    }

    fn mysql_collation(&self) -> &'static str {
        if self.server.backend == Backend::MariaDb {
            "utf8mb4_nopad_bin"
        } else if self.server.version.starts_with("5.") {
            "utf8mb4_bin"
        } else {
            "utf8mb4_0900_bin"
        }
    }

    fn timestamp(&self) -> &'static str {
        match self.server.backend {
            // MySQL's TIMESTAMP ends in 2038 and follows the session time
            // zone; DATETIME holds the UTC value written.
            Backend::MySql | Backend::MariaDb => "datetime(6)",
            Backend::Postgres => "timestamp with time zone",
            // sea-query's name for it; TEXT affinity.
            Backend::Sqlite => "timestamp_with_timezone_text",
        }
    }

    fn big_integer(&self) -> &'static str {
        match self.server.backend {
            Backend::Sqlite => "integer",
            _ => "bigint",
        }
    }

    fn col(&self, name: &str, ty: &str, rest: &str) -> String {
        format!("{} {ty} {rest}", self.d().q(name))
    }

    fn key(&self, name: &str) -> String {
        self.col(name, "varchar(255)", "NOT NULL")
    }

    fn text(&self, name: &str) -> String {
        self.col(name, "text", "NULL")
    }

    fn cascade_to_users(&self, table: &str) -> String {
        let d = self.d();
        let name = match self.server.backend {
            Backend::Sqlite => String::new(),
            _ => format!("CONSTRAINT {} ", d.q(&format!("{table}_user_id_fkey"))),
        };
        format!(
            "{name}FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE CASCADE ON UPDATE CASCADE",
            d.q("user_id"),
            d.q(&self.t.users),
            d.q("id")
        )
    }
}

fn v1_create_tables(x: &Ddl<'_>) -> Vec<String> {
    let t = x.t;
    let d = x.d();
    let ts = x.timestamp();
    let mut out = vec![
        x.table(
            &t.users,
            &[
                x.col("id", "varchar(255)", "NOT NULL PRIMARY KEY"),
                x.text("name"),
                x.col("email", "varchar(255)", "NULL UNIQUE"),
                x.col("email_verified", ts, "NULL"),
                x.text("image"),
            ],
        ),
        x.table(
            &t.accounts,
            &[
                x.col("id", "varchar(255)", "NOT NULL PRIMARY KEY"),
                x.key("user_id"),
                x.col("type", "varchar(32)", "NOT NULL"),
                x.key("provider"),
                x.key("provider_account_id"),
                x.text("access_token"),
                x.text("refresh_token"),
                x.col("expires_at", x.big_integer(), "NULL"),
                x.text("token_type"),
                x.text("scope"),
                x.text("id_token"),
                x.text("session_state"),
                format!(
                    "CONSTRAINT {} UNIQUE ({}, {})",
                    d.q(&format!("{}_provider_key", t.accounts)),
                    d.q("provider"),
                    d.q("provider_account_id")
                ),
                x.cascade_to_users(&t.accounts),
            ],
        ),
        x.table(
            &t.sessions,
            &[
                x.col("id", "varchar(255)", "NOT NULL PRIMARY KEY"),
                x.col("session_token", "varchar(255)", "NOT NULL UNIQUE"),
                x.key("user_id"),
                x.col("expires", ts, "NOT NULL"),
                x.cascade_to_users(&t.sessions),
            ],
        ),
        x.table(
            &t.verification_tokens,
            &[
                x.key("identifier"),
                x.key("token"),
                x.col("expires", ts, "NOT NULL"),
                format!("PRIMARY KEY ({}, {})", d.q("identifier"), d.q("token")),
            ],
        ),
    ];
    // MySQL indexes a foreign key by itself; the others need it said.
    if !x.mysql() {
        for table in [&t.accounts, &t.sessions] {
            out.push(format!(
                "CREATE INDEX IF NOT EXISTS {} ON {} ({})",
                d.q(&format!("{table}_user_id_idx")),
                d.q(table),
                d.q("user_id")
            ));
        }
    }
    out
}

/// The counters of `Adapter::hit`: a key, the hits in the current window,
/// and the window's end in milliseconds since the Unix epoch.
fn v2_create_rate_limits(x: &Ddl<'_>) -> Vec<String> {
    vec![x.table(
        &x.t.rate_limits,
        &[
            x.col("id", "varchar(255)", "NOT NULL PRIMARY KEY"),
            x.col("hits", x.big_integer(), "NOT NULL"),
            x.col("window_ends_ms", x.big_integer(), "NOT NULL"),
        ],
    )]
}

/// The migrations table.
pub(crate) fn migrations_table(x: &Ddl<'_>) -> String {
    x.table(
        &x.t.migrations,
        &[
            x.col("version", x.big_integer(), "NOT NULL PRIMARY KEY"),
            x.key("name"),
            x.col("applied_at", x.timestamp(), "NOT NULL"),
        ],
    )
}

/// `SELECT version FROM <migrations>`.
pub(crate) fn select_versions(x: &Ddl<'_>) -> String {
    let d = x.d();
    format!("SELECT {} FROM {}", d.q("version"), d.q(&x.t.migrations))
}

/// `INSERT INTO <migrations> (version, name, applied_at) VALUES (...)`.
pub(crate) fn insert_version(x: &Ddl<'_>) -> String {
    let d = x.d();
    format!(
        "INSERT INTO {} ({}, {}, {}) VALUES ({}, {}, {})",
        d.q(&x.t.migrations),
        d.q("version"),
        d.q("name"),
        d.q("applied_at"),
        d.p(1),
        d.p(2),
        d.p(3)
    )
}

/// The statements that open a migration run on PostgreSQL: take the
/// advisory lock keyway-sea-orm takes (so both crates' migrations take
/// turns) and create the schema.
pub(crate) fn postgres_preamble(schema: Option<&str>, migrations: &str) -> Vec<String> {
    let mut out = vec![format!(
        "SELECT pg_advisory_xact_lock({})",
        lock_key(schema, migrations)
    )];
    if let Some(schema) = schema {
        out.push(format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""));
    }
    out
}

/// keyway-sea-orm's advisory lock key: FNV-1a of
/// `keyway-migrate:<schema>:<table>`, shifted to 63 bits.
fn lock_key(schema: Option<&str>, table: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in format!("keyway-migrate:{}:{table}", schema.unwrap_or("")).bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h >> 1) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(backend: Backend, version: &str) -> Server {
        Server {
            backend,
            version: version.to_owned(),
            delete_returning: true,
            update_returning: true,
        }
    }

    /// keyway-sea-orm's SQLite DDL, as SQLite keeps it (`.schema`).
    #[test]
    fn sqlite_ddl_is_keyway_sea_orms() {
        let s = server(Backend::Sqlite, "3.45.0");
        let t = TableNames::default();
        let x = Ddl { server: &s, t: &t };
        let v1 = v1_create_tables(&x);
        assert_eq!(
            v1[0],
            r#"CREATE TABLE IF NOT EXISTS "users" ( "id" varchar(255) NOT NULL PRIMARY KEY, "name" text NULL, "email" varchar(255) NULL UNIQUE, "email_verified" timestamp_with_timezone_text NULL, "image" text NULL )"#
        );
        assert_eq!(
            v1[1],
            r#"CREATE TABLE IF NOT EXISTS "accounts" ( "id" varchar(255) NOT NULL PRIMARY KEY, "user_id" varchar(255) NOT NULL, "type" varchar(32) NOT NULL, "provider" varchar(255) NOT NULL, "provider_account_id" varchar(255) NOT NULL, "access_token" text NULL, "refresh_token" text NULL, "expires_at" integer NULL, "token_type" text NULL, "scope" text NULL, "id_token" text NULL, "session_state" text NULL, CONSTRAINT "accounts_provider_key" UNIQUE ("provider", "provider_account_id"), FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE CASCADE )"#
        );
        assert_eq!(
            v2_create_rate_limits(&x)[0],
            r#"CREATE TABLE IF NOT EXISTS "keyway_rate_limits" ( "id" varchar(255) NOT NULL PRIMARY KEY, "hits" integer NOT NULL, "window_ends_ms" integer NOT NULL )"#
        );
        assert_eq!(
            migrations_table(&x),
            r#"CREATE TABLE IF NOT EXISTS "keyway_migrations" ( "version" integer NOT NULL PRIMARY KEY, "name" varchar(255) NOT NULL, "applied_at" timestamp_with_timezone_text NOT NULL )"#
        );
    }

    #[test]
    fn mysql_tables_are_utf8mb4_with_exact_comparison() {
        let s = server(Backend::MariaDb, "10.11.6-MariaDB");
        let t = TableNames::default().resolve(Some("kw_")).unwrap();
        let x = Ddl { server: &s, t: &t };
        let v1 = v1_create_tables(&x);
        assert_eq!(v1.len(), 4, "no separate foreign key indexes");
        assert!(v1[0].ends_with("COLLATE=utf8mb4_nopad_bin"), "{}", v1[0]);
        assert!(
            v1[2].contains("CONSTRAINT `kw_sessions_user_id_fkey` FOREIGN KEY"),
            "{}",
            v1[2]
        );
    }

    #[test]
    fn the_lock_key_is_keyway_sea_orms() {
        assert_eq!(lock_key(None, "m"), lock_key(None, "m"));
        assert_ne!(lock_key(Some("a"), "m"), lock_key(Some("b"), "m"));
        assert!(lock_key(None, "m") >= 0);
    }
}
