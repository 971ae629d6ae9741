//! The one place that turns a failure into its log line, its page code and
//! its answer. Actions return a [`Failure`]; none formats errors itself.

use http::StatusCode;

use crate::adapter::{AdapterError, AdapterErrorKind};
use crate::codes::{ErrorPageCode, LogCode, SignInPageCode};
use crate::provider::BoxError;
use crate::request::{Action, RequestContext};
use crate::response::Outcome;
use crate::wire::CsrfFailure;

/// Why an action failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Not an action keyway serves (400).
    BadRequest,
    /// The CSRF token was missing or wrong.
    MissingCsrf,
    /// A server-side problem: logged with its code, shown as `Configuration`.
    Configuration { code: LogCode, cause: String },
    /// The sign-in callback refused the user.
    AccessDenied { reason: String },
    /// A bad, expired or used email token.
    Verification { reason: String },
    /// A credentials provider refused the credentials.
    CredentialsSignin { provider: String, code: String },
    /// The request names a provider that is not configured, or one that does
    /// not serve this action (Auth.js answers these with `Configuration`).
    InvalidProvider { reason: String },
    /// A refusal that is not a server problem (an unlinked account, the
    /// provider's own error answer): the sign-in page with its code, logged
    /// at info level.
    SignInRefused {
        page: SignInPageCode,
        reason: String,
    },
    /// A failure shown on the sign-in page with its own code.
    SignInPage {
        page: SignInPageCode,
        code: LogCode,
        cause: String,
    },
}

impl Failure {
    /// An adapter failure during `operation`, logged as `code` (or as
    /// `ADAPTER_CONNECTION_ERROR` when the database is unreachable).
    pub fn adapter(code: LogCode, error: &AdapterError) -> Self {
        let code = if error.kind() == AdapterErrorKind::Connection {
            LogCode::AdapterConnectionError
        } else {
            code
        };
        Self::Configuration {
            code,
            cause: describe(error),
        }
    }
}

/// An error with its chain of sources, for the log only.
pub(crate) fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut s = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        s.push_str(": ");
        s.push_str(&e.to_string());
        source = e.source();
    }
    s
}

/// The most characters of a cause written to the log.
const MAX_CAUSE_CHARS: usize = 2000;

/// Logs a server-side failure once, with its code, cause and docs page. The
/// cause may quote a remote party (a provider, a database), so it is kept
/// to one bounded line.
pub(crate) fn log_error(code: LogCode, cause: &str) {
    let cause = &crate::redact::bounded_remote_text(cause, MAX_CAUSE_CHARS);
    tracing::error!(
        code = code.as_str(),
        cause = cause,
        docs = %code.docs_url(),
        "[keyway][error][{code}] {cause}"
    );
}

/// Reports an event handler that failed. Events cannot change the outcome
/// (see [`Events`](crate::Events)), so the failure is logged and ignored.
pub(crate) fn log_event_failure(event: &'static str, result: Result<(), BoxError>) {
    if let Err(e) = result {
        tracing::error!(event, cause = %describe(&*e), "[keyway][error] event handler failed");
    }
}

