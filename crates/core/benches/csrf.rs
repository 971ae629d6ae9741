//! CSRF double-submit token: reading a valid cookie and verifying the posted
//! token (every POST), reading a forged cookie, and minting a new token.
//!
//! `cargo bench -p keyway-core --bench csrf`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use keyway_core::csrf::CsrfToken;

const SECRET: &str = "bench-secret-bench-secret-bench-secret-0123";

fn bench(c: &mut Criterion) {
    let minted = CsrfToken::from_cookie_or_new(None, SECRET);
    let cookie = minted.cookie_value_to_set().unwrap_or_default().to_owned();
    let token = minted.token().to_owned();
    // Same shape, hash of another secret: must be refused.
    let forged = CsrfToken::from_cookie_or_new(None, "another-secret")
        .cookie_value_to_set()
        .unwrap_or_default()
        .to_owned();

    let mut group = c.benchmark_group("csrf");
    group.bench_function("cookie_and_verify", |b| {
        b.iter(|| {
            let csrf = CsrfToken::from_cookie_or_new(Some(black_box(&cookie)), SECRET);
            csrf.verify(Some(black_box(&token)))
        })
    });
    group.bench_function("forged_cookie", |b| {
        b.iter(|| {
            let csrf = CsrfToken::from_cookie_or_new(Some(black_box(&forged)), SECRET);
            csrf.verify(Some(black_box(&token)))
        })
    });
    group.bench_function("mint", |b| {
        b.iter(|| CsrfToken::from_cookie_or_new(black_box(None), SECRET))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
