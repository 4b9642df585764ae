//! `chanrac cases` over two months of simulated reports, table-driven: the
//! right notices on the right days, suspension requests only on the 5th and
//! 25th, never the same number requested twice, restorations only after
//! payment, every command run twice per day leaving the ledger byte for
//! byte as the first run left it, and damaged ledger files refused with
//! file and line.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::{chanrac, stderr};

const A: &str = "84912000001";
const B: &str = "84912000002";
const C: &str = "84912000003";
const D: &str = "84912000004";
const G: &str = "84912000007";
const H: &str = "84912000008";

/// Report rows by the day they arrive: (reported as written, type, reporter, time).
fn reports_of(day: &str) -> Vec<(&'static str, &'static str, &'static str, String)> {
    let t = |h: &str| format!("2026-{day}T{h}:00+07:00");
    match day {
        // A twice (one call), G twice; the threshold is 2.
        "03-01" => vec![
            ("0912 000 001", "sms", "0987000001", t("08:00")),
            ("0912000001", "call", "0987000002", t("08:30")),
            ("0912000007", "sms", "0987000001", t("09:00")),
            ("+84912000007", "sms", "0987000003", t("09:10")),
            // A short code, a brandname and a fixed line: referrals.
            ("9029", "sms", "0987000001", t("10:00")),
            ("9029", "sms", "0987000002", t("10:01")),
            ("SHOPVN", "sms", "0987000001", t("10:02")),
            ("SHOPVN", "sms", "0987000004", t("10:03")),
            ("02431234567", "call", "0987000001", t("10:04")),
            ("024 3123 4567", "call", "0987000005", t("10:05")),
        ],
        // B twice, and yesterday's first row of A again (not counted twice).
        "03-02" => vec![
            ("0912000002", "sms", "0987000001", t("07:00")),
            ("0912000002", "sms", "0987000009", t("07:30")),
            (
                "0912000001",
                "sms",
                "0987000001",
                "2026-03-01T08:00:00+07:00".into(),
            ),
        ],
        // H once: below the threshold until its second report on 03-12.
        "03-03" => vec![("0912000008", "sms", "0987000001", t("11:00"))],
        "03-10" => vec![
            ("0912000003", "sms", "0987000001", t("12:00")),
            ("0912000003", "call", "0987000002", t("12:00")),
        ],
        "03-12" => vec![("0912000008", "call", "0987000002", t("11:00"))],
        // C again while notified: its count grows, nothing else changes.
        "03-20" => vec![("0912000003", "sms", "0987000006", t("12:00"))],
        "03-23" => vec![
            ("0912000004", "sms", "0987000001", t("12:00")),
            ("0912000004", "sms", "0987000002", t("13:00")),
        ],
        _ => vec![],
    }
}

/// What the department and the carriers do on a day (before `notify`).
enum Step {
    Confirm(&'static str),
    Mark(&'static str, &'static str),
    /// A `mark` the ledger refuses (exit 2, nothing changed).
    MarkRefused(&'static str, &'static str),
}

fn steps_of(day: &str) -> Vec<Step> {
    match day {
        "03-06" => vec![Step::Mark(B, "came-in")],
        "03-26" => vec![Step::Mark(H, "paid"), Step::MarkRefused(C, "came-in")],
        // D is not requested yet: skipped, not an error.
        "03-27" => vec![Step::Confirm(
            "number,status\n0912000001,suspended\n0912000003,\n0912000004,suspended\n",
        )],
        "03-28" => vec![Step::Mark(A, "paid")],
        "04-07" => vec![Step::Confirm(
            "number,status,date\n84912000001,restored,2026-04-06\n84912000004,suspended,\n",
        )],
        "04-08" => vec![Step::Confirm("number\n0912000008\n")],
        _ => vec![],
    }
}

/// The notices expected each day: (number, which).
fn notices_of(day: &str) -> Vec<(&'static str, u32)> {
    match day {
        "03-01" => vec![(A, 1), (G, 1)],
        "03-02" => vec![(B, 1)],
        "03-04" => vec![(A, 2), (G, 2)],
        "03-05" => vec![(B, 2)],
        // B came in on 03-06: no third notice on 03-08.
        "03-07" => vec![(A, 3), (G, 3)],
        "03-10" => vec![(C, 1)],
        "03-12" => vec![(H, 1)],
        "03-13" => vec![(C, 2)],
        "03-15" => vec![(H, 2)],
        "03-16" => vec![(C, 3)],
        "03-18" => vec![(H, 3)],
        "03-23" => vec![(D, 1)],
        "03-26" => vec![(D, 2)],
        "03-29" => vec![(D, 3)],
        _ => vec![],
    }
}

/// The suspension request list expected on a request day.
fn requests_of(day: &str) -> Vec<&'static str> {
    match day {
        // A's third notice is on 03-07: not ready on 03-05. G was requested
        // before the ledger (requests.csv): never again.
        "03-25" => vec![A, C, H],
        // D's third notice was on 03-29; ready from 04-01.
        "04-05" => vec![D],
        _ => vec![],
    }
}

