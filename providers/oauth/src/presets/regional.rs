//! OAuth 2 presets for services of one region (Russia's VK and Yandex,
//! China's WeChat).

use keyway_core::oauth::{Check, OAuthProfile, TokenSet};
use keyway_core::provider::BoxError;
use serde_json::Value;

use super::oauth2;
use crate::config::{Dialect, OAuth, TokenAuthMethod};
use crate::profile::{first_of, flag_at, full_name, require_id, text_at};

fn vk_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    // `users.get` answers `{"response": [user]}`; the address comes with the
    // token answer and is merged in as `email`.
    let user = raw.pointer("/response/0").unwrap_or(&Value::Null);
    Ok(OAuthProfile {
        id: require_id(text_at(user, &["id"]))?,
        name: full_name(user, &["first_name"], &["last_name"]),
        email: text_at(raw, &["email"]),
        // VK says nothing about verification.
        email_verified: false,
        image: first_of(user, &[&["photo_100"], &["photo_50"]]),
        raw: raw.clone(),
    })
}

/// VK (VKontakte). The email address comes in the token answer.
pub fn vk() -> OAuth {
    let mut p = oauth2(
        "vk",
        "VK",
        "https://oauth.vk.com/authorize",
        "https://oauth.vk.com/access_token",
        "https://api.vk.com/method/users.get?fields=photo_100&v=5.199",
    )
    .scope("email")
    .token_auth_method(TokenAuthMethod::ClientSecretPost)
    .only(&[Check::State])
    .mapped(vk_profile)
    .color("#07f");
    p.token_fields = &["email"];
    p
}

fn yandex_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    let image = text_at(raw, &["default_avatar_id"])
        .filter(|_| !flag_at(raw, &["is_avatar_empty"]))
        .map(|id| format!("https://avatars.yandex.net/get-yapic/{id}/islands-200"));
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["id"]))?,
        name: first_of(raw, &[&["display_name"], &["real_name"], &["login"]]),
        email: first_of(raw, &[&["default_email"]]),
        // Yandex says nothing about verification.
        email_verified: false,
        image,
        raw: raw.clone(),
    })
}

/// Yandex ID.
pub fn yandex() -> OAuth {
    oauth2(
        "yandex",
        "Yandex",
        "https://oauth.yandex.ru/authorize",
        "https://oauth.yandex.ru/token",
        "https://login.yandex.ru/info?format=json",
    )
    .scope("login:info login:email login:avatar")
    .only(&[Check::State])
    .mapped(yandex_profile)
    .color("#ffcc00")
}

fn wechat_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        // The `unionid` is the same across the developer's apps (as Auth.js
        // stores it); the app's own `openid` without an Open Platform account.
        id: require_id(first_of(raw, &[&["unionid"], &["openid"]]))?,
        name: text_at(raw, &["nickname"]),
        // WeChat gives no email address.
        email: None,
        email_verified: false,
        image: text_at(raw, &["headimgurl"]),
        raw: raw.clone(),
    })
}

/// WeChat (Website Application, QR-code login; for sign-in inside WeChat's
/// own browser change the authorization endpoint to
/// `https://open.weixin.qq.com/connect/oauth2/authorize`). `AUTH_WECHAT_ID`
/// is the AppID, `AUTH_WECHAT_SECRET` the AppSecret. WeChat gives no email
/// address.
pub fn wechat() -> OAuth {
    let mut p = oauth2(
        "wechat",
        "WeChat",
        "https://open.weixin.qq.com/connect/qrconnect",
        "https://api.weixin.qq.com/sns/oauth2/access_token",
        "https://api.weixin.qq.com/sns/userinfo",
    )
    .scope("snsapi_login")
    .only(&[Check::State])
    .mapped(wechat_profile)
    .color("#07c160");
    p.client_id_param = Some("appid");
    p.dialect = Dialect::WeChat;
    p
}
