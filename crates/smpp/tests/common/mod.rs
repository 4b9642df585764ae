//! Helpers shared by the integration tests: a temporary policy and the
//! proxy as a child process.
#![allow(dead_code)]

use std::io::Read;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A policy with an ad and a care account of one advertiser, its brandname,
/// consents for the test recipients, and a DNC number.
pub fn policy_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, body: &str| std::fs::write(dir.path().join(name), body).unwrap();
    w(
        "accounts.csv",
        "account,advertiser,class,password\nshopvn_ad,shopvn,ad,secret1\nshopvn_care,shopvn,care,secret2\n",
    );
    w(
        "brandnames.csv",
        "identifier,advertiser,status,valid_from,valid_until\nSHOPVN,shopvn,active,2025-01-01,\n",
    );
    let mut consents = String::from("advertiser,recipient,state,time\n");
    for n in 1..=9 {
        consents.push_str(&format!(
            "shopvn,8491200000{n},optin,2026-01-01T00:00:00+07:00\n"
        ));
    }
    w("consents.csv", &consents);
    w("dnc.csv", "number,scope\n0912000009,sms\n");
    dir
}

/// A running `chanrac-smpp`, killed on drop.
pub struct ProxyProcess {
    child: Child,
    pub port: u16,
    log: std::path::PathBuf,
    _logdir: tempfile::TempDir,
}

impl ProxyProcess {
    /// Starts the proxy on a free port, upstream `sink`, in the SMS window.
    pub async fn start(policy: &Path, sink: SocketAddr, extra: &[&str]) -> ProxyProcess {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let logdir = tempfile::tempdir().unwrap();
        let log = logdir.path().join("proxy.log");
        let child = Command::new(env!("CARGO_BIN_EXE_chanrac-smpp"))
            .arg("--policy")
            .arg(policy)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--upstream", &sink.to_string()])
            .args([
                "--upstream-system-id",
                "chanrac",
                "--upstream-password",
                "pw",
            ])
            .args(["--fixed-time", "2026-03-02T09:15:00+07:00"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let p = ProxyProcess {
            child,
            port,
            log,
            _logdir: logdir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "proxy did not start: {}",
                p.stderr()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        p
    }

    /// What the proxy logged so far.
    pub fn stderr(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut s);
        }
        s
    }

    /// Waits (10 s at most) until the proxy has logged `what` `times` times.
    pub async fn logged(&self, what: &str, times: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.stderr().matches(what).count() < times {
            assert!(
                Instant::now() < deadline,
                "`{what}` not logged {times} times: {}",
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops the proxy with SIGTERM (a clean shutdown) and waits for it.
    pub fn terminate(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
