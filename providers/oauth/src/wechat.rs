//! WeChat's OAuth, which is not RFC 6749's: the `oauth2` crate cannot send
//! its `GET` token requests, so they are made here (see
//! [`Dialect::WeChat`](crate::config::Dialect)).

use keyway_core::LogCode;
use keyway_core::oauth::OAuthError;
use keyway_core::redact::bounded_remote_text;
use serde_json::{Map, Value};

use crate::config::OAuth;
use crate::http::Auth;
use crate::token::{ProviderTokens, TokenResponse};

/// WeChat answers errors with status 200 and `{"errcode": 40029, "errmsg":
/// "invalid code"}`; `errcode: 0` is success.
fn wechat_error(answer: &Map<String, Value>) -> Option<String> {
    let code = answer.get("errcode")?;
    if code.as_i64() == Some(0) {
        return None;
    }
    let message = answer
        .get("errmsg")
        .and_then(Value::as_str)
        .map(|m| bounded_remote_text(m, 200))
        .unwrap_or_default();
    Some(format!("WeChat answered errcode {code}: {message}"))
}

/// `endpoint` with `params` added to its query.
fn with_query(endpoint: &str, params: &[(&str, &str)]) -> Result<String, String> {
    let mut url = url::Url::parse(endpoint).map_err(|_| format!("{endpoint:?} is not a URL"))?;
    url.query_pairs_mut().extend_pairs(params);
    Ok(url.into())
}

/// The refresh endpoint beside the token endpoint:
/// `.../sns/oauth2/access_token` → `.../sns/oauth2/refresh_token`.
fn refresh_endpoint(token_endpoint: &str) -> Result<String, String> {
    let mut url =
        url::Url::parse(token_endpoint).map_err(|_| format!("{token_endpoint:?} is not a URL"))?;
    url.path_segments_mut()
        .map_err(|()| format!("{token_endpoint:?} has no path"))?
        .pop()
        .push("refresh_token");
    Ok(url.into())
}

fn token_error(message: impl Into<String>) -> OAuthError {
    OAuthError::new(LogCode::OauthGetAccessTokenError, message)
}

impl OAuth {
    async fn wechat_get(&self, url: &str) -> Result<Map<String, Value>, String> {
        let answer = self
            .runtime
            .http
            .get_json(url, Auth::None, &[])
            .await
            .map_err(|e| e.to_string())?;
        match wechat_error(&answer) {
            Some(e) => Err(e),
            None => Ok(answer),
        }
    }

    async fn wechat_token_endpoint(&self) -> Result<String, OAuthError> {
        self.endpoint(
            &self.token_endpoint,
            |m| Some(m.token_endpoint.clone()),
            "token_endpoint",
        )
        .await
        .map_err(|e| token_error(e.to_string()))
    }

    /// `GET {token}?appid=&secret=&code=&grant_type=authorization_code`.
    pub(crate) async fn wechat_exchange_code(
        &self,
        code: &str,
    ) -> Result<TokenResponse, OAuthError> {
        let endpoint = self.wechat_token_endpoint().await?;
        let secret = self.client_secret.as_ref().map_or("", |s| s.expose());
        let url = with_query(
            &endpoint,
            &[
                ("appid", self.client_id.as_deref().unwrap_or_default()),
                ("secret", secret),
                ("code", code),
                ("grant_type", "authorization_code"),
            ],
        )
        .map_err(token_error)?;
        let answer = self.wechat_get(&url).await.map_err(token_error)?;
        ProviderTokens::from_raw(answer)
            .map(ProviderTokens::into_response)
            .map_err(token_error)
    }

    /// `GET {refresh}?appid=&grant_type=refresh_token&refresh_token=`.
    pub(crate) async fn wechat_refresh(
        &self,
        refresh_token: &str,
    ) -> Result<TokenResponse, OAuthError> {
        let endpoint =
            refresh_endpoint(&self.wechat_token_endpoint().await?).map_err(token_error)?;
        let url = with_query(
            &endpoint,
            &[
                ("appid", self.client_id.as_deref().unwrap_or_default()),
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
        )
        .map_err(token_error)?;
        let answer = self
            .wechat_get(&url)
            .await
            .map_err(|e| token_error(format!("refresh: {e}")))?;
        ProviderTokens::from_raw(answer)
            .map(ProviderTokens::into_response)
            .map_err(token_error)
    }

    /// `GET {userinfo}?access_token=&openid=`, the `openid` of the token
    /// answer.
    pub(crate) async fn wechat_userinfo(
        &self,
        endpoint: &str,
        response: &TokenResponse,
    ) -> Result<Map<String, Value>, String> {
        let access_token = response.tokens.access_token.as_deref().unwrap_or_default();
        let openid = response
            .raw
            .get("openid")
            .and_then(Value::as_str)
            .ok_or("the token answer has no openid")?;
        let url = with_query(
            endpoint,
            &[("access_token", access_token), ("openid", openid)],
        )?;
        self.wechat_get(&url).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn errcode_zero_is_success() {
        let ok = json!({"errcode": 0, "errmsg": "ok", "openid": "o"});
        assert_eq!(wechat_error(ok.as_object().unwrap()), None);
        let no_code = json!({"access_token": "a"});
        assert_eq!(wechat_error(no_code.as_object().unwrap()), None);
        let bad = json!({"errcode": 40029, "errmsg": "invalid code\nFORGED"});
        let e = wechat_error(bad.as_object().unwrap()).unwrap();
        assert!(
            e.contains("40029") && e.contains("invalid code\\u{a}FORGED"),
            "{e}"
        );
    }

    #[test]
    fn the_refresh_endpoint_is_beside_the_token_endpoint() {
        assert_eq!(
            refresh_endpoint("https://api.weixin.qq.com/sns/oauth2/access_token").unwrap(),
            "https://api.weixin.qq.com/sns/oauth2/refresh_token"
        );
        assert_eq!(
            with_query("https://x/sns/userinfo", &[("openid", "o p")]).unwrap(),
            "https://x/sns/userinfo?openid=o+p"
        );
    }
}
