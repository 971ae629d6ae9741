//! OAuth 2 presets for creator, video, design and gaming communities.

use keyway_core::oauth::{Check, OAuthProfile, TokenSet};
use keyway_core::provider::BoxError;
use serde_json::Value;

use super::oauth2;
use crate::config::{OAuth, TokenAuthMethod};
use crate::profile::{first_of, flag_at, require_id, text_at};

fn dribbble_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["id"]))?,
        name: first_of(raw, &[&["name"], &["login"]]),
        email: text_at(raw, &["email"]),
        // Dribbble says nothing about verification.
        email_verified: false,
        image: text_at(raw, &["avatar_url"]),
        raw: raw.clone(),
    })
}

/// Dribbble.
pub fn dribbble() -> OAuth {
    oauth2(
        "dribbble",
        "Dribbble",
        "https://dribbble.com/oauth/authorize",
        "https://dribbble.com/oauth/token",
        "https://api.dribbble.com/v2/user",
    )
    .scope("public")
    .token_auth_method(TokenAuthMethod::ClientSecretPost)
    .only(&[Check::State])
    .mapped(dribbble_profile)
    .color("#ea4c89")
}

fn epic_games_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["sub"]))?,
        name: text_at(raw, &["preferred_username"]),
        // Epic gives no email address.
        email: None,
        email_verified: false,
        image: None,
        raw: raw.clone(),
    })
}

/// Epic Games (Epic Account Services). Epic gives no email address.
pub fn epic_games() -> OAuth {
    oauth2(
        "epicgames",
        "Epic Games",
        "https://www.epicgames.com/id/authorize",
        "https://api.epicgames.dev/epic/oauth/v2/token",
        "https://api.epicgames.dev/epic/oauth/v2/userInfo",
    )
    .scope("basic_profile")
    .only(&[Check::State])
    .mapped(epic_games_profile)
    .color("#313131")
}

fn instagram_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(first_of(raw, &[&["id"], &["user_id"]]))?,
        name: first_of(raw, &[&["name"], &["username"]]),
        // Instagram gives no email address.
        email: None,
        email_verified: false,
        image: text_at(raw, &["profile_picture_url"]),
        raw: raw.clone(),
    })
}

/// Instagram (Instagram API with Instagram Login, for business and creator
/// accounts). Instagram gives no email address.
pub fn instagram() -> OAuth {
    oauth2(
        "instagram",
        "Instagram",
        "https://www.instagram.com/oauth/authorize",
        "https://api.instagram.com/oauth/access_token",
        "https://graph.instagram.com/me?fields=id,user_id,username,name,profile_picture_url",
    )
    .scope("instagram_business_basic")
    .token_auth_method(TokenAuthMethod::ClientSecretPost)
    .only(&[Check::State])
    .mapped(instagram_profile)
    .color("#e4405f")
}

fn threads_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["id"]))?,
        name: first_of(raw, &[&["name"], &["username"]]),
        // Threads gives no email address.
        email: None,
        email_verified: false,
        image: text_at(raw, &["threads_profile_picture_url"]),
        raw: raw.clone(),
    })
}

/// Threads (Meta). Threads gives no email address.
pub fn threads() -> OAuth {
    oauth2(
        "threads",
        "Threads",
        "https://threads.net/oauth/authorize",
        "https://graph.threads.net/oauth/access_token",
        "https://graph.threads.net/v1.0/me?fields=id,username,name,threads_profile_picture_url",
    )
    .scope("threads_basic")
    .token_auth_method(TokenAuthMethod::ClientSecretPost)
    .only(&[Check::State])
    .mapped(threads_profile)
    .color("#000000")
}

fn tiktok_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["data", "user", "open_id"]))?,
        name: text_at(raw, &["data", "user", "display_name"]),
        // TikTok gives no email address.
        email: None,
        email_verified: false,
        image: text_at(raw, &["data", "user", "avatar_url"]),
        raw: raw.clone(),
    })
}

