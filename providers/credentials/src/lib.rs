//! # keyway-credentials
//!
//! Sign-in with credentials the application checks itself: a username and a
//! password, a one-time code, a signed token from another system...
//!
//! ```
//! use keyway_credentials::{credentials, Rejection};
//! use keyway_core::User;
//!
//! let provider = credentials(|input| async move {
//!     let user = input.get("username").unwrap_or_default();
//!     let pass = input.get("password").unwrap_or_default();
//!     if keyway_credentials::constant_time_eq(user, "alice")
//!         & keyway_credentials::constant_time_eq(pass, "wonderland")
//!     {
//!         Ok(Some(User::new("1", "alice@example.com")))
//!     } else {
//!         Err(Rejection::code("invalid_password").into())
//!     }
//! })
//! .username_password();
//! # let _ = provider;
//! ```
//!
//! `Ok(None)` and a [`Rejection`] send the browser back to the sign-in page
//! with `error=CredentialsSignin` (and `code=<code>`); any other error is a
//! server problem, logged as `CALLBACK_CREDENTIALS_HANDLER_ERROR`.
//!
//! Users signed in this way get a JWT session, or a database session when the
//! configuration opts in with
//! `allow_credentials_with_database_sessions(true)`. With database sessions
//! the user is found by its credentials account only: an address that
//! already belongs to another user is refused (`OAuthAccountNotLinked`)
//! unless `authorize` returns the user with `email_verified` set, saying
//! the application proved the address.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use keyway_core::provider::{CredentialField, CredentialsProvider};
use keyway_core::{AuthorizeError, CredentialsInput, Provider, User};

type AuthorizeFuture = Pin<Box<dyn Future<Output = Result<Option<User>, AuthorizeError>> + Send>>;
type AuthorizeFn =
    dyn Fn(CredentialsInput, http::request::Parts) -> AuthorizeFuture + Send + Sync + 'static;

/// A refusal with a code for the sign-in page (`&code=<code>`). Keep codes
/// vague: whoever tried sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection(String);

impl Rejection {
    /// A refusal with this code.
    pub fn code(code: impl Into<String>) -> Self {
        Self(code.into())
    }
}

impl From<Rejection> for AuthorizeError {
    fn from(r: Rejection) -> Self {
        AuthorizeError::Rejected { code: r.0 }
    }
}

/// A credentials provider. Build it with [`credentials`] or
/// [`credentials_with_request`].
#[derive(Clone)]
pub struct Credentials {
    id: String,
    name: String,
    fields: Vec<CredentialField>,
    authorize: Arc<AuthorizeFn>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("fields", &self.fields)
            .finish_non_exhaustive()
    }
}

/// A credentials provider (id `credentials`, name `Credentials`) whose check is
/// `authorize`, given the posted fields.
pub fn credentials<F, Fut>(authorize: F) -> Credentials
where
    F: Fn(CredentialsInput) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<User>, AuthorizeError>> + Send + 'static,
{
    credentials_with_request(move |input, _parts| authorize(input))
}

/// Like [`credentials`], but `authorize` also sees the request's method, URI
/// and headers (for rate limiting by address, device checks...).
pub fn credentials_with_request<F, Fut>(authorize: F) -> Credentials
where
    F: Fn(CredentialsInput, http::request::Parts) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<User>, AuthorizeError>> + Send + 'static,
{
    Credentials {
        id: "credentials".to_owned(),
        name: "Credentials".to_owned(),
        fields: Vec::new(),
        authorize: Arc::new(move |input, parts| Box::pin(authorize(input, parts))),
    }
}

impl Credentials {
    /// Another provider id (to have several credentials providers).
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// The display name ("Sign in with {name}").
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Adds a form field to the built-in sign-in page.
    pub fn field(mut self, name: &str, label: &str, input_type: &str) -> Self {
        self.fields.push(CredentialField {
            name: name.to_owned(),
            label: label.to_owned(),
            input_type: input_type.to_owned(),
            placeholder: String::new(),
        });
        self
    }

    /// The usual pair: `username` (text) and `password` (password).
    pub fn username_password(self) -> Self {
        self.field("username", "Username", "text")
            .field("password", "Password", "password")
    }
}

#[async_trait]
impl CredentialsProvider for Credentials {
    fn id(&self) -> &str {
        &self.id
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn fields(&self) -> &[CredentialField] {
        &self.fields
    }

    async fn authorize(
        &self,
        credentials: &CredentialsInput,
        request: &http::request::Parts,
    ) -> Result<Option<User>, AuthorizeError> {
        (self.authorize)(credentials.clone(), request.clone()).await
    }
}

impl From<Credentials> for Provider {
    fn from(c: Credentials) -> Self {
        Provider::Credentials(Arc::new(c))
    }
}

/// Compares two strings in time that depends only on their lengths, for
/// checking secrets such as passwords or codes.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn authorize_runs_the_closure_with_the_fields() {
        let p = credentials(|input| async move {
            Ok((input.get("u") == Some("a")).then(|| User::new("1", "a@example.com")))
        })
        .username_password();
        let parts = http::Request::new(()).into_parts().0;
        let mut fields = std::collections::BTreeMap::new();
        fields.insert("u".to_owned(), "a".to_owned());
        let ok = p.authorize(&CredentialsInput::new(fields), &parts).await;
        assert!(matches!(ok, Ok(Some(u)) if u.id == "1"));
        let none = p.authorize(&CredentialsInput::default(), &parts).await;
        assert!(matches!(none, Ok(None)));
        assert_eq!(p.fields().len(), 2);
        assert_eq!(p.fields()[1].input_type, "password");
    }

    #[test]
    fn rejection_keeps_its_code() {
        let e: AuthorizeError = Rejection::code("locked").into();
        assert!(matches!(e, AuthorizeError::Rejected { code } if code == "locked"));
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }
}
