//! OAuth 2 presets for services each organisation runs itself: the endpoints
//! hang off the instance's base URL, `AUTH_<ID>_ISSUER` (or `.issuer(...)`).

use keyway_core::oauth::{Check, OAuthProfile, TokenSet};
use keyway_core::provider::BoxError;
use serde_json::Value;

use super::oauth2;
use crate::config::{EmailFallback, OAuth, TokenAuthMethod};
use crate::profile::{first_of, flag_at, full_name, require_id, text_at};

fn mastodon_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["id"]))?,
        name: first_of(raw, &[&["display_name"], &["username"]]),
        // Mastodon gives no email address.
        email: None,
        email_verified: false,
        image: first_of(raw, &[&["avatar_static"], &["avatar"]]),
        raw: raw.clone(),
    })
}

/// Mastodon: `AUTH_MASTODON_ISSUER` is the instance (`https://mastodon.social`).
/// Mastodon gives no email address.
pub fn mastodon() -> OAuth {
    oauth2(
        "mastodon",
        "Mastodon",
        "{issuer}/oauth/authorize",
        "{issuer}/oauth/token",
        "{issuer}/api/v1/accounts/verify_credentials",
    )
    .scope("read:accounts")
    .token_auth_method(TokenAuthMethod::ClientSecretPost)
    .only(&[Check::State])
    .revocation_endpoint("{issuer}/oauth/revoke")
    .mapped(mastodon_profile)
    .color("#6364ff")
}

fn mattermost_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["id"]))?,
        name: full_name(raw, &["first_name"], &["last_name"])
            .or_else(|| first_of(raw, &[&["nickname"], &["username"]])),
        email: text_at(raw, &["email"]),
        email_verified: flag_at(raw, &["email_verified"]),
        image: None,
        raw: raw.clone(),
    })
}

/// Mattermost: `AUTH_MATTERMOST_ISSUER` is the server's URL.
pub fn mattermost() -> OAuth {
    oauth2(
        "mattermost",
        "Mattermost",
        "{issuer}/oauth/authorize",
        "{issuer}/oauth/access_token",
        "{issuer}/api/v4/users/me",
    )
    .token_auth_method(TokenAuthMethod::ClientSecretPost)
    .only(&[Check::State])
    .mapped(mattermost_profile)
    .color("#1e325c")
}

fn nextcloud_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["ocs", "data", "id"]))?,
        name: text_at(raw, &["ocs", "data", "displayname"]),
        email: text_at(raw, &["ocs", "data", "email"]),
        // Nextcloud says nothing about verification.
        email_verified: false,
        image: None,
        raw: raw.clone(),
    })
}

/// Nextcloud: `AUTH_NEXTCLOUD_ISSUER` is the server's URL.
pub fn nextcloud() -> OAuth {
    oauth2(
        "nextcloud",
        "Nextcloud",
        "{issuer}/apps/oauth2/authorize",
        "{issuer}/apps/oauth2/api/v1/token",
        "{issuer}/ocs/v2.php/cloud/user?format=json",
    )
    .token_auth_method(TokenAuthMethod::ClientSecretPost)
    .only(&[Check::State])
    .userinfo_header("OCS-APIRequest", "true")
    .mapped(nextcloud_profile)
    .color("#0082c9")
}

fn gitea_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["id"]))?,
        name: first_of(raw, &[&["full_name"], &["login"]]),
        // Set from `GET /user/emails` (GitHub's shape): only a verified
        // address is kept.
        email: text_at(raw, &["email"]),
        email_verified: flag_at(raw, &["email_verified"]),
        image: text_at(raw, &["avatar_url"]),
        raw: raw.clone(),
    })
}

/// Gitea (and Forgejo): `AUTH_GITEA_ISSUER` is the server's URL. The
/// address comes from `GET /api/v1/user/emails`, verified ones only.
pub fn gitea() -> OAuth {
    let mut p = oauth2(
        "gitea",
        "Gitea",
        "{issuer}/login/oauth/authorize",
        "{issuer}/login/oauth/access_token",
        "{issuer}/api/v1/user",
    )
    .mapped(gitea_profile)
    .color("#609926");
    p.email_fallback = EmailFallback::Github {
        api: "{issuer}/api/v1".to_owned(),
    };
    p
}
