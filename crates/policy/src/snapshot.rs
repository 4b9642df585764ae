//! Snapshot files: a whole policy compiled into one versioned, checksummed
//! file (`chanrac build`, docs/tools.md), loaded with one memory map.
//!
//! [`write()`] loads and validates a policy directory with the directory
//! loader, then writes the snapshot; [`load`] maps a snapshot file, verifies
//! it and rebuilds the [`Policy`]. The DNC list — by far the largest part —
//! is not copied: the engine looks numbers up in the mapped file. Everything
//! else is small and decoded into the core's own types. [`crate::load`]
//! takes either a directory or a snapshot file, so every command accepts
//! both as `--policy`.
//!
//! # Format, version 6
//!
//! Little-endian throughout. The file is a fixed header, a section table,
//! the sections (each starting at a multiple of 8 bytes, padded with zeros
//! to the next one) and an 8-byte trailer:
//!
//! | bytes | field |
//! |---|---|
//! | 0..8 | magic `CHANRAC\0` ([`MAGIC`]) |
//! | 8..12 | format version, `u32` ([`VERSION`]) |
//! | 12..16 | number of sections, `u32` (12 in version 6) |
//! | 16..24 | length of the whole file in bytes, trailer included, `u64` |
//! | 24..312 | section table: per section `kind: u32`, `flags: u32` (0), `offset: u64`, `length: u64` |
//! | … | the sections |
//! | last 8 | xxh3-64 of every byte before it, `u64` |
//!
//! | kind | section | contents |
//! |---|---|---|
//! | 1 | `config` | the `policy.toml` text as written (empty without one), re-parsed on load so every key, `[behavior]` included, round-trips exactly |
//! | 2 | `dnc` | the DNC list's index ([`chanrac::dnc`] documents its format, with its own version and checksum), used in place |
//! | 3 | `registry` | `brandnames.csv`: identifier (tag `u8`: 0 number as `u64` bits, 1 brandname as a string), owner, status `u8` (0 active, 1 revoked, 2 suspended), `valid_from` and `valid_until` (each a `u8` flag, then an `i32` day number when 1) |
//! | 4 | `suspended` | numbers, `u64` bits each |
//! | 5 | `agreements` | advertiser, recipient `u64`, lifts `u8` (1 window, 2 frequency, 3 both) |
//! | 6 | `consents` | advertiser, recipient `u64`, state `u8` (0 optin, 1 optout), time `i128` nanoseconds since the Unix epoch |
//! | 7 | `advertisers` | id, name, kind `u8` (0 organisation, 1 individual), `domains` (the entries as written, space-separated) |
//! | 8 | `accounts` | system_id, advertiser, class `u8` (0 ad, 1 care), password, upstream system_id and password (both empty: none), upstream sessions `u32` (0: the adapter's default) |
//! | 9 | `signatures` | id, kind `u8` (0 literal, 1 regex, 2 word, 3 diacritic, 4 fuzzy), pattern, in index order; recompiled on load |
//! | 10 | `domains` | `domains.csv`: domain as written, action `u8` (0 block, 1 allow), in file order |
//! | 11 | `protected` | `protected.csv`: name, owner, domains (space-separated), in file order |
//! | 12 | `dnc_stream` | where the DNC list stands in the DNC stream (`chanrac build --dnc-stream`): 0 records, or 1: the stream's key and the id of the last entry the list holds (`MILLISECONDS-SEQUENCE`, `0-0` for none), both strings |
//!
//! Record sections are a `u32` count followed by the records; a string is a
//! `u32` byte length followed by UTF-8; a number is
//! [`Number::to_bits`](chanrac::number::Number::to_bits). Records (but
//! signatures, whose order is their index, and the domains and protected
//! brands, kept in file order) are sorted by their encoded bytes, so one
//! directory always gives the same file.
//!
//! # Loading
//!
//! Nothing is decoded before the frame is checked, in this order: the magic
//! ([`SnapshotError::NotSnapshot`]), the version
//! ([`SnapshotError::Version`], checked before anything else that a later
//! version might change), the length against the file's
//! ([`SnapshotError::Truncated`]), the checksum
//! ([`SnapshotError::ChecksumMismatch`]), then the section table (every
//! kind once, aligned, within the file, not overlapping). Decoding then
//! bounds-checks every read and trusts no length or count; the DNC list is
//! checked whole (its version, its own checksum, every bound and order)
//! before it is used. Any failure is a
//! [`LoadError`] naming the file, of kind [`ErrorKind::BadInput`]
//! (exit status 2): a policy is loaded whole or not at all.
//!
//! Adding or changing a section means a new version: readers refuse what
//! they were not written for rather than half-understand it. Version 1
//! held the DNC list as an FST; version 2 holds its index; version 3 adds
//! the link lists (`domains`, `protected`, advertisers' `domains`);
//! version 4 accounts' own upstream credentials; version 5 the
//! `dnc_stream` section; version 6 accounts' upstream session counts. An
//! older build refuses a version 6 file by its version ("rebuild the
//! snapshot"), never half-reads it.
//!
//! # The DNC stream
//!
//! A snapshot built with the DNC stream holds the policy's list with every
//! entry of the stream applied in order, and records the stream's key and
//! the last entry's id ([`chanrac::Policy::dnc_stream`]). A node that loads
//! it follows the stream from that id: it misses no change published after
//! the build and applies none twice. A node that loads a policy directory
//! (or a snapshot without the section's record) follows from the stream's
//! beginning; applying the same changes again, in order, gives the same
//! list.
//!
//! # Trust
//!
//! The checksums catch damage (a truncated copy, a flipped bit), not
//! forgery. A crafted file that passes them is still decoded with checked
//! reads (the DNC list is validated whole, so a lookup cannot read out of
//! bounds or panic), but it can say anything a policy can say: snapshots
//! are build artifacts, as trusted as the policy directory they come from.
//!
//! A mapped file must not change while it is in use: write a new snapshot
//! to a new file and rename it over the old one (as `chanrac build` does),
//! never rewrite one in place.
//!
//! [`ErrorKind::BadInput`]: crate::ErrorKind::BadInput

