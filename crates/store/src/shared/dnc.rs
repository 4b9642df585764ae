//! The DNC stream: changes to the Do-Not-Call list reaching every node.
//!
//! A subscriber's `DK DNC` (Decree 91 Art.7, Art.13(1)) arrives at one
//! node, but every node must refuse the next ad to that number. The changes
//! travel in one Redis Stream that every node follows: `chanrac inbox
//! --publish` and `chanrac dnc add|remove --publish` append to it
//! ([`Publisher`]), each adapter with `--follow-dnc` and each C host
//! (`chanrac_dnc_follow`) reads it from where it stands and applies every
//! entry, in order, with [`chanrac::Engine::update_dnc`] ([`Follower`],
//! [`BlockingFollower`]).
//!
//! # The stream, exactly
//!
//! The key is `PREFIX:dnc`, `chanrac:dnc` by default ([`stream_key`]): one
//! key, so in a Redis Cluster the stream lives in one slot. Entries are
//! appended with `XADD PREFIX:dnc * field value …` (the server picks the
//! id, so ids grow in the order the entries were appended), one entry per
//! change, with these fields (names and values ASCII, in any order):
//!
//! | field | value |
//! |---|---|
//! | `number` | the number, normalised as `dnc.csv` writes it (`84912345678`; short codes as written, `5656`); followers accept any form the policy files accept |
//! | `change` | `add` (the number joins the list for `scope`) or `remove` (it leaves it for `scope`) |
//! | `scope` | `sms`, `call` or `all` |
//! | `time` | when the change was asked for, RFC 3339 (`2026-03-02T09:15:00+07:00`): for a 5656 message, the message's time |
//! | `source` | where it came from: `5656` for subscriber messages, `operator` for a change typed by the carrier's staff, or any other short name |
//!
//! For example:
//!
//! ```text
//! XADD chanrac:dnc * number 84912345678 change add scope call time 2026-03-02T09:15:00+07:00 source 5656
//! ```
//!
//! A follower applies an entry whose `number`, `change` and `scope` are
//! valid; `time` and `source` are for people and audits (publishers must
//! write them; followers ignore their values and any other field). An
//! entry that cannot be applied (a missing field, a bad number, an unknown
//! change or scope) is logged and skipped — never a stop, never a panic —
//! and counted ([`FollowStatus::skipped`]).
//!
//! # Positions
//!
//! Where a node stands is the id of the last entry it applied
//! ([`EntryId`], `MILLISECONDS-SEQUENCE`; `0-0` before the first). A node
//! that loads a policy directory follows from `0-0`: the list in the
//! directory, then every change again, in order, which gives the same list
//! as applying them once. A snapshot built with `chanrac build
//! --dnc-stream` holds every entry up to its position and records it
//! ([`chanrac::Policy::dnc_stream`]); a node that loads it follows from
//! there ([`start_position`]), so it misses nothing published since and
//! applies nothing twice.
//!
//! Do not trim the stream (`XTRIM`, `MAXLEN`) below what a node may still
//! need: a node whose position was trimmed away would miss those changes.
//! A change is a few dozen bytes; a million changes a year is well under
//! 100 MB.
//!
//! # Failures
//!
//! Followers read with `XREAD BLOCK` on a connection of their own (a
//! blocked read would hold up the checks sharing a connection). When the
//! store goes away they open a new connection with backoff (100 ms doubling
//! to 2 s) and go on from their position: no change is lost, none applied
//! twice. Checks never wait for the stream: a node that cannot reach it
//! keeps the list it has.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chanrac::dnc::{DncChange, Scopes, StreamMark};
use chanrac::{Engine, Number, Policy};
use jiff::Timestamp;
use parking_lot::Mutex;
use redis::Value;

use super::conn::{self, SyncConn, Target};
use super::StoreError;

/// The key of the DNC stream under `prefix`: `PREFIX:dnc`.
pub fn stream_key(prefix: &str) -> String {
    format!("{prefix}:dnc")
}

/// The id of a stream entry, `MILLISECONDS-SEQUENCE`: where a node stands
/// in the stream. Ids grow with each entry appended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryId {
    /// The server's time when the entry was appended, in ms.
    pub ms: u64,
    /// The entry's number within that millisecond.
    pub seq: u64,
}

impl EntryId {
    /// `0-0`: before the first entry.
    pub const ZERO: EntryId = EntryId { ms: 0, seq: 0 };

