//! `chanrac cases`: the case workflow of the processing procedure
//! (QĐ 30/2021): reports → three SMS notices → suspension requests on the
//! 5th and 25th → the carrier's confirmation → payment → restoration
//! requests on the 5th, 15th and 25th. `docs/cases.md` is the user's guide.
//!
//! # The ledger
//!
//! A directory of plain files, the record of every case:
//!
//! - `config.toml` — the settings (`key = value`, strings in double quotes,
//!   integers bare): `brandname` (default `SoTTTTHaNoi`), `advertiser` (the
//!   account the notices are sent under; default the brandname),
//!   `spacing_days` (between notices, default 3), `response_days` (after the
//!   third notice before a number may be requested, default 3),
//!   `confirm_days` (expected carrier confirmation, for `status`, default 10),
//!   `threshold` (distinct reports that open a case, default 1),
//!   `notice_time` (`HH:MM` local, default `09:00`) and `template` (the
//!   notice text; placeholders `{n}`, `{number}`, `{reports}`, `{deadline}`,
//!   `{brandname}`) and `holidays` (dates noted on scheduled days).
//! - `cases.csv` — the current state, one row per number.
//! - `reports.csv` — every report row taken, keyed by (reported number,
//!   type, reporter, time): a row is never taken twice.
//! - `referrals.csv` — short codes, brandnames and fixed lines, which are
//!   not notified by SMS or suspended through this procedure.
//! - `requests.csv` — every number ever put on a suspension request.
//! - `history.jsonl` — append-only: every change, dated (`--today`) and
//!   attributed (`--by`).
//!
//! Every command reads the whole ledger first and refuses a damaged file
//! with its name, line and column (exit 2). Files are replaced whole (temp
//! file + rename), and only files whose content changed are written, so a
//! command run twice for the same day leaves the ledger byte for byte as
//! the first run left it.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chanrac::event::Channel;
use chanrac::ident::Identifier;
use chanrac::number::{Number, NumberClass};
use chanrac::window::{day_number, UtcOffset};
use chanrac_policy::messages::read_reports;
use chanrac_policy::LoadError;
use jiff::civil::{Date, Weekday};

use crate::inbox::{row, write_all};
use crate::report::esc;
use crate::suspensions::{civil_from_days, local_time};
use crate::Failure;

/// Dates follow the calendar at +07:00.
const LOCAL: UtcOffset = UtcOffset::VIETNAM;
/// Days of the month suspension requests are issued on (QĐ 30/2021 step 4).
pub const REQUEST_DAYS: [i8; 2] = [5, 25];
/// Days of the month restoration requests are issued on (step 6).
pub const RESTORE_DAYS: [i8; 3] = [5, 15, 25];

const CASES_HEADER: &str = "number,class,state,notices,reports,opened,notice_1,notice_2,notice_3,requested,suspended,paid,came_in,restore_requested,restored,closed";
const REPORTS_HEADER: &str = "reported_number,type,content,reporter,time,note,taken";
const REFERRALS_HEADER: &str = "identifier,class,refer_to,reports,first_seen,last_seen,referred";
const REQUESTS_HEADER: &str = "number,requested";

/// What every `cases` subcommand is given.
pub struct Common {
    pub ledger: Option<PathBuf>,
    pub today: Option<String>,
    pub by: Option<String>,
    pub quiet: bool,
}

/// What the department records with `mark`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// The fine was paid.
    Paid,
    /// The owner came in (before any suspension request).
    CameIn,
}

/// One `cases` subcommand.
pub enum Action {
    Init,
    Open {
        reports: Vec<PathBuf>,
        threshold: Option<u32>,
    },
    Notify {
        out: PathBuf,
    },
    Request {
        out: PathBuf,
        suspended: Option<PathBuf>,
    },
    Confirm {
        file: PathBuf,
    },
    Mark {
        number: String,
        mark: Mark,
    },
    Restore {
        out: PathBuf,
        suspended: Option<PathBuf>,
    },
    Status {
        html: Option<PathBuf>,
    },
}

/// The states of a case, in the procedure's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    Reported,
    Notified,
    Requested,
    Suspended,
    RestoreRequested,
    Restored,
    Closed,
}

impl State {
    /// Every state, in order.
    pub const ALL: [State; 7] = [
        State::Reported,
        State::Notified,
        State::Requested,
        State::Suspended,
        State::RestoreRequested,
        State::Restored,
        State::Closed,
    ];

    /// The name written in `cases.csv`.
    pub fn name(self) -> &'static str {
        match self {
            State::Reported => "reported",
            State::Notified => "notified",
            State::Requested => "requested",
            State::Suspended => "suspended",
            State::RestoreRequested => "restore_requested",
            State::Restored => "restored",
            State::Closed => "closed",
        }
    }

    fn parse(s: &str) -> Option<State> {
        let s = s.trim().to_ascii_lowercase();
        State::ALL.into_iter().find(|x| x.name() == s)
    }

    /// Whether the case is still being worked on.
    pub fn is_open(self) -> bool {
        !matches!(self, State::Restored | State::Closed)
    }
}

/// The ledger's settings.
#[derive(Clone, Debug)]
pub struct Config {
    pub brandname: String,
    pub advertiser: String,
    pub spacing_days: u32,
    pub response_days: u32,
    pub confirm_days: u32,
    pub threshold: u32,
    pub notice_time: (u32, u32),
    pub template: String,
    /// Public holidays, for the notes on scheduled days (they are kept).
    pub holidays: Vec<Date>,
}

const DEFAULT_TEMPLATE: &str = "{brandname} thong bao lan {n}/3: so thue bao {number} bi phan anh {reports} lan ve tin nhan, cuoc goi rac. De nghi chu thue bao den So TTTT Ha Noi truoc ngay {deadline}; qua han, so thue bao se bi de nghi tam dung.";

impl Default for Config {
    fn default() -> Config {
        Config {
            brandname: "SoTTTTHaNoi".into(),
            advertiser: "SoTTTTHaNoi".into(),
            spacing_days: 3,
            response_days: 3,
            confirm_days: 10,
            threshold: 1,
            notice_time: (9, 0),
            template: DEFAULT_TEMPLATE.into(),
            holidays: vec![],
        }
    }
}

impl Config {
    fn render(&self) -> String {
        format!(
            "# chanrac case ledger settings (docs/cases.md)\n\
             brandname = {}\n\
             advertiser = {}\n\
             spacing_days = {}\n\
             response_days = {}\n\
             confirm_days = {}\n\
             threshold = {}\n\
             notice_time = \"{:02}:{:02}\"\n\
             template = {}\n\
             # public holidays, YYYY-MM-DD separated by spaces (noted on scheduled days)\n\
             holidays = {}\n",
            quote(&self.brandname),
            quote(&self.advertiser),
            self.spacing_days,
            self.response_days,
            self.confirm_days,
            self.threshold,
            self.notice_time.0,
            self.notice_time.1,
            quote(&self.template),
            quote(
                &self
                    .holidays
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        )
    }

    fn parse(path: &Path, text: &str) -> Result<Config, Failure> {
        let mut c = Config::default();
        let mut advertiser = None;
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let bad = |m: String| Failure::BadInput(format!("{}:{line}: {m}", path.display()));
            let l = raw.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let Some((k, v)) = l.split_once('=') else {
                return Err(bad(format!("expected `key = value`, found `{l}`")));
            };
            let (k, v) = (k.trim(), v.trim());
            let int = |v: &str| {
                v.parse::<u32>()
                    .map_err(|_| bad(format!("`{k}`: expected a whole number, found `{v}`")))
            };
            let string = |v: &str| {
                unquote(v).ok_or_else(|| {
                    bad(format!(
                        "`{k}`: expected a string in double quotes, found `{v}`"
                    ))
                })
            };
            match k {
                "brandname" => {
                    let s = string(v)?;
                    chanrac::ident::Name::parse(&s)
                        .map_err(|e| bad(format!("`brandname` `{s}`: {e}")))?;
                    c.brandname = s;
                }
                "advertiser" => advertiser = Some(string(v)?),
                "spacing_days" => c.spacing_days = int(v)?,
                "response_days" => c.response_days = int(v)?,
                "confirm_days" => c.confirm_days = int(v)?,
                "threshold" => {
                    c.threshold = int(v)?;
                    if c.threshold == 0 {
                        return Err(bad("`threshold` must be at least 1".into()));
                    }
                }
                "notice_time" => {
                    let s = string(v)?;
                    c.notice_time = parse_hhmm(&s)
                        .ok_or_else(|| bad(format!("`notice_time` `{s}`: expected HH:MM")))?;
                }
                "template" => c.template = string(v)?,
                "holidays" => {
                    let s = string(v)?;
                    c.holidays = s
                        .split([' ', ','])
                        .filter(|x| !x.is_empty())
                        .map(|x| {
                            parse_date(x).ok_or_else(|| {
                                bad(format!("`holidays`: bad date `{x}`: expected YYYY-MM-DD"))
                            })
                        })
                        .collect::<Result<_, _>>()?;
                }
                _ => return Err(bad(format!("unknown key `{k}`"))),
            }
        }
        c.advertiser = advertiser.unwrap_or_else(|| c.brandname.clone());
        Ok(c)
    }
}

