//! The lock-free pair table: open addressing over 32-byte slots of atomics,
//! grown by an incremental migration that every thread helps and nobody
//! waits for.
//!
//! A slot is a key word and three value words (the ledger, the SMS history,
//! the call history; see [`super`]). Keys are claimed by compare-and-swap
//! from `EMPTY` and never removed from a table, so the probe sequence of a
//! key is stable: the first slot on it that is neither another key nor
//! sealed is where the key is, or would be. That is what makes the table
//! safe without locks.
//!
//! **Growth.** When a table is half full, [`Table::wants_growth`] tells the
//! host's maintenance thread (`Engine::maintain`) to allocate a successor
//! twice the size; at 70 %, or when an insert finds its probe sequence
//! full at any load, a check does it itself. Once a successor exists,
//! the old table is migrated a chunk of [`CHUNK`] slots at a time: each
//! check on it migrates one chunk, a maintenance call migrates all. A slot
//! is moved word by word: its value is first written into the successor,
//! then the old word is swapped from that value to `MOVED` (all ones, never
//! a value); if the swap fails a writer got there first, and the copy is
//! redone. Readers that meet `MOVED` follow the successor, where the value
//! already is. Empty slots are sealed (`SEALED`, all ones) so no key can be
//! inserted behind the migration. In a migration the host started with its
//! clock (the successor's `evict_at`), entries whose every word has expired
//! are not copied: that is the table's eviction; a migration a check
//! started copies everything. When every chunk is done the successor
//! becomes current; the old table is freed when its last reader lets go
//! (`Arc`). One thread allocates a successor (`growing`); others carry on,
//! or, if their insert has nowhere else to go, wait for it.
//!
//! A successor may grow before its predecessor's migration is done (a
//! thread holding the predecessor's last chunk may be descheduled while
//! others fill the successor): the migration then writes each value where
//! its key lives now, following `MOVED` words down the chain, by
//! compare-and-swap. If a table cannot grow (allocation failed, or the
//! configured memory limit) and its probe sequences fill up, inserts fail
//! with [`Full`] and the engine's documented fail mode applies — a live
//! entry is never dropped to make room.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// No key in the slot.
pub(super) const EMPTY: u64 = 0;
/// A slot sealed by the migration (key word), or a value word moved to
/// the successor (value word).
pub(super) const MOVED: u64 = u64::MAX;

/// Slots migrated per step.
pub(super) const CHUNK: usize = 64;

/// The longest probe sequence tried before a table counts as full along it.
const PROBE_LIMIT: usize = 128;

const STRIPES: usize = 16;

/// A successor made on the check path: its migration drops nothing (an
/// event's own time is no clock to judge expiry by).
pub(super) const NO_EVICTION: i64 = i64::MIN;

/// The most slots a table may have (2^40: 32 TiB).
const MAX_SLOTS: usize = 1 << 40;

/// The ledger, SMS and call words of a slot.
pub(super) const WORDS: usize = 3;

/// No room for a new pair: the table cannot grow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Full;

#[derive(Default)]
#[repr(C, align(32))]
pub(super) struct Slot {
    key: AtomicU64,
    words: [AtomicU64; WORDS],
}

#[derive(Default)]
#[repr(align(64))]
struct Padded(AtomicUsize);

pub(super) struct Table {
    slots: Box<[Slot]>,
    mask: usize,
    /// Keys claimed, striped by hash so inserts on different cores do not
    /// share a cache line.
    counts: [Padded; STRIPES],
    successor: OnceLock<Arc<Table>>,
    /// Next chunk to migrate, and chunks migrated.
    cursor: AtomicUsize,
    done: AtomicUsize,
    /// When this table is a successor: the time (seconds since the state
    /// epoch, the host's clock) its predecessor's migration judges expiry
    /// at, or [`NO_EVICTION`]. Fixed when the table is made, so it comes
    /// with the successor, atomically.
    evict_at: i64,
    /// A thread is allocating this table's successor.
    growing: AtomicBool,
    /// The per-process hash seed, shared by every table of a chain.
    seed: u64,
    /// Chunks that found no room in the successor (the state is full):
    /// only touched on that failure path and by `maintain`.
    deferred: parking_lot::Mutex<Vec<std::ops::Range<usize>>>,
}

