//! `chanrac suspensions`: the suspension request list of the processing
//! procedure (QĐ 30/2021 step 4; docs/tools.md).
//!
//! Reads report lists in the appendix form (`chanrac inbox`'s
//! `reports.csv`, or the same columns from elsewhere), keeps the reports
//! whose `time` falls in `--since`..`--until` (local dates at +07:00, both
//! inclusive), counts them per reported number, keeps the numbers with at
//! least `--threshold` reports, drops those already requested (`--previous`:
//! an earlier output, or any CSV with a `number` column) and writes
//! `stt,number,reports,first_seen,last_seen,types`:
//!
//! - `number`: the normalised number;
//! - `reports`: how many distinct reports (a report repeated verbatim — same
//!   reported number, type, reporter, time and content, e.g. the same file
//!   given twice — counts once);
//! - `first_seen`, `last_seen`: the earliest and latest report time in the
//!   period, RFC 3339 at +07:00 (`2026-03-02T09:15:00+07:00`);
//! - `types`: `sms`, `call`, or `sms+call` when it was reported for both;
//! - rows ordered by `reports` (most first), then by number; `stt` from 1.
//!
//! Only subscriber numbers are put on the list: mobile and fixed numbers
//! (QĐ 30/2021 step 2 sorts reports into mobile, fixed and short codes; the
//! carriers suspend subscriptions, step 5). Short codes belong to a service
//! provider and brandnames to their owner under AIS, and are dealt with
//! through them (revocation in `brandnames.csv`), not by suspending a line:
//! those that reach the threshold are named on standard error instead.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use chanrac::event::Channel;
use chanrac::ident::Identifier;
use chanrac::number::Number;
use chanrac::window::{day_number, UtcOffset};
use chanrac_policy::messages::{read_numbers, read_reports};
use chanrac_policy::LoadError;
use jiff::Timestamp;

use crate::inbox::{row, write_all};
use crate::Failure;

/// What `suspensions` was asked to do.
pub struct Options {
    pub reports: Vec<PathBuf>,
    pub previous: Option<PathBuf>,
    pub since: String,
    pub until: String,
    pub threshold: u32,
    pub out: PathBuf,
    pub quiet: bool,
}

/// The header of the request list (docs/tools.md, `chanrac suspensions`).
pub const HEADER: &str = "stt,number,reports,first_seen,last_seen,types";

/// Reports are dated in Vietnam time.
const LOCAL: UtcOffset = UtcOffset::VIETNAM;

pub fn run(o: &Options) -> Result<(), Failure> {
    let since = date_arg("--since", &o.since)?;
    let until = date_arg("--until", &o.until)?;
    if since > until {
        return Err(Failure::BadInput(format!(
            "--since `{}` is after --until `{}`",
            o.since.trim(),
            o.until.trim()
        )));
    }
    if o.threshold == 0 {
        return Err(Failure::BadInput(
            "--threshold must be at least 1".to_string(),
        ));
    }
    let previous: HashSet<Number> = match &o.previous {
        Some(p) => read_numbers(p, &read(p)?)?.into_iter().collect(),
        None => HashSet::new(),
    };

    let mut seen = HashSet::new();
    let mut per: BTreeMap<Key, Tally> = BTreeMap::new();
    let (mut total, mut in_period) = (0u64, 0u64);
    for path in &o.reports {
        for r in read_reports(path, &read(path)?)? {
            total += 1;
            let day = LOCAL.day(r.time);
            if day < since || day > until {
                continue;
            }
            if !seen.insert((
                r.reported,
                r.channel,
                r.reporter.clone(),
                r.time,
                r.content.clone(),
            )) {
                continue;
            }
            in_period += 1;
            let key = match r.reported {
                Identifier::Number(n) if !n.is_short_code() => Key::Line(n.to_string()),
                other => Key::Other(other.to_string()),
            };
            let t = per.entry(key).or_insert_with(|| Tally {
                reports: 0,
                first: r.time,
                last: r.time,
                sms: false,
                call: false,
                number: r.reported,
                written: r.written.clone(),
            });
            t.reports += 1;
            t.first = t.first.min(r.time);
            t.last = t.last.max(r.time);
            match r.channel {
                Channel::Sms => t.sms = true,
                Channel::Call => t.call = true,
            }
        }
    }

    let mut rows = vec![];
    let mut left_out = vec![];
    let mut already = 0u64;
    for (key, t) in &per {
        if t.reports < u64::from(o.threshold) {
            continue;
        }
        match (key, t.number) {
            (Key::Line(n), Identifier::Number(num)) => {
                if previous.contains(&num) {
                    already += 1;
                } else {
                    rows.push((n.as_str(), t));
                }
            }
            (Key::Other(_), id) => left_out.push((t.written.as_str(), id, t.reports)),
            _ => {}
        }
    }
    rows.sort_by(|a, b| b.1.reports.cmp(&a.1.reports).then(a.0.cmp(b.0)));
    let mut csv = String::from(HEADER);
    csv.push('\n');
    for (i, (n, t)) in rows.iter().enumerate() {
        row(
            &mut csv,
            &[
                &(i + 1).to_string(),
                n,
                &t.reports.to_string(),
                &local_time(t.first, LOCAL),
                &local_time(t.last, LOCAL),
                t.types(),
            ],
        );
    }
    write_all(&[(o.out.clone(), csv)])?;
    if !o.quiet {
        eprintln!(
            "{total} reports read, {in_period} distinct in {}..{}; {} numbers reported at least {} times: {} requested, {already} already requested earlier",
            o.since.trim(),
            o.until.trim(),
            rows.len() as u64 + already,
            o.threshold,
            rows.len(),
        );
        for (name, id, n) in left_out {
            let what = match id {
                Identifier::Name(_) => "brandname: refer to AIS for revocation",
                Identifier::Number(_) => "short code: refer to its service provider",
            };
            eprintln!("  not a subscriber number, left out: {name} ({n} reports; {what})");
        }
    }
    Ok(())
}