pub(crate) mod codec;

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Write};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use chanrac::dnc::{DncChange, DncList, DncView, StreamMark};
use chanrac::number::Number;
use chanrac::policy::{Policy, PolicyBuilder};
use memmap2::Mmap;
use xxhash_rust::xxh3::{xxh3_64, Xxh3};

use crate::error::{LoadError, Location};
use crate::lists;
use codec::{too_large, Enc, Reader};

/// The first eight bytes of every snapshot file.
pub const MAGIC: [u8; 8] = *b"CHANRAC\0";

/// The format version this build writes and reads.
pub const VERSION: u32 = 6;

/// Bytes before the section table: magic, version, section count, length.
const HEADER_LEN: usize = 24;
/// One section table entry: kind, flags, offset, length.
const ENTRY_LEN: usize = 24;
/// The checksum after the last section.
const TRAILER_LEN: usize = 8;
/// Every section starts at a multiple of this.
const ALIGN: usize = 8;

/// The sections of version 2, in file order.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Section {
    Config,
    Dnc,
    Registry,
    Suspended,
    Agreements,
    Consents,
    Advertisers,
    Accounts,
    Signatures,
    Domains,
    Protected,
    DncStream,
}

pub(crate) const SECTIONS: [Section; 12] = [
    Section::Config,
    Section::Dnc,
    Section::Registry,
    Section::Suspended,
    Section::Agreements,
    Section::Consents,
    Section::Advertisers,
    Section::Accounts,
    Section::Signatures,
    Section::Domains,
    Section::Protected,
    Section::DncStream,
];

/// Where the section table ends (a multiple of [`ALIGN`]).
const TABLE_END: usize = HEADER_LEN + SECTIONS.len() * ENTRY_LEN;

impl Section {
    fn index(self) -> usize {
        self as usize
    }

    fn kind(self) -> u32 {
        self as u32 + 1
    }

    fn from_kind(kind: u32) -> Option<Section> {
        let i = usize::try_from(kind).ok()?.checked_sub(1)?;
        SECTIONS.get(i).copied()
    }

