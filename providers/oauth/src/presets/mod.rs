//! Ready-made providers. Each reads `AUTH_<ID>_ID` / `_SECRET` (and
//! `_ISSUER` where the issuer is the application's own: Auth0, Okta,
//! Keycloak, Cognito, Zitadel, Authentik, the identity platforms and the
//! self-hosted services below, the generic [`oidc`]) unless set in code, and
//! every builder method of [`OAuth`] can change it.
//!
//! | function | id | kind | notes |
//! |---|---|---|---|
//! | [`apple`] | `apple` | OIDC | `form_post`, `client_secret_post`, nonce + state; the secret is the signed client-secret JWT |
//! | [`asgardeo`] | `asgardeo` | OIDC | issuer = the organization's token URL |
//! | [`atlassian`] | `atlassian` | OAuth 2 | |
//! | [`auth0`] | `auth0` | OIDC | issuer = the tenant URL |
//! | [`authentik`] | `authentik` | OIDC | issuer = the application's URL |
//! | [`azure_ad_b2c`], [`azure_ad_b2c_flow`] | `azure-ad-b2c` | OIDC | issuer = the tenant's; scope `openid offline_access`; address from `emails` |
//! | [`bitbucket`] | `bitbucket` | OAuth 2 | email from `/user/emails` |
//! | [`box_com`] | `box` | OAuth 2 | `client_secret_post`, state only; revocation endpoint |
//! | [`cognito`] | `cognito` | OIDC | issuer = the user pool URL |
//! | [`coinbase`] | `coinbase` | OAuth 2 | `client_secret_post`, state only; revocation endpoint |
//! | [`descope`] | `descope` | OIDC | issuer = the project URL |
//! | [`discord`] | `discord` | OAuth 2 | avatar URL built from the hash |
//! | [`dribbble`] | `dribbble` | OAuth 2 | `client_secret_post`, state only |
//! | [`dropbox`] | `dropbox` | OAuth 2 | `token_access_type=offline`, POST userinfo |
//! | [`duende_identity_server6`] | `duende-identity-server6` | OIDC | issuer = the server's URL |
//! | [`epic_games`] | `epicgames` | OAuth 2 | state only; no email |
//! | [`facebook`] | `facebook` | OAuth 2 | |
//! | [`figma`] | `figma` | OAuth 2 | state only |
//! | [`fusionauth`] | `fusionauth` | OIDC | issuer = the instance URL |
//! | [`gitea`] | `gitea` | OAuth 2 | issuer = the server's URL; email from `/api/v1/user/emails` |
//! | [`github`], [`github_enterprise`] | `github` | OAuth 2 | email from `/user/emails` when private |
//! | [`gitlab`], [`gitlab_self_hosted`] | `gitlab` | OAuth 2 | |
//! | [`google`] | `google` | OIDC | |
//! | [`huggingface`] | `huggingface` | OIDC | |
//! | [`instagram`] | `instagram` | OAuth 2 | Instagram Login, `client_secret_post`, state only; no email |
//! | [`kakao`] | `kakao` | OAuth 2 | `client_secret_post` |
//! | [`keycloak`] | `keycloak` | OIDC | issuer = the realm URL |
//! | [`kinde`] | `kinde` | OIDC | issuer = the business domain |
//! | [`line()`] | `line` | OIDC | state only |
//! | [`linkedin`] | `linkedin` | OIDC | `client_secret_post`, state only |
//! | [`mastodon`] | `mastodon` | OAuth 2 | issuer = the instance; state only; revocation endpoint; no email |
//! | [`mattermost`] | `mattermost` | OAuth 2 | issuer = the server's URL; state only |
//! | [`microsoft_entra_id`], [`microsoft_entra_id_tenant`] | `microsoft-entra-id` | OIDC | multi-tenant `iss` checked against the token's `tid` |
//! | [`naver`] | `naver` | OAuth 2 | state only |
//! | [`netlify`] | `netlify` | OAuth 2 | `client_secret_post`, state only |
//! | [`nextcloud`] | `nextcloud` | OAuth 2 | issuer = the server's URL; state only |
//! | [`notion`] | `notion` | OAuth 2 | profile from the token answer's `owner.user` |
//! | [`oidc`] | `oidc` | OIDC | any OpenID provider from its issuer |
//! | [`okta`] | `okta` | OIDC | issuer = the org or authorization server URL |
//! | [`onelogin`] | `onelogin` | OIDC | issuer = `https://{subdomain}.onelogin.com/oidc/2` |
//! | [`osu`] | `osu` | OAuth 2 | state only; no email |
//! | [`patreon`] | `patreon` | OAuth 2 | `client_secret_post`, state only |
//! | [`pinterest`] | `pinterest` | OAuth 2 | state only; id = the username (as Auth.js); no email |
//! | [`reddit`] | `reddit` | OAuth 2 | state only |
//! | [`roblox`] | `roblox` | OIDC | scope `openid profile`; no email |
//! | [`salesforce`] | `salesforce` | OIDC | userinfo fetched |
//! | [`slack`] | `slack` | OIDC | |
//! | [`spotify`] | `spotify` | OAuth 2 | |
//! | [`strava`] | `strava` | OAuth 2 | `client_secret_post` |
//! | [`threads`] | `threads` | OAuth 2 | `client_secret_post`, state only; no email |
//! | [`tiktok`] | `tiktok` | OAuth 2 | `client_key` = the client id; state only; revocation endpoint; no email |
//! | [`trakt`] | `trakt` | OAuth 2 | `trakt-api-key` header; state only; revocation endpoint; no email |
//! | [`twitch`] | `twitch` | OIDC | `client_secret_post`, claims parameter |
//! | [`twitter`] | `twitter` | OAuth 2 | X's OAuth 2 with PKCE; no email |
//! | [`vk`] | `vk` | OAuth 2 | state only; email from the token answer |
//! | [`webex`] | `webex` | OAuth 2 | `client_secret_post` |
//! | [`wechat`] | `wechat` | OAuth 2 (WeChat's own) | AppID / AppSecret; `GET` token requests; state only; no email |
//! | [`wikimedia`] | `wikimedia` | OAuth 2 | `client_secret_post`, state only |
//! | [`wordpress`] | `wordpress` | OAuth 2 | WordPress.com; `client_secret_post`, state only |
//! | [`yandex`] | `yandex` | OAuth 2 | state only |
//! | [`zitadel`] | `zitadel` | OIDC | issuer = the instance URL |
//! | [`zoho`] | `zoho` | OAuth 2 | `client_secret_post`, state only; revocation endpoint |
//! | [`zoom`] | `zoom` | OAuth 2 | |

