//! Why a token could not be made or read.

/// The ways encoding or decoding a session token can fail.
///
/// Messages are fixed strings: they never contain key material, secrets or
/// text taken from the token, so they are safe to log. The engine reports
/// every decode failure as `JWT_SESSION_ERROR` and treats the session as
/// absent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// No secret was configured, or a configured secret is empty.
    #[error("no secret configured: at least one non-empty secret is required")]
    NoSecret,
    /// The codec's configuration cannot work (the message says why).
    #[error("invalid token codec configuration: {0}")]
    InvalidConfig(&'static str),
    /// The token is not a well-formed compact JWE/JWS (wrong number of
    /// segments, bad base64url, header or payload that is not JSON).
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// The JOSE header asks for something this codec does not do (another
    /// key-management or content-encryption algorithm, compression,
    /// critical extensions).
    #[error("unsupported token header: {0}")]
    UnsupportedHeader(&'static str),
    /// The JWE could not be decrypted: no configured secret matches it, or
    /// it was tampered with.
    #[error("token could not be decrypted: wrong secret or tampered token")]
    Decryption,
    /// The JWS signature does not verify with any configured secret.
    #[error("token signature is invalid: wrong secret or tampered token")]
    InvalidSignature,
    /// The JWS header names an algorithm this codec does not accept.
    #[error("token signing algorithm is not accepted")]
    AlgorithmNotAccepted,
    /// The payload is not a JSON object, or a registered time claim has the
    /// wrong type or is missing.
    #[error("invalid token claims: {0}")]
    InvalidClaims(&'static str),
    /// `exp` is more than the clock tolerance (15 s) in the past.
    #[error("token has expired")]
    Expired,
    /// `nbf` is more than the clock tolerance (15 s) in the future.
    #[error("token is not valid yet")]
    NotYetValid,
    /// The token could not be produced.
    #[error("token could not be encoded: {0}")]
    Encoding(&'static str),
}
