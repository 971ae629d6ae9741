//! A small identity provider written for the tests, on 127.0.0.1: it signs
//! ID tokens with ES256 keys of its own (ring) and can be told to misbehave
//! (another audience, an expired token, another issuer, an unpublished key,
//! a broken token endpoint), which a compliant provider never does. It also
//! serves a GitHub Enterprise API for the email fallback.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};

pub const CLIENT_ID: &str = "fake-client";
pub const CLIENT_SECRET: &str = "fake-secret";

/// An ES256 key: its id, PKCS#8 private key and public JWK.
#[derive(Clone)]
pub struct Key {
    pub kid: String,
    pkcs8: Vec<u8>,
    pub jwk: Value,
}

impl Key {
    pub fn generate(kid: &str) -> Key {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .expect("generate")
            .as_ref()
            .to_vec();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8, &rng)
            .expect("pkcs8");
        let public = pair.public_key().as_ref();
        let jwk = json!({
            "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
            "x": URL_SAFE_NO_PAD.encode(&public[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&public[33..65]),
        });
        Key {
            kid: kid.to_owned(),
            pkcs8,
            jwk,
        }
    }
}

/// What the provider does; tests change it between sign-ins.
pub struct Behaviour {
    /// The `aud` claim.
    pub aud: Value,
    /// `exp` = now + this.
    pub exp_in: i64,
    /// Another `iss` than the issuer.
    pub iss: Option<String>,
    /// The key that signs; `published` is what /jwks shows.
    pub signing: Key,
    pub published: Vec<Key>,
    /// Leave the ID token out of the token answer.
    pub no_id_token: bool,
    /// Answer the token endpoint with this status and body instead.
    pub token_failure: Option<(u16, String)>,
    /// The GitHub API's `/user` document and `/user/emails` answer.
    pub github_user: Value,
    pub github_emails: Value,
    /// The GitHub API's `/user` answers 500.
    pub userinfo_down: bool,
    /// How many times /jwks was fetched.
    pub jwks_fetches: usize,
    /// A refresh token in the token answer.
    pub refresh_token: Option<String>,
    /// The revocation endpoint answers with this status.
    pub revocation_status: u16,
    /// What the revocation endpoint was sent: its form fields and whether
    /// the client authenticated with HTTP Basic as `CLIENT_ID:CLIENT_SECRET`.
    pub revocations: Vec<(Vec<(String, String)>, bool)>,
    /// Fields added to the token answer (VK's `email`).
    pub token_extra: Value,
    /// The form of each token request.
    pub token_forms: Vec<Vec<(String, String)>>,
    /// WeChat's token endpoint answers `{"errcode": 40029, ...}`.
    pub wechat_errcode: bool,
    /// The nonce of the last authorization request.
    nonce: Option<String>,
}

#[derive(Clone)]
pub struct FakeIdp {
    pub issuer: String,
    pub behaviour: Arc<Mutex<Behaviour>>,
}

impl FakeIdp {
    /// The provider on `http://127.0.0.1:{port}`.
    pub async fn start() -> FakeIdp {
        Self::start_with(false).await
    }

    /// The provider on `https://127.0.0.1:{port}`, with the certificate of
    /// tests/tls/server.pem (signed by tests/tls/ca.pem, a CA made for these
    /// tests only).
    pub async fn start_tls() -> FakeIdp {
        Self::start_with(true).await
    }

