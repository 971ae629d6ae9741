//! Auth.js's cookie names.

/// The names of the cookies Auth.js uses.
///
/// With `secure` (an https site) every name gets the `__Secure-` prefix,
/// except the CSRF cookie, which gets the stricter `__Host-`.
///
/// ```
/// use keyway_core::cookies::CookieNames;
///
/// let names = CookieNames::new("authjs", true);
/// assert_eq!(names.session_token, "__Secure-authjs.session-token");
/// assert_eq!(names.csrf_token, "__Host-authjs.csrf-token");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieNames {
    /// `<prefix>.session-token`: the session JWT or database session token.
    pub session_token: String,
    /// `<prefix>.callback-url`: where to go after signing in or out.
    pub callback_url: String,
    /// `<prefix>.csrf-token`: the double-submit CSRF cookie.
    pub csrf_token: String,
    /// `<prefix>.pkce.code_verifier`: the OAuth PKCE verifier.
    pub pkce_code_verifier: String,
    /// `<prefix>.state`: the OAuth `state` check.
    pub state: String,
    /// `<prefix>.nonce`: the OIDC `nonce` check.
    pub nonce: String,
}

impl CookieNames {
    /// The names for `prefix` — `"authjs"` (Auth.js v5) or `"next-auth"`
    /// (NextAuth.js v4) — with the secure prefixes when `secure`.
    pub fn new(prefix: &str, secure: bool) -> Self {
        let (host, sec) = if secure {
            ("__Host-", "__Secure-")
        } else {
            ("", "")
        };
        CookieNames {
            session_token: format!("{sec}{prefix}.session-token"),
            callback_url: format!("{sec}{prefix}.callback-url"),
            csrf_token: format!("{host}{prefix}.csrf-token"),
            pkce_code_verifier: format!("{sec}{prefix}.pkce.code_verifier"),
            state: format!("{sec}{prefix}.state"),
            nonce: format!("{sec}{prefix}.nonce"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v5_names() {
        assert_eq!(
            CookieNames::new("authjs", false),
            CookieNames {
                session_token: "authjs.session-token".into(),
                callback_url: "authjs.callback-url".into(),
                csrf_token: "authjs.csrf-token".into(),
                pkce_code_verifier: "authjs.pkce.code_verifier".into(),
                state: "authjs.state".into(),
                nonce: "authjs.nonce".into(),
            }
        );
        assert_eq!(
            CookieNames::new("authjs", true),
            CookieNames {
                session_token: "__Secure-authjs.session-token".into(),
                callback_url: "__Secure-authjs.callback-url".into(),
                csrf_token: "__Host-authjs.csrf-token".into(),
                pkce_code_verifier: "__Secure-authjs.pkce.code_verifier".into(),
                state: "__Secure-authjs.state".into(),
                nonce: "__Secure-authjs.nonce".into(),
            }
        );
    }

    #[test]
    fn v4_names() {
        assert_eq!(
            CookieNames::new("next-auth", false),
            CookieNames {
                session_token: "next-auth.session-token".into(),
                callback_url: "next-auth.callback-url".into(),
                csrf_token: "next-auth.csrf-token".into(),
                pkce_code_verifier: "next-auth.pkce.code_verifier".into(),
                state: "next-auth.state".into(),
                nonce: "next-auth.nonce".into(),
            }
        );
        assert_eq!(
            CookieNames::new("next-auth", true),
            CookieNames {
                session_token: "__Secure-next-auth.session-token".into(),
                callback_url: "__Secure-next-auth.callback-url".into(),
                csrf_token: "__Host-next-auth.csrf-token".into(),
                pkce_code_verifier: "__Secure-next-auth.pkce.code_verifier".into(),
                state: "__Secure-next-auth.state".into(),
                nonce: "__Secure-next-auth.nonce".into(),
            }
        );
    }
}
