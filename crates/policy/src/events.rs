//! Event files (the event format, docs/formats.md): CSV with the header
//! `id,time,channel,kind,source,advertiser,recipient,text` and an optional
//! `duration`, or JSON Lines with the same keys (chosen by the `.jsonl`
//! extension). Rows stream through a reused [`EventRow`]: no allocation per
//! event once the buffers have grown.

use std::borrow::Cow;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use chanrac::event::{Channel, Event, Kind};
use chanrac::ident::Sender;
use chanrac::number::Number;
use jiff::Timestamp;

use crate::error::{LoadError, Location};
use crate::table::Table;

/// The columns of an event file, in the contract's order, then `duration`.
pub const COLUMNS: [&str; 9] = [
    "id",
    "time",
    "channel",
    "kind",
    "source",
    "advertiser",
    "recipient",
    "text",
    "duration",
];
const ID: usize = 0;
const TIME: usize = 1;
const CHANNEL: usize = 2;
const KIND: usize = 3;
const SOURCE: usize = 4;
const ADVERTISER: usize = 5;
const RECIPIENT: usize = 6;
const TEXT: usize = 7;
const DURATION: usize = 8;

/// CSV or JSON Lines.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

impl Format {
    /// JSON Lines for a `.jsonl` extension, CSV otherwise.
    pub fn from_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("jsonl") => Format::Jsonl,
            _ => Format::Csv,
        }
    }
}

/// Parses an RFC 3339 time with an offset, e.g. `2026-03-02T09:15:00+07:00`.
pub fn parse_time(s: &str) -> Result<Timestamp, String> {
    let s = s.trim();
    // RFC 3339 needs a date, a time and an offset; jiff reads more forms
    // than that (a bare date, say), so insist on the shape first.
    let shaped = s.len() >= 20
        && s.as_bytes()
            .get(10)
            .is_some_and(|c| matches!(c, b'T' | b't' | b' '))
        && (s.ends_with(['Z', 'z'])
            || s.as_bytes()
                .get(19..)
                .is_some_and(|rest| rest.iter().any(|c| matches!(c, b'+' | b'-'))));
    let parsed = if shaped {
        s.parse::<Timestamp>().ok()
    } else {
        None
    };
    parsed.ok_or_else(|| {
        format!(
            "bad time `{s}`: expected RFC 3339 with an offset, e.g. `2026-03-02T09:15:00+07:00`"
        )
    })
}

/// One event as read from a file: owned, reused between rows.
#[derive(Clone, Debug)]
pub struct EventRow {
    line: u64,
    id: String,
    advertiser: String,
    text: String,
    time: Timestamp,
    channel: Channel,
    kind: Kind,
    source: Sender,
    recipient: Number,
    duration: Option<u32>,
}

impl Default for EventRow {
    fn default() -> Self {
        EventRow {
            line: 0,
            id: String::new(),
            advertiser: String::new(),
            text: String::new(),
            time: Timestamp::UNIX_EPOCH,
            channel: Channel::Sms,
            kind: Kind::P2p,
            source: Sender::None,
            // A placeholder (the short code `000`); every read overwrites it.
            recipient: Number::from_bits(3 << 56).expect("`000` is a valid short code"),
            duration: None,
        }
    }
}

impl EventRow {
    /// The event, borrowing this row's strings.
    pub fn event(&self) -> Event<'_> {
        Event {
            time: self.time,
            channel: self.channel,
            kind: self.kind,
            source: self.source,
            advertiser: &self.advertiser,
            recipient: self.recipient,
            text: &self.text,
            duration: self.duration,
        }
    }

    /// The event's id as written.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The line it was read from.
    pub fn line(&self) -> u64 {
        self.line
    }
}

enum Inner<R: Read> {
    Csv(Box<Table<R>>),
    Jsonl {
        reader: BufReader<R>,
        line: u64,
        buf: String,
    },
}

/// Streams events from a file.
pub struct EventReader<R: Read> {
    path: PathBuf,
    inner: Inner<R>,
}

