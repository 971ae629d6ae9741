//! The `Set-Cookie` side: options and their exact serialisation.

use std::fmt;

use chrono::{DateTime, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Bytes JavaScript's `encodeURIComponent` leaves alone: ASCII letters and
/// digits and `-_.!~*'()`. Everything else is percent-encoded (UTF-8,
/// upper-case hex), which is how Auth.js encodes cookie values.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// The `SameSite` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    /// `SameSite=Lax`, Auth.js's default for every cookie.
    Lax,
    /// `SameSite=Strict`.
    Strict,
    /// `SameSite=None` (browsers require `Secure` with it).
    None,
}

impl SameSite {
    fn as_str(self) -> &'static str {
        match self {
            SameSite::Lax => "Lax",
            SameSite::Strict => "Strict",
            SameSite::None => "None",
        }
    }
}

/// The attributes of a cookie.
///
/// `path` and `domain` are written verbatim: they come from configuration,
/// never from a request, and must be valid cookie attribute values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieOptions {
    /// `Path` (Auth.js: `/`).
    pub path: String,
    /// `Domain`; `None` makes a host-only cookie (Auth.js's default).
    pub domain: Option<String>,
    /// `HttpOnly` (Auth.js: always).
    pub http_only: bool,
    /// `Secure` (Auth.js: on an https site).
    pub secure: bool,
    /// `SameSite` (Auth.js: `Lax`).
    pub same_site: SameSite,
    /// `Max-Age` in seconds.
    pub max_age: Option<i64>,
    /// `Expires`, written as an IMF-fixdate in whole seconds.
    pub expires: Option<DateTime<Utc>>,
    /// `Partitioned` (CHIPS).
    pub partitioned: bool,
}

impl CookieOptions {
    /// Auth.js's default options: `Path=/`, `HttpOnly`, `SameSite=Lax`, no
    /// `Domain`, no lifetime, and `Secure` when `secure` (an https site).
    pub fn defaults(secure: bool) -> Self {
        CookieOptions {
            path: "/".to_owned(),
            domain: None,
            http_only: true,
            secure,
            same_site: SameSite::Lax,
            max_age: None,
            expires: None,
            partitioned: false,
        }
    }
}

/// One cookie to set (or delete) in a response; one `Set-Cookie` header.
///
/// Its `Debug` output never shows the value, which may be a session token.
#[derive(Clone, PartialEq, Eq)]
pub struct SetCookie {
    /// The cookie name, written verbatim.
    pub name: String,
    /// The value, unencoded; [`header_value`](Self::header_value) encodes it.
    pub value: String,
    /// The attributes.
    pub options: CookieOptions,
}

impl SetCookie {
    /// A cookie `name=value` with `options`.
    pub fn new(name: impl Into<String>, value: impl Into<String>, options: CookieOptions) -> Self {
        SetCookie {
            name: name.into(),
            value: value.into(),
            options,
        }
    }

    /// The deletion of cookie `name` as Auth.js writes it: the same options,
    /// an empty value, `Max-Age=0` and no `Expires`.
    pub fn removal(name: impl Into<String>, options: &CookieOptions) -> Self {
        SetCookie {
            name: name.into(),
            value: String::new(),
            options: CookieOptions {
                max_age: Some(0),
                expires: None,
                ..options.clone()
            },
        }
    }

    /// The `Set-Cookie` header value, exactly as Auth.js serialises it, e.g.
    /// `authjs.session-token=eyJ…; Path=/; Expires=Wed, 23 Dec 2026 13:22:30 GMT; HttpOnly; SameSite=Lax`.
    ///
    /// The value is percent-encoded like `encodeURIComponent`; attributes come
    /// in the order `Max-Age`, `Domain`, `Path`, `Expires`, `HttpOnly`,
    /// `Secure`, `Partitioned`, `SameSite`, separated by `"; "`.
    pub fn header_value(&self) -> String {
        let o = &self.options;
        // One allocation of the right size: this runs for every cookie of
        // every response, the session token's included.
        let mut s = String::with_capacity(
            self.name.len()
                + self.value.len()
                + o.path.len()
                + o.domain.as_ref().map_or(0, String::len)
                + 96,
        );
        s.push_str(&self.name);
        s.push('=');
        push_uri_component(&mut s, &self.value);
        if let Some(max_age) = o.max_age {
            s.push_str("; Max-Age=");
            s.push_str(&max_age.to_string());
        }
        if let Some(domain) = &o.domain {
            s.push_str("; Domain=");
            s.push_str(domain);
        }
        s.push_str("; Path=");
        s.push_str(&o.path);
        if let Some(expires) = o.expires {
            s.push_str("; Expires=");
            push_imf_fixdate(&mut s, expires);
        }
        if o.http_only {
            s.push_str("; HttpOnly");
        }
        if o.secure {
            s.push_str("; Secure");
        }
        if o.partitioned {
            s.push_str("; Partitioned");
        }
        s.push_str("; SameSite=");
        s.push_str(o.same_site.as_str());
        s
    }
}

