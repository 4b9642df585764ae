//! `chanrac replay --state redis://…` and `chanrac state export` against a
//! real `redis-server`: a replay on a store gives the verdicts a replay on
//! a state directory gives, run after run; a store that is down stops the
//! replay (exit 1); state moves from a directory into the store and back
//! without changing a verdict.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;
use common::{chanrac, stderr};

use chanrac_testkit::RedisServer;

fn replay(state: &str) -> Vec<u8> {
    let out = chanrac(&[
        "replay",
        "--policy",
        "examples/policy",
        "--events",
        "examples/events.csv",
        "--quiet",
        "--state",
        state,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    out.stdout
}

#[test]
fn replays_on_a_store_agree_with_one_long_replay() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("state");
    let url = redis.url();
    // The first run on a store is the first run on a fresh directory.
    let (d1, s1) = (replay(dir.to_str().unwrap()), replay(&url));
    assert_eq!(String::from_utf8_lossy(&s1), String::from_utf8_lossy(&d1));
    // The second run on the store sees everything the first counted: it is
    // the second half of one replay, in one process, of the log twice.
    let s2 = replay(&url);
    assert_ne!(s1, s2, "a second replay meets the first one's counts");
    let log = std::fs::read_to_string(common::root().join("examples/events.csv")).unwrap();
    let (header, rows) = log.split_once('\n').unwrap();
    let twice = tmp.path().join("twice.csv");
    std::fs::write(&twice, format!("{header}\n{rows}{rows}")).unwrap();
    let out = chanrac(&[
        "replay",
        "--policy",
        "examples/policy",
        "--events",
        twice.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let whole = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<&str> = whole.lines().collect();
    let second_half = lines[lines.len() / 2..].join("\n") + "\n";
    assert_eq!(String::from_utf8_lossy(&s2), second_half);
}

#[test]
fn a_store_that_is_down_stops_the_replay() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let url = redis.url();
    redis.kill();
    let out = chanrac(&[
        "replay",
        "--policy",
        "examples/policy",
        "--events",
        "examples/events.csv",
        "--quiet",
        "--state",
        &url,
        "--store-deadline-ms",
        "300",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("state store") && err.contains(&url), "{err}");
    assert!(out.stdout.is_empty(), "no verdict without the store");
}

#[test]
fn state_moves_into_the_store_and_back_without_changing_a_verdict() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("state");
    let dir = dir.to_str().unwrap();
    let back = tmp.path().join("back");
    let back = back.to_str().unwrap();
    let url = redis.url();
    let _ = replay(dir);
    // The example's last event is at 2026-03-03T10:10+07:00.
    let now = "2026-03-03T10:30:00+07:00";
    let export = |from: &str, to: &str| {
        chanrac(&[
            "state", "export", "--state", from, "--to", to, "--now", now, "--quiet",
        ])
    };
    let out = export(dir, &url);
    assert!(out.status.success(), "{}", stderr(&out));
    // Into a store that already holds pairs: refused, nothing written.
    let again = export(dir, &url);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert!(stderr(&again).contains("already holds"));
    // And back into a new directory.
    let out = export(&url, back);
    assert!(out.status.success(), "{}", stderr(&out));
    // Into a directory that is not empty: refused.
    let refused = export(&url, back);
    assert_eq!(refused.status.code(), Some(2));
    // All three hold the same state: the next replay's verdicts agree.
    let (d, s, b) = (replay(dir), replay(&url), replay(back));
    assert_eq!(String::from_utf8_lossy(&s), String::from_utf8_lossy(&d));
    assert_eq!(String::from_utf8_lossy(&b), String::from_utf8_lossy(&d));
}
