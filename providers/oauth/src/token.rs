//! The token endpoint, through the `oauth2` crate: the code exchange (with
//! the PKCE verifier), the refresh grant and token revocation, with the
//! client authenticated by `client_secret_basic`, `client_secret_post` or
//! not at all, and the answer read into a [`TokenSet`].

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use keyway_core::LogCode;
use keyway_core::oauth::{OAuthError, TokenSet};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AccessToken, AuthType, AuthorizationCode, ClientId, ClientSecret, EndpointNotSet, EndpointSet,
    ErrorResponse, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    StandardRevocableToken, TokenUrl,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::config::{Dialect, OAuth, TokenAuthMethod};
use crate::http::HttpError;

/// The `oauth2` client of one provider, with keyway's token answer type and
/// the endpoints set where it is used.
pub(crate) type Client<HasAuthUrl = EndpointNotSet, HasTokenUrl = EndpointNotSet> = oauth2::Client<
    BasicErrorResponse,
    ProviderTokens,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    HasAuthUrl,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    HasTokenUrl,
>;

/// A token endpoint answer: the tokens and the whole document (some
/// providers put the profile in it).
#[derive(Debug)]
pub(crate) struct TokenResponse {
    pub tokens: TokenSet,
    pub raw: Map<String, Value>,
}

fn token_error(message: impl Into<String>) -> OAuthError {
    OAuthError::new(LogCode::OauthGetAccessTokenError, message)
}

pub(crate) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn string(map: &Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// A token answer as the `oauth2` crate reads it, lenient where providers
/// stray from RFC 6749: `token_type` may be missing (Instagram) or in any
/// case, `expires_in` may be a string, `scope` an array (Twitch). The whole
/// document is kept, since it may carry the ID token or the profile.
pub(crate) struct ProviderTokens {
    raw: Map<String, Value>,
    access_token: AccessToken,
    token_type: BasicTokenType,
    expires_in: Option<u64>,
    refresh_token: Option<RefreshToken>,
    scopes: Option<Vec<Scope>>,
}

impl fmt::Debug for ProviderTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderTokens")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token.is_some())
            .finish_non_exhaustive()
    }
}

impl ProviderTokens {
    /// Reads a token answer; it must have an `access_token`.
    pub(crate) fn from_raw(raw: Map<String, Value>) -> Result<Self, String> {
        let access_token =
            string(&raw, "access_token").ok_or("the token answer has no access_token")?;
        let expires_in = match raw.get("expires_in") {
            Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        let scopes = match raw.get("scope") {
            Some(Value::String(s)) => Some(s.split_whitespace().map(str::to_owned).collect()),
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
            ),
            _ => None,
        };
        let token_type = string(&raw, "token_type").map_or(BasicTokenType::Bearer, |t| {
            match t.to_ascii_lowercase().as_str() {
                "bearer" => BasicTokenType::Bearer,
                "mac" => BasicTokenType::Mac,
                _ => BasicTokenType::Extension(t),
            }
        });
        Ok(Self {
            access_token: AccessToken::new(access_token),
            token_type,
            expires_in: expires_in.and_then(|s| u64::try_from(s).ok()),
            refresh_token: string(&raw, "refresh_token").map(RefreshToken::new),
            scopes: scopes.map(|s: Vec<String>| s.into_iter().map(Scope::new).collect()),
            raw,
        })
    }

    /// The tokens as the engine keeps them: `expires_at = now + expires_in`,
    /// the scopes joined with spaces, `token_type` as the provider wrote it.
    fn token_set(&self, now: i64) -> TokenSet {
        TokenSet {
            access_token: Some(self.access_token.secret().clone()),
            refresh_token: self.refresh_token.as_ref().map(|t| t.secret().clone()),
            expires_at: self
                .expires_in
                .map(|s| now.saturating_add(i64::try_from(s).unwrap_or(i64::MAX))),
            token_type: string(&self.raw, "token_type"),
            scope: self.scopes.as_ref().map(|scopes| {
                scopes
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            }),
            id_token: string(&self.raw, "id_token"),
            session_state: string(&self.raw, "session_state"),
        }
    }
}

