//! Auth.js v5 session tokens: golden tokens minted by `@auth/core` 0.41.3
//! (`encode` from `@auth/core/jwt`, jose 6.2.18), key derivation, `kid`,
//! rotation, salt binding, tampering and expiry.

// A test binary: panicking on an unexpected failure is the point.
#![allow(clippy::unwrap_used)]

mod jwt_support;

// Inside `jwt` so that `cargo test jwt` selects these tests.
mod jwt {
    use crate::jwt_support::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use keyway_core::jwt::{JwtCodec, JwtError, TokenFormat};
    use serde_json::{Value, json};

    const SALT: &str = "authjs.session-token";
    const SECURE_SALT: &str = "__Secure-authjs.session-token";

    /// `encode({ token: {name, email, sub: "1"}, secret: GOLDEN_SECRET, salt: SALT, maxAge: 2592000 })`.
    const V5_TOKEN: &str = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2Q0JDLUhTNTEyIiwia2lkIjoiQkx2dW5Nb1I2aWkyMmxNcTl0SkxUYWtUdlRUakZjQnQxTzFBb0dSQ3VDOW5vWk1LUFdteGpMZUVYbEtMSm0ydnAxZ2hmbjVmeVNFOUN1cmRuSC1Mc2cifQ..Ku-gJfZ-apA06M1dveac_Q.91jpgUZHbwdhEcGpldoh6zPlVKDmKihl-K8WnsUA-GaxfRkMEV3h9jRrEltFRrlXHmn5v26IWu2Ev-URBa39Zel4wegIqb6OD_7vTq8KFk226yjOZJJt029Mx7iPq2ePP_jCcud9_uGm4rPD7ZcOBZu_0VDmPkoVaNqoHW9Kse-IJz1FeXY1k_VSugfqLL4_.oEXCP8r_cGfa-40J_biKKek1QaKItR-Qn8nnOyvFG7g";

    /// `encode({ token: {sub: "2"}, secret: [GOLDEN_SECRET, "old"], salt: SECURE_SALT, maxAge: 900 })`.
    const V5_SECURE_TOKEN: &str = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2Q0JDLUhTNTEyIiwia2lkIjoia09od1B5QjV4b0ZXWXFWWUxjQlpveGpOMFprdTNqalNac0NHUFJhWVlTV0ZsSEJ6YlBOa0gyOHhoZ2NVVFZ0MTMwQUYtTWlzeDFDeW1VbHZBSTdGekEifQ..bS7w9y8aI1O5IZpiYr0oyw.ni-xqS2lTRTmVk0LfxoUfztskvp9t77xHZHN0BbUG2kEOaxXtrnMv2FGId47cDxV-MBXvLqeQZpejesXcKMphK1mKNqHoFWzkZhgU94bnOoKWXoKPLH5lfSGqJ6TBxWo._lZyEd5U1bhISSnurGDrv0YXn2xaKtilEK4MLnYz-zM";

    /// jose `EncryptJWT({sub: "gcm"})`, header `{"alg":"dir","enc":"A256GCM"}`,
    /// key = Auth.js's 32-byte key for GOLDEN_SECRET and SALT, exp = iat + 900.
    const V5_GCM_TOKEN: &str = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..M29o7850a8W-28JS.jBJKpz-AafIQmjTOgbk6DgYqp4ErrptdUQjqePlbbMk1DLFCkHhBEj92iko5mA2arvhxxZMOOaKIn9QTchFiyED1QiLGrmbacSvFSP3iSm9J840dXUkpjGpV6C8.VSebDzmieAuP4l8ed16Vbg";

    /// Auth.js's derived 64-byte key for GOLDEN_SECRET and SALT (`@panva/hkdf`).
    const GOLDEN_KEY64_HEX: &str = "e0cf7ae7681a5eeccbd4d7740de1c28ae2fdebfba4aeb6d5842b82f91348ae6ddb17387cc15d99a5739e8fd7fe4a305fc5d05192fe905475c828b9533cf3f902";
    /// jose's `calculateJwkThumbprint` of that key, `sha512`.
    const GOLDEN_KID64: &str =
        "BLvunMoR6ii22lMq9tJLTakTvTTjFcBt1O1AoGRCuC9noZMKPWmxjLeEXlKLJm2vp1ghfn5fySE9CurdnH-Lsg";
    /// The same for the 32-byte (A256GCM) key, `sha256`.
    const GOLDEN_KID32: &str = "ZePeUaelRzGQ0oXC56pqsI-W9cNqGqxdfcu1oroVWuA";

    fn v5(secrets: &[&str], salt: &str) -> JwtCodec {
        JwtCodec::new(TokenFormat::AuthJs, secrets, salt).unwrap()
    }

