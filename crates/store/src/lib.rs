//! Durable engine state: consent, registration marks and the sliding-window
//! counters survive a restart (`--state DIR`), so a restarted node never lets
//! a second ad call through within 24 hours.
//!
//! A state directory holds numbered files:
//!
//! - `state-N.snap`: every live record as of the start of segment `N`
//!   (written to a temporary file, synced, renamed: always complete);
//! - `journal-N.log`: the records appended since, in order.
//!
//! [`StateDir::open`] loads the newest valid snapshot `K` and replays every
//! journal segment `≥ K` in order; a record torn by a crash at the end of the
//! last segment is cut off (and counted in [`OpenStats::torn_bytes`]).
//! [`StateDir::compact`] rotates to a new segment, then folds the previous
//! snapshot and segments into a new snapshot — from the files, not from the
//! live engine, so no record is counted twice and none is lost whatever
//! other threads do meanwhile — and deletes what it replaced.
//!
//! **The guarantee.** With [`Durability::Always`], [`StateDir::append`] returns
//! after the record is on disk (`fdatasync`): a crash at any point loses no
//! record whose append returned. With [`Durability::Manual`], records reach the
//! disk at [`StateDir::sync`] (and at drop): a crash loses at most the
//! records appended since the last `sync` returned. The kill test in
//! `tests/kill.rs` checks the first by killing a writer with SIGKILL.
//!
//! **One writer.** [`StateDir::open`] takes an exclusive advisory lock on
//! the file `lock` in the directory (`flock`, through
//! [`std::fs::File::try_lock`]) and holds it until the [`StateDir`] is
//! dropped, or its process ends, however it ends: the kernel releases the
//! lock, so a killed process leaves nothing to clean up. While one
//! `StateDir` holds it, any other open of the directory — from another
//! process or from the same one — fails at once, without waiting, with an
//! error that names the directory and that [`is_locked`] recognises. The
//! lock belongs to the open file, so processes forked after the open share
//! it (and the journal) as one writer. A lock on a network file system is
//! only as good as that file system's `flock`.
//!
//! Retention: ads are kept 24 hours; opt-ins for [`DEFAULT_RETENTION_DAYS`]
//! days (Decree 91 Art.11 asks for at least one year); opt-outs and
//! registration marks for ever (the bar they set has no end).
#![deny(missing_docs)]

pub mod shared;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use chanrac::state::journal::{Decoded, Record};
use chanrac::{Engine, EngineBuilder, Policy};

/// Opt-ins are kept this long (D91 Art.11: at least one year); opt-outs
/// and registration marks are never dropped.
pub const DEFAULT_RETENTION_DAYS: i64 = 400;

const JOURNAL_MAGIC: &[u8; 8] = b"CHRCJNL1";
const SNAP_MAGIC: &[u8; 8] = b"CHRCSNP1";

/// When appended records reach the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Durability {
    /// `fdatasync` after every record: nothing acknowledged is ever lost.
    #[default]
    Always,
    /// Only at [`StateDir::sync`] (group commit by the host).
    Manual,
}

/// What opening a state directory found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenStats {
    /// The snapshot loaded (`None`: a fresh directory).
    pub snapshot: Option<u64>,
    /// Records restored (snapshot and journals).
    pub records: u64,
    /// Bytes cut from the end of the last journal (a torn final record).
    pub torn_bytes: u64,
}

/// A state directory, open for appending.
#[derive(Debug)]
pub struct StateDir {
    dir: PathBuf,
    segment: u64,
    journal: File,
    sync: Durability,
    buf: Vec<u8>,
    retention_ms: i64,
    /// `DIR/lock`, exclusively locked for as long as this value lives
    /// (closing the file releases the lock).
    _lock: File,
}

/// The name of the lock file in a state directory.
pub const LOCK_FILE: &str = "lock";

/// Why [`StateDir::open`] failed when another process holds the state
/// directory's lock; recognised by [`is_locked`].
#[derive(Debug)]
struct Locked {
    dir: PathBuf,
    pid: Option<u32>,
}

impl std::fmt::Display for Locked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "state directory {} is in use: another process",
            self.dir.display()
        )?;
        if let Some(pid) = self.pid {
            write!(f, " (pid {pid})")?;
        }
        write!(
            f,
            " has it open, and only one process at a time may write to it \
             (its lock file is {})",
            self.dir.join(LOCK_FILE).display()
        )
    }
}

