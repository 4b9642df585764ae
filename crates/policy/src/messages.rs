//! The files of the 5656 inbox (`chanrac inbox`, docs/tools.md): the messages subscribers
//! sent (`time,from,text`), the report lists in the appendix form
//! (`stt,reported_number,type,content,reporter,time,note`) that `chanrac
//! inbox` writes and `chanrac suspensions` reads, and earlier suspension
//! requests (any CSV with a `number` column).
//!
//! The CSV rules are those of policy files (docs/formats.md): a header row
//! (names trimmed, case-insensitive), columns in any order, unknown columns
//! ignored, blank and `#` lines skipped; a bad row is a [`LoadError`] naming
//! the file, the physical line and the column, and nothing is half-read.
//!
//! What a *message* says is not checked here: a message that is not a
//! command, or a sender that is not a number, is the inbox's business (a
//! rejected row), not a malformed file. Only the `time` must be valid.
//!
//! ```
//! use std::path::Path;
//! use chanrac_policy::messages::read_messages;
//!
//! let csv = "time,from,text\n2026-03-02T09:15:00+07:00,0912 345 678,DK DNC S\n";
//! let m = read_messages(Path::new("messages.csv"), csv.as_bytes())?;
//! assert_eq!((m[0].line, m[0].from.as_str(), m[0].text.as_str()), (2, "0912 345 678", "DK DNC S"));
//!
//! let bad = "time,from,text\n\n2026-03-02 09:15,0912345678,DK DNC\n";
//! let e = read_messages(Path::new("messages.csv"), bad.as_bytes()).unwrap_err();
//! assert!(e.to_string().starts_with("messages.csv:3: column 1 (time): bad time `2026-03-02 09:15`"));
//! # Ok::<(), chanrac_policy::LoadError>(())
//! ```

use std::path::Path;

use chanrac::event::Channel;
use chanrac::ident::Identifier;
use chanrac::number::Number;
use jiff::Timestamp;

use crate::error::LoadError;
use crate::events::parse_time;
use crate::table::Table;

/// One message sent to 5656, as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The physical line it was read from.
    pub line: u64,
    /// When it was sent.
    pub time: Timestamp,
    /// `time` as written (trimmed).
    pub time_text: String,
    /// The sender as written (not checked).
    pub from: String,
    /// The text as written.
    pub text: String,
}

/// Reads a messages file: `time,from,text`, in file order. `time` is
/// required (RFC 3339 with an offset); `from` and `text` may hold anything.
pub fn read_messages(path: &Path, input: &[u8]) -> Result<Vec<Message>, LoadError> {
    let mut t = Table::new(path, input, &["time", "from", "text"], &[])?;
    let mut out = Vec::new();
    while t.next_row()? {
        let time_text = t.required(0)?.trim();
        let time = parse_time(time_text).map_err(|m| t.error(0, m))?;
        out.push(Message {
            line: t.line(),
            time,
            time_text: time_text.to_string(),
            from: t.get(1).to_string(),
            text: t.get(2).to_string(),
        });
    }
    Ok(out)
}

/// One row of a report list in the appendix form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRow {
    /// The physical line it was read from.
    pub line: u64,
    /// What was reported: a normalised number or short code, or a brandname.
    pub reported: Identifier,
    /// `reported_number` as written (trimmed).
    pub written: String,
    /// `sms` or `call`.
    pub channel: Channel,
    /// When (the message's time).
    pub time: Timestamp,
    /// The reporter as written (may be empty).
    pub reporter: String,
    /// The content as written (may be empty).
    pub content: String,
}

/// Reads a report list: required columns `reported_number`, `type` (`sms`
/// or `call`) and `time` (RFC 3339); `reporter` and `content` are kept when
/// present; `stt`, `note` and other columns are ignored (the class is
/// recomputed from the number). A reported number in any written form is
/// normalised.
pub fn read_reports(path: &Path, input: &[u8]) -> Result<Vec<ReportRow>, LoadError> {
    let mut t = Table::new(
        path,
        input,
        &["reported_number", "type", "time"],
        &["reporter", "content"],
    )?;
    let mut out = Vec::new();
    while t.next_row()? {
        let written = t.required(0)?;
        let reported = chanrac::inbox::source_identifier(written).map_err(|e| {
            t.error(
                0,
                format!("bad reported number `{}`: {}", written.trim(), e.message()),
            )
        })?;
        let channel = Channel::parse(t.required(1)?).ok_or_else(|| {
            t.error(
                1,
                format!("unknown type `{}`: expected sms or call", t.get(1).trim()),
            )
        })?;
        let time = parse_time(t.required(2)?).map_err(|m| t.error(2, m))?;
        out.push(ReportRow {
            line: t.line(),
            reported,
            written: written.trim().to_string(),
            channel,
            time,
            reporter: t.get(3).trim().to_string(),
            content: t.get(4).to_string(),
        });
    }
    Ok(out)
}

