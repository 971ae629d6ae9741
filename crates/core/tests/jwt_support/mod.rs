//! Helpers shared by the `jwt_*` integration tests.
#![allow(dead_code, unreachable_pub)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeZone, Utc};
use hkdf::Hkdf;
use keyway_core::jwt::Claims;
use serde_json::Value;
use sha2::{Digest, Sha256, Sha512};

/// The secret behind every golden token below.
pub const GOLDEN_SECRET: &str = "keyway-golden-secret-0123456789abcdef";

/// A time at which every golden token is valid (they were minted at
/// 1795441460..=1795441462 and live at least 900 s).
pub const GOLDEN_NOW: i64 = 1_795_441_500;

pub fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).unwrap()
}

pub fn claims(value: Value) -> Claims {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// The decoded protected header, as the raw JSON text.
pub fn header_text(token: &str) -> String {
    let first = token.split('.').next().unwrap();
    String::from_utf8(URL_SAFE_NO_PAD.decode(first).unwrap()).unwrap()
}

/// HKDF-SHA256 computed here, independently of the codec.
pub fn hkdf_sha256(secret: &str, salt: &str, info: &str, len: usize) -> Vec<u8> {
    let mut okm = vec![0u8; len];
    Hkdf::<Sha256>::new(Some(salt.as_bytes()), secret.as_bytes())
        .expand(info.as_bytes(), &mut okm)
        .unwrap();
    okm
}

/// Auth.js v5's key for `secret` and `salt`.
pub fn authjs_key(secret: &str, salt: &str, len: usize) -> Vec<u8> {
    hkdf_sha256(
        secret,
        salt,
        &format!("Auth.js Generated Encryption Key ({salt})"),
        len,
    )
}

/// next-auth v4's key for `secret` and `salt`.
pub fn nextauth_v4_key(secret: &str, salt: &str) -> Vec<u8> {
    let info = if salt.is_empty() {
        "NextAuth.js Generated Encryption Key".to_owned()
    } else {
        format!("NextAuth.js Generated Encryption Key ({salt})")
    };
    hkdf_sha256(secret, salt, &info, 32)
}

/// RFC 7638 thumbprint of an `oct` JWK, computed here.
pub fn thumbprint(key: &[u8]) -> String {
    let jwk = format!(r#"{{"k":"{}","kty":"oct"}}"#, URL_SAFE_NO_PAD.encode(key));
    if key.len() == 64 {
        URL_SAFE_NO_PAD.encode(Sha512::digest(jwk.as_bytes()))
    } else {
        URL_SAFE_NO_PAD.encode(Sha256::digest(jwk.as_bytes()))
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `token` with one character of segment `index` changed, keeping it valid
/// base64url (the first character, whose bits are all significant).
pub fn tamper_segment(token: &str, index: usize) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let segment = &mut parts[index];
    if segment.is_empty() {
        segment.push_str("AAAA");
    } else {
        let first = segment.remove(0);
        segment.insert(0, if first == 'A' { 'B' } else { 'A' });
    }
    parts.join(".")
}
