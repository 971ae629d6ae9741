//! OAuth 2 presets for developer and workplace services.

use keyway_core::oauth::{Check, OAuthProfile, TokenSet};
use keyway_core::provider::BoxError;
use serde_json::Value;

use super::oauth2;
use crate::config::{EmailFallback, OAuth, UserinfoRequest};
use crate::profile::{first_of, flag_at, require_id, text_at};

fn github_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["id"]))?,
        name: first_of(raw, &[&["name"], &["login"]]),
        // Set from `GET /user/emails` (see `EmailFallback::Github`): only an
        // address GitHub marks verified is kept.
        email: text_at(raw, &["email"]),
        email_verified: flag_at(raw, &["email_verified"]),
        image: text_at(raw, &["avatar_url"]),
        raw: raw.clone(),
    })
}

/// GitHub. When the user keeps their email private, the primary address
/// comes from `GET /user/emails` (scope `user:email`).
pub fn github() -> OAuth {
    github_at("https://github.com", "https://api.github.com")
}

/// GitHub Enterprise Server at `base_url` (`https://github.example.com`);
/// its API is `{base_url}/api/v3`.
pub fn github_enterprise(base_url: &str) -> OAuth {
    let base = base_url.trim_end_matches('/');
    github_at(base, &format!("{base}/api/v3"))
}

fn github_at(base: &str, api: &str) -> OAuth {
    let mut p = oauth2(
        "github",
        "GitHub",
        &format!("{base}/login/oauth/authorize"),
        &format!("{base}/login/oauth/access_token"),
        &format!("{api}/user"),
    )
    .scope("read:user user:email")
    .mapped(github_profile)
    .color("#24292f");
    p.email_fallback = EmailFallback::Github {
        api: api.to_owned(),
    };
    p
}

fn gitlab_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["id"]))?,
        name: first_of(raw, &[&["name"], &["username"]]),
        email: text_at(raw, &["email"]),
        // The primary address of a confirmed account.
        email_verified: text_at(raw, &["confirmed_at"]).is_some(),
        image: text_at(raw, &["avatar_url"]),
        raw: raw.clone(),
    })
}

/// GitLab.com.
pub fn gitlab() -> OAuth {
    gitlab_self_hosted("https://gitlab.com")
}

/// A self-hosted GitLab at `base_url`.
pub fn gitlab_self_hosted(base_url: &str) -> OAuth {
    let base = base_url.trim_end_matches('/');
    oauth2(
        "gitlab",
        "GitLab",
        &format!("{base}/oauth/authorize"),
        &format!("{base}/oauth/token"),
        &format!("{base}/api/v4/user"),
    )
    .scope("read_user")
    .mapped(gitlab_profile)
    .color("#fc6d26")
}

fn bitbucket_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(first_of(raw, &[&["account_id"], &["uuid"]]))?,
        name: first_of(raw, &[&["display_name"], &["username"]]),
        // Set from `GET /user/emails`: only a confirmed address is kept.
        email: text_at(raw, &["email"]),
        email_verified: flag_at(raw, &["email_verified"]),
        image: text_at(raw, &["links", "avatar", "href"]),
        raw: raw.clone(),
    })
}

/// Bitbucket Cloud; the email comes from `GET /user/emails` (scope `email`).
pub fn bitbucket() -> OAuth {
    let mut p = oauth2(
        "bitbucket",
        "Bitbucket",
        "https://bitbucket.org/site/oauth2/authorize",
        "https://bitbucket.org/site/oauth2/access_token",
        "https://api.bitbucket.org/2.0/user",
    )
    .scope("account email")
    .mapped(bitbucket_profile)
    .color("#205081");
    p.email_fallback = EmailFallback::Bitbucket {
        api: "https://api.bitbucket.org/2.0".to_owned(),
    };
    p
}

fn atlassian_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["account_id"]))?,
        name: first_of(raw, &[&["name"], &["nickname"]]),
        email: text_at(raw, &["email"]),
        email_verified: flag_at(raw, &["email_verified"]),
        image: text_at(raw, &["picture"]),
        raw: raw.clone(),
    })
}

/// Atlassian (Jira, Confluence) accounts.
pub fn atlassian() -> OAuth {
    oauth2(
        "atlassian",
        "Atlassian",
        "https://auth.atlassian.com/authorize",
        "https://auth.atlassian.com/oauth/token",
        "https://api.atlassian.com/me",
    )
    .scope("read:me")
    .authorization_param("audience", "api.atlassian.com")
    .authorization_param("prompt", "consent")
    .only(&[Check::State])
    .mapped(atlassian_profile)
    .color("#0052cc")
}

fn notion_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["id"]))?,
        name: text_at(raw, &["name"]),
        email: text_at(raw, &["person", "email"]),
        // Notion says nothing about verification.
        email_verified: false,
        image: text_at(raw, &["avatar_url"]),
        raw: raw.clone(),
    })
}

/// Notion public integrations; the profile is the token answer's
/// `owner.user`.
pub fn notion() -> OAuth {
    let mut p = OAuth::oauth2("notion", "Notion")
        .authorization_endpoint("https://api.notion.com/v1/oauth/authorize")
        .token_endpoint("https://api.notion.com/v1/oauth/token")
        .authorization_param("owner", "user")
        .mapped(notion_profile)
        .color("#000000");
    p.userinfo_request = UserinfoRequest::TokenResponse(&["owner", "user"]);
    p
}

fn dropbox_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["account_id"]))?,
        name: text_at(raw, &["name", "display_name"]),
        email: text_at(raw, &["email"]),
        email_verified: flag_at(raw, &["email_verified"]),
        image: text_at(raw, &["profile_photo_url"]),
        raw: raw.clone(),
    })
}

/// Dropbox, with offline access (a refresh token).
pub fn dropbox() -> OAuth {
    let mut p = oauth2(
        "dropbox",
        "Dropbox",
        "https://www.dropbox.com/oauth2/authorize",
        "https://api.dropboxapi.com/oauth2/token",
        "https://api.dropboxapi.com/2/users/get_current_account",
    )
    .scope("account_info.read")
    .authorization_param("token_access_type", "offline")
    .mapped(dropbox_profile)
    .color("#0061fe");
    p.userinfo_request = UserinfoRequest::Post;
    p
}

fn zoom_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    let name = match (text_at(raw, &["first_name"]), text_at(raw, &["last_name"])) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (f, l) => f.or(l).or_else(|| text_at(raw, &["display_name"])),
    };
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["id"]))?,
        name,
        email: text_at(raw, &["email"]),
        // `verified`: 1 when the account's address is verified.
        email_verified: text_at(raw, &["verified"]).as_deref() == Some("1")
            || flag_at(raw, &["verified"]),
        image: text_at(raw, &["pic_url"]),
        raw: raw.clone(),
    })
}

/// Zoom.
pub fn zoom() -> OAuth {
    oauth2(
        "zoom",
        "Zoom",
        "https://zoom.us/oauth/authorize",
        "https://zoom.us/oauth/token",
        "https://api.zoom.us/v2/users/me",
    )
    .mapped(zoom_profile)
    .color("#0b5cff")
}
