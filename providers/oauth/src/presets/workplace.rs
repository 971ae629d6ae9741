//! OAuth 2 presets for work, publishing and finance services.

use keyway_core::oauth::{Check, OAuthProfile, TokenSet};
use keyway_core::provider::BoxError;
use serde_json::Value;

use super::oauth2;
use crate::config::{OAuth, TokenAuthMethod};
use crate::profile::{first_of, flag_at, full_name, require_id, text_at};

fn box_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["id"]))?,
        name: text_at(raw, &["name"]),
        // `login` is the account's address; Box says nothing about
        // verification.
        email: text_at(raw, &["login"]),
        email_verified: false,
        image: text_at(raw, &["avatar_url"]),
        raw: raw.clone(),
    })
}

/// Box (box.com). Named `box_com` since `box` is a Rust keyword.
pub fn box_com() -> OAuth {
    oauth2(
        "box",
        "Box",
        "https://account.box.com/api/oauth2/authorize",
        "https://api.box.com/oauth2/token",
        "https://api.box.com/2.0/users/me",
    )
    .token_auth_method(TokenAuthMethod::ClientSecretPost)
    .only(&[Check::State])
    .revocation_endpoint("https://api.box.com/oauth2/revoke")
    .mapped(box_profile)
    .color("#0061d5")
}

fn coinbase_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["data", "id"]))?,
        name: first_of(raw, &[&["data", "name"], &["data", "username"]]),
        email: text_at(raw, &["data", "email"]),
        // Coinbase says nothing about verification.
        email_verified: false,
        image: text_at(raw, &["data", "avatar_url"]),
        raw: raw.clone(),
    })
}

/// Coinbase.
pub fn coinbase() -> OAuth {
    oauth2(
        "coinbase",
        "Coinbase",
        "https://login.coinbase.com/oauth2/auth",
        "https://login.coinbase.com/oauth2/token",
        "https://api.coinbase.com/v2/user",
    )
    .scope("wallet:user:email wallet:user:read")
    .token_auth_method(TokenAuthMethod::ClientSecretPost)
    .only(&[Check::State])
    .revocation_endpoint("https://login.coinbase.com/oauth2/revoke")
    .mapped(coinbase_profile)
    .color("#0052ff")
}

fn figma_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["id"]))?,
        name: text_at(raw, &["handle"]),
        email: text_at(raw, &["email"]),
        // Figma says nothing about verification.
        email_verified: false,
        image: text_at(raw, &["img_url"]),
        raw: raw.clone(),
    })
}

/// Figma.
pub fn figma() -> OAuth {
    oauth2(
        "figma",
        "Figma",
        "https://www.figma.com/oauth",
        "https://api.figma.com/v1/oauth/token",
        "https://api.figma.com/v1/me",
    )
    .scope("current_user:read")
    .only(&[Check::State])
    .mapped(figma_profile)
    .color("#0acf83")
}

fn webex_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    let email = raw
        .get("emails")
        .and_then(Value::as_array)
        .and_then(|emails| emails.first())
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["id"]))?,
        name: first_of(raw, &[&["displayName"], &["nickName"]]),
        email,
        // Webex says nothing about verification.
        email_verified: false,
        image: text_at(raw, &["avatar"]),
        raw: raw.clone(),
    })
}

/// Webex (Cisco).
pub fn webex() -> OAuth {
    oauth2(
        "webex",
        "Webex",
        "https://webexapis.com/v1/authorize",
        "https://webexapis.com/v1/access_token",
        "https://webexapis.com/v1/people/me",
    )
    .scope("spark:kms spark:people_read")
    .token_auth_method(TokenAuthMethod::ClientSecretPost)
    .mapped(webex_profile)
    .color("#07c160")
}

fn wordpress_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["ID"]))?,
        name: first_of(raw, &[&["display_name"], &["username"]]),
        email: text_at(raw, &["email"]),
        email_verified: flag_at(raw, &["email_verified"]),
        image: text_at(raw, &["avatar_URL"]),
        raw: raw.clone(),
    })
}

/// WordPress.com (and Jetpack sites).
pub fn wordpress() -> OAuth {
    oauth2(
        "wordpress",
        "WordPress.com",
        "https://public-api.wordpress.com/oauth2/authorize",
        "https://public-api.wordpress.com/oauth2/token",
        "https://public-api.wordpress.com/rest/v1/me",
    )
    .scope("auth")
    .token_auth_method(TokenAuthMethod::ClientSecretPost)
    .only(&[Check::State])
    .mapped(wordpress_profile)
    .color("#3499cd")
}

fn netlify_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["id"]))?,
        name: first_of(raw, &[&["full_name"], &["slug"]]),
        email: text_at(raw, &["email"]),
        // Netlify says nothing about verification.
        email_verified: false,
        image: text_at(raw, &["avatar_url"]),
        raw: raw.clone(),
    })
}

/// Netlify.
pub fn netlify() -> OAuth {
    oauth2(
        "netlify",
        "Netlify",
        "https://app.netlify.com/authorize",
        "https://api.netlify.com/oauth/token",
        "https://api.netlify.com/api/v1/user",
    )
    .token_auth_method(TokenAuthMethod::ClientSecretPost)
    .only(&[Check::State])
    .mapped(netlify_profile)
    .color("#32e6e2")
}

fn zoho_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["ZUID"]))?,
        name: first_of(raw, &[&["Display_Name"]])
            .or_else(|| full_name(raw, &["First_Name"], &["Last_Name"])),
        email: text_at(raw, &["Email"]),
        // Zoho says nothing about verification.
        email_verified: false,
        image: None,
        raw: raw.clone(),
    })
}

/// Zoho accounts (the `.com` data centre; change the endpoints for
/// another, e.g. `accounts.zoho.eu`).
pub fn zoho() -> OAuth {
    oauth2(
        "zoho",
        "Zoho",
        "https://accounts.zoho.com/oauth/v2/auth",
        "https://accounts.zoho.com/oauth/v2/token",
        "https://accounts.zoho.com/oauth/user/info",
    )
    .scope("AaaServer.profile.Read")
    .token_auth_method(TokenAuthMethod::ClientSecretPost)
    .only(&[Check::State])
    .revocation_endpoint("https://accounts.zoho.com/oauth/v2/token/revoke")
    .mapped(zoho_profile)
    .color("#e42527")
}

fn wikimedia_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["sub"]))?,
        name: text_at(raw, &["username"]),
        email: text_at(raw, &["email"]),
        // `confirmed_email`: the user proved the address.
        email_verified: flag_at(raw, &["confirmed_email"]),
        image: None,
        raw: raw.clone(),
    })
}

/// Wikimedia (Wikipedia and its sister projects; one account everywhere).
pub fn wikimedia() -> OAuth {
    oauth2(
        "wikimedia",
        "Wikimedia",
        "https://meta.wikimedia.org/w/rest.php/oauth2/authorize",
        "https://meta.wikimedia.org/w/rest.php/oauth2/access_token",
        "https://meta.wikimedia.org/w/rest.php/oauth2/resource/profile",
    )
    .token_auth_method(TokenAuthMethod::ClientSecretPost)
    .only(&[Check::State])
    .mapped(wikimedia_profile)
    .color("#000000")
}
