//! `chanrac inbox`: the messages subscribers sent to 5656 (docs/tools.md).
//!
//! Reads `time,from,text` in file order and writes three files into `--out`:
//!
//! - `dnc.csv` — the policy's DNC list with every `DK DNC [S|V]` and
//!   `HUY DNC [S|V]` applied for its sender, in file order (a later message
//!   wins; `HUY DNC S` removes only SMS). Header `number,scope`, one row per
//!   number, normalised, sorted by the number's digits; a number left with
//!   no scope is dropped.
//! - `reports.csv` — every `S`/`V` report in the appendix form
//!   `stt,reported_number,type,content,reporter,time,note`: `stt` from 1 in
//!   file order, `reported_number` the normalised number, the short code or
//!   the brandname as written, `type` `sms`/`call`, `content` as written,
//!   `reporter` the normalised sender, `time` the message's time as written,
//!   `note` `mobile`, `fixed`, `short_code` or `brandname`.
//! - `rejected.csv` — `line,time,from,text,reason`: each message that is not
//!   a command, or whose sender is not a subscriber number (a full number;
//!   short codes do not subscribe), with the reason.
//! - `dnc_changes.csv` — `line,time,from,command,scope`: every `DK DNC`
//!   (`command` `register`) and `HUY DNC` (`cancel`) in file order, the
//!   sender normalised, `scope` `sms`, `call` or `all` as asked (for the
//!   monthly return, `chanrac return`).
//!
//! A malformed messages file (a missing column, a bad `time`, a row of the
//! wrong width) stops the command with exit status 2 and `file:line`, and no
//! output is written. The three files are built in memory, each written to a
//! temporary file beside its target and renamed into place only when all
//! three are complete. The output is a function of the input alone, so a
//! second run gives the same files, and so does a run whose `--policy` holds
//! the first run's `dnc.csv` (joining and leaving are idempotent).
//!
//! With `--publish URL`, once the files are written, every `DK DNC` and
//! `HUY DNC` is also appended, in file order, to the DNC stream
//! (`chanrac_store::shared::dnc`: number the sender, change `add` or
//! `remove`, the scope asked, time the message's, source `5656`), which
//! every node following it applies; the entries' ids are printed on
//! standard output, one per line. A store that cannot be reached is exit
//! status 1 (the files stay written; the message says how many changes
//! went in).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chanrac::dnc::{DncChange, Scopes};
use chanrac::ident::Identifier;
use chanrac::inbox::{self, Command};
use chanrac::number::{Number, NumberClass};
use chanrac_policy::messages::{read_messages, Message};
use chanrac_policy::LoadError;
use chanrac_store::shared::dnc::DncEntry;

use crate::output::Output;
use crate::Failure;

/// What `inbox` was asked to do.
pub struct Options {
    pub policy: PathBuf,
    pub messages: PathBuf,
    pub out: PathBuf,
    pub publish: Option<String>,
    pub dnc_prefix: String,
    pub quiet: bool,
}

/// The header of `reports.csv`, the appendix form (docs/tools.md).
pub const REPORTS_HEADER: &str = "stt,reported_number,type,content,reporter,time,note";
/// The header of `rejected.csv`.
pub const REJECTED_HEADER: &str = "line,time,from,text,reason";
/// The header of `dnc_changes.csv`.
pub const DNC_CHANGES_HEADER: &str = "line,time,from,command,scope";