/// The restoration list expected on a restoration day.
fn restores_of(day: &str) -> Vec<&'static str> {
    match day {
        // A paid on 03-28 and is suspended; H paid on 03-26 while
        // requested (not yet confirmed). 04-05 is a Sunday, kept.
        "04-05" => vec![A, H],
        _ => vec![],
    }
}

fn days() -> Vec<String> {
    let mut v = vec![];
    for d in 1..=31 {
        v.push(format!("03-{d:02}"));
    }
    for d in 1..=30 {
        v.push(format!("04-{d:02}"));
    }
    v
}

/// Every file of a directory, by name.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs a `cases` subcommand for `day` twice; the second run must leave
/// the ledger and the outputs exactly as the first left them.
fn twice(ledger: &Path, day: &str, args: &[&str], outs: &[&Path]) -> Output {
    let today = format!("2026-{day}");
    let mut full: Vec<&str> = vec!["cases"];
    full.extend_from_slice(&args[..1]);
    full.extend_from_slice(&[
        "--ledger",
        s(ledger),
        "--today",
        &today,
        "--by",
        "tester",
        "-q",
    ]);
    full.extend_from_slice(&args[1..]);
    let first = chanrac(&full);
    let led = snapshot(ledger);
    let out: Vec<Option<Vec<u8>>> = outs.iter().map(|p| fs::read(p).ok()).collect();
    let second = chanrac(&full);
    assert_eq!(
        first.status.code(),
        second.status.code(),
        "{args:?} on {day}"
    );
    assert!(
        led == snapshot(ledger),
        "{args:?} run twice on {day} changed the ledger"
    );
    let again: Vec<Option<Vec<u8>>> = outs.iter().map(|p| fs::read(p).ok()).collect();
    assert_eq!(out, again, "{args:?} run twice on {day} changed its output");
    first
}

fn ok(o: &Output, what: &str) {
    assert!(o.status.success(), "{what}: {}", stderr(o));
}

/// The `number` (or `reported_number`) column of an output CSV.
fn numbers_in(csv: &str, col: &str) -> Vec<String> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let i = header.iter().position(|h| *h == col).unwrap();
    lines
        .map(|l| l.split(',').nth(i).unwrap().to_string())
        .collect()
}

