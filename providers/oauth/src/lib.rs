//! # keyway-oauth
//!
//! Sign-in with OAuth 2 and OpenID Connect providers for keyway: the
//! authorization code flow with PKCE (`S256`), `state` and `nonce`,
//! discovery, ID token validation (signature against the provider's JWKS
//! with key rotation, an allow-list of algorithms per provider, `iss`,
//! `aud`, `azp`, `exp`, `nonce`), userinfo,
//! `response_mode=form_post`, token refresh, token revocation on sign-out
//! (opt-in per provider), and presets for 63 providers.
//!
//! The OAuth 2 protocol (the authorization request with PKCE, the code
//! exchange, refresh and revocation) is the [`oauth2`] crate's, sent through
//! keyway's own HTTP client (no redirects followed, a 1 MiB cap on answers,
//! timeouts); keyway adds discovery, ID token validation, the profile
//! mapping of each preset, Auth.js's behaviour and its error codes.
//!
//! ```
//! use keyway_oauth::{OAuth, github, google, oidc};
//!
//! let auth = keyway_core::Auth::builder()
//!     .secret("a-secret-of-at-least-32-bytes-long!!")
//!     .url("https://app.example.com")
//!     // AUTH_GITHUB_ID / AUTH_GITHUB_SECRET fill what is not given in code
//!     .provider(github().client_id("Iv1.abc").client_secret("s3cret"))
//!     .provider(google().client_id("123.apps.googleusercontent.com").client_secret("s3cret"))
//!     // any OpenID provider: AUTH_OIDC_ISSUER / AUTH_OIDC_ID / AUTH_OIDC_SECRET
//!     .provider(oidc().issuer("https://sso.example.com").client_id("app").client_secret("s"))
//!     // or one configured by hand
//!     .provider(OAuth::oidc("sso", "Company SSO").issuer("https://sso.example.com").client_id("app").client_secret("s"))
//!     .build();
//! assert!(auth.is_ok());
//! ```
//!
//! The [`presets`] module lists every preset.
//!
//! The engine (keyway-core) keeps the check cookies, links accounts and makes
//! sessions; this crate does everything that talks to the provider.
//!
//! ## Errors
//!
//! Every failure carries the log code the engine writes:
//!
//! | code | when |
//! |---|---|
//! | `GET_AUTHORIZATION_URL_ERROR` | discovery failed or the authorization endpoint is not a URL (page `OAuthSignin`) |
//! | `OAUTH_GET_ACCESS_TOKEN_ERROR` | the token endpoint failed, refused the code (a replayed or expired code) or answered without an access token; a refresh failed |
//! | `CALLBACK_OAUTH_ERROR` | the ID token is missing or not valid (unsigned, or signed with an algorithm outside the provider's [`id_token_algorithms`](OAuth::id_token_algorithms); signature, `iss`, `aud`, `azp`, `exp`, `nbf`, `nonce`), or the callback's `iss` is another issuer |
//! | `OAUTH_CALLBACK_HANDLER_ERROR` | the callback has no `code`, or the discovery document or keys could not be fetched at callback |
//! | `OAUTH_GET_PROFILE_ERROR` | the userinfo endpoint failed |
//! | `OAUTH_PARSE_PROFILE_ERROR` | the profile could not be mapped (no id, mapping error) |
//! | `SIGNOUT_ERROR` | revoking a provider's tokens at sign-out failed (the sign-out goes on) |
//!
//! The engine adds `PKCE_ERROR` and `CALLBACK_OAUTH_ERROR` for missing or
//! foreign check cookies and a wrong `state`.

mod algorithms;
mod authorize;
mod config;
mod discovery;
mod flow;
mod http;
mod id_token;
mod jwks;
pub mod presets;
mod profile;
mod revoke;
mod runtime;
mod token;
mod userinfo;
mod wechat;

pub use algorithms::JwsAlgorithm;
pub use config::{OAuth, ProfileFn, TokenAuthMethod, env_name};
pub use discovery::ProviderMetadata;
pub use keyway_core::oauth::{Check, OAuthProfile, ProviderStyle, TokenSet};
pub use presets::*;
pub use profile::{default_profile, text_at};
