//! `chanrac replay` as users run it: the example bundle, exit codes, no
//! half-written output, the summary.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::fs;

mod common;
use common::{chanrac, root};

fn parse(line: &str) -> (String, String, Vec<String>) {
    let v: serde_json::Value = serde_json::from_str(line).expect("verdict JSON");
    let mut reasons: Vec<String> = v["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r.as_str().expect("code").to_string())
        .collect();
    reasons.sort();
    (
        v["id"].as_str().expect("id").to_string(),
        v["decision"].as_str().expect("decision").to_string(),
        reasons,
    )
}

#[test]
fn example_bundle_replays_as_expected() {
    let out = chanrac(&[
        "replay",
        "--policy",
        "examples/policy",
        "--events",
        "examples/events.csv",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Vec<_> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(parse)
        .collect();
    let want: Vec<_> = fs::read_to_string(root().join("examples/expected_verdicts.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(parse)
        .collect();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w);
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("events:"), "{stderr}");
    assert!(stderr.contains("fine exposure"), "{stderr}");
}

#[test]
fn every_reason_but_behavior_and_state_full_appears_in_the_example() {
    let out = chanrac(&[
        "replay",
        "--policy",
        "examples/policy",
        "--events",
        "examples/events.csv",
        "-q",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    for r in chanrac::Reason::ALL {
        // BEHAVIOR needs a [behavior] policy; STATE_FULL a full state;
        // STATE_UNAVAILABLE a shared store that does not answer.
        if !matches!(
            r,
            chanrac::Reason::Behavior
                | chanrac::Reason::StateFull
                | chanrac::Reason::StateUnavailable
        ) {
            assert!(
                text.contains(&format!("\"{}\"", r.code())),
                "{} not exercised",
                r.code()
            );
        }
    }
}

#[test]
fn verdicts_carry_the_legal_trace() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::create_dir(p.join("policy")).unwrap();
    fs::write(p.join("policy/dnc.csv"), "number,scope\n0912345678,all\n").unwrap();
    fs::write(
        p.join("events.csv"),
        "id,time,channel,kind,source,advertiser,recipient,text\n\
         e1,2026-03-02T09:00:00+07:00,sms,ad,0987654321,shop,0912345678,hello\n",
    )
    .unwrap();
    let out = chanrac(&[
        "replay",
        "--policy",
        p.join("policy").to_str().unwrap(),
        "--events",
        p.join("events.csv").to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let dnc = v["violations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["code"] == "DNC")
        .unwrap();
    assert_eq!(dnc["rule"], "R1");
    assert_eq!(dnc["clause"], "D91 Art.7, Art.13(1)");
    assert_eq!(
        dnc["fine_vnd"],
        serde_json::json!([80_000_000u64, 100_000_000u64])
    );
}

#[test]
fn bad_input_exits_2_and_leaves_no_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::create_dir(p.join("policy")).unwrap();
    fs::write(
        p.join("events.csv"),
        "id,time,channel,kind,source,advertiser,recipient,text\n\
         e1,2026-03-02T09:00:00+07:00,sms,ad,SHOP,shop,0912345678,[QC] a\n\
         e2,2026-03-02T09:00:00+07:00,sms,ad,SHOP,shop,0912 34,[QC] b\n",
    )
    .unwrap();
    let out_file = p.join("verdicts.jsonl");
    let out = chanrac(&[
        "replay",
        "--policy",
        p.join("policy").to_str().unwrap(),
        "--events",
        p.join("events.csv").to_str().unwrap(),
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("events.csv:3: column 7 (recipient): bad number `0912 34`"),
        "{err}"
    );
    assert!(!out_file.exists());
    assert!(out.stdout.is_empty());
    // Nothing else left behind either (no temporary file).
    let left: Vec<_> = fs::read_dir(p)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");

    // A bad policy row: exit 2, file and line named.
    fs::write(
        p.join("policy/dnc.csv"),
        "number,scope\n0912345678,sms\n0912345679,email\n",
    )
    .unwrap();
    let out = chanrac(&[
        "replay",
        "--policy",
        p.join("policy").to_str().unwrap(),
        "--events",
        p.join("events.csv").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("dnc.csv:3: column 2 (scope): unknown scope `email`"),
        "{err}"
    );

    // A missing events file and bad usage are exit 2 too.
    let out = chanrac(&[
        "replay",
        "--policy",
        "examples/policy",
        "--events",
        "/nonexistent.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = chanrac(&["replay", "--policy", "examples/policy"]);
    assert_eq!(out.status.code(), Some(2));
    let out = chanrac(&[
        "replay",
        "--policy",
        "examples/policy",
        "--events",
        "examples/events.csv",
        "--mode",
        "lenient",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn out_file_is_written_whole_and_audit_mode_counts_blocked_ads() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::create_dir(p.join("policy")).unwrap();
    fs::write(
        p.join("policy/brandnames.csv"),
        "identifier,advertiser,status,valid_from,valid_until\nSHOP,shop,active,,\n",
    )
    .unwrap();
    fs::write(
        p.join("policy/consents.csv"),
        "advertiser,recipient,state,time\nshop,0912345678,optin,2026-01-01T00:00:00+07:00\n",
    )
    .unwrap();
    // Four ads; the first is sent at night (blocked). In enforce mode the
    // night ad does not count, so the fourth ad is still allowed; in audit
    // mode it counts and the fourth breaks the cap of 3.
    let mut ev = String::from("id,time,channel,kind,source,advertiser,recipient,text\n");
    for (i, t) in [
        "2026-03-01T23:00",
        "2026-03-02T09:00",
        "2026-03-02T10:00",
        "2026-03-02T11:00",
    ]
    .iter()
    .enumerate()
    {
        ev.push_str(&format!(
            "e{i},{t}:00+07:00,sms,ad,SHOP,shop,0912345678,[QC] x\n"
        ));
    }
    fs::write(p.join("events.csv"), ev).unwrap();
    let run = |mode: &str| {
        let out_file = p.join(format!("{mode}.jsonl"));
        let out = chanrac(&[
            "replay",
            "--policy",
            p.join("policy").to_str().unwrap(),
            "--events",
            p.join("events.csv").to_str().unwrap(),
            "--mode",
            mode,
            "--out",
            out_file.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty());
        fs::read_to_string(out_file)
            .unwrap()
            .lines()
            .map(parse)
            .collect::<Vec<_>>()
    };
    let enforce = run("enforce");
    assert_eq!(enforce[0].1, "block");
    assert_eq!(enforce[3].1, "allow");
    let audit = run("audit");
    assert_eq!(
        audit[3],
        ("e3".into(), "block".into(), vec!["FREQUENCY".into()])
    );
}

#[test]
fn state_dir_carries_counts_across_runs_and_failed_runs_leave_it_alone() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::create_dir(p.join("policy")).unwrap();
    fs::write(
        p.join("policy/brandnames.csv"),
        "identifier,advertiser,status,valid_from,valid_until\n02473001234,bank,active,,\n",
    )
    .unwrap();
    fs::write(p.join("policy/policy.toml"), "require_consent = false\n").unwrap();
    let head = "id,time,channel,kind,source,advertiser,recipient,text\n";
    let call = |id: &str, t: &str, to: &str| format!("{id},{t},call,ad,02473001234,bank,{to},\n");
    fs::write(
        p.join("day1.csv"),
        format!(
            "{head}{}",
            call("a", "2026-03-02T09:00:00+07:00", "0912345678")
        ),
    )
    .unwrap();
    // Counts a call to another number, then fails on a bad line.
    fs::write(
        p.join("bad.csv"),
        format!(
            "{head}{}c,not a time,call,ad,02473001234,bank,0912345678,\n",
            call("c0", "2026-03-02T11:00:00+07:00", "0987654321")
        ),
    )
    .unwrap();
    fs::write(
        p.join("day1b.csv"),
        format!(
            "{head}{}{}",
            call("b", "2026-03-02T10:00:00+07:00", "0912345678"),
            call("d", "2026-03-02T12:00:00+07:00", "0987654321")
        ),
    )
    .unwrap();
    let state = p.join("state");
    let run = |events: &str| {
        chanrac(&[
            "replay",
            "--policy",
            p.join("policy").to_str().unwrap(),
            "--events",
            p.join(events).to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
        ])
    };
    let out = run("day1.csv");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        parse(String::from_utf8(out.stdout).unwrap().trim()).1,
        "allow"
    );
    // The failed run counted a call before its bad line; it must not stick.
    let out = run("bad.csv");
    assert_eq!(out.status.code(), Some(2));
    // A second process, the same day: the one call of the day to the first
    // number is used; the failed run's call to the second never counted.
    let out = run("day1b.csv");
    assert!(out.status.success());
    let got: Vec<_> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(parse)
        .collect();
    assert_eq!(
        (got[0].1.as_str(), got[0].2.clone()),
        ("block", vec!["FREQUENCY".to_string()])
    );
    assert_eq!(got[1].1, "allow");
}

#[test]
fn a_time_with_a_multibyte_character_exits_2_with_file_and_line() {
    // The character `é` straddles byte 19, where the offset is looked for:
    // once a panic (exit 101), now a bad value like any other.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    for (name, body) in [
        (
            "events.csv",
            "id,time,channel,kind,source,advertiser,recipient,text\n\
             e1,2026-03-02T09:00:00+07:00,sms,ad,SHOP,shop,0912345678,[QC] a\n\
             e2,2026-03-02T10:00:0\u{e9}0,sms,ad,SHOP,shop,0912345678,[QC] b\n",
        ),
        (
            "events.jsonl",
            "{\"id\":\"e1\",\"time\":\"2026-03-02T10:00:0\u{e9}0\",\"channel\":\"sms\",\
             \"kind\":\"ad\",\"source\":\"SHOP\",\"advertiser\":\"shop\",\
             \"recipient\":\"0912345678\",\"text\":\"[QC] a\"}\n",
        ),
    ] {
        fs::write(p.join(name), body).unwrap();
        let out = chanrac(&[
            "replay",
            "--policy",
            "examples/policy",
            "--events",
            p.join(name).to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        let line = if name == "events.csv" { 3 } else { 1 };
        assert!(
            err.contains(&format!("{name}:{line}:"))
                && err.contains("bad time `2026-03-02T10:00:0\u{e9}0`"),
            "{name}: {err}"
        );
    }
}

/// One verdict: (id, decision, sorted reasons).
type Line = (String, String, Vec<String>);

/// The example day replayed in `mode`: (verdicts, summary, HTML report).
fn replay_example(mode: &str) -> (Vec<Line>, String, String) {
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("report.html");
    let out = chanrac(&[
        "replay",
        "--policy",
        "examples/policy",
        "--events",
        "examples/events.csv",
        "--mode",
        mode,
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdicts = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(parse)
        .collect();
    (
        verdicts,
        String::from_utf8(out.stderr).unwrap(),
        fs::read_to_string(&report).unwrap(),
    )
}

#[test]
fn monitor_mode_delivers_the_example_day_with_the_reasons_of_audit() {
    let (monitor, summary, html) = replay_example("monitor");
    let (audit, audit_summary, _) = replay_example("audit");
    assert_eq!(monitor.len(), audit.len());
    assert!(audit.iter().any(|(_, d, _)| d == "block"), "the day blocks");
    let mut flagged = 0;
    for ((id, d, reasons), (aid, _, areasons)) in monitor.iter().zip(&audit) {
        assert_eq!(id, aid);
        assert_eq!(reasons, areasons, "event {id}: the reasons of audit mode");
        // Every event delivered: flagged when it has reasons, else allowed.
        let want = if reasons.is_empty() { "allow" } else { "flag" };
        assert_eq!(d, want, "event {id}");
        flagged += usize::from(d == "flag");
    }
    // The summary: nothing blocked, every reason only flagged.
    let first = summary.lines().find(|l| l.contains("events:")).unwrap();
    assert!(
        first.contains(" 0 blocked")
            && first.contains(&format!("{flagged} flagged (monitor mode)")),
        "{summary}"
    );
    assert!(summary.contains("would have been blocked"), "{summary}");
    // Per code: DNC events counted as flagged, none blocked.
    let dnc_events = monitor
        .iter()
        .filter(|(_, _, r)| r.iter().any(|c| c == "DNC"))
        .count();
    assert!(dnc_events > 0);
    let dnc = summary
        .lines()
        .find(|l| l.trim_start().starts_with("DNC "))
        .unwrap();
    let cols: Vec<&str> = dnc.split_whitespace().collect();
    assert_eq!(
        &cols[1..4],
        &[
            dnc_events.to_string().as_str(),
            "0",
            dnc_events.to_string().as_str()
        ],
        "{dnc}"
    );
    // Audit mode blocks them instead.
    let adnc = audit_summary
        .lines()
        .find(|l| l.trim_start().starts_with("DNC "))
        .unwrap();
    let acols: Vec<&str> = adnc.split_whitespace().collect();
    assert_eq!(acols[2], acols[1], "{adnc}");
    assert_eq!(acols[3], "0", "{adnc}");
    // The HTML report: the mode, and per code blocked / only flagged.
    assert!(html.contains("<dt>Mode</dt><dd>monitor"), "{html}");
    assert!(html.contains("Only flagged</th>"), "{html}");
    assert!(
        html.contains(&format!(
            "<td class=\"num blocked\">0</td><td class=\"num flagged\">{dnc_events}</td>"
        )),
        "{html}"
    );
}

#[test]
fn actions_flag_one_code_and_turn_another_off() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("policy");
    fs::create_dir(&dir).unwrap();
    for f in fs::read_dir(root().join("examples/policy")).unwrap() {
        let f = f.unwrap();
        fs::copy(f.path(), dir.join(f.file_name())).unwrap();
    }
    let mut toml = fs::read_to_string(dir.join("policy.toml")).unwrap_or_default();
    toml.push_str("\n[actions]\nLABEL = \"flag\"\nPHONE_SENDER = \"off\"\n");
    fs::write(dir.join("policy.toml"), toml).unwrap();
    let run = |policy: &str| {
        let out = chanrac(&[
            "replay",
            "--policy",
            policy,
            "--events",
            "examples/events.csv",
            "-q",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(parse)
            .collect::<Vec<_>>()
    };
    let base = run("examples/policy");
    let got = run(dir.to_str().unwrap());
    let mut saw_label_only = false;
    for ((id, d, r), (_, bd, br)) in got.iter().zip(&base) {
        assert!(
            !r.iter().any(|c| c == "PHONE_SENDER"),
            "{id}: off is not reported"
        );
        if br == &vec!["LABEL".to_string()] {
            // Labelled only by LABEL: now flagged, delivered.
            assert_eq!((d.as_str(), r), ("flag", br), "{id}");
            saw_label_only = true;
        }
        if bd == "allow" {
            assert_eq!(d, "allow", "{id}");
        }
    }
    assert!(
        saw_label_only,
        "the example has an ad missing only its label"
    );
}
