//! `chanrac replay`: verdicts for an event log, in input order, with a
//! summary on standard error (events, allowed, blocked per reason, estimated
//! fine exposure per advertiser) and, with `--report FILE.html`, the same
//! and more as a self-contained HTML page (see [`crate::report`]).

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
    /// Continue from, and record into, this state directory, or a shared
    /// store (`redis://…`: see [`chanrac_store::shared`]).
    pub state: Option<PathBuf>,
    /// The shared store's deadline per check (`--store-deadline-ms`).
    pub store_deadline: std::time::Duration,
    /// Write an HTML report here.
    pub report: Option<PathBuf>,
    /// `Some(dropped)` when the report is built from the adapters' verdict
    /// logs (live decisions, `dropped` lines they could not write), not
    /// replayed.
    pub live: Option<u64>,
}

pub fn run(o: &Options) -> Result<(), Failure> {
    let policy = crate::load_policy(&o.policy)?;
    let engine = EngineBuilder::new().mode(o.mode).build(policy);
    let policy = engine.policy();
    if let Some(url) = o
        .state
        .as_deref()
        .and_then(|p| p.to_str())
        .filter(|s| chanrac_store::shared::Target::is_url(s))
    {
        let store = chanrac_store::shared::BlockingState::new(
            url,
            chanrac_store::shared::SharedConfig {
                deadline: o.store_deadline,
                ..Default::default()
            },
        )
        .map_err(|e| Failure::BadInput(format!("--state: {e}")))?;
        store
            .seed_consents(&engine)
            .map_err(|e| Failure::Other(format!("state store {url}: {e}")))?;
        return run_events(o, &engine, &policy, Sink::Store(&store)).map(|_| ());
    }
    let mut state = match &o.state {
        Some(dir) => {
            let (mut d, stats) =
                chanrac_store::StateDir::open(dir, &engine, chanrac_store::Durability::Manual)
                    .map_err(|e| {
                        // Another process has the directory: bad usage.
                        if chanrac_store::is_locked(&e) {
                            Failure::BadInput(format!("--state: {e}"))
                        } else {
                            Failure::Other(format!("state: {e}"))
                        }
                    })?;
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
    let sink = match state.as_mut() {
        Some((d, _)) => Sink::Dir(d),
        None => Sink::None,
    };
    let result = run_events(o, &engine, &policy, sink);
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

/// Where a replay's state lives besides the engine's own table.
enum Sink<'a> {
    /// The engine's table only.
    None,
    /// The engine's table, journalled into a state directory.
    Dir(&'a mut chanrac_store::StateDir),
    /// A shared store: every state step is decided on the store's words,
    /// one event at a time, in input order.
    Store(&'a chanrac_store::shared::BlockingState),
}

/// Replays the events; returns the time of the last one.
fn run_events(
    o: &Options,
    engine: &chanrac::Engine,
    policy: &Policy,
    mut state: Sink<'_>,
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
        let v = match &state {
            // A replay stops rather than guess when its store fails.
            Sink::Store(store) => store.try_check(engine, &ev).map_err(|e| {
                Failure::Other(format!(
                    "{}: line {}: state store: {e}",
                    o.events.display(),
                    row.line()
                ))
            })?,
            _ => engine.check(&ev),
        };
        last = Some(last.map_or(ev.time, |l: jiff::Timestamp| l.max(ev.time)));
        if let Sink::Dir(d) = &mut state {
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
    let report = match &o.report {
        Some(path) => {
            let mut r = Output::create(Some(path))?;
            r.writer()
                .write_all(crate::report::render(&summary, policy, o).as_bytes())
                .map_err(|e| Failure::Other(format!("{}: cannot write: {e}", path.display())))?;
            Some(r)
        }
        None => None,
    };
    out.finish()?;
    if let Some(r) = report {
        r.finish()?;
    }
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

/// One verdict as a JSON line (docs/formats.md, "Verdicts"), with the legal trace:
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
    if !v.links.is_empty() {
        out.extend_from_slice(b",\"links\":[");
        for (i, h) in v.links.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            s(out, h);
        }
        out.push(b']');
    }
    if !v.imitated.is_empty() {
        let brands = policy.lookalikes();
        out.extend_from_slice(b",\"lookalikes\":[");
        for (i, &b) in v.imitated.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            if (b as usize) < brands.len() {
                s(out, &brands.brand(b).name);
            }
        }
        out.push(b']');
    }
    if let Some(t) = v.retry_at {
        let _ = write!(out, ",\"retry_at\":\"{t}\"");
    }
    out.extend_from_slice(b"}\n");
}

/// What a replay saw, for the summary and the HTML report.
#[derive(Default)]
pub(crate) struct Summary {
    pub(crate) events: u64,
    pub(crate) allowed: u64,
    pub(crate) blocked: u64,
    pub(crate) flagged: u64,
    pub(crate) per_reason: BTreeMap<Reason, u64>,
    /// Reason → events with it that were blocked; the rest of
    /// `per_reason` were only flagged (delivered: "would have been
    /// blocked" when the code's action is `flag`, as in monitor mode).
    pub(crate) per_reason_blocked: BTreeMap<Reason, u64>,
    /// reason → fine row in force (index in [`law::FINES`]) → events
    pub(crate) reason_rows: BTreeMap<Reason, BTreeMap<usize, u64>>,
    /// kind → [allowed, blocked, flagged]
    pub(crate) per_kind: BTreeMap<&'static str, [u64; 3]>,
    /// advertiser (accounts resolved) → offences
    pub(crate) per_advertiser: BTreeMap<String, AdvertiserTally>,
    /// Ad traffic (ads and registrations) by channel (0 SMS, 1 calls) and
    /// local hour: [delivered, blocked].
    pub(crate) hours: [[[u64; 2]; 24]; 2],
    /// Matched signature (index in the policy's set) → events.
    pub(crate) signatures: HashMap<u32, u64>,
    /// Link host (A-label form) → what messages linking to it got.
    pub(crate) links: BTreeMap<String, LinkTally>,
    /// The earliest and latest event times.
    pub(crate) span: Option<(jiff::Timestamp, jiff::Timestamp)>,
}

#[derive(Default)]
pub(crate) struct AdvertiserTally {
    pub(crate) events: u64,
    pub(crate) blocked: u64,
    /// Events whose text links somewhere.
    pub(crate) with_links: u64,
    /// Events with `URL_NOT_ALLOWED`.
    pub(crate) not_allowed: u64,
    /// Events with `LOOKALIKE`.
    pub(crate) lookalikes: u64,
    /// Reasons summed over events.
    pub(crate) violations: u64,
    /// Fine row in force on each event's local date (index in
    /// [`law::FINES`]) → events priced by it.
    pub(crate) rows: BTreeMap<usize, u64>,
}

/// What the messages linking to one host got (summary and report).
#[derive(Default)]
pub(crate) struct LinkTally {
    /// Messages linking to it.
    pub(crate) messages: u64,
    /// Of them, blocked (for any reason).
    pub(crate) blocked: u64,
    /// Of them, `URL_BLOCKED` by a `domains.csv` row covering this host.
    pub(crate) url_blocked: u64,
    /// Of them, `LOOKALIKE` because of this host.
    pub(crate) lookalike: u64,
    /// The brands it imitated.
    pub(crate) brands: std::collections::BTreeSet<String>,
    /// The advertisers whose traffic linked to it.
    pub(crate) advertisers: std::collections::BTreeSet<String>,
}

impl AdvertiserTally {
    /// Estimated exposure (min, max) in VND: each fine row (an act under
    /// the decree in force on the event's date) priced once, however many
    /// events committed it; individuals pay half.
    pub(crate) fn exposure(&self, individual: bool) -> (u64, u64) {
        let (mut lo, mut hi) = (0u64, 0u64);
        for &i in self.rows.keys() {
            if let Some(f) = law::FINES.get(i) {
                let b = if individual {
                    f.band.for_individual()
                } else {
                    f.band
                };
                lo += b.min;
                hi += b.max;
            }
        }
        (lo, hi)
    }
}

/// The index in [`law::FINES`] of the row pricing `r` on an event of kind
/// `a` whose local date is `day`.
pub(crate) fn fine_row(r: Reason, a: Applies, day: i32) -> Option<usize> {
    let f = law::fine(r, a, day)?;
    // `FINES` is a constant: rows are found by their key, not their address.
    law::FINES.iter().position(|x| {
        x.reason == f.reason
            && x.applies == f.applies
            && x.from_day == f.from_day
            && x.decree == f.decree
    })
}

impl Summary {
    /// Adds a decision read from a verdict log.
    pub(crate) fn add_logged(&mut self, policy: &Policy, ev: &chanrac::Event<'_>, v: &Verdict) {
        self.add(policy, ev, v);
    }

    fn add(&mut self, policy: &Policy, ev: &chanrac::Event<'_>, v: &Verdict) {
        self.events += 1;
        let d = match v.decision {
            Decision::Allow => {
                self.allowed += 1;
                0
            }
            Decision::Block => {
                self.blocked += 1;
                1
            }
            Decision::Flag => {
                self.flagged += 1;
                2
            }
        };
        self.per_kind.entry(ev.kind.name()).or_default()[d] += 1;
        self.span = Some(match self.span {
            Some((a, b)) => (a.min(ev.time), b.max(ev.time)),
            None => (ev.time, ev.time),
        });
        let offset = policy.config().utc_offset;
        let day = offset.day(ev.time);
        let a = applies(ev.kind);
        for r in v.reasons.iter() {
            *self.per_reason.entry(r).or_default() += 1;
            if v.decision == Decision::Block {
                *self.per_reason_blocked.entry(r).or_default() += 1;
            }
            if let Some(i) = fine_row(r, a, day) {
                *self.reason_rows.entry(r).or_default().entry(i).or_default() += 1;
            }
        }
        for &sig in &v.signatures {
            *self.signatures.entry(sig).or_default() += 1;
        }
        for h in &v.links {
            let t = self.links.entry(h.to_string()).or_default();
            t.messages += 1;
            t.blocked += u64::from(v.decision == Decision::Block);
            if v.reasons.contains(Reason::UrlBlocked)
                && policy.domains().get(h) == Some(chanrac::content::links::DomainAction::Block)
            {
                t.url_blocked += 1;
            }
            if v.reasons.contains(Reason::Lookalike) {
                let brands = policy.lookalikes();
                let mut hit = false;
                for b in brands.imitated_by_host(h) {
                    if v.imitated.contains(&b) {
                        t.brands.insert(brands.brand(b).name.to_string());
                        hit = true;
                    }
                }
                t.lookalike += u64::from(hit);
            }
            if !ev.advertiser.is_empty() && !ev.kind.is_consent() && ev.kind != Kind::Reply {
                t.advertisers
                    .insert(policy.resolve_advertiser(ev.advertiser).to_string());
            }
        }
        if ev.kind.is_advertising() {
            let ch = usize::from(ev.channel == chanrac::Channel::Call);
            let hour = (offset.second_of_day(ev.time) / 3600).min(23) as usize;
            self.hours[ch][hour][usize::from(v.decision == Decision::Block)] += 1;
        }
        if ev.advertiser.is_empty() || ev.kind.is_consent() || ev.kind == Kind::Reply {
            return;
        }
        // Looked up by &str: the name is copied once per advertiser, not per event.
        let adv = policy.resolve_advertiser(ev.advertiser);
        if !self.per_advertiser.contains_key(adv) {
            self.per_advertiser
                .insert(adv.to_string(), AdvertiserTally::default());
        }
        let Some(t) = self.per_advertiser.get_mut(adv) else {
            return;
        };
        t.events += 1;
        if v.decision == Decision::Block {
            t.blocked += 1;
        }
        t.with_links += u64::from(!v.links.is_empty());
        t.not_allowed += u64::from(v.reasons.contains(Reason::UrlNotAllowed));
        t.lookalikes += u64::from(v.reasons.contains(Reason::Lookalike));
        for r in v.reasons.iter() {
            t.violations += 1;
            if let Some(i) = fine_row(r, a, day) {
                *t.rows.entry(i).or_default() += 1;
            }
        }
    }

    /// For reason `r`: (events blocked, events only flagged).
    pub(crate) fn blocked_flagged(&self, r: Reason) -> (u64, u64) {
        let n = self.per_reason.get(&r).copied().unwrap_or(0);
        let b = self.per_reason_blocked.get(&r).copied().unwrap_or(0);
        (b, n.saturating_sub(b))
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
            mode.name()
        );
        if !self.per_reason.is_empty() {
            let _ = writeln!(
                s,
                "reasons:               events  blocked  flagged (delivered: would have been blocked)"
            );
            for (r, n) in &self.per_reason {
                let i = r.info();
                let (blocked, flagged) = self.blocked_flagged(*r);
                let _ = writeln!(
                    s,
                    "  {:<20} {:>6} {:>8} {:>8}  {} {}",
                    i.code, n, blocked, flagged, i.rule, i.clause
                );
            }
        }
        if !self.links.is_empty() {
            let mut hosts: Vec<_> = self.links.iter().collect();
            hosts.sort_by(|a, b| b.1.messages.cmp(&a.1.messages).then(a.0.cmp(b.0)));
            let _ = writeln!(
                s,
                "links per host ({} hosts; top {}):   messages  blocked  URL_BLOCKED  LOOKALIKE",
                hosts.len(),
                hosts.len().min(TOP_HOSTS)
            );
            for (h, t) in hosts.iter().take(TOP_HOSTS) {
                let brands: Vec<&str> = t.brands.iter().map(String::as_str).collect();
                let _ = writeln!(
                    s,
                    "  {:<32} {:>8} {:>8} {:>12} {:>10}{}",
                    h,
                    t.messages,
                    t.blocked,
                    t.url_blocked,
                    t.lookalike,
                    if brands.is_empty() {
                        String::new()
                    } else {
                        format!("  (imitates {})", brands.join(", "))
                    }
                );
            }
        }
        let linking: Vec<_> = self
            .per_advertiser
            .iter()
            .filter(|(_, t)| t.with_links > 0 || t.lookalikes > 0)
            .collect();
        if !linking.is_empty() {
            let _ = writeln!(
                s,
                "links per advertiser:  events with links  URL_NOT_ALLOWED  LOOKALIKE"
            );
            for (adv, t) in linking {
                let _ = writeln!(
                    s,
                    "  {:<16} {:>12} {:>16} {:>10}",
                    adv, t.with_links, t.not_allowed, t.lookalikes
                );
            }
        }
        let mut rows = vec![];
        for (adv, t) in &self.per_advertiser {
            let individual = policy
                .advertiser(adv)
                .is_some_and(|a| a.kind == AdvertiserKind::Individual);
            let (lo, hi) = t.exposure(individual);
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

/// How many hosts the summary lists.
pub(crate) const TOP_HOSTS: usize = 10;

/// 80000000 → 80,000,000
pub(crate) fn group(n: u64) -> String {
    let d = n.to_string();
    let mut out = String::with_capacity(d.len() + d.len() / 3);
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
