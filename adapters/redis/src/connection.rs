//! Opening a connection from a URL: one server (a connection manager that
//! reconnects by itself) or, with the `cluster` feature, a Redis Cluster.

use std::fmt;
use std::time::Duration;

use keyway_core::redact::redact_url;
use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, Pipeline, RedisFuture, Value};

use crate::RESPONSE_TIMEOUT;

/// How long opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why [`RedisStore::connect`](crate::RedisStore::connect) failed. The
/// message names the URL without its password and says what to change.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConnectError {
    /// The URL cannot be read, or its scheme is not one keyway-redis serves
    /// (or serves only with a feature that is off).
    InvalidUrl {
        /// The URL, password removed.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The server did not answer.
    Unreachable {
        /// The URL, password removed.
        url: String,
        /// The driver's error.
        source: redis::RedisError,
    },
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUrl { url, reason } => write!(f, "REDIS_URL {url}: {reason}"),
            Self::Unreachable { url, .. } => write!(
                f,
                "REDIS_URL {url}: the server did not answer (is Redis running there? \
                 Check the host, port, password and TLS)"
            ),
        }
    }
}

impl std::error::Error for ConnectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Unreachable { source, .. } => Some(source),
            Self::InvalidUrl { .. } => None,
        }
    }
}

/// How the store reaches Redis. Cheap to clone: every clone shares the
/// connection.
#[derive(Clone)]
pub(crate) enum Conn {
    Single(ConnectionManager),
    #[cfg(feature = "cluster")]
    Cluster(redis::cluster_async::ClusterConnection),
}

/// What a URL asks for.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    Single(String),
    /// Seed node URLs.
    Cluster(Vec<String>),
}

/// The query parameter that sets the key prefix (taken out of the URL
/// before the driver reads it).
pub(crate) const PREFIX_PARAM: &str = "key_prefix";

/// Takes the `key_prefix` parameter out of `url`: the URL without it, and
/// the prefix when it is there.
pub(crate) fn split_prefix(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_owned(), None);
    };
    let mut prefix = None;
    let kept: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .filter_map(|(k, v)| {
            if k == PREFIX_PARAM {
                prefix = Some(v.into_owned());
                None
            } else {
                Some((k.into_owned(), v.into_owned()))
            }
        })
        .collect();
    if prefix.is_none() {
        return (url.to_owned(), None);
    }
    if kept.is_empty() {
        return (base.to_owned(), prefix);
    }
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(kept)
        .finish();
    (format!("{base}?{query}"), prefix)
}

/// Reads a URL into a [`Target`].
fn target(url: &str) -> Result<Target, String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| "not a URL (use redis://host:6379)".to_owned())?;
    match scheme {
        "redis" | "redis+unix" | "unix" => Ok(Target::Single(url.to_owned())),
        "rediss" if cfg!(feature = "tls") => Ok(Target::Single(url.to_owned())),
        "rediss" => Err("rediss:// needs keyway-redis's `tls` feature".to_owned()),
        "redis+cluster" | "rediss+cluster" => {
            let node_scheme = scheme.trim_end_matches("+cluster");
            if node_scheme == "rediss" && !cfg!(feature = "tls") {
                return Err("rediss+cluster:// needs keyway-redis's `tls` feature".to_owned());
            }
            let (userinfo, hosts) = match rest.rsplit_once('@') {
                Some((userinfo, hosts)) => (format!("{userinfo}@"), hosts),
                None => (String::new(), rest),
            };
            let hosts = hosts.split(['/', '?']).next().unwrap_or_default();
            let nodes: Vec<String> = hosts
                .split(',')
                .filter(|h| !h.is_empty())
                .map(|h| format!("{node_scheme}://{userinfo}{h}"))
                .collect();
            if nodes.is_empty() {
                return Err(
                    "a cluster URL lists its nodes: redis+cluster://host1:port1,host2:port2"
                        .to_owned(),
                );
            }
            Ok(Target::Cluster(nodes))
        }
        other => Err(format!(
            "the scheme {other}:// is not Redis's (use redis://, rediss://, redis+unix:// or \
             redis+cluster://)"
        )),
    }
}

