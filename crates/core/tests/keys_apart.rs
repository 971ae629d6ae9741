//! Keys kept apart: a signed session token, the OAuth check cookies and the
//! one-time code cookie are each keyed by a key derived for their purpose
//! alone, never by the raw secret; rotation still reads every secret's
//! tokens. Through the HTTP interface.

mod common;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use common::{Browser, ORIGIN, SECRET, SignIn, builder};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use keyway_core::jwt::{JwsAlgorithm, JwtCodec, TokenFormat};
use keyway_core::keys::{Purpose, derive};
use keyway_core::oauth::{
    AuthorizationRequest, CallbackRequest, OAuthCallback, OAuthError, OAuthProvider, TokenSet,
};
use keyway_core::provider::ProviderType;
use keyway_core::{Auth, LogCode, Provider};
use keyway_testkit::support::LogCapture;

const SESSION: &str = "authjs.session-token";
const OLD_SECRET: &str = "the-previous-secret-still-long-enough-42";

fn validation() -> Validation {
    let mut v = Validation::new(Algorithm::HS512);
    v.required_spec_claims.clear();
    v
}

fn hs512(claims: &serde_json::Value, key: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS512),
        claims,
        &EncodingKey::from_secret(key),
    )
    .expect("encode")
}

fn claims_of(token: &str, key: &[u8]) -> Option<serde_json::Value> {
    jsonwebtoken::decode::<serde_json::Value>(token, &DecodingKey::from_secret(key), &validation())
        .ok()
        .map(|d| d.claims)
}

