//! `chanrac-sip --follow-dnc redis://…`: a DNC change published on one
//! node stops the next ad call on this one once its stream position
//! reaches the change. Real processes on a real `redis-server`: the
//! `chanrac` command line publishes (`chanrac dnc add --publish`, `chanrac
//! inbox --publish` of a `DK DNC V`), the responder follows; the test waits
//! on the position metric (bounded), then calls. A snapshot built with
//! `chanrac build --dnc-stream` is followed from its position: entries
//! published after the build are applied, earlier ones are not read again.
//! The store killed and restarted: the follower resumes by itself.
//!
//! Skipped (with a line on standard error) when `redis-server` is not
//! installed, unless `CHANRAC_REQUIRE_REDIS=1`.

#![allow(clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use chanrac_testkit::RedisServer;
use common::*;

/// The `chanrac` command line, built into the target directory of this
/// test (once per run).
fn chanrac_cli() -> &'static Path {
    static CLI: OnceLock<PathBuf> = OnceLock::new();
    CLI.get_or_init(|| {
        let dir = Path::new(env!("CARGO_BIN_EXE_chanrac-sip"))
            .parent()
            .unwrap_or_else(|| panic!("the binary's directory"))
            .to_path_buf();
        let target = dir
            .ancestors()
            .find(|d| d.join("CACHEDIR.TAG").exists())
            .unwrap_or_else(|| panic!("no target directory above {}", dir.display()));
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
            .args(["build", "--quiet", "-p", "chanrac-cli", "--bin", "chanrac"])
            .env("CARGO_TARGET_DIR", target);
        match dir.file_name().and_then(|p| p.to_str()) {
            Some("debug") => {}
            Some("release") => {
                cmd.arg("--release");
            }
            Some(other) => {
                cmd.args(["--profile", other]);
            }
            None => panic!("no profile directory"),
        }
        let out = cmd.output().unwrap_or_else(|e| panic!("run cargo: {e}"));
        assert!(
            out.status.success(),
            "cargo build -p chanrac-cli failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir.join("chanrac")
    })
}

