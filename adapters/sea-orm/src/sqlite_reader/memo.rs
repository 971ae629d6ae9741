//! Session reads remembered while the database file has not changed.
//!
//! # Why it is exact
//!
//! In WAL mode SQLite keeps the WAL-index header at the start of the
//! database's `-shm` file, which every connection of every process maps.
//! Every write transaction, whoever commits it, rewrites that header before
//! its commit returns (the change counter `iChange` goes up, `mxFrame` and
//! the checksums move with the new frames), and SQLite itself keeps a
//! connection's page cache from one read transaction to the next only while
//! the header is unchanged. The memo applies the same test to a whole read:
//! it answers a token from memory only when the header is, byte for byte,
//! the one read *before* the remembered read started. A commit between that
//! look and the read can only make the memo miss later, never answer from
//! before the commit.
//!
//! The header is written as two copies, one after the other, under the
//! write lock, with a memory barrier between them. Two copies that read
//! equal are one whole header, whichever of the two was read first: a
//! commit under way changes one copy at a time, so a copy read mid-write
//! (or a copy from before the commit beside one from after) differs from
//! the other. SQLite's own readers compare the two copies the same way.
//! Both are read by one `pread`. The WAL-index layout is part
//! of SQLite's file format (processes running different SQLite versions
//! share it), so the 48 bytes read here mean the same in every version.
//!
//! Anything unexpected (the file cannot be read, the copies differ, a
//! header not initialised or of another version) means "changed": the read
//! goes to the lane, as without the memo.
//!
//! # What it keeps
//!
//! Only sessions that were found (an unknown token is read every time, so
//! guessing tokens fills nothing), at most [`ENTRIES`] of them, in shards
//! with an arbitrary one dropped when a shard is full. Any write to the
//! database, to any table, makes every entry stale; a stale entry is
//! replaced by the next read of its token. The engine checks a session's
//! expiry on every read, remembered or not.

use std::collections::HashMap;
use std::fs::File;
use std::hash::BuildHasher;
use std::os::unix::fs::FileExt;
use std::path::Path;
#[cfg(any(test, feature = "testkit"))]
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use keyway_core::{Session, User};

/// Sessions remembered, in all.
pub(crate) const ENTRIES: usize = 1024;

const SHARDS: usize = 16;

/// Size of one copy of the WAL-index header.
const HEADER: usize = 48;

/// The WAL-index format's version, the header's first field.
const WAL_INDEX_VERSION: u32 = 3_007_000;

/// The database's WAL-index header at one moment: equal values mean that
/// nothing was committed in between.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct WalState([u8; HEADER]);

struct Entry {
    seen: WalState,
    /// Shared, so that a hit copies it after the shard's lock is released.
    found: Arc<(Session, User)>,
}

/// One shard of remembered reads, by token. Reads of a shard share its
/// lock; a hit holds it for a lookup and a reference count.
type Shard = RwLock<HashMap<Box<str>, Entry>>;

/// The memo of one lane.
pub(crate) struct ReadMemo {
    shm: File,
    hasher: std::hash::RandomState,
    shards: Box<[Shard]>,
    per_shard: usize,
    /// Reads answered (counted for the tests only: a shared counter costs
    /// every hit a contended cache line).
    #[cfg(any(test, feature = "testkit"))]
    hits: AtomicU64,
}

impl std::fmt::Debug for ReadMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadMemo").finish_non_exhaustive()
    }
}

impl ReadMemo {
    /// A memo for the WAL database `db`, or `None` when its `-shm` file
    /// cannot be opened (then every read goes to the lane).
    pub(crate) fn open(db: &Path, entries: usize) -> Option<Self> {
        if entries == 0 {
            return None;
        }
        let mut shm = db.as_os_str().to_owned();
        shm.push("-shm");
        let shm = File::open(shm).ok()?;
        let memo = Self {
            shm,
            hasher: std::hash::RandomState::new(),
            shards: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
            per_shard: entries.div_ceil(SHARDS),
            #[cfg(any(test, feature = "testkit"))]
            hits: AtomicU64::new(0),
        };
        // A file that does not read as a WAL index gets no memo.
        memo.state().map(|_| memo)
    }

    /// The header now, or `None` when it cannot be told whole.
    pub(crate) fn state(&self) -> Option<WalState> {
        let mut both = [0u8; 2 * HEADER];
        self.shm.read_exact_at(&mut both, 0).ok()?;
        let (first, second) = both.split_at(HEADER);
        let first: [u8; HEADER] = first.try_into().ok()?;
        let version = u32::from_ne_bytes([first[0], first[1], first[2], first[3]]);
        // Byte 12 is `isInit`.
        (first == second && first[12] != 0 && version == WAL_INDEX_VERSION)
            .then_some(WalState(first))
    }

    fn shard(&self, token: &str) -> &Shard {
        let i = self.hasher.hash_one(token) as usize % self.shards.len();
        &self.shards[i]
    }

    /// The remembered session of `token`, if it was read when the database
    /// was as it is `now`.
    pub(crate) fn get(&self, token: &str, now: &WalState) -> Option<(Session, User)> {
        let found = {
            let shard = self.shard(token).read().ok()?;
            let entry = shard.get(token)?;
            if entry.seen != *now {
                return None;
            }
            Arc::clone(&entry.found)
        };
        #[cfg(any(test, feature = "testkit"))]
        self.hits.fetch_add(1, Ordering::Relaxed);
        let (session, user) = &*found;
        Some((session.clone(), user.clone()))
    }

