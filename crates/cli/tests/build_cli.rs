//! `chanrac build` as users run it: a snapshot replays exactly like its
//! directory, a damaged one is refused with exit status 2, and a failed
//! build leaves no file behind.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::Path;

mod common;
use common::{chanrac, root, stderr};

fn build(out: &Path) {
    let o = chanrac(&[
        "build",
        "--policy",
        "examples/policy",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("26 DNC numbers"), "{e}");
    assert!(e.contains("bytes per number"), "{e}");
}

/// The files in `dir`, by name.
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_snapshot_replays_like_its_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path().join("policy.snap");
    build(&snap);
    assert_eq!(listing(tmp.path()), ["policy.snap"]);
    for mode in ["enforce", "audit"] {
        let run = |policy: &str| {
            let o = chanrac(&[
                "replay",
                "--policy",
                policy,
                "--events",
                "examples/events.csv",
                "--mode",
                mode,
            ]);
            assert!(o.status.success(), "{}", stderr(&o));
            o
        };
        let dir = run("examples/policy");
        let file = run(snap.to_str().unwrap());
        assert!(!dir.stdout.is_empty());
        assert_eq!(
            String::from_utf8_lossy(&file.stdout),
            String::from_utf8_lossy(&dir.stdout)
        );
        assert_eq!(stderr(&file), stderr(&dir));
    }

    // scrub takes it too.
    let list = tmp.path().join("list.txt");
    let dnc = fs::read_to_string(root().join("examples/policy/dnc.csv")).unwrap();
    let numbers: String = dnc
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("number"))
        .filter_map(|l| l.split(',').next())
        .map(|n| format!("{n}\n"))
        .chain(["0987000111\n".to_string()])
        .collect();
    fs::write(&list, numbers).unwrap();
    let scrub = |policy: &str| {
        let o = chanrac(&[
            "scrub",
            "--policy",
            policy,
            "--channel",
            "sms",
            "--in",
            list.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        o.stdout
    };
    let from_file = scrub(snap.to_str().unwrap());
    assert!(!from_file.is_empty());
    assert_eq!(from_file, scrub("examples/policy"));

    // Building again over it replaces it whole.
    let before = fs::read(&snap).unwrap();
    build(&snap);
    assert_eq!(fs::read(&snap).unwrap(), before);
    assert_eq!(listing(tmp.path()), ["list.txt", "policy.snap"]);
}

#[test]
fn a_damaged_snapshot_is_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path().join("policy.snap");
    build(&snap);
    let good = fs::read(&snap).unwrap();
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("flipped", flip(&good, good.len() / 2), "checksum mismatch"),
        (
            "cut",
            good[..good.len() - 100].to_vec(),
            "truncated snapshot",
        ),
        ("empty", vec![], "empty file"),
        (
            "foreign",
            b"number,scope\n".to_vec(),
            "not a policy snapshot",
        ),
    ];
    for (what, bytes, want) in cases {
        let bad = tmp.path().join(format!("{what}.snap"));
        fs::write(&bad, bytes).unwrap();
        let o = chanrac(&[
            "replay",
            "--policy",
            bad.to_str().unwrap(),
            "--events",
            "examples/events.csv",
        ]);
        assert_eq!(o.status.code(), Some(2), "{what}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{what}: nothing half-done");
        let e = stderr(&o);
        assert!(e.contains(&format!("{what}.snap: ")), "{what}: {e}");
        assert!(e.contains(want), "{what}: {e}");
    }
}

fn flip(b: &[u8], at: usize) -> Vec<u8> {
    let mut b = b.to_vec();
    b[at] ^= 0x10;
    b
}

#[test]
fn a_failed_build_leaves_no_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("policy");
    fs::create_dir(&dir).unwrap();
    fs::write(
        dir.join("brandnames.csv"),
        "identifier,advertiser,status\nShopVN,adv1,active\nShopVN,adv2,active\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    fs::create_dir(&out).unwrap();
    let snap = out.join("policy.snap");
    let o = chanrac(&[
        "build",
        "--policy",
        dir.to_str().unwrap(),
        "--out",
        snap.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("brandnames.csv:3"), "{}", stderr(&o));
    assert!(listing(&out).is_empty(), "{:?}", listing(&out));

    // A missing directory, or a file given as the directory: also bad input,
    // and an existing snapshot is left as it was.
    fs::write(&snap, b"old").unwrap();
    for policy in [
        tmp.path().join("missing"),
        root().join("examples/policy/dnc.csv"),
    ] {
        let o = chanrac(&[
            "build",
            "--policy",
            policy.to_str().unwrap(),
            "--out",
            snap.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert_eq!(fs::read(&snap).unwrap(), b"old");
        assert_eq!(listing(&out), ["policy.snap"]);
    }
}
