//! `chanrac suspensions` as a compliance team runs it twice a month: exact
//! request lists, inclusive local-date bounds, de-duplication against
//! earlier requests, bad input refused with exit status 2 and `file:line`,
//! and no partial output.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::path::PathBuf;
use std::process::Output;

mod common;
use common::{chanrac, stderr};

const R1: &str = "\
stt,reported_number,type,content,reporter,time,note
1,0912345678,sms,vay tien,84987000001,2026-03-01T00:00:00+07:00,mobile
2,84912345678,call,goi moi vay,84987000002,2026-03-05T10:00:00+07:00,mobile
3,0912 345 678,sms,vay tien,84987000003,2026-03-15T23:59:59+07:00,mobile
4,02438123456,call,ban bao hiem,84987000001,2026-03-10T09:00:00+07:00,fixed
5,842438123456,call,ban bao hiem,84987000002,2026-03-31T23:30:00+07:00,fixed
6,02438123456,call,ban bao hiem,84987000003,2026-03-31T17:30:00Z,fixed
7,0912000999,sms,x,84987000001,2026-02-28T16:59:59Z,mobile
8,VIETTEL,sms,khuyen mai,84987000001,2026-03-02T09:00:00+07:00,brandname
9,Viettel,sms,khuyen mai,84987000002,2026-03-02T09:00:00+07:00,brandname
10,9029,sms,trung thuong,84987000003,2026-03-02T09:00:00+07:00,short_code
11,9029,sms,trung thuong,84987000004,2026-03-02T09:10:00+07:00,short_code
12,0987000111,sms,nha cai,84900000001,2026-03-03T08:00:00+07:00,mobile
13,0987000111,sms,nha cai,84900000002,2026-03-03T08:05:00+07:00,mobile
14,0901111111,sms,a,84900000001,2026-03-03T08:00:00+07:00,mobile
";

// A second list from another source: columns in another order, a report
// repeated verbatim from the first list, and one more for 0987000111.
const R2: &str = "\
time,type,reported_number,reporter,content
2026-03-01T00:00:00+07:00,sms,0912345678,84987000001,vay tien
2026-03-20T12:00:00+07:00,SMS,+84 987 000 111,84900000003,nha cai
";

const HEADER: &str = "stt,number,reports,first_seen,last_seen,types\n";

