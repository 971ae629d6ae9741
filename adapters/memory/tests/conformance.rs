//! The adapter conformance suite against `MemoryAdapter`, the reference.

mod common;

use std::sync::Arc;

use keyway_memory::MemoryAdapter;

use common::MemoryInspector;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_adapter_passes_the_conformance_suite() {
    let adapter = MemoryAdapter::new();
    let report = keyway_testkit::adapter_conformance(
        Arc::new(adapter.clone()),
        Arc::new(MemoryInspector(adapter.clone())),
    )
    .await;
    println!("{} cases passed", report.passed());
    report.assert_all_passed();
    assert_eq!(report.cases(), 31, "cases: {:?}", report.case_names());
    // Only the stress case cleans up, and it must have removed all its rows.
    assert!(adapter.user_count() < 1_000, "{adapter:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_runs_can_share_one_store() {
    let adapter = MemoryAdapter::new();
    let run = || {
        keyway_testkit::adapter_conformance(
            Arc::new(adapter.clone()),
            Arc::new(MemoryInspector(adapter.clone())),
        )
    };
    let (first, second) = tokio::join!(run(), run());
    first.assert_all_passed();
    second.assert_all_passed();
}