impl EventReader<std::fs::File> {
    /// Opens a file; the format follows the extension.
    pub fn open(path: &Path) -> Result<EventReader<std::fs::File>, LoadError> {
        let f = std::fs::File::open(path).map_err(|e| LoadError::io(path, e))?;
        EventReader::new(path, f, Format::from_path(path))
    }
}

impl<R: Read> EventReader<R> {
    /// Reads events from `input`; `path` names it in errors.
    pub fn new(path: &Path, input: R, format: Format) -> Result<EventReader<R>, LoadError> {
        let inner = match format {
            Format::Csv => Inner::Csv(Box::new(Table::new(
                path,
                input,
                &COLUMNS[..8],
                &COLUMNS[8..],
            )?)),
            Format::Jsonl => Inner::Jsonl {
                reader: BufReader::with_capacity(1 << 16, input),
                line: 0,
                buf: String::new(),
            },
        };
        Ok(EventReader {
            path: path.to_path_buf(),
            inner,
        })
    }

    /// Reads the next event into `row`; `Ok(false)` at the end of the file.
    pub fn read(&mut self, row: &mut EventRow) -> Result<bool, LoadError> {
        match &mut self.inner {
            Inner::Csv(t) => {
                if !t.next_row()? {
                    return Ok(false);
                }
                let fields: [&str; 9] = std::array::from_fn(|i| t.get(i));
                let line = t.line();
                fill(row, line, &fields, |i, msg| t.error(i, msg))?;
                Ok(true)
            }
            Inner::Jsonl { reader, line, buf } => loop {
                buf.clear();
                let n = reader.read_line(buf).map_err(|e| {
                    LoadError::at_line(&self.path, *line + 1, format!("cannot read: {e}"))
                })?;
                if n == 0 {
                    return Ok(false);
                }
                *line += 1;
                if buf.trim().is_empty() {
                    continue;
                }
                let obj: serde_json::Map<String, serde_json::Value> = serde_json::from_str(buf)
                    .map_err(|e| {
                        LoadError::at(
                            &self.path,
                            *line,
                            e.column(),
                            "",
                            format!("bad JSON: {e}").to_lowercase(),
                        )
                    })?;
                // A verdict log's `{"dropped":N}` marker (lines the adapter
                // could not write) is not an event.
                if obj.len() == 1 && obj.get("dropped").is_some_and(|v| v.is_u64()) {
                    continue;
                }
                let path = &self.path;
                let at = *line;
                let mut vals: [Cow<'_, str>; 9] = Default::default();
                for (i, key) in COLUMNS.iter().enumerate() {
                    vals[i] = match obj.get(*key) {
                        None | Some(serde_json::Value::Null) => Cow::Borrowed(""),
                        Some(serde_json::Value::String(s)) => Cow::Borrowed(s.as_str()),
                        Some(serde_json::Value::Number(n)) => Cow::Owned(n.to_string()),
                        Some(v) => {
                            return Err(LoadError::at(
                                path,
                                at,
                                i + 1,
                                key,
                                format!("expected a string, found `{v}`"),
                            ))
                        }
                    };
                }
                let fields: [&str; 9] = std::array::from_fn(|i| &*vals[i]);
                fill(row, at, &fields, |i, msg| {
                    LoadError::new(
                        path,
                        Location {
                            line: Some(at),
                            column: Some((i + 1, COLUMNS[i].to_string())),
                        },
                        msg,
                    )
                })?;
                return Ok(true);
            },
        }
    }
}

/// Parses the fields of one event into `row`.
fn fill(
    row: &mut EventRow,
    line: u64,
    f: &[&str; 9],
    err: impl Fn(usize, String) -> LoadError,
) -> Result<(), LoadError> {
    let required = |i: usize| -> Result<&str, LoadError> {
        let v = f[i].trim();
        if v.is_empty() {
            Err(err(i, "empty required field".to_string()))
        } else {
            Ok(v)
        }
    };
    let kind = Kind::parse(required(KIND)?).ok_or_else(|| {
        err(
            KIND,
            format!(
                "unknown kind `{}`: expected ad, registration, care, p2p, optin, optout or reply",
                f[KIND].trim()
            ),
        )
    })?;
    // Consent events are not traffic: their channel may be left empty.
    let channel = match f[CHANNEL].trim() {
        "" if kind.is_consent() => Channel::Sms,
        c => Channel::parse(required(CHANNEL).map(|_| c)?).ok_or_else(|| {
            err(
                CHANNEL,
                format!("unknown channel `{c}`: expected sms or call"),
            )
        })?,
    };
    if kind == Kind::Registration && channel == Channel::Call {
        return Err(err(
            CHANNEL,
            "a `registration` event is SMS only, not `call`".to_string(),
        ));
    }
    let time = parse_time(required(TIME)?).map_err(|m| err(TIME, m))?;
    let recipient_s = required(RECIPIENT)?;
    let recipient = Number::parse(recipient_s)
        .map_err(|e| err(RECIPIENT, format!("bad number `{recipient_s}`: {e}")))?;
    let source = Sender::parse(f[SOURCE])
        .map_err(|e| err(SOURCE, format!("bad number `{}`: {e}", f[SOURCE].trim())))?;
    if kind == Kind::Reply && !matches!(source, Sender::Number(_)) {
        return Err(err(
            SOURCE,
            format!(
                "bad number `{}`: a reply's source is the subscriber's number",
                f[SOURCE].trim()
            ),
        ));
    }
    if kind == Kind::Reply && channel != Channel::Sms {
        return Err(err(CHANNEL, "a `reply` event is SMS only".to_string()));
    }
    let duration = match f[DURATION].trim() {
        "" => None,
        d => Some(d.parse::<u32>().map_err(|_| {
            err(
                DURATION,
                format!("bad duration `{d}`: expected whole seconds"),
            )
        })?),
    };
    row.line = line;
    row.id.clear();
    row.id.push_str(f[ID].trim());
    row.advertiser.clear();
    row.advertiser.push_str(f[ADVERTISER].trim());
    row.text.clear();
    row.text.push_str(f[TEXT]);
    row.time = time;
    row.channel = channel;
    row.kind = kind;
    row.source = source;
    row.recipient = recipient;
    row.duration = duration;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(name: &str, text: &str) -> Result<Vec<EventRow>, LoadError> {
        let p = Path::new(name);
        let mut r = EventReader::new(p, text.as_bytes(), Format::from_path(p))?;
        let mut rows = vec![];
        let mut row = EventRow::default();
        while r.read(&mut row)? {
            rows.push(row.clone());
        }
        Ok(rows)
    }

    const HEAD: &str = "id,time,channel,kind,source,advertiser,recipient,text\n";

    #[test]
    fn csv_rows() {
        let rows = read_all(
            "events.csv",
            &format!("{HEAD}e1,2026-03-02T09:15:00+07:00,sms,ad,SHOPVN,shop,0912345678,\"[QC] a, b\"\n\n# c\ne2,2026-03-02T02:15:00Z,CALL,Ad,02473001234,shop,+84 912 345 678,\n"),
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].event().text, "[QC] a, b");
        assert_eq!(rows[1].line(), 5);
        assert_eq!(rows[1].event().channel, Channel::Call);
        assert_eq!(rows[0].event().recipient, rows[1].event().recipient);
    }

