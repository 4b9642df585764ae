//! The sliding 24-hour cap (rules R4, R5 of docs/rules.md; Decree 91 Art.13(5)).
//!
//! An ad at time `t` breaks the cap when the advertiser
//! already has `cap` counted ads of that channel to that recipient with time
//! in `(t − 24h, t]`. A [`Recent`] keeps, per pair and channel, the newest
//! counted ad times that can still matter — at most [`MAX_CAP`] of them, none
//! older than 24 h before the newest — packed in one `u64` so the state table
//! updates it with a single compare-and-swap:
//!
//! ```text
//! bit 63 ........ 34 33 ........ 17 16 ......... 0
//!     newest (30 bits) d1 (17 bits)   d2 (17 bits)
//! ```
//!
//! `newest` is the newest time in seconds since [`EPOCH_S`] (2020-01-01 UTC)
//! plus one (0: nothing kept); `d1`, `d2` are how many seconds older the
//! second and third newest are (`0x1FFFF`: none). Times are kept to the
//! second (truncated): two ads less than a second apart across the 24 h
//! boundary compare by their whole seconds. The all-ones word is never an
//! encoding; the table uses it to mark a word moved to a larger table.
//!
//! For events in time order (a log, live traffic) this is exact;
//! `tests/lists_prop.rs` checks it against a `Vec` holding every timestamp.

/// 24 hours in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// 24 hours in seconds.
pub const DAY_S: i64 = 86_400;

/// The origin of the packed times: 2020-01-01T00:00:00Z, before Decree 91
/// took effect (2020-10-01). Earlier times are kept as this second.
pub const EPOCH_S: i64 = 1_577_836_800;

/// The largest cap a packed word can enforce: three times are kept. Decree
/// 91 Art.13(5) allows at most 3 ad SMS and 1 ad call; a larger configured
/// cap is enforced as 3 (the policy loader refuses one).
pub const MAX_CAP: u32 = 3;

const NEWEST_BITS: u32 = 30;
const DELTA_BITS: u32 = 17;
const DELTA_NONE: u64 = (1 << DELTA_BITS) - 1;
/// The largest `newest` field (one below all ones, so no word is all ones):
/// 2054-01-09.
const NEWEST_MAX: i64 = (1 << NEWEST_BITS) - 2;

/// Seconds since [`EPOCH_S`] of a time in Unix milliseconds, saturated to
/// what a packed word holds.
#[inline]
pub fn rel_secs(t_ms: i64) -> i64 {
    (t_ms.div_euclid(1000) - EPOCH_S).clamp(0, NEWEST_MAX - 1)
}

/// Unix milliseconds of a time in seconds since [`EPOCH_S`].
#[inline]
pub fn unix_ms(rel: i64) -> i64 {
    (rel + EPOCH_S) * 1000
}

/// The newest counted ad times of one (advertiser, recipient, channel),
/// packed in one word (see the module docs).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Recent(u64);

impl std::fmt::Debug for Recent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.times_ms()).finish()
    }
}

impl Recent {
    /// Nothing kept.
    pub const EMPTY: Recent = Recent(0);

    /// An empty history.
    pub fn new() -> Recent {
        Recent::EMPTY
    }

    /// The packed word.
    #[inline]
    pub fn bits(self) -> u64 {
        self.0
    }

    /// From a packed word.
    #[inline]
    pub fn from_bits(w: u64) -> Recent {
        Recent(w)
    }

    /// The kept times in seconds since [`EPOCH_S`], ascending, and how many.
    #[inline]
    fn times(self) -> ([i64; 3], usize) {
        let newest = (self.0 >> (2 * DELTA_BITS)) as i64;
        if newest == 0 {
            return ([0; 3], 0);
        }
        let newest = newest - 1;
        let d1 = (self.0 >> DELTA_BITS) & DELTA_NONE;
        let d2 = self.0 & DELTA_NONE;
        match (d1 == DELTA_NONE, d2 == DELTA_NONE) {
            (true, _) => ([newest, 0, 0], 1),
            (false, true) => ([newest - d1 as i64, newest, 0], 2),
            (false, false) => ([newest - d2 as i64, newest - d1 as i64, newest], 3),
        }
    }

    /// Packs ascending times (seconds since [`EPOCH_S`]): the newest three,
    /// none older than 24 h before the newest.
    fn pack(times: &[i64]) -> Recent {
        let Some(&newest) = times.last() else {
            return Recent::EMPTY;
        };
        let newest = newest.clamp(0, NEWEST_MAX - 1);
        let mut w = ((newest + 1) as u64) << (2 * DELTA_BITS);
        let mut d = [DELTA_NONE; 2];
        let older = &times[..times.len() - 1];
        for (slot, &x) in d.iter_mut().zip(older.iter().rev()) {
            let delta = newest - x;
            if !(0..DAY_S).contains(&delta) {
                break;
            }
            *slot = delta as u64;
        }
        if d[0] == DELTA_NONE {
            d[1] = DELTA_NONE;
        }
        w |= d[0] << DELTA_BITS | d[1];
        Recent(w)
    }

