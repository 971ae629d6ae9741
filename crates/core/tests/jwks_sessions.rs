//! Asymmetric session tokens: EdDSA (Ed25519) and ES256 (P-256) sessions
//! that a third party (josekit, on OpenSSL) verifies with nothing but the
//! JWKS document the engine serves at `/api/auth/jwks`; rotation with
//! retired keys; forgeries refused.

// A test binary: panicking on an unexpected failure is the point.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Browser, SECRET, SignIn, builder};
use josekit::jwk::JwkSet;
use josekit::jws::{ES256, EdDSA, JwsVerifier};
use keyway_core::jwt::{KeyAlgorithm, PublicKey, SigningKey};
use keyway_core::{Auth, AuthBuilder};
use keyway_testkit::support::LogCapture;

const SESSION: &str = "authjs.session-token";

// Test keys made with `openssl genpkey` for this file only.
const ED25519: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIGho63zGkWId+V6gnip03p/PLym1UiZzndZ5egRTanZc
-----END PRIVATE KEY-----
";
const ED25519_OTHER: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIPm3JzOrnHcMDnhdPSsykfKQ0yvfEjfr/8kIHHj5gs3g
-----END PRIVATE KEY-----
";
const ED25519_OTHER_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEARpz0/UvZW4FYr332CDybm77bvo684uFivLD4lj+JRUM=
-----END PUBLIC KEY-----
";
const P256: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgdSTVlDnoLE5fWu7Z
zTnDM34Uz9E0YAWzZFxSfv+9lc2hRANCAAQyAI7/zfqEPXqzj6B7d8kwmzZC+KvA
a3VcNuDv7PEU2OV4ShWm/w43zYVoeCXYWXoeDELgeyr5Tral1vsGMg/E
-----END PRIVATE KEY-----
";
const P256_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEMgCO/836hD16s4+ge3fJMJs2Qvir
wGt1XDbg7+zxFNjleEoVpv8ON82FaHgl2Fl6HgxC4Hsq+U62pdb7BjIPxA==
-----END PUBLIC KEY-----
";

fn key(pem: &str) -> SigningKey {
    SigningKey::from_pem(pem).unwrap()
}

fn with_key(pem: &str) -> AuthBuilder {
    builder().signing_key(key(pem))
}

/// Signs alice in and returns her session token.
async fn session_token(auth: Auth) -> String {
    let mut b = Browser::new(auth);
    b.sign_in("wonderland").await;
    b.cookie(SESSION).expect("session cookie").to_owned()
}

/// What a third party does: fetch the JWKS, pick the key the token's header
/// names, verify with josekit. Returns the claims.
async fn verify_with_jwks_only(
    auth: &Auth,
    token: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let mut b = Browser::new(auth.clone());
    let r = b.get("/api/auth/jwks").await;
    assert_eq!(r.status, 200);
    let jwks = JwkSet::from_bytes(r.body.as_bytes()).map_err(|e| e.to_string())?;
    let header = josekit::jwt::decode_header(token).map_err(|e| e.to_string())?;
    let kid = header
        .claim("kid")
        .and_then(|v| v.as_str())
        .ok_or("no kid in the header")?;
    let jwk = *jwks.get(kid).first().ok_or("no key with that kid")?;
    let verifier: Box<dyn JwsVerifier> = match jwk.key_type() {
        "OKP" => Box::new(EdDSA.verifier_from_jwk(jwk).map_err(|e| e.to_string())?),
        _ => Box::new(ES256.verifier_from_jwk(jwk).map_err(|e| e.to_string())?),
    };
    let (payload, _) =
        josekit::jwt::decode_with_verifier(token, &*verifier).map_err(|e| e.to_string())?;
    Ok(payload.claims_set().clone())
}