impl Conn {
    pub(crate) async fn open(url: &str) -> Result<Self, ConnectError> {
        let shown = redact_url(url);
        let invalid = |reason: String| ConnectError::InvalidUrl {
            url: shown.clone(),
            reason,
        };
        let unreachable = |source| ConnectError::Unreachable {
            url: shown.clone(),
            source,
        };
        match target(url).map_err(invalid)? {
            Target::Single(url) => {
                let client = redis::Client::open(url.as_str())
                    .map_err(|_| invalid("cannot be read as a Redis URL".to_owned()))?;
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(CONNECT_TIMEOUT))
                    .set_response_timeout(Some(RESPONSE_TIMEOUT))
                    .set_number_of_retries(2);
                let manager = client
                    .get_connection_manager_with_config(config)
                    .await
                    .map_err(unreachable)?;
                let mut conn = Conn::Single(manager);
                ping(&mut conn).await.map_err(unreachable)?;
                Ok(conn)
            }
            #[cfg(feature = "cluster")]
            Target::Cluster(nodes) => {
                let client = redis::cluster::ClusterClient::builder(nodes)
                    .connection_timeout(CONNECT_TIMEOUT)
                    .response_timeout(RESPONSE_TIMEOUT)
                    .build()
                    .map_err(|_| invalid("cannot be read as a Redis URL".to_owned()))?;
                let cluster = client.get_async_connection().await.map_err(unreachable)?;
                let mut conn = Conn::Cluster(cluster);
                ping(&mut conn).await.map_err(unreachable)?;
                Ok(conn)
            }
            #[cfg(not(feature = "cluster"))]
            Target::Cluster(_) => Err(invalid(
                "redis+cluster:// needs keyway-redis's `cluster` feature".to_owned(),
            )),
        }
    }

    pub(crate) fn mode(&self) -> &'static str {
        match self {
            Self::Single(_) => "single",
            #[cfg(feature = "cluster")]
            Self::Cluster(_) => "cluster",
        }
    }
}

async fn ping(conn: &mut Conn) -> redis::RedisResult<()> {
    let _: String = redis::cmd("PING").query_async(conn).await?;
    Ok(())
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Single(c) => c.req_packed_command(cmd),
            #[cfg(feature = "cluster")]
            Self::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Single(c) => c.req_packed_commands(pipeline, offset, count),
            #[cfg(feature = "cluster")]
            Self::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Single(c) => c.get_db(),
            #[cfg(feature = "cluster")]
            Self::Cluster(c) => c.get_db(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_server_urls_pass_through() {
        for url in [
            "redis://127.0.0.1:6379/7",
            "redis://:pw@host/0",
            "redis+unix:///run/redis.sock",
        ] {
            assert_eq!(target(url), Ok(Target::Single(url.to_owned())));
        }
    }

    #[test]
    fn cluster_urls_list_their_seed_nodes_with_the_credentials() {
        assert_eq!(
            target("redis+cluster://u:pw@a:7000,b:7001/"),
            Ok(Target::Cluster(vec![
                "redis://u:pw@a:7000".to_owned(),
                "redis://u:pw@b:7001".to_owned()
            ]))
        );
        let tls = target("rediss+cluster://a:7000");
        if cfg!(feature = "tls") {
            assert_eq!(tls, Ok(Target::Cluster(vec!["rediss://a:7000".to_owned()])));
        } else {
            assert!(tls.is_err());
        }
        assert!(target("redis+cluster://").is_err());
    }

    #[test]
    fn the_key_prefix_is_taken_out_of_the_url() {
        assert_eq!(
            split_prefix("redis://h/9?key_prefix=app%3A"),
            ("redis://h/9".to_owned(), Some("app:".to_owned()))
        );
        assert_eq!(
            split_prefix("redis://h/9?protocol=resp3&key_prefix=a:&x=1"),
            (
                "redis://h/9?protocol=resp3&x=1".to_owned(),
                Some("a:".to_owned())
            )
        );
        assert_eq!(
            split_prefix("redis://h/9?protocol=resp3"),
            ("redis://h/9?protocol=resp3".to_owned(), None)
        );
        assert_eq!(split_prefix("redis://h"), ("redis://h".to_owned(), None));
    }

    #[test]
    fn other_schemes_are_refused_with_the_ones_that_work() {
        let e = target("postgres://localhost/db").expect_err("not redis");
        assert!(e.contains("redis://"), "{e}");
        assert!(target("localhost:6379").is_err());
    }
}
