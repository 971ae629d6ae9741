//! keyway-testkit's scratch databases with keyway-diesel's admin
//! connection, and adapters of both crates on them.

#![allow(dead_code, unreachable_pub)]

use keyway_diesel::{DieselAdapter, DieselOptions};
use keyway_sea_orm::{SeaOrmAdapter, SeaOrmOptions};
pub use keyway_testkit::support::scratch::{self, ScratchDb};

pub async fn postgres() -> Option<ScratchDb> {
    scratch::postgres(keyway_diesel::testing::admin).await
}

pub async fn mysql() -> Option<ScratchDb> {
    scratch::mysql(keyway_diesel::testing::admin).await
}

/// SQLite file, PostgreSQL and MariaDB (when reachable).
pub async fn servers_and_file() -> Vec<ScratchDb> {
    let mut dbs = vec![scratch::sqlite_file()];
    dbs.extend(postgres().await);
    dbs.extend(mysql().await);
    dbs
}

/// A keyway-diesel adapter on `db`, the options tweaked.
pub async fn diesel_with(db: &ScratchDb, tweak: impl FnOnce(&mut DieselOptions)) -> DieselAdapter {
    let mut options = DieselOptions {
        schema: db.schema.clone(),
        ..DieselOptions::default()
    };
    tweak(&mut options);
    DieselAdapter::connect(&db.url, options)
        .await
        .unwrap_or_else(|e| panic!("{}: connect failed: {e} ({e:?})", db.label))
}

pub async fn diesel(db: &ScratchDb) -> DieselAdapter {
    diesel_with(db, |_| {}).await
}

/// A keyway-sea-orm adapter on `db` with the table prefix.
pub async fn sea_orm(db: &ScratchDb, prefix: Option<&str>) -> SeaOrmAdapter {
    let options = SeaOrmOptions {
        schema: db.schema.clone(),
        table_prefix: prefix.map(str::to_owned),
        ..SeaOrmOptions::default()
    };
    SeaOrmAdapter::connect(&db.url, options)
        .await
        .unwrap_or_else(|e| panic!("{}: sea-orm connect failed: {e} ({e:?})", db.label))
}
