//! Verdict logs (`--verdict-log DIR`, `--log-text none|hash|full`): one
//! JSON line per checked event, written off the check path.
//!
//! Each line holds the event's keys as `chanrac replay` reads them (`id`,
//! `time`, `channel`, `kind`, `source`, `advertiser`, `recipient`, `text`,
//! `duration` for calls) and the verdict's (`decision`, `reasons`), so a
//! day's file can be replayed (`chanrac replay --events FILE.jsonl`) or
//! turned into the compliance report (`chanrac report --verdicts FILE…`).
//!
//! - The checking thread formats the line and hands it to a bounded queue;
//!   a writer thread appends it. When the queue is full the line is
//!   dropped and counted, never waiting: traffic is not slowed by a slow
//!   disk. The next line written is preceded by a marker `{"dropped":N}`
//!   (replay skips it), and so is the end of the log at close.
//! - Files are `DIR/verdicts-YYYY-MM-DD.jsonl` by the event's local day (the
//!   policy's `utc_offset`), and `verdicts-YYYY-MM-DD.N.jsonl` (N = 1, 2, …)
//!   once a file reaches the size limit.
//! - `text` under `--log-text`: `none` (empty), `hash` (the default: the
//!   Personal Data Protection Law applies to message text) keeps only the
//!   label the rules read (`[QC]`, `[AD]` or `DKQC` at the start) followed by
//!   `#xxh3:` and a 128-bit hash of the text, `full` the text as sent.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use chanrac::window::UtcOffset;
use chanrac::{Channel, Kind, Number, Verdict};
use jiff::Timestamp;

/// What `text` holds (`--log-text`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogText {
    /// Nothing.
    None,
    /// The label the rules read, then a hash of the text (the default).
    #[default]
    Hash,
    /// The text as sent.
    Full,
}

impl LogText {
    /// Parses `none`, `hash` or `full`, case-insensitively.
    pub fn parse(s: &str) -> Option<LogText> {
        [
            ("none", LogText::None),
            ("hash", LogText::Hash),
            ("full", LogText::Full),
        ]
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(s.trim()))
        .map(|(_, t)| t)
    }
}

impl std::str::FromStr for LogText {
    type Err = String;
    fn from_str(s: &str) -> Result<LogText, String> {
        LogText::parse(s).ok_or_else(|| format!("`{s}`: expected none, hash or full"))
    }
}

/// How a verdict log is written.
#[derive(Clone, Debug)]
pub struct LogOptions {
    /// What `text` holds.
    pub text: LogText,
    /// A file is closed and the next one opened past this many bytes.
    pub max_file_bytes: u64,
    /// Lines waiting for the writer at most; more are dropped.
    pub queue: usize,
}

impl Default for LogOptions {
    fn default() -> LogOptions {
        LogOptions {
            text: LogText::Hash,
            max_file_bytes: 256 << 20,
            queue: 65_536,
        }
    }
}

/// One checked event, as the adapter saw it.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'a> {
    /// The upstream `message_id` (SMPP) or `Call-ID` and CSeq (SIP).
    pub id: &'a str,
    /// The event's time.
    pub time: Timestamp,
    /// SMS or call.
    pub channel: Channel,
    /// The event kind.
    pub kind: Kind,
    /// The source as received (sender name or number; empty when none).
    pub source: &'a str,
    /// The advertiser account (empty for p2p).
    pub advertiser: &'a str,
    /// The recipient.
    pub recipient: Number,
    /// The SMS text (empty for calls).
    pub text: &'a str,
    /// A call's duration, when known.
    pub duration: Option<u32>,
    /// The engine's verdict.
    pub verdict: &'a Verdict,
}

/// Lines written and dropped, shared with the metrics.
#[derive(Debug, Default)]
pub struct LogStats {
    written: AtomicU64,
    dropped: AtomicU64,
    /// Dropped since the last marker: written in the next marker.
    unmarked: AtomicU64,
}

impl LogStats {
    /// Lines written since start.
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    /// Lines dropped since start (queue full, or a write failed).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    fn drop_lines(&self, n: u64) {
        self.dropped.fetch_add(n, Ordering::Relaxed);
        self.unmarked.fetch_add(n, Ordering::Relaxed);
    }
}

/// A line for the writer: the local day (`YYYY-MM-DD`) and the JSON; or,
/// with `ack`, a request to write out what came before and say so.
struct Line {
    day: String,
    json: String,
    ack: Option<std::sync::mpsc::Sender<()>>,
}

