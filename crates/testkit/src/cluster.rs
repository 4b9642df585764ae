//! A real Redis Cluster on loopback: six nodes, three masters and three
//! replicas.

use std::collections::HashSet;
use std::fs::File;
use std::net::{Ipv4Addr, TcpListener};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::node::{Node, POLL};
use crate::resp::{cmd, RespValue};

/// Nodes in the cluster: three masters, each with one replica.
const NODES: u16 = 6;
/// A node's cluster bus listens on its port plus this.
const BUS_OFFSET: u16 = 10_000;
/// Node ports are taken in `LOW..=HIGH` (their bus ports 10000 above).
const LOW: u16 = 20_000;
const HIGH: u16 = 29_000;
/// Slots in a Redis Cluster.
const SLOTS: &str = "16384";
/// How many sets of ports are tried before giving up.
const ATTEMPTS: usize = 6;
/// Bound on `redis-cli --cluster create`.
const CREATE_TIMEOUT: Duration = Duration::from_secs(60);
/// Bound on the wait for every node to report a healthy cluster.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Bound on the wait for a replica to replace a killed master.
const FAILOVER_TIMEOUT: Duration = Duration::from_secs(30);
/// Redirections [`RedisCluster::cmd`] follows before giving up.
const MAX_REDIRECTS: usize = 5;

/// A Redis Cluster of six `redis-server` processes on `127.0.0.1` (three
/// masters, three replicas), each in its own temporary directory, with
/// `--cluster-node-timeout 2000 --save "" --appendonly no`; all killed when
/// dropped.
#[derive(Debug)]
pub struct RedisCluster {
    nodes: Vec<Node>,
    dir: TempDir,
}

impl RedisCluster {
    /// Starts six nodes, joins them with `redis-cli --cluster create
    /// … --cluster-replicas 1 --cluster-yes` and waits (bounded) until every
    /// node reports `cluster_state:ok` with all slots served and every
    /// replica in sync with its master.
    ///
    /// `None` (with a skip line on standard error) when `redis-server` or
    /// `redis-cli` is not installed, unless `CHANRAC_REQUIRE_REDIS=1`: then it
    /// panics. Panics, with the logs, when an installed cluster does not come
    /// up.
    pub fn start() -> Option<RedisCluster> {
        if !crate::installed("Redis Cluster", &["redis-server", "redis-cli"]) {
            return None;
        }
        let mut last = String::new();
        for _ in 0..ATTEMPTS {
            let dir = tempfile::Builder::new()
                .prefix("chanrac-redis-cluster-")
                .tempdir()
                .unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"));
            match start_nodes(dir.path()) {
                Ok(nodes) => {
                    let cluster = RedisCluster { nodes, dir };
                    cluster.create();
                    cluster.wait("the new cluster to be ready", READY_TIMEOUT, || {
                        cluster.not_ready(true)
                    });
                    return Some(cluster);
                }
                // A port taken between the check and the bind: other ports.
                Err(e) => last = e,
            }
        }
        panic!(
            "the Redis Cluster nodes did not start after {ATTEMPTS} attempts; the last:\n{last}"
        );
    }

    /// The ports of the nodes that run (all six until one is killed).
    pub fn ports(&self) -> Vec<u16> {
        self.live().map(Node::port).collect()
    }

    /// Seed URLs for a cluster client, `redis://127.0.0.1:PORT`, one per
    /// node that runs.
    pub fn urls(&self) -> Vec<String> {
        self.ports()
            .into_iter()
            .map(|p| format!("redis://127.0.0.1:{p}"))
            .collect()
    }

    /// The ports of the masters that serve slots now, in the order of the
    /// slots they serve (the master of slot 0 first), as a live node sees
    /// them. Panics when no node answers.
    pub fn masters(&self) -> Vec<u16> {
        let view = self.view().unwrap_or_else(|e| panic!("{e}"));
        serving_masters(&view).iter().map(|n| n.port).collect()
    }

    /// Kills master `i` of [`RedisCluster::masters`] with `SIGKILL` and waits
    /// (at most 30 s) until its replica has been promoted and every live node
    /// reports `cluster_state:ok` again with all slots served. Returns the
    /// port of the promoted replica. The killed node stays down. Panics when
    /// there is no master `i` or the failover does not happen in time.
    pub fn kill_master(&mut self, i: usize) -> u16 {
        let view = self.view().unwrap_or_else(|e| panic!("{e}"));
        let masters = serving_masters(&view);
        let Some(master) = masters.get(i) else {
            panic!("no master {i}: the cluster has {} masters", masters.len());
        };
        let replicas: HashSet<&str> = view
            .iter()
            .filter(|n| n.master == master.id)
            .map(|n| n.id.as_str())
            .collect();
        if replicas.is_empty() {
            panic!(
                "master {i} (port {}) has no replica to promote",
                master.port
            );
        }
        if let Some(node) = self.nodes.iter_mut().find(|n| n.port() == master.port) {
            node.kill();
        }
        let mut promoted = 0;
        self.wait("a replica to take over", FAILOVER_TIMEOUT, || {
            if let Some(problem) = self.not_ready(false) {
                return Some(problem);
            }
            for node in self.live() {
                let view = match nodes_of(node.port()) {
                    Ok(view) => view,
                    Err(e) => return Some(e),
                };
                let gone = view
                    .iter()
                    .any(|n| n.id == master.id && n.has_flag("fail") && !n.has_slots);
                if !gone {
                    return Some(format!(
                        "node {} does not yet see {} as failed",
                        node.port(),
                        master.port
                    ));
                }
                match view
                    .iter()
                    .find(|n| replicas.contains(n.id.as_str()) && n.has_flag("master"))
                {
                    Some(n) => promoted = n.port,
                    None => return Some(format!("node {} sees no replica promoted", node.port())),
                }
            }
            None
        });
        promoted
    }