    fn name(self) -> &'static str {
        match self {
            Section::Config => "config",
            Section::Dnc => "dnc",
            Section::Registry => "registry",
            Section::Suspended => "suspended",
            Section::Agreements => "agreements",
            Section::Consents => "consents",
            Section::Advertisers => "advertisers",
            Section::Accounts => "accounts",
            Section::Signatures => "signatures",
            Section::Domains => "domains",
            Section::Protected => "protected",
            Section::DncStream => "dnc_stream",
        }
    }
}

/// Why bytes are not a usable snapshot. [`load`] and [`load_bytes`] report
/// these as a [`LoadError`] naming the file; [`verify`] returns them as
/// they are.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The file is empty.
    Empty,
    /// The file does not start with [`MAGIC`]: not a snapshot at all.
    NotSnapshot,
    /// A format version this build does not read.
    Version {
        /// The file's version.
        found: u32,
        /// The version this build reads ([`VERSION`]).
        supported: u32,
    },
    /// The file is shorter than its header says (or than a header).
    Truncated {
        /// The file's length.
        len: u64,
        /// The length it should have (at least).
        expected: u64,
    },
    /// The checksum in the trailer does not match the bytes.
    ChecksumMismatch {
        /// The checksum the file records.
        stored: u64,
        /// The checksum of the bytes read.
        computed: u64,
    },
    /// The frame is intact but its contents are not what this version
    /// writes.
    Corrupt {
        /// The section at fault (`None`: the header or section table).
        section: Option<&'static str>,
        /// What is wrong, lower case.
        message: String,
    },
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotError::Empty => f.write_str("empty file, not a policy snapshot"),
            SnapshotError::NotSnapshot => f.write_str(
                "not a policy snapshot (bad magic bytes): a policy is a directory \
                 or a file written by `chanrac build`",
            ),
            SnapshotError::Version { found, supported } => write!(
                f,
                "snapshot format version {found} is not supported: this build reads \
                 version {supported}; rebuild the snapshot with `chanrac build`"
            ),
            SnapshotError::Truncated { len, expected } => write!(
                f,
                "truncated snapshot: {len} bytes where {expected} are expected"
            ),
            SnapshotError::ChecksumMismatch { stored, computed } => write!(
                f,
                "snapshot checksum mismatch (stored {stored:#018x}, computed \
                 {computed:#018x}): the file is corrupt"
            ),
            SnapshotError::Corrupt {
                section: Some(s),
                message,
            } => write!(f, "corrupt snapshot: section `{s}`: {message}"),
            SnapshotError::Corrupt {
                section: None,
                message,
            } => write!(f, "corrupt snapshot: {message}"),
        }
    }
}

impl std::error::Error for SnapshotError {}

/// What [`write()`] wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SnapshotStats {
    /// Numbers on the DNC list.
    pub numbers: usize,
    /// Registered identifiers.
    pub identifiers: usize,
    /// Spam-template signatures.
    pub signatures: usize,
    /// Suspended numbers.
    pub suspended: usize,
    /// Agreements.
    pub agreements: usize,
    /// Consent records.
    pub consents: usize,
    /// Advertisers.
    pub advertisers: usize,
    /// SMPP accounts.
    pub accounts: usize,
    /// Bytes of the DNC list's index.
    pub dnc_bytes: u64,
    /// Bytes of the whole file.
    pub bytes: u64,
}

impl SnapshotStats {
    /// DNC index bytes per number (`None` for an empty list).
    pub fn dnc_bytes_per_number(&self) -> Option<f64> {
        (self.numbers > 0).then(|| self.dnc_bytes as f64 / self.numbers as f64)
    }
}

/// Loads and validates the policy directory `dir` (errors as
/// [`crate::load`] gives them), then writes its snapshot to `out`.
///
/// `out` gets the whole file or, on an error, some prefix of it: write to a
/// temporary file and rename it into place on success. A failure to write
/// is a [`LoadError`] of kind [`crate::ErrorKind::Io`].
pub fn write<W: Write + ?Sized>(dir: &Path, out: &mut W) -> Result<SnapshotStats, LoadError> {
    write_with_stream(dir, None, out)
}