/// `{page}{?|&}{query}`.
pub(crate) fn with_query(page: &str, query: &str) -> String {
    let sep = if page.contains('?') { '&' } else { '?' };
    format!("{page}{sep}{query}")
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The sign-in page (custom or built-in) as an absolute URL.
pub(crate) fn signin_page(ctx: &RequestContext<'_>) -> String {
    match &ctx.auth.pages.sign_in {
        Some(p) => format!("{}{}", ctx.origin.as_str(), p),
        None => ctx.action_url("signin"),
    }
}

/// The error page (custom or built-in) as an absolute URL.
pub(crate) fn error_page(ctx: &RequestContext<'_>) -> String {
    match &ctx.auth.pages.error {
        Some(p) => format!("{}{}", ctx.origin.as_str(), p),
        None => ctx.action_url("error"),
    }
}

/// The answer to a failure. Error answers carry no cookies.
pub(crate) fn respond(ctx: &RequestContext<'_>, action: Action, failure: Failure) -> Outcome {
    let wire = &ctx.auth.wire;
    match failure {
        Failure::BadRequest => bad_request(ctx.auth.wire.empty_session == "null", &ctx.method),
        Failure::MissingCsrf => {
            tracing::warn!(action = ?action, "[keyway][warn] CSRF token missing or invalid; request refused");
            match wire.csrf_failure {
                CsrfFailure::SignInPageError => Outcome::redirect(with_query(
                    &signin_page(ctx),
                    &format!("error={}", SignInPageCode::MissingCsrf),
                )),
                CsrfFailure::CsrfQuery => {
                    let target = if action == Action::SignOut {
                        "signout"
                    } else {
                        "signin"
                    };
                    Outcome::redirect(format!("{}?csrf=true", ctx.action_url(target)))
                }
            }
        }
        Failure::Configuration { code, cause } => {
            log_error(code, &cause);
            Outcome::redirect(with_query(
                &error_page(ctx),
                &format!("error={}", ErrorPageCode::Configuration),
            ))
        }
        Failure::InvalidProvider { reason } => {
            tracing::warn!(reason = %reason, "[keyway][warn] request for an unusable provider");
            Outcome::redirect(with_query(
                &error_page(ctx),
                &format!("error={}", ErrorPageCode::Configuration),
            ))
        }
        Failure::AccessDenied { reason } => {
            tracing::info!(reason = %reason, "[keyway] sign-in refused (AccessDenied)");
            let outcome = Outcome::redirect(with_query(
                &error_page(ctx),
                &format!("error={}", ErrorPageCode::AccessDenied),
            ));
            if wire.credentials_failure_via_error_route && action == Action::Callback {
                outcome.with_json_status(StatusCode::FORBIDDEN)
            } else {
                outcome
            }
        }
        Failure::Verification { reason } => {
            tracing::info!(reason = %reason, "[keyway] email sign-in link refused (Verification)");
            Outcome::redirect(with_query(
                &error_page(ctx),
                &format!("error={}", ErrorPageCode::Verification),
            ))
        }
        Failure::CredentialsSignin { provider, code } => {
            tracing::info!(provider = %provider, code = %code, "[keyway] credentials refused (CredentialsSignin)");
            if wire.credentials_failure_via_error_route {
                Outcome::redirect(format!(
                    "{}?error={}&provider={}",
                    ctx.action_url("error"),
                    SignInPageCode::CredentialsSignin,
                    enc(&provider)
                ))
                .with_json_status(StatusCode::UNAUTHORIZED)
            } else {
                Outcome::redirect(with_query(
                    &signin_page(ctx),
                    &format!(
                        "error={}&code={}",
                        SignInPageCode::CredentialsSignin,
                        enc(&code)
                    ),
                ))
            }
        }
        Failure::SignInRefused { page, reason } => {
            let reason = crate::redact::bounded_remote_text(&reason, MAX_CAUSE_CHARS);
            tracing::info!(page = %page, reason = %reason, "[keyway] sign-in refused");
            Outcome::redirect(with_query(&signin_page(ctx), &format!("error={page}")))
        }
        Failure::SignInPage { page, code, cause } => {
            log_error(code, &cause);
            Outcome::redirect(with_query(&signin_page(ctx), &format!("error={page}")))
        }
    }
}

/// The answer to a request for a host the application does not list
/// (`AUTH_TRUSTED_HOSTS`): the `Configuration` error page, served in place
/// with status 400 (a redirect would need an absolute URL on that host),
/// nothing sent and no cookie set. A sign-in or callback is logged with its
/// provider family's code, anything else as a warning.
pub(crate) fn untrusted_host(
    action: Action,
    kind: Option<crate::provider::ProviderType>,
    host: &str,
    page: crate::pages::PageContext<'_>,
) -> Outcome {
    use crate::provider::ProviderType;
    let code = match (action, kind) {
        (Action::SignIn, Some(ProviderType::Email)) => Some(LogCode::SigninEmailError),
        (Action::SignIn, Some(ProviderType::OAuth | ProviderType::Oidc)) => {
            Some(LogCode::SigninOauthError)
        }
        (Action::Callback, Some(ProviderType::Email)) => Some(LogCode::CallbackEmailError),
        (Action::Callback, Some(ProviderType::OAuth | ProviderType::Oidc)) => {
            Some(LogCode::CallbackOauthError)
        }
        (Action::Callback, Some(ProviderType::Credentials)) => {
            Some(LogCode::CallbackCredentialsHandlerError)
        }
        _ => None,
    };
    let cause = format!(
        "the request is for host \"{host}\", which is not in AUTH_TRUSTED_HOSTS: refused \
         without building a link or redirect on it (add the host to AUTH_TRUSTED_HOSTS if \
         the site answers on it)"
    );
    match code {
        Some(code) => log_error(code, &cause),
        None => tracing::warn!(
            page = %ErrorPageCode::Configuration,
            cause = %cause,
            "[keyway][warn] {cause}"
        ),
    }
    let html = crate::pages::render_error(
        &page,
        &crate::pages::ErrorPage {
            code: ErrorPageCode::Configuration,
            signin_url: "",
        },
    );
    Outcome::html(StatusCode::BAD_REQUEST, html).no_cache()
}

/// Auth.js's answer to an unknown action or method.
pub(crate) fn bad_request(json: bool, method: &http::Method) -> Outcome {
    if json {
        Outcome::raw_json("\"Bad request.\"").with_status(StatusCode::BAD_REQUEST)
    } else {
        let method: String = method
            .as_str()
            .chars()
            .filter(|c| c.is_ascii_alphabetic())
            .take(16)
            .collect();
        Outcome::text(
            StatusCode::BAD_REQUEST,
            format!("Error: This action with HTTP {method} is not supported by keyway"),
        )
    }
}
