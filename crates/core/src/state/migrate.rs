//! The pair table's growth and migration, as the [`State`] drives it:
//! allocating a successor (twice the size, or at the memory limit the same
//! size to reclaim what expired), moving chunks of slots word by word with
//! every thread helping, and following moved words to where a key lives
//! now. The table's own side (slots, claiming, sealing) is in `table`;
//! the whole scheme is described in the `state` module docs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::frequency::{Recent, DAY_S};
use super::table::{self, Found, Full, Table, MOVED};
use super::{Ledger, State, LEDGER, MIN_RETENTION_DAYS};

/// What a migration judged by the host's clock may drop.
pub(super) struct Retention {
    ledger_s: i64,
}

impl Retention {
    /// Whether word `w` holding `v` no longer matters at `now` (seconds
    /// since the epoch): a migration may drop it.
    fn expired(&self, w: usize, v: u64, now: i64) -> bool {
        if w == LEDGER {
            Ledger(v).expired(now, self.ledger_s)
        } else {
            // An hour of slack for events that arrive late.
            Recent::from_bits(v).expired_by(now - DAY_S - LATE_SLACK_S)
        }
    }
}

/// Ads are kept this long past their 24 hours, for events the host stamps
/// late.
const LATE_SLACK_S: i64 = 3600;

/// A full table is copied into one of the same size to drop what expired
/// at most this often (seconds of the host's clock).
const RECLAIM_EVERY_S: i64 = 3600;

impl State {
    pub(super) fn retention(&self) -> Retention {
        Retention {
            // Decree 91 Art.11: at least a year, whatever the config says.
            ledger_s: i64::from(self.config.retention_days.max(MIN_RETENTION_DAYS)) * DAY_S,
        }
    }

    /// Gives `t` a successor twice its size, unless it has one, or is not
    /// half full and `wait` is not set. `evict_at` is the host's clock (from
    /// [`State::maintain`]): only then may the migration drop expired
    /// entries, and, when the memory limit refuses a larger table, a
    /// successor of the same size is made to reclaim them (at most once an
    /// hour). A check passes `None`: an event's own time is not trusted to
    /// judge expiry by. `wait` is set by an insert whose probe sequence ran
    /// full (and by the host's upkeep, which asks only of a table half full):
    /// that insert has nowhere else to go, so the table grows whatever its
    /// load — a successor filled while its predecessor's migration waits
    /// holds mostly the keys that their full probe runs there sent on, which
    /// crowd a few regions, and a run of the probe limit (128 slots) can fill
    /// well under half full (seen at 40 % in the contention tests) — and a
    /// thread that finds another one allocating waits for it; without
    /// `wait`, it carries on.
    pub(super) fn grow(&self, t: &Table, evict_at: Option<i64>, wait: bool) -> Result<(), Full> {
        if t.successor().is_some() || !wait && !t.wants_growth() {
            return Ok(());
        }
        if !t.begin_growth() {
            if !wait {
                return Ok(());
            }
            while t.successor().is_none() && t.is_growing() {
                std::thread::yield_now();
            }
            return if t.successor().is_some() {
                Ok(())
            } else {
                Err(Full)
            };
        }
        let r = self.allocate_successor(t, evict_at);
        t.end_growth();
        r
    }