/// As [`write()`], with the DNC stream's entries applied in order to the
/// policy's DNC list and the stream's position recorded (`chanrac build
/// --dnc-stream`): `stream` is where the entries end and the changes they
/// carry. `None` is [`write()`].
pub fn write_with_stream<W: Write + ?Sized>(
    dir: &Path,
    stream: Option<(&StreamMark, &[(Number, DncChange)])>,
    out: &mut W,
) -> Result<SnapshotStats, LoadError> {
    if let Some((mark, _)) = stream {
        if mark.key.is_empty() || !valid_stream_id(&mark.id) {
            return Err(LoadError::new(
                dir,
                Location::default(),
                format!(
                    "bad DNC stream position `{}` of `{}`: expected MILLISECONDS-SEQUENCE",
                    mark.id, mark.key
                ),
            ));
        }
    }
    let meta = fs::metadata(dir).map_err(|e| LoadError::io(dir, e))?;
    if !meta.is_dir() {
        return Err(LoadError::new(
            dir,
            Location::default(),
            "not a policy directory: a snapshot is built from one",
        ));
    }
    // Read every file once, so the `policy.toml` text stored is exactly the
    // one validated.
    let mut files: Vec<(&str, Vec<u8>)> = Vec::new();
    for name in crate::FILES {
        let p = dir.join(name);
        match fs::read(&p) {
            Ok(b) => files.push((name, b)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(LoadError::io(&p, e)),
        }
    }
    let files: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, &b[..])).collect();
    let policy = crate::load_files(dir, &files)?;
    let toml = files
        .iter()
        .find(|(n, _)| *n == "policy.toml")
        .map_or(&[][..], |(_, b)| *b);
    let written = match stream {
        None => write_policy(&policy, toml, policy.dnc(), None, out),
        Some((mark, changes)) => {
            let dnc = DncView::new(policy.dnc().clone())
                .with_changes(changes)
                .merged();
            write_policy(&policy, toml, &dnc, Some(mark), out)
        }
    };
    written.map_err(|e| {
        LoadError::other_io(
            dir,
            format!(
                "cannot write the snapshot: {}",
                e.to_string().to_lowercase()
            ),
        )
    })
}

/// Maps the snapshot file `path`, verifies it and rebuilds its policy. The
/// DNC list stays in the mapping (shared, not copied).
pub fn load(path: &Path) -> Result<Policy, LoadError> {
    let file = File::open(path).map_err(|e| LoadError::io(path, e))?;
    let meta = file.metadata().map_err(|e| LoadError::io(path, e))?;
    if !meta.is_file() {
        return Err(LoadError::new(
            path,
            Location::default(),
            "not a policy snapshot: not a regular file",
        ));
    }
    if meta.len() == 0 {
        // Mapping an empty file fails on some systems; say what it is.
        return Err(bad(path, SnapshotError::Empty));
    }
    let map = Arc::new(map_read_only(&file).map_err(|e| LoadError::io(path, e))?);
    let layout = layout(&map).map_err(|e| bad(path, e))?;
    decode(&map, &layout, |range| Mapped {
        map: Arc::clone(&map),
        range,
    })
    .map_err(|e| bad(path, e))
}

/// Verifies and decodes a snapshot held in memory; errors name `name`. The
/// DNC list is copied out of `bytes`.
pub fn load_bytes(name: &Path, bytes: &[u8]) -> Result<Policy, LoadError> {
    let layout = layout(bytes).map_err(|e| bad(name, e))?;
    decode(bytes, &layout, |range| {
        bytes.get(range).map_or_else(Vec::new, <[u8]>::to_vec)
    })
    .map_err(|e| bad(name, e))
}

/// Checks a snapshot's frame — magic, version, length, checksum, section
/// table — without decoding the sections.
pub fn verify(bytes: &[u8]) -> Result<(), SnapshotError> {
    layout(bytes).map(|_| ())
}

fn bad(path: &Path, e: SnapshotError) -> LoadError {
    LoadError::new(path, Location::default(), e.to_string())
}

/// Maps `file` read-only.
#[allow(unsafe_code)]
fn map_read_only(file: &File) -> io::Result<Mmap> {
    // SAFETY: the file is opened read-only and the mapping is only ever read
    // as bytes; every byte is verified (checksum, bounds) before anything is
    // decoded from it. Changing or truncating the file while it is mapped
    // is unsupported (documented in the module docs): snapshots are written
    // to a new file and renamed into place, as `chanrac build` does, which
    // leaves a mapping of the old file intact.
    unsafe { Mmap::map(file) }
}

