//! The sliding 24-hour cap (DOMAIN.md R4, R5; Decree 91 Art.13(5)).
//!
//! CONTRACT.md §3: an ad at time `t` breaks the cap when the advertiser
//! already has `cap` counted ads of that channel to that recipient with time
//! in `(t − 24h, t]`. A [`Recent`] keeps, per pair and channel, the newest
//! counted ad times that can still matter: at most `cap` of them, none older
//! than 24 h before the newest. For events in time order (a log, live
//! traffic) that is exact; `tests/frequency_prop.rs` checks it against a
//! `Vec` holding every timestamp.

/// 24 hours in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// The newest counted ad times of one (advertiser, recipient, channel),
/// ascending, in milliseconds since the Unix epoch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recent {
    times: Vec<i64>,
}

impl Recent {
    /// An empty history.
    pub fn new() -> Recent {
        Recent::default()
    }

    /// Checks an ad at `t` against `cap`: `Ok` when allowed, otherwise
    /// `Err(retry_at)`, the earliest time an ad would be allowed again.
    #[inline]
    pub fn check(&self, t: i64, cap: u32) -> Result<(), i64> {
        let cap = cap as usize;
        if cap == 0 {
            // A cap of zero allows nothing, ever.
            return Err(i64::MAX);
        }
        let lo = t.saturating_sub(DAY_MS);
        // In window: lo < x <= t. Times are ascending.
        let end = self.times.partition_point(|&x| x <= t);
        let start = self.times[..end].partition_point(|&x| x <= lo);
        let n = end - start;
        if n < cap {
            Ok(())
        } else {
            // The cap reopens when the (n − cap + 1)-th oldest leaves the window.
            Err(self.times[start + n - cap].saturating_add(DAY_MS))
        }
    }

    /// Records a counted ad at `t`, keeping at most `cap` times and none
    /// older than 24 h before the newest.
    pub fn commit(&mut self, t: i64, cap: u32) {
        let pos = self.times.partition_point(|&x| x <= t);
        self.times.insert(pos, t);
        let newest = self.times.last().copied().unwrap_or(t);
        let keep_from = self
            .times
            .partition_point(|&x| x <= newest.saturating_sub(DAY_MS));
        let keep_from = keep_from.max(self.times.len().saturating_sub(cap.max(1) as usize));
        if keep_from > 0 {
            self.times.drain(..keep_from);
        }
    }

    /// The times kept, ascending.
    pub fn times(&self) -> &[i64] {
        &self.times
    }

    /// Nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// Drops every time at or before `horizon` (expired).
    pub fn expire(&mut self, horizon: i64) {
        let n = self.times.partition_point(|&x| x <= horizon);
        self.times.drain(..n);
    }
}
