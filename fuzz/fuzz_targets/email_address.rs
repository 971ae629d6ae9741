//! The email address normaliser (what email sign-in sends to and stores).
//!
//! A normalised address is its own normal form (normalising twice changes
//! nothing), is lower case, has exactly one `@` with something on each
//! side, holds no whitespace, control character or `"`, and is at most 320
//! bytes.
#![no_main]

use keyway_core::email_address::{MAX_LEN, normalize};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let Some(address) = normalize(raw) else {
        return;
    };
    assert_eq!(
        normalize(&address).as_deref(),
        Some(address.as_str()),
        "normalising {raw:?} twice changed it"
    );
    assert_eq!(address.to_lowercase(), address, "not lower case");
    assert!(address.len() <= MAX_LEN, "{} bytes", address.len());
    assert!(
        !address
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"'),
        "{address:?}"
    );
    let (local, domain) = address.split_once('@').expect("an address has an @");
    assert!(!local.is_empty() && !domain.is_empty(), "{address:?}");
    assert!(
        !domain.contains('@') && !domain.contains(','),
        "{address:?}"
    );
});