impl std::error::Error for Locked {}

/// Whether `e`, returned by [`StateDir::open`], says that another process
/// (or another `StateDir` of this process) has the directory open. Its
/// message names the directory; the programs report it as bad usage
/// (exit status 2).
pub fn is_locked(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<Locked>())
}

/// Opens `DIR/lock` (creating it) and takes its exclusive lock without
/// waiting; writes this process's id into it for the error of the next
/// opener.
fn lock_dir(dir: &Path) -> io::Result<File> {
    let path = dir.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| err(&path, "cannot open", e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            let pid = fs::read_to_string(&path)
                .ok()
                .and_then(|s| s.trim().parse().ok());
            return Err(io::Error::new(
                io::ErrorKind::ResourceBusy,
                Locked {
                    dir: dir.to_path_buf(),
                    pid,
                },
            ));
        }
        Err(fs::TryLockError::Error(e)) => return Err(err(&path, "cannot lock", e)),
    }
    // Only a hint for the error above: no sync needed.
    file.set_len(0)
        .and_then(|()| writeln!(file, "{}", std::process::id()))
        .map_err(|e| err(&path, "cannot write", e))?;
    Ok(file)
}

fn err(path: &Path, what: &str, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {what}: {e}", path.display()))
}

fn corrupt(path: &Path, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: {what}", path.display()),
    )
}

/// The numbers of the files named `prefix-N.suffix` in `dir`, ascending.
fn numbered(dir: &Path, prefix: &str, suffix: &str) -> io::Result<Vec<u64>> {
    let mut out = vec![];
    for e in fs::read_dir(dir).map_err(|e| err(dir, "cannot list", e))? {
        let name = e?.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(n) = name
            .strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(suffix))
            .and_then(|n| n.parse().ok())
        {
            out.push(n);
        }
    }
    out.sort_unstable();
    Ok(out)
}

fn journal_path(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("journal-{n}.log"))
}

fn snap_path(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("state-{n}.snap"))
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| err(dir, "cannot sync", e))
}

/// Decodes every record of `bytes` (after the magic); returns them and the
/// offset where decoding stopped.
fn decode_all(bytes: &[u8], mut f: impl FnMut(Record)) -> (usize, bool) {
    let mut at = 0;
    while at < bytes.len() {
        match Record::decode(&bytes[at..]) {
            Decoded::Record(r, n) => {
                f(r);
                at += n;
            }
            Decoded::Truncated | Decoded::Corrupt => return (at, false),
        }
    }
    (at, true)
}

/// Reads a snapshot; `None` when it is not complete and valid.
fn read_snapshot(path: &Path, f: impl FnMut(Record)) -> io::Result<Option<u64>> {
    let bytes = fs::read(path).map_err(|e| err(path, "cannot read", e))?;
    Ok(parse_snapshot(&bytes, f))
}

/// The records of a snapshot file's bytes, all or none: `None` when they
/// are not a complete and valid snapshot (and `f` is not called).
fn parse_snapshot(bytes: &[u8], mut f: impl FnMut(Record)) -> Option<u64> {
    let body = bytes.strip_prefix(SNAP_MAGIC.as_slice())?;
    // The last 8 bytes count the records: a snapshot is all or nothing.
    let (recs, count) = body.split_last_chunk::<8>()?;
    let want = u64::from_le_bytes(*count);
    let mut got = vec![];
    let (_, whole) = decode_all(recs, |r| got.push(r));
    if !whole || got.len() as u64 != want {
        return None;
    }
    let n = got.len() as u64;
    got.into_iter().for_each(&mut f);
    Some(n)
}

/// The bytes of a snapshot file holding `records`.
fn encode_snapshot(records: &[Record]) -> Vec<u8> {
    let mut buf = Vec::with_capacity(records.len() * 40 + 16);
    buf.extend_from_slice(SNAP_MAGIC);
    for r in records {
        r.encode(&mut buf);
    }
    buf.extend_from_slice(&(records.len() as u64).to_le_bytes());
    buf
}

