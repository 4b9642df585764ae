//! `chanrac return --month YYYY-MM`: the monthly figures a carrier reports
//! (docs/cases.md): blocked events by reason and channel, 5656 messages
//! received by type (reports, DNC registrations and cancellations,
//! rejected messages), and numbers requested, suspended, restoration
//! requested and restored.
//!
//! Every input is dated by its local date at +07:00 and only the month's
//! rows are counted. Verdicts are JSON Lines: a verdict log line carries the
//! event's `time` and `channel`; a `chanrac replay` output carries neither,
//! so its events file is given with `--events` and joined by `id`. A
//! verdict without a time (and no event for its id) is bad input naming the
//! file and line. `{"dropped":N}` lines of a verdict log are counted and
//! reported, not guessed at.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chanrac::event::Channel;
use chanrac::window::{day_number, UtcOffset};
use chanrac_policy::events::{parse_time, EventReader, EventRow};
use jiff::Timestamp;

use crate::cases::{Ledger, STATUS_STYLE};
use crate::inbox::{row, write_all};
use crate::report::esc;
use crate::Failure;

/// What `return` was asked to do.
pub struct Options {
    pub month: String,
    pub verdicts: Vec<PathBuf>,
    pub events: Vec<PathBuf>,
    pub inbox: Vec<PathBuf>,
    pub inbox_reports: Vec<PathBuf>,
    pub inbox_rejected: Vec<PathBuf>,
    pub dnc_changes: Vec<PathBuf>,
    pub ledger: Option<PathBuf>,
    pub out: PathBuf,
    pub html: Option<PathBuf>,
    pub quiet: bool,
}

impl Options {
    fn has_inbox(&self) -> bool {
        !(self.inbox.is_empty()
            && self.inbox_reports.is_empty()
            && self.inbox_rejected.is_empty()
            && self.dnc_changes.is_empty())
    }
}

const LOCAL: UtcOffset = UtcOffset::VIETNAM;

/// The header of the return.
pub const HEADER: &str = "section,item,sms,call,total";

/// Counts by channel: [sms, call].
type Split = [u64; 2];

