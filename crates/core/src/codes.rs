//! keyway's two public error vocabularies, taken from NextAuth.js's error
//! and pages references:
//!
//! - [`LogCode`]: the SCREAMING_SNAKE codes written to the log (through
//!   `tracing`, as the `code` field) when something fails on the server;
//! - [`ErrorPageCode`] and [`SignInPageCode`]: the `?error=` values sent to
//!   the error page and to the sign-in page.
//!
//! Their string forms are stable: applications match on them, and a
//! Next.js app sharing a session with a keyway server sees the same codes.
//! Each code has a section in the book, in English, Korean and Japanese:
//! [`LogCode::docs_url`] and the page codes' `docs_url` give its address.

use std::fmt;
use std::str::FromStr;

/// Where the book is published: every code's link starts here.
///
/// The book's sources are under `docs/src` in the repository; `cargo xtask
/// docs` builds them.
pub const DOCS_BASE_URL: &str = "https://keyway.dev/book";

/// The languages the book's code reference is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DocsLanguage {
    /// English, at the root of the book.
    #[default]
    En,
    /// Korean, under `ko/`.
    Ko,
    /// Japanese, under `ja/`.
    Ja,
}

impl DocsLanguage {
    /// Every language of the reference.
    pub const ALL: [DocsLanguage; 3] = [DocsLanguage::En, DocsLanguage::Ko, DocsLanguage::Ja];

    /// The directory of this language's pages inside the book (`""` for
    /// English, `"ko/"`, `"ja/"`).
    pub const fn dir(self) -> &'static str {
        match self {
            Self::En => "",
            Self::Ko => "ko/",
            Self::Ja => "ja/",
        }
    }
}

/// The family of a [`LogCode`]: which part of keyway reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogCodeFamily {
    /// Failures of a browser client; reserved until keyway ships a client.
    Client,
    /// The OAuth / OpenID Connect provider family.
    OAuth,
    /// Sign-in and callback handling (any provider kind).
    SignIn,
    /// Reading or updating a session.
    Session,
    /// Signing out.
    SignOut,
    /// The adapter (database).
    Database,
    /// Anything else.
    Other,
}

macro_rules! codes {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $doc_page:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $s:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )*
        }

        impl $name {
            /// Every code, in the order of the reference document.
            pub const ALL: &'static [Self] = &[ $( Self::$variant, )* ];

            /// The stable string form.
            pub const fn as_str(self) -> &'static str {
                match self { $( Self::$variant => $s, )* }
            }

            /// The anchor of the code's section: its string form in lower
            /// case, the same in every language.
            pub fn anchor(self) -> String {
                self.as_str().to_ascii_lowercase()
            }

            /// The address of the code's section in the published English
            /// book.
            pub fn docs_url(self) -> String {
                self.docs_url_in(DocsLanguage::En)
            }

            /// The address of the code's section in the published book, in
            /// `language`.
            pub fn docs_url_in(self, language: DocsLanguage) -> String {
                format!(
                    "{DOCS_BASE_URL}/{}reference/{}.html#{}",
                    language.dir(),
                    $doc_page,
                    self.anchor()
                )
            }

            /// The markdown file holding the code's section, relative to the
            /// repository root.
            pub fn docs_source(language: DocsLanguage) -> String {
                format!("docs/src/{}reference/{}.md", language.dir(), $doc_page)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownCode;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $s => Ok(Self::$variant), )*
                    _ => Err(UnknownCode),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

/// A string that is not a code of the vocabulary it was parsed as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown error code")]
pub struct UnknownCode;