pub fn run(o: &Options) -> Result<(), Failure> {
    let policy = crate::load_policy(&o.policy)?;
    let bytes = std::fs::read(&o.messages)
        .map_err(|e| Failure::from(LoadError::from_io(&o.messages, e)))?;
    let messages = read_messages(&o.messages, &bytes)?;

    let mut dnc = BTreeMap::new();
    policy.dnc().for_each(|n, s| {
        if !s.is_empty() {
            dnc.insert(n, s);
        }
    });
    let before = dnc.len();
    let mut t = Tally::default();
    let mut reports = String::from(REPORTS_HEADER);
    reports.push('\n');
    let mut rejected = String::from(REJECTED_HEADER);
    rejected.push('\n');
    let mut changes = String::from(DNC_CHANGES_HEADER);
    changes.push('\n');
    let mut entries = Vec::new();
    let mut entry = |m: &Message, number: Number, change: DncChange| {
        entries.push(DncEntry {
            number,
            change,
            time: Some(m.time),
            source: "5656".into(),
        })
    };
    for m in &messages {
        let outcome = sender(&m.from).and_then(|from| {
            inbox::parse(&m.text)
                .map(|c| (from, c))
                .map_err(|e| e.to_string())
        });
        match outcome {
            Ok((from, Command::DncJoin(s))) => {
                t.joins += 1;
                change(&mut changes, m, from, "register", s);
                entry(m, from, DncChange::Add(s));
                let e = dnc.entry(from).or_insert(Scopes::NONE);
                *e = e.union(s);
            }
            Ok((from, Command::DncLeave(s))) => {
                t.leaves += 1;
                change(&mut changes, m, from, "cancel", s);
                entry(m, from, DncChange::Remove(s));
                if let Some(e) = dnc.get_mut(&from) {
                    *e = e.without(s);
                    if e.is_empty() {
                        dnc.remove(&from);
                    }
                }
            }
            Ok((
                from,
                Command::Report {
                    channel,
                    source,
                    content,
                    reported,
                },
            )) => {
                t.reports += 1;
                let (number, note) = match reported {
                    Identifier::Number(n) => (n.to_string(), class_name(n)),
                    Identifier::Name(_) => (source.trim().to_string(), "brandname"),
                };
                row(
                    &mut reports,
                    &[
                        &t.reports.to_string(),
                        &number,
                        channel.name(),
                        &content,
                        &from.to_string(),
                        &m.time_text,
                        note,
                    ],
                );
            }
            Err(reason) => {
                t.rejected += 1;
                reject(&mut rejected, m, &reason);
            }
        }
    }

    let mut rows: Vec<(String, Scopes)> = dnc.iter().map(|(n, s)| (n.to_string(), *s)).collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let mut dnc_csv = String::from("number,scope\n");
    for (n, s) in &rows {
        row(&mut dnc_csv, &[n, s.name()]);
    }

    std::fs::create_dir_all(&o.out).map_err(|e| {
        Failure::BadInput(format!(
            "{}: cannot create the output directory: {e}",
            o.out.display()
        ))
    })?;
    write_all(&[
        (o.out.join("dnc.csv"), dnc_csv),
        (o.out.join("reports.csv"), reports),
        (o.out.join("rejected.csv"), rejected),
        (o.out.join("dnc_changes.csv"), changes),
    ])?;
    if !o.quiet {
        eprintln!(
            "{} messages: {} DK DNC, {} HUY DNC, {} reports, {} rejected; dnc.csv: {} numbers (was {before})",
            messages.len(),
            t.joins,
            t.leaves,
            t.reports,
            t.rejected,
            rows.len(),
        );
    }
    if let Some(url) = &o.publish {
        let (key, ids) = crate::dnc::publish(url, &o.dnc_prefix, &entries)?;
        for id in &ids {
            println!("{id}");
        }
        if !o.quiet {
            eprintln!("{} DNC changes appended to {key}", ids.len());
        }
    }
    Ok(())
}

#[derive(Default)]
struct Tally {
    joins: u64,
    leaves: u64,
    reports: u64,
    rejected: u64,
}

/// The sender as a subscriber number, or why not.
fn sender(from: &str) -> Result<Number, String> {
    let f = from.trim();
    if f.is_empty() {
        return Err("empty sender".to_string());
    }
    match Number::parse(f) {
        Ok(n) if n.is_short_code() => Err(format!(
            "sender `{f}` is a short code, not a subscriber number"
        )),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("sender `{f}` is not a phone number: {e}")),
    }
}

fn class_name(n: Number) -> &'static str {
    match n.class() {
        NumberClass::Mobile => "mobile",
        NumberClass::Fixed => "fixed",
        NumberClass::ShortCode => "short_code",
    }
}

fn change(out: &mut String, m: &Message, from: Number, command: &str, s: Scopes) {
    row(
        out,
        &[
            &m.line.to_string(),
            &m.time_text,
            &from.to_string(),
            command,
            s.name(),
        ],
    );
}

fn reject(out: &mut String, m: &Message, reason: &str) {
    row(
        out,
        &[&m.line.to_string(), &m.time_text, &m.from, &m.text, reason],
    );
}

/// Appends one CSV row (RFC 4180 quoting where needed).
pub fn row(out: &mut String, fields: &[&str]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(out, f);
    }
    out.push('\n');
}

/// One CSV field: quoted when it holds a comma, a quote, a line break, or
/// white space at either end (readers may trim), or starts with `#` (a
/// comment to the policy readers).
fn field(out: &mut String, f: &str) {
    let quote = f.contains([',', '"', '\n', '\r'])
        || f.starts_with(char::is_whitespace)
        || f.ends_with(char::is_whitespace)
        || f.starts_with('#');
    if quote {
        out.push('"');
        out.push_str(&f.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(f);
    }
}

/// Writes every file to a temporary file beside it, then renames them all
/// into place: a failure before the renames leaves no output at all.
pub fn write_all(files: &[(PathBuf, String)]) -> Result<(), Failure> {
    let mut outs = Vec::with_capacity(files.len());
    for (path, text) in files {
        let mut o = Output::create(Some(Path::new(path)))?;
        o.writer()
            .write_all(text.as_bytes())
            .map_err(|e| Failure::Other(format!("{}: cannot write: {e}", path.display())))?;
        outs.push(o);
    }
    for o in outs {
        o.finish()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields() {
        let mut s = String::new();
        row(
            &mut s,
            &["a", "b,c", "say \"hi\"", "x\ny", " pad", "#1", ""],
        );
        assert_eq!(
            s,
            "a,\"b,c\",\"say \"\"hi\"\"\",\"x\ny\",\" pad\",\"#1\",\n"
        );
    }

    #[test]
    fn senders() {
        assert_eq!(sender("0912 345 678").unwrap().to_string(), "84912345678");
        assert!(sender("").is_err());
        assert!(sender("5656").unwrap_err().contains("short code"));
        assert!(sender("abc").unwrap_err().starts_with("sender `abc`"));
    }
}
