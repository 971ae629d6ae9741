//! Every code of the two vocabularies is either produced by a tested path
//! (named here, and checked to exist, to be a test and to mention the code),
//! in this crate or in the provider crate whose family emits it, or it is
//! reserved, or it belongs to a provider family keyway does not build.

use keyway_core::codes::{ErrorPageCode, LogCode, SignInPageCode};

enum Evidence {
    /// A test in this crate's tests/ directory: (file, test function).
    Tested(&'static str, &'static str),
    /// Emitted by a provider family and tested in that provider's crate:
    /// (crate, file in its tests/ directory, test function).
    Family(&'static str, &'static str, &'static str),
    /// Emitted only by OAuth 1.0a providers, a family keyway does not build.
    OAuth1,
    /// Client-side codes: reserved until keyway ships a client.
    Reserved,
}

fn log_evidence(code: LogCode) -> Evidence {
    use Evidence::*;
    use LogCode::*;
    match code {
        ClientUseSessionError | ClientFetchError => Reserved,
        OauthV1GetAccessTokenError => OAuth1,
        OauthGetAccessTokenError => Family(
            "keyway-oauth",
            "e2e_oidc.rs",
            "wrong_client_secret_is_a_token_error",
        ),
        OauthGetProfileError | OauthParseProfileError => {
            Family("keyway-oauth", "fake_idp.rs", "github_profile_failures")
        }
        OauthCallbackHandlerError => Family(
            "keyway-oauth",
            "fake_idp.rs",
            "a_callback_without_code_fails",
        ),
        GetAuthorizationUrlError => Family(
            "keyway-oauth",
            "e2e_clients.rs",
            "discovery_failure_is_oauth_signin",
        ),
        SigninOauthError => Tested(
            "engine_oauth_signin.rs",
            "an_invalid_authorization_url_is_signin_oauth_error",
        ),
        CallbackOauthError => Family("keyway-oauth", "e2e_oidc.rs", "state_mismatch_fails"),
        PkceError => Family("keyway-oauth", "e2e_oidc.rs", "missing_pkce_cookie_fails"),
        GetUserByIdError => Family(
            "keyway-oauth",
            "e2e_oidc.rs",
            "failing_user_lookup_while_linking_is_get_user_by_id_error",
        ),
        CallbackEmailError => Family(
            "keyway-email",
            "adapter_failures.rs",
            "failing_email_verified_update_is_callback_email_error",
        ),
        GetVerificationRequestError => Family(
            "keyway-email",
            "adapter_failures.rs",
            "failing_code_lookup_is_get_verification_request_error",
        ),
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
        ErrorPageCode::Default => Tested("missing_csrf.rs", "unknown_codes_show_default"),
    }
}

fn signin_page_evidence(code: SignInPageCode) -> Evidence {
    use Evidence::*;
    match code {
        SignInPageCode::OAuthSignin => Tested(
            "engine_oauth_signin.rs",
            "an_invalid_authorization_url_is_signin_oauth_error",
        ),
        SignInPageCode::OAuthCallback => {
            Family("keyway-oauth", "e2e_oidc.rs", "state_mismatch_fails")
        }
        SignInPageCode::OAuthCreateAccount => Family(
            "keyway-oauth",
            "e2e_oidc.rs",
            "failed_user_creation_is_oauth_create_account",
        ),
        SignInPageCode::Callback => Family(
            "keyway-oauth",
            "e2e_oidc.rs",
            "provider_error_answer_is_callback",
        ),
        SignInPageCode::OAuthAccountNotLinked => Family(
            "keyway-oauth",
            "e2e_oidc.rs",
            "signed_in_user_links_a_second_account",
        ),
        SignInPageCode::EmailCreateAccount => Family(
            "keyway-email",
            "adapter_failures.rs",
            "failing_user_creation_is_email_create_account",
        ),
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
        SignInPageCode::MissingCsrf => {
            Tested("engine_invariants.rs", "inv1_csrf_cookie_and_checks")
        }
        SignInPageCode::Default => Tested("missing_csrf.rs", "unknown_codes_show_default"),
    }
}

/// This crate's directory at run time: a target dir shared between
/// checkouts may hold a binary compiled elsewhere.
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned())
}

/// Checks that `dir/tests/file` holds a test function `test` whose body
/// mentions the code or, for page codes, the variant it sends.
fn check_test(code: &str, variant: &str, dir: &str, file: &str, test: &str) {
    let path = format!("{dir}/tests/{file}");
    let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let start = src
        .find(&format!("fn {test}("))
        .unwrap_or_else(|| panic!("{code}: no function {test} in {path}"));
    // The attribute line just above the function makes it a test.
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let attribute = src[..line_start].trim_end().lines().last().unwrap_or("");
    assert!(
        attribute.starts_with("#[") && attribute.contains("test"),
        "{code}: {test} in {path} is not a test (above it: {attribute:?})"
    );
    // The function's body: up to the closing brace of the top-level item.
    let body = &src[start..];
    let end = body.find("\n}").unwrap_or(body.len());
    let body = &body[..end];
    assert!(
        body.contains(code) || body.contains(&format!("::{variant}")),
        "{code}: test {test} in {path} does not mention it"
    );
}

fn check(code: &str, variant: &str, evidence: Evidence) {
    match evidence {
        Evidence::Tested(file, test) => check_test(code, variant, &manifest_dir(), file, test),
        Evidence::Family(krate, file, test) => {
            let name = krate
                .strip_prefix("keyway-")
                .unwrap_or_else(|| panic!("{code}: {krate} is not a keyway crate"));
            // crates/core -> the workspace root -> providers/<name>.
            let dir = format!("{}/../../providers/{name}", manifest_dir());
            let manifest = std::fs::read_to_string(format!("{dir}/Cargo.toml"))
                .unwrap_or_else(|e| panic!("{code}: {krate} is not in providers/: {e}"));
            assert!(
                manifest.contains(&format!("name = \"{krate}\"")),
                "{code}: providers/{name} is not {krate}"
            );
            check_test(code, variant, &dir, file, test);
        }
        Evidence::OAuth1 => assert!(code.starts_with("OAUTH_V1_"), "{code}"),
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
