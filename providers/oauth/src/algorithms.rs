//! The signature algorithms an ID token may be signed with: the JOSE names
//! keyway can verify, and the allow-list each provider keeps
//! ([`OAuth::id_token_algorithms`](crate::OAuth::id_token_algorithms)).

use std::fmt;

use jsonwebtoken::Algorithm;

/// A JWS signature algorithm (RFC 7518 §3.1) that keyway can verify on an
/// ID token. `none` is not one: an unsigned ID token is always refused.
///
/// ```
/// use keyway_oauth::JwsAlgorithm;
///
/// assert_eq!(JwsAlgorithm::ES256.as_str(), "ES256");
/// assert!(JwsAlgorithm::HS256.is_symmetric());
/// assert!(!JwsAlgorithm::ASYMMETRIC.contains(&JwsAlgorithm::HS256));
/// ```
#[allow(clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JwsAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// Ed25519.
    EdDSA,
    /// HMAC with SHA-256, keyed with the client secret.
    HS256,
    /// HMAC with SHA-384, keyed with the client secret.
    HS384,
    /// HMAC with SHA-512, keyed with the client secret.
    HS512,
}

impl JwsAlgorithm {
    /// Every asymmetric algorithm keyway verifies: the allow-list of a
    /// provider that sets none. The keys come from the provider's key set
    /// (JWKS).
    pub const ASYMMETRIC: [JwsAlgorithm; 9] = [
        Self::RS256,
        Self::RS384,
        Self::RS512,
        Self::PS256,
        Self::PS384,
        Self::PS512,
        Self::ES256,
        Self::ES384,
        Self::EdDSA,
    ];

    /// The name in a JWT header's `alg` (`"RS256"`, `"EdDSA"`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::RS384 => "RS384",
            Self::RS512 => "RS512",
            Self::PS256 => "PS256",
            Self::PS384 => "PS384",
            Self::PS512 => "PS512",
            Self::ES256 => "ES256",
            Self::ES384 => "ES384",
            Self::EdDSA => "EdDSA",
            Self::HS256 => "HS256",
            Self::HS384 => "HS384",
            Self::HS512 => "HS512",
        }
    }

    /// Whether the algorithm is an HMAC keyed with the client secret
    /// (OpenID Connect Core §10.1): anyone who knows the secret can sign.
    pub const fn is_symmetric(self) -> bool {
        matches!(self, Self::HS256 | Self::HS384 | Self::HS512)
    }

    /// The algorithm of a decoded JWT header.
    pub(crate) fn of(alg: Algorithm) -> Self {
        match alg {
            Algorithm::RS256 => Self::RS256,
            Algorithm::RS384 => Self::RS384,
            Algorithm::RS512 => Self::RS512,
            Algorithm::PS256 => Self::PS256,
            Algorithm::PS384 => Self::PS384,
            Algorithm::PS512 => Self::PS512,
            Algorithm::ES256 => Self::ES256,
            Algorithm::ES384 => Self::ES384,
            Algorithm::EdDSA => Self::EdDSA,
            Algorithm::HS256 => Self::HS256,
            Algorithm::HS384 => Self::HS384,
            Algorithm::HS512 => Self::HS512,
        }
    }
}

impl fmt::Display for JwsAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `RS256, ES256, ...`, for messages.
pub(crate) fn list(algorithms: &[JwsAlgorithm]) -> String {
    algorithms
        .iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_jwt_library() {
        for alg in JwsAlgorithm::ASYMMETRIC.into_iter().chain([
            JwsAlgorithm::HS256,
            JwsAlgorithm::HS384,
            JwsAlgorithm::HS512,
        ]) {
            let parsed: Algorithm = alg.as_str().parse().expect("a known name");
            assert_eq!(JwsAlgorithm::of(parsed), alg);
            assert_eq!(alg.to_string(), alg.as_str());
        }
        assert!(JwsAlgorithm::ASYMMETRIC.iter().all(|a| !a.is_symmetric()));
        assert_eq!(
            list(&[JwsAlgorithm::ES256, JwsAlgorithm::EdDSA]),
            "ES256, EdDSA"
        );
    }
}