    fn allocate_successor(&self, t: &Table, evict_at: Option<i64>) -> Result<(), Full> {
        if t.successor().is_some() {
            return Ok(());
        }
        // The tables alive now: the current one and its successors.
        let first = self.current.load_full();
        let mut live = 0;
        let mut cur: Option<&Table> = Some(&first);
        while let Some(x) = cur {
            live += x.bytes();
            cur = x.successor().map(|s| &**s);
        }
        let fits = |slots: usize| {
            self.config
                .max_bytes
                .is_none_or(|max| live + slots * std::mem::size_of::<u64>() * 4 <= max)
        };
        let mut slots = t.capacity() * 2;
        if !fits(slots) {
            // No room to double: reclaim what has expired into a table of
            // the same size, if the host's clock says it is worth a pass.
            let last = self.last_reclaim.load(Ordering::Acquire);
            let due = evict_at.is_some_and(|now| now - last >= RECLAIM_EVERY_S);
            if !(due && fits(t.capacity())) {
                return Err(Full);
            }
            slots = t.capacity();
            if let Some(now) = evict_at {
                self.last_reclaim.store(now, Ordering::Release);
            }
        }
        let next =
            Table::try_new(slots, t.seed(), evict_at.unwrap_or(table::NO_EVICTION)).ok_or(Full)?;
        t.install(next);
        self.migrations.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// After an operation on `cur`: migrate one chunk if a migration runs,
    /// and make the successor current once it is done.
    #[inline]
    pub(super) fn after_op(&self, cur: &Arc<Table>) {
        if let Some(next) = cur.successor() {
            if cur.migrating() {
                self.help(cur);
            }
            if cur.migrated() {
                self.current.compare_and_swap(cur, next.clone());
            }
        }
    }

    /// Migrates one chunk of `t` to its successor, if any is left; returns
    /// whether it did.
    pub(super) fn help(&self, t: &Table) -> bool {
        let Some(range) = t.claim_chunk() else {
            return false;
        };
        self.migrate_chunk(t, range);
        true
    }

    pub(super) fn migrate_chunk(&self, t: &Table, range: std::ops::Range<usize>) {
        let now = t.evict_at();
        let retention = self.retention();
        for i in range.clone() {
            if !self.migrate_slot(t, i, now, &retention) {
                // No room below: this chunk stays unfinished (its live words
                // stay here, in use) until `maintain` retries it.
                t.defer_chunk(range);
                return;
            }
        }
        t.finish_chunk();
    }

    /// Moves slot `i` of `t` to the successor, word by word: the value is
    /// written where the key lives below `t` (by compare-and-swap, following
    /// `MOVED` words if the successor migrates too), then the word here is
    /// swapped from that value to `MOVED`; if a writer changed it meanwhile,
    /// the copy is redone. Expired values are not copied.
    fn migrate_slot(&self, t: &Table, i: usize, now: Option<i64>, retention: &Retention) -> bool {
        let key = t.seal_or_key(i);
        if key == MOVED {
            return true;
        }
        let Some(next) = t.successor() else {
            return true;
        };
        let mut dst: Option<(&Table, usize)> = None;
        for w in 0..table::WORDS {
            loop {
                let v = t.word(i, w).load(Ordering::Acquire);
                if v == MOVED {
                    break;
                }
                if v != 0 && !now.is_some_and(|now| retention.expired(w, v, now)) {
                    let (dt, di) = match dst {
                        Some(d) => d,
                        None => {
                            match next.find(key, next.hash(key), true, &mut |x, wait| {
                                self.grow(x, None, wait)
                            }) {
                                Ok(Found::At(dt, di)) => *dst.insert((dt, di)),
                                // No room below: the word stays here, live.
                                _ => return false,
                            }
                        }
                    };
                    loop {
                        match self.resolve(dt, di, key, w, true) {
                            Ok(Some((dw, dv))) => {
                                if dv == v
                                    || dw
                                        .compare_exchange(
                                            dv,
                                            v,
                                            Ordering::AcqRel,
                                            Ordering::Acquire,
                                        )
                                        .is_ok()
                                {
                                    break;
                                }
                            }
                            _ => return false,
                        }
                    }
                }
                if t.word(i, w)
                    .compare_exchange(v, MOVED, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
                {
                    break;
                }
            }
        }
        true
    }

    /// Word `w` of the key found at (`t`, `i`), following moved words to
    /// the successor; with `insert`, a slot is claimed there when the key
    /// was not copied (all its words had expired). `None`: not present, so
    /// its value is 0.
    #[allow(clippy::type_complexity)]
    pub(super) fn resolve<'t>(
        &self,
        mut t: &'t Table,
        mut i: usize,
        key: u64,
        w: usize,
        insert: bool,
    ) -> Result<Option<(&'t AtomicU64, u64)>, Full> {
        loop {
            let a = t.word(i, w);
            let v = a.load(Ordering::Acquire);
            if v != MOVED {
                return Ok(Some((a, v)));
            }
            let Some(next) = t.successor() else {
                return Ok(None);
            };
            let next: &'t Table = next;
            match next.find(key, next.hash(key), insert, &mut |x, wait| {
                self.grow(x, None, wait)
            })? {
                Found::At(nt, ni) => {
                    t = nt;
                    i = ni;
                }
                Found::Absent => return Ok(None),
            }
        }
    }
}
