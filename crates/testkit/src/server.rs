//! One `redis-server` on loopback.

use std::net::{Ipv4Addr, TcpListener};

use tempfile::TempDir;

use crate::node::Node;

/// How many free ports are tried before giving up (another process may take
/// a port between the check and the server's bind).
const ATTEMPTS: usize = 8;

/// A `redis-server` on `127.0.0.1` on a free port, in its own temporary
/// directory, with `--save "" --appendonly no`; killed when dropped.
#[derive(Debug)]
pub struct RedisServer {
    node: Node,
    _dir: TempDir,
}

impl RedisServer {
    /// Starts a server and waits (at most 10 s) until it answers.
    ///
    /// `None` (with a skip line on standard error) when `redis-server` is not
    /// installed, unless `CHANRAC_REQUIRE_REDIS=1`: then it panics. Panics,
    /// with the server's log, when an installed server does not start.
    pub fn start() -> Option<RedisServer> {
        RedisServer::start_with(&[])
    }

    /// Like [`RedisServer::start`], with more `redis-server` arguments
    /// appended to the defaults (and overriding them), for example
    /// `&["--requirepass", "secret"]` or `&["--maxmemory", "10mb"]`.
    pub fn start_with(args: &[&str]) -> Option<RedisServer> {
        if !crate::installed("redis-server", &["redis-server"]) {
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("chanrac-redis-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"));
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let mut last = String::new();
        for _ in 0..ATTEMPTS {
            let port = free_port();
            match Node::start(port, dir.path(), &args) {
                Ok(node) => return Some(RedisServer { node, _dir: dir }),
                Err(e) => last = e,
            }
        }
        panic!("redis-server did not start after {ATTEMPTS} attempts; the last:\n{last}");
    }

    /// The server's port on `127.0.0.1`.
    pub fn port(&self) -> u16 {
        self.node.port()
    }

    /// The server's URL, `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port())
    }

    /// Kills the server with `SIGKILL` (no shutdown, nothing saved): the
    /// port then refuses connections. Does nothing if it is already killed.
    pub fn kill(&mut self) {
        self.node.kill();
    }

    /// Starts the server again on the same port with the same arguments
    /// (killing it first if it runs) and waits until it answers; it comes
    /// back empty. Panics, with the log, if it cannot (say, the port was
    /// taken meanwhile).
    pub fn restart(&mut self) {
        if let Err(e) = self.node.restart() {
            panic!("redis-server did not restart: {e}");
        }
    }
}

/// A port that was free on `127.0.0.1` a moment ago.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("cannot bind 127.0.0.1:0 to find a free port: {e}"))
}
