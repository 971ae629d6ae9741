//! OpenID Connect discovery: `{issuer}/.well-known/openid-configuration`,
//! fetched when an endpoint is needed that the configuration does not name,
//! checked against the configured issuer, and cached.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::Mutex;

use crate::config::OAuth;
use crate::http::{Auth, Http, HttpError};

/// How long a fetched discovery document is used before it is fetched again.
const METADATA_TTL: Duration = Duration::from_secs(3600);

/// The parts of a provider's discovery document keyway uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderMetadata {
    /// The issuer; ID tokens must carry it as `iss`.
    pub issuer: String,
    /// Where the browser is sent to sign in.
    pub authorization_endpoint: String,
    /// Where codes are exchanged for tokens.
    pub token_endpoint: String,
    /// Where the profile is fetched with the access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_endpoint: Option<String>,
    /// The keys that sign ID tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    /// Where tokens are revoked (RFC 7009).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
}

/// Why discovery failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DiscoveryError {
    #[error("the discovery document could not be fetched: {0}")]
    Fetch(#[from] HttpError),
    #[error("the discovery document of {url} is not valid: {reason}")]
    Invalid { url: String, reason: String },
    #[error(
        "the discovery document names issuer {found:?}, not the configured {expected:?} \
         (check AUTH_<ID>_ISSUER)"
    )]
    IssuerMismatch { expected: String, found: String },
}

/// The cached discovery document of one provider.
#[derive(Debug, Default)]
pub(crate) struct MetadataCache(Mutex<Option<(Arc<ProviderMetadata>, Instant)>>);

/// Multi-tenant issuers (Microsoft Entra's `common`) advertise a template:
/// `https://login.microsoftonline.com/{tenantid}/v2.0`.
pub(crate) const TENANT_PLACEHOLDER: &str = "{tenantid}";

/// Whether an `iss` value matches the expected issuer, which may be a
/// multi-tenant template filled with the token's `tid`.
pub(crate) fn issuer_matches(expected: &str, found: &str, tid: Option<&str>) -> bool {
    let expected = expected.trim_end_matches('/');
    let found = found.trim_end_matches('/');
    if expected.contains(TENANT_PLACEHOLDER) {
        match tid {
            Some(tid) if !tid.is_empty() && !tid.contains('/') => {
                expected.replace(TENANT_PLACEHOLDER, tid) == found
            }
            _ => false,
        }
    } else {
        expected == found
    }
}

impl MetadataCache {
    async fn get(
        &self,
        http: &Http,
        url: &str,
        issuer: Option<&str>,
    ) -> Result<Arc<ProviderMetadata>, DiscoveryError> {
        // Holding the lock while fetching: concurrent sign-ins wait for one fetch.
        let mut slot = self.0.lock().await;
        if let Some((metadata, at)) = slot.as_ref()
            && at.elapsed() < METADATA_TTL
        {
            return Ok(metadata.clone());
        }
        let document = http.get_json(url, Auth::None, &[]).await?;
        let metadata: ProviderMetadata =
            serde_json::from_value(Value::Object(document)).map_err(|e| {
                DiscoveryError::Invalid {
                    url: url.to_owned(),
                    reason: e.to_string(),
                }
            })?;
        for endpoint in [
            Some(&metadata.authorization_endpoint),
            Some(&metadata.token_endpoint),
            metadata.userinfo_endpoint.as_ref(),
            metadata.jwks_uri.as_ref(),
            metadata.revocation_endpoint.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            if url::Url::parse(endpoint).is_err() {
                return Err(DiscoveryError::Invalid {
                    url: url.to_owned(),
                    reason: format!("{endpoint:?} is not a URL"),
                });
            }
        }
        if let Some(expected) = issuer {
            let found = metadata.issuer.trim_end_matches('/');
            let same = found == expected || found.contains(TENANT_PLACEHOLDER);
            if !same {
                return Err(DiscoveryError::IssuerMismatch {
                    expected: expected.to_owned(),
                    found: metadata.issuer.clone(),
                });
            }
        }
        let metadata = Arc::new(metadata);
        *slot = Some((metadata.clone(), Instant::now()));
        Ok(metadata)
    }
}

impl OAuth {
    /// The provider's metadata: given in code, or discovered from the issuer;
    /// `None` for a provider configured only with endpoints.
    pub(crate) async fn discovered(&self) -> Result<Option<Arc<ProviderMetadata>>, DiscoveryError> {
        if let Some(metadata) = &self.metadata {
            return Ok(Some(Arc::new(metadata.clone())));
        }
        let url = match (&self.well_known, self.issuer_url()) {
            (Some(url), _) => url.clone(),
            (None, Some(issuer)) => format!("{issuer}/.well-known/openid-configuration"),
            (None, None) => return Ok(None),
        };
        let runtime = &self.runtime;
        runtime
            .metadata
            .get(&runtime.http, &url, self.issuer_url())
            .await
            .map(Some)
    }

    /// One endpoint: from the configuration, else from discovery.
    pub(crate) async fn endpoint(
        &self,
        configured: &Option<String>,
        pick: impl Fn(&ProviderMetadata) -> Option<String>,
        what: &str,
    ) -> Result<String, DiscoveryError> {
        if let Some(url) = configured {
            return Ok(self.resolve(url));
        }
        let metadata = self.discovered().await?;
        metadata
            .as_deref()
            .and_then(pick)
            .ok_or_else(|| DiscoveryError::Invalid {
                url: self.issuer_url().unwrap_or("(no issuer)").to_owned(),
                reason: format!("it names no {what}"),
            })
    }

    /// The issuer ID tokens must carry.
    pub(crate) async fn expected_issuer(&self) -> Result<Option<String>, DiscoveryError> {
        if let Some(m) = self.discovered().await? {
            return Ok(Some(m.issuer.clone()));
        }
        Ok(self.issuer_url().map(str::to_owned))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_match_exactly_or_by_tenant() {
        assert!(issuer_matches(
            "https://a.example",
            "https://a.example/",
            None
        ));
        assert!(!issuer_matches(
            "https://a.example",
            "https://b.example",
            None
        ));
        let t = "https://login.microsoftonline.com/{tenantid}/v2.0";
        assert!(issuer_matches(
            t,
            "https://login.microsoftonline.com/9188040d/v2.0",
            Some("9188040d")
        ));
        assert!(!issuer_matches(
            t,
            "https://login.microsoftonline.com/9188040d/v2.0",
            Some("other")
        ));
        assert!(!issuer_matches(t, "https://evil/x/v2.0", None));
        assert!(!issuer_matches(
            t,
            "https://login.microsoftonline.com/a/b/v2.0",
            Some("a/b")
        ));
    }

    #[test]
    fn metadata_reads_a_discovery_document() {
        let doc = serde_json::json!({
            "issuer": "https://idp.example",
            "authorization_endpoint": "https://idp.example/auth",
            "token_endpoint": "https://idp.example/token",
            "jwks_uri": "https://idp.example/jwks",
            "response_types_supported": ["code"],
        });
        let m: ProviderMetadata = serde_json::from_value(doc).unwrap();
        assert_eq!(m.userinfo_endpoint, None);
        assert_eq!(m.jwks_uri.as_deref(), Some("https://idp.example/jwks"));
    }
}
