//! Connections to the store: one URL or several (comma-separated), a single
//! server or a Cluster (found out by asking the first node), opened lazily
//! and reopened by themselves.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
use redis::{Client, ConnectionInfo, IntoConnectionInfo};

use super::StoreError;

/// Where the store is: the seed nodes of a `redis://` / `rediss://` URL
/// list. The password and ACL user come from the URL
/// (`redis://user:password@host:port/db`).
#[derive(Clone, Debug)]
pub struct Target {
    pub(crate) nodes: Vec<ConnectionInfo>,
    pub(crate) text: String,
}

impl Target {
    /// Parses `redis://…` or `rediss://…`, or several separated by commas
    /// (seed nodes of a Cluster). Nothing is opened.
    pub fn parse(url: &str) -> Result<Target, StoreError> {
        let mut nodes = Vec::new();
        for part in url.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if !(part.starts_with("redis://") || part.starts_with("rediss://")) {
                return Err(StoreError::Url(format!(
                    "`{part}`: expected redis://HOST:PORT or rediss://HOST:PORT"
                )));
            }
            let info = part
                .into_connection_info()
                .map_err(|e| StoreError::Url(format!("`{part}`: {e}")))?;
            nodes.push(info);
        }
        if nodes.is_empty() {
            return Err(StoreError::Url("an empty store URL".into()));
        }
        Ok(Target {
            nodes,
            text: redact(url),
        })
    }

    /// Whether a string names a store rather than a directory.
    pub fn is_url(s: &str) -> bool {
        s.starts_with("redis://") || s.starts_with("rediss://")
    }

    /// The URL with any password replaced by `***`, for logs and errors.
    pub fn display(&self) -> &str {
        &self.text
    }
}

/// `redis://user:secret@host` → `redis://user:***@host`.
fn redact(url: &str) -> String {
    url.split(',')
        .map(|part| {
            let Some((scheme, rest)) = part.split_once("://") else {
                return part.to_string();
            };
            match rest.split_once('@') {
                Some((cred, host)) => match cred.split_once(':') {
                    Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
                    None => format!("{scheme}://***@{host}"),
                },
                None => part.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// An open connection: commands from many tasks share it (pipelined).
#[derive(Clone)]
pub(crate) enum Conn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl redis::aio::ConnectionLike for Conn {
    fn req_packed_command<'a>(
        &'a mut self,
        cmd: &'a redis::Cmd,
    ) -> redis::RedisFuture<'a, redis::Value> {
        match self {
            Conn::Single(c) => c.req_packed_command(cmd),
            Conn::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> redis::RedisFuture<'a, Vec<redis::Value>> {
        match self {
            Conn::Single(c) => c.req_packed_commands(cmd, offset, count),
            Conn::Cluster(c) => c.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Single(c) => c.get_db(),
            Conn::Cluster(c) => c.get_db(),
        }
    }
}

/// Whether the node at `info` runs in cluster mode.
async fn is_cluster(info: &ConnectionInfo, timeout: Duration) -> Result<bool, StoreError> {
    let client = Client::open(info.clone()).map_err(StoreError::from_redis)?;
    let cfg = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout));
    let mut c = client
        .get_multiplexed_async_connection_with_config(&cfg)
        .await
        .map_err(StoreError::from_redis)?;
    let info: String = redis::cmd("INFO")
        .arg("cluster")
        .query_async(&mut c)
        .await
        .map_err(StoreError::from_redis)?;
    Ok(info.lines().any(|l| l.trim() == "cluster_enabled:1"))
}

/// Opens the store: a Cluster client when the first node says it is in
/// cluster mode (or several nodes are given), else a connection manager
/// that reconnects by itself with backoff.
pub(crate) async fn open(target: &Target, timeout: Duration) -> Result<Conn, StoreError> {
    let cluster = target.nodes.len() > 1 || is_cluster(&target.nodes[0], timeout).await?;
    if cluster {
        let client = ClusterClientBuilder::new(target.nodes.clone())
            .connection_timeout(timeout)
            .response_timeout(timeout)
            // A command is tried again after MOVED/ASK and while a master
            // fails over; a compare-and-set tried twice never commits twice
            // (see `pairs`).
            .retries(3)
            .min_retry_wait(10)
            .build()
            .map_err(StoreError::from_redis)?;
        let c = client
            .get_async_connection()
            .await
            .map_err(StoreError::from_redis)?;
        Ok(Conn::Cluster(c))
    } else {
        let client = Client::open(target.nodes[0].clone()).map_err(StoreError::from_redis)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_min_delay(Duration::from_millis(10))
            .set_max_delay(Duration::from_secs(1))
            .set_number_of_retries(6);
        let c = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(StoreError::from_redis)?;
        Ok(Conn::Single(c))
    }
}

/// A blocking connection (the C ABI), reopened after a failure or a fork.
pub(crate) enum SyncConn {
    Single(redis::Connection),
    Cluster(Box<redis::cluster::ClusterConnection>),
}

impl SyncConn {
    pub(crate) fn open(target: &Target, timeout: Duration) -> Result<SyncConn, StoreError> {
        let first = Client::open(target.nodes[0].clone()).map_err(StoreError::from_redis)?;
        let mut c = first
            .get_connection_with_timeout(timeout)
            .map_err(StoreError::from_redis)?;
        c.set_read_timeout(Some(timeout))
            .and_then(|_| c.set_write_timeout(Some(timeout)))
            .map_err(StoreError::from_redis)?;
        let info: String = redis::cmd("INFO")
            .arg("cluster")
            .query(&mut c)
            .map_err(StoreError::from_redis)?;
        let cluster =
            target.nodes.len() > 1 || info.lines().any(|l| l.trim() == "cluster_enabled:1");
        if !cluster {
            return Ok(SyncConn::Single(c));
        }
        let client = ClusterClientBuilder::new(target.nodes.clone())
            .connection_timeout(timeout)
            .response_timeout(timeout)
            .retries(3)
            .build()
            .map_err(StoreError::from_redis)?;
        let cc = client.get_connection().map_err(StoreError::from_redis)?;
        Ok(SyncConn::Cluster(Box::new(cc)))
    }

    pub(crate) fn as_dyn(&mut self) -> &mut dyn redis::ConnectionLike {
        match self {
            SyncConn::Single(c) => c,
            SyncConn::Cluster(c) => &mut **c,
        }
    }
}
