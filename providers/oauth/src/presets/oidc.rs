//! OpenID Connect presets: endpoints from the issuer's discovery document,
//! the profile from the validated ID token.

use keyway_core::oauth::{Check, OAuthProfile, TokenSet};
use keyway_core::provider::BoxError;
use serde_json::Value;

use super::oidc_at;
use crate::algorithms::JwsAlgorithm;
use crate::config::{OAuth, TokenAuthMethod};
use crate::profile::{first_of, flag_at, require_id, text_at};

/// Any OpenID provider, from `AUTH_OIDC_ISSUER`, `AUTH_OIDC_ID` and
/// `AUTH_OIDC_SECRET` (id `oidc`; change it with `.id(...)`, which changes
/// the variable names too).
pub fn oidc() -> OAuth {
    OAuth::oidc("oidc", "OpenID Connect")
}

/// Google (`https://accounts.google.com`).
pub fn google() -> OAuth {
    oidc_at("google", "Google", "https://accounts.google.com").color("#1a73e8")
}

fn apple_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    // The name comes once, on first consent, in the `user` form field.
    let first = text_at(raw, &["user", "name", "firstName"]);
    let last = text_at(raw, &["user", "name", "lastName"]);
    let name = match (first, last) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (f, l) => f.or(l),
    };
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["sub"]))?,
        name,
        // Only the signed ID token's claims: the `user` form field is
        // unsigned, anyone can post it.
        email: text_at(raw, &["email"]),
        email_verified: flag_at(raw, &["email_verified"]),
        image: None,
        raw: raw.clone(),
    })
}

/// Sign in with Apple: `response_mode=form_post` (the site must be on
/// https), `client_secret_post`, checks nonce and state. `AUTH_APPLE_SECRET`
/// is the client-secret JWT signed with the app's private key.
pub fn apple() -> OAuth {
    oidc_at("apple", "Apple", "https://appleid.apple.com")
        .scope("name email")
        .form_post(true)
        .token_auth_method(TokenAuthMethod::ClientSecretPost)
        .only(&[Check::Nonce, Check::State])
        .mapped(apple_profile)
        .color("#000000")
}

/// Multi-tenant Entra: `email` and `preferred_username` are set by each
/// tenant's administrators and prove nothing, so the address counts as
/// verified only with the optional `xms_edov` claim (the tenant owns the
/// email's domain) or an `email_verified` claim.
fn entra_profile(raw: &Value, tokens: &TokenSet) -> Result<OAuthProfile, BoxError> {
    let mut profile = entra_tenant_profile(raw, tokens)?;
    profile.email_verified = flag_at(raw, &["xms_edov"]) || flag_at(raw, &["email_verified"]);
    Ok(profile)
}

/// Entra for one fixed tenant: its administrators are the application's,
/// so the tenant's addresses are trusted.
fn entra_tenant_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    let email = first_of(raw, &[&["email"], &["preferred_username"]]).filter(|e| e.contains('@'));
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["sub"]))?,
        name: first_of(raw, &[&["name"], &["preferred_username"]]),
        email_verified: email.is_some(),
        email,
        image: None,
        raw: raw.clone(),
    })
}

/// Microsoft Entra ID (Azure AD), multi-tenant (`common`) unless
/// `AUTH_MICROSOFT_ENTRA_ID_ISSUER` or [`microsoft_entra_id_tenant`] names a
/// tenant. For `common`, the ID token's `iss` must be the tenant template
/// filled with the token's own `tid`. Any tenant's administrators choose
/// their users' `email`, so this preset keeps an address only with the
/// `xms_edov` or `email_verified` claim; [`microsoft_entra_id_tenant`]
/// trusts its own tenant's addresses.
pub fn microsoft_entra_id() -> OAuth {
    oidc_at(
        "microsoft-entra-id",
        "Microsoft Entra ID",
        "https://login.microsoftonline.com/common/v2.0",
    )
    .scope("openid profile email User.Read")
    .mapped(entra_profile)
    .color("#0072c6")
}

/// Microsoft Entra ID for one tenant (a tenant id or domain), whose
/// `email` / `preferred_username` are trusted as verified (`common`,
/// `organizations` and `consumers` are not one tenant and keep the
/// multi-tenant rule).
pub fn microsoft_entra_id_tenant(tenant: &str) -> OAuth {
    let p = microsoft_entra_id().issuer(format!("https://login.microsoftonline.com/{tenant}/v2.0"));
    let shared = ["common", "organizations", "consumers"]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(tenant.trim()));
    if shared {
        p
    } else {
        p.mapped(entra_tenant_profile)
    }
}

/// Auth0: `AUTH_AUTH0_ISSUER` is the tenant URL (`https://tenant.eu.auth0.com`).
pub fn auth0() -> OAuth {
    OAuth::oidc("auth0", "Auth0").color("#eb5424")
}

