//! Log lines a peer can cause, rate-limited and counted.
//!
//! Every malformed request, unknown method or refused call could write a
//! log line; a peer sending them at line rate would then fill the disk with
//! logs. A [`LogLimit`] lets at most `max` lines through per window; the
//! lines beyond are not written but counted, and the next window opens with
//! one summary line ("suppressed K lines"), so that the log still says how
//! much happened. The clock is the caller's [`Instant`].
//!
//! ```
//! use std::time::{Duration, Instant};
//! use chanrac_sip::limit::{Admit, LogLimit};
//!
//! let mut limit = LogLimit::new(2, Duration::from_secs(10));
//! let t0 = Instant::now();
//! assert_eq!(limit.admit(t0), Admit::Log { suppressed: 0 });
//! assert_eq!(limit.admit(t0), Admit::Log { suppressed: 0 });
//! assert_eq!(limit.admit(t0), Admit::Suppress);
//! // The next window: the line, after a summary of the one suppressed.
//! let t1 = t0 + Duration::from_secs(10);
//! assert_eq!(limit.admit(t1), Admit::Log { suppressed: 1 });
//! assert_eq!((limit.logged(), limit.suppressed()), (3, 1));
//! ```

use std::time::{Duration, Instant};

/// What to do with one log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admit {
    /// Write it; first write a summary line when `suppressed` lines were
    /// left out since the last summary.
    Log {
        /// Lines suppressed since the last summary (0: no summary).
        suppressed: u64,
    },
    /// Leave it out (it is counted).
    Suppress,
}

/// At most `max` log lines per window; the rest counted.
#[derive(Clone, Debug)]
pub struct LogLimit {
    max: u32,
    window: Duration,
    /// When the current window opened.
    start: Option<Instant>,
    /// Lines written in the current window.
    in_window: u32,
    /// Lines suppressed since the last summary.
    pending: u64,
    logged: u64,
    suppressed: u64,
}

impl LogLimit {
    /// At most `max` lines per `window`.
    pub fn new(max: u32, window: Duration) -> LogLimit {
        LogLimit {
            max,
            window,
            start: None,
            in_window: 0,
            pending: 0,
            logged: 0,
            suppressed: 0,
        }
    }

    /// Opens a new window at `now` when the current one is over.
    fn roll(&mut self, now: Instant) {
        let over = self
            .start
            .is_none_or(|s| now.saturating_duration_since(s) >= self.window);
        if over {
            self.start = Some(now);
            self.in_window = 0;
        }
    }

    /// Whether a line about to be written at `now` may be.
    pub fn admit(&mut self, now: Instant) -> Admit {
        self.roll(now);
        if self.in_window < self.max {
            self.in_window += 1;
            self.logged += 1;
            Admit::Log {
                suppressed: std::mem::take(&mut self.pending),
            }
        } else {
            self.pending += 1;
            self.suppressed += 1;
            Admit::Suppress
        }
    }

    /// The count for a summary line due at `now`: lines suppressed in a
    /// window that is over (and not yet summarised). Call it now and then
    /// so that a burst followed by silence is summarised too.
    pub fn flush(&mut self, now: Instant) -> Option<u64> {
        let over = self
            .start
            .is_some_and(|s| now.saturating_duration_since(s) >= self.window);
        if over && self.pending > 0 {
            self.roll(now);
            return Some(std::mem::take(&mut self.pending));
        }
        None
    }

    /// The count for a last summary line (at shutdown): every line
    /// suppressed and not yet summarised.
    pub fn finish(&mut self) -> Option<u64> {
        Some(std::mem::take(&mut self.pending)).filter(|&k| k > 0)
    }

    /// Lines written since the start.
    pub fn logged(&self) -> u64 {
        self.logged
    }

    /// Lines suppressed since the start.
    pub fn suppressed(&self) -> u64 {
        self.suppressed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_writes_max_lines_a_window_and_counts_the_rest() {
        let t0 = Instant::now();
        let mut l = LogLimit::new(3, Duration::from_secs(10));
        let mut written = 0;
        let mut summarised = 0;
        // 10,000 lines over 25 s: three windows (0, 10 and 20 s).
        for i in 0..10_000u64 {
            let at = t0 + Duration::from_micros(i * 2_500);
            match l.admit(at) {
                Admit::Log { suppressed } => {
                    written += 1;
                    summarised += suppressed;
                }
                Admit::Suppress => {}
            }
        }
        assert_eq!(written, 9);
        assert_eq!(l.logged(), 9);
        assert_eq!(l.suppressed(), 10_000 - 9);
        // Two windows summarised as the next one opened; the last one is
        // summarised by flush once it is over, and only once.
        let last = t0 + Duration::from_secs(20);
        assert_eq!(l.flush(last + Duration::from_secs(9)), None);
        let k = l.flush(last + Duration::from_secs(10)).expect("a summary");
        assert_eq!(summarised + k, l.suppressed());
        assert_eq!(l.flush(last + Duration::from_secs(30)), None);
        assert_eq!(l.finish(), None);
    }

    #[test]
    fn finish_summarises_what_is_left() {
        let t0 = Instant::now();
        let mut l = LogLimit::new(1, Duration::from_secs(60));
        assert_eq!(l.admit(t0), Admit::Log { suppressed: 0 });
        assert_eq!(l.admit(t0), Admit::Suppress);
        assert_eq!(l.admit(t0), Admit::Suppress);
        assert_eq!(l.flush(t0 + Duration::from_secs(1)), None, "window open");
        assert_eq!(l.finish(), Some(2));
        assert_eq!(l.finish(), None);
        // No line at all allowed: every one counted.
        let mut none = LogLimit::new(0, Duration::from_secs(1));
        assert_eq!(none.admit(t0), Admit::Suppress);
        assert_eq!(none.flush(t0 + Duration::from_secs(1)), Some(1));
        assert_eq!((none.logged(), none.suppressed()), (0, 1));
    }
}
