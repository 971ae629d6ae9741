//! `keyway` end to end, as a user runs it: the built binary, an environment
//! the test controls, real databases.

mod common;

mod check;
mod migrate;
mod prune;
mod secret;