//!
//! ## Which email addresses count
//!
//! keyway stores an address from a provider, and matches it against
//! existing users, only when the provider says it verified it
//! ([`OAuthProfile::email_verified`]); otherwise the user is made without an
//! address. Per preset:
//!
//! | preset | the address counts when |
//! |---|---|
//! | OpenID presets ([`oidc`], [`google`], [`auth0`], [`okta`], [`keycloak`], [`cognito`], [`zitadel`], [`authentik`], [`linkedin`], [`slack`], [`salesforce`], [`line()`], [`asgardeo`], [`azure_ad_b2c`], [`descope`], [`duende_identity_server6`], [`fusionauth`], [`huggingface`], [`kinde`], [`onelogin`]) | the `email_verified` claim is `true` (or `"true"`) |
//! | [`twitch`] | `email_verified` is true (the preset asks for it in the `claims` parameter) |
//! | [`apple`] | the ID token's `email_verified` is true; the unsigned `user` form field is never read for the address |
//! | [`microsoft_entra_id`] (multi-tenant) | the optional `xms_edov` claim (the tenant owns the domain) or `email_verified` is true; `email` / `preferred_username` alone prove nothing |
//! | [`microsoft_entra_id_tenant`] (one tenant) | always: the tenant's administrators are the application's |
//! | [`github`], [`github_enterprise`] | `GET /user/emails` lists it with `verified: true` (the public address if verified, else the primary verified one) |
//! | [`bitbucket`] | `GET /user/emails` lists it with `is_confirmed: true` |
//! | [`gitlab`] | the account has `confirmed_at` |
//! | [`discord`] | the user's `verified` is true |
//! | [`atlassian`], [`dropbox`] | `email_verified` is true |
//! | [`gitea`] | `GET /api/v1/user/emails` lists it with `verified: true` |
//! | [`wordpress`], [`mattermost`] | `email_verified` is true |
//! | [`patreon`] | `is_email_verified` is true |
//! | [`wikimedia`] | `confirmed_email` is true |
//! | [`kakao`] | `is_email_verified` and `is_email_valid` are true |
//! | [`zoom`] | `verified` is 1 |
//! | [`facebook`], [`spotify`], [`naver`], [`notion`], [`twitter`], [`box_com`], [`coinbase`], [`dribbble`], [`figma`], [`netlify`], [`nextcloud`], [`vk`], [`webex`], [`yandex`], [`zoho`] | never: the provider says nothing about verification |
//! | [`reddit`], [`strava`], [`epic_games`], [`instagram`], [`mastodon`], [`osu`], [`pinterest`], [`roblox`], [`threads`], [`tiktok`], [`trakt`], [`wechat`] | never: no address is given |
//!
//! An application that knows better maps the profile itself
//! ([`OAuth::profile`]) and sets `email_verified`.

mod creators;
mod developer;
mod identity;
mod oidc;
mod regional;
mod self_hosted;
mod social;
mod workplace;

pub use creators::*;
pub use developer::*;
pub use identity::*;
pub use oidc::*;
pub use regional::*;
pub use self_hosted::*;
pub use social::*;
pub use workplace::*;

use keyway_core::oauth::{Check, OAuthProfile, ProviderStyle, TokenSet};
use keyway_core::provider::BoxError;
use serde_json::Value;
use std::sync::Arc;

use crate::config::OAuth;