/// Reads the `number` column of a CSV file (an earlier suspension request,
/// or `suspended.csv`): every value a number or short code, normalised.
pub fn read_numbers(path: &Path, input: &[u8]) -> Result<Vec<Number>, LoadError> {
    let mut t = Table::new(path, input, &["number"], &[])?;
    let mut out = Vec::new();
    while t.next_row()? {
        let v = t.required(0)?;
        let n =
            Number::parse(v).map_err(|e| t.error(0, format!("bad number `{}`: {e}", v.trim())))?;
        out.push(n);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_read_with_lines_and_columns() {
        let csv = "stt,reported_number,type,content,reporter,time,note\n\
                   1,0912 345 678,SMS,vay,84987654321,2026-03-02T09:00:00+07:00,mobile\n\
                   # a comment\n\
                   2,VIETTEL,call,,,2026-03-02T10:00:00+07:00,brandname\n";
        let r = read_reports(Path::new("r.csv"), csv.as_bytes()).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].reported.to_string(), "84912345678");
        assert_eq!(r[1].line, 4);
        assert_eq!(r[1].channel, Channel::Call);
        let bad = csv.replace("call", "fax");
        let e = read_reports(Path::new("r.csv"), bad.as_bytes()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "r.csv:4: column 3 (type): unknown type `fax`: expected sms or call"
        );
        let bad = csv.replace("0912 345 678", "0912 345");
        let e = read_reports(Path::new("r.csv"), bad.as_bytes()).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("r.csv:2: column 2 (reported_number): bad reported number `0912 345`"),
            "{e}"
        );
    }

    /// A last row whose quoted field is never closed runs to the end of
    /// the file, its newline included: the row still names the line it
    /// starts on (it was named the header's line, found by the
    /// `reports_file` fuzz target).
    #[test]
    fn a_row_left_open_at_the_end_names_its_first_line() {
        let csv = "stt,reported_number,type,content,reporter,time,note\n\
                   1,0912 345 678,SMS,vay,849,2026-03-02T09:00:00+07:00,\"open\n";
        let r = read_reports(Path::new("r.csv"), csv.as_bytes()).unwrap();
        assert_eq!(r[0].line, 2);
        let two = csv.replace("\"open\n", "\"open\nstill\n");
        let r = read_reports(Path::new("r.csv"), two.as_bytes()).unwrap();
        assert_eq!(r[0].line, 2);
        let closed = format!("{csv}\"\n");
        let r = read_reports(Path::new("r.csv"), closed.as_bytes()).unwrap();
        assert_eq!(r[0].line, 2);
    }

    #[test]
    fn messages_need_the_columns() {
        let e = read_messages(Path::new("m.csv"), b"time,text\n").unwrap_err();
        assert!(e
            .to_string()
            .starts_with("m.csv:1: missing required column `from`"));
        let e = read_messages(
            Path::new("m.csv"),
            b"time,from,text\n2026-03-02T09:00:00+07:00,0912345678\n",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "m.csv:2: expected 3 fields as in the header, found 2"
        );
        let ok = read_messages(
            Path::new("m.csv"),
            b"text,from,time\n\"S [0912345678][a,\nb]\",,2026-03-02T09:00:00+07:00\n",
        )
        .unwrap();
        assert_eq!(ok[0].text, "S [0912345678][a,\nb]");
        assert_eq!(ok[0].from, "");
    }

    #[test]
    fn a_time_with_a_multibyte_character_is_a_bad_value() {
        let t = "2026-03-02T10:00:0\u{e9}0";
        let e = read_messages(
            Path::new("m.csv"),
            format!("time,from,text\n{t},0912345678,DK DNC\n").as_bytes(),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with(&format!("m.csv:2: column 1 (time): bad time `{t}`")),
            "{e}"
        );
        let e = read_reports(
            Path::new("r.csv"),
            format!("reported_number,type,time\n0912345678,sms,{t}\n").as_bytes(),
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("r.csv:2: column 3 (time)"), "{e}");
    }

    #[test]
    fn numbers() {
        let n = read_numbers(Path::new("p.csv"), b"stt,number\n1,0912345678\n").unwrap();
        assert_eq!(n[0].to_string(), "84912345678");
        let e = read_numbers(Path::new("p.csv"), b"stt,number\n1,\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "p.csv:2: column 2 (number): empty required field"
        );
    }
}
