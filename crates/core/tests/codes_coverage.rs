//! Every code of the two vocabularies is either produced by a tested path
//! (named here, and checked to exist and to mention the code) or marked as
//! belonging to a provider family whose crate tests it, or reserved.

use keyway_core::codes::{ErrorPageCode, LogCode, SignInPageCode};

enum Evidence {
    /// A test in this crate's tests/ directory: (file, test function).
    Tested(&'static str, &'static str),
    /// Emitted by a provider family and tested in that crate.
    Family(&'static str),
    /// Client-side codes: reserved until keyway ships a client.
    Reserved,
}

fn log_evidence(code: LogCode) -> Evidence {
    use Evidence::*;
    use LogCode::*;
    match code {
        ClientUseSessionError | ClientFetchError => Reserved,
        OauthGetAccessTokenError
        | OauthV1GetAccessTokenError
        | OauthGetProfileError
        | OauthParseProfileError
        | OauthCallbackHandlerError
        | GetAuthorizationUrlError
        | SigninOauthError
        | CallbackOauthError
        | PkceError
        | GetUserByIdError => Family("keyway-oauth"),
        CallbackEmailError | GetVerificationRequestError => Family("keyway-email"),
        SigninEmailError | SendVerificationEmailError => {
            Tested("engine_edges.rs", "failed_send_leaves_no_usable_token")
        }
        EmailRequiresAdapterError => Tested("engine_edges.rs", "email_without_adapter_is_refused"),
        CallbackCredentialsJwtError => Tested(
            "engine_edges.rs",
            "credentials_with_database_sessions_needs_opt_in",
        ),
        CallbackCredentialsHandlerError => Tested(
            "engine_edges.rs",
            "failing_authorize_is_logged_with_its_cause",
        ),
        JwtSessionError => Tested(
            "engine_edges.rs",
            "tampered_token_is_logged_once_as_jwt_session_error",
        ),
        SessionError => Tested(
            "engine_failures.rs",
            "failing_session_callback_is_session_error",
        ),
        SignoutError => Tested("engine_failures.rs", "sign_out_failure_still_signs_out"),
        AdapterConnectionError => Tested(
            "engine_failures.rs",
            "unreachable_database_is_adapter_connection_error",
        ),
        CreateUserError
        | GetUserByEmailError
        | GetUserByProviderAccountIdError
        | LinkAccountError
        | CreateSessionError => Tested(
            "engine_failures.rs",
            "sign_in_write_failures_show_the_configuration_page",
        ),
        GetSessionError => Tested(
            "engine_failures.rs",
            "session_read_failures_keep_the_cookie",
        ),
        UpdateSessionError | DeleteSessionError => Tested(
            "engine_failures.rs",
            "session_maintenance_failures_are_logged",
        ),
        CreateVerificationRequestError | DeleteVerificationRequestError => {
            Tested("engine_failures.rs", "email_storage_failures")
        }
        MissingNextauthApiRouteError => Tested(
            "engine_failures.rs",
            "request_outside_the_base_path_is_missing_api_route",
        ),
    }
}

fn error_page_evidence(code: ErrorPageCode) -> Evidence {
    use Evidence::*;
    match code {
        ErrorPageCode::Configuration => Tested(
            "engine_failures.rs",
            "sign_in_write_failures_show_the_configuration_page",
        ),
        ErrorPageCode::AccessDenied => Tested("engine_callbacks.rs", "deny_is_access_denied"),
        ErrorPageCode::Verification => Tested("engine_edges.rs", "email_link_signs_in_once"),
        ErrorPageCode::Default => Tested("engine_invariants.rs", "inv1_csrf_cookie_and_checks"),
    }
}

fn signin_page_evidence(code: SignInPageCode) -> Evidence {
    use Evidence::*;
    match code {
        SignInPageCode::OAuthSignin
        | SignInPageCode::OAuthCallback
        | SignInPageCode::OAuthCreateAccount
        | SignInPageCode::Callback
        | SignInPageCode::OAuthAccountNotLinked => Family("keyway-oauth"),
        SignInPageCode::EmailCreateAccount => Family("keyway-email"),
        SignInPageCode::EmailSignin => {
            Tested("engine_edges.rs", "failed_send_leaves_no_usable_token")
        }
        SignInPageCode::CredentialsSignin => {
            Tested("engine_invariants.rs", "inv8_credentials_refusals")
        }
        SignInPageCode::SessionRequired => Tested(
            "engine_edges.rs",
            "pages_follow_accept_language_and_custom_pages",
        ),
        SignInPageCode::Default => Tested("engine_invariants.rs", "inv1_csrf_cookie_and_checks"),
    }
}

fn check(code: &str, variant: &str, evidence: Evidence) {
    match evidence {
        Evidence::Tested(file, test) => {
            // The directory at run time: a target dir shared between checkouts may
            // hold a binary compiled elsewhere.
            let dir = std::env::var("CARGO_MANIFEST_DIR")
                .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
            let path = format!("{dir}/tests/{file}");
            let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            let start = src
                .find(&format!("fn {test}("))
                .unwrap_or_else(|| panic!("{code}: no test {test} in {file}"));
            // The test body (up to the next top-level item) must mention the code
            // or, for page codes, the value it sends.
            let body = &src[start..];
            let end = body[1..].find("\n#[").map_or(body.len(), |i| i + 1);
            assert!(
                body[..end].contains(code) || body[..end].contains(&format!("::{variant}")),
                "{code}: test {test} in {file} does not mention it"
            );
        }
        Evidence::Family(krate) => assert!(krate.starts_with("keyway-"), "{code}"),
        Evidence::Reserved => assert!(code.starts_with("CLIENT_"), "{code}"),
    }
}

#[test]
fn every_log_code_has_evidence() {
    for code in LogCode::ALL {
        check(code.as_str(), &format!("{code:?}"), log_evidence(*code));
    }
}

#[test]
fn every_page_code_has_evidence() {
    for code in ErrorPageCode::ALL {
        check(
            code.as_str(),
            &format!("{code:?}"),
            error_page_evidence(*code),
        );
    }
    for code in SignInPageCode::ALL {
        check(
            code.as_str(),
            &format!("{code:?}"),
            signin_page_evidence(*code),
        );
    }
}
