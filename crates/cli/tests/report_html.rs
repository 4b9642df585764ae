//! `chanrac replay --report FILE.html`: a self-contained page with every
//! piece of user text escaped, fines priced by the date of each event, and
//! — in a real headless Chromium — the tables and the SVG charts rendered.
//!
//! The Chromium test runs when a `chromium` (or `CHANRAC_CHROMIUM`) is
//! found; `scripts/test` installs Debian's `chromium` and sets
//! `CHANRAC_REQUIRE_CHROMIUM=1` so that CI cannot skip it silently. Set
//! `CHANRAC_REPORT_SCREENSHOT=/path/shot.png` to also get a screenshot.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::chanrac;

const EVIL: &str = "<script>alert(1)</script>";

/// A policy and events whose names try to inject HTML, and events on both
/// sides of the day Decree 91's fine rows took effect (2020-10-01).
fn hostile(dir: &Path) -> (PathBuf, PathBuf) {
    let policy = dir.join("policy");
    fs::create_dir(&policy).unwrap();
    fs::write(
        policy.join("advertisers.csv"),
        format!(
            "advertiser,name,kind\n\"{EVIL}\",\"<img src=x onerror=alert(2)> & Co\",individual\nplain,Plain \"Org\",organisation\n"
        ),
    )
    .unwrap();
    fs::write(
        policy.join("signatures.csv"),
        "id,kind,pattern\n\"<b>SIG-1</b>\",literal,vay tien nhanh\nSIG-2,regex,lai suat 0\n",
    )
    .unwrap();
    fs::write(policy.join("dnc.csv"), "number,scope\n0912000001,all\n").unwrap();
    fs::write(
        policy.join("domains.csv"),
        "domain,action,note\n*.top,block,<i>cheap</i>\n",
    )
    .unwrap();
    fs::write(
        policy.join("protected.csv"),
        "name,owner,domains\n\"Vietcombank<i>\",,vietcombank.com.vn\n",
    )
    .unwrap();
    let events = dir.join("events.csv");
    fs::write(
        &events,
        format!(
            "id,time,channel,kind,source,advertiser,recipient,text\n\
             a1,2020-09-30T09:00:00+07:00,sms,ad,SHOP,\"{EVIL}\",0912000001,[QC] hello\n\
             a2,2020-10-01T09:00:00+07:00,sms,ad,SHOP,\"{EVIL}\",0912000001,[QC] vay tien nhanh\n\
             a3,2020-10-01T06:30:00+07:00,sms,ad,SHOP,plain,0912000002,[QC] vay tien nhanh lai suat 0\n\
             a4,2020-10-01T18:30:00+07:00,call,ad,0912999999,plain,0912000003,\n\
             p1,2020-10-01T10:00:00+07:00,sms,p2p,0912000004,,0912000005,vay tien nhanh\n\
             p2,2020-10-01T10:05:00+07:00,sms,p2p,0912000004,,0912000005,Xac minh tai vietcombank-vn[.]top\n"
        ),
    )
    .unwrap();
    (policy, events)
}

