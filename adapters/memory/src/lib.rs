//! placeholder, replaced by the memory adapter
