//! next-auth v4 tokens: golden tokens minted by next-auth 4.24.15
//! (`encode` from `next-auth/jwt`, jose 4.15.9) and our own.

// A test binary: panicking on an unexpected failure is the point.
#![allow(clippy::unwrap_used)]

mod jwt_support;

// Inside `jwt` so that `cargo test jwt` selects these tests.
mod jwt {
    use crate::jwt_support::*;
    use keyway_core::jwt::{JwtCodec, JwtError, TokenFormat};
    use serde_json::{Value, json};

    /// `encode({ token: {name, email, sub: "1"}, secret: GOLDEN_SECRET, maxAge: 2592000 })` (salt "").
    const V4_TOKEN: &str = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..Aq29apZbosFqs_jP.TmKRIIeq9cZ55oNWqt8kpWyZNgzKj8X9BYy9CFfrTCtglsjsnftDnWJazKtrZ6tfjqpoKvBuzzlqVz5wdi6TqlkQJjE1yr6QSLw-kacqBUfFvQx27wR6_hFI5-ZnUYLGPVgITDvTBjWFl6JaaUplQwxEpcOQJ4HWXOVBa403D8AMfkou31sMAmnpcDla.bL90jK3OLoVAQr-GJdyBYA";

    /// `encode({ token: {value: "v", provider: "idp"}, secret: GOLDEN_SECRET, salt: "next-auth.state", maxAge: 900 })`.
    const V4_STATE_TOKEN: &str = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..Ft86pzLrijHPfDpD.1-cXcCBd1BXKEf-F-dA7hgAOCBinp4oemwrImQVFdt327qb31qqKKEp4Mfs8PAGb_JWTFPC2VmpgtDmNyceLhqrNQlqDNu41MTRefxbgA2ChOpTRhYjucTlMvA0q9tnpxxIC7VgjixC1CFqEKQ.b1boC2zGyl801N57bd_Yrw";

    fn v4(secrets: &[&str], salt: &str) -> JwtCodec {
        JwtCodec::new(TokenFormat::NextAuthV4, secrets, salt).unwrap()
    }

    #[test]
    fn decodes_a_session_token_minted_by_next_auth_v4() {
        let got = v4(&[GOLDEN_SECRET], "")
            .decode(V4_TOKEN, at(GOLDEN_NOW))
            .unwrap();
        let want = json!({
            "name": "Alice Liddell", "email": "alice@example.com", "sub": "1",
            "iat": 1_795_441_462, "exp": 1_798_033_462,
            "jti": "29c6948c-dc8b-4245-a9ed-ef298a517715"
        });
        assert_eq!(Value::Object(got), want);
    }

    #[test]
    fn decodes_a_salted_check_cookie_minted_by_next_auth_v4() {
        let state = v4(&[GOLDEN_SECRET], "next-auth.state");
        let got = state.decode(V4_STATE_TOKEN, at(GOLDEN_NOW)).unwrap();
        assert_eq!(
            (got["value"].as_str(), got["provider"].as_str()),
            (Some("v"), Some("idp"))
        );
        assert_eq!(got["exp"], 1_795_442_362);
        // The salt is part of the key: the session codec cannot read it.
        assert_eq!(
            v4(&[GOLDEN_SECRET], "").decode(V4_STATE_TOKEN, at(GOLDEN_NOW)),
            Err(JwtError::Decryption)
        );
        assert_eq!(
            state.decode(V4_STATE_TOKEN, at(1_795_442_362 + 15)),
            Err(JwtError::Expired)
        );
    }

    #[test]
    fn header_is_exactly_alg_and_enc() {
        let token = v4(&[GOLDEN_SECRET], "")
            .encode(claims(json!({"sub": "1"})), 60, at(GOLDEN_NOW))
            .unwrap();
        assert_eq!(header_text(&token), r#"{"alg":"dir","enc":"A256GCM"}"#);
        assert_eq!(token.split('.').next(), V4_TOKEN.split('.').next());
    }

    #[test]
    fn every_secret_is_tried() {
        let old = v4(&["secret-A"], "");
        let token = old
            .encode(claims(json!({"sub": "a"})), 60, at(GOLDEN_NOW))
            .unwrap();
        assert_eq!(
            v4(&["secret-B", "secret-A"], "")
                .decode(&token, at(GOLDEN_NOW))
                .unwrap()["sub"],
            "a"
        );
        assert_eq!(
            v4(&["secret-B"], "").decode(&token, at(GOLDEN_NOW)),
            Err(JwtError::Decryption)
        );
        assert_eq!(
            v4(&["other", GOLDEN_SECRET], "")
                .decode(V4_TOKEN, at(GOLDEN_NOW))
                .unwrap()["sub"],
            "1"
        );
    }

    #[test]
    fn tampering_with_any_segment_fails() {
        let codec = v4(&[GOLDEN_SECRET], "");
        for index in 0..5 {
            let bad = tamper_segment(V4_TOKEN, index);
            assert!(
                codec.decode(&bad, at(GOLDEN_NOW)).is_err(),
                "segment {index}"
            );
        }
    }

    #[test]
    fn v4_does_not_read_v5_tokens() {
        let v5 = JwtCodec::new(TokenFormat::AuthJs, &[GOLDEN_SECRET], "").unwrap();
        let token = v5.encode(claims(json!({})), 60, at(GOLDEN_NOW)).unwrap();
        assert!(matches!(
            v4(&[GOLDEN_SECRET], "").decode(&token, at(GOLDEN_NOW)),
            Err(JwtError::UnsupportedHeader(_))
        ));
    }
}
