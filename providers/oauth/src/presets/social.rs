//! OAuth 2 presets for social, media and regional services.

use keyway_core::oauth::{Check, OAuthProfile, TokenSet};
use keyway_core::provider::BoxError;
use serde_json::Value;

use super::oauth2;
use crate::config::{OAuth, TokenAuthMethod};
use crate::profile::{first_of, flag_at, require_id, text_at};

fn discord_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    let id = require_id(text_at(raw, &["id"]))?;
    let image = match text_at(raw, &["avatar"]) {
        Some(hash) => {
            let ext = if hash.starts_with("a_") { "gif" } else { "png" };
            format!("https://cdn.discordapp.com/avatars/{id}/{hash}.{ext}")
        }
        None => {
            // Default avatars: new usernames by id, legacy ones by discriminator.
            let index = match text_at(raw, &["discriminator"]).as_deref() {
                None | Some("0") => id.parse::<u64>().map_or(0, |n| (n >> 22) % 6),
                Some(d) => d.parse::<u64>().map_or(0, |n| n % 5),
            };
            format!("https://cdn.discordapp.com/embed/avatars/{index}.png")
        }
    };
    Ok(OAuthProfile {
        name: first_of(raw, &[&["global_name"], &["username"]]),
        email: text_at(raw, &["email"]),
        // The user object's `verified`: whether the email is verified.
        email_verified: flag_at(raw, &["verified"]),
        image: Some(image),
        raw: raw.clone(),
        id,
    })
}

/// Discord.
pub fn discord() -> OAuth {
    oauth2(
        "discord",
        "Discord",
        "https://discord.com/api/oauth2/authorize",
        "https://discord.com/api/oauth2/token",
        "https://discord.com/api/users/@me",
    )
    .scope("identify email")
    .mapped(discord_profile)
    .color("#5865f2")
}

fn facebook_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["id"]))?,
        name: text_at(raw, &["name"]),
        email: text_at(raw, &["email"]),
        // The Graph API says nothing about verification.
        email_verified: false,
        image: text_at(raw, &["picture", "data", "url"]),
        raw: raw.clone(),
    })
}

/// Facebook (Graph API v19.0).
pub fn facebook() -> OAuth {
    oauth2(
        "facebook",
        "Facebook",
        "https://www.facebook.com/v19.0/dialog/oauth",
        "https://graph.facebook.com/oauth/access_token",
        "https://graph.facebook.com/me?fields=id,name,email,picture",
    )
    .scope("email")
    .mapped(facebook_profile)
    .color("#1877f2")
}

fn twitter_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["data", "id"]))?,
        name: first_of(raw, &[&["data", "name"], &["data", "username"]]),
        email: text_at(raw, &["data", "email"]),
        email_verified: false,
        image: text_at(raw, &["data", "profile_image_url"]),
        raw: raw.clone(),
    })
}

/// X (Twitter), OAuth 2 with PKCE. X gives no email address.
pub fn twitter() -> OAuth {
    oauth2(
        "twitter",
        "Twitter",
        "https://x.com/i/oauth2/authorize",
        "https://api.x.com/2/oauth2/token",
        "https://api.x.com/2/users/me?user.fields=profile_image_url",
    )
    .scope("users.read tweet.read offline.access")
    .mapped(twitter_profile)
    .color("#1da1f2")
}

fn reddit_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    // Icon URLs carry HTML-escaped query strings; the bare path works.
    let image = text_at(raw, &["icon_img"])
        .map(|u| u.split('?').next().unwrap_or_default().to_owned())
        .filter(|u| !u.is_empty());
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["id"]))?,
        name: text_at(raw, &["name"]),
        email: None,
        email_verified: false,
        image,
        raw: raw.clone(),
    })
}

/// Reddit. Reddit gives no email address.
pub fn reddit() -> OAuth {
    oauth2(
        "reddit",
        "Reddit",
        "https://www.reddit.com/api/v1/authorize",
        "https://www.reddit.com/api/v1/access_token",
        "https://oauth.reddit.com/api/v1/me",
    )
    .scope("identity")
    .only(&[Check::State])
    .mapped(reddit_profile)
    .color("#ff4500")
}