fn parse_hhmm(s: &str) -> Option<(u32, u32)> {
    let (h, m) = s.split_once(':')?;
    let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    (h < 24 && m < 60).then_some((h, m))
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\t' => o.push_str("\\t"),
            _ => o.push(c),
        }
    }
    o.push('"');
    o
}

fn unquote(v: &str) -> Option<String> {
    let inner = v.strip_prefix('"')?.strip_suffix('"')?;
    let mut o = String::new();
    let mut it = inner.chars();
    while let Some(c) = it.next() {
        match c {
            '\\' => match it.next()? {
                '"' => o.push('"'),
                '\\' => o.push('\\'),
                'n' => o.push('\n'),
                't' => o.push('\t'),
                _ => return None,
            },
            '"' => return None,
            _ => o.push(c),
        }
    }
    Some(o)
}

/// One case: one reported subscriber number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    pub number: Number,
    pub class: &'static str,
    pub state: State,
    pub reports: u32,
    pub opened: Date,
    pub notices: Vec<Date>,
    pub requested: Option<Date>,
    pub suspended: Option<Date>,
    pub paid: Option<Date>,
    pub came_in: Option<Date>,
    pub restore_requested: Option<Date>,
    pub restored: Option<Date>,
    pub closed: Option<Date>,
}

/// A report taken into the ledger.
#[derive(Clone, Debug)]
struct Report {
    reported: String,
    channel: Channel,
    content: String,
    reporter: String,
    /// RFC 3339 at +07:00.
    time: String,
    note: &'static str,
    taken: Date,
}

impl Report {
    fn key(&self) -> (String, &'static str, String, String) {
        (
            self.reported.clone(),
            self.channel.name(),
            self.reporter.clone(),
            self.time.clone(),
        )
    }
}

#[derive(Clone, Debug)]
struct Referral {
    identifier: String,
    class: &'static str,
    reports: u32,
    first_seen: String,
    last_seen: String,
    referred: Date,
}

fn refer_to(class: &str) -> &'static str {
    match class {
        "short_code" => "service provider",
        "brandname" => "AIS",
        _ => "carrier",
    }
}

/// The ledger as read.
pub struct Ledger {
    dir: PathBuf,
    pub config: Config,
    config_text: Option<String>,
    pub cases: BTreeMap<Number, Case>,
    reports: Vec<Report>,
    referrals: BTreeMap<String, Referral>,
    requests: Vec<(Number, Date)>,
    history: String,
    new_history: Vec<String>,
}

/// A parsed CSV file: its header and its rows with their line numbers.
struct Csv {
    path: PathBuf,
    cols: Vec<String>,
    rows: Vec<(u64, Vec<String>)>,
}

/// What a history entry is about: a number, the state it left and the
/// state it entered, each when there is one.
#[derive(Clone, Copy, Debug)]
struct About {
    number: Option<Number>,
    from: Option<State>,
    to: Option<State>,
}

impl About {
    /// The ledger as a whole.
    const LEDGER: About = About {
        number: None,
        from: None,
        to: None,
    };

    /// Number `n`, its state unchanged.
    fn number(n: Number) -> About {
        About {
            number: Some(n),
            ..About::LEDGER
        }
    }

    /// Number `n`'s case, opened.
    fn opened(n: Number) -> About {
        About {
            to: Some(State::Reported),
            ..About::number(n)
        }
    }

    /// Number `n`'s case, moved from state `from` to `to`.
    fn moved(n: Number, from: State, to: State) -> About {
        About {
            number: Some(n),
            from: Some(from),
            to: Some(to),
        }
    }
}

/// A ledger file: its rows, and where the columns of its header are.
struct Table {
    csv: Csv,
    /// The index of each column the header names, in the header's order.
    ix: Vec<usize>,
}

impl Table {
    fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.csv.rows.iter().map(|(line, cells)| Row {
            table: self,
            line: *line,
            cells,
        })
    }
}

/// A row of a [`Table`]; its fields are named by their place in the
/// ledger's header.
#[derive(Clone, Copy)]
struct Row<'t> {
    table: &'t Table,
    line: u64,
    cells: &'t [String],
}

impl<'t> Row<'t> {
    /// Field `i` as written.
    fn raw(self, i: usize) -> &'t str {
        &self.cells[self.table.ix[i]]
    }

    /// Field `i`, trimmed.
    fn get(self, i: usize) -> &'t str {
        self.raw(i).trim()
    }

    /// The number in field `i`.
    fn number(self, i: usize) -> Result<Number, Failure> {
        let (c, col) = (&self.table.csv, self.table.ix[i]);
        c.number(self.line, col, self.raw(i))
    }

    /// The `YYYY-MM-DD` date in field `i`.
    fn date(self, i: usize) -> Result<Date, Failure> {
        let (c, col) = (&self.table.csv, self.table.ix[i]);
        c.date(self.line, col, self.raw(i))
    }

    /// What is wrong with field `i`, naming the file, line and column.
    fn err(self, i: usize, m: impl std::fmt::Display) -> Failure {
        self.table.csv.err(self.line, self.table.ix[i], m)
    }
}

/// A CSV file read with line numbers (for other commands' inputs).
pub struct CsvFile(Csv);

impl CsvFile {
    /// Parses `text`, read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<CsvFile, Failure> {
        Csv::parse(path, text).map(CsvFile)
    }

    /// Column indices: every `required` one, then the `optional` ones
    /// present.
    pub fn columns(&mut self, required: &[&str], optional: &[&str]) -> Result<Vec<usize>, Failure> {
        let mut ix = self.0.require(required)?;
        ix.extend(optional.iter().filter_map(|n| self.0.optional(n)));
        Ok(ix)
    }

    /// The rows with their physical line numbers.
    pub fn rows(&self) -> impl Iterator<Item = (u64, &Vec<String>)> {
        self.0.rows.iter().map(|(l, r)| (*l, r))
    }
}