#[tokio::test(flavor = "current_thread")]
async fn eddsa_and_es256_sessions_verify_with_the_jwks_alone() {
    for (pem, alg, kty) in [(ED25519, "EdDSA", "OKP"), (P256, "ES256", "EC")] {
        let auth = with_key(pem).build().unwrap();
        let token = session_token(auth.clone()).await;
        let header = josekit::jwt::decode_header(&token).unwrap();
        assert_eq!(header.claim("alg").and_then(|v| v.as_str()), Some(alg));
        let claims = verify_with_jwks_only(&auth, &token).await.unwrap();
        assert_eq!(claims["email"], "alice@example.com", "{alg}");
        let jwk = &auth.jwks().unwrap()["keys"][0];
        assert_eq!(jwk["kty"], kty);
        assert_eq!(jwk["alg"], alg);

        // The engine reads its own token back.
        let mut b = Browser::new(auth.clone());
        b.jar.insert(SESSION.into(), token.clone());
        assert_eq!(
            b.get("/api/auth/session").await.json()["user"]["email"],
            "alice@example.com"
        );

        // A tampered payload fails the third party's check.
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        parts[1] = parts[1].replacen(|c: char| c.is_ascii_alphanumeric(), "A", 1);
        assert!(
            verify_with_jwks_only(&auth, &parts.join("."))
                .await
                .is_err()
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_jwks_route_answers_the_public_keys_only() {
    let auth = with_key(ED25519)
        .retired_signing_key(PublicKey::from_pem(P256_PUBLIC).unwrap())
        .build()
        .unwrap();
    let mut b = Browser::new(auth.clone());
    let r = b.get("/api/auth/jwks").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/jwk-set+json"));
    assert_eq!(r.header("cache-control"), Some("public, max-age=300"));
    let body = r.json();
    let keys = body["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "current and retired: {body}");
    let ed = key(ED25519);
    assert_eq!(
        keys[0],
        serde_json::json!({
            "kty": "OKP",
            "crv": "Ed25519",
            // The public key of ED25519, as `openssl pkey -pubout` gives it.
            "x": keys[0]["x"],
            "kid": ed.kid(),
            "alg": "EdDSA",
            "use": "sig",
        })
    );
    assert_eq!(keys[0]["x"].as_str().map(str::len), Some(43));
    assert_eq!(keys[1]["kty"], "EC");
    assert_eq!(keys[1]["crv"], "P-256");
    assert_eq!(keys[1]["kid"], key(P256).kid(), "SPKI and PKCS#8 agree");
    for k in keys {
        assert!(k.get("d").is_none(), "no private part: {k}");
    }
    // The kid is the RFC 7638 thumbprint: SHA-256 of the required members,
    // sorted, as compact JSON (serde_json sorts a BTreeMap).
    for k in keys {
        let required: &[&str] = if k["kty"] == "OKP" {
            &["crv", "kty", "x"]
        } else {
            &["crv", "kty", "x", "y"]
        };
        let members: std::collections::BTreeMap<&str, &serde_json::Value> =
            required.iter().map(|m| (*m, &k[*m])).collect();
        let canonical = serde_json::to_string(&members).unwrap();
        use base64::Engine as _;
        use sha2::Digest as _;
        let thumbprint = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(canonical.as_bytes()));
        assert_eq!(k["kid"], thumbprint.as_str());
    }
    // With a trailing slash too; other methods and no key: not served.
    assert_eq!(b.get("/api/auth/jwks/").await.status, 200);
    let plain = builder().build().unwrap();
    assert!(plain.jwks().is_none());
    let mut p = Browser::new(plain);
    assert_eq!(p.get("/api/auth/jwks").await.status, 400);
}

#[tokio::test(flavor = "current_thread")]
async fn a_retired_key_still_verifies_until_it_is_dropped() {
    let old_token = session_token(with_key(ED25519_OTHER).build().unwrap()).await;
    let rotated = with_key(ED25519)
        .retired_signing_key(PublicKey::from_pem(ED25519_OTHER_PUBLIC).unwrap())
        .build()
        .unwrap();
    let mut b = Browser::new(rotated.clone());
    b.jar.insert(SESSION.into(), old_token.clone());
    assert_eq!(
        b.get("/api/auth/session").await.json()["user"]["email"],
        "alice@example.com",
        "the retired key's token is still read"
    );
    assert!(verify_with_jwks_only(&rotated, &old_token).await.is_ok());
    // New tokens carry the current key's kid.
    let new_token = session_token(rotated.clone()).await;
    let kid = josekit::jwt::decode_header(&new_token)
        .unwrap()
        .claim("kid")
        .cloned();
    assert_eq!(
        kid.as_ref().and_then(|v| v.as_str()),
        Some(key(ED25519).kid())
    );

    // Once dropped, the old key's tokens are refused.
    let logs = LogCapture::start();
    let mut c = Browser::new(with_key(ED25519).build().unwrap());
    c.jar.insert(SESSION.into(), old_token);
    assert_eq!(c.get("/api/auth/session").await.body, "null");
    assert!(logs.text().contains("JWT_SESSION_ERROR"));
}

#[tokio::test(flavor = "current_thread")]
async fn forged_tokens_are_refused() {
    let auth = with_key(ED25519).build().unwrap();
    let token = session_token(auth.clone()).await;
    let claims: serde_json::Value = {
        use base64::Engine as _;
        let payload = token.split('.').nth(1).unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap(),
        )
        .unwrap()
    };
    // Signed by another Ed25519 key that claims the real key's kid.
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(key(ED25519).kid().to_owned());
    let other_der = pem_der(ED25519_OTHER);
    let forged_kid = jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_ed_der(&other_der),
    )
    .unwrap();
    // HMAC with the secret (or with the key derived for HS tokens).
    let hs = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    for forged in [forged_kid, hs] {
        let mut b = Browser::new(auth.clone());
        b.jar.insert(SESSION.into(), forged);
        assert_eq!(b.get("/api/auth/session").await.body, "null");
    }
}

#[test]
fn keys_read_from_pem_and_refuse_the_rest() {
    assert_eq!(key(ED25519).algorithm(), KeyAlgorithm::EdDSA);
    assert_eq!(key(P256).algorithm(), KeyAlgorithm::ES256);
    // As an environment variable holds it, with literal \n.
    let escaped = ED25519.replace('\n', "\\n");
    assert_eq!(
        SigningKey::from_pem(&escaped).unwrap().kid(),
        key(ED25519).kid()
    );
    let debug = format!("{:?}", key(ED25519));
    assert!(
        !debug.contains("MC4CAQAw") && debug.contains("EdDSA"),
        "{debug}"
    );
    assert!(
        SigningKey::from_pem(ED25519_OTHER_PUBLIC).is_err(),
        "a public key cannot sign"
    );
    assert!(SigningKey::from_pem("not a key").is_err());
    // A retired key without a current one, or beside a token format, is a
    // configuration error.
    let e = builder()
        .retired_signing_key(PublicKey::from_pem(P256_PUBLIC).unwrap())
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("AUTH_SIGNING_KEY"), "{e}");
    let e = with_key(ED25519)
        .token_format(keyway_core::jwt::TokenFormat::default())
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("token format"), "{e}");
}

fn pem_der(pem_text: &str) -> Vec<u8> {
    use base64::Engine as _;
    let body: String = pem_text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}