impl<'de> Deserialize<'de> for ProviderTokens {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Map::<String, Value>::deserialize(deserializer)?;
        Self::from_raw(raw).map_err(serde::de::Error::custom)
    }
}

impl Serialize for ProviderTokens {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(serializer)
    }
}

impl oauth2::TokenResponse for ProviderTokens {
    type TokenType = BasicTokenType;

    fn access_token(&self) -> &AccessToken {
        &self.access_token
    }
    fn token_type(&self) -> &BasicTokenType {
        &self.token_type
    }
    fn expires_in(&self) -> Option<Duration> {
        self.expires_in.map(Duration::from_secs)
    }
    fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }
    fn scopes(&self) -> Option<&Vec<Scope>> {
        self.scopes.as_ref()
    }
}

/// What an `oauth2` request failure says in the log: never the answer's
/// body (it may hold tokens).
pub(crate) fn describe<E: ErrorResponse>(error: RequestTokenError<HttpError, E>) -> String {
    match error {
        RequestTokenError::Request(e) => e.to_string(),
        RequestTokenError::ServerResponse(e) => {
            keyway_core::redact::bounded_remote_text(&e.to_string(), 300)
        }
        RequestTokenError::Parse(e, _) => format!("the answer is not valid: {}", e.inner()),
        RequestTokenError::Other(e) => e,
    }
}

impl OAuth {
    /// The `oauth2` client: the client id, and the secret sent as the
    /// configured [`TokenAuthMethod`] says.
    pub(crate) fn protocol_client(&self) -> Client {
        let client = Client::new(ClientId::new(self.client_id.clone().unwrap_or_default()));
        let secret = || {
            ClientSecret::new(
                self.client_secret
                    .as_ref()
                    .map(|s| s.expose().to_owned())
                    .unwrap_or_default(),
            )
        };
        match self.auth_method {
            TokenAuthMethod::ClientSecretBasic => client
                .set_client_secret(secret())
                .set_auth_type(AuthType::BasicAuth),
            TokenAuthMethod::ClientSecretPost => client
                .set_client_secret(secret())
                .set_auth_type(AuthType::RequestBody),
            TokenAuthMethod::None => client.set_auth_type(AuthType::RequestBody),
        }
    }

    /// The client with the token endpoint (configured or discovered).
    async fn token_client(&self) -> Result<Client<EndpointNotSet, EndpointSet>, OAuthError> {
        let url = self
            .endpoint(
                &self.token_endpoint,
                |m| Some(m.token_endpoint.clone()),
                "token_endpoint",
            )
            .await
            .map_err(|e| token_error(e.to_string()))?;
        let url = TokenUrl::new(url.clone())
            .map_err(|_| token_error(format!("the token endpoint {url:?} is not a URL")))?;
        Ok(self.protocol_client().set_token_uri(url))
    }

    /// Exchanges an authorization code (with its PKCE verifier) for tokens.
    pub(crate) async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
        code_verifier: Option<&str>,
    ) -> Result<TokenResponse, OAuthError> {
        if self.dialect == Dialect::WeChat {
            return self.wechat_exchange_code(code).await;
        }
        let client = self.token_client().await?;
        let redirect_uri = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|_| token_error(format!("the redirect URI {redirect_uri:?} is not a URL")))?;
        let mut request = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_redirect_uri(Cow::Owned(redirect_uri));
        if let Some(name) = self.client_id_param {
            request = request.add_extra_param(name, self.client_id.as_deref().unwrap_or_default());
        }
        if let Some(verifier) = code_verifier {
            request = request.set_pkce_verifier(PkceCodeVerifier::new(verifier.to_owned()));
        }
        let answer = request
            .request_async(&self.runtime.http)
            .await
            .map_err(|e| token_error(describe(e)))?;
        Ok(answer.into_response())
    }

    /// The refresh grant.
    pub(crate) async fn refresh_grant(
        &self,
        refresh_token: &str,
    ) -> Result<TokenResponse, OAuthError> {
        if self.dialect == Dialect::WeChat {
            return self.wechat_refresh(refresh_token).await;
        }
        let client = self.token_client().await?;
        let refresh_token = RefreshToken::new(refresh_token.to_owned());
        let mut request = client.exchange_refresh_token(&refresh_token);
        if let Some(name) = self.client_id_param {
            request = request.add_extra_param(name, self.client_id.as_deref().unwrap_or_default());
        }
        let answer = request
            .request_async(&self.runtime.http)
            .await
            .map_err(|e| token_error(format!("refresh: {}", describe(e))))?;
        Ok(answer.into_response())
    }
}