impl Csv {
    /// Reads RFC 4180 CSV: quoted fields may hold commas, quotes and line
    /// breaks; blank lines and unquoted `#` lines are skipped.
    fn parse(path: &Path, text: &str) -> Result<Csv, Failure> {
        let bad = |line: u64, m: &str| Failure::BadInput(format!("{}:{line}: {m}", path.display()));
        let mut records: Vec<(u64, Vec<String>)> = vec![];
        let mut line = 1u64;
        let mut chars = text.chars().peekable();
        while chars.peek().is_some() {
            let start = line;
            if chars.peek() == Some(&'#') {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
                line += 1;
                continue;
            }
            let mut fields = vec![];
            let mut f = String::new();
            let mut quoted = false;
            let mut was_quoted = false;
            loop {
                let Some(c) = chars.next() else {
                    if quoted {
                        return Err(bad(start, "a quoted field is not closed"));
                    }
                    break;
                };
                if quoted {
                    if c == '"' {
                        if chars.peek() == Some(&'"') {
                            chars.next();
                            f.push('"');
                        } else {
                            quoted = false;
                        }
                    } else {
                        if c == '\n' {
                            line += 1;
                        }
                        f.push(c);
                    }
                    continue;
                }
                match c {
                    '"' if f.is_empty() && !was_quoted => {
                        quoted = true;
                        was_quoted = true;
                    }
                    '"' => return Err(bad(line, "a quote inside an unquoted field")),
                    ',' => {
                        fields.push(std::mem::take(&mut f));
                        was_quoted = false;
                    }
                    '\r' if chars.peek() == Some(&'\n') => {}
                    '\n' => {
                        line += 1;
                        break;
                    }
                    _ if was_quoted => {
                        return Err(bad(line, "text after a closing quote"));
                    }
                    _ => f.push(c),
                }
            }
            fields.push(f);
            if fields.len() == 1 && fields[0].trim().is_empty() && !was_quoted {
                continue;
            }
            records.push((start, fields));
        }
        let mut it = records.into_iter();
        let cols = match it.next() {
            Some((_, h)) => h
                .iter()
                .map(|c| c.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
                .collect(),
            None => vec![],
        };
        let rows: Vec<(u64, Vec<String>)> = it.collect();
        for (l, r) in &rows {
            if r.len() != cols.len() {
                return Err(bad(
                    *l,
                    &format!(
                        "expected {} fields as in the header, found {}",
                        cols.len(),
                        r.len()
                    ),
                ));
            }
        }
        Ok(Csv {
            path: path.to_path_buf(),
            cols,
            rows,
        })
    }

    /// Column indices of `names`; every one required.
    fn require(&self, names: &[&str]) -> Result<Vec<usize>, Failure> {
        names
            .iter()
            .map(|n| {
                self.cols.iter().position(|c| c == n).ok_or_else(|| {
                    Failure::BadInput(format!(
                        "{}:1: missing required column `{n}` (header has `{}`)",
                        self.path.display(),
                        self.cols.join(",")
                    ))
                })
            })
            .collect()
    }

    fn optional(&self, name: &str) -> Option<usize> {
        self.cols.iter().position(|c| c == name)
    }

    /// The number `v` in column `col` of line `line`.
    fn number(&self, line: u64, col: usize, v: &str) -> Result<Number, Failure> {
        Number::parse(v).map_err(|e| self.err(line, col, format!("bad number `{}`: {e}", v.trim())))
    }

    /// The `YYYY-MM-DD` date `v` in column `col` of line `line`.
    fn date(&self, line: u64, col: usize, v: &str) -> Result<Date, Failure> {
        parse_date(v).ok_or_else(|| self.err(line, col, format!("bad date `{}`", v.trim())))
    }

    fn err(&self, line: u64, col: usize, m: impl std::fmt::Display) -> Failure {
        Failure::BadInput(format!(
            "{}:{line}: column {} ({}): {m}",
            self.path.display(),
            col + 1,
            self.cols.get(col).map_or("", String::as_str)
        ))
    }
}

/// A `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Option<Date> {
    let v = s.trim();
    let b = v.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    v.parse::<Date>().ok()
}

/// `d` plus `n` days.
pub fn add_days(d: Date, n: i64) -> Date {
    let (y, m, dd) = civil_from_days(i64::from(day_number(d)) + n);
    Date::new(y as i16, m as i8, dd as i8).unwrap_or(d)
}

/// Days from `a` to `b`.
pub fn days_between(a: Date, b: Date) -> i64 {
    i64::from(day_number(b)) - i64::from(day_number(a))
}

/// The first day on or after `from` whose day of the month is in `days`.
pub fn next_scheduled(from: Date, days: &[i8]) -> Date {
    let mut d = from;
    for _ in 0..40 {
        if days.contains(&d.day()) {
            return d;
        }
        d = add_days(d, 1);
    }
    d
}

/// `holiday`, `Saturday` or `Sunday` when `d` is a day off.
fn day_off(d: Date, holidays: &[Date]) -> Option<&'static str> {
    if holidays.contains(&d) {
        return Some("holiday");
    }
    match d.weekday() {
        Weekday::Saturday => Some("Saturday"),
        Weekday::Sunday => Some("Sunday"),
        _ => None,
    }
}

/// ` (a Saturday: kept as scheduled)` when `d` falls on a weekend or one
/// of `holidays`; empty otherwise.
pub fn weekend_note(d: Date, holidays: &[Date]) -> String {
    day_off(d, holidays)
        .map(|k| format!(" (a {k}: kept as scheduled)"))
        .unwrap_or_default()
}

/// Whether `today` is one of the scheduled `days` of the month. When it is
/// not, says so (`what`: "a request day (… issued on …", with the next
/// such day) and that nothing is written; when it is and falls on a
/// weekend or holiday, says that it is kept as scheduled.
fn scheduled(today: Date, days: &[i8], what: &str, holidays: &[Date], say: &dyn Fn(&str)) -> bool {
    if !days.contains(&today.day()) {
        say(&format!(
            "{today} is not {what}; next: {}); nothing written",
            next_scheduled(today, days)
        ));
        return false;
    }
    weekend_say(today, holidays, say);
    true
}

/// Says so when a scheduled day falls on a weekend or a holiday.
fn weekend_say(today: Date, holidays: &[Date], say: &dyn Fn(&str)) {
    if let Some(k) = day_off(today, holidays) {
        say(&format!(
            "note: {today} is a {k}: kept as scheduled (the decision names the day of the month)"
        ));
    }
}

/// Today at +07:00 from the clock.
pub fn today_local() -> Date {
    let t = jiff::Timestamp::now();
    let (y, m, d) =
        civil_from_days((t.as_second() + i64::from(LOCAL.seconds())).div_euclid(86_400));
    Date::new(y as i16, m as i8, d as i8).unwrap_or(Date::ZERO)
}

fn date_text(d: Option<Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn class_name(n: Number) -> &'static str {
    match n.class() {
        NumberClass::Mobile => "mobile",
        NumberClass::Fixed => "fixed",
        NumberClass::ShortCode => "short_code",
    }
}