codes! {
    /// The codes keyway writes to the log, exactly those of NextAuth.js's
    /// error reference. Every failure is logged once, with one of these as the
    /// `code` field, its cause, and a link to its page.
    pub enum LogCode : "log-codes" {
        /// `useSession()` failed in the browser (reserved: keyway has no client yet).
        ClientUseSessionError = "CLIENT_USE_SESSION_ERROR",
        /// A client fetch failed (reserved: keyway has no client yet).
        ClientFetchError = "CLIENT_FETCH_ERROR",
        /// The token endpoint refused the authorization code or answered badly.
        OauthGetAccessTokenError = "OAUTH_GET_ACCESS_TOKEN_ERROR",
        /// OAuth 1.0a access token request failed.
        OauthV1GetAccessTokenError = "OAUTH_V1_GET_ACCESS_TOKEN_ERROR",
        /// The userinfo endpoint failed.
        OauthGetProfileError = "OAUTH_GET_PROFILE_ERROR",
        /// The provider's profile could not be mapped to a user.
        OauthParseProfileError = "OAUTH_PARSE_PROFILE_ERROR",
        /// The OAuth callback handler failed.
        OauthCallbackHandlerError = "OAUTH_CALLBACK_HANDLER_ERROR",
        /// The authorization URL could not be built.
        GetAuthorizationUrlError = "GET_AUTHORIZATION_URL_ERROR",
        /// Starting an OAuth sign-in failed.
        SigninOauthError = "SIGNIN_OAUTH_ERROR",
        /// An OAuth callback failed.
        CallbackOauthError = "CALLBACK_OAUTH_ERROR",
        /// Starting an email sign-in failed (bad address, storage failure).
        SigninEmailError = "SIGNIN_EMAIL_ERROR",
        /// An email sign-in link could not be used.
        CallbackEmailError = "CALLBACK_EMAIL_ERROR",
        /// An email provider was configured without an adapter.
        EmailRequiresAdapterError = "EMAIL_REQUIRES_ADAPTER_ERROR",
        /// Credentials sign-in with database sessions without opting in.
        CallbackCredentialsJwtError = "CALLBACK_CREDENTIALS_JWT_ERROR",
        /// The credentials `authorize` function failed.
        CallbackCredentialsHandlerError = "CALLBACK_CREDENTIALS_HANDLER_ERROR",
        /// A PKCE code verifier was missing or did not match.
        PkceError = "PKCE_ERROR",
        /// A session token could not be decoded or encoded.
        JwtSessionError = "JWT_SESSION_ERROR",
        /// A session could not be read or updated.
        SessionError = "SESSION_ERROR",
        /// Signing out failed.
        SignoutError = "SIGNOUT_ERROR",
        /// The database could not be reached.
        AdapterConnectionError = "ADAPTER_CONNECTION_ERROR",
        /// `create_user` failed.
        CreateUserError = "CREATE_USER_ERROR",
        /// `get_user` failed.
        GetUserByIdError = "GET_USER_BY_ID_ERROR",
        /// `get_user_by_email` failed.
        GetUserByEmailError = "GET_USER_BY_EMAIL_ERROR",
        /// `get_user_by_account` failed.
        GetUserByProviderAccountIdError = "GET_USER_BY_PROVIDER_ACCOUNT_ID_ERROR",
        /// `link_account` failed.
        LinkAccountError = "LINK_ACCOUNT_ERROR",
        /// `create_session` failed.
        CreateSessionError = "CREATE_SESSION_ERROR",
        /// `get_session_and_user` failed.
        GetSessionError = "GET_SESSION_ERROR",
        /// `update_session` failed.
        UpdateSessionError = "UPDATE_SESSION_ERROR",
        /// `delete_session` failed.
        DeleteSessionError = "DELETE_SESSION_ERROR",
        /// `create_verification_token` failed.
        CreateVerificationRequestError = "CREATE_VERIFICATION_REQUEST_ERROR",
        /// Reading a verification token failed.
        GetVerificationRequestError = "GET_VERIFICATION_REQUEST_ERROR",
        /// `use_verification_token` failed.
        DeleteVerificationRequestError = "DELETE_VERIFICATION_REQUEST_ERROR",
        /// The verification email could not be sent.
        SendVerificationEmailError = "SEND_VERIFICATION_EMAIL_ERROR",
        /// A request reached the engine outside its base path.
        MissingNextauthApiRouteError = "MISSING_NEXTAUTH_API_ROUTE_ERROR",
    }
}

impl LogCode {
    /// Which part of keyway reports this code.
    pub const fn family(self) -> LogCodeFamily {
        use LogCode::*;
        match self {
            ClientUseSessionError | ClientFetchError => LogCodeFamily::Client,
            OauthGetAccessTokenError
            | OauthV1GetAccessTokenError
            | OauthGetProfileError
            | OauthParseProfileError
            | OauthCallbackHandlerError
            | GetAuthorizationUrlError
            | SigninOauthError
            | CallbackOauthError
            | PkceError => LogCodeFamily::OAuth,
            SigninEmailError
            | CallbackEmailError
            | EmailRequiresAdapterError
            | CallbackCredentialsJwtError
            | CallbackCredentialsHandlerError => LogCodeFamily::SignIn,
            JwtSessionError | SessionError => LogCodeFamily::Session,
            SignoutError => LogCodeFamily::SignOut,
            AdapterConnectionError
            | CreateUserError
            | GetUserByIdError
            | GetUserByEmailError
            | GetUserByProviderAccountIdError
            | LinkAccountError
            | CreateSessionError
            | GetSessionError
            | UpdateSessionError
            | DeleteSessionError
            | CreateVerificationRequestError
            | GetVerificationRequestError
            | DeleteVerificationRequestError => LogCodeFamily::Database,
            SendVerificationEmailError | MissingNextauthApiRouteError => LogCodeFamily::Other,
        }
    }

