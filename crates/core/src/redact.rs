//! Hiding the secrets of a connection URL before it goes into an error
//! message or a log line: shared by the adapters and by the facade's
//! `connect`, so that every crate hides the same things.

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
    use super::redact_url;

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