fn read_text(path: &Path) -> Result<Option<String>, Failure> {
    match std::fs::read(path) {
        Ok(b) => String::from_utf8(b)
            .map(Some)
            .map_err(|_| Failure::BadInput(format!("{}: not UTF-8 text", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Failure::Other(format!("{}: {e}", path.display()))),
    }
}

impl Ledger {
    /// A ledger in `dir` with no cases, reports, referrals, requests or
    /// history yet; `config` as written in `config_text`.
    fn empty(dir: &Path, config: Config, config_text: String) -> Ledger {
        Ledger {
            dir: dir.to_path_buf(),
            config,
            config_text: Some(config_text),
            cases: BTreeMap::new(),
            reports: vec![],
            referrals: BTreeMap::new(),
            requests: vec![],
            history: String::new(),
            new_history: vec![],
        }
    }

    /// Reads and checks every file of the ledger in `dir`.
    pub fn load(dir: &Path) -> Result<Ledger, Failure> {
        let config_path = dir.join("config.toml");
        let config_text = read_text(&config_path)?;
        let Some(config_text) = config_text else {
            return Err(Failure::BadInput(format!(
                "{}: no ledger here (run `chanrac cases init --ledger {}` first)",
                dir.display(),
                dir.display()
            )));
        };
        let config = Config::parse(&config_path, &config_text)?;
        let mut l = Ledger::empty(dir, config, config_text);
        l.load_rows("cases.csv", CASES_HEADER, Ledger::add_case)?;
        l.load_rows("reports.csv", REPORTS_HEADER, Ledger::add_report)?;
        l.load_rows("referrals.csv", REFERRALS_HEADER, Ledger::add_referral)?;
        l.load_rows("requests.csv", REQUESTS_HEADER, Ledger::add_request)?;
        l.load_history()?;
        Ok(l)
    }

    /// Adds each row of the ledger's file `name` (every column of `header`
    /// required) with `add`; an absent file has no rows.
    fn load_rows(
        &mut self,
        name: &str,
        header: &str,
        mut add: impl FnMut(&mut Ledger, Row<'_>) -> Result<(), Failure>,
    ) -> Result<(), Failure> {
        let p = self.dir.join(name);
        let Some(text) = read_text(&p)? else {
            return Ok(());
        };
        let csv = Csv::parse(&p, &text)?;
        let names: Vec<&str> = header.split(',').collect();
        let table = Table {
            ix: csv.require(&names)?,
            csv,
        };
        for row in table.rows() {
            add(self, row)?;
        }
        Ok(())
    }

    /// A row of `cases.csv`: one case (its dates agreeing with its state).
    fn add_case(&mut self, row: Row<'_>) -> Result<(), Failure> {
        let date = |i: usize| -> Result<Option<Date>, Failure> {
            let v = row.get(i);
            if v.is_empty() {
                return Ok(None);
            }
            parse_date(v)
                .map(Some)
                .ok_or_else(|| row.err(i, format!("bad date `{v}`: expected YYYY-MM-DD")))
        };
        let number = row.number(0)?;
        if self.cases.contains_key(&number) {
            return Err(row.err(0, format!("number `{number}` has two rows")));
        }
        let class = class_name(number);
        if row.get(1) != class {
            return Err(row.err(
                1,
                format!("class `{}` but `{number}` is {class}", row.get(1)),
            ));
        }
        let state = State::parse(row.get(2))
            .ok_or_else(|| row.err(2, format!("unknown state `{}`", row.get(2))))?;
        let notices: usize = match row.get(3).parse() {
            Ok(n) if n <= 3 => n,
            _ => {
                return Err(row.err(
                    3,
                    format!("bad notice count `{}`: expected 0 to 3", row.get(3)),
                ))
            }
        };
        let reports: u32 = row
            .get(4)
            .parse()
            .map_err(|_| row.err(4, format!("bad report count `{}`", row.get(4))))?;
        let opened =
            date(5)?.ok_or_else(|| row.err(5, "empty: every case has its opening date"))?;
        let mut dates = vec![];
        for i in 6..9 {
            if let Some(d) = date(i)? {
                dates.push(d);
            }
        }
        if dates.len() != notices {
            return Err(row.err(
                3,
                format!("{notices} notices but {} notice dates", dates.len()),
            ));
        }
        let case = Case {
            number,
            class,
            state,
            reports,
            opened,
            notices: dates,
            requested: date(9)?,
            suspended: date(10)?,
            paid: date(11)?,
            came_in: date(12)?,
            restore_requested: date(13)?,
            restored: date(14)?,
            closed: date(15)?,
        };
        let step = match state {
            State::Reported => (!case.notices.is_empty()).then_some(3),
            State::Notified => case.notices.is_empty().then_some(3),
            State::Requested => case.requested.is_none().then_some(9),
            State::Suspended => case.suspended.is_none().then_some(10),
            State::RestoreRequested => case.restore_requested.is_none().then_some(13),
            State::Restored => case.restored.is_none().then_some(14),
            State::Closed => case.closed.is_none().then_some(15),
        };
        if let Some(i) = step {
            return Err(row.err(i, format!("does not agree with state `{}`", state.name())));
        }
        self.cases.insert(number, case);
        Ok(())
    }

    /// A row of `reports.csv`: one report.
    fn add_report(&mut self, row: Row<'_>) -> Result<(), Failure> {
        let written = row.get(0);
        let id = chanrac::inbox::source_identifier(written).map_err(|e| {
            row.err(
                0,
                format!("bad reported number `{written}`: {}", e.message()),
            )
        })?;
        let (reported, note) = identify(id, written);
        let channel = Channel::parse(row.raw(1))
            .ok_or_else(|| row.err(1, format!("unknown type `{}`", row.get(1))))?;
        let time = chanrac_policy::events::parse_time(row.get(4)).map_err(|m| row.err(4, m))?;
        let taken = row.date(6)?;
        self.reports.push(Report {
            reported,
            channel,
            content: row.raw(2).to_string(),
            reporter: row.get(3).to_string(),
            time: local_time(time, LOCAL),
            note,
            taken,
        });
        Ok(())
    }

    /// A row of `referrals.csv`: one referral.
    fn add_referral(&mut self, row: Row<'_>) -> Result<(), Failure> {
        let class = match row.get(1) {
            "fixed" => "fixed",
            "short_code" => "short_code",
            "brandname" => "brandname",
            other => return Err(row.err(1, format!("unknown class `{other}`"))),
        };
        let reports = row
            .get(3)
            .parse()
            .map_err(|_| row.err(3, format!("bad report count `{}`", row.get(3))))?;
        let referred = row.date(6)?;
        self.referrals.insert(
            row.get(0).to_string(),
            Referral {
                identifier: row.get(0).to_string(),
                class,
                reports,
                first_seen: row.get(4).to_string(),
                last_seen: row.get(5).to_string(),
                referred,
            },
        );
        Ok(())
    }

    /// A row of `requests.csv`: one suspension request.
    fn add_request(&mut self, row: Row<'_>) -> Result<(), Failure> {
        let n = row.number(0)?;
        if n.is_short_code() {
            return Err(row.err(
                0,
                format!("`{}` is a short code, not a subscriber number", row.get(0)),
            ));
        }
        let d = row.date(1)?;
        self.requests.push((n, d));
        Ok(())
    }

    fn load_history(&mut self) -> Result<(), Failure> {
        let p = self.dir.join("history.jsonl");
        let Some(text) = read_text(&p)? else {
            return Ok(());
        };
        for (i, l) in text.lines().enumerate() {
            if l.trim().is_empty() {
                continue;
            }
            let ok = serde_json::from_str::<serde_json::Value>(l)
                .ok()
                .filter(|v| {
                    v.get("date")
                        .and_then(|d| d.as_str())
                        .and_then(parse_date)
                        .is_some()
                        && v.get("by").is_some_and(|b| b.is_string())
                        && v.get("command").is_some_and(|b| b.is_string())
                })
                .is_some();
            if !ok {
                return Err(Failure::BadInput(format!(
                    "{}:{}: not a history entry (a JSON object with `date`, `by` and `command`)",
                    p.display(),
                    i + 1
                )));
            }
        }
        if !text.is_empty() && !text.ends_with('\n') {
            return Err(Failure::BadInput(format!(
                "{}:{}: the last line is cut short (no line end)",
                p.display(),
                text.lines().count()
            )));
        }
        self.history = text;
        Ok(())
    }

    /// Records one change in the history: what `command` did `about` in
    /// session `s`, with `detail` (none when empty).
    fn log(&mut self, s: Session<'_>, command: &str, about: About, detail: &str) {
        let mut m = serde_json::Map::new();
        m.insert("date".into(), s.today.to_string().into());
        m.insert("by".into(), s.by.into());
        m.insert("command".into(), command.into());
        if let Some(n) = about.number {
            m.insert("number".into(), n.to_string().into());
        }
        if let Some(s) = about.from {
            m.insert("from".into(), s.name().into());
        }
        if let Some(s) = about.to {
            m.insert("to".into(), s.name().into());
        }
        if !detail.is_empty() {
            m.insert("detail".into(), detail.into());
        }
        self.new_history
            .push(serde_json::Value::Object(m).to_string());
    }

    fn render_cases(&self) -> String {
        let mut s = String::from(CASES_HEADER);
        s.push('\n');
        for c in self.cases.values() {
            let n = |i: usize| date_text(c.notices.get(i).copied());
            row(
                &mut s,
                &[
                    &c.number.to_string(),
                    c.class,
                    c.state.name(),
                    &c.notices.len().to_string(),
                    &c.reports.to_string(),
                    &c.opened.to_string(),
                    &n(0),
                    &n(1),
                    &n(2),
                    &date_text(c.requested),
                    &date_text(c.suspended),
                    &date_text(c.paid),
                    &date_text(c.came_in),
                    &date_text(c.restore_requested),
                    &date_text(c.restored),
                    &date_text(c.closed),
                ],
            );
        }
        s
    }

    fn render_reports(&self) -> String {
        let mut s = String::from(REPORTS_HEADER);
        s.push('\n');
        for r in &self.reports {
            row(
                &mut s,
                &[
                    &r.reported,
                    r.channel.name(),
                    &r.content,
                    &r.reporter,
                    &r.time,
                    r.note,
                    &r.taken.to_string(),
                ],
            );
        }
        s
    }

    fn render_referrals(&self) -> String {
        let mut s = String::from(REFERRALS_HEADER);
        s.push('\n');
        for r in self.referrals.values() {
            row(
                &mut s,
                &[
                    &r.identifier,
                    r.class,
                    refer_to(r.class),
                    &r.reports.to_string(),
                    &r.first_seen,
                    &r.last_seen,
                    &r.referred.to_string(),
                ],
            );
        }
        s
    }

    fn render_requests(&self) -> String {
        let mut s = String::from(REQUESTS_HEADER);
        s.push('\n');
        for (n, d) in &self.requests {
            row(&mut s, &[&n.to_string(), &d.to_string()]);
        }
        s
    }

    /// The ledger's files as they should now be, plus `extra` outputs; only
    /// the files whose content changed are written.
    fn save(&self, extra: Vec<(PathBuf, String)>) -> Result<(), Failure> {
        let mut history = self.history.clone();
        for l in &self.new_history {
            history.push_str(l);
            history.push('\n');
        }
        let mut files = extra;
        let mine = [
            (
                "config.toml",
                self.config_text
                    .clone()
                    .unwrap_or_else(|| self.config.render()),
            ),
            ("cases.csv", self.render_cases()),
            ("reports.csv", self.render_reports()),
            ("referrals.csv", self.render_referrals()),
            ("requests.csv", self.render_requests()),
            ("history.jsonl", history),
        ];
        for (name, text) in mine {
            let p = self.dir.join(name);
            if read_text(&p)?.as_deref() != Some(text.as_str()) {
                files.push((p, text));
            }
        }
        write_all(&files)
    }

    /// `suspended.csv` for the policy: the rows of `existing` for numbers
    /// this ledger does not manage, and a row for every case in state
    /// `requested` or `suspended`, less `except`.
    fn suspended_csv(
        &self,
        existing: Option<&Path>,
        except: &BTreeSet<Number>,
    ) -> Result<String, Failure> {
        let mut rows: BTreeMap<String, String> = BTreeMap::new();
        if let Some(p) = existing {
            if let Some(t) = read_text(p)? {
                let c = Csv::parse(p, &t)?;
                let ix = c.require(&["number"])?;
                let reason = c.optional("reason");
                for (line, r) in &c.rows {
                    let n = c.number(*line, ix[0], &r[ix[0]])?;
                    if !self.cases.contains_key(&n) {
                        rows.insert(
                            n.to_string(),
                            reason.map(|i| r[i].clone()).unwrap_or_default(),
                        );
                    }
                }
            }
        }
        for c in self.cases.values() {
            if except.contains(&c.number) {
                continue;
            }
            if let (State::Requested | State::Suspended, Some(d)) = (c.state, c.requested) {
                rows.insert(
                    c.number.to_string(),
                    format!("QĐ 30/2021 suspension request of {d}"),
                );
            }
        }
        let mut s = String::from("number,reason\n");
        for (n, r) in &rows {
            row(&mut s, &[n, r]);
        }
        Ok(s)
    }
}

/// The normalised form and class of a reported identifier.
fn identify(id: Identifier, written: &str) -> (String, &'static str) {
    match id {
        Identifier::Number(n) => (n.to_string(), class_name(n)),
        Identifier::Name(_) => (written.trim().to_string(), "brandname"),
    }
}

/// Runs one `cases` subcommand.
/// Who runs a `cases` command, on which day, and where its messages go.
#[derive(Clone, Copy)]
struct Session<'a> {
    /// `--today`, or the local date.
    today: Date,
    /// `--by`, else `$USER`, else `chanrac`: who the history names.
    by: &'a str,
    /// Prints a message (nothing with `--quiet`).
    say: &'a dyn Fn(&str),
}

pub fn run(c: &Common, a: &Action) -> Result<(), Failure> {
    let today = match &c.today {
        Some(s) => parse_date(s).ok_or_else(|| {
            Failure::BadInput(format!(
                "--today `{}`: expected a date YYYY-MM-DD",
                s.trim()
            ))
        })?,
        None => today_local(),
    };
    let by =
        c.by.clone()
            .or_else(|| std::env::var("USER").ok())
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "chanrac".to_string());
    let say = |m: &str| {
        if !c.quiet {
            eprintln!("{m}");
        }
    };
    let Some(ledger) = &c.ledger else {
        return Err(Failure::BadInput("--ledger DIR is required".into()));
    };
    let s = Session {
        today,
        by: &by,
        say: &say,
    };
    if let Action::Init = a {
        return init(ledger, s);
    }
    let mut l = Ledger::load(ledger)?;
    match a {
        Action::Init => Ok(()),
        Action::Open { reports, threshold } => open(&mut l, s, reports, *threshold),
        Action::Notify { out } => notify(&mut l, s, out),
        Action::Request { out, suspended } => request(&mut l, s, out, suspended.as_deref()),
        Action::Confirm { file } => confirm(&mut l, s, file),
        Action::Mark { number, mark } => mark_case(&mut l, s, number, *mark),
        Action::Restore { out, suspended } => restore(&mut l, s, out, suspended.as_deref()),
        Action::Status { html } => status(&l, today, html.as_deref()),
    }
}

fn init(dir: &Path, s: Session<'_>) -> Result<(), Failure> {
    let say = s.say;
    if dir.join("config.toml").exists() {
        // Check it is whole; change nothing.
        Ledger::load(dir)?;
        say(&format!(
            "{}: a ledger is already here; nothing changed",
            dir.display()
        ));
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        Failure::BadInput(format!(
            "{}: cannot create the ledger directory: {e}",
            dir.display()
        ))
    })?;
    let config = Config::default();
    let text = config.render();
    let mut l = Ledger::empty(dir, config, text);
    l.log(s, "init", About::LEDGER, "ledger created");
    l.save(vec![])?;
    say(&format!("{}: ledger created", dir.display()));
    Ok(())
}