    /// Parses `MILLISECONDS-SEQUENCE` (two decimal numbers).
    pub fn parse(s: &str) -> Option<EntryId> {
        let (ms, seq) = s.trim().split_once('-')?;
        let num = |p: &str| {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                p.parse::<u64>().ok()
            }
        };
        Some(EntryId {
            ms: num(ms)?,
            seq: num(seq)?,
        })
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

impl FromStr for EntryId {
    type Err = String;

    fn from_str(s: &str) -> Result<EntryId, String> {
        EntryId::parse(s).ok_or_else(|| {
            format!("`{s}` is not a stream entry id: expected MILLISECONDS-SEQUENCE, e.g. 0-0")
        })
    }
}

/// One change, as the stream carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DncEntry {
    /// The number.
    pub number: Number,
    /// What happens to it.
    pub change: DncChange,
    /// When the change was asked for (`None`: the entry had no valid
    /// `time`; followers do not need it).
    pub time: Option<Timestamp>,
    /// Where it came from (`5656`, `operator`, …).
    pub source: String,
}

impl DncEntry {
    /// The entry's fields, in the order they are written.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        let (change, scopes) = match self.change {
            DncChange::Add(s) => ("add", s),
            DncChange::Remove(s) => ("remove", s),
        };
        let mut f = vec![
            ("number", self.number.to_string()),
            ("change", change.to_string()),
            ("scope", scopes.name().to_string()),
        ];
        if let Some(t) = self.time {
            f.push(("time", t.to_string()));
        }
        f.push(("source", self.source.clone()));
        f
    }

    /// Reads an entry from its fields (names and values as stored), or
    /// says why it cannot be applied.
    pub fn from_fields<'a>(
        fields: impl IntoIterator<Item = (&'a [u8], &'a [u8])>,
    ) -> Result<DncEntry, String> {
        let (mut number, mut change, mut scope, mut time, mut source) =
            (None, None, None, None, String::new());
        for (name, value) in fields {
            let value = || {
                std::str::from_utf8(value)
                    .map(str::trim)
                    .map_err(|_| format!("field `{}` is not UTF-8", String::from_utf8_lossy(name)))
            };
            match name {
                b"number" => {
                    let v = value()?;
                    number = Some(Number::parse(v).map_err(|e| format!("bad number `{v}`: {e}"))?);
                }
                b"change" => change = Some(value()?.to_ascii_lowercase()),
                b"scope" => {
                    let v = value()?;
                    scope = Some(Scopes::parse(v).ok_or_else(|| {
                        format!("unknown scope `{v}`: expected sms, call or all")
                    })?);
                }
                b"time" => time = value().ok().and_then(|v| v.parse::<Timestamp>().ok()),
                b"source" => source = value()?.to_string(),
                _ => {}
            }
        }
        let number = number.ok_or("no `number` field")?;
        let scope = scope.ok_or("no `scope` field")?;
        let change = match change.as_deref() {
            Some("add") => DncChange::Add(scope),
            Some("remove") => DncChange::Remove(scope),
            Some(c) => return Err(format!("unknown change `{c}`: expected add or remove")),
            None => return Err("no `change` field".into()),
        };
        Ok(DncEntry {
            number,
            change,
            time,
            source,
        })
    }
}

/// What applies a batch of changes (usually [`Engine::update_dnc`]).
type Apply<'a> = dyn FnMut(&[(Number, DncChange)]) + 'a;

/// An entry as read: its id and its fields, not yet checked.
type RawEntry = (EntryId, Vec<(Vec<u8>, Vec<u8>)>);

fn bad(what: &str) -> StoreError {
    StoreError::BadValue(format!("the DNC stream ({what})"))
}

fn bytes_of(v: Value) -> Option<Vec<u8>> {
    match v {
        Value::BulkString(b) => Some(b),
        Value::SimpleString(s) => Some(s.into_bytes()),
        Value::VerbatimString { text, .. } => Some(text.into_bytes()),
        Value::Int(i) => Some(i.to_string().into_bytes()),
        _ => None,
    }
}

