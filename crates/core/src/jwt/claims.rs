//! The registered claims the codec owns: stamping `iat`/`exp`/`jti` on
//! encode, checking `exp`/`nbf` on decode (15 s clock tolerance, like
//! Auth.js).

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{CLOCK_TOLERANCE_SECS, Claims, JwtError};

/// Sets `iat` = now, `exp` = now + `max_age_secs` and `jti` = the UUID v4
/// made of `random` (16 fresh random bytes), overwriting any previous values
/// and keeping every other claim.
pub(super) fn stamp(
    claims: &mut Claims,
    max_age_secs: i64,
    now: DateTime<Utc>,
    random: [u8; 16],
) -> Result<(), JwtError> {
    let iat = now.timestamp();
    let exp = iat
        .checked_add(max_age_secs)
        .ok_or(JwtError::Encoding("max age out of range"))?;
    claims.insert("iat".into(), Value::from(iat));
    claims.insert("exp".into(), Value::from(exp));
    let jti = uuid::Builder::from_random_bytes(random)
        .into_uuid()
        .hyphenated()
        .to_string();
    claims.insert("jti".into(), Value::from(jti));
    Ok(())
}

/// Parses a payload that must be a JSON object.
pub(super) fn parse(payload: &[u8]) -> Result<Claims, JwtError> {
    match serde_json::from_slice::<Value>(payload) {
        Ok(Value::Object(claims)) => Ok(claims),
        Ok(_) => Err(JwtError::InvalidClaims("payload is not a JSON object")),
        Err(_) => Err(JwtError::Malformed("payload is not JSON")),
    }
}

/// Checks the time claims against `now`.
///
/// `exp` is required (every token keyway or Auth.js mints has one) and
/// fails once `exp <= now - 15`; `nbf`, when present, fails while
/// `nbf > now + 15`; `iat`, when present, must be a number.
pub(super) fn check_times(claims: &Claims, now: DateTime<Utc>) -> Result<(), JwtError> {
    check_exp(number(claims, "exp", "`exp` must be a number")?, now)?;
    check_nbf(number(claims, "nbf", "`nbf` must be a number")?, now)?;
    number(claims, "iat", "`iat` must be a number")?;
    Ok(())
}

/// `exp` is required and fails once it is more than
/// [`CLOCK_TOLERANCE_SECS`] before `now`. Shared by the claim map and the
/// session read's lean parse.
pub(super) fn check_exp(exp: Option<f64>, now: DateTime<Utc>) -> Result<(), JwtError> {
    let exp = exp.ok_or(JwtError::InvalidClaims("`exp` is missing"))?;
    if exp <= now.timestamp() as f64 - CLOCK_TOLERANCE_SECS as f64 {
        return Err(JwtError::Expired);
    }
    Ok(())
}

/// `nbf`, when present, fails while it is more than
/// [`CLOCK_TOLERANCE_SECS`] after `now`.
pub(super) fn check_nbf(nbf: Option<f64>, now: DateTime<Utc>) -> Result<(), JwtError> {
    if nbf.is_some_and(|nbf| nbf > now.timestamp() as f64 + CLOCK_TOLERANCE_SECS as f64) {
        return Err(JwtError::NotYetValid);
    }
    Ok(())
}

fn number(claims: &Claims, name: &str, wrong_type: &'static str) -> Result<Option<f64>, JwtError> {
    match claims.get(name) {
        None => Ok(None),
        Some(value) => value
            .as_f64()
            .map(Some)
            .ok_or(JwtError::InvalidClaims(wrong_type)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).unwrap()
    }

    fn claims(v: Value) -> Claims {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn stamp_overwrites_and_keeps() {
        let mut c = claims(json!({"sub": "1", "iat": 5, "exp": 6, "jti": "old"}));
        stamp(&mut c, 100, at(1_000), crate::random::bytes()).unwrap();
        assert_eq!(c["sub"], "1");
        assert_eq!(c["iat"], 1_000);
        assert_eq!(c["exp"], 1_100);
        assert_ne!(c["jti"], "old");
        assert_eq!(c["jti"].as_str().unwrap().len(), 36);
        assert!(stamp(&mut c, i64::MAX, at(1_000), crate::random::bytes()).is_err());
        // The jti is a UUID v4 of the given bytes.
        stamp(&mut c, 100, at(1_000), [0xab; 16]).unwrap();
        assert_eq!(c["jti"], "abababab-abab-4bab-abab-abababababab");
    }

    #[test]
    fn expiry_uses_a_15_second_tolerance() {
        let c = claims(json!({"exp": 1_000}));
        assert_eq!(check_times(&c, at(1_014)), Ok(()));
        assert_eq!(check_times(&c, at(1_015)), Err(JwtError::Expired));
    }

    #[test]
    fn not_before_uses_a_15_second_tolerance() {
        let c = claims(json!({"exp": 5_000, "nbf": 1_000}));
        assert_eq!(check_times(&c, at(985)), Ok(()));
        assert_eq!(check_times(&c, at(984)), Err(JwtError::NotYetValid));
    }

    #[test]
    fn time_claims_must_be_numbers_and_exp_present() {
        for bad in [
            json!({}),
            json!({"exp": "1000"}),
            json!({"exp": 5_000, "nbf": null}),
            json!({"exp": 5_000, "iat": "now"}),
        ] {
            assert!(matches!(
                check_times(&claims(bad), at(1_000)),
                Err(JwtError::InvalidClaims(_))
            ));
        }
    }

    #[test]
    fn payload_must_be_an_object() {
        assert!(parse(br#"{"a":1}"#).is_ok());
        assert!(matches!(parse(b"[1]"), Err(JwtError::InvalidClaims(_))));
        assert!(matches!(parse(b"{"), Err(JwtError::Malformed(_))));
    }
}