    /// Checks an ad at `t` (seconds since [`EPOCH_S`]) against `cap`
    /// (at most [`MAX_CAP`]): `Ok` when allowed, otherwise `Err(retry_at)`,
    /// the earliest second an ad would be allowed again.
    #[inline]
    pub fn check(self, t: i64, cap: u32) -> Result<(), i64> {
        let cap = cap.min(MAX_CAP) as usize;
        if cap == 0 {
            // A cap of zero allows nothing, ever.
            return Err(i64::MAX);
        }
        let (times, len) = self.times();
        let lo = t - DAY_S;
        let mut window = [0i64; 3];
        let mut n = 0;
        for &x in &times[..len] {
            if lo < x && x <= t {
                window[n] = x;
                n += 1;
            }
        }
        if n < cap {
            Ok(())
        } else {
            // The cap reopens when the (n − cap + 1)-th oldest leaves the window.
            Err(window[n - cap] + DAY_S)
        }
    }

    /// The history after counting an ad at `t` (seconds since [`EPOCH_S`]).
    #[inline]
    pub fn commit(self, t: i64) -> Recent {
        let (times, len) = self.times();
        let mut all = [0i64; 4];
        all[..len].copy_from_slice(&times[..len]);
        all[len] = t;
        let all = &mut all[..=len];
        all.sort_unstable();
        let newest = all[len];
        let start = all.partition_point(|&x| x <= newest - DAY_S);
        let start = start.max(all.len().saturating_sub(MAX_CAP as usize));
        Recent::pack(&all[start..])
    }

    /// The history without one ad counted at `t` (seconds since
    /// [`EPOCH_S`]), given back because it never reached the subscriber;
    /// `None` when no ad at `t` is kept.
    pub fn without(self, t: i64) -> Option<Recent> {
        let (times, len) = self.times();
        let kept = &times[..len];
        let at = kept.iter().position(|&x| x == t)?;
        let mut rest = [0i64; 3];
        let mut n = 0;
        for (i, &x) in kept.iter().enumerate() {
            if i != at {
                rest[n] = x;
                n += 1;
            }
        }
        Some(Recent::pack(&rest[..n]))
    }

    /// Whether every kept time is at or before `horizon` (seconds since
    /// [`EPOCH_S`]): the history no longer matters for ads after
    /// `horizon + 24h`.
    pub fn expired_by(self, horizon: i64) -> bool {
        let (times, len) = self.times();
        len == 0 || times[len - 1] <= horizon
    }

    /// The kept times as Unix milliseconds, ascending.
    pub fn times_ms(self) -> impl Iterator<Item = i64> {
        let (times, len) = self.times();
        times.into_iter().take(len).map(unix_ms)
    }

    /// Nothing is kept.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ad_given_back_is_no_longer_counted() {
        let r = Recent::EMPTY.commit(100).commit(200).commit(300);
        assert_eq!(r.check(400, 3), Err(100 + DAY_S));
        let back = r.without(200).unwrap();
        assert_eq!(back.check(400, 3), Ok(()));
        assert_eq!(back, Recent::EMPTY.commit(100).commit(300));
        assert_eq!(back.without(200), None, "given back once");
        assert_eq!(Recent::EMPTY.commit(5).without(5), Some(Recent::EMPTY));
        // Two ads in the same second: one given back, one kept.
        let twice = Recent::EMPTY.commit(7).commit(7);
        assert_eq!(twice.without(7), Some(Recent::EMPTY.commit(7)));
    }

    #[test]
    fn packs_three_newest_within_a_day() {
        let mut r = Recent::EMPTY;
        for t in [100, 200, 300, 400] {
            r = r.commit(t);
        }
        assert_eq!(r.times(), ([200, 300, 400], 3));
        // An ad a day after the newest drops everything older than 24 h.
        r = r.commit(400 + DAY_S);
        assert_eq!(r.times().1, 1);
        assert_ne!(r.bits(), u64::MAX);
    }

    #[test]
    fn boundary_is_half_open() {
        let r = Recent::EMPTY.commit(1000);
        assert_eq!(r.check(1000 + DAY_S - 1, 1), Err(1000 + DAY_S));
        assert_eq!(r.check(1000 + DAY_S, 1), Ok(()));
        assert_eq!(r.check(1000, 2), Ok(()));
        assert_eq!(r.check(1000, 0), Err(i64::MAX));
    }

    #[test]
    fn same_second_counts_each() {
        let r = Recent::EMPTY.commit(5).commit(5).commit(5);
        assert_eq!(r.check(5, 3), Err(5 + DAY_S));
        assert_eq!(r.times(), ([5, 5, 5], 3));
    }

    #[test]
    fn saturates_at_the_ends_of_the_range() {
        let r = Recent::EMPTY.commit(rel_secs(i64::MAX));
        assert_ne!(r.bits(), u64::MAX);
        assert_eq!(rel_secs(0), 0);
    }
}