    #[test]
    fn decodes_a_token_minted_by_authjs() {
        let got = v5(&[GOLDEN_SECRET], SALT)
            .decode(V5_TOKEN, at(GOLDEN_NOW))
            .unwrap();
        let want = json!({
            "name": "Alice Liddell", "email": "alice@example.com", "sub": "1",
            "iat": 1_795_441_460, "exp": 1_798_033_460,
            "jti": "4a496303-65a2-4cbd-bfae-10608b048a9c"
        });
        assert_eq!(Value::Object(got), want);
    }

    #[test]
    fn decodes_an_a256gcm_token_without_kid() {
        let got = v5(&[GOLDEN_SECRET], SALT)
            .decode(V5_GCM_TOKEN, at(GOLDEN_NOW))
            .unwrap();
        assert_eq!(got["sub"], "gcm");
        // ... and, without a kid, finds the right secret among several.
        let rotated = v5(&["a-newer-secret", GOLDEN_SECRET], SALT);
        assert_eq!(
            rotated.decode(V5_GCM_TOKEN, at(GOLDEN_NOW)).unwrap()["sub"],
            "gcm"
        );
        assert_eq!(
            v5(&["a-newer-secret"], SALT).decode(V5_GCM_TOKEN, at(GOLDEN_NOW)),
            Err(JwtError::Decryption)
        );
    }

    #[test]
    fn secure_cookie_token_is_bound_to_its_cookie_name() {
        let secure = v5(&[GOLDEN_SECRET], SECURE_SALT);
        assert_eq!(
            secure.decode(V5_SECURE_TOKEN, at(GOLDEN_NOW)).unwrap()["sub"],
            "2"
        );
        assert!(secure.decode(V5_TOKEN, at(GOLDEN_NOW)).is_err());
        assert!(
            v5(&[GOLDEN_SECRET], SALT)
                .decode(V5_SECURE_TOKEN, at(GOLDEN_NOW))
                .is_err()
        );
        // Our own tokens are bound the same way, in both directions.
        let plain = v5(&[GOLDEN_SECRET], SALT);
        let ours = plain
            .encode(claims(json!({"sub": "3"})), 60, at(GOLDEN_NOW))
            .unwrap();
        assert_eq!(
            secure.decode(&ours, at(GOLDEN_NOW)),
            Err(JwtError::Decryption)
        );
        let ours = secure
            .encode(claims(json!({"sub": "3"})), 60, at(GOLDEN_NOW))
            .unwrap();
        assert_eq!(
            plain.decode(&ours, at(GOLDEN_NOW)),
            Err(JwtError::Decryption)
        );
    }

    #[test]
    fn key_derivation_known_answer() {
        // HKDF computed independently here agrees with Auth.js's key ...
        let key = authjs_key(GOLDEN_SECRET, SALT, 64);
        assert_eq!(hex(&key), GOLDEN_KEY64_HEX);
        // ... and its thumbprint, computed here, with jose's.
        assert_eq!(thumbprint(&key), GOLDEN_KID64);
        assert_eq!(
            thumbprint(&authjs_key(GOLDEN_SECRET, SALT, 32)),
            GOLDEN_KID32
        );
        // The codec names exactly that key.
        let token = v5(&[GOLDEN_SECRET], SALT)
            .encode(claims(json!({})), 60, at(GOLDEN_NOW))
            .unwrap();
        let header: Value = serde_json::from_str(&header_text(&token)).unwrap();
        assert_eq!(header["kid"], GOLDEN_KID64);
    }

