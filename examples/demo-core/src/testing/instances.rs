//! Three instances of the demo behind one PostgreSQL database (a schema of
//! their own), with and without one Redis: a session made on the first
//! reads on the second, signed out on the third it is gone on all three,
//! and the email send limit (five messages per address per hour) holds
//! across them — the sixth message is refused wherever it is asked for.
//! Then a user signed in through the local OpenID provider, whose access
//! token has expired, asks the three for it at once (`GET /api/token`): the
//! provider sees one refresh request, and all three hand out the new token.
//!
//! The instances share `AUTH_SECRET` and `AUTH_URL`, as instances behind a
//! load balancer do; the client carries its cookies from one to the next
//! (no sticky sessions).
//!
//! Redis is `KEYWAY_TEST_REDIS_URL` (default database 9 of
//! `redis://127.0.0.1:6379`), under a key prefix of the run's own that is
//! deleted afterwards.

use http::StatusCode;
use keyway::store::redis::RedisStore;

use super::binary::{Client, Demo};
use super::databases::postgres;
use super::{DemoBinary, OIDC_PORT};
use crate::OIDC_ID;

const SECRET: &str = "three-instances-share-this-secret-0123456789";

/// The local OpenID provider of `cargo xtask services`.
const OIDC_ISSUER: &str = "http://127.0.0.1:4700";

/// Deletes the run's Redis keys on drop (a failing run too).
struct RedisKeys(String);

impl Drop for RedisKeys {
    fn drop(&mut self) {
        let url = self.0.clone();
        // A runtime of its own: drop may run on the test's runtime thread.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(store) = RedisStore::connect(&url).await {
                    let _ = store.clear().await;
                }
            });
        })
        .join();
    }
}

/// The run's Redis URL (with its key prefix), or `None` after a notice
/// when no Redis answers.
async fn redis(test: &str) -> Option<(String, RedisKeys)> {
    let base = std::env::var("KEYWAY_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379/9".to_owned());
    let url = format!(
        "{base}?key_prefix=keyway-instances-{}:",
        keyway::random::hex(6)
    );
    match RedisStore::connect(&url).await {
        Ok(_) => Some((url.clone(), RedisKeys(url))),
        Err(e) => super::unavailable(
            test,
            &format!("no Redis at {base} ({e}); `cargo xtask services` starts it"),
        ),
    }
}

async fn session_email(c: &mut Client) -> Option<String> {
    let r = c.get_as("/api/auth/session", "application/json").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    json["user"]["email"].as_str().map(str::to_owned)
}

