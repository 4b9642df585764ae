//! `chanrac cases status --html` and `chanrac return`: the figures, the
//! pages escaped and self-contained, overdue steps and weekend days marked,
//! and — in a real headless Chromium, as `report_html.rs` does — the tables
//! rendered. The Chromium test skips when no browser is found unless
//! `CHANRAC_REQUIRE_CHROMIUM` is set.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{chanrac, stderr};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn ok(o: &Output, what: &str) {
    assert!(o.status.success(), "{what}: {}", stderr(o));
}

/// A ledger whose directory name tries to inject markup: one case notified
/// once on 03-01 (its second notice overdue by 03-26), one opened on 03-26.
fn ledger_with_cases(tmp: &Path) -> PathBuf {
    let ledger = tmp.join("l<script>alert(1)</script>&\"x");
    let run = |day: &str, args: &[&str]| {
        let mut a = vec![
            "cases",
            args[0],
            "--ledger",
            s(&ledger),
            "--today",
            day,
            "-q",
        ];
        a.extend_from_slice(&args[1..]);
        let o = chanrac(&a);
        ok(&o, args[0]);
        o
    };
    run("2026-03-01", &["init"]);
    let r1 = tmp.join("r1.csv");
    fs::write(
        &r1,
        "reported_number,type,time,reporter\n0912000001,sms,2026-03-01T08:00:00+07:00,0987000001\nSHOP-VN,sms,2026-03-01T08:00:00+07:00,0987000001\n",
    )
    .unwrap();
    run("2026-03-01", &["open", "--reports", s(&r1)]);
    run("2026-03-01", &["notify", "--out", s(&tmp.join("n1.csv"))]);
    let r2 = tmp.join("r2.csv");
    fs::write(
        &r2,
        "reported_number,type,time\n0912000002,call,2026-03-26T08:00:00+07:00\n",
    )
    .unwrap();
    run("2026-03-26", &["open", "--reports", s(&r2)]);
    ledger
}

fn status_page(tmp: &Path) -> (PathBuf, String, String) {
    let ledger = ledger_with_cases(tmp);
    let html = tmp.join("status.html");
    let o = chanrac(&[
        "cases",
        "status",
        "--ledger",
        s(&ledger),
        "--today",
        "2026-03-26",
        "--html",
        s(&html),
    ]);
    ok(&o, "status");
    (
        html.clone(),
        fs::read_to_string(&html).unwrap(),
        String::from_utf8(o.stdout).unwrap(),
    )
}

#[test]
fn the_status_table_and_page_show_states_ages_and_overdue_steps() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, html, table) = status_page(tmp.path());
    // The table on standard output.
    assert!(table.contains("  notified           1\n"), "{table}");
    assert!(table.contains("  reported           1\n"), "{table}");
    let a = table
        .lines()
        .find(|l| l.starts_with("84912000001"))
        .unwrap();
    assert!(a.contains(" notified "), "{a}");
    assert!(a.contains("   25  notice 2"), "age 25 days: {a}");
    assert!(a.contains("2026-03-04 22 days"), "overdue since 03-04: {a}");
    let b = table
        .lines()
        .find(|l| l.starts_with("84912000002"))
        .unwrap();
    assert!(
        b.contains("notice 1") && b.trim_end().ends_with("2026-03-26"),
        "{b}"
    );
    assert!(table.contains("2 open cases, 1 overdue"), "{table}");
    // The page: escaped, nothing fetched, the overdue row marked.
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"));
    assert!(html.contains("l&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;x"));
    for fetch in ["src=\"", "href=\"", "url(", "@import", "<link"] {
        assert!(!html.contains(fetch), "{fetch}");
    }
    assert_eq!(html.matches("<tr class=\"overdue\">").count(), 1, "{html}");
    assert!(html.contains("<tr class=\"overdue\"><td>84912000001</td><td>notified</td>"));
    // The next request day, 2026-04-05, is a Sunday: kept and said so.
    assert!(
        html.contains("Next suspension request: 2026-04-05 (a Sunday: kept as scheduled)"),
        "{html}"
    );
    assert!(html.contains("<table id=\"referrals\">"));
    assert!(html.contains("<td>SHOP-VN</td><td>brandname</td><td>AIS</td>"));
}