    /// Client-side codes are reserved: the server never emits them.
    pub const fn is_reserved(self) -> bool {
        matches!(self.family(), LogCodeFamily::Client)
    }
}

codes! {
    /// `?error=` codes sent to the **error page** (`/api/auth/error`, or the
    /// application's `pages.error`).
    pub enum ErrorPageCode : "page-codes" {
        /// The server is misconfigured, or an internal failure happened
        /// (status 500).
        Configuration = "Configuration",
        /// Access was refused, usually by the `sign_in` callback (status 403).
        AccessDenied = "AccessDenied",
        /// An email sign-in token was invalid, expired or already used
        /// (status 403).
        Verification = "Verification",
        /// Anything else (status 200).
        Default = "Default",
    }
}

impl ErrorPageCode {
    /// The HTTP status the built-in error page answers with.
    pub const fn status(self) -> http::StatusCode {
        match self {
            Self::Configuration => http::StatusCode::INTERNAL_SERVER_ERROR,
            Self::AccessDenied | Self::Verification => http::StatusCode::FORBIDDEN,
            Self::Default => http::StatusCode::OK,
        }
    }

    /// Reads an `?error=` value; unknown values are [`ErrorPageCode::Default`].
    pub fn from_query(value: &str) -> Self {
        value.parse().unwrap_or(Self::Default)
    }
}

codes! {
    /// `?error=` codes sent to the **sign-in page** (`/api/auth/signin`, or the
    /// application's `pages.signIn`), where they show as a banner.
    pub enum SignInPageCode : "page-codes" {
        /// Building the provider's authorization URL failed.
        OAuthSignin = "OAuthSignin",
        /// Handling the OAuth provider's answer failed.
        OAuthCallback = "OAuthCallback",
        /// The OAuth user could not be created in the database.
        OAuthCreateAccount = "OAuthCreateAccount",
        /// The email user could not be created in the database.
        EmailCreateAccount = "EmailCreateAccount",
        /// The callback route failed.
        Callback = "Callback",
        /// The email is already linked to another account, not to this one.
        OAuthAccountNotLinked = "OAuthAccountNotLinked",
        /// The verification email could not be sent.
        EmailSignin = "EmailSignin",
        /// The credentials were refused.
        CredentialsSignin = "CredentialsSignin",
        /// The page requires a signed-in user.
        SessionRequired = "SessionRequired",
        /// A form was posted without a valid CSRF token (usually a page left
        /// open too long, or cookies blocked). Auth.js v5's code, sent in
        /// the Auth.js wire mode; the next-auth v4 mode answers `?csrf=true`
        /// instead, as v4 does.
        MissingCsrf = "MissingCSRF",
        /// Anything else.
        Default = "Default",
    }
}