/// A plain OAuth 2 preset with its three endpoints.
fn oauth2(id: &str, name: &str, authorize: &str, token: &str, userinfo: &str) -> OAuth {
    OAuth::oauth2(id, name)
        .authorization_endpoint(authorize)
        .token_endpoint(token)
        .userinfo_endpoint(userinfo)
}

/// An OpenID Connect preset at a fixed issuer.
fn oidc_at(id: &str, name: &str, issuer: &str) -> OAuth {
    let mut p = OAuth::oidc(id, name);
    p.default_issuer = Some(issuer.to_owned());
    p
}

type MapFn = fn(&Value, &TokenSet) -> Result<OAuthProfile, BoxError>;

impl OAuth {
    fn mapped(mut self, map: MapFn) -> Self {
        self.profile = Some(Arc::new(map));
        self
    }

    fn color(mut self, brand_color: &str) -> Self {
        self.style = ProviderStyle {
            logo: None,
            brand_color: Some(brand_color.to_owned()),
        };
        self
    }

    fn only(self, checks: &[Check]) -> Self {
        self.checks(checks)
    }
}

/// Every preset that takes no argument, one per provider id, in the order
/// of the table above (the `github_enterprise`, `gitlab_self_hosted`,
/// `microsoft_entra_id_tenant` and `azure_ad_b2c_flow` variants share an id
/// with these).
pub fn all_presets() -> Vec<OAuth> {
    vec![
        apple(),
        asgardeo(),
        atlassian(),
        auth0(),
        authentik(),
        azure_ad_b2c(),
        bitbucket(),
        box_com(),
        cognito(),
        coinbase(),
        descope(),
        discord(),
        dribbble(),
        dropbox(),
        duende_identity_server6(),
        epic_games(),
        facebook(),
        figma(),
        fusionauth(),
        gitea(),
        github(),
        gitlab(),
        google(),
        huggingface(),
        instagram(),
        kakao(),
        keycloak(),
        kinde(),
        line(),
        linkedin(),
        mastodon(),
        mattermost(),
        microsoft_entra_id(),
        naver(),
        netlify(),
        nextcloud(),
        notion(),
        oidc(),
        okta(),
        onelogin(),
        osu(),
        patreon(),
        pinterest(),
        reddit(),
        roblox(),
        salesforce(),
        slack(),
        spotify(),
        strava(),
        threads(),
        tiktok(),
        trakt(),
        twitch(),
        twitter(),
        vk(),
        webex(),
        wechat(),
        wikimedia(),
        wordpress(),
        yandex(),
        zitadel(),
        zoho(),
        zoom(),
    ]
}

/// The presets the environment asks for: each of [`all_presets`] for which
/// `AUTH_<ID>_ID`, `AUTH_<ID>_SECRET` or `AUTH_<ID>_ISSUER` is set (and not
/// blank), filled from those variables ([`OAuth::from_env`]). A preset with
/// only some of them set is included, so that checking its configuration
/// says what is missing.
///
/// This is what `keyway check` checks; an application lists its providers
/// in code.
pub fn presets_from_env() -> Vec<OAuth> {
    presets_configured_by(|name| std::env::var(name).ok())
        .into_iter()
        .map(OAuth::from_env)
        .collect()
}

/// [`presets_from_env`]'s choice over any variable lookup, without filling.
fn presets_configured_by(var: impl Fn(&str) -> Option<String>) -> Vec<OAuth> {
    all_presets()
        .into_iter()
        .filter(|p| {
            let id = keyway_core::oauth::OAuthProvider::id(p);
            ["ID", "SECRET", "ISSUER"].iter().any(|suffix| {
                var(&crate::env_name(id, suffix)).is_some_and(|v| !v.trim().is_empty())
            })
        })
        .collect()
}

#[cfg(test)]
mod catalogue_tests {
    use std::collections::HashSet;

    use keyway_core::oauth::OAuthProvider;

    use super::*;

    #[test]
    fn every_preset_once() {
        let all = all_presets();
        let ids: HashSet<String> = all.iter().map(|p| p.id().to_owned()).collect();
        assert_eq!(all.len(), 63);
        assert_eq!(ids.len(), all.len(), "ids are unique");
        for id in ["github", "google", "microsoft-entra-id", "oidc", "zoom"] {
            assert!(ids.contains(id), "{id}");
        }
    }

    #[test]
    fn presets_are_chosen_by_any_of_their_variables() {
        let env = |name: &str| match name {
            "AUTH_GITHUB_ID" => Some("Iv1.abc".to_owned()),
            "AUTH_MICROSOFT_ENTRA_ID_SECRET" => Some("s".to_owned()),
            "AUTH_KEYCLOAK_ISSUER" => Some("https://sso.example.com/realms/a".to_owned()),
            "AUTH_GOOGLE_ID" => Some("  ".to_owned()),
            _ => None,
        };
        let ids: Vec<String> = presets_configured_by(env)
            .iter()
            .map(|p| p.id().to_owned())
            .collect();
        assert_eq!(ids, ["github", "keycloak", "microsoft-entra-id"]);
        assert!(presets_configured_by(|_| None).is_empty());
    }
}
