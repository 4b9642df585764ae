//! CSV tables as docs/formats.md defines them: a header row (names trimmed,
//! case-insensitive), columns in any order, unknown columns ignored, blank
//! lines and `#` lines skipped, every row as long as the header.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Read;
use std::path::Path;
use std::rc::Rc;

use crate::error::LoadError;

/// Physical line numbers. The csv reader's own line count skips blank and
/// comment lines, but users count every line of the file, so this reader
/// notes where each newline is as the bytes pass through, and a record's line
/// is found from its byte offset. Only the newlines between the current
/// record and the csv reader's read-ahead are held.
#[derive(Default)]
struct Lines {
    /// Offsets of newlines not yet passed.
    pending: VecDeque<u64>,
    /// Newlines passed.
    passed: u64,
    /// Bytes read so far.
    offset: u64,
    /// The input has ended (a read gave nothing).
    ended: bool,
}

impl Lines {
    /// The 1-based line of the byte at `offset` (offsets must not go back).
    fn line_of(&mut self, offset: u64) -> u64 {
        while self.pending.front().is_some_and(|&nl| nl < offset) {
            self.pending.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }
}

pub(crate) struct Counting<R> {
    inner: R,
    lines: Rc<RefCell<Lines>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut l = self.lines.borrow_mut();
        l.ended |= n == 0 && !buf.is_empty();
        let base = l.offset;
        for i in memchr::memchr_iter(b'\n', &buf[..n]) {
            l.pending.push_back(base + i as u64);
        }
        l.offset += n as u64;
        Ok(n)
    }
}

/// A CSV file with named columns.
pub(crate) struct Table<R> {
    path: std::path::PathBuf,
    reader: csv::Reader<Counting<R>>,
    lines: Rc<RefCell<Lines>>,
    line: u64,
    /// Column index of each wanted name, in the order asked.
    index: Vec<Option<usize>>,
    names: Vec<&'static str>,
    width: usize,
    record: csv::StringRecord,
    done: bool,
}

fn reader_builder() -> csv::ReaderBuilder {
    let mut b = csv::ReaderBuilder::new();
    b.has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .trim(csv::Trim::None);
    b
}

impl<R: Read> Table<R> {
    /// Reads the header. `required` columns must be present; `optional` ones
    /// may be missing (their values read as empty).
    pub(crate) fn new(
        path: &Path,
        input: R,
        required: &[&'static str],
        optional: &[&'static str],
    ) -> Result<Table<R>, LoadError> {
        let lines = Rc::new(RefCell::new(Lines::default()));
        let mut reader = reader_builder().from_reader(Counting {
            inner: input,
            lines: lines.clone(),
        });
        let mut header = csv::StringRecord::new();
        let has = reader
            .read_record(&mut header)
            .map_err(|e| csv_error(path, &e, &lines))?;
        let names: Vec<&'static str> = required.iter().chain(optional).copied().collect();
        if !has {
            // An empty file (or only comments) is an empty list, like a
            // missing one.
            return Ok(Table {
                path: path.to_path_buf(),
                reader,
                lines,
                line: 0,
                index: vec![None; names.len()],
                names,
                width: 0,
                record: csv::StringRecord::new(),
                done: true,
            });
        }
        let line = record_line(&reader, &header, &lines);
        let cols: Vec<String> = header
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let h = if i == 0 {
                    h.trim_start_matches('\u{feff}')
                } else {
                    h
                };
                h.trim().to_ascii_lowercase()
            })
            .collect();
        let index: Vec<Option<usize>> = names
            .iter()
            .map(|n| cols.iter().position(|c| c == n))
            .collect();
        for (i, n) in required.iter().enumerate() {
            if index[i].is_none() {
                return Err(LoadError::at_line(
                    path,
                    line,
                    format!(
                        "missing required column `{n}` (header has `{}`)",
                        cols.join(",")
                    ),
                ));
            }
        }
        Ok(Table {
            path: path.to_path_buf(),
            reader,
            lines,
            line,
            index,
            names,
            width: header.len(),
            record: csv::StringRecord::new(),
            done: false,
        })
    }

    /// Advances to the next row; `Ok(false)` at the end.
    pub(crate) fn next_row(&mut self) -> Result<bool, LoadError> {
        if self.done {
            return Ok(false);
        }
        loop {
            let has = self
                .reader
                .read_record(&mut self.record)
                .map_err(|e| csv_error(&self.path, &e, &self.lines))?;
            if !has {
                return Ok(false);
            }
            self.line = record_line(&self.reader, &self.record, &self.lines);
            // A line of only white space is blank.
            if self.record.len() == 1 && self.record[0].trim().is_empty() {
                continue;
            }
            if self.record.len() != self.width {
                return Err(LoadError::at_line(
                    &self.path,
                    self.line(),
                    format!(
                        "expected {} fields as in the header, found {}",
                        self.width,
                        self.record.len()
                    ),
                ));
            }
            return Ok(true);
        }
    }

    /// The current row's line.
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// The value of wanted column `i` (in the order of `required` then
    /// `optional`); empty when an optional column is absent.
    pub(crate) fn get(&self, i: usize) -> &str {
        self.index[i].and_then(|c| self.record.get(c)).unwrap_or("")
    }

    /// The value of wanted column `i`, which must not be empty (after trimming).
    pub(crate) fn required(&self, i: usize) -> Result<&str, LoadError> {
        let v = self.get(i);
        if v.trim().is_empty() {
            return Err(self.error(i, "empty required field"));
        }
        Ok(v)
    }

    /// An error about wanted column `i` on the current row.
    pub(crate) fn error(&self, i: usize, message: impl Into<String>) -> LoadError {
        let col = self.index[i].map_or(0, |c| c + 1);
        LoadError::at(&self.path, self.line(), col, self.names[i], message)
    }

    /// The path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

/// The physical line a record starts on. csv's own positions skip blank and
/// comment lines, but the reader's position after a record is just past its
/// terminator: the record's last line is the one holding that byte, and its
/// first is that less the newlines inside quoted fields. A record that ran
/// to the end of the input (a quote never closed, or no newline after the
/// last row) has no terminator: its last byte is its own, so a newline
/// there is one of its fields' and counts before the end.
fn record_line<R: Read>(
    reader: &csv::Reader<Counting<R>>,
    record: &csv::StringRecord,
    lines: &RefCell<Lines>,
) -> u64 {
    let end = reader.position().byte().saturating_sub(1);
    let mut lines = lines.borrow_mut();
    let unterminated = lines.ended && reader.position().byte() == lines.offset;
    let last = lines.line_of(if unterminated { end + 1 } else { end });
    let embedded: usize = record
        .iter()
        .map(|f| memchr::memchr_iter(b'\n', f.as_bytes()).count())
        .sum();
    last.saturating_sub(embedded as u64).max(1)
}

fn csv_error(path: &Path, e: &csv::Error, lines: &RefCell<Lines>) -> LoadError {
    // The error's position is where the bad record began (after the
    // previous record), so the line is the next non-skipped one at best:
    // count from there.
    let line = e
        .position()
        .map_or(0, |p| lines.borrow_mut().line_of(p.byte()));
    let msg = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_string(),
        csv::ErrorKind::Io(io) => format!("cannot read: {io}"),
        _ => e.to_string().to_lowercase(),
    };
    if line > 0 {
        LoadError::at_line(path, line, msg)
    } else {
        LoadError::new(path, Default::default(), msg)
    }
}
