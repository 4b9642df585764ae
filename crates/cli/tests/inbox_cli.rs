//! `chanrac inbox` as a compliance team runs it: exact outputs for a day of
//! 5656 messages (`testdata/inbox`), idempotence, rejected rows, bad files
//! refused with exit status 2 and `file:line`, and no partial output.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::path::Path;
use std::process::Output;

mod common;
use common::{chanrac, root, stderr};

fn inbox(policy: &Path, messages: &Path, out: &Path) -> Output {
    chanrac(&[
        "inbox",
        "--policy",
        policy.to_str().unwrap(),
        "--messages",
        messages.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ])
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

const FILES: [&str; 4] = ["dnc.csv", "reports.csv", "rejected.csv", "dnc_changes.csv"];

#[test]
fn a_day_of_messages_gives_the_expected_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let data = root().join("testdata/inbox");
    let o = inbox(&data.join("policy"), &data.join("messages.csv"), &out);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in FILES {
        assert_eq!(
            read(&out.join(f)),
            read(&data.join("expected").join(f)),
            "{f} differs from testdata/inbox/expected/{f}"
        );
    }
    assert_eq!(
        stderr(&o).trim(),
        "23 messages: 6 DK DNC, 4 HUY DNC, 6 reports, 7 rejected; dnc.csv: 7 numbers (was 4)"
    );
    // Nothing else is left in the directory (no temporary files).
    let mut names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["dnc.csv", "dnc_changes.csv", "rejected.csv", "reports.csv"]
    );
}

#[test]
fn running_twice_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let data = root().join("testdata/inbox");
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    let messages = data.join("messages.csv");
    assert!(inbox(&data.join("policy"), &messages, &a).status.success());
    // The same input again: the same files.
    assert!(inbox(&data.join("policy"), &messages, &b).status.success());
    for f in FILES {
        assert_eq!(read(&a.join(f)), read(&b.join(f)), "{f}");
    }
    // Starting from its own output's DNC list: the same list.
    assert!(inbox(&a, &messages, &c).status.success());
    assert_eq!(read(&a.join("dnc.csv")), read(&c.join("dnc.csv")));
    assert_eq!(read(&a.join("reports.csv")), read(&c.join("reports.csv")));
    // In place: --policy and --out the same directory.
    assert!(inbox(&a, &messages, &a).status.success());
    assert_eq!(read(&a.join("dnc.csv")), read(&b.join("dnc.csv")));
}

#[test]
fn later_messages_win_and_leaving_one_channel_keeps_the_other() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("policy");
    fs::create_dir(&policy).unwrap();
    fs::write(policy.join("dnc.csv"), "number,scope\n0901000001,all\n").unwrap();
    let m = tmp.path().join("m.csv");
    fs::write(
        &m,
        "time,from,text\n\
         2026-03-02T09:00:00+07:00,0901000001,HUY DNC S\n\
         2026-03-02T09:01:00+07:00,0901000002,DK DNC S\n\
         2026-03-02T09:02:00+07:00,0901000002,HUY DNC\n\
         2026-03-02T09:03:00+07:00,0901000003,HUY DNC\n\
         2026-03-02T09:04:00+07:00,0901000004,HUY DNC V\n\
         2026-03-02T09:05:00+07:00,0901000004,DK DNC V\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = inbox(&policy, &m, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        read(&out.join("dnc.csv")),
        "number,scope\n84901000001,call\n84901000004,call\n"
    );
    assert_eq!(
        read(&out.join("reports.csv")),
        "stt,reported_number,type,content,reporter,time,note\n"
    );
    assert_eq!(
        read(&out.join("rejected.csv")),
        "line,time,from,text,reason\n"
    );
}

#[test]
fn bad_rows_stop_with_file_and_line_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let data = root().join("testdata/inbox");
    let out = tmp.path().join("out");
    // A first good run, so that outputs exist and must stay as they were.
    assert!(
        inbox(&data.join("policy"), &data.join("messages.csv"), &out)
            .status
            .success()
    );
    let before: Vec<String> = FILES.iter().map(|f| read(&out.join(f))).collect();
    for (body, want) in [
        (
            "time,from,text\n2026-03-02T09:00:00+07:00,0912345678,DK DNC\n\n2026-03-02 09:00,0912345678,DK DNC\n",
            "m.csv:4: column 1 (time): bad time `2026-03-02 09:00`",
        ),
        (
            "time,from,text\n2026-03-02T09:00:00+07:00,0912345678,S [0912345678][a,b]\n",
            "m.csv:2: expected 3 fields as in the header, found 4",
        ),
        ("time,text\n", "m.csv:1: missing required column `from`"),
        (
            "time,from,text\n,0912345678,DK DNC\n",
            "m.csv:2: column 1 (time): empty required field",
        ),
    ] {
        let m = tmp.path().join("m.csv");
        fs::write(&m, body).unwrap();
        let o = inbox(&data.join("policy"), &m, &out);
        assert_eq!(o.status.code(), Some(2), "{body}");
        let err = stderr(&o);
        assert!(
            err.contains(want) && err.contains(&format!("{}", tmp.path().display())),
            "{err}"
        );
        let after: Vec<String> = FILES.iter().map(|f| read(&out.join(f))).collect();
        assert_eq!(before, after, "outputs changed after a failed run");
    }
    // A bad policy file: exit 2 naming it; a fresh output directory stays empty.
    let policy = tmp.path().join("policy");
    fs::create_dir(&policy).unwrap();
    fs::write(policy.join("dnc.csv"), "number,scope\n0912345678,email\n").unwrap();
    let fresh = tmp.path().join("fresh");
    let o = inbox(&policy, &data.join("messages.csv"), &fresh);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("dnc.csv:2: column 2 (scope)"),
        "{}",
        stderr(&o)
    );
    assert!(!fresh.exists() || fs::read_dir(&fresh).unwrap().next().is_none());
    // A missing messages file: exit 2.
    let o = inbox(&policy, &tmp.path().join("nope.csv"), &fresh);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn odd_senders_and_texts_are_rejected_rows_not_failures() {
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join("m.csv");
    fs::write(
        &m,
        "from,text,time,extra\n\
         0912 34,DK DNC,2026-03-02T09:00:00+07:00,x\n\
         +1 555 123 4567,DK DNC,2026-03-02T09:00:01+07:00,x\n\
         0912345678,\"S [0912345678][\",2026-03-02T09:00:02+07:00,x\n\
         0912345678,\"\u{0}\u{200b}\",2026-03-02T09:00:03+07:00,x\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = inbox(&root().join("testdata/inbox/policy"), &m, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let rejected = read(&out.join("rejected.csv"));
    assert_eq!(rejected.lines().count(), 5, "{rejected}");
    assert!(
        rejected.contains(
            "\n2,2026-03-02T09:00:00+07:00,0912 34,DK DNC,\"sender `0912 34` is not a phone number"
        ),
        "{rejected}"
    );
    assert!(rejected.contains("content"), "{rejected}");
}