/// The entries of an `XRANGE` reply, or of one stream in an `XREAD` reply:
/// `[[id, [field, value, …]], …]`.
fn entries_of(v: Value) -> Result<Vec<RawEntry>, StoreError> {
    let Value::Array(items) = v else {
        return match v {
            Value::Nil => Ok(Vec::new()),
            _ => Err(bad("entries are not an array")),
        };
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Value::Array(pair) = item else {
            return Err(bad("an entry is not an array"));
        };
        let mut pair = pair.into_iter();
        let id = pair
            .next()
            .and_then(bytes_of)
            .and_then(|b| EntryId::parse(std::str::from_utf8(&b).ok()?))
            .ok_or_else(|| bad("an entry without an id"))?;
        let fields = match pair.next() {
            Some(Value::Array(f)) => {
                let mut it = f.into_iter();
                let mut fields = Vec::new();
                while let Some(name) = it.next() {
                    let value = it.next().and_then(bytes_of).unwrap_or_default();
                    fields.push((bytes_of(name).unwrap_or_default(), value));
                }
                fields
            }
            Some(Value::Map(m)) => m
                .into_iter()
                .map(|(k, v)| {
                    (
                        bytes_of(k).unwrap_or_default(),
                        bytes_of(v).unwrap_or_default(),
                    )
                })
                .collect(),
            // No fields (a deleted entry): nothing to apply, skipped.
            _ => Vec::new(),
        };
        out.push((id, fields));
    }
    Ok(out)
}

/// The entries of `key` in an `XREAD` reply (RESP2 array or RESP3 map).
fn read_reply(v: Value, key: &str) -> Result<Vec<RawEntry>, StoreError> {
    let streams: Vec<(Value, Value)> = match v {
        Value::Nil => return Ok(Vec::new()),
        Value::Map(m) => m,
        Value::Array(a) => a
            .into_iter()
            .filter_map(|s| match s {
                Value::Array(kv) => {
                    let mut kv = kv.into_iter();
                    Some((kv.next()?, kv.next()?))
                }
                _ => None,
            })
            .collect(),
        _ => return Err(bad("XREAD answered neither an array nor a map")),
    };
    for (k, entries) in streams {
        if bytes_of(k).as_deref() == Some(key.as_bytes()) {
            return entries_of(entries);
        }
    }
    Ok(Vec::new())
}

/// Where a node that loaded `policy` starts following the stream `key`:
/// the position its snapshot records, or `0-0` (a policy directory, or a
/// snapshot of another stream).
pub fn start_position(policy: &Policy, key: &str) -> EntryId {
    match policy.dnc_stream() {
        Some(m) if &*m.key == key => EntryId::parse(&m.id).unwrap_or(EntryId::ZERO),
        Some(m) => {
            tracing::warn!(
                snapshot_stream = &*m.key,
                stream = key,
                "the snapshot was built from another DNC stream: following from its beginning"
            );
            EntryId::ZERO
        }
        None => EntryId::ZERO,
    }
}

/// Appends DNC changes to the stream (the command line's `--publish`);
/// blocking.
pub struct Publisher {
    target: Target,
    key: String,
    conn: SyncConn,
}

impl fmt::Debug for Publisher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Publisher")
            .field("store", &self.target.display())
            .field("key", &self.key)
            .finish()
    }
}

/// Entries per round trip when publishing or reading many.
const CHUNK: usize = 500;

impl Publisher {
    /// Connects to the store at `url` (the stream `PREFIX:dnc`), waiting
    /// at most `timeout` for each answer.
    pub fn connect(url: &str, prefix: &str, timeout: Duration) -> Result<Publisher, StoreError> {
        let target = Target::parse(url)?;
        let conn = SyncConn::open(&target, timeout)?;
        Ok(Publisher {
            target,
            key: stream_key(prefix),
            conn,
        })
    }

    /// The stream's key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The store's URL, password hidden.
    pub fn display(&self) -> &str {
        self.target.display()
    }