#[derive(Default)]
struct Figures {
    checked: Split,
    blocked: Split,
    flagged: Split,
    per_reason: BTreeMap<String, Split>,
    dropped: u64,
    reports: Split,
    dnc_register: u64,
    dnc_cancel: u64,
    rejected: u64,
    /// In the procedure's order; empty without a ledger.
    numbers: Vec<(&'static str, u64)>,
}

fn ch(c: Channel) -> usize {
    usize::from(c == Channel::Call)
}

fn bad(path: &Path, line: usize, m: impl std::fmt::Display) -> Failure {
    Failure::BadInput(format!("{}:{line}: {m}", path.display()))
}

/// `YYYY-MM` as the day numbers of its first and last days.
fn month_range(s: &str) -> Result<(i32, i32), Failure> {
    let v = s.trim();
    let b = v.as_bytes();
    let err = || Failure::BadInput(format!("--month `{v}`: expected YYYY-MM"));
    if b.len() != 7 || b[4] != b'-' {
        return Err(err());
    }
    let first: jiff::civil::Date = format!("{v}-01").parse().map_err(|_| err())?;
    let last = first.last_of_month();
    Ok((day_number(first), day_number(last)))
}

pub fn run(o: &Options) -> Result<(), Failure> {
    let (first, last) = month_range(&o.month)?;
    let in_month = |t: Timestamp| {
        let d = LOCAL.day(t);
        d >= first && d <= last
    };
    let mut f = Figures::default();

    // Events given for replay outputs: id → (time, channel).
    let mut events: HashMap<String, (Timestamp, Channel)> = HashMap::new();
    for p in &o.events {
        let mut r = EventReader::open(p)?;
        let mut row = EventRow::default();
        while r.read(&mut row)? {
            let e = row.event();
            events.insert(row.id().to_string(), (e.time, e.channel));
        }
    }
    for p in &o.verdicts {
        let text = std::fs::read_to_string(p)
            .map_err(|e| Failure::BadInput(format!("{}: {e}", p.display())))?;
        for (i, l) in text.lines().enumerate() {
            let line = i + 1;
            if l.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(l)
                .map_err(|e| bad(p, line, format!("not a JSON object: {e}")))?;
            if let Some(n) = v.get("dropped").and_then(|d| d.as_u64()) {
                f.dropped += n;
                continue;
            }
            let id = v.get("id").and_then(|x| x.as_str()).unwrap_or("");
            let decision = v
                .get("decision")
                .and_then(|x| x.as_str())
                .ok_or_else(|| bad(p, line, "no `decision`"))?;
            let own_time = match v.get("time").and_then(|x| x.as_str()) {
                Some(t) => Some(parse_time(t).map_err(|m| bad(p, line, m))?),
                None => None,
            };
            let own_channel = match v.get("channel").and_then(|x| x.as_str()) {
                Some(c) => Some(
                    Channel::parse(c)
                        .ok_or_else(|| bad(p, line, format!("unknown channel `{c}`")))?,
                ),
                None => None,
            };
            let (time, channel) = match (own_time, own_channel, events.get(id)) {
                (Some(t), Some(c), _) => (t, c),
                (_, _, Some(&(t, c))) => (own_time.unwrap_or(t), own_channel.unwrap_or(c)),
                _ => {
                    return Err(bad(
                        p,
                        line,
                        format!(
                            "verdict `{id}` has no time and channel: give its events with --events"
                        ),
                    ))
                }
            };
            if !in_month(time) {
                continue;
            }
            let c = ch(channel);
            f.checked[c] += 1;
            match decision {
                "block" => {
                    f.blocked[c] += 1;
                    if let Some(rs) = v.get("reasons").and_then(|x| x.as_array()) {
                        for r in rs.iter().filter_map(|r| r.as_str()) {
                            f.per_reason.entry(r.to_string()).or_default()[c] += 1;
                        }
                    }
                }
                "flag" => f.flagged[c] += 1,
                "allow" => {}
                other => return Err(bad(p, line, format!("unknown decision `{other}`"))),
            }
        }
    }
    let (mut reports, mut rejected, mut changes) = (
        o.inbox_reports.clone(),
        o.inbox_rejected.clone(),
        o.dnc_changes.clone(),
    );
    for dir in &o.inbox {
        if !dir.is_dir() {
            return Err(Failure::BadInput(format!(
                "{}: not a directory (--inbox takes `chanrac inbox --out` directories)",
                dir.display()
            )));
        }
        for (name, list) in [
            ("reports.csv", &mut reports),
            ("rejected.csv", &mut rejected),
            ("dnc_changes.csv", &mut changes),
        ] {
            let p = dir.join(name);
            if p.exists() {
                list.push(p);
            }
        }
    }
    inbox_files(&reports, &rejected, &changes, &in_month, &mut f)?;
    if let Some(dir) = &o.ledger {
        let l = Ledger::load(dir)?;
        let month = |d: Option<jiff::civil::Date>| {
            d.is_some_and(|d| {
                let n = day_number(d);
                n >= first && n <= last
            })
        };
        f.numbers = ["requested", "suspended", "restore_requested", "restored"]
            .into_iter()
            .map(|name| (name, 0))
            .collect();
        for c in l.cases.values() {
            let dates = [c.requested, c.suspended, c.restore_requested, c.restored];
            for (i, d) in dates.into_iter().enumerate() {
                if month(d) {
                    f.numbers[i].1 += 1;
                }
            }
        }
    }

    let csv = render_csv(&f, o);
    let mut files = vec![(o.out.clone(), csv)];
    if let Some(h) = &o.html {
        files.push((h.clone(), render_html(&f, o)));
    }
    write_all(&files)?;
    if !o.quiet {
        eprintln!(
            "{}: {} events checked, {} blocked; {} reports, {} DNC registrations, {} cancellations, {} rejected messages",
            o.month.trim(),
            f.checked[0] + f.checked[1],
            f.blocked[0] + f.blocked[1],
            f.reports[0] + f.reports[1],
            f.dnc_register,
            f.dnc_cancel,
            f.rejected
        );
        if f.dropped > 0 {
            eprintln!(
                "warning: the verdict logs mark {} lines as dropped (not counted)",
                f.dropped
            );
        }
    }
    Ok(())
}

/// Reads an inbox output directory's files that exist.
/// Counts the 5656 figures from `chanrac inbox` outputs: report lists
/// (`reports.csv`), `rejected.csv` and `dnc_changes.csv`.
fn inbox_files(
    reports: &[PathBuf],
    rejected: &[PathBuf],
    changes: &[PathBuf],
    in_month: &dyn Fn(Timestamp) -> bool,
    f: &mut Figures,
) -> Result<(), Failure> {
    for p in reports {
        let bytes = std::fs::read(p)
            .map_err(|e| Failure::from(chanrac_policy::LoadError::from_io(p, e)))?;
        for r in chanrac_policy::messages::read_reports(p, &bytes)? {
            if in_month(r.time) {
                f.reports[ch(r.channel)] += 1;
            }
        }
    }
    // rejected.csv and dnc_changes.csv have a `time` column (and
    // dnc_changes a `command`).
    let both = rejected
        .iter()
        .map(|p| (p, false))
        .chain(changes.iter().map(|p| (p, true)));
    for (p, is_dnc) in both {
        let text = std::fs::read_to_string(p)
            .map_err(|e| Failure::BadInput(format!("{}: {e}", p.display())))?;
        let mut rd = crate::cases::CsvFile::parse(p, &text)?;
        let cols = if is_dnc {
            rd.columns(&["time", "command"], &[])?
        } else {
            rd.columns(&["time"], &[])?
        };
        for (line, r) in rd.rows() {
            let t = parse_time(r[cols[0]].trim()).map_err(|m| bad(p, line as usize, m))?;
            if !in_month(t) {
                continue;
            }
            if is_dnc {
                match r[cols[1]].trim() {
                    "register" => f.dnc_register += 1,
                    "cancel" => f.dnc_cancel += 1,
                    other => {
                        return Err(bad(
                            p,
                            line as usize,
                            format!("unknown command `{other}`: expected register or cancel"),
                        ))
                    }
                }
            } else {
                f.rejected += 1;
            }
        }
    }
    Ok(())
}

fn render_csv(f: &Figures, o: &Options) -> String {
    let mut s = String::from(HEADER);
    s.push('\n');
    let split = |s: &mut String, sec: &str, item: &str, x: Split| {
        row(
            s,
            &[
                sec,
                item,
                &x[0].to_string(),
                &x[1].to_string(),
                &(x[0] + x[1]).to_string(),
            ],
        );
    };
    if !o.verdicts.is_empty() {
        split(&mut s, "events", "checked", f.checked);
        split(&mut s, "events", "blocked", f.blocked);
        split(&mut s, "events", "flagged", f.flagged);
        for (r, x) in &f.per_reason {
            split(&mut s, "blocked", r, *x);
        }
    }
    if o.has_inbox() {
        split(&mut s, "5656", "reports", f.reports);
        for (item, n) in [
            ("dnc_register", f.dnc_register),
            ("dnc_cancel", f.dnc_cancel),
            ("rejected", f.rejected),
        ] {
            row(&mut s, &["5656", item, &n.to_string(), "0", &n.to_string()]);
        }
    }
    for (item, n) in &f.numbers {
        row(&mut s, &["numbers", item, "", "", &n.to_string()]);
    }
    s
}

fn render_html(f: &Figures, o: &Options) -> String {
    let mut h = String::new();
    let m = esc(o.month.trim());
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Monthly return {m}</title>\n<style>{STATUS_STYLE}</style></head><body><main>\n<h1>Monthly return {m}</h1>\n<p class=\"small\">Dates at +07:00. Blocked events are counted once in the totals and once under each of their reasons.</p>\n"
    );
    let table = |h: &mut String, id: &str, title: &str, rows: &[(String, Split)]| {
        let _ = write!(
            h,
            "<h2>{title}</h2>\n<table id=\"{id}\"><thead><tr><th></th><th>SMS</th><th>calls</th><th>total</th></tr></thead><tbody>\n"
        );
        for (name, x) in rows {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(name),
                x[0],
                x[1],
                x[0] + x[1]
            );
        }
        h.push_str("</tbody></table>\n");
    };
    if o.verdicts.is_empty() {
        h.push_str("<p class=\"small\">No verdicts given (<code>--verdicts</code>): no event figures.</p>\n");
    } else {
        let ev = vec![
            ("checked".to_string(), f.checked),
            ("blocked".to_string(), f.blocked),
            ("flagged".to_string(), f.flagged),
        ];
        table(&mut h, "events", "Events", &ev);
        let ev: Vec<(String, Split)> = f.per_reason.iter().map(|(r, x)| (r.clone(), *x)).collect();
        table(&mut h, "blocked", "Blocked events by reason", &ev);
    }
    if !o.has_inbox() {
        h.push_str("<p class=\"small\">No inbox outputs given (<code>--inbox</code>): no 5656 figures.</p>\n");
    } else {
        let inbox = vec![
            ("reports".to_string(), f.reports),
            ("DNC registrations".to_string(), [f.dnc_register, 0]),
            ("DNC cancellations".to_string(), [f.dnc_cancel, 0]),
            ("rejected".to_string(), [f.rejected, 0]),
        ];
        table(&mut h, "inbox", "Messages to 5656", &inbox);
    }
    if o.ledger.is_none() {
        h.push_str("<p class=\"small\">No ledger given (<code>--ledger</code>): no suspension figures.</p>\n");
    } else {
        h.push_str("<h2>Numbers</h2>\n<table id=\"numbers\"><thead><tr><th></th><th>numbers</th></tr></thead><tbody>\n");
        for (item, n) in &f.numbers {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"num\">{n}</td></tr>",
                esc(item)
            );
        }
        h.push_str("</tbody></table>\n");
    }
    if f.dropped > 0 {
        let _ = writeln!(h, "<p class=\"small\">The verdict logs mark {} lines as dropped; they are not counted.</p>", f.dropped);
    }
    h.push_str("</main></body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months() {
        let (a, b) = month_range("2026-02").unwrap();
        assert_eq!(b - a, 27);
        assert!(month_range("2026-2").is_err());
        assert!(month_range("2026-13").is_err());
    }
}