    #[test]
    fn csv_errors_name_line_and_column() {
        let bad = |row: &str| {
            read_all("events.csv", &format!("{HEAD}{row}\n"))
                .unwrap_err()
                .to_string()
        };
        assert!(bad("e1,2026-03-02T09:15:00,sms,ad,X,a,0912345678,t")
            .starts_with("events.csv:2: column 2 (time): bad time"));
        assert!(
            bad("e1,2026-03-02T09:15:00Z,fax,ad,X,a,0912345678,t").contains("column 3 (channel)")
        );
        assert!(
            bad("e1,2026-03-02T09:15:00Z,sms,spam,X,a,0912345678,t").contains("column 4 (kind)")
        );
        assert!(
            bad("e1,2026-03-02T09:15:00Z,call,registration,X,a,0912345678,t").contains("SMS only")
        );
        assert!(bad("e1,2026-03-02T09:15:00Z,sms,ad,X,a,091234567,t")
            .contains("column 7 (recipient): bad number `091234567`"));
        assert!(bad("e1,2026-03-02T09:15:00Z,sms,ad,X,a,0912345678")
            .contains("events.csv:2: expected 8 fields"));
        assert!(bad("e1,2026-03-02,sms,ad,X,a,0912345678,t").contains("bad time"));
        // Line numbers are physical: blank and comment lines count.
        let e = read_all(
            "events.csv",
            &format!(
                "# log of 2 March\n\n{HEAD}\n# x\ne1,2026-03-02T09:15:00Z,sms,ad,X,a,0912 345,t\n"
            ),
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("events.csv:6: column 7"), "{e}");
    }