/// TikTok (Login Kit for Web). TikTok calls the client id `client_key`
/// (`AUTH_TIKTOK_ID` holds it) and gives no email address.
pub fn tiktok() -> OAuth {
    let mut p = oauth2(
        "tiktok",
        "TikTok",
        "https://www.tiktok.com/v2/auth/authorize/",
        "https://open.tiktokapis.com/v2/oauth/token/",
        "https://open.tiktokapis.com/v2/user/info/?fields=open_id,union_id,avatar_url,display_name",
    )
    .scope("user.info.basic")
    .token_auth_method(TokenAuthMethod::ClientSecretPost)
    .only(&[Check::State])
    .revocation_endpoint("https://open.tiktokapis.com/v2/oauth/revoke/")
    .mapped(tiktok_profile)
    .color("#000000");
    p.client_id_param = Some("client_key");
    p
}

fn pinterest_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        // The username, as Auth.js stores it (accounts stay shared).
        id: require_id(text_at(raw, &["username"]))?,
        name: first_of(raw, &[&["business_name"], &["username"]]),
        // Pinterest gives no email address.
        email: None,
        email_verified: false,
        image: text_at(raw, &["profile_image"]),
        raw: raw.clone(),
    })
}

/// Pinterest (API v5). Pinterest gives no email address.
pub fn pinterest() -> OAuth {
    oauth2(
        "pinterest",
        "Pinterest",
        "https://www.pinterest.com/oauth",
        "https://api.pinterest.com/v5/oauth/token",
        "https://api.pinterest.com/v5/user_account",
    )
    .scope("user_accounts:read")
    .only(&[Check::State])
    .mapped(pinterest_profile)
    .color("#e60023")
}

fn patreon_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["data", "id"]))?,
        name: text_at(raw, &["data", "attributes", "full_name"]),
        email: text_at(raw, &["data", "attributes", "email"]),
        email_verified: flag_at(raw, &["data", "attributes", "is_email_verified"]),
        image: text_at(raw, &["data", "attributes", "image_url"]),
        raw: raw.clone(),
    })
}

/// Patreon (API v2).
pub fn patreon() -> OAuth {
    oauth2(
        "patreon",
        "Patreon",
        "https://www.patreon.com/oauth2/authorize",
        "https://www.patreon.com/api/oauth2/token",
        "https://www.patreon.com/api/oauth2/v2/identity?fields%5Buser%5D=email,full_name,image_url,is_email_verified",
    )
    .scope("identity identity[email]")
    .token_auth_method(TokenAuthMethod::ClientSecretPost)
    .only(&[Check::State])
    .mapped(patreon_profile)
    .color("#e85b46")
}

fn trakt_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["ids", "slug"]))?,
        name: first_of(raw, &[&["name"], &["username"]]),
        // Trakt gives no email address.
        email: None,
        email_verified: false,
        image: text_at(raw, &["images", "avatar", "full"]),
        raw: raw.clone(),
    })
}

/// Trakt. Its API wants the client id in a `trakt-api-key` header, which
/// the preset sends. Trakt gives no email address.
pub fn trakt() -> OAuth {
    oauth2(
        "trakt",
        "Trakt",
        "https://trakt.tv/oauth/authorize",
        "https://api.trakt.tv/oauth/token",
        "https://api.trakt.tv/users/me?extended=full",
    )
    .token_auth_method(TokenAuthMethod::ClientSecretPost)
    .only(&[Check::State])
    .revocation_endpoint("https://api.trakt.tv/oauth/revoke")
    .userinfo_header("trakt-api-version", "2")
    .userinfo_header("trakt-api-key", crate::config::CLIENT_ID_PLACEHOLDER)
    .mapped(trakt_profile)
    .color("#ed1c24")
}

fn osu_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["id"]))?,
        name: text_at(raw, &["username"]),
        // osu! gives no email address.
        email: None,
        email_verified: false,
        image: text_at(raw, &["avatar_url"]),
        raw: raw.clone(),
    })
}

/// osu!. osu! gives no email address.
pub fn osu() -> OAuth {
    oauth2(
        "osu",
        "Osu!",
        "https://osu.ppy.sh/oauth/authorize",
        "https://osu.ppy.sh/oauth/token",
        "https://osu.ppy.sh/api/v2/me",
    )
    .scope("identify")
    .token_auth_method(TokenAuthMethod::ClientSecretPost)
    .only(&[Check::State])
    .mapped(osu_profile)
    .color("#ff66aa")
}