/// Where a key is.
pub(super) enum Found<'t> {
    /// In this table at this slot.
    At(&'t Table, usize),
    /// Not in any table of the chain.
    Absent,
}

impl Table {
    /// A zeroed table of `slots` (a power of two) slots; `None` when the
    /// allocation fails.
    pub(super) fn try_new(slots: usize, seed: u64, evict_at: i64) -> Option<Table> {
        let slots = slots.clamp(CHUNK, MAX_SLOTS).next_power_of_two();
        let mut v: Vec<Slot> = Vec::new();
        v.try_reserve_exact(slots).ok()?;
        v.resize_with(slots, Slot::default);
        Some(Table {
            slots: v.into_boxed_slice(),
            mask: slots - 1,
            counts: Default::default(),
            successor: OnceLock::new(),
            cursor: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            evict_at,
            growing: AtomicBool::new(false),
            seed,
            deferred: parking_lot::Mutex::new(Vec::new()),
        })
    }

    /// The hash of a key: xxh3 under the per-process seed, so nobody can aim
    /// keys at one probe sequence.
    #[inline]
    pub(super) fn hash(&self, key: u64) -> u64 {
        xxhash_rust::xxh3::xxh3_64_with_seed(&key.to_le_bytes(), self.seed)
    }

    pub(super) fn seed(&self) -> u64 {
        self.seed
    }

    pub(super) fn capacity(&self) -> usize {
        self.slots.len()
    }

    pub(super) fn bytes(&self) -> usize {
        self.slots.len() * std::mem::size_of::<Slot>()
    }

    /// Keys claimed in this table (migrated entries included).
    pub(super) fn claimed(&self) -> usize {
        self.counts
            .iter()
            .map(|c| c.0.load(Ordering::Relaxed))
            .sum()
    }

    pub(super) fn successor(&self) -> Option<&Arc<Table>> {
        self.successor.get()
    }

    fn chunks(&self) -> usize {
        self.slots.len() / CHUNK
    }

    /// A successor exists and chunks remain to be claimed.
    #[inline]
    pub(super) fn migrating(&self) -> bool {
        self.successor.get().is_some() && self.cursor.load(Ordering::Relaxed) < self.chunks()
    }

    /// Every chunk has been migrated.
    pub(super) fn migrated(&self) -> bool {
        self.done.load(Ordering::Acquire) >= self.chunks()
    }

    /// Over half full and no successor yet.
    pub(super) fn wants_growth(&self) -> bool {
        self.successor.get().is_none() && self.claimed() * 2 >= self.capacity()
    }

    /// So full that a check grows it rather than wait for the host.
    fn needs_growth(&self) -> bool {
        self.claimed() * 10 >= self.capacity() * 7
    }

    /// Installs `next` as the successor (unless one is there already).
    pub(super) fn install(&self, next: Table) -> &Arc<Table> {
        self.successor.get_or_init(|| Arc::new(next))
    }

