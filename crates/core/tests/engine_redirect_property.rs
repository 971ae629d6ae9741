//! Property: whatever callback URL a request carries (body, query or cookie),
//! the engine's `Location` stays on the site's origin and nothing fails.

mod common;

use common::{Browser, ORIGIN, configured};
use keyway_core::{SessionStrategy, WireMode};
use proptest::prelude::*;

fn hostile() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        Just("//".to_owned()),
        Just("/\\".to_owned()),
        Just("\\".to_owned()),
        Just("@".to_owned()),
        Just(":".to_owned()),
        Just("%2f".to_owned()),
        Just("%5c".to_owned()),
        Just("\t".to_owned()),
        Just("\n".to_owned()),
        Just("http:".to_owned()),
        Just("https://".to_owned()),
        Just("javascript:".to_owned()),
        Just("evil.com".to_owned()),
        Just("127.0.0.1:3000".to_owned()),
        Just("http://127.0.0.1:3000".to_owned()),
        Just("/".to_owned()),
        Just("?".to_owned()),
        Just("#".to_owned()),
        "[a-z0-9./]{0,6}",
        "\\PC{0,3}",
    ];
    proptest::collection::vec(fragment, 0..6).prop_map(|v| v.concat())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn location_never_leaves_the_origin(url in hostile(), via in 0u8..3) {
        let rt = runtime();
        let (auth, _) = configured(SessionStrategy::Jwt, WireMode::AuthJs);
        rt.block_on(async {
            let mut b = Browser::new(auth);
            let csrf = b.csrf().await;
            let enc: String = url::form_urlencoded::byte_serialize(url.as_bytes()).collect();
            let res = match via {
                0 => b.post_form("/api/auth/signout", &[("csrfToken", csrf.as_str()), ("callbackUrl", url.as_str())]).await,
                1 => {
                    b.get(&format!("/api/auth/session?callbackUrl={enc}")).await;
                    b.post_form("/api/auth/signout", &[("csrfToken", csrf.as_str())]).await
                }
                _ => {
                    b.jar.insert("authjs.callback-url".into(), enc.clone());
                    b.post_form("/api/auth/signout", &[("csrfToken", csrf.as_str())]).await
                }
            };
            prop_assert_eq!(res.status, 302);
            let location = res.location().expect("a Location").to_owned();
            let parsed = url::Url::parse(&location).expect("absolute URL");
            prop_assert_eq!(parsed.origin().ascii_serialization(), ORIGIN, "{:?} -> {}", url, location);
            Ok(())
        })?;
    }
}
