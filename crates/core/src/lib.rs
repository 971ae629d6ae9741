//! # keyway-core
//!
//! The heart of keyway: authentication for Rust web servers that speaks
//! Auth.js's wire protocol.
//!
//! This crate holds
//! - the [model]: users, accounts, sessions and verification tokens;
//! - the [`Adapter`] trait every database implements;
//! - the two public [error vocabularies](codes) (log codes and `?error=` page codes);
//! - the engine that serves every action under the base path (`/api/auth`).
//!
//! It depends on no web framework and no database: bindings (axum, actix-web,
//! rocket) and adapters (SeaORM, Diesel, MongoDB, memory) build on it.
//!
//! ```
//! use keyway_core::Auth;
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let auth = Auth::builder()
//!     .secret("a-long-random-secret-value-0123456789") // or .from_env(): AUTH_SECRET, AUTH_URL
//!     .url("https://example.com")
//!     .build()?;
//!
//! // A binding hands every request under /api/auth to the engine:
//! let request = http::Request::get("/api/auth/session").body(bytes::Bytes::new())?;
//! let response = auth.handle(request).await;
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.body().as_ref(), b"null"); // nobody is signed in
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

pub mod access_token;
mod actions;
pub mod adapter;
mod auth;
pub mod callbacks;
pub mod codes;
pub mod config;
pub mod cookies;
pub mod csrf;
pub mod email_address;
pub mod events;
mod failure;
mod host;
pub mod jwt;
pub mod keys;
pub mod model;
pub mod oauth;
pub mod pages;
pub mod provider;
pub mod random;
pub mod redact;
pub mod redirect;
mod request;
mod required;
mod response;
pub mod session;
mod sign_in_page;
pub mod store;
pub mod wire;

pub use adapter::{Adapter, AdapterError, AdapterErrorKind, AdapterResult, Pruned};
pub use auth::{Auth, SessionLookup};
pub use callbacks::{Callbacks, SignInDecision};
pub use codes::{DocsLanguage, ErrorPageCode, LogCode, SignInPageCode};
pub use config::{AuthBuilder, ConfigError, Pages, SessionStrategy};
pub use events::Events;
pub use model::{
    Account, AccountType, Session, SessionToken, SessionUpdate, User, UserUpdate, VerificationToken,
};
pub use provider::{
    AuthorizeError, CredentialsInput, CredentialsProvider, EmailProvider, Provider, SendLimit,
};
pub use session::{CurrentSession, SessionData, SessionUser};
pub use sign_in_page::{SignInPageData, SignInPageError, SignInProvider};
pub use store::{Lease, Store};
pub use wire::WireMode;
