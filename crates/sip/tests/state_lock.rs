//! One writer per `--state` directory: a second `chanrac-sip` on a
//! directory another one has open exits at once with status 2 and a message
//! naming the directory; once the first is gone (even by SIGKILL), a new one
//! starts on it and finds its state.

#![allow(clippy::panic)]

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::*;

/// Runs `chanrac-sip` on `state` expecting it to exit by itself within 20 s;
/// returns its exit code and standard error.
fn run_to_exit(policy: &std::path::Path, state: &str) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_chanrac-sip"))
        .arg("--policy")
        .arg(policy)
        .args(["--listen", "127.0.0.1:0", "--fixed-time", TIME])
        .args(["--state", state])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chanrac-sip");
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chanrac-sip") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("a second chanrac-sip on a held --state directory kept running");
        }
        thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr piped")
        .read_to_string(&mut err)
        .expect("read its stderr");
    (status.code(), err)
}

#[test]
fn a_second_process_on_one_state_directory_exits_2_and_the_next_one_starts() {
    let policy = tempfile::tempdir().expect("temp dir");
    write_policy(policy.path());
    let state = tempfile::tempdir().expect("temp dir");
    let state_arg = state.path().to_str().expect("a UTF-8 temp path");
    let callee = consented(3);

    let first = Server::start(policy.path(), &["--state", state_arg]);
    let c = Client::new(first.addr);
    let r = c.ask(c.invite("lk-1", 1, AD_CALLER, &callee, "").as_bytes());
    assert_eq!(status(&r), 302, "{r}");

    let (code, err) = run_to_exit(policy.path(), state_arg);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(state_arg),
        "the message names the directory: {err}"
    );
    assert!(err.contains("another process"), "{err}");
    assert!(err.contains(&format!("pid {}", first.pid())), "{err}");

    // The first one is unharmed by the attempt.
    let r = c.ask(c.invite("lk-2", 1, AD_CALLER, &callee, "").as_bytes());
    assert_eq!(
        (status(&r), reason_text(&r)),
        (603, Some("FREQUENCY")),
        "{r}"
    );

    // Killed without a chance to clean up: the lock goes with it.
    first.kill();
    let next = Server::start(policy.path(), &["--state", state_arg]);
    next.wait_log("records=1", 0);
    let c = Client::new(next.addr);
    let r = c.ask(c.invite("lk-3", 1, AD_CALLER, &callee, "").as_bytes());
    assert_eq!(
        (status(&r), reason_text(&r)),
        (603, Some("FREQUENCY")),
        "{r}"
    );
}
