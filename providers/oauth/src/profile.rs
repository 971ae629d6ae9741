//! Profile mapping: the default (OpenID Connect claims), the helpers the
//! presets use, and [`OAuth::map_profile`].

use keyway_core::LogCode;
use keyway_core::oauth::{OAuthError, OAuthProfile, TokenSet};
use keyway_core::provider::BoxError;
use serde_json::Value;

use crate::config::OAuth;

/// The value at `path` as text: strings as they are, numbers written out
/// (GitHub and Kakao ids are numbers); empty strings count as missing.
pub fn text_at(document: &Value, path: &[&str]) -> Option<String> {
    let mut v = document;
    for key in path {
        v = v.get(key)?;
    }
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Whether the value at `path` says yes: `true`, or the string `"true"`
/// (Cognito and Apple send the `email_verified` claim as a string).
pub fn flag_at(document: &Value, path: &[&str]) -> bool {
    let mut v = document;
    for key in path {
        match v.get(key) {
            Some(next) => v = next,
            None => return false,
        }
    }
    match v {
        Value::Bool(b) => *b,
        Value::String(s) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// The first of several paths that has a value.
pub(crate) fn first_of(document: &Value, paths: &[&[&str]]) -> Option<String> {
    paths.iter().find_map(|p| text_at(document, p))
}

/// "First Last" from two paths, or whichever of them is there.
pub(crate) fn full_name(document: &Value, first: &[&str], last: &[&str]) -> Option<String> {
    match (text_at(document, first), text_at(document, last)) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (f, l) => f.or(l),
    }
}

/// A profile without an id cannot be linked to an account.
pub(crate) fn require_id(id: Option<String>) -> Result<String, BoxError> {
    id.ok_or_else(|| "the profile has no id".into())
}

/// The default mapping (Auth.js v5): `id = sub ?? id`, `name = name ??
/// nickname ?? preferred_username`, `email`, `image = picture`; the email
/// counts as verified only with an `email_verified` claim that is true.
pub fn default_profile(raw: &Value, _tokens: &TokenSet) -> Result<OAuthProfile, BoxError> {
    Ok(OAuthProfile {
        id: require_id(first_of(raw, &[&["sub"], &["id"]]))?,
        name: first_of(raw, &[&["name"], &["nickname"], &["preferred_username"]]),
        email: text_at(raw, &["email"]),
        email_verified: flag_at(raw, &["email_verified"]),
        image: text_at(raw, &["picture"]),
        raw: raw.clone(),
    })
}

impl OAuth {
    /// What this provider makes of a profile document: the preset's mapping
    /// (or the application's own, or the default). Errors are
    /// `OAUTH_PARSE_PROFILE_ERROR`.
    pub fn map_profile(&self, raw: &Value, tokens: &TokenSet) -> Result<OAuthProfile, OAuthError> {
        if !raw.is_object() {
            return Err(OAuthError::new(
                LogCode::OauthParseProfileError,
                "the profile is not a JSON object",
            ));
        }
        let mapped = match &self.profile {
            Some(map) => map(raw, tokens),
            None => default_profile(raw, tokens),
        };
        let mut profile = mapped.map_err(|e| {
            OAuthError::new(
                LogCode::OauthParseProfileError,
                format!("the profile could not be mapped: {e}"),
            )
        })?;
        if profile.id.trim().is_empty() {
            return Err(OAuthError::new(
                LogCode::OauthParseProfileError,
                "the mapped profile has an empty id",
            ));
        }
        if profile.raw.is_null() {
            profile.raw = raw.clone();
        }
        Ok(profile)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_reads_strings_and_numbers() {
        let doc = json!({"a": {"b": 12}, "s": "x", "e": "  ", "n": null});
        assert_eq!(text_at(&doc, &["a", "b"]).as_deref(), Some("12"));
        assert_eq!(text_at(&doc, &["s"]).as_deref(), Some("x"));
        assert_eq!(text_at(&doc, &["e"]), None);
        assert_eq!(text_at(&doc, &["n"]), None);
        assert_eq!(text_at(&doc, &["a", "b", "c"]), None);
    }

    #[test]
    fn flags_are_true_or_the_string_true() {
        let doc = json!({"a": true, "b": "TRUE", "c": "yes", "d": 1, "e": false, "n": {"x": true}});
        assert!(flag_at(&doc, &["a"]));
        assert!(flag_at(&doc, &["b"]));
        assert!(flag_at(&doc, &["n", "x"]));
        for path in [&["c"][..], &["d"], &["e"], &["missing"], &["n", "y"]] {
            assert!(!flag_at(&doc, path), "{path:?}");
        }
    }

    #[test]
    fn default_mapping_trusts_only_a_verified_email() {
        let p = default_profile(
            &json!({"sub": "1", "email": "a@x", "email_verified": true}),
            &TokenSet::default(),
        )
        .unwrap();
        assert!(p.email_verified);
        let p =
            default_profile(&json!({"sub": "1", "email": "a@x"}), &TokenSet::default()).unwrap();
        assert_eq!((p.email.as_deref(), p.email_verified), (Some("a@x"), false));
    }

    #[test]
    fn default_mapping_falls_back() {
        let p = default_profile(
            &json!({"id": 7, "preferred_username": "al", "email": "a@x"}),
            &TokenSet::default(),
        )
        .unwrap();
        assert_eq!(p.id, "7");
        assert_eq!(p.name.as_deref(), Some("al"));
        assert!(default_profile(&json!({"name": "x"}), &TokenSet::default()).is_err());
    }

    #[test]
    fn map_profile_reports_parse_errors() {
        let p = OAuth::oidc("x", "X").profile(|_, _| Err("boom".into()));
        let e = p
            .map_profile(&json!({"sub": "1"}), &TokenSet::default())
            .unwrap_err();
        assert_eq!(e.code, LogCode::OauthParseProfileError);
        let e = OAuth::oidc("x", "X")
            .map_profile(&json!([1]), &TokenSet::default())
            .unwrap_err();
        assert_eq!(e.code, LogCode::OauthParseProfileError);
    }
}