#[tokio::test(flavor = "current_thread")]
async fn hs512_sessions_are_signed_with_the_derived_key_and_raw_secret_forgeries_are_refused() {
    let logs = LogCapture::start();
    let auth = builder()
        .token_format(TokenFormat::signed(JwsAlgorithm::HS512))
        .build()
        .expect("config");
    let mut b = Browser::new(auth);
    b.sign_in("wonderland").await;
    let token = b.cookie(SESSION).expect("token").to_owned();

    assert!(
        claims_of(&token, SECRET.as_bytes()).is_none(),
        "the raw secret does not verify the token"
    );
    let signing = derive(SECRET.as_bytes(), Purpose::SessionSigning);
    let claims = claims_of(&token, &signing).expect("the derived key verifies it");
    assert_eq!(claims["email"], "alice@example.com");

    // A token made with the raw secret (what a holder of the secret, or of
    // the old scheme's verification key, could forge) is refused.
    let mut forged = claims.clone();
    forged["name"] = "Mallory".into();
    b.jar
        .insert(SESSION.into(), hs512(&forged, SECRET.as_bytes()));
    assert_eq!(b.get("/api/auth/session").await.body, "null");
    assert!(logs.text().contains("JWT_SESSION_ERROR"), "{}", logs.text());

    // The same claims under the derived key are accepted (the refusal above
    // was the key, not the claims).
    b.jar.insert(SESSION.into(), hs512(&forged, &signing));
    assert_eq!(
        b.get("/api/auth/session").await.json()["user"]["name"],
        "Mallory"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn rotation_signs_with_the_first_secret_and_reads_every_one() {
    let format = TokenFormat::signed(JwsAlgorithm::HS512);
    let old_auth = keyway_core::Auth::builder()
        .secret(OLD_SECRET)
        .url(ORIGIN)
        .provider(common_credentials())
        .token_format(format.clone())
        .build()
        .expect("old config");
    let mut b = Browser::new(old_auth);
    b.sign_in("wonderland").await;
    let old_token = b.cookie(SESSION).expect("token").to_owned();

    // The new deployment: SECRET first, the old one after it.
    let rotated = keyway_core::Auth::builder()
        .secrets([SECRET, OLD_SECRET])
        .url(ORIGIN)
        .provider(common_credentials())
        .token_format(format)
        .build()
        .expect("rotated config");
    let mut b2 = Browser::new(rotated);
    b2.jar.insert(SESSION.into(), old_token);
    let r = b2.get("/api/auth/session").await;
    assert_eq!(
        r.json()["user"]["email"],
        "alice@example.com",
        "old token read"
    );
    // A fresh sign-in is signed with the first secret's key.
    let mut b3 = Browser::new(b2.app.clone());
    b3.sign_in("wonderland").await;
    let token = b3.cookie(SESSION).expect("token");
    assert!(claims_of(token, &derive(SECRET.as_bytes(), Purpose::SessionSigning)).is_some());
    assert!(
        claims_of(
            token,
            &derive(OLD_SECRET.as_bytes(), Purpose::SessionSigning)
        )
        .is_none()
    );
}

fn common_credentials() -> keyway_credentials::Credentials {
    keyway_credentials::credentials(|input| async move {
        let ok =
            input.get("username") == Some("alice") && input.get("password") == Some("wonderland");
        Ok(ok.then(common::alice))
    })
    .username_password()
}

/// An OAuth provider that only starts sign-ins (with state, PKCE and nonce
/// checks) and keeps the state it was given.
struct Starter(Mutex<Option<String>>);

#[async_trait]
impl OAuthProvider for Starter {
    fn id(&self) -> &str {
        "starter"
    }
    fn name(&self) -> &str {
        "Starter"
    }
    fn kind(&self) -> ProviderType {
        ProviderType::Oidc
    }
    fn checks(&self) -> &[keyway_core::oauth::Check] {
        use keyway_core::oauth::Check;
        &[Check::State, Check::Pkce, Check::Nonce]
    }
    async fn authorization_url(
        &self,
        request: &AuthorizationRequest<'_>,
    ) -> Result<String, OAuthError> {
        *self.0.lock().expect("lock") = request.state.map(str::to_owned);
        Ok("https://idp.example/authorize".to_owned())
    }
    async fn callback(&self, _: &CallbackRequest<'_>) -> Result<OAuthCallback, OAuthError> {
        Err(OAuthError::new(LogCode::CallbackOauthError, "not used"))
    }
    async fn refresh(&self, _: &str) -> Result<TokenSet, OAuthError> {
        Err(OAuthError::new(
            LogCode::OauthGetAccessTokenError,
            "not used",
        ))
    }
}

#[tokio::test(flavor = "current_thread")]
async fn oauth_check_cookies_are_sealed_with_their_own_key() {
    let auth = Auth::builder()
        .secret(SECRET)
        .url(ORIGIN)
        .provider(Provider::OAuth(Arc::new(Starter(Mutex::default()))))
        .build()
        .expect("config");
    let mut b = Browser::new(auth);
    let csrf = b.csrf().await;
    let r = b
        .post_form("/api/auth/signin/starter", &[("csrfToken", csrf.as_str())])
        .await;
    assert!(
        r.location()
            .is_some_and(|l| l.starts_with("https://idp.example/")),
        "{}",
        r.summary()
    );
    let derived = derive(SECRET.as_bytes(), Purpose::CheckCookies);
    let now = chrono::Utc::now();
    let mut seen = 0;
    for name in ["authjs.state", "authjs.pkce.code_verifier", "authjs.nonce"] {
        let Some(value) = b.cookie(name) else {
            continue;
        };
        seen += 1;
        let raw = JwtCodec::new(TokenFormat::AuthJs, &[SECRET], name).expect("codec");
        assert!(
            raw.decode(value, now).is_err(),
            "{name}: the raw secret opens it"
        );
        let own = JwtCodec::new(TokenFormat::AuthJs, &[&derived[..]], name).expect("codec");
        assert!(
            own.decode(value, now).is_ok(),
            "{name}: its own key does not open it"
        );
    }
    assert_eq!(
        seen,
        3,
        "state, PKCE and nonce cookies: {:?}",
        b.jar.keys().collect::<Vec<_>>()
    );
}