impl SignInPageCode {
    /// Reads an `?error=` value; unknown values are [`SignInPageCode::Default`].
    pub fn from_query(value: &str) -> Self {
        value.parse().unwrap_or(Self::Default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_codes_are_exactly_the_seed_list() {
        let got: Vec<&str> = LogCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            got,
            [
                "CLIENT_USE_SESSION_ERROR",
                "CLIENT_FETCH_ERROR",
                "OAUTH_GET_ACCESS_TOKEN_ERROR",
                "OAUTH_V1_GET_ACCESS_TOKEN_ERROR",
                "OAUTH_GET_PROFILE_ERROR",
                "OAUTH_PARSE_PROFILE_ERROR",
                "OAUTH_CALLBACK_HANDLER_ERROR",
                "GET_AUTHORIZATION_URL_ERROR",
                "SIGNIN_OAUTH_ERROR",
                "CALLBACK_OAUTH_ERROR",
                "SIGNIN_EMAIL_ERROR",
                "CALLBACK_EMAIL_ERROR",
                "EMAIL_REQUIRES_ADAPTER_ERROR",
                "CALLBACK_CREDENTIALS_JWT_ERROR",
                "CALLBACK_CREDENTIALS_HANDLER_ERROR",
                "PKCE_ERROR",
                "JWT_SESSION_ERROR",
                "SESSION_ERROR",
                "SIGNOUT_ERROR",
                "ADAPTER_CONNECTION_ERROR",
                "CREATE_USER_ERROR",
                "GET_USER_BY_ID_ERROR",
                "GET_USER_BY_EMAIL_ERROR",
                "GET_USER_BY_PROVIDER_ACCOUNT_ID_ERROR",
                "LINK_ACCOUNT_ERROR",
                "CREATE_SESSION_ERROR",
                "GET_SESSION_ERROR",
                "UPDATE_SESSION_ERROR",
                "DELETE_SESSION_ERROR",
                "CREATE_VERIFICATION_REQUEST_ERROR",
                "GET_VERIFICATION_REQUEST_ERROR",
                "DELETE_VERIFICATION_REQUEST_ERROR",
                "SEND_VERIFICATION_EMAIL_ERROR",
                "MISSING_NEXTAUTH_API_ROUTE_ERROR",
            ]
        );
        let reserved: Vec<_> = LogCode::ALL.iter().filter(|c| c.is_reserved()).collect();
        assert_eq!(
            reserved,
            [&LogCode::ClientUseSessionError, &LogCode::ClientFetchError]
        );
    }

    #[test]
    fn page_codes_are_the_seed_lists_and_auth_js_v5_missing_csrf() {
        let error: Vec<&str> = ErrorPageCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            error,
            ["Configuration", "AccessDenied", "Verification", "Default"]
        );
        let signin: Vec<&str> = SignInPageCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            signin,
            [
                "OAuthSignin",
                "OAuthCallback",
                "OAuthCreateAccount",
                "EmailCreateAccount",
                "Callback",
                "OAuthAccountNotLinked",
                "EmailSignin",
                "CredentialsSignin",
                "SessionRequired",
                "MissingCSRF",
                "Default",
            ]
        );
    }

    #[test]
    fn codes_round_trip_through_strings() {
        for c in LogCode::ALL {
            assert_eq!(c.as_str().parse::<LogCode>(), Ok(*c));
        }
        for c in ErrorPageCode::ALL {
            assert_eq!(ErrorPageCode::from_query(c.as_str()), *c);
        }
        for c in SignInPageCode::ALL {
            assert_eq!(SignInPageCode::from_query(c.as_str()), *c);
        }
        assert_eq!(
            ErrorPageCode::from_query("<script>"),
            ErrorPageCode::Default
        );
        assert_eq!(
            SignInPageCode::from_query("MissingCSRF"),
            SignInPageCode::MissingCsrf
        );
        assert_eq!(
            SignInPageCode::from_query("missingcsrf"),
            SignInPageCode::Default
        );
    }

    #[test]
    fn docs_links_point_at_the_published_book() {
        assert_eq!(
            LogCode::PkceError.docs_url(),
            format!("{DOCS_BASE_URL}/reference/log-codes.html#pkce_error")
        );
        assert_eq!(
            ErrorPageCode::AccessDenied.docs_url(),
            format!("{DOCS_BASE_URL}/reference/page-codes.html#accessdenied")
        );
        assert_eq!(
            SignInPageCode::OAuthAccountNotLinked.docs_url_in(DocsLanguage::Ko),
            format!("{DOCS_BASE_URL}/ko/reference/page-codes.html#oauthaccountnotlinked")
        );
        assert_eq!(
            LogCode::JwtSessionError.docs_url_in(DocsLanguage::Ja),
            format!("{DOCS_BASE_URL}/ja/reference/log-codes.html#jwt_session_error")
        );
        // One `Default` section serves both pages.
        assert_eq!(
            ErrorPageCode::Default.docs_url(),
            SignInPageCode::Default.docs_url()
        );
        assert!(DOCS_BASE_URL.starts_with("https://") && !DOCS_BASE_URL.ends_with('/'));
    }

    #[test]
    fn docs_sources_are_the_book_files() {
        assert_eq!(
            LogCode::docs_source(DocsLanguage::En),
            "docs/src/reference/log-codes.md"
        );
        assert_eq!(
            SignInPageCode::docs_source(DocsLanguage::Ja),
            "docs/src/ja/reference/page-codes.md"
        );
        assert_eq!(
            ErrorPageCode::docs_source(DocsLanguage::Ko),
            "docs/src/ko/reference/page-codes.md"
        );
    }

    #[test]
    fn error_page_statuses() {
        assert_eq!(ErrorPageCode::Configuration.status(), 500);
        assert_eq!(ErrorPageCode::AccessDenied.status(), 403);
        assert_eq!(ErrorPageCode::Verification.status(), 403);
        assert_eq!(ErrorPageCode::Default.status(), 200);
    }
}