fn cases_csv(ledger: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let text = fs::read_to_string(ledger.join("cases.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    lines
        .map(|l| {
            let m: BTreeMap<String, String> = header
                .iter()
                .cloned()
                .zip(l.split(',').map(str::to_string))
                .collect();
            (m["number"].clone(), m)
        })
        .collect()
}

/// Sets up a ledger with threshold 2 and one number (G) requested before
/// the ledger existed.
fn new_ledger(tmp: &Path) -> PathBuf {
    let ledger = tmp.join("ledger");
    ok(
        &chanrac(&[
            "cases",
            "init",
            "--ledger",
            s(&ledger),
            "--today",
            "2026-02-28",
            "--by",
            "tester",
        ]),
        "init",
    );
    let cfg = fs::read_to_string(ledger.join("config.toml")).unwrap();
    fs::write(
        ledger.join("config.toml"),
        cfg.replace("threshold = 1", "threshold = 2"),
    )
    .unwrap();
    fs::write(
        ledger.join("requests.csv"),
        format!("number,requested\n{G},2026-02-25\n"),
    )
    .unwrap();
    ledger
}

/// Runs the whole simulation; returns the ledger.
fn simulate(tmp: &Path) -> PathBuf {
    let ledger = new_ledger(tmp);
    let out = tmp.join("out");
    fs::create_dir(&out).unwrap();
    let mut requested_ever: BTreeSet<String> = BTreeSet::new();
    for day in days() {
        // 1. New reports.
        let rows = reports_of(&day);
        if !rows.is_empty() {
            let f = out.join(format!("reports-{day}.csv"));
            let mut csv = String::from("stt,reported_number,type,content,reporter,time,note\n");
            for (i, (n, t, r, time)) in rows.iter().enumerate() {
                csv.push_str(&format!("{},{n},{t},spam text,{r},{time},\n", i + 1));
            }
            fs::write(&f, csv).unwrap();
            ok(
                &twice(&ledger, &day, &["open", "--reports", s(&f)], &[]),
                "open",
            );
        }
        // 2. The department's marks and the carriers' confirmations.
        for step in steps_of(&day) {
            match step {
                Step::Confirm(text) => {
                    let f = out.join(format!("carrier-{day}.csv"));
                    fs::write(&f, text).unwrap();
                    ok(
                        &twice(&ledger, &day, &["confirm", "--file", s(&f)], &[]),
                        "confirm",
                    );
                }
                Step::Mark(n, what) => {
                    ok(&twice(&ledger, &day, &["mark", n, what], &[]), "mark");
                }
                Step::MarkRefused(n, what) => {
                    let before = snapshot(&ledger);
                    let o = twice(&ledger, &day, &["mark", n, what], &[]);
                    assert_eq!(o.status.code(), Some(2), "{n} {what} on {day}");
                    assert!(stderr(&o).contains("mark it paid"), "{}", stderr(&o));
                    assert!(before == snapshot(&ledger));
                }
            }
        }
        // 3. Notices.
        let notices = out.join(format!("notices-{day}.csv"));
        ok(
            &twice(
                &ledger,
                &day,
                &["notify", "--out", s(&notices)],
                &[&notices],
            ),
            "notify",
        );
        let text = fs::read_to_string(&notices).unwrap();
        let got: BTreeSet<String> = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect();
        let want: BTreeSet<String> = notices_of(&day)
            .iter()
            .map(|(n, k)| format!("notice-{n}-{k}"))
            .collect();
        assert_eq!(got, want, "notices on {day}");
        for l in text.lines().skip(1) {
            assert!(
                l.contains(&format!(
                    "2026-{day}T09:00:00+07:00,sms,care,SoTTTTHaNoi,SoTTTTHaNoi,"
                )),
                "{l}"
            );
        }
        // 4. Suspension requests: only on the 5th and the 25th.
        let req = out.join(format!("request-{day}.csv"));
        let susp = out.join("suspended.csv");
        let o = twice(
            &ledger,
            &day,
            &["request", "--out", s(&req), "--suspended", s(&susp)],
            &[&req, &susp],
        );
        ok(&o, "request");
        let request_day = day.ends_with("-05") || day.ends_with("-25");
        assert_eq!(req.exists(), request_day, "request file on {day}");
        if request_day {
            let text = fs::read_to_string(&req).unwrap();
            assert!(text.starts_with("stt,reported_number,type,content,reporter,time,note"));
            let got = numbers_in(&text, "reported_number");
            let want: Vec<String> = requests_of(&day).iter().map(|n| n.to_string()).collect();
            assert_eq!(got, want, "requests on {day}");
            for n in got {
                assert!(requested_ever.insert(n.clone()), "{n} requested twice");
            }
        } else {
            assert!(requests_of(&day).is_empty());
        }
        // 5. Restorations: only on the 5th, 15th and 25th.
        let res = out.join(format!("restore-{day}.csv"));
        let o = twice(
            &ledger,
            &day,
            &["restore", "--out", s(&res), "--suspended", s(&susp)],
            &[&res, &susp],
        );
        ok(&o, "restore");
        let restore_day = ["-05", "-15", "-25"].iter().any(|x| day.ends_with(x));
        assert_eq!(res.exists(), restore_day, "restore file on {day}");
        if restore_day {
            let got = numbers_in(&fs::read_to_string(&res).unwrap(), "number");
            let want: Vec<String> = restores_of(&day).iter().map(|n| n.to_string()).collect();
            assert_eq!(got, want, "restorations on {day}");
            // Only cases marked paid on or before the day.
            let cases = cases_csv(&ledger);
            for n in &want {
                let paid = &cases[n]["paid"];
                assert!(!paid.is_empty() && *paid <= format!("2026-{day}"), "{n}");
            }
        }
        // suspended.csv: the numbers requested and not yet restored.
        if susp.exists() {
            let got: BTreeSet<String> = numbers_in(&fs::read_to_string(&susp).unwrap(), "number")
                .into_iter()
                .collect();
            let want: BTreeSet<String> = cases_csv(&ledger)
                .values()
                .filter(|c| c["state"] == "requested" || c["state"] == "suspended")
                .map(|c| c["number"].clone())
                .collect();
            assert_eq!(got, want, "suspended.csv on {day}");
        }
    }
    ledger
}

/// Runs every day's commands again, after the last day: the ledger stays
/// as it is and each day's lists come out as they first did.
fn rerun_every_day(tmp: &Path, ledger: &Path) {
    let out = tmp.join("out");
    let again = tmp.join("again");
    fs::create_dir(&again).unwrap();
    let before = snapshot(ledger);
    for day in days() {
        let today = format!("2026-{day}");
        let run = |args: &[&str]| {
            let mut a = vec![
                "cases",
                args[0],
                "--ledger",
                s(ledger),
                "--today",
                &today,
                "--by",
                "tester",
                "-q",
            ];
            a.extend_from_slice(&args[1..]);
            chanrac(&a)
        };
        let f = out.join(format!("reports-{day}.csv"));
        if f.exists() {
            ok(&run(&["open", "--reports", s(&f)]), "open again");
        }
        let f = out.join(format!("carrier-{day}.csv"));
        if f.exists() {
            ok(&run(&["confirm", "--file", s(&f)]), "confirm again");
        }
        for step in steps_of(&day) {
            if let Step::Mark(n, what) = step {
                ok(&run(&["mark", n, what]), "mark again");
            }
        }
        for (cmd, name) in [
            ("notify", "notices"),
            ("request", "request"),
            ("restore", "restore"),
        ] {
            let first = out.join(format!("{name}-{day}.csv"));
            let second = again.join(format!("{name}-{day}.csv"));
            ok(&run(&[cmd, "--out", s(&second)]), cmd);
            assert_eq!(
                fs::read_to_string(&first).ok(),
                fs::read_to_string(&second).ok(),
                "{cmd} on {day} again"
            );
        }
        assert!(
            before == snapshot(ledger),
            "rerunning {day} changed the ledger"
        );
    }
}

#[test]
fn a_simulated_month_follows_the_procedure() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = simulate(tmp.path());
    rerun_every_day(tmp.path(), &ledger);
    let cases = cases_csv(&ledger);
    let state = |n: &str| cases[n]["state"].as_str();
    assert_eq!(state(A), "restored");
    assert_eq!(cases[A]["restored"], "2026-04-06");
    assert_eq!(cases[A]["restore_requested"], "2026-04-05");
    assert_eq!(state(B), "closed");
    assert_eq!(cases[B]["came_in"], "2026-03-06");
    assert_eq!(state(C), "suspended", "never paid: never restored");
    assert_eq!(cases[C]["reports"], "3");
    assert_eq!(state(D), "suspended");
    assert_eq!(cases[D]["suspended"], "2026-04-07");
    assert_eq!(
        state(G),
        "requested",
        "requested before the ledger: not again"
    );
    assert_eq!(cases[G]["requested"], "2026-02-25");
    assert_eq!(state(H), "restore_requested");
    assert_eq!(cases[H]["restore_requested"], "2026-04-05");
    // The carrier's late confirmation (04-08) is dated, the state kept.
    assert_eq!(cases[H]["suspended"], "2026-04-08");
    assert_eq!(
        cases[A]["reports"], "2",
        "a repeated report row counts once"
    );
    assert_eq!(cases.len(), 6, "{cases:?}");
    // Short codes, brandnames and fixed lines are referred, not notified.
    let referrals = fs::read_to_string(ledger.join("referrals.csv")).unwrap();
    assert!(
        referrals.contains("9029,short_code,service provider,2,"),
        "{referrals}"
    );
    assert!(referrals.contains("SHOPVN,brandname,AIS,2,"), "{referrals}");
    assert!(
        referrals.contains("842431234567,fixed,carrier,2,"),
        "{referrals}"
    );
    // requests.csv: every number once.
    let reqs = fs::read_to_string(ledger.join("requests.csv")).unwrap();
    assert_eq!(
        reqs,
        format!("number,requested\n{G},2026-02-25\n{A},2026-03-25\n{C},2026-03-25\n{H},2026-03-25\n{D},2026-04-05\n")
    );
    // Every change is dated and attributed.
    let history = fs::read_to_string(ledger.join("history.jsonl")).unwrap();
    for l in history.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["by"], "tester");
        assert!(v["date"].as_str().unwrap().starts_with("2026-"));
    }
    assert!(history.contains(&format!(
        "{{\"by\":\"tester\",\"command\":\"mark\",\"date\":\"2026-03-28\",\"detail\":\"paid\",\"from\":\"suspended\",\"number\":\"{A}\",\"to\":\"suspended\"}}"
    )), "{history}");
    // No temporary files left in the ledger.
    let names: Vec<String> = snapshot(&ledger).into_keys().collect();
    assert_eq!(
        names,
        [
            "cases.csv",
            "config.toml",
            "history.jsonl",
            "referrals.csv",
            "reports.csv",
            "requests.csv"
        ]
    );
}

