//! keyway's model as BSON documents, laid out as Auth.js's MongoDB adapter
//! lays them out, and back.
//!
//! - `users`: `_id` (ObjectId), `name`, `email`, `emailVerified` (a date),
//!   `image`; a field without a value is stored as `null`, as Auth.js
//!   stores `emailVerified: null`.
//! - `accounts`: `_id`, `userId` (ObjectId), `type`, `provider`,
//!   `providerAccountId` and the OAuth token fields under their OAuth names
//!   (`access_token`, `refresh_token`, `expires_at` in seconds, `token_type`,
//!   `scope`, `id_token`, `session_state`); a token field without a value is
//!   left out.
//! - `sessions`: `_id`, `sessionToken`, `userId` (ObjectId), `expires` (a
//!   date).
//! - `verification_tokens`: `_id`, `identifier`, `token`, `expires` (a date).
//!
//! Reading is lenient where Auth.js itself may write differently: a missing
//! field and `null` both read as `None`, `expires_at` may be a 32- or 64-bit
//! integer or a whole double (JavaScript numbers), and `userId` may be an
//! ObjectId or its hex string.

use chrono::{DateTime, Utc};
use keyway_core::{
    Account, AccountType, AdapterError, AdapterResult, Session, SessionToken, User,
    VerificationToken,
};
use mongodb::bson::oid::ObjectId;
use mongodb::bson::{self, Bson, Document, doc};

use crate::error::bad_document;

/// Field names, as Auth.js writes them.
pub(crate) mod field {
    pub(crate) const ID: &str = "_id";
    pub(crate) const NAME: &str = "name";
    pub(crate) const EMAIL: &str = "email";
    pub(crate) const EMAIL_VERIFIED: &str = "emailVerified";
    pub(crate) const IMAGE: &str = "image";
    pub(crate) const USER_ID: &str = "userId";
    pub(crate) const TYPE: &str = "type";
    pub(crate) const PROVIDER: &str = "provider";
    pub(crate) const PROVIDER_ACCOUNT_ID: &str = "providerAccountId";
    pub(crate) const ACCESS_TOKEN: &str = "access_token";
    pub(crate) const REFRESH_TOKEN: &str = "refresh_token";
    pub(crate) const EXPIRES_AT: &str = "expires_at";
    pub(crate) const TOKEN_TYPE: &str = "token_type";
    pub(crate) const SCOPE: &str = "scope";
    pub(crate) const ID_TOKEN: &str = "id_token";
    pub(crate) const SESSION_STATE: &str = "session_state";
    pub(crate) const SESSION_TOKEN: &str = "sessionToken";
    pub(crate) const EXPIRES: &str = "expires";
    pub(crate) const IDENTIFIER: &str = "identifier";
    pub(crate) const TOKEN: &str = "token";
    pub(crate) const COUNT: &str = "count";
    pub(crate) const WINDOW_END: &str = "windowEnd";
}

/// An id given to keyway as an ObjectId, or `None` if it is not the 24 hex
/// digits of one (such an id names nothing in these collections).
pub(crate) fn object_id(id: &str) -> Option<ObjectId> {
    ObjectId::parse_str(id).ok()
}

/// A user id that is about to be stored in `userId`: it must be an
/// ObjectId's hex string.
pub(crate) fn user_object_id(id: &str) -> AdapterResult<ObjectId> {
    object_id(id)
        .ok_or_else(|| AdapterError::other("the user id is not a MongoDB ObjectId (24 hex digits)"))
}

/// A timestamp as a BSON date (milliseconds since the epoch).
pub(crate) fn date(t: DateTime<Utc>) -> Bson {
    Bson::DateTime(bson::DateTime::from_millis(t.timestamp_millis()))
}

/// An optional timestamp as a BSON date or `null`.
pub(crate) fn opt_date(t: Option<DateTime<Utc>>) -> Bson {
    t.map_or(Bson::Null, date)
}

/// An optional string, or `null`.
pub(crate) fn opt_string(s: &Option<String>) -> Bson {
    s.as_ref().map_or(Bson::Null, |s| Bson::String(s.clone()))
}

/// The document of a new user with id `id`.
pub(crate) fn user_document(id: ObjectId, user: &User) -> Document {
    doc! {
        field::ID: id,
        field::NAME: opt_string(&user.name),
        field::EMAIL: opt_string(&user.email),
        field::EMAIL_VERIFIED: opt_date(user.email_verified),
        field::IMAGE: opt_string(&user.image),
    }
}

/// The account's token fields: those with a value, and the names of those
/// without one.
pub(crate) fn account_tokens(account: &Account) -> (Document, Vec<&'static str>) {
    let strings = [
        (field::ACCESS_TOKEN, &account.access_token),
        (field::REFRESH_TOKEN, &account.refresh_token),
        (field::TOKEN_TYPE, &account.token_type),
        (field::SCOPE, &account.scope),
        (field::ID_TOKEN, &account.id_token),
        (field::SESSION_STATE, &account.session_state),
    ];
    let mut set = Document::new();
    let mut unset = Vec::new();
    for (name, value) in strings {
        match value {
            Some(v) => {
                set.insert(name, v.clone());
            }
            None => unset.push(name),
        }
    }
    match account.expires_at {
        Some(at) => {
            set.insert(field::EXPIRES_AT, at);
        }
        None => unset.push(field::EXPIRES_AT),
    }
    (set, unset)
}

