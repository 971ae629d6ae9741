//! Cross-check against an independent JOSE implementation (josekit, on
//! OpenSSL): each side reads the other's tokens, given the key derived in
//! the test.

// A test binary: panicking on an unexpected failure is the point.
#![allow(clippy::unwrap_used)]

mod jwt_support;

// Inside `jwt` so that `cargo test jwt` selects these tests.
mod jwt {
    use crate::jwt_support::*;
    use josekit::jwe::{Dir, JweHeader};
    use keyway_core::jwt::{JwtCodec, JwtError, TokenFormat};
    use serde_json::{Value, json};

    const SECRET: &str = "josekit-cross-check-secret";
    const SALT: &str = "authjs.session-token";

    fn josekit_decrypt(token: &str, key: &[u8]) -> (Value, JweHeader) {
        let decrypter = Dir.decrypter_from_bytes(key).unwrap();
        let (payload, header) = josekit::jwe::deserialize_compact(token, &decrypter).unwrap();
        (serde_json::from_slice(&payload).unwrap(), header)
    }

    fn josekit_encrypt(payload: &Value, enc: &str, kid: Option<&str>, key: &[u8]) -> String {
        let mut header = JweHeader::new();
        header.set_content_encryption(enc);
        if let Some(kid) = kid {
            header.set_key_id(kid);
        }
        let encrypter = Dir.encrypter_from_bytes(key).unwrap();
        josekit::jwe::serialize_compact(payload.to_string().as_bytes(), &header, &encrypter)
            .unwrap()
    }

    #[test]
    fn josekit_decrypts_v5_tokens() {
        let codec = JwtCodec::new(TokenFormat::AuthJs, &[SECRET], SALT).unwrap();
        let token = codec
            .encode(
                claims(json!({"sub": "1", "email": "a@b.c"})),
                60,
                at(GOLDEN_NOW),
            )
            .unwrap();
        let key = authjs_key(SECRET, SALT, 64);
        let (payload, header) = josekit_decrypt(&token, &key);
        assert_eq!(payload["sub"], "1");
        assert_eq!(payload["email"], "a@b.c");
        assert_eq!(payload["exp"], GOLDEN_NOW + 60);
        assert_eq!(header.content_encryption(), Some("A256CBC-HS512"));
        assert_eq!(header.key_id(), Some(thumbprint(&key).as_str()));
        // A key derived with another salt does not open it.
        let other = authjs_key(SECRET, "__Secure-authjs.session-token", 64);
        let decrypter = Dir.decrypter_from_bytes(&other).unwrap();
        assert!(josekit::jwe::deserialize_compact(&token, &decrypter).is_err());
    }

    #[test]
    fn josekit_decrypts_v4_tokens() {
        for salt in ["", "next-auth.pkce.code_verifier"] {
            let codec = JwtCodec::new(TokenFormat::NextAuthV4, &[SECRET], salt).unwrap();
            let token = codec
                .encode(claims(json!({"value": "v"})), 900, at(GOLDEN_NOW))
                .unwrap();
            let (payload, header) = josekit_decrypt(&token, &nextauth_v4_key(SECRET, salt));
            assert_eq!(payload["value"], "v", "salt {salt:?}");
            assert_eq!(header.content_encryption(), Some("A256GCM"));
            assert_eq!(header.key_id(), None);
        }
    }

    fn valid_claims() -> Value {
        json!({"sub": "from-josekit", "iat": GOLDEN_NOW, "exp": GOLDEN_NOW + 60})
    }

    #[test]
    fn v5_codec_decodes_josekit_tokens() {
        let codec = JwtCodec::new(TokenFormat::AuthJs, &[SECRET], SALT).unwrap();
        let key64 = authjs_key(SECRET, SALT, 64);
        let key32 = authjs_key(SECRET, SALT, 32);
        let tokens = [
            josekit_encrypt(
                &valid_claims(),
                "A256CBC-HS512",
                Some(&thumbprint(&key64)),
                &key64,
            ),
            josekit_encrypt(&valid_claims(), "A256CBC-HS512", None, &key64),
            josekit_encrypt(
                &valid_claims(),
                "A256GCM",
                Some(&thumbprint(&key32)),
                &key32,
            ),
            josekit_encrypt(&valid_claims(), "A256GCM", None, &key32),
        ];
        for token in &tokens {
            assert_eq!(
                codec.decode(token, at(GOLDEN_NOW)).unwrap()["sub"],
                "from-josekit",
                "{}",
                header_text(token)
            );
        }
        // A kid that names no configured secret is refused even though the key
        // itself would fit.
        let wrong_kid = josekit_encrypt(&valid_claims(), "A256CBC-HS512", Some("nope"), &key64);
        assert_eq!(
            codec.decode(&wrong_kid, at(GOLDEN_NOW)),
            Err(JwtError::Decryption)
        );
        // Another key: refused.
        let other = authjs_key("another-secret", SALT, 64);
        let foreign = josekit_encrypt(&valid_claims(), "A256CBC-HS512", None, &other);
        assert_eq!(
            codec.decode(&foreign, at(GOLDEN_NOW)),
            Err(JwtError::Decryption)
        );
    }

    #[test]
    fn v4_codec_decodes_josekit_tokens() {
        let codec = JwtCodec::new(TokenFormat::NextAuthV4, &[SECRET], "").unwrap();
        let token = josekit_encrypt(
            &valid_claims(),
            "A256GCM",
            None,
            &nextauth_v4_key(SECRET, ""),
        );
        assert_eq!(
            codec.decode(&token, at(GOLDEN_NOW)).unwrap()["sub"],
            "from-josekit"
        );
        let expired = josekit_encrypt(
            &json!({"exp": GOLDEN_NOW - 16}),
            "A256GCM",
            None,
            &nextauth_v4_key(SECRET, ""),
        );
        assert_eq!(
            codec.decode(&expired, at(GOLDEN_NOW)),
            Err(JwtError::Expired)
        );
    }
}
