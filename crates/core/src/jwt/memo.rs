//! The read memo: the session claims of encrypted tokens this codec has
//! already decrypted and verified, so that the next read of the same token
//! skips the HMAC, the AES and the JSON.
//!
//! A browser sends the same session cookie on every request until the token
//! is re-issued (once per JWT update age), so a server decrypts the same few
//! hundred bytes again and again. What a token says never changes: its
//! claims are a function of its bytes and the codec's keys, which are fixed
//! for the codec's life (a new secret builds a new codec, and a new memo).
//! The memo keeps that function's recent answers.
//!
//! # What it keeps
//!
//! * Only tokens that decrypted, verified and parsed go in; a token that
//!   failed is decoded again every time, with the same error. An attacker
//!   without the key cannot add an entry.
//! * An entry answers only for a token byte for byte equal to the one it was
//!   made from (compared in constant time), and its time claims are checked
//!   against the reading's clock on every hit, as a fresh decode checks
//!   them: an expired token fails with [`JwtError::Expired`] from the memo
//!   too, and leaves it.
//! * Entries are found by the token's last segment, the authentication tag
//!   (an HMAC output: uniform for real tokens), hashed with a per-process
//!   random key, so nobody can aim many tokens at one bucket.
//! * Next to the claims, an entry can keep the session JSON a plain read of
//!   its token answers when the application set no callbacks or events
//!   ([`ReadMemo::session_json`]): that answer is a function of the claims
//!   alone (the `expires` it states is the token's own `exp`), made once
//!   by the same code as a read that builds it, then shared.
//! * It is bounded: at most `capacity` entries of tokens of at most
//!   [`MAX_TOKEN_BYTES`] each; a full shard drops one entry for the new one.
//!   Sixteen shards, each behind its own lock held for a hash lookup, keep
//!   the request threads from waiting on each other.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};
use std::sync::{Mutex, OnceLock, PoisonError};

use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::JwtError;
use super::session_claims::SessionClaims;

/// Tokens longer than this are not kept (a session token is usually 400 to
/// 900 bytes; a cookie holds about 4 KB).
pub(super) const MAX_TOKEN_BYTES: usize = 4096;

const SHARDS: usize = 16;

/// A remembered token: its bytes, and what it says.
struct Entry {
    token: Box<[u8]>,
    claims: SessionClaims,
    /// The session JSON of a plain read, once one was asked for.
    json: OnceLock<Option<Bytes>>,
}

/// Whether `a` and `b` are equal, in time that depends on their length
/// only: every byte is looked at, with no branch on what it holds.
/// (`subtle`'s byte-wise comparison puts an optimisation barrier on every
/// byte, which costs more than the rest of a remembered read.)
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// The keys are already keyed hashes: the map uses them as they are.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used; fold anything else in all the same.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type Shard = HashMap<u64, Entry, BuildHasherDefault<PassThrough>>;

/// The entry under `key` when it was made from exactly `token`.
fn entry_of<'s>(shard: &'s Shard, key: u64, token: &str) -> Option<&'s Entry> {
    shard
        .get(&key)
        .filter(|entry| same_bytes(&entry.token, token.as_bytes()))
}

/// See the module docs.
pub(super) struct ReadMemo {
    shards: Box<[Mutex<Shard>]>,
    per_shard: usize,
    hasher: RandomState,
}

impl ReadMemo {
    /// A memo of at most `capacity` tokens; `None` for `0`.
    pub(super) fn new(capacity: usize) -> Option<Self> {
        if capacity == 0 {
            return None;
        }
        let per_shard = capacity.div_ceil(SHARDS);
        Some(Self {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            per_shard,
            hasher: RandomState::new(),
        })
    }

    /// The lookup key of `token` and its shard, or `None` for a token the
    /// memo does not keep.
    fn key(&self, token: &str) -> Option<(u64, &Mutex<Shard>)> {
        if token.len() > MAX_TOKEN_BYTES {
            return None;
        }
        let (_, tag) = token.rsplit_once('.')?;
        let key = self.hasher.hash_one(tag);
        let shard = &self.shards[(key % SHARDS as u64) as usize];
        Some((key, shard))
    }

