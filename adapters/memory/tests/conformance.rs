//! The adapter conformance suite against `MemoryAdapter`, the reference.
//!
//! A test binary without the libtest harness, so that the suite's report
//! (one line per case and the closing count) is always printed, also when
//! every case passes.

mod common;

use std::sync::Arc;

use keyway_memory::MemoryAdapter;

use common::MemoryInspector;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let adapter = MemoryAdapter::new();
    let report = runtime.block_on(keyway_testkit::adapter_conformance(
        Arc::new(adapter.clone()),
        Arc::new(MemoryInspector(adapter.clone())),
    ));
    report.assert_all_passed();
    assert_eq!(report.cases(), 37, "cases: {:?}", report.case_names());
    // Only the stress case cleans up, and it must have removed all its rows.
    assert!(adapter.user_count() < 1_000, "{adapter:?}");
}