/// Events over two months, replayed; the verdicts joined back by id.
fn replayed(tmp: &Path) -> (PathBuf, PathBuf) {
    let policy = tmp.join("policy");
    fs::create_dir(&policy).unwrap();
    fs::write(policy.join("dnc.csv"), "number,scope\n0912000009,all\n").unwrap();
    fs::write(
        policy.join("brandnames.csv"),
        "identifier,advertiser,status,valid_from,valid_until\nSHOP,shop,active,,\n",
    )
    .unwrap();
    fs::write(
        policy.join("consents.csv"),
        "advertiser,recipient,state,time\nshop,0912000008,optin,2026-01-01T00:00:00+07:00\n",
    )
    .unwrap();
    let events = tmp.join("events.csv");
    fs::write(
        &events,
        "id,time,channel,kind,source,advertiser,recipient,text\n\
         feb,2026-02-28T10:00:00+07:00,sms,ad,SHOP,shop,0912000009,[QC] sale\n\
         m1,2026-02-28T17:30:00Z,sms,ad,SHOP,shop,0912000009,[QC] sale\n\
         m2,2026-03-10T10:00:00+07:00,sms,ad,SHOP,shop,0912000008,[QC] sale\n\
         m3,2026-03-10T10:00:00+07:00,call,ad,0243000000,shop,0912000009,\n\
         m4,2026-03-11T10:00:00+07:00,sms,ad,SHOP,shop,0912000008,no label\n\
         apr,2026-04-01T00:00:00+07:00,sms,ad,SHOP,shop,0912000009,[QC] sale\n",
    )
    .unwrap();
    let verdicts = tmp.join("verdicts.jsonl");
    ok(
        &chanrac(&[
            "replay",
            "--policy",
            s(&policy),
            "--events",
            s(&events),
            "--out",
            s(&verdicts),
            "-q",
        ]),
        "replay",
    );
    (events, verdicts)
}

fn monthly(tmp: &Path) -> (PathBuf, String, String) {
    let (events, verdicts) = replayed(tmp);
    // A verdict log line carries its own time and channel; a dropped line.
    let log = tmp.join("log.jsonl");
    fs::write(
        &log,
        "{\"id\":\"x1\",\"time\":\"2026-03-31T23:59:59+07:00\",\"channel\":\"call\",\"decision\":\"block\",\"reasons\":[\"SUSPENDED_SOURCE\"]}\n{\"dropped\":2}\n",
    )
    .unwrap();
    let inbox = tmp.join("inbox");
    ok(
        &chanrac(&[
            "inbox",
            "--policy",
            "testdata/inbox/policy",
            "--messages",
            "testdata/inbox/messages.csv",
            "--out",
            s(&inbox),
            "-q",
        ]),
        "inbox",
    );
    // A ledger with a number requested on 03-25 and suspended on 03-27.
    let ledger = tmp.join("ledger");
    let run = |day: &str, args: &[&str]| {
        let mut a = vec![
            "cases",
            args[0],
            "--ledger",
            s(&ledger),
            "--today",
            day,
            "-q",
        ];
        a.extend_from_slice(&args[1..]);
        ok(&chanrac(&a), args[0]);
    };
    run("2026-03-01", &["init"]);
    let r = tmp.join("r.csv");
    fs::write(
        &r,
        "reported_number,type,time\n0912000001,sms,2026-03-01T08:00:00+07:00\n",
    )
    .unwrap();
    run("2026-03-01", &["open", "--reports", s(&r)]);
    for d in ["01", "04", "07"] {
        run(
            &format!("2026-03-{d}"),
            &["notify", "--out", s(&tmp.join("n.csv"))],
        );
    }
    run("2026-03-25", &["request", "--out", s(&tmp.join("q.csv"))]);
    let c = tmp.join("c.csv");
    fs::write(&c, "number\n0912000001\n").unwrap();
    run("2026-03-27", &["confirm", "--file", s(&c)]);
    let out = tmp.join("return.csv");
    let html = tmp.join("return.html");
    let o = chanrac(&[
        "return",
        "--month",
        "2026-03",
        "--verdicts",
        s(&verdicts),
        s(&log),
        "--events",
        s(&events),
        "--inbox",
        s(&inbox),
        "--ledger",
        s(&ledger),
        "--out",
        s(&out),
        "--html",
        s(&html),
    ]);
    ok(&o, "return");
    assert!(stderr(&o).contains("2 lines as dropped"), "{}", stderr(&o));
    (
        html.clone(),
        fs::read_to_string(&out).unwrap(),
        fs::read_to_string(&html).unwrap(),
    )
}

