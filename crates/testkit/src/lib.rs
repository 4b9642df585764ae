//! Test support for chanrac (dev-only, not published): real Redis servers on
//! loopback, started and torn down by the test that needs them.
//!
//! - [`RedisServer`]: one `redis-server` on `127.0.0.1` on a free port, in a
//!   temporary directory, without persistence. It can be killed (`SIGKILL`,
//!   for "the store dies mid-traffic" tests) and restarted on the same port.
//! - [`RedisCluster`]: a real Redis Cluster of six nodes (three masters, three
//!   replicas) built with `redis-cli --cluster create`. A master can be killed;
//!   the call returns once its replica has taken over.
//! - [`cmd`]: a tiny blocking RESP client, one command per connection, so a
//!   test can look at keys (`PTTL`, `XLEN`, `MEMORY USAGE`, `CLUSTER KEYSLOT`);
//!   [`Connection`] keeps one connection for commands that belong together
//!   (`AUTH` first, `MULTI` … `EXEC`).
//!
//! Nothing here uses the default port 6379. When `redis-server` (or, for a
//! cluster, `redis-cli`) is not installed, `start` prints a skip line to
//! standard error and returns `None`, so the test can return early; with
//! `CHANRAC_REQUIRE_REDIS=1` in the environment (as `scripts/test` sets it)
//! it panics instead, so CI cannot skip silently. Any other failure to start
//! panics with the server's log.
//!
//! ```
//! use chanrac_testkit::{cmd, RedisServer};
//!
//! let Some(mut server) = RedisServer::start() else { return };
//! assert!(server.url().starts_with("redis://127.0.0.1:"));
//! cmd(server.port(), &["SET", "k", "v"]).unwrap();
//! assert_eq!(cmd(server.port(), &["GET", "k"]).unwrap().as_str(), Some("v"));
//! server.kill();
//! assert!(cmd(server.port(), &["PING"]).is_err());
//! server.restart();
//! assert_eq!(cmd(server.port(), &["PING"]).unwrap().as_str(), Some("PONG"));
//! ```
#![deny(missing_docs)]
// Only tests use this crate: failing loudly is what a test needs.
#![allow(clippy::unwrap_used, clippy::panic)]

mod cluster;
mod node;
mod promtool;
mod resp;
mod server;

pub use cluster::RedisCluster;
pub use promtool::promtool_check;
pub use resp::{cmd, Connection, RespValue};
pub use server::RedisServer;

/// The environment variable that turns a missing Redis into a test failure.
pub const REQUIRE_ENV: &str = "CHANRAC_REQUIRE_REDIS";

/// Whether `name` is an executable file on `PATH`.
fn on_path(name: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            std::fs::metadata(dir.join(name)).is_ok_and(|m| m.is_file() && is_executable(&m))
        })
    })
}

#[cfg(unix)]
fn is_executable(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    m.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_: &std::fs::Metadata) -> bool {
    true
}

/// Checks that every program in `programs` is installed. When one is not,
/// prints a skip line and returns `false`, or panics under [`REQUIRE_ENV`].
fn installed(what: &str, programs: &[&str]) -> bool {
    let Some(missing) = programs.iter().find(|p| !on_path(p)) else {
        return true;
    };
    if std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1") {
        panic!(
            "{REQUIRE_ENV}=1 but `{missing}` is not on PATH: install Debian's \
             redis-server and redis-tools packages to run the {what} tests"
        );
    }
    eprintln!(
        "skipping: `{missing}` is not on PATH, no real {what} \
         (install redis-server and redis-tools; {REQUIRE_ENV}=1 makes this an error)"
    );
    false
}

/// A random number, fresh on every call (no crate needed for picking ports).
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    h.finish()
}