    /// Appends `entries` in order and returns their ids. On an error, the
    /// ids of those appended before it come with it (a prefix of
    /// `entries`; the rest were not appended).
    pub fn publish(
        &mut self,
        entries: &[DncEntry],
    ) -> Result<Vec<EntryId>, (Vec<EntryId>, StoreError)> {
        let mut ids = Vec::with_capacity(entries.len());
        for chunk in entries.chunks(CHUNK) {
            let got: Result<Vec<Value>, StoreError> = match &mut self.conn {
                SyncConn::Single(c) => {
                    let mut p = redis::pipe();
                    for e in chunk {
                        p.add_command(xadd(&self.key, e));
                    }
                    p.query(c).map_err(StoreError::from_redis)
                }
                conn => {
                    // A Cluster connection: one command at a time.
                    let mut out = Vec::with_capacity(chunk.len());
                    let mut err = None;
                    for e in chunk {
                        match xadd(&self.key, e).query::<Value>(conn.as_dyn()) {
                            Ok(v) => out.push(v),
                            Err(e) => {
                                err = Some(StoreError::from_redis(e));
                                break;
                            }
                        }
                    }
                    match err {
                        // Keep what was appended before the error.
                        Some(e) => {
                            for v in out {
                                if let Some(id) = id_of(v) {
                                    ids.push(id);
                                }
                            }
                            return Err((ids, e));
                        }
                        None => Ok(out),
                    }
                }
            };
            match got {
                Ok(values) => {
                    for v in values {
                        match id_of(v) {
                            Some(id) => ids.push(id),
                            None => return Err((ids, bad("XADD did not answer an id"))),
                        }
                    }
                }
                // A pipeline's error: which of its entries went in is not
                // known, so none is claimed.
                Err(e) => return Err((ids, e)),
            }
        }
        Ok(ids)
    }

    /// Reads the whole stream, in order: the changes of its valid entries
    /// and the id of its last entry (`chanrac build --dnc-stream`).
    pub fn read_all(&mut self) -> Result<StreamContents, StoreError> {
        let mut out = StreamContents {
            key: self.key.clone(),
            changes: Vec::new(),
            last: EntryId::ZERO,
            entries: 0,
            skipped: 0,
        };
        let mut start = "-".to_string();
        loop {
            let v: Value = redis::cmd("XRANGE")
                .arg(&self.key)
                .arg(&start)
                .arg("+")
                .arg("COUNT")
                .arg(CHUNK)
                .query(self.conn.as_dyn())
                .map_err(StoreError::from_redis)?;
            let batch = entries_of(v)?;
            let n = batch.len();
            for (id, fields) in batch {
                out.entries += 1;
                out.last = id;
                match DncEntry::from_fields(fields.iter().map(|(k, v)| (&k[..], &v[..]))) {
                    Ok(e) => out.changes.push((e.number, e.change)),
                    Err(why) => {
                        out.skipped += 1;
                        tracing::warn!(stream = %self.key, id = %id, "DNC stream entry skipped: {why}");
                    }
                }
            }
            if n < CHUNK {
                return Ok(out);
            }
            // Exclusive: after the last entry read.
            start = format!("({}", out.last);
        }
    }
}

/// `XADD KEY * number … change … scope … time … source …`.
fn xadd(key: &str, e: &DncEntry) -> redis::Cmd {
    let mut c = redis::cmd("XADD");
    c.arg(key).arg("*");
    for (name, value) in e.fields() {
        c.arg(name).arg(value);
    }
    c
}

fn id_of(v: Value) -> Option<EntryId> {
    bytes_of(v).and_then(|b| EntryId::parse(std::str::from_utf8(&b).ok()?))
}

/// The whole stream, read by [`Publisher::read_all`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamContents {
    /// The stream's key.
    pub key: String,
    /// The changes of the valid entries, in order.
    pub changes: Vec<(Number, DncChange)>,
    /// The last entry's id (`0-0`: the stream is empty or missing).
    pub last: EntryId,
    /// Entries read.
    pub entries: u64,
    /// Entries skipped (not valid).
    pub skipped: u64,
}

impl StreamContents {
    /// The position these contents end at, for a snapshot.
    pub fn mark(&self) -> StreamMark {
        StreamMark {
            key: self.key.as_str().into(),
            id: self.last.to_string().into(),
        }
    }
}

/// How a follower reads the stream.
#[derive(Clone, Debug)]
pub struct FollowConfig {
    /// The first part of the key (`chanrac` by default: the stream is
    /// `chanrac:dnc`).
    pub prefix: String,
    /// Where to start: the id of the last entry already applied (`0-0`:
    /// from the beginning; see [`start_position`]).
    pub from: EntryId,
    /// Most entries read (and applied) at once: 512 by default.
    pub count: usize,
    /// How long one read waits for new entries: 1 s by default (a
    /// blocking follower notices a stop within about this).
    pub block: Duration,
}

