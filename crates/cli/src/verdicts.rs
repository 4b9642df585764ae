//! `chanrac report --verdicts FILE… [--policy DIR] --out report.html`: the
//! HTML compliance report (as `replay --report` writes it) from the verdict
//! logs the adapters wrote (`--verdict-log DIR`): the decisions taken on
//! live traffic, not replayed ones.
//!
//! Each line of a verdict log holds the event's keys and the verdict's
//! `decision` and `reasons`; `{"dropped":N}` markers (lines the adapter
//! could not write) are counted and shown. The policy, when given, names
//! advertisers (accounts resolved, individuals' fines halved) and sets the
//! local time; without it the defaults apply (`+07:00`).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use chanrac::verdict::Decision;
use chanrac::{Mode, Policy, Reason, Reasons, Verdict};
use chanrac_policy::events::{EventReader, EventRow};

use crate::output::Output;
use crate::replay::{Options as ReplayOptions, Summary};
use crate::Failure;

/// What `report` was asked to do.
pub struct Options {
    pub verdicts: Vec<PathBuf>,
    pub policy: Option<PathBuf>,
    pub out: PathBuf,
    pub quiet: bool,
}

/// The verdict part of one log line.
fn verdict_of(
    path: &std::path::Path,
    line_no: u64,
    obj: &serde_json::Map<String, serde_json::Value>,
) -> Result<Verdict, Failure> {
    let bad = |what: &str| Failure::BadInput(format!("{}:{line_no}: {what}", path.display()));
    let decision = match obj.get("decision").and_then(|d| d.as_str()) {
        Some("allow") => Decision::Allow,
        Some("block") => Decision::Block,
        Some("flag") => Decision::Flag,
        Some(d) => {
            return Err(bad(&format!(
                "bad decision `{d}`: expected allow, block or flag"
            )))
        }
        None => return Err(bad("no `decision`: not a verdict log line")),
    };
    let mut reasons = Reasons::EMPTY;
    for r in obj
        .get("reasons")
        .and_then(|r| r.as_array())
        .ok_or_else(|| bad("no `reasons` list: not a verdict log line"))?
    {
        let code = r.as_str().unwrap_or_default();
        let reason =
            Reason::from_code(code).ok_or_else(|| bad(&format!("unknown reason code `{code}`")))?;
        reasons.insert(reason);
    }
    let mut v = Verdict::from_reasons(reasons);
    v.decision = decision;
    Ok(v)
}

pub fn run(o: &Options) -> Result<(), Failure> {
    let policy = match &o.policy {
        Some(p) => crate::load_policy(p)?,
        None => Policy::default(),
    };
    let mut summary = Summary::default();
    let mut dropped = 0u64;
    for path in &o.verdicts {
        // The events through the reader `replay` uses, the verdicts from the
        // same lines in step (the reader skips blank lines and markers).
        let mut events = EventReader::open(path)?;
        let file = std::fs::File::open(path)
            .map_err(|e| Failure::from(chanrac_policy::LoadError::from_io(path, e)))?;
        let mut lines = BufReader::new(file).lines().enumerate();
        let mut row = EventRow::default();
        while events.read(&mut row)? {
            let v = loop {
                let Some((i, line)) = lines.next() else {
                    return Err(Failure::Other(format!(
                        "{}: the file changed while it was read",
                        path.display()
                    )));
                };
                let line = line
                    .map_err(|e| Failure::Other(format!("{}: cannot read: {e}", path.display())))?;
                if line.trim().is_empty() {
                    continue;
                }
                let obj: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&line)
                    .map_err(|e| {
                    Failure::BadInput(format!("{}:{}: bad JSON: {e}", path.display(), i + 1))
                })?;
                if obj.len() == 1 {
                    if let Some(n) = obj.get("dropped").and_then(|n| n.as_u64()) {
                        dropped += n;
                        continue;
                    }
                }
                break verdict_of(path, i as u64 + 1, &obj)?;
            };
            summary.add_logged(&policy, &row.event(), &v);
        }
        // Markers after the last event.
        for (_, line) in lines {
            let line = line.unwrap_or_default();
            if let Ok(obj) =
                serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&line)
            {
                dropped += obj.get("dropped").and_then(|n| n.as_u64()).unwrap_or(0);
            }
        }
    }
    let names: Vec<String> = o.verdicts.iter().map(|p| p.display().to_string()).collect();
    let ro = ReplayOptions {
        policy: o
            .policy
            .clone()
            .unwrap_or_else(|| PathBuf::from("(defaults)")),
        events: PathBuf::from(names.join(", ")),
        mode: Mode::Enforce,
        out: None,
        quiet: o.quiet,
        state: None,
        store_deadline: std::time::Duration::ZERO,
        report: Some(o.out.clone()),
        live: Some(dropped),
    };
    let mut r = Output::create(Some(&o.out))?;
    r.writer()
        .write_all(crate::report::render(&summary, &policy, &ro).as_bytes())
        .map_err(|e| Failure::Other(format!("{}: cannot write: {e}", o.out.display())))?;
    r.finish()?;
    if !o.quiet {
        eprintln!(
            "{} events from {} verdict log{}: {} allowed, {} blocked, {} flagged{}",
            summary.events,
            o.verdicts.len(),
            if o.verdicts.len() == 1 { "" } else { "s" },
            summary.allowed,
            summary.blocked,
            summary.flagged,
            if dropped > 0 {
                format!("; {dropped} lines the adapters could not write (marked as dropped)")
            } else {
                String::new()
            }
        );
    }
    Ok(())
}
