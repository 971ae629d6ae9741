//! Every preset's authorization URL and its mapping of a recorded profile
//! document (tests/profiles/<id>.json), pinned by snapshots.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use keyway_core::oauth::{AuthorizationRequest, Check, OAuthProvider, TokenSet};
use keyway_oauth::*;
use serde_json::{Value, json};

/// Each preset, with the authorization endpoint of its recorded discovery
/// document for OpenID Connect presets (`None` for plain OAuth 2 ones).
fn presets() -> Vec<(OAuth, Option<(&'static str, &'static str)>)> {
    vec![
        (
            oidc(),
            Some((
                "https://sso.example.com",
                "https://sso.example.com/authorize",
            )),
        ),
        (
            google(),
            Some((
                "https://accounts.google.com",
                "https://accounts.google.com/o/oauth2/v2/auth",
            )),
        ),
        (
            apple(),
            Some((
                "https://appleid.apple.com",
                "https://appleid.apple.com/auth/authorize",
            )),
        ),
        (
            microsoft_entra_id(),
            Some((
                "https://login.microsoftonline.com/{tenantid}/v2.0",
                "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
            )),
        ),
        (
            auth0(),
            Some((
                "https://dev-example.eu.auth0.com/",
                "https://dev-example.eu.auth0.com/authorize",
            )),
        ),
        (
            okta(),
            Some((
                "https://example.okta.com",
                "https://example.okta.com/oauth2/v1/authorize",
            )),
        ),
        (
            keycloak(),
            Some((
                "https://kc.example.com/realms/acme",
                "https://kc.example.com/realms/acme/protocol/openid-connect/auth",
            )),
        ),
        (
            cognito(),
            Some((
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI",
                "https://acme.auth.eu-west-1.amazoncognito.com/oauth2/authorize",
            )),
        ),
        (
            zitadel(),
            Some((
                "https://acme-abc123.zitadel.cloud",
                "https://acme-abc123.zitadel.cloud/oauth/v2/authorize",
            )),
        ),
        (
            authentik(),
            Some((
                "https://authentik.example.com/application/o/keyway/",
                "https://authentik.example.com/application/o/authorize/",
            )),
        ),
        (
            linkedin(),
            Some((
                "https://www.linkedin.com/oauth",
                "https://www.linkedin.com/oauth/v2/authorization",
            )),
        ),
        (
            slack(),
            Some((
                "https://slack.com",
                "https://slack.com/openid/connect/authorize",
            )),
        ),
        (
            twitch(),
            Some((
                "https://id.twitch.tv/oauth2",
                "https://id.twitch.tv/oauth2/authorize",
            )),
        ),
        (
            line(),
            Some((
                "https://access.line.me",
                "https://access.line.me/oauth2/v2.1/authorize",
            )),
        ),
        (
            salesforce(),
            Some((
                "https://login.salesforce.com",
                "https://login.salesforce.com/services/oauth2/authorize",
            )),
        ),
        (
            azure_ad_b2c(),
            Some((
                "https://contoso.b2clogin.com/775527ff-9a37-4307-8b3d-cc311f58d925/v2.0/",
                "https://contoso.b2clogin.com/contoso.onmicrosoft.com/b2c_1_signupsignin/oauth2/v2.0/authorize",
            )),
        ),
        (
            duende_identity_server6(),
            Some((
                "https://demo.duendesoftware.com",
                "https://demo.duendesoftware.com/connect/authorize",
            )),
        ),
        (
            fusionauth(),
            Some((
                "https://auth.example.com",
                "https://auth.example.com/oauth2/authorize",
            )),
        ),
        (
            kinde(),
            Some((
                "https://acme.kinde.com",
                "https://acme.kinde.com/oauth2/auth",
            )),
        ),
        (
            onelogin(),
            Some((
                "https://acme.onelogin.com/oidc/2",
                "https://acme.onelogin.com/oidc/2/auth",
            )),
        ),
        (
            asgardeo(),
            Some((
                "https://api.asgardeo.io/t/acme/oauth2/token",
                "https://api.asgardeo.io/t/acme/oauth2/authorize",
            )),
        ),
        (
            descope(),
            Some((
                "https://api.descope.com/P2abcDEFghiJKLmnoPQRstuVWXyz",
                "https://api.descope.com/oauth2/v1/authorize",
            )),
        ),
        (
            huggingface(),
            Some((
                "https://huggingface.co",
                "https://huggingface.co/oauth/authorize",
            )),
        ),
        (
            roblox(),
            Some((
                "https://apis.roblox.com/oauth/",
                "https://apis.roblox.com/oauth/v1/authorize",
            )),
        ),
        (github(), None),
        (gitlab(), None),
        (bitbucket(), None),
        (atlassian(), None),
        (notion(), None),
        (dropbox(), None),
        (zoom(), None),
        (discord(), None),
        (facebook(), None),
        (twitter(), None),
        (reddit(), None),
        (spotify(), None),
        (strava(), None),
        (kakao(), None),
        (naver(), None),
        (box_com(), None),
        (coinbase(), None),
        (figma(), None),
        (webex(), None),
        (wordpress(), None),
        (netlify(), None),
        (zoho(), None),
        (wikimedia(), None),
        (dribbble(), None),
        (epic_games(), None),
        (instagram(), None),
        (threads(), None),
        (tiktok(), None),
        (pinterest(), None),
        (patreon(), None),
        (trakt(), None),
        (osu(), None),
        (vk(), None),
        (yandex(), None),
        (wechat(), None),
        (mastodon().issuer("https://mastodon.social"), None),
        (mattermost().issuer("https://chat.example.com"), None),
        (nextcloud().issuer("https://cloud.example.com"), None),
        (gitea().issuer("https://gitea.example.com"), None),
    ]
}