/// A verdict log being written. Dropping it (or [`VerdictLog::close`])
/// writes what is queued and stops the writer.
#[derive(Debug)]
pub struct VerdictLog {
    tx: Option<SyncSender<Line>>,
    writer: Option<JoinHandle<()>>,
    stats: Arc<LogStats>,
    text: LogText,
}

impl VerdictLog {
    /// Opens (creates) `dir` and starts the writer thread.
    pub fn open(dir: &Path, options: LogOptions) -> io::Result<VerdictLog> {
        std::fs::create_dir_all(dir)?;
        // Fail at start, not at the first line, when the directory is not
        // writable.
        let probe = dir.join(".verdict-log-probe");
        File::create(&probe)?;
        let _ = std::fs::remove_file(&probe);
        let (tx, rx) = sync_channel(options.queue.max(1));
        let stats = Arc::new(LogStats::default());
        let w = Writer {
            dir: dir.to_path_buf(),
            max: options.max_file_bytes.max(1),
            stats: stats.clone(),
            file: None,
        };
        let writer = std::thread::Builder::new()
            .name("verdict-log".into())
            .spawn(move || w.run(rx))?;
        Ok(VerdictLog {
            tx: Some(tx),
            writer: Some(writer),
            stats,
            text: options.text,
        })
    }

    /// The counters (for the metrics).
    pub fn stats(&self) -> Arc<LogStats> {
        self.stats.clone()
    }

    /// Queues one line for `e`, its day and time at `offset`; never waits.
    pub fn record(&self, e: &Entry<'_>, offset: UtcOffset) {
        let Some(tx) = &self.tx else {
            return;
        };
        let line = Line {
            day: local_day(e.time, offset),
            json: format_line(e, offset, self.text),
            ack: None,
        };
        match tx.try_send(line) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.stats.drop_lines(1)
            }
        }
    }

    /// Writes out every line queued so far (waiting for the writer at most
    /// `within`); for a clean stop when the log itself cannot be closed.
    /// Returns whether it was done in time.
    pub fn flush(&self, within: Duration) -> bool {
        let Some(tx) = &self.tx else {
            return true;
        };
        let (ack, done) = std::sync::mpsc::channel();
        let marker = Line {
            day: String::new(),
            json: String::new(),
            ack: Some(ack),
        };
        tx.send(marker).is_ok() && done.recv_timeout(within).is_ok()
    }

    /// Writes what is queued and stops the writer.
    pub fn close(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.tx = None;
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
    }
}

impl Drop for VerdictLog {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// `YYYY-MM-DD` of `t` at `offset`.
fn local_day(t: Timestamp, offset: UtcOffset) -> String {
    let o = jiff::tz::Offset::from_seconds(offset.seconds()).unwrap_or(jiff::tz::Offset::UTC);
    o.to_datetime(t).date().to_string()
}

/// The text as `--log-text` keeps it.
pub fn logged_text(text: &str, mode: LogText) -> String {
    match mode {
        LogText::None => String::new(),
        LogText::Full => text.to_string(),
        LogText::Hash if text.is_empty() => String::new(),
        LogText::Hash => {
            let label = ["[QC]", "[AD]", "DKQC"]
                .into_iter()
                .find(|l| text.starts_with(l))
                .unwrap_or("");
            let h = xxhash_rust::xxh3::xxh3_128(text.as_bytes());
            format!("{label}#xxh3:{h:032x}")
        }
    }
}

/// One JSON line (with its newline).
pub fn format_line(e: &Entry<'_>, offset: UtcOffset, text: LogText) -> String {
    let o = jiff::tz::Offset::from_seconds(offset.seconds()).unwrap_or(jiff::tz::Offset::UTC);
    let s = |x: &str| serde_json::to_string(x).unwrap_or_else(|_| "\"\"".to_string());
    let mut out = String::with_capacity(256);
    out.push_str("{\"id\":");
    out.push_str(&s(e.id));
    out.push_str(",\"time\":\"");
    out.push_str(&e.time.display_with_offset(o).to_string());
    out.push_str("\",\"channel\":\"");
    out.push_str(e.channel.name());
    out.push_str("\",\"kind\":\"");
    out.push_str(e.kind.name());
    out.push_str("\",\"source\":");
    out.push_str(&s(e.source));
    out.push_str(",\"advertiser\":");
    out.push_str(&s(e.advertiser));
    out.push_str(",\"recipient\":\"");
    out.push_str(&e.recipient.to_string());
    out.push_str("\",\"text\":");
    out.push_str(&s(&logged_text(e.text, text)));
    if let Some(d) = e.duration {
        out.push_str(&format!(",\"duration\":\"{d}\""));
    }
    out.push_str(",\"decision\":\"");
    out.push_str(e.verdict.decision.name());
    out.push_str("\",\"reasons\":[");
    for (i, r) in e.verdict.reasons.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(r.code());
        out.push('"');
    }
    out.push_str("]}\n");
    out
}

