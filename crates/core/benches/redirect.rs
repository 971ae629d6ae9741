//! Callback URL checking: the default redirect callback on the URLs a site
//! sees every day and on the spellings an attacker tries.
//!
//! `cargo bench -p keyway-core --bench redirect`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use keyway_core::redirect::{Origin, default_redirect};

const TYPICAL: &[(&str, &str)] = &[
    ("path", "/dashboard"),
    ("path_query", "/orders?page=2&sort=date#top"),
    ("same_origin", "https://example.com/settings/profile"),
    ("origin", "https://example.com"),
];

const HOSTILE: &[(&str, &str)] = &[
    ("other_host", "https://evil.example/phish"),
    ("protocol_relative", "//evil.example/x"),
    ("backslash", "/\\evil.example"),
    ("userinfo", "https://example.com@evil.example/"),
    ("scheme_only", "https:evil.example"),
    ("javascript", "javascript:alert(1)"),
    ("tab", "/\t/evil.example"),
];

fn bench(c: &mut Criterion) {
    let Some(origin) = Origin::parse("https://example.com") else {
        panic!("the bench origin must parse");
    };
    let long = format!("/{}", "a".repeat(5000));
    let mut group = c.benchmark_group("redirect");
    for (name, url) in TYPICAL {
        group.bench_function(format!("typical/{name}"), |b| {
            b.iter(|| default_redirect(black_box(url), &origin))
        });
    }
    for (name, url) in HOSTILE {
        group.bench_function(format!("hostile/{name}"), |b| {
            b.iter(|| default_redirect(black_box(url), &origin))
        });
    }
    group.bench_function("hostile/too_long", |b| {
        b.iter(|| default_redirect(black_box(&long), &origin))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
