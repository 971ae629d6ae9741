//! A last guard on everything `keyway` prints: the values of the secrets it
//! can see (AUTH_SECRET and its rotations, AUTH_SIGNING_KEY and the retired
//! keys, OAuth client secrets, the passwords of DATABASE_URL and
//! EMAIL_SERVER) are replaced by `***`, even
//! if a backend's error message were to quote one.

/// The secret values to hide.
#[derive(Default)]
pub(crate) struct Scrub {
    values: Vec<String>,
}

/// Values shorter than this are not hidden: replacing every `a` in the
/// output would hide nothing and garble everything.
const SHORTEST: usize = 4;

/// Whether the variable `name` holds a secret.
fn is_secret_var(name: &str) -> bool {
    name == "NEXTAUTH_SECRET"
        || name.starts_with("AUTH_SIGNING_KEY")
        || (name.starts_with("AUTH_") && (name.ends_with("_SECRET") || name.contains("_SECRET_")))
        || name == "AUTH_SECRET"
}

impl Scrub {
    /// The secrets of this process's environment, plus the password of
    /// `database_url`.
    pub(crate) fn from_env(database_url: Option<&str>) -> Self {
        let mut scrub = Self::default();
        for (name, value) in std::env::vars() {
            if is_secret_var(&name) {
                scrub.add(value.trim());
            } else if name == "EMAIL_SERVER" || name == "DATABASE_URL" {
                scrub.add_url_password(&value);
            }
        }
        if let Some(url) = database_url {
            scrub.add_url_password(url);
        }
        scrub
    }

    fn add(&mut self, value: &str) {
        if value.len() >= SHORTEST && !self.values.iter().any(|v| v == value) {
            self.values.push(value.to_owned());
            // Longest first, so a secret that contains another is hidden whole.
            self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        }
    }

    /// The password of a `scheme://user:password@host` URL, as written and
    /// percent-decoded.
    fn add_url_password(&mut self, url: &str) {
        let Some((_, rest)) = url.split_once("://") else {
            return;
        };
        let Some(at) = rest.rfind('@') else { return };
        if let Some((_, password)) = rest[..at].split_once(':') {
            self.add(password);
            if let Ok(decoded) = percent_decode(password) {
                self.add(&decoded);
            }
        }
    }

    /// `text` with every known secret replaced by `***`.
    pub(crate) fn clean(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for v in &self.values {
            if text.contains(v.as_str()) {
                text = text.replace(v.as_str(), "***");
            }
        }
        text
    }
}

fn percent_decode(s: &str) -> Result<String, ()> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3).ok_or(())?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| ())?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_variables_are_recognised() {
        for yes in [
            "AUTH_SECRET",
            "AUTH_SECRET_1",
            "NEXTAUTH_SECRET",
            "AUTH_GITHUB_SECRET",
            "AUTH_MICROSOFT_ENTRA_ID_SECRET",
            "AUTH_SIGNING_KEY",
            "AUTH_SIGNING_KEYS_RETIRED",
        ] {
            assert!(is_secret_var(yes), "{yes}");
        }
        for no in ["AUTH_GITHUB_ID", "AUTH_URL", "AUTH_TRUST_HOST", "SECRET"] {
            assert!(!is_secret_var(no), "{no}");
        }
    }

    #[test]
    fn url_passwords_are_hidden_raw_and_decoded() {
        let mut s = Scrub::default();
        s.add_url_password("postgres://app:p%40ss:word@db/app");
        s.add("tiny");
        s.add("abc");
        assert_eq!(
            s.clean("failed for p%40ss:word and p@ss:word, tiny, abc"),
            "failed for *** and ***, ***, abc"
        );
        s.add_url_password("sqlite://x.db");
        s.add_url_password("not a url");
    }
}
