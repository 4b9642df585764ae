//! One `redis-server` process: started on a given port in a given directory,
//! waited for, killed.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::resp::{cmd, RespValue};

/// How long a server may take to answer after it is spawned.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause between two polls of something being waited for.
pub(crate) const POLL: Duration = Duration::from_millis(25);
/// The name of the log file in a server's directory.
const LOG: &str = "redis.log";

/// A `redis-server` process (or the place of one that was killed).
#[derive(Debug)]
pub(crate) struct Node {
    port: u16,
    dir: PathBuf,
    args: Vec<String>,
    child: Option<Child>,
}

impl Node {
    /// Starts `redis-server` on `127.0.0.1:port` in `dir` (which must
    /// exist), without persistence, with `args` appended (so they override
    /// the defaults), and waits until it answers. `Err` carries the reason
    /// and the server's log; a port taken by someone else ends up there.
    pub(crate) fn start(port: u16, dir: &Path, args: &[String]) -> Result<Node, String> {
        let mut node = Node {
            port,
            dir: dir.to_path_buf(),
            args: args.to_vec(),
            child: None,
        };
        node.restart()?;
        Ok(node)
    }

    /// The server's port.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Whether the process was started and not killed since.
    pub(crate) fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Kills the process with `SIGKILL` and reaps it; does nothing when it is
    /// not running.
    pub(crate) fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// (Re)starts the process with the same port, directory and arguments,
    /// killing a running one first, and waits until it answers.
    pub(crate) fn restart(&mut self) -> Result<(), String> {
        self.kill();
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(LOG))
            .map_err(|e| format!("cannot open {}: {e}", self.dir.join(LOG).display()))?;
        let log2 = log
            .try_clone()
            .map_err(|e| format!("cannot open the log twice: {e}"))?;
        let port = self.port.to_string();
        let dir = self.dir.to_string_lossy().into_owned();
        let mut child = Command::new("redis-server")
            .args(["--port", &port, "--bind", "127.0.0.1", "--dir", &dir])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--daemonize", "no", "--logfile", ""])
            .args(&self.args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| format!("cannot run redis-server: {e}"))?;
        let pid = child.id();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!(
                    "redis-server on port {} exited ({status}):\n{}",
                    self.port,
                    self.log_tail()
                ));
            }
            if self.answers_as(pid) {
                break;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "redis-server on port {} did not answer within {START_TIMEOUT:?}:\n{}",
                    self.port,
                    self.log_tail()
                ));
            }
            std::thread::sleep(POLL);
        }
        self.child = Some(child);
        Ok(())
    }

    /// Whether the server on the port is the process `pid`, not another one
    /// that holds the port: `INFO` says so or, when commands need a password,
    /// the process logged that it accepts connections and the port answers.
    fn answers_as(&self, pid: u32) -> bool {
        match cmd(self.port, &["INFO", "server"]) {
            Ok(RespValue::Bulk(info)) => {
                String::from_utf8_lossy(&info).contains(&format!("process_id:{pid}\r\n"))
            }
            Ok(RespValue::Error(_)) => {
                let log = std::fs::read_to_string(self.dir.join(LOG)).unwrap_or_default();
                let prefix = format!("{pid}:");
                log.lines()
                    .any(|l| l.starts_with(&prefix) && l.contains("Ready to accept connections"))
            }
            _ => false,
        }
    }

    /// The last lines of the server's log, for error messages.
    pub(crate) fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join(LOG)).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}
