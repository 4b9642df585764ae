//! `chanrac replay`: verdicts for an event log, in input order, with a
//! summary on standard error (events, allowed, blocked per reason, estimated
//! fine exposure per advertiser).

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::PathBuf;

use chanrac::event::Kind;
use chanrac::law::{self, Applies, Reason};
use chanrac::policy::{AdvertiserKind, Policy};
use chanrac::verdict::Decision;
use chanrac::{EngineBuilder, Mode, Verdict};
use chanrac_policy::events::{EventReader, EventRow, Format};

use crate::output::Output;
use crate::Failure;

/// What `replay` was asked to do.
pub struct Options {
    pub policy: PathBuf,
    pub events: PathBuf,
    pub mode: Mode,
    pub out: Option<PathBuf>,
    pub quiet: bool,
    /// Continue from, and record into, this state directory.
    pub state: Option<PathBuf>,
}

pub fn run(o: &Options) -> Result<(), Failure> {
    let policy = crate::load_policy(&o.policy)?;
    let engine = EngineBuilder::new().mode(o.mode).build(policy);
    let policy = engine.policy();
    let mut state = match &o.state {
        Some(dir) => {
            let (mut d, stats) =
                chanrac_store::StateDir::open(dir, &engine, chanrac_store::Sync::Manual)
                    .map_err(|e| Failure::Other(format!("state: {e}")))?;
            if !o.quiet {
                eprintln!(
                    "state {}: {} records restored{}",
                    dir.display(),
                    stats.records,
                    if stats.torn_bytes > 0 {
                        format!(", {} torn bytes cut", stats.torn_bytes)
                    } else {
                        String::new()
                    }
                );
            }
            let mark = d
                .mark()
                .map_err(|e| Failure::Other(format!("state: {e}")))?;
            Some((d, mark))
        }
        None => None,
    };
    let result = run_events(o, &engine, &policy, state.as_mut().map(|(d, _)| d));
    match (&mut state, &result) {
        (Some((d, mark)), Err(_)) => {
            // A replay that failed leaves the state as it found it.
            d.rollback(*mark)
                .map_err(|e| Failure::Other(format!("state: {e}")))?;
        }
        (Some((d, _)), Ok(last)) => {
            d.sync()
                .map_err(|e| Failure::Other(format!("state: {e}")))?;
            if let Some(now) = last {
                let fresh = crate::load_policy(&o.policy)?;
                d.compact(fresh, *now)
                    .map_err(|e| Failure::Other(format!("state: {e}")))?;
            }
        }
        _ => {}
    }
    result.map(|_| ())
}

/// Replays the events; returns the time of the last one.
fn run_events(
    o: &Options,
    engine: &chanrac::Engine,
    policy: &Policy,
    mut state: Option<&mut chanrac_store::StateDir>,
) -> Result<Option<jiff::Timestamp>, Failure> {
    let mut last = None;

    let file = std::fs::File::open(&o.events)
        .map_err(|e| Failure::from(chanrac_policy::LoadError::from_io(&o.events, e)))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = crate::progress_bar(len, o.quiet);
    let mut reader =
        EventReader::new(&o.events, bar.wrap_read(file), Format::from_path(&o.events))?;
    let mut out = Output::create(o.out.as_deref())?;
    let mut summary = Summary::default();
    let mut row = EventRow::default();
    let mut line = Vec::with_capacity(256);
    while reader.read(&mut row)? {
        let ev = row.event();
        let v = engine.check(&ev);
        last = Some(last.map_or(ev.time, |l: jiff::Timestamp| l.max(ev.time)));
        if let Some(d) = state.as_deref_mut() {
            if let Some(r) = chanrac::state::journal::Record::of_check(policy, &ev, &v) {
                d.append(&r)
                    .map_err(|e| Failure::Other(format!("state: {e}")))?;
            }
        }
        line.clear();
        write_verdict(&mut line, row.id(), &v, policy, ev.kind, ev.time);
        out.writer()
            .write_all(&line)
            .map_err(|e| Failure::Other(format!("cannot write verdicts: {e}")))?;
        summary.add(policy, &ev, &v);
    }
    bar.finish_and_clear();
    out.finish()?;
    if !o.quiet {
        eprint!("{}", summary.render(policy, o.mode));
    }
    Ok(last)
}

/// Which fine row an event kind is priced by.
fn applies(kind: Kind) -> Applies {
    match kind {
        Kind::Registration => Applies::Registration,
        Kind::Ad => Applies::Ad,
        _ => Applies::Any,
    }
}