    #[test]
    fn jsonl_rows() {
        let rows = read_all(
            "events.jsonl",
            "{\"id\":1,\"time\":\"2026-03-02T09:15:00+07:00\",\"channel\":\"sms\",\"kind\":\"optin\",\"advertiser\":\"shop\",\"recipient\":\"0912345678\"}\n\n{\"id\":\"e2\",\"time\":\"2026-03-02T09:15:00+07:00\",\"kind\":\"optout\",\"recipient\":84912345678}\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].id(), "1");
        assert_eq!(rows[1].line(), 3);
        let e = read_all("events.jsonl", "{\"id\":1,\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("events.jsonl:1"), "{e}");
        let e = read_all("events.jsonl", "{\"id\":1,\"time\":\"x\",\"kind\":\"ad\",\"channel\":\"sms\",\"recipient\":\"0912345678\"}\n").unwrap_err().to_string();
        assert!(e.contains("events.jsonl:1: column 2 (time)"), "{e}");
    }

    #[test]
    fn verdict_log_dropped_markers_are_skipped() {
        let rows = read_all(
            "verdicts.jsonl",
            "{\"dropped\":3}\n{\"id\":\"m1\",\"time\":\"2026-03-02T09:15:00+07:00\",\"channel\":\"sms\",\"kind\":\"optin\",\"advertiser\":\"shop\",\"recipient\":\"0912345678\",\"decision\":\"allow\",\"reasons\":[]}\n{\"dropped\":1}\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].id(), rows[0].line()), ("m1", 2));
        // Anything else is still an event, and a bad one.
        assert!(read_all("v.jsonl", "{\"dropped\":\"x\"}\n").is_err());
    }

    #[test]
    fn times_with_multibyte_characters_are_bad_values_not_panics() {
        // Each puts a multi-byte character across byte 19 (or elsewhere in
        // the shape checks): an error naming the value, never a panic.
        for t in [
            "2026-03-02T10:00:0\u{e9}0",
            "2026-03-02T10:00:0\u{e9}+07:00",
            "2026-03-02T10:00:\u{1f600}+07:00",
            "2026-03-02\u{e9}10:00:00+07:00",
            "\u{1ec7}\u{1ec7}\u{1ec7}\u{1ec7}\u{1ec7}\u{1ec7}\u{1ec7}",
            "2026-03-02T10:00:00\u{e9}",
        ] {
            let e = parse_time(t).unwrap_err();
            assert!(e.contains(&format!("bad time `{t}`")), "{t}: {e}");
        }
        // The shape still accepts what it accepted.
        assert!(parse_time("2026-03-02T10:00:00+07:00").is_ok());
        assert!(parse_time("2026-03-02T10:00:00.5-01:00").is_ok());
        assert!(parse_time("2026-03-02 10:00:00Z").is_ok());
        let e = read_all(
            "events.csv",
            &format!("{HEAD}e1,2026-03-02T10:00:0\u{e9}0,sms,ad,X,a,0912345678,t\n"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("events.csv:2: column 2 (time): bad time"),
            "{e}"
        );
    }
}