fn render(dir: &Path) -> (PathBuf, String) {
    let (policy, events) = hostile(dir);
    let report = dir.join("report.html");
    let o = chanrac(&[
        "replay",
        "--policy",
        policy.to_str().unwrap(),
        "--events",
        events.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = fs::read_to_string(&report).unwrap();
    (report, html)
}

#[test]
fn the_report_is_self_contained_and_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, html) = render(tmp.path());
    assert!(html.starts_with("<!DOCTYPE html>"));
    // No markup from the input, no script, nothing fetched.
    assert!(!html.contains("<script"), "injected script");
    assert!(!html.contains("<img"), "injected image");
    assert!(!html.contains("<b>SIG-1"), "injected markup");
    for fetch in ["src=\"", "href=\"", "url(", "@import", "<link", "<iframe"] {
        assert!(!html.contains(fetch), "`{fetch}` in a self-contained page");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;img src=x onerror=alert(2)&gt; &amp; Co"));
    assert!(html.contains("Plain &quot;Org&quot;"));
    for id in [
        "<section id=\"totals\">",
        "<table id=\"totals-by-kind\">",
        "<table id=\"violations\">",
        "<table id=\"exposure\">",
        "<svg id=\"chart-sms\"",
        "<svg id=\"chart-call\"",
        "<table id=\"top-signatures\">",
        "<section id=\"links\">",
        "<table id=\"links-by-host\">",
    ] {
        assert!(html.contains(id), "missing {id}");
    }
    // Two ad SMS to the DNC number: only the one on or after 2020-10-01 is
    // priced (by the row in force on its local date).
    assert!(
        html.contains("80,000,000 – 100,000,000</span> <span class=\"small\">ad · D15/2020 Art.94, amended by D91 Art.32 · 1 event</span>"),
        "{html}"
    );
    // The individual pays half: BRAND_UNREGISTERED 25–35M + DNC 40–50M +
    // NO_CONSENT 2.5–5M, each act once (the unpriced 2020-09-30 event adds
    // nothing).
    assert!(
        html.contains("<td class=\"num\">67,500,000</td><td class=\"num\">90,000,000</td></tr>"),
        "{html}"
    );
    // Signatures: the literal matched three times (one of them p2p), the
    // regex once.
    let sigs = &html[html.find("id=\"top-signatures\"").unwrap()..];
    assert!(sigs.contains("<code>&lt;b&gt;SIG-1&lt;/b&gt;</code></td><td>literal</td><td><code>vay tien nhanh</code></td><td class=\"num\">3</td>"), "{sigs}");
    assert!(sigs.contains("SIG-2"));
    // Links: the look-alike host, blocked by `*.top` and imitating the
    // (escaped) protected name.
    let links = &html[html.find("id=\"links-by-host\"").unwrap()..];
    assert!(
        links.contains("<tr><td><code>vietcombank-vn.top</code></td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">1</td><td>Vietcombank&lt;i&gt;</td><td></td></tr>"),
        "{links}"
    );
    assert!(!html.contains("Vietcombank<i>"));
    // Same input, same bytes (no clock in the page).
    let tmp2 = tempfile::tempdir().unwrap();
    let (_, again) = render(tmp2.path());
    assert_eq!(
        html.replace(&tmp.path().display().to_string(), "T"),
        again.replace(&tmp2.path().display().to_string(), "T")
    );
}

#[test]
fn a_failed_replay_leaves_no_report() {
    let tmp = tempfile::tempdir().unwrap();
    let (policy, _) = hostile(tmp.path());
    let events = tmp.path().join("bad.csv");
    fs::write(
        &events,
        "id,time,channel,kind,source,advertiser,recipient,text\nx,yesterday,sms,ad,A,a,0912000001,t\n",
    )
    .unwrap();
    let report = tmp.path().join("report.html");
    let o = chanrac(&[
        "replay",
        "--policy",
        policy.to_str().unwrap(),
        "--events",
        events.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!report.exists());
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        3,
        "a temporary file was left"
    );
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

/// Runs headless Chromium with `args` (and the flags that keep it off the
/// network and out of the user's profile); its standard output.
fn headless(browser: &Path, args: &[String]) -> String {
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
        .args(args)
        .stdin(Stdio::null())
        .stdout(out.reopen().unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    // A hang guard, not a speed check: give up on a browser that never exits.
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
fn chromium_renders_the_tables_and_the_charts() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CHANRAC_REQUIRE_CHROMIUM").is_none(),
            "CHANRAC_REQUIRE_CHROMIUM is set but no chromium was found"
        );
        eprintln!("skipped: no chromium on PATH (set CHANRAC_CHROMIUM)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (report, _) = render(tmp.path());
    let url = format!("file://{}", report.display());
    let dom = headless(&browser, &["--dump-dom".into(), url.clone()]);
    for want in [
        "<table id=\"totals-by-kind\">",
        "<table id=\"violations\">",
        "<table id=\"exposure\">",
        "<table id=\"top-signatures\">",
        "<svg id=\"chart-sms\"",
        "<svg id=\"chart-call\"",
        "class=\"window\"",
    ] {
        assert!(dom.contains(want), "the rendered DOM lacks {want}:\n{dom}");
    }
    // 24 hour bars per chart, and the browser parsed no injected element.
    assert_eq!(dom.matches("<g class=\"bar\">").count(), 48);
    assert!(!dom.contains("<script"));
    assert!(!dom.contains("<img"));
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // The exposure table has one row per advertiser.
    let exposure = &dom[dom.find("<table id=\"exposure\">").unwrap()..];
    let exposure = &exposure[..exposure.find("</table>").unwrap()];
    assert_eq!(exposure.matches("<tr>").count(), 4, "{exposure}");
    if let Some(shot) = std::env::var_os("CHANRAC_REPORT_SCREENSHOT") {
        headless(
            &browser,
            &[
                format!("--screenshot={}", PathBuf::from(shot).display()),
                "--window-size=1200,2000".into(),
                url,
            ],
        );
    }
}