#[test]
fn the_monthly_return_counts_the_month_at_plus_seven() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, csv, html) = monthly(tmp.path());
    // In March at +07:00: m1 (17:30Z on 02-28 is 00:30 on 03-01), m2, m3,
    // m4 and the log's x1; not `feb` nor `apr`. m1: DNC; m2: allowed;
    // m3: a call to a DNC number (DNC, no consent, unregistered caller);
    // m4: LABEL; x1: SUSPENDED_SOURCE.
    let want = "section,item,sms,call,total\n\
                events,checked,3,2,5\n\
                events,blocked,2,2,4\n\
                events,flagged,0,0,0\n";
    assert!(csv.starts_with(want), "{csv}");
    assert!(csv.contains("\nblocked,DNC,1,1,2\n"), "{csv}");
    assert!(csv.contains("\nblocked,LABEL,1,0,1\n"), "{csv}");
    assert!(csv.contains("\nblocked,SUSPENDED_SOURCE,0,1,1\n"), "{csv}");
    // The inbox of 2026-03-02: 6 reports (4 SMS, 2 calls), 6 DK DNC, 4
    // HUY DNC, 7 rejected.
    assert!(csv.contains("\n5656,reports,4,2,6\n"), "{csv}");
    assert!(csv.contains("\n5656,dnc_register,6,0,6\n"), "{csv}");
    assert!(csv.contains("\n5656,dnc_cancel,4,0,4\n"), "{csv}");
    assert!(csv.contains("\n5656,rejected,7,0,7\n"), "{csv}");
    assert!(csv.contains("\nnumbers,requested,,,1\n"), "{csv}");
    assert!(csv.contains("\nnumbers,suspended,,,1\n"), "{csv}");
    assert!(csv.contains("\nnumbers,restored,,,0\n"), "{csv}");
    for id in [
        "<table id=\"events\">",
        "<table id=\"blocked\">",
        "<table id=\"inbox\">",
        "<table id=\"numbers\">",
    ] {
        assert!(html.contains(id), "{id}");
    }
    // February has only `feb` and m1 is not in it.
    let out = tmp.path().join("feb.csv");
    let (events, verdicts) = (
        tmp.path().join("events.csv"),
        tmp.path().join("verdicts.jsonl"),
    );
    ok(
        &chanrac(&[
            "return",
            "--month",
            "2026-02",
            "--verdicts",
            s(&verdicts),
            "--events",
            s(&events),
            "--out",
            s(&out),
            "-q",
        ]),
        "return feb",
    );
    assert!(fs::read_to_string(&out)
        .unwrap()
        .contains("events,checked,1,0,1\n"));
    // A replay output without its events: the verdict's file and line.
    let o = chanrac(&[
        "return",
        "--month",
        "2026-03",
        "--verdicts",
        s(&verdicts),
        "--out",
        s(&tmp.path().join("x.csv")),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("verdicts.jsonl:1: verdict `feb` has no time and channel"),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("x.csv").exists());
    // The inbox's files one by one give the same 5656 rows as its directory.
    let inbox = tmp.path().join("inbox");
    let files = tmp.path().join("files.csv");
    ok(
        &chanrac(&[
            "return",
            "--month",
            "2026-03",
            "--inbox-reports",
            s(&inbox.join("reports.csv")),
            "--inbox-rejected",
            s(&inbox.join("rejected.csv")),
            "--dnc-changes",
            s(&inbox.join("dnc_changes.csv")),
            "--out",
            s(&files),
            "-q",
        ]),
        "return by files",
    );
    let by_files = fs::read_to_string(&files).unwrap();
    let rows = |t: &str| {
        t.lines()
            .filter(|l| l.starts_with("5656,"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(rows(&by_files), rows(&csv));
    assert_eq!(rows(&csv).len(), 4);
}

/// The browser to render with, if any.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHANRAC_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Headless Chromium's DOM of a page.
fn dom(browser: &Path, page: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(out.reopen().unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    // A hang guard, not a speed check.
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish in 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "chromium failed: {status}");
    fs::read_to_string(out.path()).unwrap()
}

#[test]
fn chromium_renders_the_status_and_return_pages() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CHANRAC_REQUIRE_CHROMIUM").is_none(),
            "CHANRAC_REQUIRE_CHROMIUM is set but no chromium was found"
        );
        eprintln!("skipped: no chromium on PATH (set CHANRAC_CHROMIUM)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    // The status page lives in a directory whose name has markup: copy it
    // to a plain name for the file:// URL.
    let (status, _, _) = status_page(tmp.path());
    let page = tmp.path().join("status-copy.html");
    fs::copy(&status, &page).unwrap();
    let d = dom(&browser, &page);
    for want in [
        "<table id=\"by-state\">",
        "<table id=\"cases\">",
        "<table id=\"referrals\">",
        "<ul id=\"schedule\">",
    ] {
        assert!(d.contains(want), "the rendered DOM lacks {want}:\n{d}");
    }
    assert!(!d.contains("<script"));
    let cases = &d[d.find("<table id=\"cases\">").unwrap()..];
    let cases = &cases[..cases.find("</table>").unwrap()];
    assert_eq!(cases.matches("<tr").count(), 3, "header + 2 cases: {cases}");
    assert_eq!(cases.matches("class=\"overdue\"").count(), 1);
    let (ret, _, _) = monthly(&tmp.path().join("m").tap_mkdir());
    let d = dom(&browser, &ret);
    for want in [
        "<table id=\"events\">",
        "<table id=\"blocked\">",
        "<table id=\"inbox\">",
        "<table id=\"numbers\">",
    ] {
        assert!(d.contains(want), "the rendered DOM lacks {want}:\n{d}");
    }
    let blocked = &d[d.find("<table id=\"blocked\">").unwrap()..];
    let blocked = &blocked[..blocked.find("</table>").unwrap()];
    assert!(
        blocked.contains(
            "<td>DNC</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">2</td>"
        ),
        "{blocked}"
    );
}

trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for PathBuf {
    fn tap_mkdir(self) -> Self {
        fs::create_dir_all(&self).unwrap();
        self
    }
}