    /// Sends one command to the cluster (to a live node), following up to
    /// five `MOVED` redirections; otherwise as [`crate::cmd`].
    pub fn cmd<A: AsRef<[u8]>>(&self, args: &[A]) -> Result<RespValue, String> {
        let mut port = self
            .live()
            .next()
            .map(Node::port)
            .ok_or("no node of the cluster runs")?;
        for _ in 0..MAX_REDIRECTS {
            let reply = cmd(port, args)?;
            match reply.as_error().and_then(|e| e.strip_prefix("MOVED ")) {
                Some(target) => {
                    port = target
                        .rsplit(':')
                        .next()
                        .and_then(|p| p.parse().ok())
                        .ok_or_else(|| format!("bad redirection `MOVED {target}`"))?;
                }
                None => return Ok(reply),
            }
        }
        Err(format!("more than {MAX_REDIRECTS} redirections"))
    }

    /// The nodes that run.
    fn live(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.is_running())
    }

    /// The cluster as the first live node that answers sees it.
    fn view(&self) -> Result<Vec<NodeLine>, String> {
        let mut last = String::from("no node of the cluster runs");
        for node in self.live() {
            match nodes_of(node.port()) {
                Ok(view) => return Ok(view),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Runs `redis-cli --cluster create` on the six nodes; panics on failure.
    fn create(&self) {
        let log_path = self.dir.path().join("create.log");
        let log = File::create(&log_path)
            .and_then(|f| Ok((f.try_clone()?, f)))
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", log_path.display()));
        let mut child = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(self.nodes.iter().map(|n| format!("127.0.0.1:{}", n.port())))
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .stdin(Stdio::null())
            .stdout(log.0)
            .stderr(log.1)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run redis-cli: {e}"));
        let deadline = Instant::now() + CREATE_TIMEOUT;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() < deadline => std::thread::sleep(POLL),
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
            }
        };
        if !status.is_some_and(|s| s.success()) {
            let output = std::fs::read_to_string(&log_path).unwrap_or_default();
            panic!(
                "`redis-cli --cluster create` failed ({}):\n{output}",
                status.map_or_else(
                    || format!("no end within {CREATE_TIMEOUT:?}"),
                    |s| s.to_string()
                )
            );
        }
    }

    /// What keeps the cluster from being healthy, as seen by every live node
    /// (`None`: nothing): `cluster_state:ok`, all slots served and, with
    /// `replication`, every replica linked to its master.
    fn not_ready(&self, replication: bool) -> Option<String> {
        for node in self.live() {
            let port = node.port();
            let info = match text(port, &["CLUSTER", "INFO"]) {
                Ok(info) => info,
                Err(e) => return Some(e),
            };
            for (key, want) in [("cluster_state", "ok"), ("cluster_slots_ok", SLOTS)] {
                let got = field(&info, key).unwrap_or("(none)");
                if got != want {
                    return Some(format!("node {port}: {key}:{got}"));
                }
            }
            if !replication {
                continue;
            }
            let repl = match text(port, &["INFO", "replication"]) {
                Ok(repl) => repl,
                Err(e) => return Some(e),
            };
            let (key, want) = match field(&repl, "role") {
                Some("master") => ("connected_slaves", "1"),
                _ => ("master_link_status", "up"),
            };
            let got = field(&repl, key).unwrap_or("(none)");
            if got != want {
                return Some(format!("node {port}: {key}:{got}"));
            }
        }
        None
    }

    /// Polls `problem` until it returns `None`; panics with the last problem
    /// and the nodes' logs after `timeout`.
    fn wait(&self, what: &str, timeout: Duration, mut problem: impl FnMut() -> Option<String>) {
        let deadline = Instant::now() + timeout;
        loop {
            let Some(last) = problem() else { return };
            if Instant::now() >= deadline {
                let logs: Vec<String> = self
                    .nodes
                    .iter()
                    .map(|n| format!("-- node {}:\n{}", n.port(), n.log_tail()))
                    .collect();
                panic!(
                    "waited {timeout:?} for {what}; the last problem: {last}\n{}",
                    logs.join("\n")
                );
            }
            std::thread::sleep(POLL);
        }
    }
}

