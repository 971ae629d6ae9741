//! The wire mode: which Auth.js generation keyway looks like on the wire.
//!
//! Every difference between Auth.js v5 and next-auth v4 that the engine
//! honours is one field of a small internal table, read where it matters, so no
//! action branches on the mode itself.

use crate::cookies::{CHUNK_SIZE_AUTHJS, CHUNK_SIZE_NEXTAUTH_V4};
use crate::jwt::TokenFormat;

/// Which Auth.js generation keyway speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WireMode {
    /// Auth.js v5 (`@auth/core`, `next-auth@5`): `authjs.` cookies,
    /// `A256CBC-HS512` session tokens salted with the cookie name, `null` for
    /// no session. The default.
    #[default]
    AuthJs,
    /// next-auth v4: `next-auth.` cookies, `A256GCM` session tokens with an
    /// empty salt, `{}` for no session.
    NextAuthV4,
}

/// How a failed CSRF check on a POST action is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CsrfFailure {
    /// Redirect to the sign-in page with an error code (v5 style).
    SignInPageError,
    /// Redirect to `…/signin?csrf=true` or `…/signout?csrf=true` (v4 style).
    CsrfQuery,
}

/// The table of differences between the wire modes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WireProfile {
    /// Cookie name prefix, without the dot.
    pub cookie_prefix: &'static str,
    /// Characters of cookie value per session cookie chunk.
    pub chunk_size: usize,
    /// The JSON body of "no session".
    pub empty_session: &'static str,
    /// The session token format used unless the config chooses another.
    pub token_format: TokenFormat,
    /// Whether the session token key is salted with the cookie name.
    pub salt_with_cookie_name: bool,
    /// How CSRF failures are answered.
    pub csrf_failure: CsrfFailure,
    /// Whether a failed credentials sign-in goes through the error route with
    /// `&provider=<id>` (v4) instead of straight to the sign-in page with
    /// `&code=<code>` (v5).
    pub credentials_failure_via_error_route: bool,
    /// Whether `GET /error?error=<sign-in page code>` forwards to the sign-in
    /// page (v4).
    pub error_route_forwards_signin_codes: bool,
}

impl WireMode {
    pub(crate) fn profile(self) -> WireProfile {
        match self {
            Self::AuthJs => WireProfile {
                cookie_prefix: "authjs",
                chunk_size: CHUNK_SIZE_AUTHJS,
                empty_session: "null",
                token_format: TokenFormat::AuthJs,
                salt_with_cookie_name: true,
                csrf_failure: CsrfFailure::SignInPageError,
                credentials_failure_via_error_route: false,
                error_route_forwards_signin_codes: false,
            },
            Self::NextAuthV4 => WireProfile {
                cookie_prefix: "next-auth",
                chunk_size: CHUNK_SIZE_NEXTAUTH_V4,
                empty_session: "{}",
                token_format: TokenFormat::NextAuthV4,
                salt_with_cookie_name: false,
                csrf_failure: CsrfFailure::CsrfQuery,
                credentials_failure_via_error_route: true,
                error_route_forwards_signin_codes: true,
            },
        }
    }
}
