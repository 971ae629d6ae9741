//! The claims a plain session read uses, read straight from the token's
//! payload without building the whole claim map.
//!
//! A session read with the default callbacks needs seven claims: the user's
//! `name`, `email`, `picture` and `sub`, and `iat`, `exp` and `auth_time`
//! (plus `nbf` for the time check). Parsing the payload into a
//! [`Claims`](super::Claims) map allocates every key and value and hashes
//! every key; this reads the seven in one pass over the JSON, skips every
//! other value without allocating, and reads them exactly as the map would
//! be read: a duplicated name keeps its last value, a string claim of
//! another type counts as absent, numbers are JSON numbers of any kind.
//!
//! Anything this reader refuses goes through the map parser again, so the
//! error a bad payload reports is the map parser's.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{Number, Value};

use super::{Claims, JwtError};

/// The claims of a session token that a session read uses.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct SessionClaims {
    /// `name`, when a string.
    pub name: Option<String>,
    /// `email`, when a string.
    pub email: Option<String>,
    /// `picture`, when a string.
    pub picture: Option<String>,
    /// `sub`, when a string.
    pub sub: Option<String>,
    iat: Option<Number>,
    exp: Option<Number>,
    nbf: Option<Number>,
    auth_time: Option<Number>,
}

/// One claim's value, as far as a session read cares.
enum Field {
    Str(String),
    Num(Number),
    Other,
}

impl SessionClaims {
    /// Parses a payload, which must be a JSON object; `None` for anything
    /// else (the caller asks the map parser, for its error). The flag says
    /// whether every time claim present is a number.
    fn parse(payload: &[u8]) -> Option<(Self, bool)> {
        let mut de = serde_json::Deserializer::from_slice(payload);
        let claims = de.deserialize_map(ClaimsVisitor).ok()?;
        de.end().ok()?;
        Some(claims)
    }

    /// The same claims, read from a whole claim map.
    pub(crate) fn from_claims(claims: &Claims) -> Self {
        let string = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
        let number = |name: &str| match claims.get(name) {
            Some(Value::Number(n)) => Some(n.clone()),
            _ => None,
        };
        Self {
            name: string("name"),
            email: string("email"),
            picture: string("picture"),
            sub: string("sub"),
            iat: number("iat"),
            exp: number("exp"),
            nbf: number("nbf"),
            auth_time: number("auth_time"),
        }
    }

    /// `iat` of a whole claim map, in whole seconds (a fraction is cut).
    pub(crate) fn issued_at_of(claims: &Claims) -> Option<i64> {
        match claims.get("iat") {
            Some(Value::Number(n)) => seconds(Some(n)),
            _ => None,
        }
    }

    /// `iat`, in whole seconds (a fraction is cut).
    pub(crate) fn issued_at(&self) -> Option<i64> {
        seconds(self.iat.as_ref())
    }

    /// `exp`, in whole seconds (a fraction is cut).
    pub(crate) fn expires_at(&self) -> Option<i64> {
        seconds(self.exp.as_ref())
    }

    /// `auth_time`, when it is an integer.
    pub(crate) fn auth_time(&self) -> Option<i64> {
        self.auth_time.as_ref().and_then(Number::as_i64)
    }

    /// The time checks of [`JwtCodec::decode`](super::JwtCodec::decode),
    /// `exp` required, for claims whose time claims are all numbers (the
    /// map parser checks any other).
    pub(super) fn check_times(&self, now: DateTime<Utc>) -> Result<(), JwtError> {
        super::claims::check_exp(self.exp.as_ref().and_then(Number::as_f64), now)?;
        super::claims::check_nbf(self.nbf.as_ref().and_then(Number::as_f64), now)
    }

    /// Parses `payload` and checks its times; anything unusual (not an
    /// object, a time claim that is not a number) is left to the map parser
    /// and its checks, so that errors are exactly [`JwtCodec::decode`]'s.
    ///
    /// [`JwtCodec::decode`]: super::JwtCodec::decode
    pub(super) fn parse_checked(payload: &[u8], now: DateTime<Utc>) -> Result<Self, JwtError> {
        match Self::parse(payload) {
            Some((claims, true)) => {
                claims.check_times(now)?;
                Ok(claims)
            }
            _ => {
                let claims = super::claims::parse(payload)?;
                super::claims::check_times(&claims, now)?;
                Ok(Self::from_claims(&claims))
            }
        }
    }
}