/// Appends `value` encoded like `encodeURIComponent`. Session tokens and
/// CSRF hashes need no escaping at all, so that case is one copy.
fn push_uri_component(out: &mut String, value: &str) {
    if value.bytes().all(|b| UNRESERVED[usize::from(b)]) {
        out.push_str(value);
    } else {
        out.extend(utf8_percent_encode(value, URI_COMPONENT));
    }
}

/// The bytes [`URI_COMPONENT`] leaves alone, as a table (a session token is
/// several hundred bytes, checked on every session read).
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
            );
        b += 1;
    }
    table
};

/// Appends `t` as an IMF-fixdate in whole seconds (`Wed, 23 Dec 2026
/// 13:22:30 GMT`), without going through a format string.
fn push_imf_fixdate(out: &mut String, t: DateTime<Utc>) {
    use chrono::{Datelike, Timelike};
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let year = t.year();
    if !(0..=9999).contains(&year) {
        // Outside what four digits hold: chrono's own rendering.
        out.push_str(&t.format("%a, %d %b %Y %H:%M:%S GMT").to_string());
        return;
    }
    let two = |out: &mut String, n: u32| {
        out.push(char::from(b'0' + (n / 10 % 10) as u8));
        out.push(char::from(b'0' + (n % 10) as u8));
    };
    out.push_str(DAYS[t.weekday().num_days_from_monday() as usize]);
    out.push_str(", ");
    two(out, t.day());
    out.push(' ');
    out.push_str(MONTHS[t.month0() as usize]);
    out.push(' ');
    let year = year as u32;
    two(out, year / 100);
    two(out, year % 100);
    out.push(' ');
    two(out, t.hour());
    out.push(':');
    two(out, t.minute());
    out.push(':');
    // A leap second (second 60) is represented by chrono in the nanos.
    two(out, t.second());
    out.push_str(" GMT");
}