    /// Remembers what a read of `token` found, `seen` being the header read
    /// before that read started.
    pub(crate) fn put(&self, token: &str, seen: WalState, session: &Session, user: &User) {
        let found = Arc::new((session.clone(), user.clone()));
        let Ok(mut shard) = self.shard(token).write() else {
            return;
        };
        if shard.len() >= self.per_shard
            && !shard.contains_key(token)
            && let Some(other) = shard.keys().next().cloned()
        {
            shard.remove(&other);
        }
        shard.insert(token.into(), Entry { seen, found });
    }

    /// Forgets everything (the lane closed).
    pub(crate) fn clear(&self) {
        for shard in &self.shards {
            if let Ok(mut shard) = shard.write() {
                shard.clear();
            }
        }
    }

    /// Reads answered from the memo so far.
    #[cfg(any(test, feature = "testkit"))]
    pub(crate) fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.read().map_or(0, |s| s.len()))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use keyway_core::SessionToken;
    use rusqlite::Connection;

    struct Db {
        dir: std::path::PathBuf,
        path: std::path::PathBuf,
        conn: Connection,
    }

    impl Db {
        fn new(tag: &str) -> Self {
            let dir = std::env::temp_dir().join(format!(
                "keyway-memo-{tag}-{}-{}",
                std::process::id(),
                keyway_core::random::hex(4)
            ));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("m.db");
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "PRAGMA journal_mode=WAL; CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('a');",
            )
            .unwrap();
            Self { dir, path, conn }
        }
    }

    impl Drop for Db {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn row(token: &str) -> (Session, User) {
        let user = User::new("u1", "a@example.test");
        let session = Session {
            session_token: SessionToken::new(token),
            user_id: "u1".into(),
            expires: Utc::now(),
        };
        (session, user)
    }

    #[test]
    fn every_commit_of_any_connection_changes_the_state() {
        let db = Db::new("commits");
        let memo = ReadMemo::open(&db.path, 8).expect("a WAL database has a memo");
        let before = memo.state().unwrap();
        // Reads change nothing.
        let _: String = db
            .conn
            .query_row("SELECT v FROM t", [], |r| r.get(0))
            .unwrap();
        assert!(memo.state().unwrap() == before);
        // A commit by another connection changes the state; so does the
        // next.
        let other = Connection::open(&db.path).unwrap();
        other.execute("UPDATE t SET v = 'z'", []).unwrap();
        let after = memo.state().unwrap();
        assert!(after != before);
        db.conn.execute("INSERT INTO t VALUES ('b')", []).unwrap();
        assert!(memo.state().unwrap() != after);
        // A checkpoint that truncates the WAL, then a write: still changed.
        let third = memo.state().unwrap();
        db.conn
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); DELETE FROM t WHERE v = 'b';")
            .unwrap();
        assert!(memo.state().unwrap() != third);
    }

    #[test]
    fn a_remembered_read_answers_only_in_the_state_it_was_read_in() {
        let db = Db::new("answers");
        let memo = ReadMemo::open(&db.path, 8).unwrap();
        let seen = memo.state().unwrap();
        let (session, user) = row("tok");
        memo.put("tok", seen, &session, &user);
        assert_eq!(
            memo.get("tok", &memo.state().unwrap()),
            Some((session, user))
        );
        assert_eq!(memo.get("other", &seen), None);
        assert_eq!(memo.hits(), 1);
        db.conn.execute("INSERT INTO t VALUES ('c')", []).unwrap();
        assert_eq!(memo.get("tok", &memo.state().unwrap()), None);
        assert_eq!(memo.hits(), 1);
        memo.clear();
        assert_eq!(memo.get("tok", &seen), None);
    }

    #[test]
    fn a_torn_or_foreign_header_is_no_state() {
        let db = Db::new("torn");
        let memo = ReadMemo::open(&db.path, 8).unwrap();
        // A file that is not a WAL index: copies that differ, or zeros.
        let fake = db.dir.join("f.db-shm");
        let mut bytes = vec![0u8; 96];
        std::fs::write(&fake, &bytes).unwrap();
        assert!(ReadMemo::open(&db.dir.join("f.db"), 8).is_none());
        bytes[..4].copy_from_slice(&WAL_INDEX_VERSION.to_ne_bytes());
        bytes[12] = 1;
        bytes[48..52].copy_from_slice(&WAL_INDEX_VERSION.to_ne_bytes());
        bytes[60] = 1;
        std::fs::write(&fake, &bytes).unwrap();
        let whole = ReadMemo::open(&db.dir.join("f.db"), 8).expect("two equal copies");
        bytes[16] = 7; // the first copy's mxFrame, mid-write
        std::fs::write(&fake, &bytes).unwrap();
        assert!(whole.state().is_none());
        // No memo without a -shm file, or with room for nothing.
        assert!(ReadMemo::open(&db.dir.join("none.db"), 8).is_none());
        assert!(ReadMemo::open(&db.path, 0).is_none());
        drop(memo);
    }

    #[test]
    fn the_memo_is_bounded() {
        let db = Db::new("bounded");
        let memo = ReadMemo::open(&db.path, 32).unwrap();
        let seen = memo.state().unwrap();
        for i in 0..500 {
            let (session, user) = row(&format!("t{i}"));
            memo.put(&format!("t{i}"), seen, &session, &user);
        }
        assert!(memo.len() <= 32, "{}", memo.len());
        assert!(memo.len() >= 16, "{}", memo.len());
    }
}
