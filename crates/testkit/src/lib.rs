//! # keyway-testkit
//!
//! Test suites shared by keyway's crates, so that every implementation is
//! held to the same contract instead of each carrying its own copy of the
//! tests.
//!
//! - [`conformance`]: the adapter conformance suite. Every database adapter
//!   runs it against itself from an integration test; see
//!   [`conformance::Inspector`] for how.
//! - [`binding`]: the binding HTTP suite. Every framework binding (axum,
//!   actix-web, rocket) runs it against its app; see
//!   [`binding::BindingUnderTest`] for how.
//! - [`support`]: scaffolding for keyway's own tests: a cookie-keeping
//!   [`Browser`](support::Browser) over `Auth::handle`, a
//!   [`FaultyAdapter`](support::FaultyAdapter) that fails and counts adapter
//!   operations, and [`LogCapture`](support::LogCapture).

pub mod binding;
mod case;
pub mod conformance;
pub mod support;

pub use conformance::run as adapter_conformance;