/// Writes `records` as snapshot `n`, atomically.
fn write_snapshot(dir: &Path, n: u64, records: &[Record]) -> io::Result<()> {
    let path = snap_path(dir, n);
    let tmp = dir.join(format!("state-{n}.snap.tmp"));
    let buf = encode_snapshot(records);
    let mut f = File::create(&tmp).map_err(|e| err(&tmp, "cannot create", e))?;
    f.write_all(&buf)
        .map_err(|e| err(&tmp, "cannot write", e))?;
    f.sync_all().map_err(|e| err(&tmp, "cannot sync", e))?;
    fs::rename(&tmp, &path).map_err(|e| err(&path, "cannot rename into place", e))?;
    sync_dir(dir)
}

/// Replays journal segment `n` into `f`; cuts a torn tail when `last`.
fn replay_journal(path: &Path, last: bool, mut f: impl FnMut(Record)) -> io::Result<(u64, u64)> {
    let mut bytes = vec![];
    File::open(path)
        .and_then(|mut file| file.read_to_end(&mut bytes))
        .map_err(|e| err(path, "cannot read", e))?;
    if bytes.len() < JOURNAL_MAGIC.len() {
        // Created but its header never reached the disk.
        if last {
            fs::write(path, JOURNAL_MAGIC).map_err(|e| err(path, "cannot repair", e))?;
            return Ok((0, bytes.len() as u64));
        }
        return Err(corrupt(path, "journal header missing"));
    }
    let Some(records) = bytes.strip_prefix(JOURNAL_MAGIC.as_slice()) else {
        return Err(corrupt(path, "not a chanrac journal"));
    };
    let mut n = 0u64;
    let (end, whole) = decode_all(records, |r| {
        n += 1;
        f(r)
    });
    let mut torn = 0;
    if !whole {
        if !last {
            return Err(corrupt(
                path,
                &format!("corrupt record at byte {} of a sealed segment", 8 + end),
            ));
        }
        torn = (bytes.len() - 8 - end) as u64;
        let file = OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| err(path, "cannot open", e))?;
        file.set_len((8 + end) as u64)
            .map_err(|e| err(path, "cannot cut torn tail", e))?;
        file.sync_all().map_err(|e| err(path, "cannot sync", e))?;
    }
    Ok((n, torn))
}

fn open_append(path: &Path) -> io::Result<File> {
    let exists = path.exists();
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| err(path, "cannot open", e))?;
    if !exists || f.metadata()?.len() == 0 {
        f.write_all(JOURNAL_MAGIC)
            .map_err(|e| err(path, "cannot write", e))?;
        f.sync_all().map_err(|e| err(path, "cannot sync", e))?;
    }
    Ok(f)
}

impl StateDir {
    /// Opens (creating) a state directory and restores its records into
    /// `engine`, which should be fresh.
    ///
    /// Takes the directory's lock first (see the crate docs): when another
    /// process, or another `StateDir` of this one, has the directory open,
    /// fails at once with an error for which [`is_locked`] is true.
    ///
    /// # Example
    ///
    /// ```
    /// use chanrac::{Engine, PolicyBuilder};
    /// use chanrac_store::{Durability, StateDir};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let engine = Engine::new(PolicyBuilder::new().build());
    /// let (state, stats) = StateDir::open(dir.path(), &engine, Durability::Always).unwrap();
    /// assert_eq!(stats.records, 0, "a fresh directory");
    /// // One writer: a second open of the same directory is refused.
    /// let again = StateDir::open(dir.path(), &Engine::new(PolicyBuilder::new().build()), Durability::Always);
    /// assert!(again.is_err_and(|e| chanrac_store::is_locked(&e)));
    /// drop(state);
    /// ```
    pub fn open(
        dir: &Path,
        engine: &Engine,
        sync: Durability,
    ) -> io::Result<(StateDir, OpenStats)> {
        fs::create_dir_all(dir).map_err(|e| err(dir, "cannot create", e))?;
        // Before anything is read or changed: one writer at a time.
        let lock = lock_dir(dir)?;
        // Leftovers of a compaction cut short.
        for e in fs::read_dir(dir)? {
            let p = e?.path();
            if p.extension().is_some_and(|x| x == "tmp") {
                let _ = fs::remove_file(&p);
            }
        }
        let mut stats = OpenStats::default();
        let mut base = 0;
        for n in numbered(dir, "state-", ".snap")?.into_iter().rev() {
            if let Some(count) = read_snapshot(&snap_path(dir, n), |r| engine.restore(&r))? {
                stats.snapshot = Some(n);
                stats.records += count;
                base = n;
                break;
            }
        }
        let journals: Vec<u64> = numbered(dir, "journal-", ".log")?
            .into_iter()
            .filter(|&n| n >= base)
            .collect();
        let last = journals.last().copied().unwrap_or(base);
        for &n in &journals {
            let (count, torn) =
                replay_journal(&journal_path(dir, n), n == last, |r| engine.restore(&r))?;
            stats.records += count;
            stats.torn_bytes += torn;
        }
        let journal = open_append(&journal_path(dir, last))?;
        sync_dir(dir)?;
        Ok((
            StateDir {
                dir: dir.to_path_buf(),
                segment: last,
                journal,
                sync,
                buf: Vec::with_capacity(4096),
                retention_ms: DEFAULT_RETENTION_DAYS * 86_400_000,
                _lock: lock,
            },
            stats,
        ))
    }