impl ProviderTokens {
    pub(crate) fn into_response(self) -> TokenResponse {
        TokenResponse {
            tokens: self.token_set(now_secs()),
            raw: self.raw,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value, now: i64) -> Result<TokenSet, String> {
        match v {
            Value::Object(m) => ProviderTokens::from_raw(m).map(|t| t.token_set(now)),
            _ => unreachable!(),
        }
    }

    #[test]
    fn a_full_answer() {
        let t = parse(
            json!({
                "access_token": "at", "refresh_token": "rt", "expires_in": 3600,
                "token_type": "Bearer", "scope": "openid email", "id_token": "x.y.z"
            }),
            1_000,
        )
        .unwrap();
        assert_eq!(t.access_token.as_deref(), Some("at"));
        assert_eq!(t.refresh_token.as_deref(), Some("rt"));
        assert_eq!(t.expires_at, Some(4_600));
        assert_eq!(t.token_type.as_deref(), Some("Bearer"));
        assert_eq!(t.scope.as_deref(), Some("openid email"));
        assert_eq!(t.id_token.as_deref(), Some("x.y.z"));
    }

    #[test]
    fn odd_answers() {
        let t = parse(
            json!({"access_token": "at", "expires_in": "60", "scope": ["a", "b"]}),
            10,
        )
        .unwrap();
        assert_eq!(t.expires_at, Some(70));
        assert_eq!(t.scope.as_deref(), Some("a b"));
        assert_eq!(t.token_type, None);
        let t = parse(json!({"access_token": "at", "expires_in": -5}), 10).unwrap();
        assert_eq!(t.expires_at, None);
        assert!(parse(json!({"token_type": "bearer"}), 0).is_err());
        assert!(parse(json!({"access_token": 5}), 0).is_err());
        let t = parse(json!({"access_token": "a", "expires_in": 1e300}), 0).unwrap();
        assert_eq!(t.expires_at, Some(i64::MAX));
    }

    #[test]
    fn the_oauth2_crate_reads_the_answer_leniently() {
        use oauth2::TokenResponse as _;
        let t: ProviderTokens = serde_json::from_value(json!({
            "access_token": "at", "token_type": "BEARER", "expires_in": "30", "scope": ["x"]
        }))
        .unwrap();
        assert_eq!(t.access_token().secret(), "at");
        assert_eq!(t.token_type(), &BasicTokenType::Bearer);
        assert_eq!(t.expires_in(), Some(Duration::from_secs(30)));
        assert_eq!(t.scopes().map(Vec::len), Some(1));
        let e = serde_json::from_value::<ProviderTokens>(json!({"id_token": "x"})).unwrap_err();
        assert!(e.to_string().contains("no access_token"), "{e}");
    }

    #[test]
    fn tokens_stay_out_of_debug() {
        let t = ProviderTokens::from_raw(
            json!({"access_token": "secret-at", "refresh_token": "secret-rt", "id_token": "secret-id"})
                .as_object()
                .cloned()
                .unwrap(),
        )
        .unwrap();
        let text = format!("{t:?}");
        assert!(!text.contains("secret"), "{text}");
    }
}