    /// The claims remembered for `token`, checked against `now`: `None`
    /// when the memo has not seen it, an error when it has expired (the
    /// entry is dropped).
    pub(super) fn get(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Option<Result<SessionClaims, JwtError>> {
        let (key, shard) = self.key(token)?;
        let mut shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = entry_of(&shard, key, token)?;
        match entry.claims.check_times(now) {
            Ok(()) => Some(Ok(entry.claims.clone())),
            Err(e) => {
                shard.remove(&key);
                Some(Err(e))
            }
        }
    }

    /// The session JSON of `token`, when the memo knows the token, it has
    /// not expired at `now` and `fresh` accepts its `iat` (a token due to be
    /// re-issued is read in full instead). `make` builds the JSON from the
    /// claims on the first such read; its answer, `None` included, is kept
    /// with the entry. `None` whenever the caller must read the token as
    /// usual (which also reports an expired token, and drops it).
    pub(super) fn session_json(
        &self,
        token: &str,
        now: DateTime<Utc>,
        fresh: impl FnOnce(Option<i64>) -> bool,
        make: impl FnOnce(&SessionClaims) -> Option<Bytes>,
    ) -> Option<Bytes> {
        let (key, shard) = self.key(token)?;
        let shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = entry_of(&shard, key, token)?;
        if entry.claims.check_times(now).is_err() || !fresh(entry.claims.issued_at()) {
            return None;
        }
        entry.json.get_or_init(|| make(&entry.claims)).clone()
    }

    /// Remembers that `token` says `claims`.
    pub(super) fn put(&self, token: &str, claims: &SessionClaims) {
        let Some((key, shard)) = self.key(token) else {
            return;
        };
        let mut shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
        if shard.len() >= self.per_shard
            && !shard.contains_key(&key)
            && let Some(&old) = shard.keys().next()
        {
            shard.remove(&old);
        }
        shard.insert(
            key,
            Entry {
                token: token.as_bytes().into(),
                claims: claims.clone(),
                json: OnceLock::new(),
            },
        );
    }

    /// How many tokens it holds.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::jwt::{Claims, JwtCodec, TokenFormat};

    const SECRET: &str = "a-long-random-secret-value-0123456789";

    fn codec(memo: usize) -> JwtCodec {
        JwtCodec::new(TokenFormat::AuthJs, &[SECRET], "authjs.session-token")
            .unwrap()
            .with_read_memo(memo)
    }

    fn token(codec: &JwtCodec, sub: &str, now: DateTime<Utc>) -> String {
        let mut claims = Claims::new();
        claims.insert("sub".into(), sub.into());
        claims.insert("name".into(), format!("user {sub}").into());
        claims.insert("extra".into(), serde_json::json!({"roles": ["a", "b"]}));
        codec.encode(claims, 3600, now).unwrap()
    }

    fn memo(codec: &JwtCodec) -> &ReadMemo {
        codec.memo.as_deref().expect("a memo")
    }

    #[test]
    fn bytes_compare_equal_only_when_all_of_them_are() {
        let a = vec![7u8; 700];
        assert!(same_bytes(&a, &a.clone()));
        for i in [0, 1, 350, 698, 699] {
            let mut b = a.clone();
            b[i] ^= 0x80;
            assert!(!same_bytes(&a, &b), "{i}");
        }
        assert!(!same_bytes(&a, &a[..699]));
        assert!(same_bytes(b"", b""));
    }

    #[test]
    fn the_session_json_is_made_once_per_token_and_only_for_a_token_that_reads() {
        let now = Utc::now();
        let c = codec(8);
        let t = token(&c, "u1", now);
        let made = std::cell::Cell::new(0);
        let make = |claims: &SessionClaims| {
            made.set(made.get() + 1);
            claims.sub.clone().map(Bytes::from)
        };
        // Not read yet: nothing remembered, nothing made.
        assert_eq!(c.remembered_session_json(&t, now, |_| true, make), None);
        assert_eq!(made.get(), 0);
        c.decode_session(&t, now).unwrap();
        let first = c.remembered_session_json(&t, now, |_| true, make);
        assert_eq!(first.as_deref(), Some(&b"u1"[..]));
        let again = c.remembered_session_json(&t, now, |_| true, make);
        assert_eq!(again, first);
        assert_eq!(made.get(), 1, "made once, then shared");
        // The caller's freshness check sees the token's own `iat`.
        let iat = now.timestamp();
        assert_eq!(
            c.remembered_session_json(&t, now, |i| i != Some(iat), make),
            None
        );
        // A token differing in one byte of its ciphertext, same tag: none.
        let mut segments: Vec<String> = t.split('.').map(str::to_owned).collect();
        let flipped = if segments[3].starts_with('A') {
            "B"
        } else {
            "A"
        };
        segments[3].replace_range(0..1, flipped);
        let forged = segments.join(".");
        assert_eq!(
            c.remembered_session_json(&forged, now, |_| true, make),
            None
        );
        // Past its expiry: none, and the usual read reports it.
        let later = now + Duration::hours(2);
        assert_eq!(c.remembered_session_json(&t, later, |_| true, make), None);
        assert!(matches!(
            c.decode_session(&t, later),
            Err(JwtError::Expired)
        ));
        assert_eq!(made.get(), 1);
    }

    #[test]
    fn a_remembered_token_reads_as_a_fresh_decode_does() {
        let now = Utc::now();
        let with = codec(8);
        let without = codec(0);
        assert!(without.memo.is_none());
        let t = token(&with, "u1", now);
        let fresh = without.decode_session(&t, now).unwrap();
        assert_eq!(with.decode_session(&t, now).unwrap(), fresh);
        assert_eq!(memo(&with).len(), 1);
        // Served from the memo now: still the same claims, still one entry.
        assert!(memo(&with).get(&t, now).is_some());
        assert_eq!(with.decode_session(&t, now).unwrap(), fresh);
        assert_eq!(memo(&with).len(), 1);
        assert_eq!(fresh.sub.as_deref(), Some("u1"));
    }

    #[test]
    fn only_the_exact_token_is_answered_and_failures_are_not_kept() {
        let now = Utc::now();
        let c = codec(8);
        let t = token(&c, "u1", now);
        c.decode_session(&t, now).unwrap();
        // Same tag, another byte in the ciphertext: not the remembered
        // token, so it is decrypted, and refused.
        let segments: Vec<&str> = t.split('.').collect();
        let mut ciphertext = segments[3].to_owned();
        let first = if ciphertext.starts_with('A') {
            "B"
        } else {
            "A"
        };
        ciphertext.replace_range(0..1, first);
        let forged = [
            segments[0],
            segments[1],
            segments[2],
            &ciphertext,
            segments[4],
        ]
        .join(".");
        assert!(memo(&c).get(&forged, now).is_none());
        assert_eq!(
            c.decode_session(&forged, now).unwrap_err(),
            JwtError::Decryption
        );
        // A prefix or an extension of the token is another token too.
        assert!(memo(&c).get(&t[1..], now).is_none());
        assert!(memo(&c).get(&format!("{t}A"), now).is_none());
        assert!(c.decode_session("not.a.token", now).is_err());
        assert_eq!(memo(&c).len(), 1);
    }

    #[test]
    fn a_remembered_token_still_expires() {
        let now = Utc::now();
        let c = codec(8);
        let t = token(&c, "u1", now);
        c.decode_session(&t, now).unwrap();
        let later = now + Duration::hours(2);
        assert_eq!(c.decode_session(&t, later).unwrap_err(), JwtError::Expired);
        assert_eq!(memo(&c).len(), 0, "an expired token leaves the memo");
        assert_eq!(c.decode_session(&t, later).unwrap_err(), JwtError::Expired);
        // Not valid before its `nbf` either, memo or not.
        let mut claims = Claims::new();
        claims.insert(
            "nbf".into(),
            (now + Duration::minutes(10)).timestamp().into(),
        );
        let early = c.encode(claims, 3600, now).unwrap();
        let in_a_while = now + Duration::minutes(20);
        c.decode_session(&early, in_a_while).unwrap();
        assert!(memo(&c).get(&early, in_a_while).is_some());
        assert_eq!(
            c.decode_session(&early, now).unwrap_err(),
            JwtError::NotYetValid
        );
    }

    #[test]
    fn the_memo_stays_within_its_capacity() {
        let now = Utc::now();
        let c = codec(32);
        let tokens: Vec<String> = (0..200).map(|i| token(&c, &i.to_string(), now)).collect();
        for t in &tokens {
            c.decode_session(t, now).unwrap();
            assert!(memo(&c).len() <= 32);
        }
        assert!(memo(&c).len() >= 16, "{}", memo(&c).len());
        // Every token still reads right, remembered or not.
        for (i, t) in tokens.iter().enumerate() {
            let claims = c.decode_session(t, now).unwrap();
            assert_eq!(claims.sub, Some(i.to_string()));
        }
        // Tokens too long to keep are read, not kept.
        let mut claims = Claims::new();
        claims.insert("pad".into(), "x".repeat(MAX_TOKEN_BYTES).into());
        let long = c.encode(claims, 3600, now).unwrap();
        let before = memo(&c).len();
        c.decode_session(&long, now).unwrap();
        assert!(memo(&c).get(&long, now).is_none());
        assert!(memo(&c).len() <= before);
    }

    #[test]
    fn clones_share_one_memo_and_another_secret_reads_nothing_from_it() {
        let now = Utc::now();
        let c = codec(8);
        let t = token(&c, "u1", now);
        c.clone().decode_session(&t, now).unwrap();
        assert_eq!(memo(&c).len(), 1);
        let other = JwtCodec::new(
            TokenFormat::AuthJs,
            &["another-long-random-secret-value-987"],
            "authjs.session-token",
        )
        .unwrap()
        .with_read_memo(8);
        assert!(other.decode_session(&t, now).is_err());
    }
}