fn configured(preset: OAuth, discovery: Option<(&str, &str)>) -> OAuth {
    let mut p = preset
        .client_id("test-client-id")
        .client_secret("test-client-secret");
    if let Some((issuer, authorization_endpoint)) = discovery {
        p = p.metadata(ProviderMetadata {
            issuer: issuer.into(),
            authorization_endpoint: authorization_endpoint.into(),
            token_endpoint: format!("{}/token", issuer.trim_end_matches('/')),
            ..Default::default()
        });
    }
    p
}

#[tokio::test]
async fn every_preset_is_pinned() {
    let presets = presets();
    assert!(presets.len() >= 60, "at least 60 presets");
    let mut seen = std::collections::HashSet::new();
    for (preset, discovery) in presets {
        let p = configured(preset, discovery);
        let id = OAuthProvider::id(&p).to_owned();
        assert!(seen.insert(id.clone()), "{id} twice");
        let checks = OAuthProvider::checks(&p).to_vec();
        let redirect_uri = format!("https://app.example.com/api/auth/callback/{id}");
        let params = BTreeMap::new();
        let url = p
            .authorization_url(&AuthorizationRequest {
                redirect_uri: &redirect_uri,
                state: checks.contains(&Check::State).then_some("STATE"),
                code_challenge: checks.contains(&Check::Pkce).then_some("CHALLENGE"),
                nonce: checks.contains(&Check::Nonce).then_some("NONCE"),
                params: &params,
            })
            .await
            .unwrap_or_else(|e| panic!("{id}: {e}"));

        let path = format!("{}/tests/profiles/{id}.json", env!("CARGO_MANIFEST_DIR"));
        let document: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let profile = p
            .map_profile(&document, &TokenSet::default())
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(profile.raw, document, "{id}: the raw document is kept");

        insta::assert_json_snapshot!(
            id.clone(),
            json!({
                "id": id,
                "name": OAuthProvider::name(&p),
                "type": OAuthProvider::kind(&p).as_str(),
                "checks": checks.iter().map(|c| format!("{c:?}")).collect::<Vec<_>>(),
                "form_post": OAuthProvider::form_post(&p),
                "env": [env_name(&id, "ID"), env_name(&id, "SECRET"), env_name(&id, "ISSUER")],
                "authorization_url": url,
                "profile": {
                    "id": profile.id,
                    "name": profile.name,
                    "email": profile.email,
                    "email_verified": profile.email_verified,
                    "image": profile.image,
                },
            })
        );
    }
}

#[test]
fn presets_without_credentials_name_their_variables() {
    for (preset, _) in presets() {
        let id = OAuthProvider::id(&preset).to_owned();
        let e = OAuthProvider::check_config(&preset).unwrap_err();
        assert!(e.contains(&env_name(&id, "ID")), "{id}: {e}");
    }
}

#[test]
fn presets_with_a_tenant_issuer_need_it() {
    for preset in [
        auth0(),
        okta(),
        keycloak(),
        cognito(),
        zitadel(),
        authentik(),
        oidc(),
        azure_ad_b2c(),
        duende_identity_server6(),
        fusionauth(),
        kinde(),
        onelogin(),
        asgardeo(),
        descope(),
        mastodon(),
        mattermost(),
        nextcloud(),
        gitea(),
    ] {
        let id = OAuthProvider::id(&preset).to_owned();
        let p = preset.client_id("a").client_secret("b");
        let e = OAuthProvider::check_config(&p).unwrap_err();
        assert!(e.contains(&env_name(&id, "ISSUER")), "{id}: {e}");
        let p = p.issuer("https://tenant.example.com");
        assert_eq!(OAuthProvider::check_config(&p), Ok(()), "{id}");
    }
    // Fixed issuers need none.
    let p = google().client_id("a").client_secret("b");
    assert_eq!(OAuthProvider::check_config(&p), Ok(()));
}

#[tokio::test]
async fn self_hosted_variants_use_their_base_url() {
    let params = BTreeMap::new();
    let request = AuthorizationRequest {
        redirect_uri: "https://app.example.com/api/auth/callback/gitlab",
        state: None,
        code_challenge: None,
        nonce: None,
        params: &params,
    };
    let gl = gitlab_self_hosted("https://git.example.com/").client_id("a");
    let url = gl.authorization_url(&request).await.unwrap();
    assert!(
        url.starts_with("https://git.example.com/oauth/authorize?"),
        "{url}"
    );
    let gh = github_enterprise("https://github.example.com").client_id("a");
    let url = gh.authorization_url(&request).await.unwrap();
    assert!(
        url.starts_with("https://github.example.com/login/oauth/authorize?"),
        "{url}"
    );

    let entra = microsoft_entra_id_tenant("contoso.onmicrosoft.com");
    let text = format!("{entra:?}");
    assert!(
        text.contains("https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0"),
        "{text}"
    );
}