/// Spoils a ledger file's text.
type Damage = fn(&str) -> String;

#[test]
fn a_damaged_ledger_is_refused_with_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = new_ledger(tmp.path());
    let reports = tmp.path().join("r.csv");
    fs::write(
        &reports,
        "reported_number,type,time\n0912000001,sms,2026-03-01T08:00:00+07:00\n0912000001,call,2026-03-01T09:00:00+07:00\n0912000002,sms,2026-03-01T08:00:00+07:00\n0912000002,sms,2026-03-01T09:00:00+07:00\n",
    )
    .unwrap();
    let day = |args: &[&str]| {
        let mut a = vec![
            "cases",
            args[0],
            "--ledger",
            s(&ledger),
            "--today",
            "2026-03-01",
            "-q",
        ];
        a.extend_from_slice(&args[1..]);
        chanrac(&a)
    };
    ok(&day(&["open", "--reports", s(&reports)]), "open");
    let good = snapshot(&ledger);
    // (file, damage, what the message must start with)
    let table: &[(&str, Damage, &str)] = &[
        (
            "cases.csv",
            |t| t.replacen(",reported,", ",reportd,", 1),
            "cases.csv:2: column 3 (state): unknown state `reportd`",
        ),
        (
            "cases.csv",
            |t| {
                t.replace(
                    "84912000002,mobile,reported,0",
                    "84912000002,mobile,reported,1",
                )
            },
            "cases.csv:3: column 4 (notices): 1 notices but 0 notice dates",
        ),
        (
            "cases.csv",
            |t| t.replace("2026-03-01", "2026-3-1"),
            "cases.csv:2: column 6 (opened): bad date `2026-3-1`",
        ),
        (
            "cases.csv",
            |t| format!("{t}84912000003,mobile\n"),
            "cases.csv:4: expected 16 fields as in the header, found 2",
        ),
        (
            "reports.csv",
            |t| t.replacen(",call,", ",fax,", 1),
            "reports.csv:3: column 2 (type): unknown type `fax`",
        ),
        (
            "referrals.csv",
            |t| format!("{t}9029,sms_code,service provider,1,,,2026-03-01\n"),
            "referrals.csv:2: column 2 (class): unknown class `sms_code`",
        ),
        (
            "cases.csv",
            |t| t.replacen(",opened,", ",open,", 1),
            "cases.csv:1: missing required column `opened`",
        ),
        (
            "reports.csv",
            |t| t.replacen("2026-03-01T09:00:00+07:00", "2026-03-01 09:00", 1),
            "reports.csv:3: column 5 (time): bad time `2026-03-01 09:00`",
        ),
        (
            "requests.csv",
            |t| format!("{t}0912,2026-03-01\n"),
            "requests.csv:3: column 1 (number): `0912` is a short code",
        ),
        (
            "history.jsonl",
            |t| t.replacen('}', "", 1),
            "history.jsonl:1: not a history entry",
        ),
        (
            "history.jsonl",
            |t| t.trim_end().to_string(),
            "history.jsonl:4: the last line is cut short",
        ),
        (
            "config.toml",
            |t| t.replace("spacing_days = 3", "spacing_days = -3"),
            "config.toml:4: `spacing_days`: expected a whole number",
        ),
    ];
    for (file, damage, want) in table {
        let p = ledger.join(file);
        let orig = fs::read_to_string(&p).unwrap();
        fs::write(&p, damage(&orig)).unwrap();
        let damaged = snapshot(&ledger);
        for args in [
            &["status"][..],
            &["notify", "--out", s(&tmp.path().join("n.csv"))][..],
        ] {
            let o = day(args);
            assert_eq!(o.status.code(), Some(2), "{file}: {args:?}");
            let err = stderr(&o);
            let at = err
                .find(want)
                .unwrap_or_else(|| panic!("{file}: want `{want}` in {err}"));
            assert!(err[..at].ends_with('/'), "{err}");
            assert!(damaged == snapshot(&ledger), "a refused ledger was changed");
            assert!(!tmp.path().join("n.csv").exists());
        }
        fs::write(&p, orig).unwrap();
    }
    assert!(good == snapshot(&ledger));
    ok(&day(&["status"]), "status after repair");
    // No ledger at all.
    let o = chanrac(&["cases", "status", "--ledger", s(&tmp.path().join("none"))]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cases init"), "{}", stderr(&o));
}

