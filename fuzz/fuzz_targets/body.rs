//! Form and JSON bodies of every POST action, through `Auth::handle`.
//!
//! Input: a route byte, a flags byte (wire mode, content type, which
//! cookies and headers to send), then the body. `{csrf}` in the body is
//! replaced by a valid CSRF token, so the fuzzer gets past the CSRF check.
//! - every answer passes [`check_answer`] (no server error, redirects on
//!   the site, security headers);
//! - nobody is signed in without the valid CSRF token in the body and its
//!   cookie in the request;
//! - the address an email is sent to is a normalised address.
#![no_main]

use std::cell::RefCell;

use bytes::Bytes;
use http::{Request, header};
use keyway_core::WireMode;
use keyway_core::email_address::normalize;
use keyway_fuzz::{Site, block_on, check_answer, signs_in, substitute, take_sent};
use libfuzzer_sys::fuzz_target;

const ROUTES: [&str; 9] = [
    "/api/auth/callback/credentials",
    "/api/auth/signin/email",
    "/api/auth/signout",
    "/api/auth/session",
    "/api/auth/signin/credentials",
    "/api/auth/callback/email",
    "/api/auth/signin",
    "/api/auth/signin/oauth",
    "/api/auth/callback/oauth-post",
];

const CONTENT_TYPES: [&str; 4] = [
    "application/x-www-form-urlencoded",
    "application/json",
    "application/x-www-form-urlencoded; charset=UTF-8",
    "text/plain",
];

/// Fresh engines now and then, so the in-memory store stays small.
const REQUESTS_PER_SITE: u32 = 20_000;

thread_local! {
    static SITES: RefCell<Option<(u32, [Site; 2])>> = const { RefCell::new(None) };
}

fn with_site<R>(v4: bool, f: impl FnOnce(&Site) -> R) -> R {
    SITES.with(|cell| {
        let mut slot = cell.borrow_mut();
        let fresh = match &*slot {
            Some((count, _)) => *count >= REQUESTS_PER_SITE,
            None => true,
        };
        if fresh {
            *slot = Some((
                0,
                [Site::new(WireMode::AuthJs), Site::new(WireMode::NextAuthV4)],
            ));
        }
        let (count, sites) = slot.as_mut().expect("just filled");
        *count += 1;
        f(&sites[usize::from(v4)])
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&[route, flags], body)) = data.split_first_chunk::<2>() else {
        return;
    };
    with_site(flags & 1 != 0, |site| {
        let body = substitute(body, b"{csrf}", site.csrf_token.as_bytes());
        let path = ROUTES[usize::from(route) % ROUTES.len()];
        let content_type = CONTENT_TYPES[usize::from(flags >> 1) % CONTENT_TYPES.len()];
        let send_csrf_cookie = flags & 0x08 != 0;
        let mut builder = Request::post(path).header(header::CONTENT_TYPE, content_type);
        if send_csrf_cookie {
            builder = builder.header(header::COOKIE, &site.csrf_cookie);
        }
        if flags & 0x10 != 0 {
            builder = builder.header("x-auth-return-redirect", "1");
        }
        if flags & 0x20 != 0 {
            builder = builder.header(header::ACCEPT_LANGUAGE, "ko");
        }
        let request = builder
            .body(Bytes::from(body.clone()))
            .expect("a POST with fixed headers is a valid request");
        let response = block_on(site.auth.handle(request));
        check_answer(&response);

        if signs_in(site, &response) {
            let token = site.csrf_token.as_bytes();
            assert!(
                send_csrf_cookie && body.windows(token.len()).any(|w| w == token),
                "signed in without the CSRF token"
            );
        }
        for address in take_sent() {
            assert_eq!(
                normalize(&address).as_deref(),
                Some(address.as_str()),
                "an email went to an address that is not normalised"
            );
        }
    });
});
