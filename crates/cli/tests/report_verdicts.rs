//! `chanrac report --verdicts FILE… --out report.html`: the compliance
//! report from the adapters' verdict logs counts the decisions as they
//! were logged (not re-decided), per code blocked and only flagged, and
//! shows the lines the adapters had to drop.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::fs;

mod common;
use common::{chanrac, stderr};

fn line(id: &str, kind: &str, to: &str, decision: &str, reasons: &[&str]) -> String {
    let reasons: Vec<String> = reasons.iter().map(|r| format!("\"{r}\"")).collect();
    format!(
        "{{\"id\":\"{id}\",\"time\":\"2026-03-02T09:15:00+07:00\",\"channel\":\"sms\",\"kind\":\"{kind}\",\
         \"source\":\"SHOPVN\",\"advertiser\":\"shop\",\"recipient\":\"{to}\",\"text\":\"[QC]#xxh3:00\",\
         \"decision\":\"{decision}\",\"reasons\":[{}]}}\n",
        reasons.join(",")
    )
}

#[test]
fn report_from_verdict_logs() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("verdicts-2026-03-02.jsonl");
    let b = tmp.path().join("verdicts-2026-03-02.1.jsonl");
    // Decisions as the adapters took them: a DNC block, a flagged DNC
    // (monitor mode), an allowed ad; a marker of 4 lines dropped.
    fs::write(
        &a,
        line("m1", "ad", "0912000001", "block", &["DNC", "NO_CONSENT"])
            + &line("m2", "ad", "0912000002", "flag", &["DNC"])
            + "{\"dropped\":4}\n",
    )
    .unwrap();
    fs::write(&b, line("m3", "ad", "0912000003", "allow", &[]) + "\n").unwrap();
    let out = tmp.path().join("report.html");
    let o = chanrac(&[
        "report",
        "--verdicts",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--policy",
        "examples/policy",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let said = stderr(&o);
    assert!(
        said.contains("3 events from 2 verdict logs: 1 allowed, 1 blocked, 1 flagged; 4 lines"),
        "{said}"
    );
    let html = fs::read_to_string(&out).unwrap();
    assert!(
        html.contains("<dt>Source</dt><dd>verdict logs of the adapters"),
        "{html}"
    );
    assert!(
        html.contains("4 lines the adapters could not write"),
        "{html}"
    );
    // DNC: two events, one blocked, one only flagged.
    let dnc = html
        .lines()
        .find(|l| l.starts_with("<tr><td><code>DNC</code>"))
        .unwrap_or_else(|| panic!("{html}"));
    assert!(
        dnc.contains("<td class=\"num\">2</td><td class=\"num blocked\">1</td><td class=\"num flagged\">1</td>"),
        "{dnc}"
    );
    for card in [
        "<div class=\"n\">3</div><div class=\"l\">events</div>",
        "<div class=\"n\">1</div><div class=\"l\">blocked</div>",
    ] {
        assert!(html.contains(card), "{card}");
    }

    // Not a verdict log: named with its line.
    let bad = tmp.path().join("events.jsonl");
    fs::write(
        &bad,
        "{\"id\":\"e\",\"time\":\"2026-03-02T09:15:00+07:00\",\"channel\":\"sms\",\"kind\":\"ad\",\"recipient\":\"0912000001\"}\n",
    )
    .unwrap();
    let o = chanrac(&[
        "report",
        "--verdicts",
        bad.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("events.jsonl:1: no `decision`"),
        "{}",
        stderr(&o)
    );
}
