//! Making text fit for a log line: hiding the secrets of a connection URL
//! (shared by the adapters and by the facade's `connect`, so that every crate
//! hides the same things), and defusing text a remote party wrote.

/// `url` with the password of its userinfo, and any password-like query
/// parameter (`pass`, `pwd`, `secret`, `key` or `token` in its name),
/// replaced by `***`; the rest (scheme, user, host, path, other parameters)
/// is kept for the reader.
///
/// The last `@` ends the userinfo even when the password holds `/`, `?` or
/// `#` unencoded: when in doubt, more is hidden rather than less.
///
/// ```
/// use keyway_core::redact::redact_url;
///
/// assert_eq!(
///     redact_url("postgres://alice:s3cret@db:5432/app?sslmode=require"),
///     "postgres://alice:***@db:5432/app?sslmode=require"
/// );
/// ```
pub fn redact_url(url: &str) -> String {
    let Some(i) = url.find("://") else {
        return redact_query(url);
    };
    let (head, rest) = url.split_at(i + 3);
    let mut out = String::from(head);
    let rest = match rest.rfind('@') {
        Some(at) => {
            match rest[..at].split_once(':') {
                Some((user, _)) => {
                    out.push_str(user);
                    out.push_str(":***@");
                }
                None => {
                    out.push_str(&rest[..at]);
                    out.push('@');
                }
            }
            &rest[at + 1..]
        }
        None => rest,
    };
    out.push_str(&redact_query(rest));
    out
}

/// The most characters of remote text [`remote_text`] keeps.
pub const REMOTE_TEXT_MAX_CHARS: usize = 300;

/// Text a remote party wrote (a provider's `error_description`, a token
/// endpoint's error body, a userinfo answer), made safe for one log line:
/// control characters (newlines, escape sequences, …) and the Unicode
/// line/paragraph separators become visible `\u{…}` escapes, and at most
/// [`REMOTE_TEXT_MAX_CHARS`] characters are kept (`…` marks a cut). A
/// provider can then neither forge log lines nor flood the log.
///
/// ```
/// use keyway_core::redact::remote_text;
///
/// assert_eq!(
///     remote_text("denied\n[keyway][error] forged"),
///     "denied\\u{a}[keyway][error] forged"
/// );
/// assert_eq!(remote_text(&"x".repeat(1000)).chars().count(), 301);
/// ```
pub fn remote_text(text: &str) -> String {
    bounded_remote_text(text, REMOTE_TEXT_MAX_CHARS)
}

/// [`remote_text`] with another length bound, in characters.
pub fn bounded_remote_text(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 2));
    for (n, c) in text.chars().enumerate() {
        if n == max_chars {
            out.push('…');
            break;
        }
        if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}') {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

fn redact_query(s: &str) -> String {
    let Some((base, query)) = s.split_once('?') else {
        return s.to_owned();
    };
    let params: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if is_secret_param(k) => format!("{k}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", params.join("&"))
}

fn is_secret_param(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["pass", "pwd", "secret", "key", "token"]
        .iter()
        .any(|w| key.contains(w))
}

#[cfg(test)]
mod tests {
    use super::{bounded_remote_text, redact_url, remote_text};

    #[test]
    fn remote_text_is_one_bounded_line() {
        let forged = "bad\r\n2026-01-01 ERROR [keyway][error][X] \u{1b}[31mred\u{2028}end";
        let safe = remote_text(forged);
        assert!(
            !safe.chars().any(|c| c.is_control() || c == '\u{2028}'),
            "{safe}"
        );
        assert_eq!(
            safe,
            "bad\\u{d}\\u{a}2026-01-01 ERROR [keyway][error][X] \\u{1b}[31mred\\u{2028}end"
        );
        assert_eq!(bounded_remote_text("héllo wörld", 4), "héll…");
        assert_eq!(bounded_remote_text("abc", 3), "abc");
        assert_eq!(remote_text(""), "");
    }

    #[test]
    fn hides_passwords_and_keeps_the_rest() {
        assert_eq!(
            redact_url("postgres://alice:s3cret@db:5432/app"),
            "postgres://alice:***@db:5432/app"
        );
        assert_eq!(
            redact_url("postgres://alice:s3cret@db:5432/app?sslmode=require"),
            "postgres://alice:***@db:5432/app?sslmode=require"
        );
        assert_eq!(
            redact_url("mysql://root@127.0.0.1/test"),
            "mysql://root@127.0.0.1/test"
        );
        assert_eq!(redact_url("mysql://root@h/db"), "mysql://root@h/db");
        assert_eq!(redact_url("sqlite::memory:"), "sqlite::memory:");
        assert_eq!(redact_url("memory:"), "memory:");
    }

    #[test]
    fn an_unencoded_at_or_slash_in_the_password_is_hidden_too() {
        assert_eq!(
            redact_url("postgres://u:pa/ss@word@h/db?password=x&sslmode=require"),
            "postgres://u:***@h/db?password=***&sslmode=require"
        );
        assert_eq!(
            redact_url("mongodb://u:p@ss/w@h/db?authSource=admin&password=x"),
            "mongodb://u:***@h/db?authSource=admin&password=***"
        );
    }

    #[test]
    fn password_like_query_parameters_are_hidden_without_userinfo() {
        assert_eq!(
            redact_url("sqlite:///tmp/x.db?Api_Key=k&mode=rwc&auth_token=t"),
            "sqlite:///tmp/x.db?Api_Key=***&mode=rwc&auth_token=***"
        );
        assert_eq!(redact_url("file.db?pwd=1&flag"), "file.db?pwd=***&flag");
    }
}
