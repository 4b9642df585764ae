//! One writer per `--state` directory: a second `chanrac-smpp` on a
//! directory another one has open exits at once with status 2 and a message
//! naming the directory.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{policy_dir, ProxyProcess};

#[tokio::test]
async fn a_second_proxy_on_one_state_directory_exits_2() {
    let dir = policy_dir();
    let state = tempfile::tempdir().unwrap();
    let state_arg = state.path().to_str().unwrap().to_string();
    // An upstream that is never dialled before a bind.
    let upstream = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream_addr = upstream.local_addr().unwrap();
    let first = ProxyProcess::start(dir.path(), upstream_addr, &["--state", &state_arg]).await;

    let mut second = Command::new(env!("CARGO_BIN_EXE_chanrac-smpp"))
        .arg("--policy")
        .arg(dir.path())
        .args(["--listen", "127.0.0.1:0"])
        .args(["--upstream", &upstream_addr.to_string()])
        .args(["--state", &state_arg])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = second.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            let _ = second.wait();
            panic!("a second chanrac-smpp on a held --state directory kept running");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let mut err = String::new();
    second
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(
        err.contains(&state_arg),
        "the message names the directory: {err}"
    );
    assert!(err.contains("another process"), "{err}");

    // Once the first has stopped, the directory is free again.
    first.terminate();
    let again = ProxyProcess::start(dir.path(), upstream_addr, &["--state", &state_arg]).await;
    again.terminate();
}

/// Upstream credentials longer than SMPP 3.4 allows could never bind: the
/// proxy refuses to start, naming the flag (before, they were silently
/// sent empty).
#[test]
fn upstream_credentials_too_long_for_smpp_are_refused_at_start() {
    let policy = common::policy_dir();
    for (flag, value) in [
        ("--upstream-system-id", "a-system-id-of-20-ch"),
        ("--upstream-password", "ninechars"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_chanrac-smpp"))
            .arg("--policy")
            .arg(policy.path())
            .args(["--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:1"])
            .args([flag, value])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(flag), "names the flag: {err}");
    }
}