    #[test]
    fn header_is_exactly_alg_enc_kid() {
        let token = v5(&[GOLDEN_SECRET], SALT)
            .encode(claims(json!({"sub": "1"})), 60, at(GOLDEN_NOW))
            .unwrap();
        assert_eq!(
            header_text(&token),
            format!(r#"{{"alg":"dir","enc":"A256CBC-HS512","kid":"{GOLDEN_KID64}"}}"#)
        );
        // Same header bytes as Auth.js's own token.
        assert_eq!(token.split('.').next(), V5_TOKEN.split('.').next());
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 5);
        assert_eq!(parts[1], "");
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[2]).unwrap().len(), 16);
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[4]).unwrap().len(), 32);
    }

    #[test]
    fn encode_stamps_iat_exp_jti_and_keeps_other_claims() {
        let codec = v5(&[GOLDEN_SECRET], SALT);
        let input =
            claims(json!({"sub": "1", "name": null, "iat": 1, "exp": 2, "jti": "x", "n": [1, 2]}));
        let a = codec
            .encode(input.clone(), 2_592_000, at(GOLDEN_NOW))
            .unwrap();
        let b = codec.encode(input, 2_592_000, at(GOLDEN_NOW)).unwrap();
        assert_ne!(a, b);
        let (a, b) = (
            codec.decode(&a, at(GOLDEN_NOW)).unwrap(),
            codec.decode(&b, at(GOLDEN_NOW)).unwrap(),
        );
        assert_eq!(a["iat"], GOLDEN_NOW);
        assert_eq!(a["exp"], GOLDEN_NOW + 2_592_000);
        assert_eq!(a["sub"], "1");
        assert_eq!(a["name"], Value::Null);
        assert_eq!(a["n"], json!([1, 2]));
        let jti = a["jti"].as_str().unwrap();
        assert_eq!((jti.len(), jti.as_bytes()[14]), (36, b'4'));
        assert_ne!(a["jti"], b["jti"]);
        assert_eq!(a.len(), 6);
    }

    #[test]
    fn rotation_decodes_with_any_listed_secret_chosen_by_kid() {
        let old = v5(&["secret-A"], SALT);
        let rotated = v5(&["secret-B", "secret-A"], SALT);
        let only_new = v5(&["secret-B"], SALT);
        let token_a = old
            .encode(claims(json!({"sub": "a"})), 60, at(GOLDEN_NOW))
            .unwrap();
        assert_eq!(
            rotated.decode(&token_a, at(GOLDEN_NOW)).unwrap()["sub"],
            "a"
        );
        assert_eq!(
            only_new.decode(&token_a, at(GOLDEN_NOW)),
            Err(JwtError::Decryption)
        );
        // The first secret encrypts.
        let token_b = rotated
            .encode(claims(json!({"sub": "b"})), 60, at(GOLDEN_NOW))
            .unwrap();
        assert_eq!(
            only_new.decode(&token_b, at(GOLDEN_NOW)).unwrap()["sub"],
            "b"
        );
        assert_eq!(
            old.decode(&token_b, at(GOLDEN_NOW)),
            Err(JwtError::Decryption)
        );
        // Auth.js's own rotated token (secret list [GOLDEN_SECRET, "old"]).
        assert!(
            v5(&["old", GOLDEN_SECRET], SECURE_SALT)
                .decode(V5_SECURE_TOKEN, at(GOLDEN_NOW))
                .is_ok()
        );
    }

    #[test]
    fn tampering_with_any_segment_fails() {
        let codec = v5(&[GOLDEN_SECRET], SALT);
        for token in [
            V5_TOKEN.to_owned(),
            codec
                .encode(claims(json!({"sub": "1"})), 60, at(GOLDEN_NOW))
                .unwrap(),
        ] {
            assert!(codec.decode(&token, at(GOLDEN_NOW)).is_ok());
            for index in 0..5 {
                let bad = tamper_segment(&token, index);
                assert!(
                    codec.decode(&bad, at(GOLDEN_NOW)).is_err(),
                    "segment {index}"
                );
            }
            // A header that still parses but differs in its bytes changes the
            // AAD: authentication must fail.
            let (header, rest) = token.split_once('.').unwrap();
            let spaced = header_text(&token).replace(",", ", ");
            assert_ne!(URL_SAFE_NO_PAD.encode(&spaced), header);
            let bad = format!("{}.{rest}", URL_SAFE_NO_PAD.encode(spaced));
            assert_eq!(
                codec.decode(&bad, at(GOLDEN_NOW)),
                Err(JwtError::Decryption)
            );
            // Truncations and garbage.
            assert!(
                codec
                    .decode(&token[..token.len() - 2], at(GOLDEN_NOW))
                    .is_err()
            );
            assert!(codec.decode("", at(GOLDEN_NOW)).is_err());
            assert!(codec.decode("....", at(GOLDEN_NOW)).is_err());
        }
    }

    #[test]
    fn expiry_has_a_15_second_tolerance() {
        let codec = v5(&[GOLDEN_SECRET], SALT);
        let t0 = GOLDEN_NOW;
        let token = codec
            .encode(claims(json!({"sub": "1"})), 60, at(t0))
            .unwrap();
        assert!(codec.decode(&token, at(t0 + 60)).is_ok());
        assert!(codec.decode(&token, at(t0 + 74)).is_ok());
        assert_eq!(codec.decode(&token, at(t0 + 75)), Err(JwtError::Expired));
        assert_eq!(codec.decode(&token, at(t0 + 3_600)), Err(JwtError::Expired));
        // Auth.js's token expires at 1798033460.
        assert!(codec.decode(V5_TOKEN, at(1_798_033_474)).is_ok());
        assert_eq!(
            codec.decode(V5_TOKEN, at(1_798_033_475)),
            Err(JwtError::Expired)
        );
    }

    #[test]
    fn a_v4_token_is_not_a_v5_token() {
        let v4 = JwtCodec::new(TokenFormat::NextAuthV4, &[GOLDEN_SECRET], SALT).unwrap();
        let token = v4
            .encode(claims(json!({"sub": "1"})), 60, at(GOLDEN_NOW))
            .unwrap();
        assert_eq!(
            v5(&[GOLDEN_SECRET], SALT).decode(&token, at(GOLDEN_NOW)),
            Err(JwtError::Decryption)
        );
    }
}
