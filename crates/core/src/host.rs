//! Which origin a request is for. Every absolute URL the engine makes (a
//! sign-in link in an email, an OAuth `redirect_uri`, a redirect) starts
//! with it, so it comes from the configuration: `AUTH_URL`, or a host the
//! application lists (`AUTH_TRUSTED_HOSTS`). Request headers only choose
//! among the listed hosts; with `AUTH_TRUST_HOST` and no list they are
//! believed as the proxy sets them, which the builder refuses for email
//! sign-in (a forged host would put the attacker's site in the link).

use http::{HeaderMap, HeaderName};

use crate::redirect::Origin;

/// How the engine finds a request's origin. Built once by the configuration.
#[derive(Debug, Clone, Default)]
pub(crate) struct SiteOrigin {
    /// `AUTH_URL`'s origin: always this, whatever the request says.
    pub fixed: Option<Origin>,
    /// `AUTH_TRUST_HOST`: read `X-Forwarded-Host` and `X-Forwarded-Proto`.
    pub trust_forwarded: bool,
    /// `AUTH_TRUSTED_HOSTS`, each as [`Origin::host`] spells it
    /// (`host[:port]`, lower case); empty means no list.
    pub allowed_hosts: Vec<String>,
}

/// Why a request has no usable origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HostRefused {
    /// No host at all, or one that is not a host name.
    Unusable,
    /// A well-formed host the application does not list (the host, escaped
    /// for the log).
    Untrusted(String),
}

impl SiteOrigin {
    /// Whether every origin this yields is one the application named (so
    /// links built on it are safe to mail).
    pub fn is_trusted(&self) -> bool {
        self.fixed.is_some() || !self.allowed_hosts.is_empty()
    }

    /// The origin of a request: `AUTH_URL`; else `scheme://host` from the
    /// first `X-Forwarded-Host` (only with `AUTH_TRUST_HOST`), else `Host`,
    /// else the request URI's authority, checked against the list of trusted
    /// hosts when there is one.
    pub fn origin_for(
        &self,
        uri: Option<&http::Uri>,
        headers: &HeaderMap,
    ) -> Result<Origin, HostRefused> {
        if let Some(origin) = &self.fixed {
            return Ok(origin.clone());
        }
        // Looked up by `HeaderName` constants: a `&str` name is parsed and
        // checked again on every lookup.
        let header = |name: &HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let forwarded = |name: &HeaderName| self.trust_forwarded.then(|| header(name)).flatten();
        let proto: std::borrow::Cow<'_, str> = match forwarded(&X_FORWARDED_PROTO)
            .and_then(http_scheme)
            .or_else(|| uri.and_then(|u| u.scheme_str()).and_then(http_scheme))
        {
            Some(p) => p.into(),
            None => match uri.and_then(|u| u.scheme_str()) {
                // Another scheme: no origin can be made of it (below).
                Some(other) => other.to_ascii_lowercase().into(),
                None => "http".into(),
            },
        };
        // `Host` is what the client asked for; the URI's authority only
        // stands in when there is no `Host` (HTTP/2 `:authority`).
        let host = forwarded(&X_FORWARDED_HOST)
            .or_else(|| header(&http::header::HOST))
            .or_else(|| uri.and_then(|u| u.authority()).map(|a| a.as_str()))
            .ok_or(HostRefused::Unusable)?;
        let host_ok = host
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b':' | b'[' | b']'));
        if !host_ok {
            return Err(HostRefused::Unusable);
        }
        let origin = parse_origin_memo(&proto, host).ok_or(HostRefused::Unusable)?;
        if !self.allowed_hosts.is_empty() && !self.allowed_hosts.iter().any(|h| h == origin.host())
        {
            return Err(HostRefused::Untrusted(crate::redact::bounded_remote_text(
                host, 100,
            )));
        }
        Ok(origin)
    }
}

/// One entry of `AUTH_TRUSTED_HOSTS` as [`Origin::host`] spells it, or
/// `None` when it is not a `host[:port]`.
pub(crate) fn normalise_trusted_host(entry: &str) -> Option<String> {
    let entry = entry.trim();
    if entry.is_empty() || entry.contains(['/', '@', '?', '#']) {
        return None;
    }
    Origin::parse(&format!("http://{entry}")).map(|o| o.host().to_owned())
}

const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

thread_local! {
    /// The last `scheme://host` this thread parsed, and the result.
    static LAST_ORIGIN: std::cell::RefCell<Option<(String, Option<Origin>)>> =
        const { std::cell::RefCell::new(None) };
}

/// `http` or `https` for those schemes in any case.
fn http_scheme(scheme: &str) -> Option<&'static str> {
    if scheme.eq_ignore_ascii_case("https") {
        Some("https")
    } else if scheme.eq_ignore_ascii_case("http") {
        Some("http")
    } else {
        None
    }
}