    /// Sets how long opt-ins are kept by [`StateDir::compact`] (opt-outs and
    /// registration marks are kept for ever).
    pub fn set_retention_days(&mut self, days: i64) {
        self.retention_ms = days.max(1) * 86_400_000;
    }

    /// Appends a record. With [`Durability::Always`] it is on disk when this
    /// returns.
    ///
    /// # Example
    ///
    /// ```
    /// use chanrac::state::journal::{Record, RecordKind};
    /// use chanrac::{Engine, Number, PolicyBuilder};
    /// use chanrac_store::{Durability, StateDir};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let engine = Engine::new(PolicyBuilder::new().build());
    /// let (mut state, _) = StateDir::open(dir.path(), &engine, Durability::Always).unwrap();
    /// let opt_out = Record {
    ///     kind: RecordKind::OptOut,
    ///     advertiser: "bank".into(),
    ///     recipient: Number::parse("0912345678").unwrap(),
    ///     time_ms: 1_772_420_400_000,
    /// };
    /// state.append(&opt_out).unwrap(); // on disk when this returns
    /// drop(state);
    /// // After a restart, the record is restored into the new engine.
    /// let restarted = Engine::new(PolicyBuilder::new().build());
    /// let (_state, stats) = StateDir::open(dir.path(), &restarted, Durability::Always).unwrap();
    /// assert_eq!(stats.records, 1);
    /// assert!(restarted.state().get("bank", opt_out.recipient).is_some());
    /// ```
    pub fn append(&mut self, r: &Record) -> io::Result<()> {
        r.encode(&mut self.buf);
        if self.sync == Durability::Always || self.buf.len() >= 1 << 16 {
            self.write_out()?;
        }
        if self.sync == Durability::Always {
            self.journal.sync_data()?;
        }
        Ok(())
    }