/// Starts the six nodes on a random base port whose node and bus ports were
/// all free; `Err` when one does not start (a port taken meanwhile).
fn start_nodes(dir: &Path) -> Result<Vec<Node>, String> {
    let base = free_base();
    let args: Vec<String> = [
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        "nodes.conf",
        "--cluster-node-timeout",
        "2000",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    let mut nodes = Vec::new();
    for i in 0..NODES {
        let sub = dir.join(format!("node{i}"));
        std::fs::create_dir(&sub)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", sub.display()));
        // On an error the nodes started so far are dropped, so killed.
        nodes.push(Node::start(base + i, &sub, &args)?);
    }
    Ok(nodes)
}

/// A base port in `LOW..=HIGH` such that the six node ports and their bus
/// ports can all be bound on `127.0.0.1` now.
fn free_base() -> u16 {
    for _ in 0..1000 {
        let span = u64::from(HIGH - LOW - NODES + 2);
        let base = LOW + u16::try_from(crate::random_u64() % span).unwrap_or(0);
        let free = (0..NODES).all(|i| {
            [base + i, base + i + BUS_OFFSET]
                .iter()
                .all(|&p| TcpListener::bind((Ipv4Addr::LOCALHOST, p)).is_ok())
        });
        if free {
            return base;
        }
    }
    panic!("found no {NODES} free ports (and bus ports) in {LOW}..={HIGH}");
}

/// One line of `CLUSTER NODES`.
#[derive(Debug)]
struct NodeLine {
    id: String,
    port: u16,
    flags: Vec<String>,
    /// The id of the master of a replica, `-` for a master.
    master: String,
    /// The first slot it serves, if any.
    first_slot: Option<u16>,
    has_slots: bool,
}

impl NodeLine {
    fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }

    /// Parses `<id> <ip:port@cport[,host]> <flags> <master> <ping> <pong>
    /// <epoch> <link> <slot>…`.
    fn parse(line: &str) -> Option<NodeLine> {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 8 {
            return None;
        }
        let addr = fields[1].split('@').next()?;
        let port = addr.rsplit(':').next()?.parse().ok()?;
        // `[slot->-id]` entries are slots being migrated, not served.
        let slots: Vec<&str> = fields[8..]
            .iter()
            .copied()
            .filter(|s| !s.starts_with('['))
            .collect();
        let first_slot = slots
            .iter()
            .filter_map(|s| s.split('-').next()?.parse().ok())
            .min();
        Some(NodeLine {
            id: fields[0].to_owned(),
            port,
            flags: fields[2].split(',').map(str::to_owned).collect(),
            master: fields[3].to_owned(),
            first_slot,
            has_slots: !slots.is_empty(),
        })
    }
}

/// `CLUSTER NODES` of the node on `port`.
fn nodes_of(port: u16) -> Result<Vec<NodeLine>, String> {
    let text = text(port, &["CLUSTER", "NODES"])?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| NodeLine::parse(l).ok_or_else(|| format!("bad CLUSTER NODES line `{l}`")))
        .collect()
}

/// The masters that serve slots and are not failing, by their first slot.
fn serving_masters(view: &[NodeLine]) -> Vec<&NodeLine> {
    let mut masters: Vec<&NodeLine> = view
        .iter()
        .filter(|n| n.has_flag("master") && !n.has_flag("fail") && !n.has_flag("fail?"))
        .filter(|n| n.has_slots)
        .collect();
    masters.sort_by_key(|n| n.first_slot);
    masters
}

/// A command whose reply is text (`INFO`, `CLUSTER INFO`, `CLUSTER NODES`).
fn text(port: u16, args: &[&str]) -> Result<String, String> {
    match cmd(port, args)? {
        RespValue::Bulk(b) => Ok(String::from_utf8_lossy(&b).into_owned()),
        other => Err(format!(
            "node {port}: `{}` answered {other}",
            args.join(" ")
        )),
    }
}

/// The value of `key:value` in an `INFO`-style text.
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cluster_nodes_lines() {
        let master = NodeLine::parse(
            "07c3 127.0.0.1:20001@30001 myself,master - 0 0 1 connected 5461-10922 [1->-e7d1]",
        )
        .unwrap();
        assert_eq!(master.port, 20001);
        assert!(master.has_flag("myself") && master.has_flag("master"));
        assert_eq!(master.first_slot, Some(5461));
        assert!(master.has_slots);
        let replica =
            NodeLine::parse("e7d1 127.0.0.1:20004@30004,host slave 07c3 0 1 1 connected").unwrap();
        assert_eq!(replica.master, "07c3");
        assert_eq!((replica.port, replica.has_slots), (20004, false));
        assert!(NodeLine::parse("short line").is_none());
    }

    #[test]
    fn reads_info_fields() {
        let info = "# Cluster\r\ncluster_state:ok\r\ncluster_slots_ok:16384\r\n";
        assert_eq!(field(info, "cluster_state"), Some("ok"));
        assert_eq!(field(info, "cluster_slots_ok"), Some("16384"));
        assert_eq!(field(info, "cluster_slots"), None);
    }
}