/// The document of a newly linked account.
pub(crate) fn account_document(user_id: ObjectId, account: &Account) -> Document {
    let mut d = doc! {
        field::ID: ObjectId::new(),
        field::USER_ID: user_id,
        field::TYPE: account.kind.as_str(),
        field::PROVIDER: &account.provider,
        field::PROVIDER_ACCOUNT_ID: &account.provider_account_id,
    };
    d.extend(account_tokens(account).0);
    d
}

/// The document of a new session.
pub(crate) fn session_document(user_id: ObjectId, session: &Session) -> Document {
    doc! {
        field::ID: ObjectId::new(),
        field::SESSION_TOKEN: session.session_token.as_str(),
        field::USER_ID: user_id,
        field::EXPIRES: date(session.expires),
    }
}

/// The document of a new verification token.
pub(crate) fn token_document(token: &VerificationToken) -> Document {
    doc! {
        field::ID: ObjectId::new(),
        field::IDENTIFIER: &token.identifier,
        field::TOKEN: &token.token,
        field::EXPIRES: date(token.expires),
    }
}

/// Reads the fields of one document, naming its collection in errors.
pub(crate) struct Reader<'a> {
    collection: &'a str,
    doc: &'a Document,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(collection: &'a str, doc: &'a Document) -> Self {
        Self { collection, doc }
    }

    fn bad(&self, field: &str) -> AdapterError {
        bad_document(self.collection, field)
    }

    /// A field that may be missing or `null`.
    fn opt(&self, field: &str) -> Option<&'a Bson> {
        match self.doc.get(field) {
            None | Some(Bson::Null | Bson::Undefined) => None,
            Some(v) => Some(v),
        }
    }

    pub(crate) fn string(&self, field: &str) -> AdapterResult<String> {
        self.opt_string(field)?.ok_or_else(|| self.bad(field))
    }

    pub(crate) fn opt_string(&self, field: &str) -> AdapterResult<Option<String>> {
        match self.opt(field) {
            None => Ok(None),
            Some(Bson::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.bad(field)),
        }
    }

    pub(crate) fn date(&self, field: &str) -> AdapterResult<DateTime<Utc>> {
        self.opt_date(field)?.ok_or_else(|| self.bad(field))
    }

    pub(crate) fn opt_date(&self, field: &str) -> AdapterResult<Option<DateTime<Utc>>> {
        match self.opt(field) {
            None => Ok(None),
            Some(Bson::DateTime(d)) => DateTime::from_timestamp_millis(d.timestamp_millis())
                .map(Some)
                .ok_or_else(|| self.bad(field)),
            Some(_) => Err(self.bad(field)),
        }
    }

    /// An integer; JavaScript writes small numbers as 32-bit integers and
    /// others as doubles.
    pub(crate) fn opt_i64(&self, field: &str) -> AdapterResult<Option<i64>> {
        match self.opt(field) {
            None => Ok(None),
            Some(Bson::Int32(n)) => Ok(Some(i64::from(*n))),
            Some(Bson::Int64(n)) => Ok(Some(*n)),
            #[allow(clippy::cast_possible_truncation)]
            Some(Bson::Double(x)) if x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 => {
                Ok(Some(*x as i64))
            }
            Some(_) => Err(self.bad(field)),
        }
    }

    /// An ObjectId field, as its hex string (a hex string is taken as it
    /// is).
    pub(crate) fn id_hex(&self, field: &str) -> AdapterResult<String> {
        match self.opt(field) {
            Some(Bson::ObjectId(id)) => Ok(id.to_hex()),
            Some(Bson::String(s)) if object_id(s).is_some() => Ok(s.clone()),
            _ => Err(self.bad(field)),
        }
    }

    /// An ObjectId field, as an ObjectId.
    pub(crate) fn object_id(&self, field: &str) -> AdapterResult<ObjectId> {
        match self.opt(field) {
            Some(Bson::ObjectId(id)) => Ok(*id),
            Some(Bson::String(s)) => object_id(s).ok_or_else(|| self.bad(field)),
            _ => Err(self.bad(field)),
        }
    }
}

/// A user from its document.
pub(crate) fn user(collection: &str, doc: &Document) -> AdapterResult<User> {
    let r = Reader::new(collection, doc);
    Ok(User {
        id: r.id_hex(field::ID)?,
        name: r.opt_string(field::NAME)?,
        email: r.opt_string(field::EMAIL)?,
        email_verified: r.opt_date(field::EMAIL_VERIFIED)?,
        image: r.opt_string(field::IMAGE)?,
    })
}

