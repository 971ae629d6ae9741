//! The data keyway stores: users, the accounts linked to them, database
//! sessions and email verification tokens.
//!
//! Field names serialise as Auth.js names them (`emailVerified`,
//! `providerAccountId`, `sessionToken`, ...; the OAuth token fields stay
//! snake_case), so JSON written by keyway and by Auth.js adapters looks the same.
//! Timestamps are UTC; every adapter must round-trip them to at least the second.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A person who can sign in.
///
/// `id` is chosen by the engine (a random UUID) when the user is created; an
/// adapter may keep it or replace it with its own, and the engine uses the id
/// the adapter returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Stable identifier of the user.
    pub id: String,
    /// Display name, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email address, normalised (lower case) by the engine. Unique among users
    /// when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// When the email address was last proven to belong to the user (an email
    /// sign-in), or `None` if it never was.
    #[serde(default)]
    pub email_verified: Option<DateTime<Utc>>,
    /// URL of a picture of the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

impl User {
    /// A user with the given id and email and no other data.
    pub fn new(id: impl Into<String>, email: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: None,
            email: Some(email.into()),
            email_verified: None,
            image: None,
        }
    }
}

/// A partial update of a [`User`]: each `Some` field is written, each `None`
/// field is left as it is. The inner `Option` is the new value, so
/// `name: Some(None)` clears the name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserUpdate {
    /// The user to update.
    pub id: String,
    /// New display name.
    pub name: Option<Option<String>>,
    /// New email address.
    pub email: Option<Option<String>>,
    /// New verification time.
    pub email_verified: Option<Option<DateTime<Utc>>>,
    /// New picture URL.
    pub image: Option<Option<String>>,
}

impl UserUpdate {
    /// An update of user `id` that changes nothing yet.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }

    /// Applies this update to `user` (used by adapters that read, modify and
    /// write whole rows).
    pub fn apply_to(&self, user: &mut User) {
        if let Some(name) = &self.name {
            user.name.clone_from(name);
        }
        if let Some(email) = &self.email {
            user.email.clone_from(email);
        }
        if let Some(verified) = self.email_verified {
            user.email_verified = verified;
        }
        if let Some(image) = &self.image {
            user.image.clone_from(image);
        }
    }
}

/// How an [`Account`] signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountType {
    /// Plain OAuth 2.
    Oauth,
    /// OpenID Connect.
    Oidc,
    /// Email magic link or one-time code.
    Email,
    /// Username/password or another custom check.
    Credentials,
    /// WebAuthn / passkeys.
    Webauthn,
}

impl AccountType {
    /// The stable string stored in databases (`"oauth"`, `"oidc"`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Oauth => "oauth",
            Self::Oidc => "oidc",
            Self::Email => "email",
            Self::Credentials => "credentials",
            Self::Webauthn => "webauthn",
        }
    }

    /// Parses the string form written by [`AccountType::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "oauth" => Self::Oauth,
            "oidc" => Self::Oidc,
            "email" => Self::Email,
            "credentials" => Self::Credentials,
            "webauthn" => Self::Webauthn,
            _ => return None,
        })
    }
}

impl fmt::Display for AccountType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A provider account (GitHub, Google, an OIDC issuer, ...) linked to a
/// [`User`]. `(provider, provider_account_id)` is unique.
///
/// The token fields keep the OAuth names. Secrets (`access_token`,
/// `refresh_token`, `id_token`) never appear in `Debug` output.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The user this account belongs to.
    #[serde(rename = "userId")]
    pub user_id: String,
    /// The kind of provider.
    #[serde(rename = "type")]
    pub kind: AccountType,
    /// Provider id, e.g. `"github"`.
    pub provider: String,
    /// The user's id at the provider.
    #[serde(rename = "providerAccountId")]
    pub provider_account_id: String,
    /// OAuth access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// OAuth refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// When the access token expires, in whole **seconds** since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// Token type, usually `"bearer"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Granted scopes, space separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// OpenID Connect ID token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// OpenID Connect session state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_state: Option<String>,
}

impl Account {
    /// An account with no tokens.
    pub fn new(
        user_id: impl Into<String>,
        kind: AccountType,
        provider: impl Into<String>,
        provider_account_id: impl Into<String>,
    ) -> Self {
        Self {
            user_id: user_id.into(),
            kind,
            provider: provider.into(),
            provider_account_id: provider_account_id.into(),
            access_token: None,
            refresh_token: None,
            expires_at: None,
            token_type: None,
            scope: None,
            id_token: None,
            session_state: None,
        }
    }
}

fn redacted(v: &Option<String>) -> &'static str {
    if v.is_some() {
        "Some(<redacted>)"
    } else {
        "None"
    }
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("user_id", &self.user_id)
            .field("kind", &self.kind)
            .field("provider", &self.provider)
            .field("provider_account_id", &self.provider_account_id)
            .field(
                "access_token",
                &format_args!("{}", redacted(&self.access_token)),
            )
            .field(
                "refresh_token",
                &format_args!("{}", redacted(&self.refresh_token)),
            )
            .field("expires_at", &self.expires_at)
            .field("token_type", &self.token_type)
            .field("scope", &self.scope)
            .field("id_token", &format_args!("{}", redacted(&self.id_token)))
            .field("session_state", &self.session_state)
            .finish()
    }
}

/// The opaque value of a database session cookie. It is a bearer secret, so
/// its `Debug` output is redacted.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionToken(String);