/// One section of a shared memory map: the DNC list's bytes in place.
struct Mapped {
    map: Arc<Mmap>,
    range: Range<usize>,
}

impl AsRef<[u8]> for Mapped {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        // The range was checked against the map when it was made.
        self.map.get(self.range.clone()).unwrap_or(&[])
    }
}

/// Where each section is, once the frame is verified.
struct Layout {
    ranges: [Range<usize>; SECTIONS.len()],
}

impl Layout {
    fn range(&self, s: Section) -> Range<usize> {
        self.ranges.get(s.index()).cloned().unwrap_or(0..0)
    }
}

fn read_array<const N: usize>(b: &[u8], at: usize) -> Option<[u8; N]> {
    b.get(at..at.checked_add(N)?)?.try_into().ok()
}

fn read_u32(b: &[u8], at: usize) -> Option<u32> {
    read_array(b, at).map(u32::from_le_bytes)
}

fn read_u64(b: &[u8], at: usize) -> Option<u64> {
    read_array(b, at).map(u64::from_le_bytes)
}

pub(crate) fn corrupt(section: Option<Section>, message: impl Into<String>) -> SnapshotError {
    SnapshotError::Corrupt {
        section: section.map(Section::name),
        message: message.into(),
    }
}

/// Verifies the frame and the section table.
fn layout(bytes: &[u8]) -> Result<Layout, SnapshotError> {
    let len = bytes.len();
    let len64 = len as u64;
    if len == 0 {
        return Err(SnapshotError::Empty);
    }
    let head = bytes.get(..len.min(MAGIC.len())).unwrap_or(&[]);
    if MAGIC.get(..head.len()) != Some(head) {
        return Err(SnapshotError::NotSnapshot);
    }
    if let Some(found) = read_u32(bytes, 8) {
        if found != VERSION {
            return Err(SnapshotError::Version {
                found,
                supported: VERSION,
            });
        }
    }
    let (Some(count), Some(total)) = (read_u32(bytes, 12), read_u64(bytes, 16)) else {
        return Err(SnapshotError::Truncated {
            len: len64,
            expected: HEADER_LEN as u64,
        });
    };
    if len64 < total {
        return Err(SnapshotError::Truncated {
            len: len64,
            expected: total,
        });
    }
    if len64 > total {
        return Err(corrupt(
            None,
            format!("{len} bytes where the header says {total}"),
        ));
    }
    let body = match len.checked_sub(TRAILER_LEN) {
        Some(b) if b >= TABLE_END => b,
        _ => {
            return Err(corrupt(
                None,
                format!("{len} bytes cannot hold a header, section table and checksum"),
            ))
        }
    };
    let stored = read_u64(bytes, body).unwrap_or(0);
    let computed = xxh3_64(bytes.get(..body).unwrap_or(&[]));
    if stored != computed {
        return Err(SnapshotError::ChecksumMismatch { stored, computed });
    }
    if count as usize != SECTIONS.len() {
        return Err(corrupt(
            None,
            format!(
                "{count} sections where version {VERSION} has {}",
                SECTIONS.len()
            ),
        ));
    }
    let mut ranges: [Option<Range<usize>>; SECTIONS.len()] = Default::default();
    for i in 0..SECTIONS.len() {
        let at = HEADER_LEN + i * ENTRY_LEN;
        let field = |o: usize| read_u64(bytes, at + o);
        let (Some(kind), Some(flags), Some(offset), Some(length)) = (
            read_u32(bytes, at),
            read_u32(bytes, at + 4),
            field(8),
            field(16),
        ) else {
            return Err(corrupt(None, "the section table is cut short"));
        };
        let section = Section::from_kind(kind)
            .ok_or_else(|| corrupt(None, format!("unknown section kind {kind}")))?;
        if flags != 0 {
            return Err(corrupt(Some(section), format!("unknown flags {flags:#x}")));
        }
        let range = usize::try_from(offset)
            .ok()
            .zip(usize::try_from(length).ok())
            .and_then(|(o, l)| Some(o..o.checked_add(l)?))
            .filter(|r| r.start % ALIGN == 0 && r.start >= TABLE_END && r.end <= body)
            .ok_or_else(|| {
                corrupt(
                    Some(section),
                    format!(
                        "{length} bytes at offset {offset} do not fit between \
                         the section table and the checksum ({TABLE_END}..{body}) \
                         or are not aligned"
                    ),
                )
            })?;
        match ranges.get_mut(section.index()) {
            Some(slot @ None) => *slot = Some(range),
            _ => return Err(corrupt(Some(section), "appears twice")),
        }
    }
    // Every kind appeared once: there are as many entries as kinds and no
    // repeats.
    let ranges = ranges.map(|r| r.unwrap_or(0..0));
    let mut sorted: Vec<&Range<usize>> = ranges.iter().collect();
    sorted.sort_by_key(|r| (r.start, r.end));
    if sorted.windows(2).any(|w| w[0].end > w[1].start) {
        return Err(corrupt(None, "sections overlap"));
    }
    Ok(Layout { ranges })
}