fn seconds(n: Option<&Number>) -> Option<i64> {
    let n = n?;
    n.as_i64().or_else(|| n.as_f64().map(|f| f as i64))
}

/// Reads the object; the flag says whether every time claim present was a
/// number (else the map parser's checks decide).
struct ClaimsVisitor;

impl<'de> Visitor<'de> for ClaimsVisitor {
    type Value = (SessionClaims, bool);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of claims")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut c = SessionClaims::default();
        let mut times_are_numbers = true;
        while let Some(name) = map.next_key::<Claim>()? {
            if name == Claim::Other {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let field = map.next_value::<Field>()?;
            let text = |field: Field| match field {
                Field::Str(v) => Some(v),
                _ => None,
            };
            let mut time = |field: Field| match field {
                Field::Num(v) => Some(v),
                _ => {
                    times_are_numbers = false;
                    None
                }
            };
            match name {
                Claim::Name => c.name = text(field),
                Claim::Email => c.email = text(field),
                Claim::Picture => c.picture = text(field),
                Claim::Sub => c.sub = text(field),
                Claim::Iat => c.iat = time(field),
                Claim::Exp => c.exp = time(field),
                Claim::Nbf => c.nbf = time(field),
                Claim::AuthTime => {
                    c.auth_time = match field {
                        Field::Num(v) => Some(v),
                        _ => None,
                    }
                }
                Claim::Other => {}
            }
        }
        Ok((c, times_are_numbers))
    }
}

/// A claim's name: one of those read, or any other.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Claim {
    Name,
    Email,
    Picture,
    Sub,
    Iat,
    Exp,
    Nbf,
    AuthTime,
    Other,
}

impl<'de> de::Deserialize<'de> for Claim {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(ClaimNameVisitor)
    }
}

struct ClaimNameVisitor;

impl<'de> Visitor<'de> for ClaimNameVisitor {
    type Value = Claim;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a claim name")
    }

    // Borrowed or unescaped into a scratch buffer: no allocation either way.
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Claim, E> {
        Ok(match v {
            "name" => Claim::Name,
            "email" => Claim::Email,
            "picture" => Claim::Picture,
            "sub" => Claim::Sub,
            "iat" => Claim::Iat,
            "exp" => Claim::Exp,
            "nbf" => Claim::Nbf,
            "auth_time" => Claim::AuthTime,
            _ => Claim::Other,
        })
    }
}

impl<'de> de::Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FieldVisitor)
    }
}

struct FieldVisitor;