#[test]
fn notices_are_events_replay_delivers_from_the_registered_brandname() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = tmp.path().join("ledger");
    let run = |args: &[&str]| {
        let mut a = vec![
            "cases",
            args[0],
            "--ledger",
            s(&ledger),
            "--today",
            "2026-03-02",
            "-q",
        ];
        a.extend_from_slice(&args[1..]);
        chanrac(&a)
    };
    ok(&run(&["init"]), "init");
    let reports = tmp.path().join("r.csv");
    fs::write(
        &reports,
        "stt,reported_number,type,content,reporter,time,note\n1,0912000001,sms,x,0987000001,2026-03-01T08:00:00+07:00,mobile\n2,0987 654 321,call,,0987000001,2026-03-01T08:00:00+07:00,mobile\n",
    )
    .unwrap();
    ok(&run(&["open", "--reports", s(&reports)]), "open");
    let events = tmp.path().join("notices.csv");
    ok(&run(&["notify", "--out", s(&events)]), "notify");
    let policy = tmp.path().join("policy");
    fs::create_dir(&policy).unwrap();
    fs::write(
        policy.join("brandnames.csv"),
        "identifier,advertiser,status,valid_from,valid_until\nSoTTTTHaNoi,SoTTTTHaNoi,active,,\n",
    )
    .unwrap();
    fs::write(
        policy.join("signatures.csv"),
        "id,kind,pattern\nloan,literal,vay tien\n",
    )
    .unwrap();
    let replay = |policy: &Path| {
        let o = chanrac(&[
            "replay",
            "--policy",
            s(policy),
            "--events",
            s(&events),
            "-q",
        ]);
        ok(&o, "replay");
        String::from_utf8(o.stdout).unwrap()
    };
    let verdicts = replay(&policy);
    assert_eq!(verdicts.lines().count(), 2, "{verdicts}");
    for l in verdicts.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["decision"], "allow", "{l}");
    }
    // The same notices as JSON Lines (a rerun of the day): the same verdicts.
    let jsonl = tmp.path().join("notices.jsonl");
    ok(&run(&["notify", "--out", s(&jsonl)]), "notify jsonl");
    let o = chanrac(&[
        "replay",
        "--policy",
        s(&policy),
        "--events",
        s(&jsonl),
        "-q",
    ]);
    ok(&o, "replay jsonl");
    assert_eq!(String::from_utf8(o.stdout).unwrap(), verdicts);
    assert_eq!(fs::read_to_string(&jsonl).unwrap().lines().count(), 2);
    // The same notices from an unregistered name are blocked: the policy
    // above is what lets them through.
    fs::write(
        policy.join("brandnames.csv"),
        "identifier,advertiser,status,valid_from,valid_until\n",
    )
    .unwrap();
    let verdicts = replay(&policy);
    assert!(verdicts.contains("BRAND_UNREGISTERED"), "{verdicts}");
}