    fn write_out(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            self.journal.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// A mark of everything appended so far, for [`StateDir::rollback`].
    pub fn mark(&mut self) -> io::Result<(u64, u64)> {
        self.write_out()?;
        Ok((self.segment, self.journal.metadata()?.len()))
    }

    /// Forgets every record appended since `mark` (a job that failed half
    /// way must not leave half its state behind). Fails if the journal was
    /// compacted since.
    pub fn rollback(&mut self, mark: (u64, u64)) -> io::Result<()> {
        if mark.0 != self.segment {
            return Err(io::Error::other("the journal was compacted since the mark"));
        }
        self.buf.clear();
        self.journal.set_len(mark.1)?;
        self.journal.sync_data()
    }

    /// Writes and syncs everything appended so far.
    pub fn sync(&mut self) -> io::Result<()> {
        self.write_out()?;
        self.journal.sync_data()
    }

    /// The current journal segment.
    pub fn segment(&self) -> u64 {
        self.segment
    }

    /// Rotates to a new journal segment and folds the old snapshot and
    /// segments into a new snapshot as of `now` (ads older than 24 h and
    /// opt-ins older than the retention dropped; opt-outs and registration
    /// marks kept however old), using `policy` for the caps.
    /// Safe against a crash at any point: until the new snapshot is renamed
    /// into place, the old files still hold everything.
    ///
    /// # Example
    ///
    /// ```
    /// use chanrac::{Engine, PolicyBuilder};
    /// use chanrac_store::{Durability, StateDir};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let engine = Engine::new(PolicyBuilder::new().build());
    /// let (mut state, _) = StateDir::open(dir.path(), &engine, Durability::Manual).unwrap();
    /// let before = state.segment();
    /// // Now and then, on a thread the host owns, with the host's clock:
    /// state.compact(PolicyBuilder::new().build(), jiff::Timestamp::now()).unwrap();
    /// assert_eq!(state.segment(), before + 1, "a new journal segment");
    /// ```
    pub fn compact(&mut self, policy: Policy, now: jiff::Timestamp) -> io::Result<()> {
        self.sync()?;
        let old = self.segment;
        let next = old + 1;
        let journal = open_append(&journal_path(&self.dir, next))?;
        sync_dir(&self.dir)?;
        self.journal = journal;
        self.segment = next;

        // Fold the sealed files: the newest valid snapshot ≤ old, then the
        // journals from it up to old.
        let fold = EngineBuilder::new().build(policy);
        let mut base = 0;
        for n in numbered(&self.dir, "state-", ".snap")?.into_iter().rev() {
            if n <= old && read_snapshot(&snap_path(&self.dir, n), |r| fold.restore(&r))?.is_some()
            {
                base = n;
                break;
            }
        }
        for n in numbered(&self.dir, "journal-", ".log")? {
            if (base..=old).contains(&n) {
                replay_journal(&journal_path(&self.dir, n), false, |r| fold.restore(&r))?;
            }
        }
        let records = fold.records(now.as_millisecond(), self.retention_ms);
        write_snapshot(&self.dir, next, &records)?;
        for n in numbered(&self.dir, "journal-", ".log")? {
            if n < next {
                let _ = fs::remove_file(journal_path(&self.dir, n));
            }
        }
        for n in numbered(&self.dir, "state-", ".snap")? {
            if n < next {
                let _ = fs::remove_file(snap_path(&self.dir, n));
            }
        }
        sync_dir(&self.dir)
    }
}

impl Drop for StateDir {
    fn drop(&mut self) {
        let _ = self.sync();
    }
}

/// Entry points for the fuzz targets in `fuzz/` (not a public API).
#[doc(hidden)]
pub mod fuzz {
    use chanrac::state::journal::Record;
    use chanrac::{EngineBuilder, Policy};

    use crate::{decode_all, encode_snapshot, parse_snapshot, SNAP_MAGIC};

    /// Reads `data` as the records of a journal segment (what follows its
    /// magic) and as a snapshot file (as it is, and behind a snapshot's
    /// magic). Never panics, and: every record read re-encodes to exactly
    /// the bytes it was read from; what a journal holds restores into an
    /// engine, whose records written as a snapshot read back whole.
    pub fn state_file(data: &[u8]) {
        let mut records: Vec<Record> = Vec::new();
        let mut at = 0usize;
        let (end, whole) = decode_all(data, |r| {
            let mut b = Vec::new();
            r.encode(&mut b);
            assert_eq!(data.get(at..at + b.len()), Some(&b[..]), "re-encoded");
            at += b.len();
            records.push(r);
        });
        assert_eq!(end, at);
        assert!(end <= data.len() && (whole == (end == data.len())));

        let engine = EngineBuilder::new().build(Policy::default());
        let mut now = 0i64;
        for r in &records {
            engine.restore(r);
            now = now.max(r.time_ms);
        }
        let kept = engine.records(now, i64::MAX);
        let bytes = encode_snapshot(&kept);
        let mut back = Vec::new();
        assert_eq!(
            parse_snapshot(&bytes, |r| back.push(r)),
            Some(kept.len() as u64)
        );
        assert_eq!(back, kept);

        let mut n = 0u64;
        if let Some(count) = parse_snapshot(data, |_| n += 1) {
            assert_eq!(count, n);
        }
        let mut framed = SNAP_MAGIC.to_vec();
        framed.extend_from_slice(data);
        let mut n = 0u64;
        if let Some(count) = parse_snapshot(&framed, |_| n += 1) {
            assert_eq!(count, n);
        }
    }
}