/// [`Origin::parse`] of `{proto}://{host}`, remembering the last answer per
/// thread: a server sees the same `Host` on nearly every request, and
/// parsing it (URL parser, IDNA, serialisation) costs more than the rest of
/// the origin work together. The parse is a pure function, so a remembered
/// answer is the answer; a hit allocates nothing.
fn parse_origin_memo(proto: &str, host: &str) -> Option<Origin> {
    let spells = |input: &str| {
        input.len() == proto.len() + 3 + host.len()
            && input.starts_with(proto)
            && input[proto.len()..].starts_with("://")
            && input.ends_with(host)
    };
    LAST_ORIGIN.with(|last| {
        let mut last = last.borrow_mut();
        if let Some((input, parsed)) = last.as_ref()
            && spells(input)
        {
            return parsed.clone();
        }
        let candidate = format!("{proto}://{host}");
        let parsed = Origin::parse(&candidate);
        *last = Some((candidate, parsed.clone()));
        parsed
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, http::HeaderValue::from_static(v));
        }
        h
    }

    fn trusting() -> SiteOrigin {
        SiteOrigin {
            trust_forwarded: true,
            ..SiteOrigin::default()
        }
    }

    #[test]
    fn origin_ignores_headers_when_fixed() {
        let site = SiteOrigin {
            fixed: Origin::parse("https://example.com"),
            trust_forwarded: true,
            allowed_hosts: Vec::new(),
        };
        let h = headers(&[("host", "evil.com"), ("x-forwarded-host", "evil.com")]);
        let o = site.origin_for(None, &h);
        assert_eq!(o.as_ref().map(Origin::as_str), Ok("https://example.com"));
    }

    #[test]
    fn origin_from_trusted_headers() {
        let h = headers(&[
            ("host", "internal:8080"),
            ("x-forwarded-host", "example.com"),
            ("x-forwarded-proto", "https"),
        ]);
        let o = trusting().origin_for(None, &h);
        assert_eq!(o.as_ref().map(Origin::as_str), Ok("https://example.com"));
        let bad = headers(&[("host", "a/b@c")]);
        assert_eq!(
            trusting().origin_for(None, &bad),
            Err(HostRefused::Unusable)
        );
    }

    #[test]
    fn forwarded_headers_count_only_with_trust_host() {
        let site = SiteOrigin {
            allowed_hosts: vec!["app.example.com".into()],
            ..SiteOrigin::default()
        };
        let h = headers(&[
            ("host", "app.example.com"),
            ("x-forwarded-host", "evil.example"),
            ("x-forwarded-proto", "https"),
        ]);
        assert_eq!(
            site.origin_for(None, &h).map(|o| o.as_str().to_owned()),
            Ok("http://app.example.com".to_owned())
        );
    }

    #[test]
    fn host_wins_over_the_uri_authority() {
        let uri: http::Uri = "http://evil.example/api/auth/session".parse().unwrap();
        let h = headers(&[("host", "app.example.com")]);
        let o = trusting().origin_for(Some(&uri), &h);
        assert_eq!(
            o.map(|o| o.as_str().to_owned()),
            Ok("http://app.example.com".into())
        );
        let o = trusting().origin_for(Some(&uri), &HeaderMap::new());
        assert_eq!(
            o.map(|o| o.as_str().to_owned()),
            Ok("http://evil.example".into())
        );
    }

    #[test]
    fn only_listed_hosts_are_trusted() {
        let site = SiteOrigin {
            trust_forwarded: true,
            allowed_hosts: ["App.Example.com", "localhost:3000"]
                .iter()
                .filter_map(|h| normalise_trusted_host(h))
                .collect(),
            ..SiteOrigin::default()
        };
        assert_eq!(site.allowed_hosts, ["app.example.com", "localhost:3000"]);
        for (host, ok) in [
            ("app.example.com", true),
            ("APP.example.com", true),
            ("localhost:3000", true),
            ("localhost:3001", false),
            ("app.example.com:8080", false),
            ("evil.example", false),
            ("app.example.com.evil.example", false),
        ] {
            let h = headers(&[("x-forwarded-host", host.to_owned().leak())]);
            let got = site.origin_for(None, &h);
            assert_eq!(got.is_ok(), ok, "{host}: {got:?}");
            if !ok {
                assert_eq!(got, Err(HostRefused::Untrusted(host.to_owned())));
            }
        }
    }

    #[test]
    fn trusted_host_entries_are_hosts() {
        assert_eq!(
            normalise_trusted_host(" Example.COM ").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            normalise_trusted_host("[::1]:3000").as_deref(),
            Some("[::1]:3000")
        );
        for bad in [
            "",
            "https://example.com",
            "example.com/path",
            "u@example.com",
            "a b",
        ] {
            assert_eq!(normalise_trusted_host(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_remembered_origin_is_the_parsed_one() {
        // Alternating hosts, repeats, and hosts that do not parse: the memo
        // must answer exactly what a fresh parse answers.
        let hosts = [
            "Example.COM:443",
            "example.com:8080",
            "example.com:8080",
            "127.0.0.1:80",
            "[::1]:3000",
            "bad:port:x",
            "bad:port:x",
            "example.com",
        ];
        for proto in ["http", "https"] {
            for host in hosts {
                let mut h = HeaderMap::new();
                h.insert("host", http::HeaderValue::from_str(host).unwrap());
                h.insert(
                    "x-forwarded-proto",
                    http::HeaderValue::from_str(proto).unwrap(),
                );
                assert_eq!(
                    trusting().origin_for(None, &h).ok(),
                    Origin::parse(&format!("{proto}://{host}")),
                    "{proto}://{host}"
                );
            }
        }
    }
}