    async fn start_with(tls: bool) -> FakeIdp {
        let key = Key::generate("key-1");
        let behaviour = Arc::new(Mutex::new(Behaviour {
            aud: json!(CLIENT_ID),
            exp_in: 3600,
            iss: None,
            signing: key.clone(),
            published: vec![key],
            no_id_token: false,
            token_failure: None,
            github_user: json!({"id": 1, "login": "mona", "name": "Mona Lisa", "email": null}),
            github_emails: json!([
                {"email": "mona@users.noreply.example", "primary": false, "verified": true},
                {"email": "mona@example.com", "primary": true, "verified": true},
            ]),
            userinfo_down: false,
            jwks_fetches: 0,
            refresh_token: None,
            revocation_status: 200,
            revocations: Vec::new(),
            token_extra: json!({}),
            token_forms: Vec::new(),
            wechat_errcode: false,
            nonce: None,
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let scheme = if tls { "https" } else { "http" };
        let issuer = format!("{scheme}://{}", listener.local_addr().expect("addr"));
        let idp = FakeIdp {
            issuer: issuer.clone(),
            behaviour,
        };
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/authorize", get(authorize))
            .route("/login/oauth/authorize", get(authorize))
            .route("/token", post(token))
            .route("/login/oauth/access_token", post(token))
            .route("/jwks", get(jwks))
            .route("/revoke", post(revoke))
            .route("/sns/oauth2/access_token", get(wechat_token))
            .route("/sns/oauth2/refresh_token", get(wechat_token))
            .route("/sns/userinfo", get(wechat_userinfo))
            .route("/api/v3/user", get(github_user))
            .route("/api/v3/user/emails", get(github_emails))
            .with_state(idp.clone());
        tokio::spawn(async move {
            if tls {
                axum::serve(TlsListener::new(listener), app)
                    .await
                    .expect("serve");
            } else {
                axum::serve(listener, app).await.expect("serve");
            }
        });
        idp
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut Behaviour) -> R) -> R {
        f(&mut self.behaviour.lock().expect("lock"))
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn query(raw: Option<String>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

async fn discovery(State(idp): State<FakeIdp>) -> Response {
    let i = &idp.issuer;
    json_response(
        StatusCode::OK,
        &json!({
            "issuer": i,
            "authorization_endpoint": format!("{i}/authorize"),
            "token_endpoint": format!("{i}/token"),
            "jwks_uri": format!("{i}/jwks"),
            "revocation_endpoint": format!("{i}/revoke"),
            "response_types_supported": ["code"],
        }),
    )
}

async fn authorize(State(idp): State<FakeIdp>, RawQuery(raw): RawQuery) -> Response {
    let params = query(raw);
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    idp.with(|b| b.nonce = get("nonce"));
    let redirect = get("redirect_uri").unwrap_or_default();
    let answer = form_urlencoded::Serializer::new(String::new())
        .append_pair("code", "fake-code")
        .append_pair("state", &get("state").unwrap_or_default())
        .finish();
    Redirect::to(&format!("{redirect}?{answer}")).into_response()
}

async fn token(State(idp): State<FakeIdp>, body: Bytes) -> Response {
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    idp.with(|b| b.token_forms.push(form.clone()));
    assert!(
        form.iter().any(|(k, v)| k == "code" && v == "fake-code"),
        "{form:?}"
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs() as i64;
    let (failure, id_token) = idp.with(|b| {
        let claims = json!({
            "iss": b.iss.clone().unwrap_or_else(|| idp.issuer.clone()),
            "sub": "fake-user",
            "aud": b.aud,
            "iat": now,
            "exp": now + b.exp_in,
            "nonce": b.nonce,
            "email": "fake@example.com",
            "email_verified": true,
            "name": "Fake User",
        });
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(b.signing.kid.clone());
        let key = EncodingKey::from_ec_der(&b.signing.pkcs8);
        let token = jsonwebtoken::encode(&header, &claims, &key).expect("sign");
        (b.token_failure.clone(), (!b.no_id_token).then_some(token))
    });
    if let Some((status, body)) = failure {
        return (StatusCode::from_u16(status).expect("status"), body).into_response();
    }
    let mut answer = json!({
        "access_token": "fake-access-token",
        "token_type": "bearer",
        "expires_in": 600,
    });
    if let Some(t) = id_token {
        answer["id_token"] = Value::String(t);
    }
    if let Some(t) = idp.with(|b| b.refresh_token.clone()) {
        answer["refresh_token"] = Value::String(t);
    }
    if let (Value::Object(answer), Value::Object(extra)) =
        (&mut answer, idp.with(|b| b.token_extra.clone()))
    {
        answer.extend(extra);
    }
    json_response(StatusCode::OK, &answer)
}

async fn jwks(State(idp): State<FakeIdp>) -> Response {
    let keys: Vec<Value> = idp.with(|b| {
        b.jwks_fetches += 1;
        b.published.iter().map(|k| k.jwk.clone()).collect()
    });
    json_response(StatusCode::OK, &json!({ "keys": keys }))
}

async fn github_user(State(idp): State<FakeIdp>) -> Response {
    let (status, user) = idp.with(|b| {
        if b.userinfo_down {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"message": "down"}),
            )
        } else {
            (StatusCode::OK, b.github_user.clone())
        }
    });
    json_response(status, &user)
}

async fn github_emails(State(idp): State<FakeIdp>) -> Response {
    json_response(StatusCode::OK, &idp.with(|b| b.github_emails.clone()))
}

/// RFC 7009: records what it was sent and answers with the configured
/// status (an empty `200` body when it succeeds).
async fn revoke(State(idp): State<FakeIdp>, headers: HeaderMap, body: Bytes) -> Response {
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    let basic = headers
        .get(header::AUTHORIZATION)
        .is_some_and(|v| v.as_bytes() == expected.as_bytes());
    let status = idp.with(|b| {
        b.revocations.push((form, basic));
        b.revocation_status
    });
    StatusCode::from_u16(status)
        .expect("status")
        .into_response()
}

/// The CA that signed the test provider's https certificate.
pub const TEST_CA: &[u8] = include_bytes!("../tls/ca.pem");

/// A TCP listener that speaks TLS with the test certificate.
struct TlsListener {
    tcp: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl TlsListener {
    fn new(tcp: tokio::net::TcpListener) -> Self {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs = CertificateDer::pem_slice_iter(include_bytes!("../tls/server.pem"))
            .collect::<Result<Vec<_>, _>>()
            .expect("certificate");
        let key = PrivateKeyDer::from_pem_slice(include_bytes!("../tls/server.key")).expect("key");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("protocols")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config");
        Self {
            tcp,
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        }
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, addr)) = self.tcp.accept().await else {
                continue;
            };
            // A client that gives up on the handshake is not the test's
            // concern; the next connection is.
            if let Ok(tls) = self.acceptor.accept(stream).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// WeChat's token and refresh endpoints: `GET` with the credentials in the
/// query, errors as `{errcode, errmsg}` with status 200.
async fn wechat_token(State(idp): State<FakeIdp>, RawQuery(raw): RawQuery) -> Response {
    let params = query(raw);
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if idp.with(|b| b.wechat_errcode) {
        return json_response(
            StatusCode::OK,
            &json!({"errcode": 40029, "errmsg": "invalid code"}),
        );
    }
    let valid = get("appid") == Some(CLIENT_ID)
        && match get("grant_type") {
            Some("authorization_code") => {
                get("secret") == Some(CLIENT_SECRET) && get("code") == Some("fake-code")
            }
            Some("refresh_token") => get("refresh_token") == Some("wechat-refresh-token"),
            _ => false,
        };
    if !valid {
        return json_response(
            StatusCode::OK,
            &json!({"errcode": 40001, "errmsg": format!("bad request: {params:?}")}),
        );
    }
    json_response(
        StatusCode::OK,
        &json!({
            "access_token": "wechat-access-token",
            "expires_in": 7200,
            "refresh_token": "wechat-refresh-token",
            "openid": "wechat-openid",
            "scope": "snsapi_login",
            "unionid": "wechat-unionid",
        }),
    )
}

async fn wechat_userinfo(RawQuery(raw): RawQuery) -> Response {
    let params = query(raw);
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if get("access_token") != Some("wechat-access-token") || get("openid") != Some("wechat-openid")
    {
        return json_response(
            StatusCode::OK,
            &json!({"errcode": 40003, "errmsg": "invalid openid"}),
        );
    }
    json_response(
        StatusCode::OK,
        &json!({
            "openid": "wechat-openid",
            "nickname": "小明",
            "sex": 1,
            "headimgurl": "https://thirdwx.qlogo.cn/mmopen/x/46",
            "privilege": [],
            "unionid": "wechat-unionid",
        }),
    )
}