#[test]
fn reports_dated_after_today_wait_for_their_day() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = tmp.path().join("ledger");
    ok(&chanrac(&["cases", "init", "--ledger", s(&ledger)]), "init");
    let reports = tmp.path().join("month.csv");
    fs::write(
        &reports,
        "reported_number,type,time\n0912000001,sms,2026-03-01T23:59:59+07:00\n0912000002,sms,2026-03-01T17:00:00Z\n",
    )
    .unwrap();
    let open = |day: &str| {
        let o = chanrac(&[
            "cases",
            "open",
            "--ledger",
            s(&ledger),
            "--today",
            day,
            "--reports",
            s(&reports),
        ]);
        ok(&o, "open");
        stderr(&o)
    };
    // 17:00Z on 03-01 is 00:00 on 03-02 at +07:00.
    let e = open("2026-03-01");
    assert!(e.contains("1 new, 1 dated after 2026-03-01"), "{e}");
    assert_eq!(cases_csv(&ledger).keys().collect::<Vec<_>>(), [A]);
    let e = open("2026-03-02");
    assert!(e.contains("1 new, 0 dated after"), "{e}");
    assert_eq!(cases_csv(&ledger)[B]["opened"], "2026-03-02");
}

#[test]
fn request_and_restore_off_schedule_write_nothing_and_say_so() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = tmp.path().join("ledger");
    ok(&chanrac(&["cases", "init", "--ledger", s(&ledger)]), "init");
    let before = snapshot(&ledger);
    let out = tmp.path().join("x.csv");
    let o = chanrac(&[
        "cases",
        "request",
        "--ledger",
        s(&ledger),
        "--today",
        "2026-03-06",
        "--out",
        s(&out),
    ]);
    ok(&o, "request");
    assert!(stderr(&o).contains("not a request day"), "{}", stderr(&o));
    assert!(stderr(&o).contains("next: 2026-03-25"), "{}", stderr(&o));
    let o = chanrac(&[
        "cases",
        "restore",
        "--ledger",
        s(&ledger),
        "--today",
        "2026-03-16",
        "--out",
        s(&out),
    ]);
    ok(&o, "restore");
    assert!(stderr(&o).contains("next: 2026-03-25"), "{}", stderr(&o));
    assert!(!out.exists());
    assert!(before == snapshot(&ledger));
    // A scheduled day on a weekend is kept, and said so.
    let o = chanrac(&[
        "cases",
        "request",
        "--ledger",
        s(&ledger),
        "--today",
        "2026-04-05",
        "--out",
        s(&out),
    ]);
    ok(&o, "request");
    assert!(
        stderr(&o).contains("a Sunday: kept as scheduled"),
        "{}",
        stderr(&o)
    );
    assert!(out.exists());
    // A holiday from config.toml is named the same way, on the command and
    // on the status page.
    let cfg = ledger.join("config.toml");
    let text = fs::read_to_string(&cfg).unwrap();
    assert!(text.contains("\nholidays = \"\"\n"), "{text}");
    fs::write(
        &cfg,
        text.replace(
            "holidays = \"\"",
            "holidays = \"2026-04-30 2026-05-01 2026-05-25\"",
        ),
    )
    .unwrap();
    let o = chanrac(&[
        "cases",
        "restore",
        "--ledger",
        s(&ledger),
        "--today",
        "2026-05-25",
        "--out",
        s(&out),
    ]);
    ok(&o, "restore");
    assert!(
        stderr(&o).contains("note: 2026-05-25 is a holiday: kept as scheduled"),
        "{}",
        stderr(&o)
    );
    let page = tmp.path().join("status.html");
    ok(
        &chanrac(&[
            "cases",
            "status",
            "--ledger",
            s(&ledger),
            "--today",
            "2026-05-20",
            "--html",
            s(&page),
        ]),
        "status",
    );
    let html = fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("Next suspension request: 2026-05-25 (a holiday: kept as scheduled)"),
        "{html}"
    );
    fs::write(
        &cfg,
        text.replace("holidays = \"\"", "holidays = \"2026-02-30\""),
    )
    .unwrap();
    let o = chanrac(&["cases", "status", "--ledger", s(&ledger)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("config.toml:11: `holidays`: bad date `2026-02-30`"),
        "{}",
        stderr(&o)
    );
    let o = chanrac(&[
        "cases",
        "status",
        "--ledger",
        s(&ledger),
        "--today",
        "2026-13-01",
    ]);
    assert_eq!(o.status.code(), Some(2));
}