impl SessionToken {
    /// The longest database session token the engine looks up, in bytes.
    ///
    /// keyway issues `{UUID v4}.{seconds since the epoch}` (at most 57
    /// bytes); Auth.js issues a UUID (36), or 64 hex digits in next-auth v4's
    /// fallback. A session cookie holding anything longer cannot name a
    /// session, so the engine refuses it before asking the adapter (and
    /// clears the cookie): a hostile cookie never reaches a query.
    pub const MAX_LEN: usize = 64;

    /// Wraps a token value.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// A fresh random token (a UUID v4 from the OS CSPRNG, as Auth.js makes them).
    pub fn generate() -> Self {
        Self(crate::random::uuid())
    }

    /// A fresh random token that also records when its user signed in: a
    /// UUID v4 from the OS CSPRNG, `.`, and `signed_in_at` in seconds since
    /// the Unix epoch. The engine makes its database sessions with it, so it
    /// can tell how recent a sign-in is (see
    /// [`signed_in_at`](Self::signed_in_at)) without another column.
    ///
    /// ```
    /// use keyway_core::SessionToken;
    ///
    /// let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
    /// let token = SessionToken::generate_at(at);
    /// assert_eq!(token.signed_in_at(), Some(at));
    /// assert_eq!(SessionToken::generate().signed_in_at(), None);
    /// ```
    pub fn generate_at(signed_in_at: DateTime<Utc>) -> Self {
        Self(format!(
            "{}.{}",
            crate::random::uuid(),
            signed_in_at.timestamp()
        ))
    }

    /// When the user signed in, for a token made by
    /// [`generate_at`](Self::generate_at); `None` for any other token (one
    /// made by Auth.js, or by [`generate`](Self::generate)). Trust it only
    /// for a token the database knows: the value comes from the cookie.
    pub fn signed_in_at(&self) -> Option<DateTime<Utc>> {
        let (random, secs) = self.0.rsplit_once('.')?;
        if random.len() != 36 || secs.is_empty() || !secs.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        DateTime::from_timestamp(secs.parse().ok()?, 0)
    }

    /// The token value.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes the wrapper.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

impl From<String> for SessionToken {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for SessionToken {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// A database session: the row behind a `database`-strategy session cookie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// The cookie value; unique.
    pub session_token: SessionToken,
    /// The signed-in user.
    pub user_id: String,
    /// When the session ends. Expiry is checked by the engine, not the adapter.
    pub expires: DateTime<Utc>,
}

/// A change to a [`Session`], addressed by its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionUpdate {
    /// The session to update.
    pub session_token: SessionToken,
    /// New expiry time, if it changes.
    pub expires: Option<DateTime<Utc>>,
    /// New owner, if it changes.
    pub user_id: Option<String>,
}

impl SessionUpdate {
    /// An update that moves the session's expiry.
    pub fn expires(session_token: SessionToken, expires: DateTime<Utc>) -> Self {
        Self {
            session_token,
            expires: Some(expires),
            user_id: None,
        }
    }

    /// Applies this update to `session`.
    pub fn apply_to(&self, session: &mut Session) {
        if let Some(expires) = self.expires {
            session.expires = expires;
        }
        if let Some(user_id) = &self.user_id {
            session.user_id.clone_from(user_id);
        }
    }
}

/// A pending email sign-in. `token` is the **hash** of the token sent by
/// email (sha256 of token + secret), never the token itself.
/// `(identifier, token)` is unique.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationToken {
    /// Who the token was sent to (an email address).
    pub identifier: String,
    /// Hash of the token.
    pub token: String,
    /// When the token stops working. Checked by the engine, not the adapter.
    pub expires: DateTime<Utc>,
}

impl fmt::Debug for VerificationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerificationToken")
            .field("identifier", &self.identifier)
            .field("token", &"<redacted>")
            .field("expires", &self.expires)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_debug_hides_tokens() {
        let mut a = Account::new("u1", AccountType::Oauth, "github", "42");
        a.access_token = Some("gho_secret".into());
        a.refresh_token = Some("ghr_secret".into());
        let s = format!("{a:?}");
        assert!(!s.contains("secret"), "{s}");
        assert!(s.contains("<redacted>"));
    }

    #[test]
    fn session_token_debug_hides_value() {
        let t = SessionToken::new("abc-123");
        assert_eq!(format!("{t:?}"), "SessionToken(<redacted>)");
    }

    #[test]
    fn account_serialises_with_authjs_names() {
        let mut a = Account::new("u1", AccountType::Oidc, "google", "42");
        a.expires_at = Some(1_700_000_000);
        let v = serde_json::to_value(&a).expect("serialise");
        assert_eq!(v["userId"], "u1");
        assert_eq!(v["type"], "oidc");
        assert_eq!(v["providerAccountId"], "42");
        assert_eq!(v["expires_at"], 1_700_000_000);
    }

    #[test]
    fn user_update_applies_only_set_fields() {
        let mut u = User::new("1", "a@example.com");
        u.name = Some("A".into());
        let mut up = UserUpdate::new("1");
        up.image = Some(Some("https://x/y.png".into()));
        up.apply_to(&mut u);
        assert_eq!(u.name.as_deref(), Some("A"));
        assert_eq!(u.image.as_deref(), Some("https://x/y.png"));
        up.name = Some(None);
        up.apply_to(&mut u);
        assert_eq!(u.name, None);
    }

    #[test]
    fn account_type_round_trips() {
        for t in [
            AccountType::Oauth,
            AccountType::Oidc,
            AccountType::Email,
            AccountType::Credentials,
            AccountType::Webauthn,
        ] {
            assert_eq!(AccountType::parse(t.as_str()), Some(t));
        }
        assert_eq!(AccountType::parse("nope"), None);
    }
}
