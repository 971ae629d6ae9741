//! Two conformance runs at once against one store: the suite's cases must
//! not depend on each other's data.

mod common;

use std::sync::Arc;

use keyway_memory::MemoryAdapter;

use common::MemoryInspector;

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