fn open(
    l: &mut Ledger,
    s: Session<'_>,
    files: &[PathBuf],
    threshold: Option<u32>,
) -> Result<(), Failure> {
    let Session { today, say, .. } = s;
    let threshold = threshold.unwrap_or(l.config.threshold);
    if threshold == 0 {
        return Err(Failure::BadInput("--threshold must be at least 1".into()));
    }
    let mut seen: HashSet<_> = l.reports.iter().map(Report::key).collect();
    let mut taken = 0u64;
    let mut total = 0u64;
    let mut later = 0u64;
    for path in files {
        let bytes = std::fs::read(path).map_err(|e| Failure::from(LoadError::from_io(path, e)))?;
        for r in read_reports(path, &bytes)? {
            total += 1;
            if LOCAL.day(r.time) > day_number(today) {
                // Not yet, as of --today: taken by a later day's run.
                later += 1;
                continue;
            }
            let (reported, note) = identify(r.reported, &r.written);
            let rep = Report {
                reported,
                channel: r.channel,
                content: r.content,
                reporter: r.reporter,
                time: local_time(r.time, LOCAL),
                note,
                taken: today,
            };
            if seen.insert(rep.key()) {
                l.reports.push(rep);
                taken += 1;
            }
        }
    }
    if taken > 0 {
        l.log(
            s,
            "open",
            About::LEDGER,
            &format!("took {taken} new report rows of {total}"),
        );
    }
    // Per identifier: count, first and last time.
    let mut per: BTreeMap<(String, &'static str), (u32, String, String)> = BTreeMap::new();
    for r in &l.reports {
        let e =
            per.entry((r.reported.clone(), r.note))
                .or_insert((0, r.time.clone(), r.time.clone()));
        e.0 += 1;
        if r.time < e.1 {
            e.1 = r.time.clone();
        }
        if r.time > e.2 {
            e.2 = r.time.clone();
        }
    }
    let (mut opened, mut referred) = (0u64, 0u64);
    for ((id, class), (count, first, last)) in per {
        if class == "mobile" {
            let Ok(n) = Number::parse(&id) else { continue };
            if let Some(c) = l.cases.get_mut(&n) {
                if c.reports != count {
                    let was = c.reports;
                    c.reports = count;
                    let state = c.state;
                    if !state.is_open() {
                        say(&format!(
                            "{n}: reported again after its case ended ({}); not reopened",
                            state.name()
                        ));
                    }
                    l.log(
                        s,
                        "open",
                        About::number(n),
                        &format!("reports {was} -> {count}"),
                    );
                }
            } else if count >= threshold {
                l.cases.insert(
                    n,
                    Case {
                        number: n,
                        class: "mobile",
                        state: State::Reported,
                        reports: count,
                        opened: today,
                        notices: vec![],
                        requested: None,
                        suspended: None,
                        paid: None,
                        came_in: None,
                        restore_requested: None,
                        restored: None,
                        closed: None,
                    },
                );
                opened += 1;
                l.log(s, "open", About::opened(n), &format!("{count} reports"));
            }
        } else if let Some(r) = l.referrals.get_mut(&id) {
            if r.reports != count {
                r.reports = count;
                r.first_seen = first;
                r.last_seen = last;
                l.log(
                    s,
                    "open",
                    About::LEDGER,
                    &format!("referral {id}: {count} reports"),
                );
            }
        } else if count >= threshold {
            l.referrals.insert(
                id.clone(),
                Referral {
                    identifier: id.clone(),
                    class,
                    reports: count,
                    first_seen: first,
                    last_seen: last,
                    referred: today,
                },
            );
            referred += 1;
            l.log(
                s,
                "open",
                About::LEDGER,
                &format!("referred {id} ({class}) to the {}", refer_to(class)),
            );
        }
    }
    l.save(vec![])?;
    say(&format!(
        "{total} report rows read, {taken} new, {later} dated after {today} (left for a later day); {opened} cases opened, {referred} referred; {} cases in the ledger",
        l.cases.len()
    ));
    Ok(())
}

/// The next notice's due date, when one is due at all.
fn notice_due(c: &Case, cfg: &Config) -> Option<Date> {
    if !matches!(c.state, State::Reported | State::Notified) || c.notices.len() >= 3 {
        return None;
    }
    Some(match c.notices.last() {
        None => c.opened,
        Some(d) => add_days(*d, i64::from(cfg.spacing_days)),
    })
}

/// The day from which a case notified three times may be requested.
fn request_ready(c: &Case, cfg: &Config) -> Option<Date> {
    if c.state != State::Notified || c.notices.len() < 3 {
        return None;
    }
    c.notices
        .last()
        .map(|d| add_days(*d, i64::from(cfg.response_days)))
}

fn local_number(n: Number) -> String {
    let s = n.to_string();
    match s.strip_prefix("84") {
        Some(rest) if n.class() != NumberClass::ShortCode => format!("0{rest}"),
        _ => s,
    }
}

/// The notice text; `reports` is the count as of the notice's day (so that a
/// rerun of that day writes the same text).
fn notice_text(cfg: &Config, c: &Case, k: usize, day: Date, reports: usize) -> String {
    let deadline = add_days(day, i64::from(cfg.spacing_days));
    cfg.template
        .replace("{n}", &k.to_string())
        .replace("{number}", &local_number(c.number))
        .replace("{reports}", &reports.to_string())
        .replace(
            "{deadline}",
            &format!(
                "{:02}/{:02}/{}",
                deadline.day(),
                deadline.month(),
                deadline.year()
            ),
        )
        .replace("{brandname}", &cfg.brandname)
}

/// The distinct reports of `n` taken on or before `day`.
fn reports_by(l: &Ledger, n: Number, day: Date) -> usize {
    let ns = n.to_string();
    l.reports
        .iter()
        .filter(|r| r.reported == ns && r.taken <= day)
        .count()
}

fn notify(l: &mut Ledger, s: Session<'_>, out: &Path) -> Result<(), Failure> {
    let Session { today, say, .. } = s;
    let mut sent = 0u64;
    let numbers: Vec<Number> = l.cases.keys().copied().collect();
    for n in numbers {
        let Some(c) = l.cases.get_mut(&n) else {
            continue;
        };
        if c.class != "mobile" {
            continue;
        }
        match notice_due(c, &l.config) {
            Some(due) if due <= today => {
                let from = c.state;
                c.notices.push(today);
                c.state = State::Notified;
                let k = c.notices.len();
                sent += 1;
                l.log(
                    s,
                    "notify",
                    About::moved(n, from, State::Notified),
                    &format!("notice {k} of 3"),
                );
            }
            _ => {}
        }
    }
    // Every notice dated today, so that a rerun writes the same file.
    let (h, m) = l.config.notice_time;
    // The event columns, without the calls' `duration`.
    let keys: &[&str] = chanrac_policy::events::COLUMNS.get(..8).unwrap_or_default();
    // JSON Lines when the name ends in `.jsonl` (as `replay` reads it).
    let jsonl = out.extension().is_some_and(|e| e == "jsonl");
    let mut csv = if jsonl {
        String::new()
    } else {
        format!("{}\n", keys.join(","))
    };
    let mut count = 0u64;
    for c in l.cases.values() {
        for (i, d) in c.notices.iter().enumerate() {
            if *d == today {
                count += 1;
                let fields = [
                    format!("notice-{}-{}", c.number, i + 1),
                    format!("{today}T{h:02}:{m:02}:00+07:00"),
                    "sms".into(),
                    "care".into(),
                    l.config.brandname.clone(),
                    l.config.advertiser.clone(),
                    c.number.to_string(),
                    notice_text(&l.config, c, i + 1, today, reports_by(l, c.number, today)),
                ];
                if jsonl {
                    let mut o = serde_json::Map::new();
                    for (k, v) in keys.iter().zip(fields) {
                        o.insert((*k).into(), v.into());
                    }
                    csv.push_str(&serde_json::Value::Object(o).to_string());
                    csv.push('\n');
                } else {
                    let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
                    row(&mut csv, &refs);
                }
            }
        }
    }
    l.save(vec![(out.to_path_buf(), csv)])?;
    say(&format!(
        "{today}: {sent} new notices; {count} notices dated today written to {}",
        out.display()
    ));
    Ok(())
}

fn request(
    l: &mut Ledger,
    s: Session<'_>,
    out: &Path,
    suspended: Option<&Path>,
) -> Result<(), Failure> {
    let Session { today, say, .. } = s;
    let what = "a request day (suspension requests are issued on the 5th and the 25th";
    if !scheduled(today, &REQUEST_DAYS, what, &l.config.holidays, say) {
        return Ok(());
    }
    let earlier: BTreeMap<Number, Date> = l.requests.iter().map(|r| (r.0, r.1)).collect();
    let numbers: Vec<Number> = l.cases.keys().copied().collect();
    let mut added = 0u64;
    for n in numbers {
        let Some(c) = l.cases.get_mut(&n) else {
            continue;
        };
        let Some(ready) = request_ready(c, &l.config) else {
            continue;
        };
        if ready > today {
            continue;
        }
        if let Some(&when) = earlier.get(&n) {
            // De-duplicated against every earlier request: the case is
            // requested (as of that request) but not listed again.
            say(&format!(
                "{n}: already requested on {when}; not listed again"
            ));
            c.state = State::Requested;
            c.requested = Some(when);
            l.log(
                s,
                "request",
                About::moved(n, State::Notified, State::Requested),
                &format!("already requested on {when}; not listed again"),
            );
            continue;
        }
        c.state = State::Requested;
        c.requested = Some(today);
        l.requests.push((n, today));
        added += 1;
        l.log(
            s,
            "request",
            About::moved(n, State::Notified, State::Requested),
            "notified three times without response",
        );
    }
    let mut csv = String::from(
        "stt,reported_number,type,content,reporter,time,note,reports,notice_1,notice_2,notice_3\n",
    );
    let mut stt = 0u64;
    for (n, d) in &l.requests {
        if *d != today {
            continue;
        }
        let Some(c) = l.cases.get(n) else { continue };
        let ns = n.to_string();
        let last = l
            .reports
            .iter()
            .filter(|r| r.reported == ns && r.taken <= today)
            .max_by(|a, b| a.time.cmp(&b.time));
        stt += 1;
        let nd = |i: usize| date_text(c.notices.get(i).copied());
        row(
            &mut csv,
            &[
                &stt.to_string(),
                &ns,
                last.map_or("sms", |r| r.channel.name()),
                last.map_or("", |r| r.content.as_str()),
                last.map_or("", |r| r.reporter.as_str()),
                last.map_or("", |r| r.time.as_str()),
                c.class,
                &reports_by(l, c.number, today).to_string(),
                &nd(0),
                &nd(1),
                &nd(2),
            ],
        );
    }
    let mut extra = vec![(out.to_path_buf(), csv)];
    if let Some(p) = suspended {
        extra.push((p.to_path_buf(), l.suspended_csv(Some(p), &BTreeSet::new())?));
    }
    l.save(extra)?;
    say(&format!(
        "{today}: {added} numbers newly requested; {stt} on today's request list"
    ));
    Ok(())
}

fn confirm(l: &mut Ledger, s: Session<'_>, file: &Path) -> Result<(), Failure> {
    let Session { today, say, .. } = s;
    let text = read_text(file)?
        .ok_or_else(|| Failure::BadInput(format!("{}: no such file", file.display())))?;
    let c = Csv::parse(file, &text)?;
    let ix = c.require(&["number"])?;
    let status_col = c.optional("status");
    let date_col = c.optional("date");
    let mut rows = vec![];
    for (line, r) in &c.rows {
        let n = c.number(*line, ix[0], &r[ix[0]])?;
        let target = match status_col.map(|i| r[i].trim().to_ascii_lowercase()) {
            None => State::Suspended,
            Some(s) if s.is_empty() || s == "suspended" || s == "suspend" => State::Suspended,
            Some(s) if s == "restored" || s == "restore" => State::Restored,
            Some(s) => {
                return Err(c.err(
                    *line,
                    status_col.unwrap_or(0),
                    format!("unknown status `{s}`: expected suspended or restored"),
                ))
            }
        };
        let date = match date_col.map(|i| r[i].trim()) {
            None | Some("") => today,
            Some(v) => match parse_date(v) {
                Some(d) if d <= today => d,
                Some(_) => {
                    return Err(c.err(
                        *line,
                        date_col.unwrap_or(0),
                        format!("date `{v}` is after --today {today}"),
                    ))
                }
                None => {
                    return Err(c.err(
                        *line,
                        date_col.unwrap_or(0),
                        format!("bad date `{v}`: expected YYYY-MM-DD"),
                    ))
                }
            },
        };
        rows.push((*line, n, target, date));
    }
    let (mut done, mut skipped) = (0u64, 0u64);
    for (line, n, target, date) in rows {
        let Some(case) = l.cases.get_mut(&n) else {
            say(&format!(
                "{}:{line}: {n} has no case; skipped",
                file.display()
            ));
            skipped += 1;
            continue;
        };
        let from = case.state;
        let need = match target {
            State::Suspended => State::Requested,
            _ => State::RestoreRequested,
        };
        if from == target || (target == State::Suspended && from > State::Suspended) {
            // Already recorded; a suspension confirmed after the
            // restoration was requested still gets its date.
            if target == State::Suspended && case.suspended.is_none() {
                case.suspended = Some(date);
                done += 1;
                l.log(
                    s,
                    "confirm",
                    About::number(n),
                    &format!("carrier: suspended on {date} (restoration already requested)"),
                );
            }
            continue;
        }
        if from != need {
            say(&format!(
                "{}:{line}: {n} is `{}`, not `{}`; skipped",
                file.display(),
                from.name(),
                need.name()
            ));
            skipped += 1;
            continue;
        }
        case.state = target;
        if target == State::Suspended {
            case.suspended = Some(date);
        } else {
            case.restored = Some(date);
        }
        done += 1;
        l.log(
            s,
            "confirm",
            About::moved(n, from, target),
            &format!("carrier: {} on {date}", target.name()),
        );
    }
    l.save(vec![])?;
    say(&format!("{done} confirmations recorded, {skipped} skipped"));
    Ok(())
}

fn mark_case(l: &mut Ledger, s: Session<'_>, number: &str, mark: Mark) -> Result<(), Failure> {
    let Session { today, say, .. } = s;
    let n = Number::parse(number)
        .map_err(|e| Failure::BadInput(format!("number `{}`: {e}", number.trim())))?;
    let Some(c) = l.cases.get_mut(&n) else {
        return Err(Failure::BadInput(format!("{n}: no case in the ledger")));
    };
    let from = c.state;
    let what = match mark {
        Mark::Paid => "paid",
        Mark::CameIn => "came-in",
    };
    match (mark, from) {
        (Mark::Paid, _) if c.paid.is_some() => {
            say(&format!(
                "{n}: already marked paid on {}; nothing changed",
                date_text(c.paid)
            ));
            return Ok(());
        }
        (Mark::CameIn, _) if c.came_in.is_some() => {
            say(&format!(
                "{n}: already marked came-in on {}; nothing changed",
                date_text(c.came_in)
            ));
            return Ok(());
        }
        (_, State::Reported | State::Notified) => {
            if mark == Mark::Paid {
                c.paid = Some(today);
            } else {
                c.came_in = Some(today);
            }
            c.state = State::Closed;
            c.closed = Some(today);
        }
        (Mark::Paid, State::Requested | State::Suspended) => c.paid = Some(today),
        (Mark::CameIn, State::Requested | State::Suspended) => {
            return Err(Failure::BadInput(format!(
                "{n} is `{}` (requested {}): mark it paid for its restoration",
                from.name(),
                date_text(c.requested)
            )))
        }
        (_, _) => {
            return Err(Failure::BadInput(format!(
                "{n} is `{}`: nothing to mark",
                from.name()
            )))
        }
    }
    let to = c.state;
    l.log(s, "mark", About::moved(n, from, to), what);
    l.save(vec![])?;
    say(&format!(
        "{n}: marked {what} ({} -> {})",
        from.name(),
        to.name()
    ));
    Ok(())
}

fn restore(
    l: &mut Ledger,
    s: Session<'_>,
    out: &Path,
    suspended: Option<&Path>,
) -> Result<(), Failure> {
    let Session { today, say, .. } = s;
    let what =
        "a restoration day (restoration requests are issued on the 5th, the 15th and the 25th";
    if !scheduled(today, &RESTORE_DAYS, what, &l.config.holidays, say) {
        return Ok(());
    }
    let mut added = 0u64;
    let numbers: Vec<Number> = l.cases.keys().copied().collect();
    for n in numbers {
        let Some(c) = l.cases.get_mut(&n) else {
            continue;
        };
        let from = c.state;
        let due = matches!(from, State::Requested | State::Suspended)
            && c.paid.is_some_and(|p| p <= today)
            && c.requested.is_some_and(|r| r <= today);
        if due {
            c.state = State::RestoreRequested;
            c.restore_requested = Some(today);
            added += 1;
            l.log(
                s,
                "restore",
                About::moved(n, from, State::RestoreRequested),
                "fine paid",
            );
        }
    }
    let mut csv = String::from("stt,number,note,requested,suspended,paid\n");
    let mut today_set = BTreeSet::new();
    for c in l.cases.values() {
        if c.restore_requested == Some(today) {
            today_set.insert(c.number);
            row(
                &mut csv,
                &[
                    &today_set.len().to_string(),
                    &c.number.to_string(),
                    c.class,
                    &date_text(c.requested),
                    &date_text(c.suspended.filter(|d| *d <= today)),
                    &date_text(c.paid),
                ],
            );
        }
    }
    let mut extra = vec![(out.to_path_buf(), csv)];
    if let Some(p) = suspended {
        extra.push((p.to_path_buf(), l.suspended_csv(Some(p), &today_set)?));
    }
    l.save(extra)?;
    say(&format!(
        "{today}: {added} restorations newly requested; {} on today's list",
        today_set.len()
    ));
    Ok(())
}

/// The next step of an open case and the day it is due.
pub fn next_step(c: &Case, cfg: &Config) -> (String, Option<Date>) {
    match c.state {
        State::Reported | State::Notified if c.notices.len() < 3 => (
            format!("notice {}", c.notices.len() + 1),
            notice_due(c, cfg),
        ),
        State::Reported | State::Notified => (
            "suspension request".into(),
            request_ready(c, cfg).map(|d| next_scheduled(d, &REQUEST_DAYS)),
        ),
        State::Requested if c.paid.is_some() => (
            "restoration request".into(),
            c.paid.map(|d| next_scheduled(d, &RESTORE_DAYS)),
        ),
        State::Requested => (
            "carrier confirms suspension".into(),
            c.requested
                .map(|d| add_days(d, i64::from(cfg.confirm_days))),
        ),
        State::Suspended if c.paid.is_some() => (
            "restoration request".into(),
            c.paid.map(|d| next_scheduled(d, &RESTORE_DAYS)),
        ),
        State::Suspended => ("owner pays the fine".into(), None),
        State::RestoreRequested => (
            "carrier confirms restoration".into(),
            c.restore_requested
                .map(|d| add_days(d, i64::from(cfg.confirm_days))),
        ),
        State::Restored | State::Closed => ("none".into(), None),
    }
}

fn status(l: &Ledger, today: Date, html: Option<&Path>) -> Result<(), Failure> {
    let mut open: Vec<&Case> = l.cases.values().filter(|c| c.state.is_open()).collect();
    open.sort_by(|a, b| {
        a.state
            .cmp(&b.state)
            .then(a.opened.cmp(&b.opened))
            .then(a.number.cmp(&b.number))
    });
    let mut by_state: BTreeMap<State, u64> = BTreeMap::new();
    for c in l.cases.values() {
        *by_state.entry(c.state).or_default() += 1;
    }
    let mut t = String::new();
    let _ = writeln!(
        t,
        "cases on {today}{}:",
        weekend_note(today, &l.config.holidays)
    );
    for s in State::ALL {
        let _ = writeln!(
            t,
            "  {:<18} {}",
            s.name(),
            by_state.get(&s).copied().unwrap_or(0)
        );
    }
    let _ = writeln!(
        t,
        "{:<13} {:<17} {:>7} {:>7} {:<10} {:>4}  {:<28} {:<10} overdue",
        "number", "state", "notices", "reports", "opened", "age", "next step", "due"
    );
    let mut overdue = 0u64;
    for c in &open {
        let (step, due) = next_step(c, &l.config);
        let late = due.is_some_and(|d| d < today);
        overdue += u64::from(late);
        let _ = writeln!(
            t,
            "{:<13} {:<17} {:>7} {:>7} {:<10} {:>4}  {:<28} {:<10} {}",
            c.number.to_string(),
            c.state.name(),
            c.notices.len(),
            c.reports,
            c.opened.to_string(),
            days_between(c.opened, today),
            step,
            date_text(due),
            if late {
                format!("{} days", days_between(due.unwrap_or(today), today))
            } else {
                String::new()
            }
        );
    }
    let _ = writeln!(t, "{} open cases, {overdue} overdue", open.len());
    print!("{t}");
    if let Some(p) = html {
        write_all(&[(p.to_path_buf(), status_html(l, today, &open, &by_state))])?;
    }
    Ok(())
}

fn status_html(l: &Ledger, today: Date, open: &[&Case], by_state: &BTreeMap<State, u64>) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Cases on {today}</title>\n<style>{STATUS_STYLE}</style></head><body><main>\n<h1>Cases on {today}</h1>\n<p class=\"small\">Ledger <code>{}</code>; notices from <code>{}</code> every {} days; suspension requests on the 5th and the 25th, restoration requests on the 5th, the 15th and the 25th. A scheduled day that falls on a weekend or a holiday is kept as scheduled.</p>\n",
        esc(&l.dir.display().to_string()),
        esc(&l.config.brandname),
        l.config.spacing_days
    );
    let nr = next_scheduled(today, &REQUEST_DAYS);
    let ns = next_scheduled(today, &RESTORE_DAYS);
    let _ = writeln!(
        h,
        "<ul id=\"schedule\"><li>Next suspension request: {nr}{}</li><li>Next restoration request: {ns}{}</li></ul>",
        weekend_note(nr, &l.config.holidays),
        weekend_note(ns, &l.config.holidays)
    );
    h.push_str(
        "<table id=\"by-state\"><thead><tr><th>state</th><th>cases</th></tr></thead><tbody>\n",
    );
    for s in State::ALL {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td></tr>",
            s.name(),
            by_state.get(&s).copied().unwrap_or(0)
        );
    }
    h.push_str("</tbody></table>\n<h2>Open cases</h2>\n<table id=\"cases\"><thead><tr><th>number</th><th>state</th><th>notices</th><th>reports</th><th>opened</th><th>age (days)</th><th>next step</th><th>due</th></tr></thead><tbody>\n");
    for c in open {
        let (step, due) = next_step(c, &l.config);
        let late = due.is_some_and(|d| d < today);
        let due_text = match due {
            Some(d) => format!("{d}{}", weekend_note(d, &l.config.holidays)),
            None => String::new(),
        };
        let _ = writeln!(
            h,
            "<tr{}><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}{}</td></tr>",
            if late { " class=\"overdue\"" } else { "" },
            esc(&c.number.to_string()),
            c.state.name(),
            c.notices.len(),
            c.reports,
            c.opened,
            days_between(c.opened, today),
            esc(&step),
            esc(&due_text),
            if late { " <strong>overdue</strong>" } else { "" }
        );
    }
    h.push_str("</tbody></table>\n");
    if !l.referrals.is_empty() {
        h.push_str("<h2>Referrals</h2>\n<table id=\"referrals\"><thead><tr><th>identifier</th><th>class</th><th>refer to</th><th>reports</th><th>referred</th></tr></thead><tbody>\n");
        for r in l.referrals.values() {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(&r.identifier),
                r.class,
                refer_to(r.class),
                r.reports,
                r.referred
            );
        }
        h.push_str("</tbody></table>\n");
    }
    h.push_str("</main></body></html>\n");
    h
}