impl Default for FollowConfig {
    fn default() -> FollowConfig {
        FollowConfig {
            prefix: "chanrac".into(),
            from: EntryId::ZERO,
            count: 512,
            block: Duration::from_secs(1),
        }
    }
}

/// What a follower has done, readable from any thread while it runs
/// (metrics, tests waiting for a position). Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct FollowStatus(Arc<StatusInner>);

#[derive(Debug, Default)]
struct StatusInner {
    applied: AtomicU64,
    skipped: AtomicU64,
    connected: AtomicBool,
    position: Mutex<EntryId>,
}

impl FollowStatus {
    fn new(from: EntryId) -> FollowStatus {
        let s = FollowStatus::default();
        *s.0.position.lock() = from;
        s
    }

    /// Entries applied since the follower started.
    pub fn applied(&self) -> u64 {
        self.0.applied.load(Ordering::Acquire)
    }

    /// Entries skipped (not valid) since the follower started.
    pub fn skipped(&self) -> u64 {
        self.0.skipped.load(Ordering::Relaxed)
    }

    /// The id of the last entry applied (or skipped): every entry up to it
    /// is in force for checks that start from now on.
    pub fn position(&self) -> EntryId {
        *self.0.position.lock()
    }

    /// Whether the last read reached the store.
    pub fn connected(&self) -> bool {
        self.0.connected.load(Ordering::Relaxed)
    }

    fn set_connected(&self, up: bool) {
        self.0.connected.store(up, Ordering::Relaxed);
    }

    /// Applies a batch read after the position and moves the position to
    /// its last entry.
    fn apply(&self, key: &str, batch: Vec<RawEntry>, apply: &mut Apply<'_>) {
        let Some(last) = batch.last().map(|(id, _)| *id) else {
            return;
        };
        let mut changes = Vec::with_capacity(batch.len());
        let mut skipped = 0;
        for (id, fields) in &batch {
            match DncEntry::from_fields(fields.iter().map(|(k, v)| (&k[..], &v[..]))) {
                Ok(e) => changes.push((e.number, e.change)),
                Err(why) => {
                    skipped += 1;
                    tracing::warn!(stream = key, id = %id, "DNC stream entry skipped: {why}");
                }
            }
        }
        if !changes.is_empty() {
            apply(&changes);
        }
        *self.0.position.lock() = last;
        self.0.skipped.fetch_add(skipped, Ordering::Relaxed);
        self.0
            .applied
            .fetch_add(changes.len() as u64, Ordering::Release);
        tracing::info!(
            stream = key,
            position = %last,
            applied = changes.len(),
            skipped,
            "DNC stream entries applied"
        );
    }
}

/// Pending live DNC changes beyond which a follower merges them into the
/// list (applying a batch copies the pending changes).
pub const MERGE_AT: usize = 4096;

/// Between reconnections: from this, doubling …
const BACKOFF_MIN: Duration = Duration::from_millis(100);
/// … to this.
const BACKOFF_MAX: Duration = Duration::from_secs(2);
/// How much longer than the read's `BLOCK` an answer may take.
const ANSWER_MARGIN: Duration = Duration::from_secs(2);

fn xread(key: &str, from: EntryId, cfg: &FollowConfig) -> redis::Cmd {
    let mut c = redis::cmd("XREAD");
    c.arg("COUNT")
        .arg(cfg.count.max(1))
        .arg("BLOCK")
        .arg(
            u64::try_from(cfg.block.as_millis())
                .unwrap_or(u64::MAX)
                .max(1),
        )
        .arg("STREAMS")
        .arg(key)
        .arg(from.to_string());
    c
}

/// Whether retrying cannot help (the key holds something else, a refused
/// login, a malformed answer).
fn permanent(e: &StoreError) -> bool {
    match e {
        StoreError::Url(_) | StoreError::BadValue(_) => true,
        StoreError::Redis(r) => {
            r.kind() == redis::ErrorKind::AuthenticationFailed
                || matches!(r.retry_method(), redis::RetryMethod::NoRetry)
        }
        StoreError::Timeout | StoreError::Contended => false,
    }
}

/// Follows the DNC stream on a tokio runtime (the adapters' `--follow-dnc`):
/// reads new entries as they are appended and applies each batch, in
/// order; reconnects by itself.
#[derive(Debug)]
pub struct Follower {
    target: Target,
    key: String,
    config: FollowConfig,
    status: FollowStatus,
}