impl<'de> Visitor<'de> for FieldVisitor {
    type Value = Field;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
        Ok(Field::Str(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Field, E> {
        Ok(Field::Str(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Field, E> {
        Ok(Field::Num(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Field, E> {
        Ok(Field::Num(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Field, E> {
        Ok(Number::from_f64(v).map_or(Field::Other, Field::Num))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Field, E> {
        Ok(Field::Other)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Field, E> {
        Ok(Field::Other)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Field, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Field::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Field, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Field::Other)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::strategy::Strategy;

    fn now() -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000, 0).unwrap()
    }

    /// What the map parser and its checks make of `payload`.
    fn by_map(payload: &str) -> Result<SessionClaims, String> {
        super::super::claims::parse(payload.as_bytes())
            .and_then(|c| super::super::claims::check_times(&c, now()).map(|()| c))
            .map(|c| SessionClaims::from_claims(&c))
            .map_err(|e| format!("{e:?}"))
    }

    fn lean(payload: &str) -> Result<SessionClaims, String> {
        SessionClaims::parse_checked(payload.as_bytes(), now()).map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn reads_what_the_claim_map_reads() {
        let payloads = [
            // A token as Auth.js v5 writes it.
            r#"{"name":"Ada","email":"ada@example.com","picture":"https://example.com/a.png","sub":"1","auth_time":1699990000,"iat":1699999000,"exp":1702592000,"jti":"8e0c3f0e-6a4f-4a7e-9d0c-1b2a3c4d5e6f"}"#,
            // Escapes in values and names; other claims of every type.
            r#"{"na\u006de":"A\"da \u00e9","roles":["a",{"b":[1,2]}],"n":null,"t":true,"exp":1702592000,"sub":"\u0031"}"#,
            // A duplicated claim keeps its last value, whatever the types.
            r#"{"sub":"1","sub":"2","email":7,"email":"e@x","exp":1,"exp":1702592000}"#,
            // String claims of other types count as absent.
            r#"{"name":5,"email":null,"picture":{"url":"x"},"sub":["1"],"exp":1702592000}"#,
            // Fractional and large numbers.
            r#"{"iat":1699999000.75,"exp":1702592000.5,"auth_time":1.5,"sub":"x"}"#,
            r#"{"iat":18446744073709551615,"exp":1e300,"auth_time":-3}"#,
            // Time claims of the wrong type, missing, expired, not yet valid.
            r#"{"exp":"1702592000"}"#,
            r#"{"iat":"now","exp":1702592000}"#,
            r#"{"nbf":"soon","exp":1702592000}"#,
            r#"{"exp":1702592000,"exp":"later"}"#,
            r#"{"sub":"1"}"#,
            r#"{"exp":1699999980}"#,
            r#"{"exp":1699999990}"#,
            r#"{"exp":1702592000,"nbf":1700000016}"#,
            r#"{"exp":1702592000,"nbf":1700000015}"#,
            // Not an object, not JSON, trailing bytes.
            r#"["exp",1702592000]"#,
            r#""exp""#,
            r#"{"exp":1702592000"#,
            r#"{"exp":1702592000} x"#,
            "",
        ];
        for payload in payloads {
            assert_eq!(lean(payload), by_map(payload), "payload {payload}");
        }
    }

    proptest::proptest! {
        /// Objects of the claims read (and others), duplicated names
        /// included, each value of any JSON type: the lean parse and the
        /// map parser agree on every one.
        #[test]
        fn agrees_with_the_claim_map_on_any_object(
            members in proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "name", "email", "picture", "sub", "iat", "exp", "nbf",
                        "auth_time", "jti", "na\\u006de", "x",
                    ]),
                    proptest::prop_oneof![
                        "[a-z\\\\\"é]{0,6}".prop_map(|s| format!("{s:?}")),
                        (1_699_999_900i64..1_700_000_100).prop_map(|n| n.to_string()),
                        proptest::num::i64::ANY.prop_map(|n| n.to_string()),
                        proptest::num::f64::NORMAL.prop_map(|f| format!("{f:e}")),
                        proptest::strategy::Just("1702592000.5".to_owned()),
                        proptest::strategy::Just("null".to_owned()),
                        proptest::strategy::Just("true".to_owned()),
                        proptest::strategy::Just(r#"[1,{"exp":"x"}]"#.to_owned()),
                        proptest::strategy::Just(r#"{"sub":1}"#.to_owned()),
                    ],
                ),
                0..10,
            )
        ) {
            let body: Vec<String> = members
                .iter()
                .map(|(name, value)| format!("\"{name}\":{value}"))
                .collect();
            let payload = format!("{{{}}}", body.join(","));
            proptest::prop_assert_eq!(lean(&payload), by_map(&payload), "payload {}", payload);
        }
    }

    #[test]
    fn reads_the_session_claims() {
        let c = lean(r#"{"name":"Ada","email":"a@x","picture":"p","sub":"1","auth_time":5,"iat":1699999000,"exp":1702592000}"#)
            .unwrap();
        assert_eq!(c.name.as_deref(), Some("Ada"));
        assert_eq!(c.email.as_deref(), Some("a@x"));
        assert_eq!(c.picture.as_deref(), Some("p"));
        assert_eq!(c.sub.as_deref(), Some("1"));
        assert_eq!(c.auth_time(), Some(5));
        assert_eq!(c.issued_at(), Some(1_699_999_000));
        assert_eq!(c.expires_at(), Some(1_702_592_000));
        let fractional = lean(r#"{"iat":10.9,"exp":1702592000.9,"auth_time":1.5}"#).unwrap();
        assert_eq!(fractional.issued_at(), Some(10));
        assert_eq!(fractional.expires_at(), Some(1_702_592_000));
        assert_eq!(fractional.auth_time(), None);
    }

    #[test]
    fn the_lean_parse_refuses_what_it_cannot_decide() {
        // Left to the map parser: wrong time types and anything not an object.
        assert!(matches!(
            SessionClaims::parse(br#"{"iat":"x","exp":1}"#),
            Some((_, false))
        ));
        assert!(SessionClaims::parse(b"[1]").is_none());
        assert!(SessionClaims::parse(br#"{"exp":1} {}"#).is_none());
        assert!(matches!(
            SessionClaims::parse(br#"{"auth_time":"x","exp":1}"#),
            Some((_, true))
        ));
    }
}
