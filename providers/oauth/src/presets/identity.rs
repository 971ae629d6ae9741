//! OpenID Connect presets for identity platforms the application runs or
//! rents: the issuer is its own (`AUTH_<ID>_ISSUER`), the endpoints come
//! from the issuer's discovery document and the profile from the validated
//! ID token.

use keyway_core::oauth::{OAuthProfile, TokenSet};
use keyway_core::provider::BoxError;
use serde_json::Value;

use crate::config::OAuth;
use crate::profile::{first_of, flag_at, full_name, require_id, text_at};

fn b2c_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    // User flows send the addresses as the `emails` array; custom policies
    // may send `email`.
    let email = raw
        .get("emails")
        .and_then(Value::as_array)
        .and_then(|emails| emails.first())
        .and_then(|e| e.as_str())
        .map(str::to_owned)
        .or_else(|| text_at(raw, &["email"]));
    Ok(OAuthProfile {
        id: require_id(first_of(raw, &[&["sub"], &["oid"]]))?,
        name: first_of(raw, &[&["name"]])
            .or_else(|| full_name(raw, &["given_name"], &["family_name"])),
        email,
        // User flows add no verification claim (federated identity
        // providers pass addresses through unchecked); a custom policy can.
        email_verified: flag_at(raw, &["email_verified"]),
        image: None,
        raw: raw.clone(),
    })
}

/// Azure AD B2C: `AUTH_AZURE_AD_B2C_ISSUER` is the tenant's issuer
/// (`https://{tenant}.b2clogin.com/{tenant id}/v2.0/`). B2C publishes its
/// discovery document per user flow, so [`azure_ad_b2c_flow`] is usually
/// what an application wants.
pub fn azure_ad_b2c() -> OAuth {
    // B2C knows `openid` and `offline_access`, not `profile` or `email`.
    OAuth::oidc("azure-ad-b2c", "Azure Active Directory B2C")
        .scope("openid offline_access")
        .mapped(b2c_profile)
        .color("#0072c6")
}

/// Azure AD B2C for one user flow (`B2C_1_signupsignin`): the issuer is
/// `https://{tenant_name}.b2clogin.com/{tenant_id}/v2.0/`, the discovery
/// document the flow's.
pub fn azure_ad_b2c_flow(tenant_name: &str, tenant_id: &str, user_flow: &str) -> OAuth {
    let host = format!("https://{tenant_name}.b2clogin.com");
    azure_ad_b2c()
        .issuer(format!("{host}/{tenant_id}/v2.0/"))
        .well_known(format!(
            "{host}/{tenant_name}.onmicrosoft.com/{user_flow}/v2.0/.well-known/openid-configuration"
        ))
}

/// Duende IdentityServer (6 and later): `AUTH_DUENDE_IDENTITY_SERVER6_ISSUER`
/// is the server's URL.
pub fn duende_identity_server6() -> OAuth {
    OAuth::oidc("duende-identity-server6", "Duende IdentityServer v6").color("#1e3a5f")
}

/// FusionAuth: `AUTH_FUSIONAUTH_ISSUER` is the instance URL (with the
/// tenant id for a tenant's own issuer).
pub fn fusionauth() -> OAuth {
    OAuth::oidc("fusionauth", "FusionAuth").color("#f58320")
}

/// Kinde: `AUTH_KINDE_ISSUER` is the business domain
/// (`https://{business}.kinde.com`).
pub fn kinde() -> OAuth {
    OAuth::oidc("kinde", "Kinde").color("#000000")
}

/// OneLogin: `AUTH_ONELOGIN_ISSUER` is `https://{subdomain}.onelogin.com/oidc/2`.
pub fn onelogin() -> OAuth {
    OAuth::oidc("onelogin", "OneLogin").color("#1c1f2a")
}

fn asgardeo_profile(raw: &Value, _: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(text_at(raw, &["sub"]))?,
        name: first_of(raw, &[&["name"]])
            .or_else(|| full_name(raw, &["given_name"], &["family_name"]))
            .or_else(|| text_at(raw, &["username"])),
        email: text_at(raw, &["email"]),
        email_verified: flag_at(raw, &["email_verified"]),
        image: text_at(raw, &["picture"]),
        raw: raw.clone(),
    })
}

/// Asgardeo (WSO2): `AUTH_ASGARDEO_ISSUER` is
/// `https://api.asgardeo.io/t/{organization}/oauth2/token`.
pub fn asgardeo() -> OAuth {
    OAuth::oidc("asgardeo", "Asgardeo")
        .mapped(asgardeo_profile)
        .color("#ff7300")
}

/// Descope: `AUTH_DESCOPE_ISSUER` is `https://api.descope.com/{project id}`.
pub fn descope() -> OAuth {
    OAuth::oidc("descope", "Descope").color("#1c1c23")
}
