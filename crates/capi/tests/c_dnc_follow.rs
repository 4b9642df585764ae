//! A C host following the DNC stream: `tests/c/dnc_follow.c` compiled
//! against `include/chanrac.h` (`cc -Wall -Wextra -Wpedantic -Werror
//! -std=c11`), linked with `libchanrac.a` and `-lpthread`, runs
//! chanrac_dnc_follow() on a thread of its own against a real
//! `redis-server` on loopback (skipped when it is not installed, unless
//! `CHANRAC_REQUIRE_REDIS=1`). An entry appended by another writer (a raw
//! `XADD`, as another implementation would publish) is applied, an ad call
//! to its number is then blocked `DNC`, and the follower stops when asked.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use chanrac_testkit::RedisServer;

use common::{build_library, workspace_root};

#[test]
fn a_c_host_follows_the_dnc_stream_on_its_own_thread() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let lib = build_library();
    let program = lib.compile_test_program("dnc_follow");

    // The example policy, ads needing no consent record (so the only
    // reason is the DNC list).
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("policy");
    std::fs::create_dir(&policy).unwrap();
    for f in std::fs::read_dir(workspace_root().join("examples/policy")).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), policy.join(f.file_name())).unwrap();
    }
    let toml = std::fs::read_to_string(policy.join("policy.toml")).unwrap();
    std::fs::write(
        policy.join("policy.toml"),
        toml.replace("require_consent = true", "require_consent = false"),
    )
    .unwrap();

    let url = redis.url();
    let mut child = Command::new(&program)
        .args([policy.to_str().unwrap(), &url, "capi"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut seen = Vec::new();
    loop {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "the program ended early:\n{}",
            seen.join("\n")
        );
        let line = line.trim_end().to_string();
        if line == "following?" {
            break;
        }
        seen.push(line);
    }
    assert_eq!(
        seen,
        [
            "bad url: error 1",
            "bad from: error 1",
            "position 0-0, applied 0",
            "scopes before 0",
        ]
    );
    let id = chanrac_testkit::cmd(
        redis.port(),
        &[
            "XADD",
            "capi:dnc",
            "*",
            "number",
            "84912000301",
            "change",
            "add",
            "scope",
            "call",
            "time",
            "2026-03-02T08:00:00+07:00",
            "source",
            "5656",
        ],
    )
    .unwrap();
    let id = id.as_str().unwrap().to_string();
    writeln!(stdin, "go").unwrap();
    stdin.flush().unwrap();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}:\n{rest}");
    let rest: Vec<&str> = rest.lines().collect();
    assert_eq!(
        rest,
        [
            format!("applied 1, position {id}").as_str(),
            "scopes after 2",
            "after: block DNC",
            "follow returned 0",
            "again 0",
            "ok",
        ]
    );
    assert!(Path::new(&program).exists());
}
