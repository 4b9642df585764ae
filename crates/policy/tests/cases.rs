//! Table-driven rule tests from `testdata/cases/*.toml` (regex's testdata
//! style): each case is a policy (a shared base plus overrides), an event
//! file and the expected verdicts — or the error a bad input must give.
//! Every case runs against the policy loaded from its directory; decisions
//! must match exactly and reasons as sets. Every case whose directory loads
//! runs again against a snapshot file built from it (`chanrac build`),
//! which must give identical verdicts, or the identical error.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use chanrac::{EngineBuilder, Mode};
use chanrac_policy::events::{EventReader, EventRow};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

#[derive(Debug)]
struct Case {
    file: String,
    name: String,
    base: Option<String>,
    mode: Mode,
    jsonl: bool,
    policy: Vec<(String, String)>,
    events: String,
    verdicts: Option<String>,
    error: Option<String>,
}

fn str_of(t: &toml::Table, k: &str) -> Option<String> {
    t.get(k).and_then(|v| v.as_str()).map(str::to_string)
}

fn load_cases() -> Vec<Case> {
    let mut files: Vec<PathBuf> = fs::read_dir(testdata().join("cases"))
        .expect("testdata/cases")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut cases = vec![];
    for f in files {
        let text = fs::read_to_string(&f).expect("read case file");
        let doc: toml::Table =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let file = f.file_name().unwrap().to_string_lossy().to_string();
        for c in doc
            .get("case")
            .and_then(|c| c.as_array())
            .expect("[[case]]")
        {
            let c = c.as_table().expect("case table");
            let name = str_of(c, "name").expect("case name");
            let policy = c
                .get("policy")
                .and_then(|p| p.as_table())
                .map(|p| {
                    p.iter()
                        .map(|(k, v)| {
                            (k.clone(), v.as_str().expect("policy file text").to_string())
                        })
                        .collect()
                })
                .unwrap_or_default();
            let events = c
                .get("events")
                .and_then(|e| e.as_table())
                .and_then(|e| str_of(e, "text"))
                .unwrap_or_else(|| panic!("{name}: [case.events] text"));
            let expected = c.get("expected").and_then(|e| e.as_table());
            cases.push(Case {
                file: file.clone(),
                base: str_of(c, "base"),
                mode: match str_of(c, "mode").as_deref() {
                    Some("audit") => Mode::Audit,
                    _ => Mode::Enforce,
                },
                jsonl: str_of(c, "events_format").as_deref() == Some("jsonl"),
                policy,
                events,
                verdicts: expected.and_then(|e| str_of(e, "verdicts")),
                error: expected.and_then(|e| str_of(e, "error")),
                name,
            });
        }
    }
    cases
}

/// (id, decision, reasons) from a verdict line.
fn parse_verdict(line: &str) -> (String, String, BTreeSet<String>) {
    let v: serde_json::Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("bad expected line `{line}`: {e}"));
    let id = match &v["id"] {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let reasons = v["reasons"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    (
        id,
        v["decision"].as_str().unwrap_or("").to_string(),
        reasons,
    )
}

/// Runs a case; `Err` describes the mismatch.
fn run(case: &Case) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let pdir = dir.path().join("policy");
    fs::create_dir(&pdir).map_err(|e| e.to_string())?;
    if let Some(base) = &case.base {
        let bdir = testdata().join("base").join(base);
        for e in fs::read_dir(&bdir).map_err(|e| format!("base {base}: {e}"))? {
            let e = e.map_err(|e| e.to_string())?;
            fs::copy(e.path(), pdir.join(e.file_name())).map_err(|e| e.to_string())?;
        }
    }
    for (name, text) in &case.policy {
        fs::write(pdir.join(name), text).map_err(|e| e.to_string())?;
    }
    let events = dir.path().join(if case.jsonl {
        "events.jsonl"
    } else {
        "events.csv"
    });
    fs::write(&events, &case.events).map_err(|e| e.to_string())?;

    let replay =
        |policy: &Path| -> Result<Vec<(String, String, BTreeSet<String>)>, chanrac_policy::LoadError> {
            let policy = chanrac_policy::load(policy)?;
            let engine = EngineBuilder::new().mode(case.mode).build(policy);
            let mut reader = EventReader::open(&events)?;
            let mut row = EventRow::default();
            let mut got = vec![];
            while reader.read(&mut row)? {
                let v = engine.check(&row.event());
                got.push((
                    row.id().to_string(),
                    v.decision.name().to_string(),
                    v.reasons.iter().map(|r| r.code().to_string()).collect(),
                ));
            }
            Ok(got)
        };
    let outcome = replay(&pdir);

    // The same case against a snapshot of the directory, when it loads (a
    // bad directory's error is the directory loader's alone).
    if chanrac_policy::load(&pdir).is_ok() {
        let snap = dir.path().join("policy.snap");
        let mut file = fs::File::create(&snap).map_err(|e| e.to_string())?;
        chanrac_policy::snapshot::write(&pdir, &mut file)
            .map_err(|e| format!("cannot build the snapshot: {e}"))?;
        drop(file);
        let from_snapshot = replay(&snap);
        let same = match (&outcome, &from_snapshot) {
            (Ok(a), Ok(b)) => a == b,
            (Err(a), Err(b)) => a.to_string() == b.to_string(),
            _ => false,
        };
        if !same {
            return Err(format!(
                "the snapshot disagrees with the directory:\n    directory: {outcome:?}\n    snapshot:  {from_snapshot:?}"
            ));
        }
    }

    match (&case.error, outcome) {
        (Some(want), Err(e)) => {
            let msg = e.to_string();
            if msg.contains(want.as_str()) {
                Ok(())
            } else {
                Err(format!("error `{msg}` does not contain `{want}`"))
            }
        }
        (Some(want), Ok(_)) => Err(format!(
            "expected an error containing `{want}`, got verdicts"
        )),
        (None, Err(e)) => Err(format!("unexpected error: {e}")),
        (None, Ok(got)) => {
            let want: Vec<_> = case
                .verdicts
                .as_deref()
                .unwrap_or("")
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(parse_verdict)
                .collect();
            let mut diffs = vec![];
            if want.len() != got.len() {
                diffs.push(format!(
                    "{} verdicts expected, {} produced",
                    want.len(),
                    got.len()
                ));
            }
            for (w, g) in want.iter().zip(&got) {
                if w != g {
                    diffs.push(format!(
                        "event {}: expected {} {:?}, got {} {:?} (id {})",
                        w.0, w.1, w.2, g.1, g.2, g.0
                    ));
                }
            }
            if diffs.is_empty() {
                Ok(())
            } else {
                Err(diffs.join("\n    "))
            }
        }
    }
}

#[test]
fn table_driven_cases() {
    let cases = load_cases();
    assert!(cases.len() >= 50, "the corpus has {} cases", cases.len());
    let mut names = BTreeSet::new();
    let mut failures = vec![];
    for c in &cases {
        assert!(
            names.insert(c.name.clone()),
            "duplicate case name {}",
            c.name
        );
        if let Err(e) = run(c) {
            failures.push(format!("{}::{}\n    {e}", c.file, c.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