struct Files {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

fn files() -> Files {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    fs::write(dir.join("r1.csv"), R1).unwrap();
    fs::write(dir.join("r2.csv"), R2).unwrap();
    Files { _tmp: tmp, dir }
}

fn run(f: &Files, extra: &[&str], out: &str) -> Output {
    let r1 = f.dir.join("r1.csv");
    let r2 = f.dir.join("r2.csv");
    let out = f.dir.join(out);
    let mut args = vec![
        "suspensions",
        "--reports",
        r1.to_str().unwrap(),
        r2.to_str().unwrap(),
        "--since",
        "2026-03-01",
        "--until",
        "2026-03-31",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    chanrac(&args)
}

#[test]
fn the_request_list_is_exact() {
    let f = files();
    let o = run(&f, &["--threshold", "2"], "req.csv");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(f.dir.join("req.csv")).unwrap(),
        format!(
            "{HEADER}\
             1,84912345678,3,2026-03-01T00:00:00+07:00,2026-03-15T23:59:59+07:00,sms+call\n\
             2,84987000111,3,2026-03-03T08:00:00+07:00,2026-03-20T12:00:00+07:00,sms\n\
             3,842438123456,2,2026-03-10T09:00:00+07:00,2026-03-31T23:30:00+07:00,call\n"
        )
    );
    let err = stderr(&o);
    assert!(
        err.contains("16 reports read, 13 distinct in 2026-03-01..2026-03-31; 3 numbers reported at least 2 times: 3 requested, 0 already requested earlier"),
        "{err}"
    );
    assert!(
        err.contains("left out: VIETTEL (2 reports; brandname"),
        "{err}"
    );
    assert!(
        err.contains("left out: 9029 (2 reports; short code"),
        "{err}"
    );
}

#[test]
fn earlier_requests_are_not_repeated() {
    let f = files();
    fs::write(
        f.dir.join("prev.csv"),
        "number,reason\n0987 000 111,QĐ 5/3\n",
    )
    .unwrap();
    let prev = f.dir.join("prev.csv");
    let o = run(
        &f,
        &["--threshold", "2", "--previous", prev.to_str().unwrap()],
        "req.csv",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let first = fs::read_to_string(f.dir.join("req.csv")).unwrap();
    assert_eq!(
        first,
        format!(
            "{HEADER}\
             1,84912345678,3,2026-03-01T00:00:00+07:00,2026-03-15T23:59:59+07:00,sms+call\n\
             2,842438123456,2,2026-03-10T09:00:00+07:00,2026-03-31T23:30:00+07:00,call\n"
        )
    );
    // The next round, with this round's list as the previous one: only what
    // it did not request.
    let req = f.dir.join("req.csv");
    let o = run(
        &f,
        &["--threshold", "2", "--previous", req.to_str().unwrap()],
        "next.csv",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(f.dir.join("next.csv")).unwrap(),
        format!(
            "{HEADER}1,84987000111,3,2026-03-03T08:00:00+07:00,2026-03-20T12:00:00+07:00,sms\n"
        )
    );
    // Running again gives the same bytes.
    let o = run(
        &f,
        &["--threshold", "2", "--previous", prev.to_str().unwrap()],
        "again.csv",
    );
    assert!(o.status.success());
    assert_eq!(fs::read_to_string(f.dir.join("again.csv")).unwrap(), first);
}

#[test]
fn threshold_and_period_bounds() {
    let f = files();
    // Threshold 1: every subscriber number in the period; 0912000999 (28
    // Feb local) and the 1 April report of 02438123456 stay out.
    let o = run(&f, &["--threshold", "1"], "req.csv");
    assert!(o.status.success(), "{}", stderr(&o));
    let got = fs::read_to_string(f.dir.join("req.csv")).unwrap();
    assert!(got.contains(",84901111111,1,"), "{got}");
    assert!(!got.contains("84912000999"), "{got}");
    assert!(got.contains(",842438123456,2,"), "{got}");
    // Threshold 4: nobody.
    let o = run(&f, &["--threshold", "4"], "none.csv");
    assert!(o.status.success());
    assert_eq!(fs::read_to_string(f.dir.join("none.csv")).unwrap(), HEADER);
    // A one-day period at the end: 31 March local only.
    let r1 = f.dir.join("r1.csv");
    let out = f.dir.join("day.csv");
    let o = chanrac(&[
        "suspensions",
        "--reports",
        r1.to_str().unwrap(),
        "--since",
        "2026-03-31",
        "--until",
        "2026-03-31",
        "--threshold",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(&out).unwrap(),
        format!(
            "{HEADER}1,842438123456,1,2026-03-31T23:30:00+07:00,2026-03-31T23:30:00+07:00,call\n"
        )
    );
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let f = files();
    let bad = f.dir.join("bad.csv");
    for (body, want) in [
        (
            R1.replace("10,9029,sms,", "10,9029,fax,"),
            "bad.csv:11: column 3 (type): unknown type `fax`: expected sms or call",
        ),
        (
            R1.replace("0901111111", "0901 111"),
            "bad.csv:15: column 2 (reported_number): bad reported number `0901 111`",
        ),
        (
            R1.replace("2026-03-05T10:00:00+07:00", "05/03/2026 10:00"),
            "bad.csv:3: column 6 (time): bad time `05/03/2026 10:00`",
        ),
        (
            "stt,number,type,time\n".to_string(),
            "bad.csv:1: missing required column `reported_number`",
        ),
    ] {
        fs::write(&bad, body).unwrap();
        let out = f.dir.join("out.csv");
        let o = chanrac(&[
            "suspensions",
            "--reports",
            f.dir.join("r1.csv").to_str().unwrap(),
            "--reports",
            bad.to_str().unwrap(),
            "--since",
            "2026-03-01",
            "--until",
            "2026-03-31",
            "--threshold",
            "1",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(want), "{}", stderr(&o));
        assert!(!out.exists());
    }
    for (extra, want) in [
        (vec!["--threshold", "0"], "--threshold must be at least 1"),
        (vec!["--threshold", "x"], "invalid value"),
    ] {
        let o = run(&f, &extra, "out.csv");
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains(want), "{}", stderr(&o));
    }
    let r1 = f.dir.join("r1.csv");
    for (since, until, want) in [
        (
            "2026-3-01",
            "2026-03-31",
            "--since `2026-3-01`: expected a date YYYY-MM-DD",
        ),
        ("2026-03-01", "2026-02-30", "--until `2026-02-30`"),
        ("2026-04-01", "2026-03-31", "is after --until"),
    ] {
        let out = f.dir.join("out.csv");
        let o = chanrac(&[
            "suspensions",
            "--reports",
            r1.to_str().unwrap(),
            "--since",
            since,
            "--until",
            until,
            "--threshold",
            "1",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains(want), "{}", stderr(&o));
        assert!(!out.exists());
    }
    // A bad previous list, and a missing one.
    fs::write(f.dir.join("prev.csv"), "number\nabc\n").unwrap();
    let prev = f.dir.join("prev.csv");
    let o = run(
        &f,
        &["--threshold", "1", "--previous", prev.to_str().unwrap()],
        "out.csv",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("prev.csv:2: column 1 (number): bad number `abc`"),
        "{}",
        stderr(&o)
    );
    let o = run(
        &f,
        &["--threshold", "1", "--previous", "/nonexistent/prev.csv"],
        "out.csv",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(!f.dir.join("out.csv").exists());
}

#[test]
fn from_the_inbox_to_the_request_list() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("req.csv");
    let o = chanrac(&[
        "suspensions",
        "--reports",
        "testdata/inbox/expected/reports.csv",
        "--since",
        "2026-03-01",
        "--until",
        "2026-03-15",
        "--threshold",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(&out).unwrap(),
        format!(
            "{HEADER}\
             1,842438123456,2,2026-03-02T08:15:03+07:00,2026-03-02T11:00:00+07:00,call\n\
             2,84912345678,2,2026-03-02T08:01:40+07:00,2026-03-02T11:30:00+07:00,sms\n"
        )
    );
}
