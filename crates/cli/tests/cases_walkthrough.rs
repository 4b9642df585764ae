//! The walk-through of `docs/cases.md`, run as written: every `chanrac`
//! line of its `sh` block, with `$W` a temporary directory, must succeed,
//! and the files it promises must say what the comments say.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::fs;

mod common;
use common::{chanrac, root, stderr};

#[test]
fn the_documented_walkthrough_runs() {
    let doc = fs::read_to_string(root().join("docs/cases.md")).unwrap();
    let walk = &doc[doc.find("## Walk-through").unwrap()..];
    let block = &walk[walk.find("```sh\n").unwrap() + 6..];
    let block = &block[..block.find("```").unwrap()];
    let tmp = tempfile::tempdir().unwrap();
    let w = tmp.path().to_str().unwrap();
    let mut ran = 0;
    let mut replay_out = String::new();
    for line in block.lines() {
        let Some(rest) = line.strip_prefix("chanrac ") else {
            continue;
        };
        let line = rest.replace("$W", w);
        let args: Vec<&str> = line.split_whitespace().collect();
        let o = chanrac(&args);
        assert!(o.status.success(), "chanrac {line}: {}", stderr(&o));
        if args[0] == "replay" {
            replay_out = String::from_utf8(o.stdout).unwrap();
        }
        ran += 1;
    }
    assert_eq!(ran, 15);
    let p = tmp.path();
    // Three notices on 03-01, all allowed.
    assert_eq!(replay_out.lines().count(), 3, "{replay_out}");
    assert_eq!(replay_out.matches("\"decision\":\"allow\"").count(), 3);
    assert!(!p.join("request-0310.csv").exists());
    let req = fs::read_to_string(p.join("request-0325.csv")).unwrap();
    assert_eq!(req.lines().count(), 3, "{req}");
    assert!(req.contains("\n1,84912000001,call,goi moi vay tien,84987000002,2026-03-01T08:05:00+07:00,mobile,2,2026-03-01,2026-03-04,2026-03-07\n"), "{req}");
    assert!(req.contains("\n2,84912000003,"), "{req}");
    let restore = fs::read_to_string(p.join("restore-0405.csv")).unwrap();
    assert_eq!(
        restore,
        "stt,number,note,requested,suspended,paid\n1,84912000001,mobile,2026-03-25,2026-03-26,2026-03-30\n"
    );
    assert_eq!(
        fs::read_to_string(p.join("suspended.csv")).unwrap(),
        "number,reason\n84912000003,QĐ 30/2021 suspension request of 2026-03-25\n"
    );
    let ret = fs::read_to_string(p.join("return.csv")).unwrap();
    assert!(ret.contains("5656,dnc_register,6,0,6\n"), "{ret}");
    assert!(ret.contains("numbers,requested,,,2\nnumbers,suspended,,,2\nnumbers,restore_requested,,,0\nnumbers,restored,,,0\n"), "{ret}");
    let referrals = fs::read_to_string(p.join("ledger/referrals.csv")).unwrap();
    assert_eq!(referrals.lines().count(), 4, "{referrals}");
    assert!(fs::read_to_string(p.join("status.html"))
        .unwrap()
        .contains("<table id=\"cases\">"));
}
