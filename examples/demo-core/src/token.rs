//! `GET /api/token`: the signed-in user's access token at the OpenID
//! provider, as an API handler gets it before calling the provider on the
//! user's behalf. [`Auth::access_token`] refreshes it when it has expired,
//! once across every instance that shares the database (or Redis).
//!
//! The answer names the token by a fingerprint (the first 16 hex digits of
//! its SHA-256), never the token itself: enough to see that two instances
//! hand out the same token, nothing a reader could call the provider with.

use keyway::Auth;
use keyway::access_token::AccessTokenError;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::OIDC_ID;

/// An answer of `GET /api/token`: its status and JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenReply {
    /// The HTTP status: 200, 404 (no OpenID account, or OpenID Connect is
    /// off) or 502 (the provider or the database failed; the log says why).
    pub status: u16,
    /// The JSON body: `{"provider", "fingerprint"}`, or `{"error"}`.
    pub body: String,
}

impl TokenReply {
    fn error(status: u16, message: &str) -> TokenReply {
        TokenReply {
            status,
            body: json!({ "error": message }).to_string(),
        }
    }
}

/// The access token of `user_id`'s OpenID Connect account, refreshed when
/// due. Each demo answers `GET /api/token` with it, behind its framework's
/// required-session extractor.
pub async fn provider_token(auth: &Auth, user_id: Option<&str>) -> TokenReply {
    let Some(user_id) = user_id else {
        return TokenReply::error(404, "this session names no user");
    };
    let Some(adapter) = auth.adapter() else {
        return TokenReply::error(404, "no database keeps OAuth tokens");
    };
    let accounts = match adapter.get_accounts_of_user(user_id).await {
        Ok(Some(accounts)) => accounts,
        Ok(None) => return TokenReply::error(404, "the database cannot list accounts"),
        Err(e) => {
            tracing::warn!(error = %e, "GET /api/token: reading the user's accounts failed");
            return TokenReply::error(502, "the database could not be read");
        }
    };
    let Some(account) = accounts.iter().find(|a| a.provider == OIDC_ID) else {
        return TokenReply::error(404, "no OpenID Connect account is linked to this user");
    };
    match auth
        .access_token(OIDC_ID, &account.provider_account_id)
        .await
    {
        Ok(token) => {
            let digest = Sha256::digest(token.as_bytes());
            TokenReply {
                status: 200,
                body: json!({
                    "provider": OIDC_ID,
                    "fingerprint": keyway::random::to_hex(&digest[..8]),
                })
                .to_string(),
            }
        }
        Err(AccessTokenError::UnknownProvider(_)) => TokenReply::error(
            404,
            "OpenID Connect is off (set AUTH_OIDC_ISSUER, AUTH_OIDC_ID and AUTH_OIDC_SECRET)",
        ),
        Err(e) => {
            tracing::warn!(error = %e, "GET /api/token: no access token");
            TokenReply::error(502, "the OpenID provider's access token could not be had")
        }
    }
}
