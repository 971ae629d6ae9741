//! The signed-only (JWS) session format.

// A test binary: panicking on an unexpected failure is the point.
#![allow(clippy::unwrap_used)]

mod jwt_support;

// Inside `jwt` so that `cargo test jwt` selects these tests.
mod jwt {
    use crate::jwt_support::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use hmac::{Hmac, Mac};
    use keyway_core::jwt::{JwsAlgorithm, JwtCodec, JwtError, TokenFormat};
    use serde_json::{Value, json};
    use sha2::{Sha256, Sha512};

    const SECRET: &str = "jws-secret";

    fn signed(algorithm: JwsAlgorithm, accepted: &[JwsAlgorithm], secrets: &[&str]) -> JwtCodec {
        let format = TokenFormat::Signed {
            algorithm,
            accepted: accepted.to_vec(),
        };
        JwtCodec::new(format, secrets, "ignored").unwrap()
    }

    /// An HMAC-signed token built by hand, independently of the codec.
    fn hand_signed(alg: &str, claims: &Value, secret: &str) -> String {
        let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let input = format!("{header}.{payload}");
        let signature = match alg {
            "HS256" => {
                let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
                mac.update(input.as_bytes());
                mac.finalize().into_bytes().to_vec()
            }
            _ => {
                let mut mac = Hmac::<Sha512>::new_from_slice(secret.as_bytes()).unwrap();
                mac.update(input.as_bytes());
                mac.finalize().into_bytes().to_vec()
            }
        };
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    fn valid() -> Value {
        json!({"sub": "1", "exp": GOLDEN_NOW + 60})
    }

    #[test]
    fn default_is_hs512_keyed_with_the_secret_bytes() {
        let codec =
            JwtCodec::new(TokenFormat::signed(JwsAlgorithm::default()), &[SECRET], "").unwrap();
        let token = codec
            .encode(claims(json!({"sub": "1"})), 60, at(GOLDEN_NOW))
            .unwrap();
        let header: Value = serde_json::from_str(&header_text(&token)).unwrap();
        assert_eq!(header["alg"], "HS512");
        // The signature is HMAC-SHA-512(secret, header.payload), checked here.
        let (input, signature) = token.rsplit_once('.').unwrap();
        let mut mac = Hmac::<Sha512>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(input.as_bytes());
        mac.verify_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap())
            .unwrap();
        // The payload is readable without any key, and round-trips.
        let payload = input.split('.').nth(1).unwrap();
        let readable: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert_eq!(readable["exp"], GOLDEN_NOW + 60);
        let back = codec.decode(&token, at(GOLDEN_NOW)).unwrap();
        assert_eq!(
            (back["sub"].as_str(), back["iat"].as_i64()),
            (Some("1"), Some(GOLDEN_NOW))
        );
        assert_eq!(back["jti"].as_str().map(str::len), Some(36));
    }

    #[test]
    fn decodes_hand_signed_tokens() {
        let codec = signed(JwsAlgorithm::HS512, &[], &[SECRET]);
        let token = hand_signed("HS512", &valid(), SECRET);
        assert_eq!(codec.decode(&token, at(GOLDEN_NOW)).unwrap()["sub"], "1");
    }

    #[test]
    fn algorithm_not_accepted_unless_configured() {
        let hs256 = hand_signed("HS256", &valid(), SECRET);
        let strict = signed(JwsAlgorithm::HS512, &[JwsAlgorithm::HS512], &[SECRET]);
        assert_eq!(
            strict.decode(&hs256, at(GOLDEN_NOW)),
            Err(JwtError::AlgorithmNotAccepted)
        );
        let lenient = signed(
            JwsAlgorithm::HS512,
            &[JwsAlgorithm::HS512, JwsAlgorithm::HS256],
            &[SECRET],
        );
        assert_eq!(lenient.decode(&hs256, at(GOLDEN_NOW)).unwrap()["sub"], "1");
        // A codec signing with HS256 writes HS256.
        let hs256_codec = signed(JwsAlgorithm::HS256, &[], &[SECRET]);
        let token = hs256_codec
            .encode(claims(json!({})), 60, at(GOLDEN_NOW))
            .unwrap();
        assert!(header_text(&token).contains(r#""alg":"HS256""#));
        assert_eq!(
            strict.decode(&token, at(GOLDEN_NOW)),
            Err(JwtError::AlgorithmNotAccepted)
        );
        // An unsigned token is never accepted.
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(valid().to_string())
        );
        assert!(lenient.decode(&none, at(GOLDEN_NOW)).is_err());
    }

    #[test]
    fn signing_algorithm_outside_accepted_is_a_config_error() {
        let format = TokenFormat::Signed {
            algorithm: JwsAlgorithm::HS384,
            accepted: vec![JwsAlgorithm::HS512],
        };
        assert!(matches!(
            JwtCodec::new(format, &[SECRET], ""),
            Err(JwtError::InvalidConfig(_))
        ));
    }

    #[test]
    fn wrong_secret_tampering_and_rotation() {
        let codec = signed(JwsAlgorithm::HS512, &[], &[SECRET]);
        let foreign = hand_signed("HS512", &valid(), "another");
        assert_eq!(
            codec.decode(&foreign, at(GOLDEN_NOW)),
            Err(JwtError::InvalidSignature)
        );
        let rotated = signed(JwsAlgorithm::HS512, &[], &["new", "another"]);
        assert_eq!(
            rotated.decode(&foreign, at(GOLDEN_NOW)).unwrap()["sub"],
            "1"
        );

        let token = hand_signed("HS512", &valid(), SECRET);
        let (header, rest) = token.split_once('.').unwrap();
        let (_, signature) = rest.split_once('.').unwrap();
        let forged_payload =
            URL_SAFE_NO_PAD.encode(json!({"sub": "admin", "exp": GOLDEN_NOW + 60}).to_string());
        let forged = format!("{header}.{forged_payload}.{signature}");
        assert_eq!(
            codec.decode(&forged, at(GOLDEN_NOW)),
            Err(JwtError::InvalidSignature)
        );
        for index in [1, 2] {
            assert!(
                codec
                    .decode(&tamper_segment(&token, index), at(GOLDEN_NOW))
                    .is_err()
            );
        }
    }

    #[test]
    fn time_claims_are_checked_against_the_given_now() {
        let codec = signed(JwsAlgorithm::HS512, &[], &[SECRET]);
        let token = hand_signed("HS512", &valid(), SECRET);
        assert!(codec.decode(&token, at(GOLDEN_NOW + 74)).is_ok());
        assert_eq!(
            codec.decode(&token, at(GOLDEN_NOW + 75)),
            Err(JwtError::Expired)
        );
        let later = hand_signed(
            "HS512",
            &json!({"exp": GOLDEN_NOW + 600, "nbf": GOLDEN_NOW + 100}),
            SECRET,
        );
        assert_eq!(
            codec.decode(&later, at(GOLDEN_NOW)),
            Err(JwtError::NotYetValid)
        );
        assert!(codec.decode(&later, at(GOLDEN_NOW + 85)).is_ok());
        let no_exp = hand_signed("HS512", &json!({"sub": "1"}), SECRET);
        assert!(matches!(
            codec.decode(&no_exp, at(GOLDEN_NOW)),
            Err(JwtError::InvalidClaims(_))
        ));
    }
}
