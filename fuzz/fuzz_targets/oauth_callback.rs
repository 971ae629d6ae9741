//! The OAuth callback: its query (`GET /callback/{id}`) and its
//! `response_mode=form_post` body (`POST /callback/{id}`), through
//! `Auth::handle`, after a real sign-in started the flow (so the state and
//! PKCE check cookies are valid).
//!
//! Input: a flags byte (wire mode, provider, whether the check cookies are
//! sent), then the query or form body. `{state}` is replaced by the state
//! the flow expects.
//! - every answer passes [`check_answer`];
//! - the provider is only asked to finish a callback whose `state`
//!   parameter is the expected one, and nobody is signed in otherwise.
#![no_main]

use std::cell::RefCell;

use bytes::Bytes;
use http::{Request, header};
use keyway_core::WireMode;
use keyway_fuzz::{
    AUTHORIZE_URL, Site, block_on, check_answer, form_value, set_cookies, signs_in, substitute,
    take_oauth_calls,
};
use libfuzzer_sys::fuzz_target;

/// A started flow: the engine, the state it expects and the browser's
/// cookies.
struct Flow {
    site: Site,
    provider: &'static str,
    state: String,
    cookies: String,
}

impl Flow {
    fn start(mode: WireMode, provider: &'static str) -> Self {
        let site = Site::new(mode);
        let body = format!("csrfToken={}", site.csrf_token);
        let request = Request::post(format!("/api/auth/signin/{provider}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &site.csrf_cookie)
            .body(Bytes::from(body))
            .expect("a fixed sign-in request is valid");
        let response = block_on(site.auth.handle(request));
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .expect("an OAuth sign-in redirects");
        assert!(location.starts_with(AUTHORIZE_URL), "{location}");
        let query = location.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let state = form_value(query.as_bytes(), "state").expect("the redirect carries a state");
        let mut cookies = vec![site.csrf_cookie.clone()];
        cookies.extend(
            set_cookies(&response)
                .into_iter()
                .filter(|c| !c.removal && (c.name.contains(".state") || c.name.contains(".pkce")))
                .map(|c| format!("{}={}", c.name, c.value)),
        );
        Self {
            site,
            provider,
            state,
            cookies: cookies.join("; "),
        }
    }
}

/// Fresh flows now and then: the check cookies live 15 minutes, and the
/// in-memory store should stay small.
const REQUESTS_PER_FLOW: u32 = 20_000;

thread_local! {
    static FLOWS: RefCell<Option<(u32, Vec<Flow>)>> = const { RefCell::new(None) };
}

fn with_flow<R>(index: usize, f: impl FnOnce(&Flow) -> R) -> R {
    FLOWS.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot
            .as_ref()
            .is_none_or(|(count, _)| *count >= REQUESTS_PER_FLOW)
        {
            let mut flows = Vec::new();
            for mode in [WireMode::AuthJs, WireMode::NextAuthV4] {
                for provider in ["oauth", "oauth-post"] {
                    flows.push(Flow::start(mode, provider));
                }
            }
            *slot = Some((0, flows));
        }
        let (count, flows) = slot.as_mut().expect("just filled");
        *count += 1;
        f(&flows[index % flows.len()])
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, input)) = data.split_first() else {
        return;
    };
    with_flow(usize::from(flags & 3), |flow| {
        let input = substitute(input, b"{state}", flow.state.as_bytes());
        let path = format!("/api/auth/callback/{}", flow.provider);
        let post = flow.provider == "oauth-post";
        let mut builder = if post {
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        } else {
            let Ok(query) = std::str::from_utf8(&input) else {
                return;
            };
            Request::get(format!("{path}?{query}"))
        };
        let send_cookies = flags & 4 == 0;
        if send_cookies {
            builder = builder.header(header::COOKIE, &flow.cookies);
        }
        let body = if post { input.clone() } else { Vec::new() };
        let Ok(request) = builder.body(Bytes::from(body)) else {
            // Not a URI: a real server refuses it before the engine.
            return;
        };
        let query_text = request
            .uri()
            .query()
            .unwrap_or_default()
            .as_bytes()
            .to_vec();
        let params = if post { input } else { query_text };
        let response = block_on(flow.site.auth.handle(request));
        check_answer(&response);

        let state = form_value(&params, "state");
        let state_ok = send_cookies && state.as_deref() == Some(flow.state.as_str());
        for (provider, seen) in take_oauth_calls() {
            assert_eq!(provider, flow.provider);
            assert!(
                state_ok,
                "the provider was asked to finish a callback with a wrong state"
            );
            assert_eq!(seen.as_deref(), Some(flow.state.as_str()));
        }
        if signs_in(&flow.site, &response) {
            assert!(state_ok, "signed in with a wrong state");
        }
    });
});