impl Follower {
    /// A follower of the stream at `url`; nothing is opened until
    /// [`Follower::run`].
    pub fn new(url: &str, config: FollowConfig) -> Result<Follower, StoreError> {
        Ok(Follower {
            target: Target::parse(url)?,
            key: stream_key(&config.prefix),
            status: FollowStatus::new(config.from),
            config,
        })
    }

    /// The stream's key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The store's URL, password hidden.
    pub fn display(&self) -> &str {
        self.target.display()
    }

    /// What the follower has done, to read while it runs.
    pub fn status(&self) -> FollowStatus {
        self.status.clone()
    }

    /// Follows the stream for ever, applying each batch with
    /// [`Engine::update_dnc`]. Once [`MERGE_AT`] changes are pending, they
    /// are merged into the list ([`Engine::merge_dnc`]) on a blocking
    /// thread, so that applying stays cheap; checks go on meanwhile.
    ///
    /// `engine` is anything that lends the engine: an `Arc<Engine>`, or a
    /// handle to the adapter that owns it.
    pub async fn follow<E>(self, engine: E)
    where
        E: AsRef<Engine> + Clone + Send + Sync + 'static,
    {
        let merging = Arc::new(AtomicBool::new(false));
        self.run(move |changes| {
            let e = engine.as_ref();
            e.update_dnc(changes);
            if e.dnc().pending() >= MERGE_AT && !merging.swap(true, Ordering::AcqRel) {
                let (engine, merging) = (engine.clone(), merging.clone());
                tokio::task::spawn_blocking(move || {
                    engine.as_ref().merge_dnc();
                    merging.store(false, Ordering::Release);
                });
            }
        })
        .await
    }

    /// Follows the stream for ever, calling `apply` with each batch of
    /// changes, in order (run it on a task of its own; drop the task to
    /// stop). Store errors are logged and retried with backoff.
    pub async fn run(self, mut apply: impl FnMut(&[(Number, DncChange)]) + Send) {
        let key = self.key.as_str();
        let answer = self.config.block + ANSWER_MARGIN;
        let mut backoff = BACKOFF_MIN;
        let mut logged_down = false;
        tracing::info!(
            store = self.target.display(),
            stream = key,
            from = %self.status.position(),
            "following the DNC stream"
        );
        loop {
            let mut c = match conn::open(&self.target, answer).await {
                Ok(c) => c,
                Err(e) => {
                    self.down(&e, &mut logged_down);
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                    continue;
                }
            };
            loop {
                let from = self.status.position();
                let read = tokio::time::timeout(
                    answer,
                    xread(key, from, &self.config).query_async::<Value>(&mut c),
                )
                .await;
                let batch = match read {
                    Ok(Ok(v)) => read_reply(v, key),
                    Ok(Err(e)) => Err(StoreError::from_redis(e)),
                    Err(_) => Err(StoreError::Timeout),
                };
                match batch {
                    Ok(batch) => {
                        if logged_down || !self.status.connected() {
                            tracing::info!(stream = key, position = %from, "DNC stream reachable");
                            logged_down = false;
                        }
                        self.status.set_connected(true);
                        backoff = BACKOFF_MIN;
                        self.status.apply(key, batch, &mut apply);
                    }
                    Err(e) => {
                        self.down(&e, &mut logged_down);
                        break;
                    }
                }
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(BACKOFF_MAX);
        }
    }

    fn down(&self, e: &StoreError, logged: &mut bool) {
        self.status.set_connected(false);
        if !*logged {
            let hint = if permanent(e) {
                " (retrying cannot help until this is fixed)"
            } else {
                ""
            };
            tracing::warn!(
                store = self.target.display(),
                stream = %self.key,
                position = %self.status.position(),
                "DNC stream unreachable, retrying{hint}: {e}"
            );
            *logged = true;
        }
    }
}

/// Follows the DNC stream on the calling thread (the C ABI's
/// `chanrac_dnc_follow`): blocks until [`BlockingFollower::stop`] is called
/// (from another thread) or an error that retrying cannot fix.
#[derive(Debug)]
pub struct BlockingFollower {
    target: Target,
    key: String,
    config: FollowConfig,
    status: FollowStatus,
    stop: AtomicBool,
}

impl BlockingFollower {
    /// A follower of the stream at `url`; nothing is opened until
    /// [`BlockingFollower::run`].
    pub fn new(url: &str, config: FollowConfig) -> Result<BlockingFollower, StoreError> {
        Ok(BlockingFollower {
            target: Target::parse(url)?,
            key: stream_key(&config.prefix),
            status: FollowStatus::new(config.from),
            config,
            stop: AtomicBool::new(false),
        })
    }

