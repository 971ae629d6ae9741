//! Session-token codec: encode, decode, and the decode + encode a JWT session
//! read performs, for each token format.
//!
//! `cargo bench -p keyway-core --bench session_token`

use std::hint::black_box;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use keyway_core::jwt::{Claims, JwsAlgorithm, JwtCodec, TokenFormat};
use serde_json::Value;

const SECRET: &str = "bench-secret-bench-secret-bench-secret-0123";
const MAX_AGE: i64 = 30 * 24 * 3600;

/// The claims of a typical session token (what a sign-in writes).
fn claims() -> Claims {
    let mut c = Claims::new();
    for (k, v) in [
        ("name", "Alice Liddell"),
        ("email", "alice@example.com"),
        ("picture", "https://example.com/avatars/alice.png"),
        ("sub", "6a0f3c1e-8d7b-4f55-9c1d-2b3a4c5d6e7f"),
    ] {
        c.insert(k.into(), Value::from(v));
    }
    c
}

fn formats() -> [(&'static str, TokenFormat, &'static str); 3] {
    [
        ("authjs_v5", TokenFormat::AuthJs, "authjs.session-token"),
        ("nextauth_v4", TokenFormat::NextAuthV4, ""),
        (
            "signed_hs512",
            TokenFormat::signed(JwsAlgorithm::HS512),
            "authjs.session-token",
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let now = Utc::now();
    for (name, format, salt) in formats() {
        let codec = match JwtCodec::new(format, &[SECRET], salt) {
            Ok(codec) => codec,
            Err(e) => panic!("{name}: {e}"),
        };
        let token = match codec.encode(claims(), MAX_AGE, now) {
            Ok(t) => t,
            Err(e) => panic!("{name}: {e}"),
        };
        let mut group = c.benchmark_group(format!("session_token/{name}"));
        group.bench_function("encode", |b| {
            b.iter_batched(
                claims,
                |claims| codec.encode(black_box(claims), MAX_AGE, now),
                criterion::BatchSize::SmallInput,
            )
        });
        group.bench_function("decode", |b| {
            b.iter(|| codec.decode(black_box(&token), now))
        });
        // What a JWT session read costs in the codec: open the cookie's
        // token, then issue the rolled one.
        group.bench_function("decode_encode", |b| {
            b.iter(|| {
                let claims = codec.decode(black_box(&token), now).ok()?;
                codec.encode(claims, MAX_AGE, now).ok()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
