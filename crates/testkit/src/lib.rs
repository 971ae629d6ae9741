//! placeholder, replaced by the conformance suite