impl fmt::Debug for SetCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetCookie")
            .field("name", &self.name)
            .field("value", &"[redacted]")
            .field("options", &self.options)
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use chrono::TimeZone;

    use super::*;

    const TOKEN: &str = "adf58e8f4157a4c3bbf2e1f0d1c2b3a4958677869504132231405f6e7d8c9bab";
    const HASH: &str = "096387c684801f2e3d4c5b6a79887766554433221100ffeeddccbbaa99887766";

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, ms: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
            + chrono::Duration::milliseconds(ms.into())
    }

    #[test]
    fn csrf_cookie_encodes_the_pipe() {
        let c = SetCookie::new(
            "authjs.csrf-token",
            format!("{TOKEN}|{HASH}"),
            CookieOptions::defaults(false),
        );
        assert_eq!(
            c.header_value(),
            format!("authjs.csrf-token={TOKEN}%7C{HASH}; Path=/; HttpOnly; SameSite=Lax")
        );
    }

    #[test]
    fn callback_url_is_encoded_like_encode_uri_component() {
        let c = SetCookie::new(
            "authjs.callback-url",
            "http://127.0.0.1:3700/",
            CookieOptions::defaults(false),
        );
        assert_eq!(
            c.header_value(),
            "authjs.callback-url=http%3A%2F%2F127.0.0.1%3A3700%2F; Path=/; HttpOnly; SameSite=Lax"
        );
        let odd = SetCookie::new(
            "n",
            "a b;c,d=e+f?g&h ü-_.!~*'()",
            CookieOptions::defaults(false),
        );
        assert_eq!(
            odd.header_value(),
            "n=a%20b%3Bc%2Cd%3De%2Bf%3Fg%26h%20%C3%BC-_.!~*'(); Path=/; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn session_cookie_has_expires_in_whole_seconds() {
        let options = CookieOptions {
            expires: Some(at(2026, 12, 23, 13, 22, 30, 745)),
            ..CookieOptions::defaults(false)
        };
        let c = SetCookie::new("authjs.session-token", "eyJhbGciOiJk.x.y", options);
        assert_eq!(
            c.header_value(),
            "authjs.session-token=eyJhbGciOiJk.x.y; Path=/; Expires=Wed, 23 Dec 2026 13:22:30 GMT; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn secure_session_cookie_puts_secure_before_same_site() {
        let options = CookieOptions {
            expires: Some(at(2026, 12, 23, 13, 22, 31, 539)),
            ..CookieOptions::defaults(true)
        };
        let c = SetCookie::new("__Secure-authjs.session-token", "eyJ", options);
        assert_eq!(
            c.header_value(),
            "__Secure-authjs.session-token=eyJ; Path=/; Expires=Wed, 23 Dec 2026 13:22:31 GMT; HttpOnly; Secure; SameSite=Lax"
        );
    }

    #[test]
    fn state_cookie_has_max_age_then_path_then_expires() {
        let options = CookieOptions {
            max_age: Some(900),
            expires: Some(at(2026, 11, 23, 13, 37, 31, 0)),
            ..CookieOptions::defaults(true)
        };
        let c = SetCookie::new("__Secure-authjs.state", "eyJ", options);
        assert_eq!(
            c.header_value(),
            "__Secure-authjs.state=eyJ; Max-Age=900; Path=/; Expires=Mon, 23 Nov 2026 13:37:31 GMT; HttpOnly; Secure; SameSite=Lax"
        );
    }

    #[test]
    fn removal_has_empty_value_max_age_zero_and_no_expires() {
        let options = CookieOptions {
            expires: Some(at(2026, 12, 23, 13, 22, 30, 0)),
            ..CookieOptions::defaults(false)
        };
        assert_eq!(
            SetCookie::removal("authjs.session-token", &options).header_value(),
            "authjs.session-token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"
        );
        assert_eq!(
            SetCookie::removal("__Secure-authjs.state", &CookieOptions::defaults(true))
                .header_value(),
            "__Secure-authjs.state=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax"
        );
    }

    #[test]
    fn every_attribute_in_auth_js_order() {
        let options = CookieOptions {
            path: "/app".to_owned(),
            domain: Some("example.com".to_owned()),
            http_only: true,
            secure: true,
            same_site: SameSite::None,
            max_age: Some(60),
            expires: Some(at(2026, 1, 1, 0, 0, 0, 0)),
            partitioned: true,
        };
        assert_eq!(
            SetCookie::new("a", "b", options).header_value(),
            "a=b; Max-Age=60; Domain=example.com; Path=/app; Expires=Thu, 01 Jan 2026 00:00:00 GMT; HttpOnly; Secure; Partitioned; SameSite=None"
        );
        let plain = CookieOptions {
            http_only: false,
            same_site: SameSite::Strict,
            ..CookieOptions::defaults(false)
        };
        assert_eq!(
            SetCookie::new("a", "", plain).header_value(),
            "a=; Path=/; SameSite=Strict"
        );
    }

    #[test]
    fn expires_matches_chrono_formatting_over_many_dates() {
        let mut t = at(1970, 1, 1, 0, 0, 0, 0);
        // Every weekday and month, leap years, and the four-digit edges.
        for _ in 0..2000 {
            let mut mine = String::new();
            push_imf_fixdate(&mut mine, t);
            assert_eq!(mine, t.format("%a, %d %b %Y %H:%M:%S GMT").to_string());
            t += chrono::Duration::seconds(86_400 * 17 + 3_671);
        }
        for edge in [
            at(9999, 12, 31, 23, 59, 59, 999),
            at(10000, 1, 1, 0, 0, 0, 0),
            at(1, 1, 1, 0, 0, 0, 0),
        ] {
            let mut mine = String::new();
            push_imf_fixdate(&mut mine, edge);
            assert_eq!(mine, edge.format("%a, %d %b %Y %H:%M:%S GMT").to_string());
        }
    }

    #[test]
    fn values_are_encoded_exactly_as_the_percent_encoder_does() {
        // Every ASCII byte inside a plain value, then the usual suspects.
        let mut values: Vec<String> = (0u8..=127).map(|b| format!("a{}z", b as char)).collect();
        for v in [
            "eyJhbGci.x-y_z",
            "a|b",
            "http://x/?a=1&b=2",
            "é ü",
            "!~*'()",
            "",
        ] {
            values.push(v.to_owned());
        }
        for value in &values {
            let mut mine = String::new();
            push_uri_component(&mut mine, value);
            assert_eq!(
                mine,
                utf8_percent_encode(value, URI_COMPONENT).to_string(),
                "{value:?}"
            );
        }
    }

    #[test]
    fn debug_hides_the_value() {
        let c = SetCookie::new(
            "authjs.session-token",
            "super-secret-jwe",
            CookieOptions::defaults(false),
        );
        let shown = format!("{c:?}");
        assert!(shown.contains("authjs.session-token"));
        assert!(!shown.contains("super-secret-jwe"));
    }
}