/// Okta: `AUTH_OKTA_ISSUER` is the org or authorization server URL.
pub fn okta() -> OAuth {
    OAuth::oidc("okta", "Okta").color("#000000")
}

/// Keycloak: `AUTH_KEYCLOAK_ISSUER` is the realm URL
/// (`https://kc.example.com/realms/myrealm`).
pub fn keycloak() -> OAuth {
    OAuth::oidc("keycloak", "Keycloak").color("#428bca")
}

fn cognito_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["sub"]))?,
        name: first_of(
            raw,
            &[&["name"], &["cognito:username"], &["preferred_username"]],
        ),
        email: text_at(raw, &["email"]),
        email_verified: flag_at(raw, &["email_verified"]),
        image: text_at(raw, &["picture"]),
        raw: raw.clone(),
    })
}

/// Amazon Cognito: `AUTH_COGNITO_ISSUER` is the user pool URL
/// (`https://cognito-idp.{region}.amazonaws.com/{pool id}`).
pub fn cognito() -> OAuth {
    OAuth::oidc("cognito", "Cognito")
        .mapped(cognito_profile)
        .color("#c17b9e")
}

/// Zitadel: `AUTH_ZITADEL_ISSUER` is the instance URL.
pub fn zitadel() -> OAuth {
    OAuth::oidc("zitadel", "ZITADEL").color("#000000")
}

/// Authentik: `AUTH_AUTHENTIK_ISSUER` is the application's issuer
/// (`https://authentik.example.com/application/o/{slug}/`).
pub fn authentik() -> OAuth {
    OAuth::oidc("authentik", "Authentik").color("#fd4b2d")
}

/// LinkedIn (Sign In with LinkedIn using OpenID Connect).
pub fn linkedin() -> OAuth {
    oidc_at("linkedin", "LinkedIn", "https://www.linkedin.com/oauth")
        .token_auth_method(TokenAuthMethod::ClientSecretPost)
        .only(&[Check::State])
        .color("#069")
}

/// Slack (Sign in with Slack, OpenID Connect).
pub fn slack() -> OAuth {
    oidc_at("slack", "Slack", "https://slack.com")
        .only(&[Check::State, Check::Nonce])
        .color("#4a154b")
}

fn twitch_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["sub"]))?,
        name: text_at(raw, &["preferred_username"]),
        email: text_at(raw, &["email"]),
        email_verified: flag_at(raw, &["email_verified"]),
        image: text_at(raw, &["picture"]),
        raw: raw.clone(),
    })
}

/// Twitch: asks for the email and picture claims in the ID token.
pub fn twitch() -> OAuth {
    oidc_at("twitch", "Twitch", "https://id.twitch.tv/oauth2")
        .scope("openid user:read:email")
        .authorization_param(
            "claims",
            r#"{"id_token":{"email":null,"email_verified":null,"picture":null,"preferred_username":null}}"#,
        )
        .token_auth_method(TokenAuthMethod::ClientSecretPost)
        .mapped(twitch_profile)
        .color("#65459b")
}

/// LINE Login (v2.1): the ID token's `sub`, `name`, `picture` and, with the
/// `email` scope the default includes, `email` (LINE says nothing about its
/// verification). LINE signs the ID tokens of web logins with `HS256` and
/// the channel secret, so this preset accepts `HS256` (and `ES256`, which
/// LINE's SDKs get).
pub fn line() -> OAuth {
    oidc_at("line", "LINE", "https://access.line.me")
        .only(&[Check::State])
        .id_token_algorithms(&[JwsAlgorithm::HS256, JwsAlgorithm::ES256])
        .color("#00c300")
}

fn salesforce_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(first_of(raw, &[&["user_id"], &["sub"]]))?,
        name: text_at(raw, &["name"]),
        email: text_at(raw, &["email"]),
        email_verified: flag_at(raw, &["email_verified"]),
        image: text_at(raw, &["picture"]),
        raw: raw.clone(),
    })
}

/// Salesforce: the profile comes from userinfo.
pub fn salesforce() -> OAuth {
    oidc_at("salesforce", "Salesforce", "https://login.salesforce.com")
        .fetch_userinfo(true)
        .mapped(salesforce_profile)
        .color("#00a1e0")
}

/// Hugging Face (Sign in with Hugging Face).
pub fn huggingface() -> OAuth {
    oidc_at("huggingface", "Hugging Face", "https://huggingface.co").color("#ffd21e")
}

/// Roblox (OAuth 2.0 with OpenID Connect). Roblox gives no email address.
pub fn roblox() -> OAuth {
    oidc_at("roblox", "Roblox", "https://apis.roblox.com/oauth/")
        .scope("openid profile")
        .color("#000000")
}