/// Subscriber numbers (suspendable) apart from short codes and brandnames.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Line(String),
    Other(String),
}

struct Tally {
    reports: u64,
    first: Timestamp,
    last: Timestamp,
    sms: bool,
    call: bool,
    number: Identifier,
    /// The first way it was written (brandnames keep their case).
    written: String,
}

impl Tally {
    fn types(&self) -> &'static str {
        match (self.sms, self.call) {
            (true, true) => "sms+call",
            (false, true) => "call",
            _ => "sms",
        }
    }
}

fn read(path: &std::path::Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::from(LoadError::from_io(path, e)))
}

/// A `YYYY-MM-DD` argument as days since 1970-01-01.
fn date_arg(name: &str, s: &str) -> Result<i32, Failure> {
    let v = s.trim();
    let shaped = v.len() == 10 && v.as_bytes()[4] == b'-' && v.as_bytes()[7] == b'-';
    match shaped
        .then(|| v.parse::<jiff::civil::Date>().ok())
        .flatten()
    {
        Some(d) => Ok(day_number(d)),
        None => Err(Failure::BadInput(format!(
            "{name} `{v}`: expected a date YYYY-MM-DD"
        ))),
    }
}

/// `t` as RFC 3339 at `offset`, to the second: `2026-03-02T09:15:00+07:00`.
pub fn local_time(t: Timestamp, offset: UtcOffset) -> String {
    let local = t.as_second() + i64::from(offset.seconds());
    let day = local.div_euclid(86_400);
    let sec = local.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(day);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{offset}",
        sec / 3600,
        sec % 3600 / 60,
        sec % 60
    )
}

/// Howard Hinnant's civil_from_days: days since 1970-01-01 → (y, m, d).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times() {
        let t: Timestamp = "2026-03-01T20:15:07Z".parse().unwrap();
        assert_eq!(local_time(t, LOCAL), "2026-03-02T03:15:07+07:00");
        let t: Timestamp = "2000-02-29T00:00:00+07:00".parse().unwrap();
        assert_eq!(local_time(t, LOCAL), "2000-02-29T00:00:00+07:00");
        let t: Timestamp = "1969-12-31T23:59:59Z".parse().unwrap();
        assert_eq!(
            local_time(t, UtcOffset::from_seconds(0).unwrap()),
            "1969-12-31T23:59:59+00:00"
        );
    }

    #[test]
    fn dates() {
        assert_eq!(date_arg("--since", "1970-01-02").ok(), Some(1));
        assert!(date_arg("--since", "2026-3-1").is_err());
        assert!(date_arg("--since", "2026-02-30").is_err());
    }
}