    /// Claims the right to allocate the successor; `false` when another
    /// thread holds it.
    pub(super) fn begin_growth(&self) -> bool {
        self.growing
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// The allocation is over (a successor is installed, or it failed).
    pub(super) fn end_growth(&self) {
        self.growing.store(false, Ordering::Release);
    }

    pub(super) fn is_growing(&self) -> bool {
        self.growing.load(Ordering::Acquire)
    }

    #[inline]
    fn slot(&self, i: usize) -> &Slot {
        &self.slots[i & self.mask]
    }

    #[inline]
    pub(super) fn word(&self, i: usize, w: usize) -> &AtomicU64 {
        &self.slot(i).words[w]
    }

    pub(super) fn key_at(&self, i: usize) -> u64 {
        self.slot(i).key.load(Ordering::Acquire)
    }

    /// Finds `key` along the chain starting at this table; with `insert`,
    /// claims a slot for it when absent. `grow` is called (with the table
    /// that needs it) when an insert finds a table too full.
    pub(super) fn find<'t>(
        &'t self,
        key: u64,
        hash: u64,
        insert: bool,
        grow: &mut dyn FnMut(&Table, bool) -> Result<(), Full>,
    ) -> Result<Found<'t>, Full> {
        let mut t = self;
        'tables: loop {
            let start = hash as usize;
            let mut i = 0;
            while i < PROBE_LIMIT.min(t.slots.len()) {
                let idx = (start + i) & t.mask;
                let s = &t.slots[idx];
                let k = s.key.load(Ordering::Acquire);
                if k == key {
                    return Ok(Found::At(t, idx));
                }
                if k == MOVED {
                    // Sealed: the key is not here and never will be.
                    match t.successor.get() {
                        Some(next) => {
                            t = next;
                            continue 'tables;
                        }
                        None => return Ok(Found::Absent),
                    }
                }
                if k == EMPTY {
                    if !insert {
                        return Ok(Found::Absent);
                    }
                    match s
                        .key
                        .compare_exchange(EMPTY, key, Ordering::AcqRel, Ordering::Acquire)
                    {
                        Ok(_) => {
                            let c = &t.counts[(hash >> 60) as usize % STRIPES].0;
                            let n = c.fetch_add(1, Ordering::Relaxed) + 1;
                            if n.is_multiple_of(64)
                                && t.successor.get().is_none()
                                && t.needs_growth()
                            {
                                // Too full to wait for the host: grow now
                                // (or learn that we cannot). The key just
                                // claimed here is moved by the migration.
                                let _ = grow(t, false);
                            }
                            return Ok(Found::At(t, idx));
                        }
                        // Someone claimed or sealed it: look at it again.
                        Err(_) => continue,
                    }
                }
                i += 1;
            }
            // The probe sequence is full of other keys.
            if let Some(next) = t.successor.get() {
                t = next;
                continue 'tables;
            }
            if !insert {
                return Ok(Found::Absent);
            }
            grow(t, true)?;
            match t.successor.get() {
                Some(next) => t = next,
                None => return Err(Full),
            }
        }
    }

    /// Claims the next chunk to migrate: its slot range.
    pub(super) fn claim_chunk(&self) -> Option<std::ops::Range<usize>> {
        self.successor.get()?;
        let c = self.cursor.fetch_add(1, Ordering::AcqRel);
        (c < self.chunks()).then(|| c * CHUNK..(c + 1) * CHUNK)
    }

    /// A claimed chunk could not be migrated (no room below); `maintain`
    /// takes it back with [`Table::take_deferred`].
    pub(super) fn defer_chunk(&self, range: std::ops::Range<usize>) {
        self.deferred.lock().push(range);
    }

    pub(super) fn take_deferred(&self) -> Option<std::ops::Range<usize>> {
        self.deferred.lock().pop()
    }

    pub(super) fn has_deferred(&self) -> bool {
        !self.deferred.lock().is_empty()
    }

    /// A claimed chunk is migrated.
    pub(super) fn finish_chunk(&self) {
        self.done.fetch_add(1, Ordering::AcqRel);
    }

    /// The time the migration to the successor judges expiry at, if it
    /// evicts at all.
    pub(super) fn evict_at(&self) -> Option<i64> {
        let at = self.successor.get()?.evict_at;
        (at != NO_EVICTION).then_some(at)
    }

    /// Seals slot `i` if it is empty; returns its key otherwise.
    pub(super) fn seal_or_key(&self, i: usize) -> u64 {
        let s = self.slot(i);
        match s
            .key
            .compare_exchange(EMPTY, MOVED, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => MOVED,
            Err(k) => k,
        }
    }
}
