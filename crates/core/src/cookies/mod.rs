//! Cookies as Auth.js writes and reads them.
//!
//! - [`SetCookie`] serialises one `Set-Cookie` header value byte for byte like
//!   Auth.js (value encoded like JavaScript's `encodeURIComponent`, attributes in
//!   Auth.js's order);
//! - [`RequestCookies`] parses the request's `Cookie` headers leniently;
//! - [`CookieNames`] gives the cookie names for the `authjs.` (v5) or
//!   `next-auth.` (v4) prefix, with `__Secure-`/`__Host-` on https;
//! - [`read_chunked`], [`write_chunked`] and [`clear_chunked`] split a large
//!   session token over `NAME.0`, `NAME.1`, … and put it back together.
//!
//! ```
//! use keyway_core::cookies::{CookieNames, CookieOptions, SetCookie};
//!
//! let names = CookieNames::new("authjs", false);
//! let cookie = SetCookie::new(
//!     names.callback_url,
//!     "http://127.0.0.1:3000",
//!     CookieOptions::defaults(false),
//! );
//! assert_eq!(
//!     cookie.header_value(),
//!     "authjs.callback-url=http%3A%2F%2F127.0.0.1%3A3000; Path=/; HttpOnly; SameSite=Lax",
//! );
//! ```

mod chunking;
mod names;
mod request;
mod set_cookie;

pub(crate) use chunking::read_chunked_borrowed;
pub use chunking::{
    CHUNK_SIZE_AUTHJS, CHUNK_SIZE_NEXTAUTH_V4, MAX_CHUNKS, clear_chunked, read_chunked,
    write_chunked,
};
pub use names::CookieNames;
pub use request::RequestCookies;
pub use set_cookie::{CookieOptions, SameSite, SetCookie};