/// Rebuilds the policy from verified bytes; `dnc_owner` makes the owner of
/// the DNC list's bytes from their range.
fn decode<D: AsRef<[u8]> + Send + Sync + 'static>(
    bytes: &[u8],
    layout: &Layout,
    dnc_owner: impl FnOnce(Range<usize>) -> D,
) -> Result<Policy, SnapshotError> {
    let part = |s: Section| bytes.get(layout.range(s)).unwrap_or(&[]);
    let mut b = PolicyBuilder::new();

    let text = std::str::from_utf8(part(Section::Config)).map_err(|e| {
        corrupt(
            Some(Section::Config),
            format!("policy.toml is not valid UTF-8 ({e})"),
        )
    })?;
    let config = crate::toml_config::parse(Path::new("policy.toml"), text)
        .map_err(|e| corrupt(Some(Section::Config), e.to_string()))?;
    b.config(config);

    b.dnc(lists::dnc::decode(dnc_owner(
        layout.range(lists::dnc::SECTION),
    ))?);
    for list in lists::RECORDS {
        (list.decode)(Reader::new(list.section, part(list.section)), &mut b)?;
    }

    let mut r = Reader::new(Section::DncStream, part(Section::DncStream));
    match r.count(8)? {
        0 => {}
        1 => {
            let key = r.str()?;
            let id = r.str()?;
            if key.is_empty() || !valid_stream_id(id) {
                return Err(r.error(format!(
                    "bad position `{id}` of stream `{key}`: expected MILLISECONDS-SEQUENCE"
                )));
            }
            b.dnc_stream(StreamMark {
                key: key.into(),
                id: id.into(),
            });
        }
        n => return Err(r.error(format!("{n} records where 0 or 1 are expected"))),
    }
    r.finish()?;

    Ok(b.build())
}

/// Recomputes the header's magic, version and length and the trailer's
/// checksum over whatever the rest of `bytes` is, so the fuzz target
/// reaches the section decoders. `false` when too short for a header.
pub(crate) fn reseal(bytes: &mut [u8]) -> bool {
    let len = bytes.len();
    let Some(body) = len.checked_sub(TRAILER_LEN).filter(|&b| b >= HEADER_LEN) else {
        return false;
    };
    let (head, trailer) = bytes.split_at_mut(body);
    for (at, field) in [
        (0, &MAGIC[..]),
        (8, &VERSION.to_le_bytes()[..]),
        (16, &(len as u64).to_le_bytes()[..]),
    ] {
        if let Some(h) = head.get_mut(at..at + field.len()) {
            h.copy_from_slice(field);
        }
    }
    trailer.copy_from_slice(&xxh3_64(head).to_le_bytes());
    true
}

/// Encodes every record section, in [`SECTIONS`] order from `Registry` on.
fn encode_records(p: &Policy) -> io::Result<Vec<Vec<u8>>> {
    lists::RECORDS.iter().map(|list| (list.encode)(p)).collect()
}

/// A writer that hashes what goes through it and counts it.
struct Hashing<'a, W: Write + ?Sized> {
    out: &'a mut W,
    hasher: Xxh3,
    written: u64,
}