    /// The stream's key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// What the follower has done, to read while it runs.
    pub fn status(&self) -> FollowStatus {
        self.status.clone()
    }

    /// Asks [`BlockingFollower::run`] to return (within about
    /// [`FollowConfig::block`]); from any thread. Once stopped, a
    /// follower stays stopped: `run` returns at once.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Release);
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    /// Sleeps `d`, waking early when stopped.
    fn pause(&self, d: Duration) {
        let until = Instant::now() + d;
        while !self.stopped() {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            std::thread::sleep(left.min(Duration::from_millis(20)));
        }
    }

    /// Follows the stream, calling `apply` with each batch of changes in
    /// order, until stopped (`Ok`) or an error that retrying cannot fix
    /// (`Err`: the key holds something else, the login is refused). A
    /// store that is down or slow is retried with backoff.
    pub fn run(&self, mut apply: impl FnMut(&[(Number, DncChange)])) -> Result<(), StoreError> {
        let key = self.key.as_str();
        let mut backoff = BACKOFF_MIN;
        let mut logged_down = false;
        while !self.stopped() {
            let mut c = match SyncConn::open(&self.target, self.config.block + ANSWER_MARGIN) {
                Ok(c) => c,
                Err(e) if permanent(&e) => return Err(e),
                Err(e) => {
                    self.status.set_connected(false);
                    if !logged_down {
                        tracing::warn!(stream = key, "DNC stream unreachable, retrying: {e}");
                        logged_down = true;
                    }
                    self.pause(backoff);
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                    continue;
                }
            };
            while !self.stopped() {
                let from = self.status.position();
                let read = xread(key, from, &self.config)
                    .query::<Value>(c.as_dyn())
                    .map_err(StoreError::from_redis)
                    .and_then(|v| read_reply(v, key));
                match read {
                    Ok(batch) => {
                        self.status.set_connected(true);
                        logged_down = false;
                        backoff = BACKOFF_MIN;
                        self.status.apply(key, batch, &mut apply);
                    }
                    Err(e) if permanent(&e) => {
                        self.status.set_connected(false);
                        return Err(e);
                    }
                    Err(e) => {
                        self.status.set_connected(false);
                        if !logged_down {
                            tracing::warn!(stream = key, "DNC stream unreachable, retrying: {e}");
                            logged_down = true;
                        }
                        break;
                    }
                }
            }
            self.pause(backoff);
            backoff = (backoff * 2).min(BACKOFF_MAX);
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    fn entry(id: &str, fields: &[&str]) -> Value {
        Value::Array(vec![
            bulk(id),
            Value::Array(fields.iter().map(|f| bulk(f)).collect()),
        ])
    }

    #[test]
    fn entry_ids() {
        assert_eq!(EntryId::parse("0-0"), Some(EntryId::ZERO));
        let id = EntryId::parse("1733350000000-7").unwrap();
        assert_eq!(id.to_string(), "1733350000000-7");
        assert!(EntryId::parse("1-2").unwrap() < EntryId::parse("1-10").unwrap());
        assert!(EntryId::parse("2-0").unwrap() > EntryId::parse("1-99").unwrap());
        for bad in [
            "",
            "1",
            "1-",
            "-1",
            "a-1",
            "1-2-3",
            "+1-2",
            "1- 2",
            "99999999999999999999-0",
        ] {
            assert_eq!(EntryId::parse(bad), None, "{bad}");
            assert!(bad.parse::<EntryId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn entries_round_trip_through_their_fields() {
        let e = DncEntry {
            number: n("0912 345 678"),
            change: DncChange::Add(Scopes::CALL),
            time: Some("2026-03-02T02:15:00Z".parse().unwrap()),
            source: "5656".into(),
        };
        let fields = e.fields();
        let names: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
        assert_eq!(names, ["number", "change", "scope", "time", "source"]);
        assert_eq!(fields[0].1, "84912345678");
        assert_eq!(fields[1].1, "add");
        assert_eq!(fields[2].1, "call");
        let back = DncEntry::from_fields(fields.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes())))
            .unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn malformed_entries_say_why() {
        let parse = |f: &[(&str, &str)]| {
            DncEntry::from_fields(f.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes())))
        };
        let ok = parse(&[
            ("number", "0912345678"),
            ("change", "REMOVE"),
            ("scope", "sms"),
        ])
        .unwrap();
        assert_eq!(ok.change, DncChange::Remove(Scopes::SMS));
        assert_eq!(ok.time, None);
        for (fields, why) in [
            (vec![("change", "add"), ("scope", "all")], "no `number`"),
            (
                vec![("number", "x1"), ("change", "add"), ("scope", "all")],
                "bad number `x1`",
            ),
            (
                vec![("number", "0912345678"), ("scope", "all")],
                "no `change`",
            ),
            (
                vec![
                    ("number", "0912345678"),
                    ("change", "drop"),
                    ("scope", "all"),
                ],
                "unknown change `drop`",
            ),
            (
                vec![("number", "0912345678"), ("change", "add")],
                "no `scope`",
            ),
            (
                vec![
                    ("number", "0912345678"),
                    ("change", "add"),
                    ("scope", "fax"),
                ],
                "unknown scope `fax`",
            ),
        ] {
            let e = parse(&fields).unwrap_err();
            assert!(e.contains(why), "{e}");
        }
        let e = DncEntry::from_fields([(&b"number"[..], &[0xff, 0xfe][..])]).unwrap_err();
        assert!(e.contains("not UTF-8"), "{e}");
    }

    #[test]
    fn read_replies_in_resp2_and_resp3() {
        let entries = Value::Array(vec![
            entry(
                "5-0",
                &["number", "0912345678", "change", "add", "scope", "all"],
            ),
            entry("5-1", &["number"]),
        ]);
        let resp2 = Value::Array(vec![Value::Array(vec![bulk("k:dnc"), entries.clone()])]);
        let resp3 = Value::Map(vec![(bulk("k:dnc"), entries)]);
        for v in [resp2, resp3] {
            let got = read_reply(v, "k:dnc").unwrap();
            assert_eq!(got.len(), 2);
            assert_eq!(got[0].0, EntryId { ms: 5, seq: 0 });
            assert_eq!(got[0].1.len(), 3);
            assert_eq!(got[1].1, vec![(b"number".to_vec(), Vec::new())]);
        }
        assert!(read_reply(Value::Nil, "k:dnc").unwrap().is_empty());
        assert!(read_reply(Value::Okay, "k:dnc").is_err());
        assert!(entries_of(Value::Array(vec![Value::Int(3)])).is_err());
        assert!(entries_of(Value::Array(vec![entry("x", &[])])).is_err());
    }

    #[test]
    fn a_batch_applies_the_valid_entries_in_order_and_moves_past_the_rest() {
        let status = FollowStatus::new(EntryId::ZERO);
        let batch = entries_of(Value::Array(vec![
            entry(
                "7-0",
                &[
                    "number",
                    "0912345678",
                    "change",
                    "add",
                    "scope",
                    "all",
                    "time",
                    "x",
                ],
            ),
            entry(
                "7-1",
                &["number", "0912345678", "change", "shout", "scope", "all"],
            ),
            entry(
                "8-0",
                &[
                    "number",
                    "0912345678",
                    "change",
                    "remove",
                    "scope",
                    "sms",
                    "extra",
                    "1",
                ],
            ),
        ]))
        .unwrap();
        let mut seen = Vec::new();
        status.apply("k", batch, &mut |c| seen.push(c.to_vec()));
        assert_eq!(
            seen,
            vec![vec![
                (n("0912345678"), DncChange::Add(Scopes::ALL)),
                (n("0912345678"), DncChange::Remove(Scopes::SMS)),
            ]]
        );
        assert_eq!(status.position(), EntryId { ms: 8, seq: 0 });
        assert_eq!((status.applied(), status.skipped()), (2, 1));
        // Only skipped entries: the position moves, nothing is applied.
        let batch = entries_of(Value::Array(vec![entry("9-0", &[])])).unwrap();
        status.apply("k", batch, &mut |_| panic!("nothing to apply"));
        assert_eq!(status.position(), EntryId { ms: 9, seq: 0 });
        assert_eq!((status.applied(), status.skipped()), (2, 2));
    }
}