/// An account from its document.
pub(crate) fn account(collection: &str, doc: &Document) -> AdapterResult<Account> {
    let r = Reader::new(collection, doc);
    let kind = r.string(field::TYPE)?;
    Ok(Account {
        user_id: r.id_hex(field::USER_ID)?,
        kind: AccountType::parse(&kind).ok_or_else(|| r.bad(field::TYPE))?,
        provider: r.string(field::PROVIDER)?,
        provider_account_id: r.string(field::PROVIDER_ACCOUNT_ID)?,
        access_token: r.opt_string(field::ACCESS_TOKEN)?,
        refresh_token: r.opt_string(field::REFRESH_TOKEN)?,
        expires_at: r.opt_i64(field::EXPIRES_AT)?,
        token_type: r.opt_string(field::TOKEN_TYPE)?,
        scope: r.opt_string(field::SCOPE)?,
        id_token: r.opt_string(field::ID_TOKEN)?,
        session_state: r.opt_string(field::SESSION_STATE)?,
    })
}

/// A session from its document.
pub(crate) fn session(collection: &str, doc: &Document) -> AdapterResult<Session> {
    let r = Reader::new(collection, doc);
    Ok(Session {
        session_token: SessionToken::new(r.string(field::SESSION_TOKEN)?),
        user_id: r.id_hex(field::USER_ID)?,
        expires: r.date(field::EXPIRES)?,
    })
}

/// A verification token from its document.
pub(crate) fn verification_token(
    collection: &str,
    doc: &Document,
) -> AdapterResult<VerificationToken> {
    let r = Reader::new(collection, doc);
    Ok(VerificationToken {
        identifier: r.string(field::IDENTIFIER)?,
        token: r.string(field::TOKEN)?,
        expires: r.date(field::EXPIRES)?,
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).single().expect("time")
    }

    #[test]
    fn a_user_round_trips_with_nulls_for_missing_values() {
        let id = ObjectId::new();
        let user = User {
            id: id.to_hex(),
            name: None,
            email: Some("ada@example.com".to_owned()),
            email_verified: Some(at(1_700_000_000)),
            image: Some(String::new()),
        };
        let d = user_document(id, &user);
        assert_eq!(d.get(field::ID), Some(&Bson::ObjectId(id)));
        assert_eq!(d.get(field::NAME), Some(&Bson::Null));
        assert!(matches!(
            d.get(field::EMAIL_VERIFIED),
            Some(Bson::DateTime(_))
        ));
        assert_eq!(self::user("users", &d).expect("read"), user);
    }

    #[test]
    fn an_account_leaves_out_tokens_without_values() {
        let user_id = ObjectId::new();
        let mut a = Account::new(user_id.to_hex(), AccountType::Oidc, "google", "42");
        a.access_token = Some("at".to_owned());
        a.expires_at = Some(1_700_000_000);
        let d = account_document(user_id, &a);
        assert_eq!(d.get(field::USER_ID), Some(&Bson::ObjectId(user_id)));
        assert_eq!(d.get_str(field::TYPE).ok(), Some("oidc"));
        assert!(d.get(field::REFRESH_TOKEN).is_none());
        assert_eq!(d.get(field::EXPIRES_AT), Some(&Bson::Int64(1_700_000_000)));
        assert_eq!(account("accounts", &d).expect("read"), a);
    }

    #[test]
    fn what_javascript_writes_reads_too() {
        let user_id = ObjectId::new();
        let d = doc! {
            "_id": ObjectId::new(),
            "userId": user_id.to_hex(),
            "type": "oauth",
            "provider": "github",
            "providerAccountId": "7",
            "expires_at": 1_700_000_000_i32,
            "refresh_token": Bson::Null,
        };
        let a = account("accounts", &d).expect("read");
        assert_eq!(a.user_id, user_id.to_hex());
        assert_eq!(a.expires_at, Some(1_700_000_000));
        assert_eq!(a.refresh_token, None);
        let d = doc! { "expires_at": 1.7e9 };
        assert_eq!(
            Reader::new("accounts", &d).opt_i64("expires_at").ok(),
            Some(Some(1_700_000_000))
        );
        let d = doc! { "expires_at": 1.5 };
        assert!(Reader::new("accounts", &d).opt_i64("expires_at").is_err());
    }

    #[test]
    fn a_wrongly_typed_field_is_an_error_naming_it() {
        let d = doc! { "_id": ObjectId::new(), "email": 7 };
        let e = user("users", &d).expect_err("bad email");
        assert!(e.message().contains("`email`"), "{e}");
        let d = doc! { "_id": "not-an-object-id" };
        assert!(user("users", &d).is_err());
    }

    #[test]
    fn ids_that_are_not_object_ids_name_nothing() {
        assert!(object_id("0123456789abcdef01234567").is_some());
        assert!(object_id("4f1c0d9e-0000-4000-8000-000000000001").is_none());
        assert!(object_id("0123456789abcdef0123456z").is_none());
        assert!(object_id("").is_none());
        assert!(user_object_id("nope").is_err());
    }

    #[test]
    fn dates_keep_milliseconds() {
        let t = at(1_700_000_000) + chrono::TimeDelta::milliseconds(123);
        let d = doc! { "expires": date(t) };
        assert_eq!(Reader::new("sessions", &d).date("expires").ok(), Some(t));
    }
}