impl<W: Write + ?Sized> Hashing<'_, W> {
    fn put(&mut self, b: &[u8]) -> io::Result<()> {
        self.out.write_all(b)?;
        self.hasher.update(b);
        self.written += b.len() as u64;
        Ok(())
    }

    fn pad(&mut self) -> io::Result<()> {
        let rem = (self.written % ALIGN as u64) as usize;
        if rem != 0 {
            self.put(&[0u8; ALIGN][rem..])?;
        }
        Ok(())
    }
}

fn align(n: usize) -> io::Result<usize> {
    n.checked_next_multiple_of(ALIGN)
        .ok_or_else(|| too_large("the policy"))
}

/// Whether `id` is a stream entry id, `MILLISECONDS-SEQUENCE` (two
/// decimal `u64`).
fn valid_stream_id(id: &str) -> bool {
    let part = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u64>().is_ok()
    };
    id.split_once('-')
        .is_some_and(|(ms, seq)| part(ms) && part(seq))
}

/// The `dnc_stream` section: 0 records, or the key and the id.
fn encode_stream(mark: Option<&StreamMark>) -> io::Result<Vec<u8>> {
    let mut e = Enc::default();
    match mark {
        None => e.u32(0),
        Some(m) => {
            e.u32(1);
            e.str(&m.key)?;
            e.str(&m.id)?;
        }
    }
    Ok(e.0)
}