/// The page style shared by the status and return pages.
pub const STATUS_STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;color:#1f2937;background:#f9fafb;margin:0}main{max-width:1120px;margin:0 auto;padding:24px 28px}table{border-collapse:collapse;margin:8px 0 20px}th,td{border-bottom:1px solid #e5e7eb;padding:4px 10px;text-align:left}td.num{text-align:right}tr.overdue td{background:#fee2e2}.small{color:#6b7280;font-size:13px}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_and_weekends() {
        let d = parse_date("2026-03-06").unwrap();
        assert_eq!(next_scheduled(d, &REQUEST_DAYS).to_string(), "2026-03-25");
        assert_eq!(next_scheduled(d, &RESTORE_DAYS).to_string(), "2026-03-15");
        let d = parse_date("2026-03-26").unwrap();
        assert_eq!(next_scheduled(d, &REQUEST_DAYS).to_string(), "2026-04-05");
        // 2026-04-05 is a Sunday.
        assert_eq!(
            weekend_note(parse_date("2026-04-05").unwrap(), &[]),
            " (a Sunday: kept as scheduled)"
        );
        assert_eq!(
            add_days(parse_date("2026-02-27").unwrap(), 3).to_string(),
            "2026-03-02"
        );
        assert!(parse_date("2026-3-1").is_none());
    }

    #[test]
    fn config_round_trips_and_errors_name_the_line() {
        let c = Config::default();
        let p = Path::new("config.toml");
        let back = Config::parse(p, &c.render()).unwrap();
        assert_eq!(back.template, c.template);
        assert_eq!(back.brandname, "SoTTTTHaNoi");
        let e = match Config::parse(p, "# x\nspacing_days = three\n") {
            Err(Failure::BadInput(m)) => m,
            _ => panic!("accepted"),
        };
        assert!(e.starts_with("config.toml:2: `spacing_days`"), "{e}");
    }

    #[test]
    fn csv_reader_tracks_lines() {
        let c = Csv::parse(Path::new("f.csv"), "a,b\n\n1,\"x\ny\"\n# c\n2,z\n").unwrap();
        assert_eq!(c.rows[0].0, 3);
        assert_eq!(c.rows[0].1[1], "x\ny");
        assert_eq!(c.rows[1].0, 6);
        assert!(Csv::parse(Path::new("f.csv"), "a,b\n1\n").is_err());
    }
}