fn spotify_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["id"]))?,
        name: text_at(raw, &["display_name"]),
        email: text_at(raw, &["email"]),
        // Spotify says nothing about verification.
        email_verified: false,
        image: raw
            .get("images")
            .and_then(Value::as_array)
            .and_then(|images| images.first())
            .and_then(|i| text_at(i, &["url"])),
        raw: raw.clone(),
    })
}

/// Spotify.
pub fn spotify() -> OAuth {
    oauth2(
        "spotify",
        "Spotify",
        "https://accounts.spotify.com/authorize",
        "https://accounts.spotify.com/api/token",
        "https://api.spotify.com/v1/me",
    )
    .scope("user-read-email")
    .mapped(spotify_profile)
    .color("#1db954")
}

fn strava_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    let name = match (text_at(raw, &["firstname"]), text_at(raw, &["lastname"])) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (f, l) => f.or(l),
    };
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["id"]))?,
        name,
        email: None,
        email_verified: false,
        image: text_at(raw, &["profile"]),
        raw: raw.clone(),
    })
}

/// Strava. Strava gives no email address.
pub fn strava() -> OAuth {
    oauth2(
        "strava",
        "Strava",
        "https://www.strava.com/api/v3/oauth/authorize",
        "https://www.strava.com/api/v3/oauth/token",
        "https://www.strava.com/api/v3/athlete",
    )
    .scope("read")
    .authorization_param("approval_prompt", "auto")
    .token_auth_method(TokenAuthMethod::ClientSecretPost)
    .only(&[Check::State])
    .mapped(strava_profile)
    .color("#fc4c02")
}

fn kakao_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["id"]))?,
        name: first_of(
            raw,
            &[
                &["kakao_account", "profile", "nickname"],
                &["properties", "nickname"],
                &["kakao_account", "name"],
            ],
        ),
        email: text_at(raw, &["kakao_account", "email"]),
        email_verified: flag_at(raw, &["kakao_account", "is_email_verified"])
            && flag_at(raw, &["kakao_account", "is_email_valid"]),
        // Kakao's grey placeholder is no picture of the user.
        image: first_of(
            raw,
            &[
                &["kakao_account", "profile", "profile_image_url"],
                &["properties", "profile_image"],
            ],
        )
        .filter(|_| !flag_at(raw, &["kakao_account", "profile", "is_default_image"])),
        raw: raw.clone(),
    })
}

/// Kakao. The whole `/v2/user/me` document (with the consented
/// `kakao_account` items: name, age range, birthday, gender, phone number)
/// is the profile's `raw`.
pub fn kakao() -> OAuth {
    oauth2(
        "kakao",
        "Kakao",
        "https://kauth.kakao.com/oauth/authorize",
        "https://kauth.kakao.com/oauth/token",
        "https://kapi.kakao.com/v2/user/me",
    )
    .token_auth_method(TokenAuthMethod::ClientSecretPost)
    .mapped(kakao_profile)
    .color("#fee500")
}

fn naver_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["response", "id"]))?,
        name: first_of(raw, &[&["response", "nickname"], &["response", "name"]]),
        email: text_at(raw, &["response", "email"]),
        // Naver says nothing about verification.
        email_verified: false,
        image: text_at(raw, &["response", "profile_image"]),
        raw: raw.clone(),
    })
}

/// Naver. The whole `/v1/nid/me` answer (name, gender, age, birthday,
/// birth year, mobile number, as consented) is the profile's `raw`.
pub fn naver() -> OAuth {
    oauth2(
        "naver",
        "Naver",
        "https://nid.naver.com/oauth2.0/authorize",
        "https://nid.naver.com/oauth2.0/token",
        "https://openapi.naver.com/v1/nid/me",
    )
    .only(&[Check::State])
    .mapped(naver_profile)
    .color("#03c75a")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kakao_drops_the_placeholder_picture_and_falls_back_to_the_name() {
        let raw = json!({
            "id": 1,
            "kakao_account": {
                "name": "홍길동",
                "profile": {"profile_image_url": "http://k/default.jpg", "is_default_image": true},
            },
        });
        let p = kakao_profile(&raw, &TokenSet::default()).unwrap();
        assert_eq!(p.name.as_deref(), Some("홍길동"));
        assert_eq!(p.image, None);
        assert!(!p.email_verified);
    }
}