/// Writes `p` (whose `policy.toml` text is `toml`) as a snapshot, with
/// `dnc` as its DNC list and `mark` as the list's DNC stream position.
fn write_policy<W: Write + ?Sized, D: AsRef<[u8]>>(
    p: &Policy,
    toml: &[u8],
    dnc: &DncList<D>,
    mark: Option<&StreamMark>,
    out: &mut W,
) -> io::Result<SnapshotStats> {
    let records = encode_records(p)?;
    let stream = encode_stream(mark)?;
    let mut parts: Vec<&[u8]> = vec![toml, lists::dnc::encode(dnc)];
    parts.extend(records.iter().map(Vec::as_slice));
    parts.push(&stream);
    debug_assert_eq!(parts.len(), SECTIONS.len());

    let mut entries = Vec::with_capacity(parts.len());
    let mut pos = TABLE_END;
    for (s, part) in SECTIONS.iter().zip(&parts) {
        entries.push((s.kind(), pos, part.len()));
        pos = align(
            pos.checked_add(part.len())
                .ok_or_else(|| too_large("the policy"))?,
        )?;
    }
    let total = pos
        .checked_add(TRAILER_LEN)
        .ok_or_else(|| too_large("the policy"))?;

    let mut w = Hashing {
        out,
        hasher: Xxh3::new(),
        written: 0,
    };
    w.put(&MAGIC)?;
    w.put(&VERSION.to_le_bytes())?;
    w.put(&(SECTIONS.len() as u32).to_le_bytes())?;
    w.put(&(total as u64).to_le_bytes())?;
    for &(kind, offset, len) in &entries {
        w.put(&kind.to_le_bytes())?;
        w.put(&0u32.to_le_bytes())?;
        w.put(&(offset as u64).to_le_bytes())?;
        w.put(&(len as u64).to_le_bytes())?;
    }
    for part in &parts {
        w.put(part)?;
        w.pad()?;
    }
    let digest = w.hasher.digest();
    w.out.write_all(&digest.to_le_bytes())?;
    w.out.flush()?;
    debug_assert_eq!(w.written + TRAILER_LEN as u64, total as u64);

    Ok(SnapshotStats {
        numbers: dnc.len(),
        identifiers: p.registry().len(),
        signatures: p.signatures().len(),
        suspended: p.suspended().count(),
        agreements: p.agreements().count(),
        consents: p.consents().len(),
        advertisers: p.advertisers().count(),
        accounts: p.accounts().count(),
        dnc_bytes: dnc.as_bytes().len() as u64,
        bytes: total as u64,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chanrac::PolicyBuilder;

    #[test]
    fn empty_policy_round_trips_and_is_reproducible() {
        let p = Policy::default();
        let mut a = Vec::new();
        let stats = write_policy(&p, b"", p.dnc(), None, &mut a).unwrap();
        assert_eq!(stats.bytes, a.len() as u64);
        assert_eq!(a.len() % ALIGN, 0);
        let mut b = Vec::new();
        write_policy(&p, b"", p.dnc(), None, &mut b).unwrap();
        assert_eq!(a, b);
        verify(&a).unwrap();
        let q = load_bytes(Path::new("x.snap"), &a).unwrap();
        assert_eq!(q.config(), p.config());
        assert_eq!(q.dnc().as_bytes(), p.dnc().as_bytes());
    }

    #[test]
    fn section_kinds_round_trip() {
        for s in SECTIONS {
            assert_eq!(Section::from_kind(s.kind()), Some(s));
        }
        assert_eq!(Section::from_kind(0), None);
        assert_eq!(Section::from_kind(12), Some(Section::DncStream));
        assert_eq!(Section::from_kind(13), None);
        assert_eq!(TABLE_END % ALIGN, 0);
    }

    #[test]
    fn a_snapshot_with_a_password_over_eight_octets_is_refused() {
        use chanrac::policy::{Account, AccountClass};
        let with = |password: &str| {
            let p = PolicyBuilder::new()
                .account(
                    "a_qc",
                    Account {
                        advertiser: "a".into(),
                        class: AccountClass::Ad,
                        password: password.into(),
                        upstream: None,
                        upstream_sessions: None,
                    },
                )
                .build();
            let mut out = Vec::new();
            write_policy(&p, b"", p.dnc(), None, &mut out).unwrap();
            load_bytes(Path::new("x.snap"), &out)
        };
        let p = with("12345678").unwrap();
        assert_eq!(&*p.account("a_qc").unwrap().password, "12345678");
        // What a directory load refuses, a snapshot (an edited one) does too.
        let e = with("123456789").unwrap_err().to_string();
        assert!(e.starts_with("x.snap: "), "{e}");
        assert!(e.contains("accounts"), "{e}");
        assert!(e.contains("password is 9 bytes long"), "{e}");
        assert!(!e.contains("123456789"), "{e}");
    }

    #[test]
    fn the_dnc_stream_position_round_trips_and_is_checked() {
        use chanrac::dnc::{DncBuilder, Scopes};
        let n = |s: &str| Number::parse(s).unwrap();
        let mut list = DncBuilder::new();
        list.insert(n("0912345678"), Scopes::ALL);
        let p = PolicyBuilder::new().dnc(list.build()).build();
        let mark = StreamMark {
            key: "chanrac:dnc".into(),
            id: "1733350000000-7".into(),
        };
        let changes = [
            (n("0900000001"), DncChange::Add(Scopes::CALL)),
            (n("0912345678"), DncChange::Remove(Scopes::SMS)),
        ];
        let dnc = DncView::new(p.dnc().clone())
            .with_changes(&changes)
            .merged();
        let mut out = Vec::new();
        let stats = write_policy(&p, b"", &dnc, Some(&mark), &mut out).unwrap();
        assert_eq!(stats.numbers, 2);
        let q = load_bytes(Path::new("x.snap"), &out).unwrap();
        assert_eq!(q.dnc_stream(), Some(&mark));
        assert_eq!(q.dnc().get(n("0900000001")), Scopes::CALL);
        assert_eq!(q.dnc().get(n("0912345678")), Scopes::CALL);
        // Without a position: none on load.
        let mut plain = Vec::new();
        write_policy(&p, b"", p.dnc(), None, &mut plain).unwrap();
        assert_eq!(
            load_bytes(Path::new("x.snap"), &plain)
                .unwrap()
                .dnc_stream(),
            None
        );
        // A position that is not an entry id is refused, naming the section.
        for bad in [
            "",
            "12",
            "1-",
            "-1",
            "a-1",
            "1-2-3",
            "99999999999999999999-0",
        ] {
            assert!(!valid_stream_id(bad), "{bad}");
            let mark = StreamMark {
                key: "k".into(),
                id: bad.into(),
            };
            let mut out = Vec::new();
            write_policy(&p, b"", p.dnc(), Some(&mark), &mut out).unwrap();
            let e = load_bytes(Path::new("x.snap"), &out)
                .unwrap_err()
                .to_string();
            assert!(e.contains("section `dnc_stream`"), "{bad}: {e}");
        }
        for good in [
            "0-0",
            "1733350000000-0",
            "18446744073709551615-18446744073709551615",
        ] {
            assert!(valid_stream_id(good), "{good}");
        }
    }
}