/// Runs `chanrac ARGS`; its standard output (it must succeed).
fn chanrac(args: &[&str]) -> String {
    let out = Command::new(chanrac_cli())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run chanrac: {e}"));
    assert!(
        out.status.success(),
        "chanrac {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Starts the responder following the stream at `url`, with metrics; the
/// server and its metrics address.
fn following(policy: &Path, url: &str) -> (Server, SocketAddr) {
    let server = Server::start(policy, &["--follow-dnc", url, "--metrics", "127.0.0.1:0"]);
    server.wait_log("serving metrics on http ", 0);
    server.wait_log("following the DNC stream", 0);
    let log = server.log();
    let addr = log
        .lines()
        .find_map(|l| l.split("serving metrics on http ").nth(1))
        .and_then(|a| a.trim().parse().ok())
        .unwrap_or_else(|| panic!("no metrics address in the log:\n{log}"));
    (server, addr)
}

/// `/metrics`.
fn metrics(addr: SocketAddr) -> String {
    let mut s = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap_or_else(|e| panic!("timeout: {e}"));
    s.write_all(format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .unwrap_or_else(|e| panic!("write: {e}"));
    let mut out = String::new();
    s.read_to_string(&mut out)
        .unwrap_or_else(|e| panic!("read: {e}"));
    out
}

/// Waits (at most 20 s) until `/metrics` has a line starting with `line`.
fn wait_metric(addr: SocketAddr, line: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let m = metrics(addr);
        if m.lines().any(|l| l.starts_with(line)) {
            return m;
        }
        assert!(Instant::now() < deadline, "no `{line}` in /metrics:\n{m}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until the responder's stream position is `id`.
fn wait_position(addr: SocketAddr, id: &str) -> String {
    wait_metric(
        addr,
        &format!("chanrac_dnc_stream_position_info{{stream=\"chanrac:dnc\",position=\"{id}\"}} 1"),
    )
}

/// An ad call from `shopx` to `callee`: (status, reason text).
fn ad_call(server: &Server, id: &str, callee: &str) -> (u16, Option<String>) {
    let c = Client::new(server.addr);
    let r = c.ask(c.invite(id, 1, AD_CALLER, callee, "").as_bytes());
    (status(&r), reason_text(&r).map(str::to_string))
}

fn is_dnc(answer: &(u16, Option<String>)) -> bool {
    answer.0 == 603 && answer.1.as_deref().is_some_and(|r| r.contains("DNC"))
}

#[test]
fn a_change_published_on_the_command_line_stops_the_next_ad_call() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let url = redis.url();
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    write_policy(tmp.path());
    let (server, m) = following(tmp.path(), &url);
    wait_metric(m, "chanrac_dnc_stream_up 1");

    // `chanrac dnc add`, from another node.
    let id = chanrac(&[
        "dnc",
        "add",
        &consented(2),
        "--scope",
        "call",
        "--publish",
        &url,
    ]);
    let id = id.trim();
    let after = wait_position(m, id);
    assert!(
        after.contains("chanrac_dnc_stream_entries_applied_total 1\n"),
        "{after}"
    );
    server.wait_log("DNC stream entries applied", 0);
    assert!(is_dnc(&ad_call(&server, "a-2", &consented(2))));
    // Another callee is not affected.
    assert_eq!(ad_call(&server, "a-1", &consented(1)).0, 302);

    // `chanrac inbox --publish` of a subscriber's `DK DNC V`.
    let messages = tmp.path().join("messages.csv");
    std::fs::write(
        &messages,
        format!(
            "time,from,text\n2026-03-02T08:00:00+07:00,{},DK DNC V\n",
            consented(3)
        ),
    )
    .unwrap_or_else(|e| panic!("write: {e}"));
    let out = tmp.path().join("inbox");
    let ids = chanrac(&[
        "inbox",
        "--policy",
        tmp.path().to_str().unwrap_or_default(),
        "--messages",
        messages.to_str().unwrap_or_default(),
        "--out",
        out.to_str().unwrap_or_default(),
        "--publish",
        &url,
    ]);
    let ids: Vec<&str> = ids.lines().collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    wait_position(m, ids[0]);
    assert!(is_dnc(&ad_call(&server, "a-3", &consented(3))));
}

#[test]
fn a_snapshot_is_followed_from_its_position_and_a_restarted_store_is_resumed() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let url = redis.url();
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let dir = tmp.path().join("policy");
    std::fs::create_dir(&dir).unwrap_or_else(|e| panic!("mkdir: {e}"));
    write_policy(&dir);
    let before = chanrac(&[
        "dnc",
        "add",
        &consented(4),
        "--scope",
        "call",
        "--publish",
        &url,
    ]);
    let snap = tmp.path().join("policy.snap");
    chanrac(&[
        "build",
        "--policy",
        dir.to_str().unwrap_or_default(),
        "--out",
        snap.to_str().unwrap_or_default(),
        "--dnc-stream",
        &url,
    ]);
    let later = chanrac(&[
        "dnc",
        "add",
        &consented(5),
        "--scope",
        "call",
        "--publish",
        &url,
    ]);

    let (server, m) = following(&snap, &url);
    server.wait_log(&format!("from={}", before.trim()), 0);
    let seen = wait_position(m, later.trim());
    // Only the entry after the snapshot's position was read.
    assert!(
        seen.contains("chanrac_dnc_stream_entries_applied_total 1\n"),
        "{seen}"
    );
    assert!(
        is_dnc(&ad_call(&server, "b-4", &consented(4))),
        "from the snapshot"
    );
    assert!(
        is_dnc(&ad_call(&server, "b-5", &consented(5))),
        "from the stream"
    );

    // The store goes away (the responder keeps answering) and comes back.
    redis.kill();
    wait_metric(m, "chanrac_dnc_stream_up 0");
    assert_eq!(ad_call(&server, "b-6", &consented(6)).0, 302);
    redis.restart();
    let again = chanrac(&[
        "dnc",
        "add",
        &consented(7),
        "--scope",
        "call",
        "--publish",
        &url,
    ]);
    wait_position(m, again.trim());
    wait_metric(m, "chanrac_dnc_stream_up 1");
    assert!(is_dnc(&ad_call(&server, "b-7", &consented(7))));
}

#[test]
fn a_follow_url_that_is_not_a_store_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    write_policy(tmp.path());
    let out = Command::new(env!("CARGO_BIN_EXE_chanrac-sip"))
        .arg("--policy")
        .arg(tmp.path())
        .args([
            "--listen",
            "127.0.0.1:0",
            "--follow-dnc",
            "http://127.0.0.1:1",
        ])
        .output()
        .unwrap_or_else(|e| panic!("run chanrac-sip: {e}"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error: --follow-dnc: bad store URL: `http://127.0.0.1:1`"),
        "{err}"
    );
}