/// One verdict as a JSON line (CONTRACT.md §3), with the legal trace:
/// `{"id","decision","reasons",…}` plus `violations` (rule, clause, fine
/// band), `signatures`, `contact` and `retry_at` when they apply.
pub fn write_verdict(
    out: &mut Vec<u8>,
    id: &str,
    v: &Verdict,
    policy: &Policy,
    kind: Kind,
    time: jiff::Timestamp,
) {
    let s = |out: &mut Vec<u8>, x: &str| {
        // Serialising a &str into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, x);
    };
    out.extend_from_slice(b"{\"id\":");
    s(out, id);
    out.extend_from_slice(b",\"decision\":\"");
    out.extend_from_slice(v.decision.name().as_bytes());
    out.extend_from_slice(b"\",\"reasons\":[");
    for (i, r) in v.reasons.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(r.code().as_bytes());
        out.push(b'"');
    }
    out.push(b']');
    if !v.reasons.is_empty() {
        let day = policy.config().utc_offset.day(time);
        out.extend_from_slice(b",\"violations\":[");
        for (i, r) in v.reasons.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let info = r.info();
            out.extend_from_slice(b"{\"code\":\"");
            out.extend_from_slice(info.code.as_bytes());
            out.extend_from_slice(b"\",\"rule\":\"");
            out.extend_from_slice(info.rule.as_bytes());
            out.extend_from_slice(b"\",\"clause\":");
            s(out, info.clause);
            if let Some(f) = law::fine(r, applies(kind), day) {
                let _ = write!(out, ",\"fine_vnd\":[{},{}]", f.band.min, f.band.max);
            }
            out.push(b'}');
        }
        out.push(b']');
    }
    if !v.signatures.is_empty() {
        out.extend_from_slice(b",\"signatures\":[");
        for (i, sig) in v.signatures.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            s(out, policy.signature_id(*sig));
        }
        out.push(b']');
    }
    if let Some(c) = v.contact {
        let _ = write!(out, ",\"contact\":\"{c}\"");
    }
    if let Some(t) = v.retry_at {
        let _ = write!(out, ",\"retry_at\":\"{t}\"");
    }
    out.extend_from_slice(b"}\n");
}

#[derive(Default)]
struct Summary {
    events: u64,
    allowed: u64,
    blocked: u64,
    flagged: u64,
    per_reason: BTreeMap<Reason, u64>,
    /// advertiser → offences
    per_advertiser: BTreeMap<String, AdvertiserTally>,
}

#[derive(Default)]
struct AdvertiserTally {
    events: u64,
    blocked: u64,
    offences: HashMap<(Reason, Applies), (u64, i32)>,
}

impl Summary {
    fn add(&mut self, policy: &Policy, ev: &chanrac::Event<'_>, v: &Verdict) {
        self.events += 1;
        match v.decision {
            Decision::Allow => self.allowed += 1,
            Decision::Block => self.blocked += 1,
            Decision::Flag => self.flagged += 1,
        }
        for r in v.reasons.iter() {
            *self.per_reason.entry(r).or_default() += 1;
        }
        if ev.advertiser.is_empty() || ev.kind.is_consent() {
            return;
        }
        let t = self
            .per_advertiser
            .entry(ev.advertiser.to_string())
            .or_default();
        t.events += 1;
        if v.decision == Decision::Block {
            t.blocked += 1;
        }
        let day = policy.config().utc_offset.day(ev.time);
        let a = applies(ev.kind);
        for r in v.reasons.iter() {
            let e = t.offences.entry((r, a)).or_insert((0, day));
            e.0 += 1;
        }
    }

    fn render(&self, policy: &Policy, mode: Mode) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} events: {} allowed, {} blocked, {} flagged ({} mode)",
            self.events,
            self.allowed,
            self.blocked,
            self.flagged,
            if mode == Mode::Audit {
                "audit"
            } else {
                "enforce"
            }
        );
        if !self.per_reason.is_empty() {
            let _ = writeln!(s, "reasons:");
            for (r, n) in &self.per_reason {
                let i = r.info();
                let _ = writeln!(s, "  {:<20} {:>8}  {} {}", i.code, n, i.rule, i.clause);
            }
        }
        let mut rows = vec![];
        for (adv, t) in &self.per_advertiser {
            let individual = policy
                .advertiser(adv)
                .is_some_and(|a| a.kind == AdvertiserKind::Individual);
            let (mut lo, mut hi) = (0u64, 0u64);
            for ((r, a), (_, day)) in &t.offences {
                if let Some(f) = law::fine(*r, *a, *day) {
                    let b = if individual {
                        f.band.for_individual()
                    } else {
                        f.band
                    };
                    lo += b.min;
                    hi += b.max;
                }
            }
            if t.blocked > 0 || hi > 0 {
                rows.push((adv, t, individual, lo, hi));
            }
        }
        if !rows.is_empty() {
            let _ = writeln!(
                s,
                "fine exposure per advertiser (each violated rule priced once, VND; individuals half):"
            );
            for (adv, t, individual, lo, hi) in rows {
                let _ = writeln!(
                    s,
                    "  {:<16} {:>6} events {:>6} blocked  {:>13} - {:>13}{}",
                    adv,
                    t.events,
                    t.blocked,
                    group(lo),
                    group(hi),
                    if individual { "  (individual)" } else { "" }
                );
            }
        }
        s
    }
}

/// 80000000 → 80,000,000
fn group(n: u64) -> String {
    let d = n.to_string();
    let mut out = String::with_capacity(d.len() + d.len() / 3);
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