async fn three_instances(bin: DemoBinary, test: &str, with_redis: bool) {
    let Some(db) = postgres(test).await else {
        return;
    };
    let redis = if with_redis {
        let Some(redis) = redis(test).await else {
            return;
        };
        Some(redis)
    } else {
        None
    };
    if !super::openid_provider_up(test) {
        return;
    }
    let mut env = vec![
        ("DATABASE_URL", db.url.as_str()),
        ("AUTH_SECRET", SECRET),
        ("SESSION_STRATEGY", "database"),
        ("AUTH_OIDC_ISSUER", OIDC_ISSUER),
        ("AUTH_OIDC_ID", "keyway-basic"),
        ("AUTH_OIDC_SECRET", "keyway-basic-secret"),
    ];
    if let Some((url, _)) = &redis {
        env.push(("REDIS_URL", url.as_str()));
    }
    let first = Demo::start(bin, &env).await;
    let site = first.site();
    env.push(("AUTH_URL", site.as_str()));
    let second = Demo::start(bin, &env).await;
    let third = Demo::start(bin, &env).await;
    for demo in [&first, &second, &third] {
        let expected = if with_redis {
            "redis        redis://127.0.0.1"
        } else {
            "redis        off"
        };
        assert!(demo.banner.contains(expected), "{}", demo.banner);
    }

    // Signed in on the first ...
    let mut on_first = Client::new(first.port);
    let csrf = on_first.csrf().await;
    let r = on_first
        .post(
            "/api/auth/callback/credentials",
            format!("csrfToken={csrf}&username=alice&password=wonderland"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert!(on_first.cookie("authjs.session-token").is_some());
    // The session is where the banner says: in Redis when it is set, else
    // in the database.
    let token = keyway::SessionToken::new(on_first.cookie("authjs.session-token").unwrap());
    let options = keyway::adapter::ConnectOptions {
        adapter: Some(crate::DEFAULT_SQL_ADAPTER),
        ..Default::default()
    };
    let database = keyway::adapter::connect_with(&db.url, options)
        .await
        .unwrap();
    let in_database = database.get_session_and_user(&token).await.unwrap();
    match &redis {
        Some((url, _)) => {
            use keyway::Store as _;
            let store = RedisStore::connect(url).await.unwrap();
            assert!(store.get_session(&token).await.unwrap().is_some());
            assert!(in_database.is_none(), "a database session row beside Redis");
        }
        None => assert!(in_database.is_some()),
    }
    // ... read on the second ...
    let mut on_second = on_first.on(second.port);
    assert_eq!(
        session_email(&mut on_second).await.as_deref(),
        Some("alice@example.com")
    );
    // ... signed out on the third ...
    let mut on_third = on_first.on(third.port);
    let csrf = on_third.csrf().await;
    let r = on_third
        .post("/api/auth/signout", format!("csrfToken={csrf}"))
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert!(on_third.cookie("authjs.session-token").is_none());
    // ... and gone everywhere, even for a client that kept the cookie.
    for port in [first.port, second.port, third.port] {
        let mut stale = on_first.on(port);
        assert_eq!(session_email(&mut stale).await, None, "port {port}");
    }

    // Five messages to one address, sent from the three instances in turn;
    // the sixth is refused wherever it is asked for.
    let address = format!("limit-{}@example.com", keyway::random::hex(6));
    let email: String = url::form_urlencoded::byte_serialize(address.as_bytes()).collect();
    let ports = [first.port, second.port, third.port];
    for n in 0..5 {
        let location = ask_for_a_link(ports[n % 3], &email).await;
        assert!(
            location.contains("/api/auth/verify-request"),
            "message {}: {location}",
            n + 1,
        );
    }
    for port in ports {
        let location = ask_for_a_link(port, &email).await;
        assert!(
            location.contains("error=EmailSignin"),
            "a sixth message from port {port}: {location}"
        );
    }

    // One refresh of an expired access token across the three. The two
    // tests sign in different provider accounts, so that each counts only
    // its own refreshes.
    let account = if with_redis { "carol" } else { "bob" };
    let mut user = oidc_sign_in(first.port, account).await;
    let mut linked = None;
    if let Some(found) = database
        .get_user_by_account(OIDC_ID, account)
        .await
        .unwrap()
    {
        linked = database
            .get_accounts_of_user(&found.id)
            .await
            .unwrap()
            .and_then(|all| all.into_iter().find(|a| a.provider == OIDC_ID));
    }
    let mut linked = linked.expect("the OpenID account is linked");
    assert!(linked.refresh_token.is_some(), "no refresh token stored");
    let before = token_fingerprint(&mut user).await;
    linked.expires_at = Some(unix_now() - 600);
    assert!(database.update_account(linked).await.unwrap().is_some());
    let refreshes = refresh_count(account).await;
    let asks = (0..6).map(|i| {
        let mut c = user.on(ports[i % 3]);
        tokio::spawn(async move { token_fingerprint(&mut c).await })
    });
    let mut fingerprints = Vec::new();
    for ask in asks.collect::<Vec<_>>() {
        fingerprints.push(ask.await.unwrap());
    }
    assert_eq!(
        refresh_count(account).await - refreshes,
        1,
        "refresh requests the provider saw for six concurrent asks on three instances"
    );
    assert_ne!(fingerprints[0], before, "the expired token was handed out");
    assert!(
        fingerprints.iter().all(|f| *f == fingerprints[0]),
        "the instances disagree on the new token: {fingerprints:?}"
    );
    // The new token is stored: asked again, nobody refreshes.
    for port in ports {
        assert_eq!(token_fingerprint(&mut user.on(port)).await, fingerprints[0]);
    }
    assert_eq!(refresh_count(account).await - refreshes, 1);

    for demo in [first, second, third] {
        demo.stop().await;
    }
    drop(redis);
}

/// Asks the demo on `port` to send a sign-in link to `email` (form
/// encoded); returns where it redirects.
async fn ask_for_a_link(port: u16, email: &str) -> String {
    let mut c = Client::new(port);
    let csrf = c.csrf().await;
    let r = c
        .post(
            "/api/auth/signin/email",
            format!("csrfToken={csrf}&email={email}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    r.location
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Signs `account` in on the demo at `port` through the local OpenID
/// provider (which logs the `login_hint` account in without a form).
async fn oidc_sign_in(port: u16, account: &str) -> Client {
    let mut c = Client::new(port);
    let csrf = c.csrf().await;
    let r = c
        .post(
            &format!("/api/auth/signin/{OIDC_ID}?login_hint={account}"),
            format!("csrfToken={csrf}&callbackUrl=%2F"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    // The provider's own redirects (authorization, interaction, consent),
    // with a cookie jar of its own, until it sends the browser back.
    let mut idp = Client::new(OIDC_PORT);
    let mut next = r.location;
    for _ in 0..12 {
        let path = match next.strip_prefix(OIDC_ISSUER) {
            Some(path) => path.to_owned(),
            None if next.starts_with('/') => next.clone(),
            None => break,
        };
        let r = idp.get(&path).await;
        assert!(r.status.is_redirection(), "{path}: {} {}", r.status, r.body);
        next = r.location;
    }
    let back = next
        .strip_prefix(&format!("http://127.0.0.1:{port}"))
        .unwrap_or_else(|| panic!("the provider did not send the browser back: {next}"))
        .to_owned();
    let r = c.get(&back).await;
    assert_eq!(r.status, StatusCode::FOUND, "{back}: {}", r.body);
    assert!(
        !r.location.contains("error="),
        "the callback failed: {}",
        r.location
    );
    assert!(c.cookie("authjs.session-token").is_some(), "not signed in");
    c
}

/// `GET /api/token` as an API client: the fingerprint of the access token.
async fn token_fingerprint(c: &mut Client) -> String {
    let r = c.get_as("/api/token", "application/json").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(json["provider"], OIDC_ID, "{json}");
    json["fingerprint"].as_str().unwrap().to_owned()
}

/// The refresh grants the provider has seen for `account`.
async fn refresh_count(account: &str) -> i64 {
    let r = Client::new(OIDC_PORT)
        .get_as(&format!("/test/refreshes/{account}"), "application/json")
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "the OpenID provider does not count refreshes (an older provider.mjs? \
         `cargo xtask services` restarts it): {}",
        r.body
    );
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    json["refreshes"].as_i64().unwrap()
}

pub async fn three_instances_share_one_postgresql_database(bin: DemoBinary) {
    three_instances(bin, "three_instances_share_one_postgresql_database", false).await;
}

pub async fn three_instances_share_postgresql_and_redis(bin: DemoBinary) {
    three_instances(bin, "three_instances_share_postgresql_and_redis", true).await;
}