/// The writer thread's state.
struct Writer {
    dir: PathBuf,
    max: u64,
    stats: Arc<LogStats>,
    /// The open file: its day, index, size and writer.
    file: Option<(String, u32, u64, BufWriter<File>)>,
}

impl Writer {
    fn run(mut self, rx: Receiver<Line>) {
        loop {
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(Line { ack: Some(ack), .. }) => {
                    self.mark(None);
                    self.flush();
                    let _ = ack.send(());
                }
                Ok(line) => self.write(line),
                Err(RecvTimeoutError::Timeout) => self.flush(),
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        self.mark(None);
        self.flush();
    }

    fn flush(&mut self) {
        if let Some((_, _, _, w)) = self.file.as_mut() {
            if let Err(e) = w.flush() {
                tracing::error!("verdict log: cannot write: {e}");
            }
        }
    }

    /// The path of `day`'s file number `index`.
    fn path(&self, day: &str, index: u32) -> PathBuf {
        if index == 0 {
            self.dir.join(format!("verdicts-{day}.jsonl"))
        } else {
            self.dir.join(format!("verdicts-{day}.{index}.jsonl"))
        }
    }

    /// Makes the open file `day`'s with room for `len` more bytes.
    fn open_for(&mut self, day: &str, len: u64) -> io::Result<()> {
        let (mut index, fresh) = match &self.file {
            Some((d, i, size, _)) if d == day => {
                if size + len <= self.max || *size == 0 {
                    return Ok(());
                }
                (i + 1, true)
            }
            _ => (0, false),
        };
        self.flush();
        self.file = None;
        loop {
            let path = self.path(day, index);
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            // Going back to a day already written (a restart, or an event
            // of yesterday): append to its last file that has room.
            if !fresh && size > 0 && size + len > self.max {
                index += 1;
                continue;
            }
            let f = OpenOptions::new().create(true).append(true).open(&path)?;
            self.file = Some((day.to_string(), index, size, BufWriter::new(f)));
            return Ok(());
        }
    }

    fn put(&mut self, day: &str, bytes: &[u8]) -> io::Result<()> {
        self.open_for(day, bytes.len() as u64)?;
        match self.file.as_mut() {
            Some((_, _, size, w)) => {
                w.write_all(bytes)?;
                *size += bytes.len() as u64;
                Ok(())
            }
            None => Err(io::Error::other("no file open")),
        }
    }

    /// Writes the `{"dropped":N}` marker when lines were dropped, in `day`'s
    /// file (or the open one).
    fn mark(&mut self, day: Option<&str>) {
        let n = self.stats.unmarked.swap(0, Ordering::Relaxed);
        if n == 0 {
            return;
        }
        let day = match (day, &self.file) {
            (Some(d), _) => d.to_string(),
            (None, Some((d, ..))) => d.clone(),
            (None, None) => local_day(Timestamp::now(), UtcOffset::default()),
        };
        let marker = format!("{{\"dropped\":{n}}}\n");
        if let Err(e) = self.put(&day, marker.as_bytes()) {
            tracing::error!("verdict log: cannot write the dropped marker: {e}");
            self.stats.unmarked.fetch_add(n, Ordering::Relaxed);
        }
    }

    fn write(&mut self, line: Line) {
        self.mark(Some(&line.day));
        match self.put(&line.day, line.json.as_bytes()) {
            Ok(()) => {
                self.stats.written.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                tracing::error!("verdict log: cannot write: {e}");
                self.stats.drop_lines(1);
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use chanrac::{Reason, Reasons};

    fn entry<'a>(id: &'a str, time: &str, text: &'a str, v: &'a Verdict) -> Entry<'a> {
        Entry {
            id,
            time: time.parse().unwrap(),
            channel: Channel::Sms,
            kind: Kind::Ad,
            source: "SHOPVN",
            advertiser: "shop",
            recipient: Number::parse("0912345678").unwrap(),
            text,
            duration: None,
            verdict: v,
        }
    }

    #[test]
    fn lines_days_rotation_and_text_modes() {
        let dir = tempfile::tempdir().unwrap();
        let log = VerdictLog::open(
            dir.path(),
            LogOptions {
                text: LogText::Hash,
                max_file_bytes: 600,
                queue: 1024,
            },
        )
        .unwrap();
        let v = Verdict::from_reasons([Reason::Dnc].into_iter().collect());
        let ok = Verdict::from_reasons(Reasons::EMPTY);
        // 16:59 UTC is 23:59 on the 2nd in Vietnam; 17:00 UTC the 3rd.
        log.record(
            &entry("m1", "2026-03-02T16:59:00Z", "[QC] vay tien", &v),
            UtcOffset::VIETNAM,
        );
        for i in 0..6 {
            log.record(
                &entry(&format!("n{i}"), "2026-03-02T17:00:00Z", "hello", &ok),
                UtcOffset::VIETNAM,
            );
        }
        let stats = log.stats();
        assert!(log.flush(Duration::from_secs(10)));
        assert_eq!((stats.written(), stats.dropped()), (7, 0));
        log.close();
        let day2 = std::fs::read_to_string(dir.path().join("verdicts-2026-03-02.jsonl")).unwrap();
        let first: serde_json::Value = serde_json::from_str(day2.lines().next().unwrap()).unwrap();
        assert_eq!(first["id"], "m1");
        assert_eq!(first["time"], "2026-03-02T23:59:00+07:00");
        assert_eq!(first["decision"], "block");
        assert_eq!(first["reasons"], serde_json::json!(["DNC"]));
        assert_eq!(first["recipient"], "84912345678");
        let text = first["text"].as_str().unwrap();
        assert!(
            text.starts_with("[QC]#xxh3:") && !text.contains("vay"),
            "{text}"
        );
        // The 3rd: rotated by size into numbered files, nothing lost.
        let mut lines = 0;
        let mut files = 0;
        for e in std::fs::read_dir(dir.path()).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            if name.starts_with("verdicts-2026-03-03") {
                files += 1;
                let t = std::fs::read_to_string(dir.path().join(&name)).unwrap();
                assert!(t.len() <= 600, "{name}: {} bytes", t.len());
                lines += t.lines().count();
            }
        }
        assert_eq!(lines, 6);
        assert!(files >= 2, "rotated by size");
        assert!(dir.path().join("verdicts-2026-03-03.1.jsonl").exists());
    }

    #[test]
    fn a_full_queue_drops_counts_and_marks() {
        let dir = tempfile::tempdir().unwrap();
        let log = VerdictLog::open(
            dir.path(),
            LogOptions {
                text: LogText::Full,
                max_file_bytes: 1 << 30,
                queue: 1,
            },
        )
        .unwrap();
        let ok = Verdict::from_reasons(Reasons::EMPTY);
        // Faster than the writer: some lines are dropped, never waited for.
        for i in 0..20_000 {
            log.record(
                &entry(&format!("x{i}"), "2026-03-02T03:00:00Z", "hi", &ok),
                UtcOffset::VIETNAM,
            );
        }
        let stats = log.stats();
        log.close();
        let (written, dropped) = (stats.written(), stats.dropped());
        assert_eq!(written + dropped, 20_000);
        assert!(dropped > 0, "a queue of one dropped nothing");
        let t = std::fs::read_to_string(dir.path().join("verdicts-2026-03-02.jsonl")).unwrap();
        let mut marked = 0;
        let mut lines = 0;
        for l in t.lines() {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            if let Some(n) = v.get("dropped") {
                marked += n.as_u64().unwrap();
            } else {
                assert_eq!(v["text"], "hi");
                lines += 1;
            }
        }
        assert_eq!((lines, marked), (written, dropped));
    }

    #[test]
    fn text_modes() {
        assert_eq!(logged_text("[AD] x", LogText::None), "");
        assert_eq!(logged_text("[AD] x", LogText::Full), "[AD] x");
        let h = logged_text("DKQC dang ky", LogText::Hash);
        assert!(h.starts_with("DKQC#xxh3:") && h.len() == 4 + 6 + 32, "{h}");
        assert_eq!(h, logged_text("DKQC dang ky", LogText::Hash));
        assert_ne!(h, logged_text("DKQC dang ki", LogText::Hash));
        assert!(logged_text("hello", LogText::Hash).starts_with("#xxh3:"));
        assert_eq!(LogText::parse("HASH"), Some(LogText::Hash));
        assert_eq!(LogText::parse("x"), None);
    }
}
