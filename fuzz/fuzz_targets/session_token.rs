//! Session-token decoding, in every format (Auth.js v5 JWE, next-auth v4
//! JWE, HMAC-signed JWS, Ed25519 and P-256 signed JWS), and the database
//! session token.
//!
//! The first byte picks the format and what to do with the rest:
//! - decode the rest as a token: it fails, or its claims re-encode to a
//!   token that decodes to the same claims;
//! - make claims from the rest, encode them, decode them back unchanged,
//!   then change one byte of the token: the changed token fails, or decodes
//!   to exactly the same claims (it can never say something else).
//!
//! A database session token (`{uuid}.{seconds}`) never reports a sign-in
//! time that it does not spell.
#![no_main]

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use keyway_core::SessionToken;
use keyway_core::jwt::{Claims, JwsAlgorithm, JwtCodec, SigningKey, TokenFormat};
use libfuzzer_sys::fuzz_target;

const SECRETS: [&str; 2] = [
    "fuzzing-secret-that-is-long-enough-0123456789",
    "an-older-secret-still-accepted-9876543210",
];

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_750_000_000, 0).expect("a fixed instant")
}

fn pkcs8_pem(der: &[u8]) -> String {
    pem::encode(&pem::Pem::new("PRIVATE KEY", der.to_vec()))
}

fn codecs() -> &'static [JwtCodec] {
    static CODECS: OnceLock<Vec<JwtCodec>> = OnceLock::new();
    CODECS.get_or_init(|| {
        let rng = ring::rand::SystemRandom::new();
        let ed25519 = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng)
            .expect("an Ed25519 key is generated");
        let p256 = ring::signature::EcdsaKeyPair::generate_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &rng,
        )
        .expect("a P-256 key is generated");
        let mut codecs = vec![
            JwtCodec::new(TokenFormat::AuthJs, &SECRETS, "authjs.session-token"),
            JwtCodec::new(TokenFormat::NextAuthV4, &SECRETS, ""),
            JwtCodec::new(TokenFormat::signed(JwsAlgorithm::HS256), &SECRETS, ""),
            JwtCodec::new(
                TokenFormat::Signed {
                    algorithm: JwsAlgorithm::HS512,
                    accepted: vec![JwsAlgorithm::HS512, JwsAlgorithm::HS384],
                },
                &SECRETS,
                "",
            ),
        ]
        .into_iter()
        .map(|c| c.expect("the fuzzing codecs are valid"))
        .collect::<Vec<_>>();
        for der in [ed25519.as_ref(), p256.as_ref()] {
            let key = SigningKey::from_pem(&pkcs8_pem(der)).expect("a generated key reads back");
            codecs.push(JwtCodec::key_pair(&key, &[]));
        }
        codecs
    })
}

/// The claims a token says, without the three that encoding stamps anew.
fn said(mut claims: Claims) -> Claims {
    for stamped in ["iat", "exp", "jti"] {
        claims.remove(stamped);
    }
    claims
}

fn decode_then_reencode(codec: &JwtCodec, token: &str) {
    let Ok(claims) = codec.decode(token, now()) else {
        return;
    };
    let again = codec
        .encode(claims.clone(), 3600, now())
        .expect("claims that decoded encode again");
    let back = codec
        .decode(&again, now())
        .expect("a token just encoded decodes");
    assert_eq!(said(back), said(claims), "re-encoding changed the claims");
}

fn claims_from(bytes: &[u8]) -> Claims {
    // JSON objects when the input is one, else the text as a claim value.
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(bytes) {
        return map;
    }
    let mut claims = Claims::new();
    claims.insert(
        "sub".into(),
        String::from_utf8_lossy(bytes).into_owned().into(),
    );
    claims
}

fn encode_then_tamper(codec: &JwtCodec, bytes: &[u8]) {
    let Some((&[position_hi, position_lo, replacement], rest)) = bytes.split_first_chunk::<3>()
    else {
        return;
    };
    let mut claims = claims_from(rest);
    // A future `nbf` is refused on decoding, rightly.
    claims.remove("nbf");
    let Ok(token) = codec.encode(claims.clone(), 3600, now()) else {
        // Only claims that cannot be serialised may fail: none from JSON.
        return;
    };
    let decoded = codec
        .decode(&token, now())
        .expect("a token just encoded decodes");
    assert_eq!(
        said(decoded.clone()),
        said(claims),
        "encoding changed the claims"
    );

    let mut tampered = token.into_bytes();
    let position = usize::from(u16::from_be_bytes([position_hi, position_lo])) % tampered.len();
    if tampered[position] == replacement {
        return;
    }
    tampered[position] = replacement;
    let Ok(tampered) = String::from_utf8(tampered) else {
        return;
    };
    if let Ok(other) = codec.decode(&tampered, now()) {
        assert_eq!(other, decoded, "a changed token decoded to other claims");
    }
}

fn database_token(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let token = SessionToken::new(text.as_ref());
    if let Some(at) = token.signed_in_at() {
        let (random, secs) = text.rsplit_once('.').expect("a sign-in time needs a dot");
        assert_eq!(
            random.len(),
            36,
            "a sign-in time from a token of another shape"
        );
        assert_eq!(secs.parse::<i64>().ok(), Some(at.timestamp()));
    }
    let made = SessionToken::generate_at(now());
    assert_eq!(made.signed_in_at(), Some(now()));
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let codecs = codecs();
    let codec = &codecs[usize::from(selector >> 1) % codecs.len()];
    if selector & 1 == 0 {
        if let Ok(token) = std::str::from_utf8(rest) {
            decode_then_reencode(codec, token);
        }
        database_token(rest);
    } else {
        encode_then_tamper(codec, rest);
    }
});
