//! One writer per state directory: while a `StateDir` is open, any other
//! open of the same directory — from this process or another — fails at
//! once with an error naming the directory, and the lock goes with the
//! holder (dropped, or its process killed).
//!
//! The other process is this test binary itself, re-run with
//! `CHANRAC_LOCK_CHILD` set: it opens the directory, prints `open`, and
//! holds it until its standard input closes or it is killed.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

use chanrac::state::journal::{Record, RecordKind};
use chanrac::{Engine, Number, Policy};
use chanrac_store::{is_locked, Durability, StateDir, LOCK_FILE};

fn engine() -> Engine {
    Engine::new(Policy::default())
}

fn record(kind: RecordKind, to: &str, time_ms: i64) -> Record {
    Record {
        kind,
        advertiser: "bank".into(),
        recipient: Number::parse(to).unwrap(),
        time_ms,
    }
}

#[test]
fn a_second_open_in_the_same_process_fails_until_the_first_is_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("state");
    let (mut first, _) = StateDir::open(&dir, &engine(), Durability::Always).unwrap();
    first
        .append(&record(RecordKind::AdCall, "0912345678", 1_772_420_400_000))
        .unwrap();
    assert!(dir.join(LOCK_FILE).is_file());

    let e = StateDir::open(&dir, &engine(), Durability::Always).unwrap_err();
    assert!(is_locked(&e), "{e}");
    let msg = e.to_string();
    assert!(msg.contains(&dir.display().to_string()), "{msg}");
    assert!(msg.contains("another process"), "{msg}");
    assert!(
        msg.contains(&format!("pid {}", std::process::id())),
        "{msg}"
    );
    // Not even a fresh engine got anything from the failed open, and the
    // holder's journal is untouched.
    first
        .append(&record(RecordKind::AdCall, "0912345679", 1_772_420_400_000))
        .unwrap();

    // Another error is not taken for a lock.
    let not_a_dir = tmp.path().join("file");
    std::fs::write(&not_a_dir, "x").unwrap();
    let other = StateDir::open(&not_a_dir, &engine(), Durability::Always).unwrap_err();
    assert!(!is_locked(&other), "{other}");

    drop(first);
    let restored = engine();
    let (_, stats) = StateDir::open(&dir, &restored, Durability::Always).unwrap();
    assert_eq!(stats.records, 2, "both records of the one writer");
}

#[test]
fn holder_child() {
    let Ok(dir) = std::env::var("CHANRAC_LOCK_CHILD") else {
        return; // only runs as the child
    };
    let _held = StateDir::open(dir.as_ref(), &engine(), Durability::Always).unwrap();
    println!("open");
    // Hold it until the parent closes our stdin (or kills us).
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
}

/// Starts the child on `dir` and waits until it has the directory open.
fn start_holder(dir: &std::path::Path) -> Child {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "holder_child", "--nocapture", "--test-threads=1"])
        .env("CHANRAC_LOCK_CHILD", dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let opened = out
        .lines()
        .map_while(Result::ok)
        .any(|l| l.trim_end().ends_with("open"));
    assert!(opened, "the child did not open the state directory");
    child
}

#[test]
fn another_process_holding_the_directory_is_named_and_a_killed_one_releases_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut child = start_holder(tmp.path());

    let e = StateDir::open(tmp.path(), &engine(), Durability::Always).unwrap_err();
    assert!(is_locked(&e), "{e}");
    let msg = e.to_string();
    assert!(msg.contains(&tmp.path().display().to_string()), "{msg}");
    assert!(msg.contains(&format!("pid {}", child.id())), "{msg}");

    // SIGKILL: the process cannot clean up, the kernel releases the lock.
    child.kill().unwrap();
    child.wait().unwrap();
    let (mut dir, _) = StateDir::open(tmp.path(), &engine(), Durability::Always).unwrap();
    dir.append(&record(RecordKind::OptOut, "0912345678", 1_772_420_400_000))
        .unwrap();

    // And the other way round: a child cannot open what this process holds.
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "holder_child", "--test-threads=1"])
        .env("CHANRAC_LOCK_CHILD", tmp.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success(), "the child opened a held directory");
}

const DAY_MS: i64 = 86_400_000;

/// Registration marks and opt-outs are never forgotten: older than the
/// retention, they survive a compaction and a reopen; an opt-in that old
/// does not.
#[test]
fn old_registration_marks_and_opt_outs_survive_compaction_old_opt_ins_do_not() {
    let tmp = tempfile::tempdir().unwrap();
    let t0 = 1_772_420_400_000; // 2026-03-02T03:00:00Z
    let reg = record(RecordKind::Registration, "0912000001", t0);
    let out = record(RecordKind::OptOut, "0912000002", t0);
    let opt_in = record(RecordKind::OptIn, "0912000003", t0);
    let fresh_in = record(
        RecordKind::OptIn,
        "0912000004",
        t0 + 10 * DAY_MS - DAY_MS / 2,
    );
    {
        let (mut dir, _) = StateDir::open(tmp.path(), &engine(), Durability::Always).unwrap();
        dir.set_retention_days(1);
        for r in [&reg, &out, &opt_in, &fresh_in] {
            dir.append(r).unwrap();
        }
        // Ten days later, with one day of retention.
        let now = jiff::Timestamp::from_millisecond(t0 + 10 * DAY_MS).unwrap();
        dir.compact(Policy::default(), now).unwrap();
        // Twice: what one compaction kept, the next keeps too.
        dir.compact(Policy::default(), now).unwrap();
    }
    let restored = engine();
    let (_, stats) = StateDir::open(tmp.path(), &restored, Durability::Always).unwrap();
    assert_eq!(stats.snapshot, Some(2));
    let mut kept = restored.records(t0 + 10 * DAY_MS, i64::MAX);
    let mut want = vec![reg, out, fresh_in];
    kept.sort_by_key(|r| r.recipient.to_bits());
    want.sort_by_key(|r| r.recipient.to_bits());
    assert_eq!(kept, want, "the old opt-in alone is dropped");
}
