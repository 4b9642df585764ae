//! Bounds on what a peer controls: how many connections it holds, how long
//! it may stay unbound, idle or halfway through a PDU, how many answers may
//! wait for it to read them, how fast it may guess passwords and how many
//! log lines it may cause. The defaults are [`PeerLimits::default`]; the
//! command line of `chanrac-smpp` sets each one (table in the crate docs).
//!
//! Everything here runs on tokio's clock ([`tokio::time::Instant`]), so the
//! tests drive it with a paused clock.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv6Addr};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// The bounds of the proxy's sessions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerLimits {
    /// Most ESME connections open at once; one more takes the place of the
    /// oldest connection that has not bound ([`ConnLimiter`]), or is closed
    /// at once when all are bound.
    pub max_connections: usize,
    /// Most connections open at once from one source (an IPv4 address or
    /// an IPv6 /64).
    pub max_connections_per_source: usize,
    /// A connection that has not bound this long after it opened is closed.
    pub bind_timeout: Duration,
    /// A bound session silent this long is sent an `enquire_link`.
    pub idle_timeout: Duration,
    /// After that `enquire_link`, a session silent this long more is closed.
    pub enquire_link_timeout: Duration,
    /// A PDU must arrive whole within this long of its first octet.
    pub pdu_timeout: Duration,
    /// Most octets of answers queued for one session (not yet written to
    /// its socket). At the bound the proxy stops reading that session's
    /// requests until the queue drains; answers are never dropped.
    pub max_queued_bytes: usize,
    /// A session whose queue stays at the bound this long (the ESME does
    /// not read its answers) is closed at once, with what is queued for it.
    pub write_timeout: Duration,
    /// The delay added to a bind after the first failed bind from its
    /// source; doubled with every further failure.
    pub bind_delay: Duration,
    /// The largest bind delay.
    pub bind_delay_max: Duration,
    /// A source with no failed bind for this long starts afresh (so does
    /// one that binds successfully).
    pub bind_quiet: Duration,
    /// Most log lines a peer can cause (malformed PDUs, unknown commands,
    /// refused binds and connections, timeouts) per [`PeerLimits::log_window`],
    /// over all sessions; the rest are counted and summarised.
    pub log_lines: u32,
    /// The window of [`PeerLimits::log_lines`].
    pub log_window: Duration,
}

impl Default for PeerLimits {
    fn default() -> PeerLimits {
        PeerLimits {
            max_connections: 1_000,
            max_connections_per_source: 64,
            bind_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(90),
            enquire_link_timeout: Duration::from_secs(10),
            pdu_timeout: Duration::from_secs(10),
            max_queued_bytes: 64 * 1024,
            write_timeout: Duration::from_secs(30),
            bind_delay: Duration::from_secs(1),
            bind_delay_max: Duration::from_secs(32),
            bind_quiet: Duration::from_secs(300),
            log_lines: 20,
            log_window: Duration::from_secs(10),
        }
    }
}

/// The source a limit counts by: an IPv4 address (an IPv4-mapped IPv6 one
/// too) or the /64 of an IPv6 address (one host usually holds a whole /64).
pub fn source_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// Counters of what the limits did, for logs, tests and metrics.
#[derive(Debug, Default)]
pub struct Counters {
    /// Connections open now.
    pub connections_open: AtomicUsize,
    /// Connections closed at once because of a connection limit.
    pub connections_refused: AtomicU64,
    /// Connections that had not bound, closed to make room for a new one.
    pub connections_evicted: AtomicU64,
    /// Connections closed because they did not bind in time.
    pub bind_timeouts: AtomicU64,
    /// Sessions closed because they stayed silent after an `enquire_link`.
    pub idle_timeouts: AtomicU64,
    /// Sessions closed because a PDU did not arrive whole in time.
    pub pdu_timeouts: AtomicU64,
    /// Sessions closed because they did not read their answers.
    pub write_timeouts: AtomicU64,
    /// Times a session's reading was paused because its answers queued up.
    pub read_pauses: AtomicU64,
    /// Octets of answers queued now, over all sessions.
    pub queued_bytes: AtomicUsize,
    /// The most octets of answers ever queued at once, over all sessions.
    pub queued_bytes_peak: AtomicUsize,
    /// Binds refused (unknown account or wrong password).
    pub binds_refused: AtomicU64,
    /// Binds answered late because of earlier failed binds from the source.
    pub binds_delayed: AtomicU64,
    /// Log lines not written because of the log limit.
    pub log_lines_suppressed: AtomicU64,
}

/// A snapshot of [`Counters`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Connections open now.
    pub connections_open: usize,
    /// Connections closed at once because of a connection limit.
    pub connections_refused: u64,
    /// Connections that had not bound, closed to make room for a new one.
    pub connections_evicted: u64,
    /// Connections closed because they did not bind in time.
    pub bind_timeouts: u64,
    /// Sessions closed because they stayed silent after an `enquire_link`.
    pub idle_timeouts: u64,
    /// Sessions closed because a PDU did not arrive whole in time.
    pub pdu_timeouts: u64,
    /// Sessions closed because they did not read their answers.
    pub write_timeouts: u64,
    /// Times a session's reading was paused because its answers queued up.
    pub read_pauses: u64,
    /// Octets of answers queued now.
    pub queued_bytes: usize,
    /// The most octets of answers ever queued at once.
    pub queued_bytes_peak: usize,
    /// Binds refused.
    pub binds_refused: u64,
    /// Binds answered late.
    pub binds_delayed: u64,
    /// Log lines suppressed.
    pub log_lines_suppressed: u64,
}

impl Counters {
    /// The counters now.
    pub fn snapshot(&self) -> Stats {
        let r = Ordering::Relaxed;
        Stats {
            connections_open: self.connections_open.load(r),
            connections_refused: self.connections_refused.load(r),
            connections_evicted: self.connections_evicted.load(r),
            bind_timeouts: self.bind_timeouts.load(r),
            idle_timeouts: self.idle_timeouts.load(r),
            pdu_timeouts: self.pdu_timeouts.load(r),
            write_timeouts: self.write_timeouts.load(r),
            read_pauses: self.read_pauses.load(r),
            queued_bytes: self.queued_bytes.load(r),
            queued_bytes_peak: self.queued_bytes_peak.load(r),
            binds_refused: self.binds_refused.load(r),
            binds_delayed: self.binds_delayed.load(r),
            log_lines_suppressed: self.log_lines_suppressed.load(r),
        }
    }

    pub(crate) fn bump(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }
}

/// Why a connection was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// [`PeerLimits::max_connections`] are open and all of them are bound.
    Total,
    /// [`PeerLimits::max_connections_per_source`] are open from this source.
    PerSource,
}

/// Counts the open connections, in total and per source. When all
/// [`PeerLimits::max_connections`] are taken, the oldest connection that
/// has not bound yet is closed to make room ([`ConnSlot::evicted`]), so
/// connections that never bind cannot lock out the ESMEs that do: only
/// bound sessions fill the proxy for good.
#[derive(Debug)]
pub struct ConnLimiter {
    max_total: usize,
    max_per_source: usize,
    open: Mutex<Open>,
    counters: Arc<Counters>,
}

#[derive(Debug, Default)]
struct Open {
    total: usize,
    per_source: HashMap<IpAddr, usize>,
    /// The connections that have not bound, oldest first (entries of bound
    /// or closed ones are skipped when met).
    unbound: VecDeque<Weak<SlotState>>,
}

#[derive(Debug)]
struct SlotState {
    source: IpAddr,
    bound: AtomicBool,
    /// Its place was given back (evicted, or closed).
    released: AtomicBool,
    evict: Notify,
}

/// An open connection's place in a [`ConnLimiter`]; given back on drop.
#[derive(Debug)]
pub struct ConnSlot {
    limiter: Arc<ConnLimiter>,
    state: Arc<SlotState>,
}

impl ConnLimiter {
    /// A limiter of `max_total` connections, `max_per_source` per source.
    pub fn new(max_total: usize, max_per_source: usize, counters: Arc<Counters>) -> ConnLimiter {
        ConnLimiter {
            max_total,
            max_per_source,
            open: Mutex::new(Open::default()),
            counters,
        }
    }

    /// A place for a connection from `ip`, or why there is none. The maps
    /// hold only open connections, so they are bounded by `max_total`.
    pub fn try_acquire(self: &Arc<Self>, ip: IpAddr) -> Result<ConnSlot, Refused> {
        let source = source_of(ip);
        let Ok(mut open) = self.open.lock() else {
            return Err(Refused::Total);
        };
        if open.per_source.get(&source).copied().unwrap_or(0) >= self.max_per_source {
            return Err(Refused::PerSource);
        }
        while open.total >= self.max_total {
            let Some(oldest) = open.unbound.pop_front() else {
                return Err(Refused::Total);
            };
            let Some(st) = oldest.upgrade() else {
                continue;
            };
            if st.bound.load(Ordering::Acquire) || st.released.swap(true, Ordering::AcqRel) {
                continue;
            }
            self.release(&mut open, st.source);
            st.evict.notify_one();
            Counters::bump(&self.counters.connections_evicted);
        }
        if open.unbound.len() >= self.max_total.saturating_mul(2).max(16) {
            open.unbound.retain(|w| {
                w.upgrade()
                    .is_some_and(|st| !st.bound.load(Ordering::Acquire))
            });
        }
        let state = Arc::new(SlotState {
            source,
            bound: AtomicBool::new(false),
            released: AtomicBool::new(false),
            evict: Notify::new(),
        });
        open.unbound.push_back(Arc::downgrade(&state));
        *open.per_source.entry(source).or_insert(0) += 1;
        open.total += 1;
        self.counters
            .connections_open
            .store(open.total, Ordering::Relaxed);
        Ok(ConnSlot {
            limiter: self.clone(),
            state,
        })
    }

    fn release(&self, open: &mut Open, source: IpAddr) {
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.per_source.get_mut(&source) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.per_source.remove(&source);
            }
        }
        self.counters
            .connections_open
            .store(open.total, Ordering::Relaxed);
    }
}

impl ConnSlot {
    /// The connection bound: it is never closed to make room.
    pub fn mark_bound(&self) {
        self.state.bound.store(true, Ordering::Release);
    }

    /// Completes when the connection was chosen to make room for a new
    /// one (it had not bound): close it.
    pub async fn evicted(&self) {
        self.state.evict.notified().await;
    }
}

impl Drop for ConnSlot {
    fn drop(&mut self) {
        if self.state.released.swap(true, Ordering::AcqRel) {
            return;
        }
        if let Ok(mut open) = self.limiter.open.lock() {
            self.limiter.release(&mut open, self.state.source);
        }
    }
}

/// What [`LogLimiter::admit`] allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admit {
    /// Write this line.
    pub log: bool,
    /// Lines suppressed in the windows before this one, not yet reported:
    /// write one summary line for them.
    pub suppressed: u64,
}

/// At most `lines` log lines per `window`; the rest counted and reported in
/// one summary line when a later window opens.
#[derive(Debug)]
pub struct LogLimiter {
    lines: u32,
    window: Duration,
    state: Mutex<LogWindow>,
    counters: Arc<Counters>,
}

#[derive(Debug)]
struct LogWindow {
    start: Instant,
    written: u32,
    suppressed: u64,
}

impl LogLimiter {
    /// A limiter of `lines` per `window`.
    pub fn new(lines: u32, window: Duration, counters: Arc<Counters>) -> LogLimiter {
        LogLimiter {
            lines,
            window,
            state: Mutex::new(LogWindow {
                start: Instant::now(),
                written: 0,
                suppressed: 0,
            }),
            counters,
        }
    }

    fn roll(&self, w: &mut LogWindow, now: Instant) -> u64 {
        if now.saturating_duration_since(w.start) < self.window {
            return 0;
        }
        w.start = now;
        w.written = 0;
        std::mem::take(&mut w.suppressed)
    }

    /// Whether one more line may be written now.
    pub fn admit(&self) -> Admit {
        let Ok(mut w) = self.state.lock() else {
            return Admit {
                log: false,
                suppressed: 0,
            };
        };
        let suppressed = self.roll(&mut w, Instant::now());
        let log = w.written < self.lines;
        if log {
            w.written += 1;
        } else {
            w.suppressed += 1;
            Counters::bump(&self.counters.log_lines_suppressed);
        }
        Admit { log, suppressed }
    }

    /// Lines suppressed in finished windows and not yet reported (for a
    /// timer, so the summary comes even when no later line does).
    pub fn flush(&self) -> u64 {
        match self.state.lock() {
            Ok(mut w) => self.roll(&mut w, Instant::now()),
            Err(_) => 0,
        }
    }
}

/// Writes a summary line for `n` suppressed lines (when `n > 0`).
pub fn report_suppressed(n: u64) {
    if n > 0 {
        tracing::warn!(suppressed = n, "{n} log lines suppressed (log limit)");
    }
}

/// Slows down password guessing: after failed binds from a source, every
/// bind from it is answered later, 1 s, 2 s, 4 s … after the previous
/// failure (doubling up to a cap), one at a time, whatever the outcome, so
/// an early answer tells nothing and parallel connections do not multiply
/// the guesses. A success or a quiet period starts the source afresh.
#[derive(Debug)]
pub struct BindPenalty {
    base: Duration,
    cap: Duration,
    quiet: Duration,
    max_sources: usize,
    sources: Mutex<HashMap<IpAddr, Penalty>>,
}

#[derive(Clone, Copy, Debug)]
struct Penalty {
    failures: u32,
    last_failure: Instant,
    /// When the next bind from the source may be answered.
    next_free: Instant,
}

/// Sources beyond the table's size share this entry (so a flood of
/// addresses is slowed as one source rather than forgotten).
const OVERFLOW: IpAddr = IpAddr::V6(Ipv6Addr::UNSPECIFIED);

impl BindPenalty {
    /// Delays from `base` doubling to `cap`, forgotten after `quiet`.
    pub fn new(base: Duration, cap: Duration, quiet: Duration) -> BindPenalty {
        BindPenalty {
            base,
            cap,
            quiet,
            max_sources: 65_536,
            sources: Mutex::new(HashMap::new()),
        }
    }

    fn delay(&self, failures: u32) -> Duration {
        if failures == 0 {
            return Duration::ZERO;
        }
        let shift = (failures - 1).min(31);
        self.base
            .checked_mul(1u32 << shift)
            .unwrap_or(self.cap)
            .min(self.cap)
    }

    fn key(&self, map: &HashMap<IpAddr, Penalty>, ip: IpAddr) -> IpAddr {
        let s = source_of(ip);
        if map.contains_key(&s) || map.len() < self.max_sources {
            s
        } else {
            OVERFLOW
        }
    }

    /// When a bind from `ip` arriving `now` may be answered; the slot is
    /// reserved, so the next bind from the source waits one delay more.
    pub fn admit(&self, ip: IpAddr, now: Instant) -> Instant {
        let Ok(mut map) = self.sources.lock() else {
            return now;
        };
        let key = self.key(&map, ip);
        let Some(p) = map.get_mut(&key) else {
            return now;
        };
        if now.saturating_duration_since(p.last_failure) >= self.quiet && p.next_free <= now {
            map.remove(&key);
            return now;
        }
        let at = p.next_free.max(now);
        p.next_free = at + self.delay(p.failures);
        at
    }

    /// Records a failed bind from `ip` answered at `now`; returns the
    /// source's failures so far.
    pub fn failed(&self, ip: IpAddr, now: Instant) -> u32 {
        let Ok(mut map) = self.sources.lock() else {
            return 0;
        };
        if map.len() >= self.max_sources {
            let quiet = self.quiet;
            map.retain(|_, p| {
                now.saturating_duration_since(p.last_failure) < quiet || p.next_free > now
            });
        }
        let key = self.key(&map, ip);
        let p = map.entry(key).or_insert(Penalty {
            failures: 0,
            last_failure: now,
            next_free: now,
        });
        p.failures = p.failures.saturating_add(1);
        p.last_failure = now;
        p.next_free = p.next_free.max(now + self.delay(p.failures));
        p.failures
    }

    /// A successful bind from `ip`: the source starts afresh.
    pub fn succeeded(&self, ip: IpAddr) {
        if let Ok(mut map) = self.sources.lock() {
            map.remove(&source_of(ip));
        }
    }

    /// Sources remembered now.
    pub fn sources(&self) -> usize {
        self.sources.lock().map(|m| m.len()).unwrap_or(0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn connections_are_bounded_in_total_and_per_source() {
        let l = Arc::new(ConnLimiter::new(3, 2, Arc::default()));
        let a1 = l.try_acquire(ip("10.0.0.1")).unwrap();
        let a2 = l.try_acquire(ip("10.0.0.1")).unwrap();
        a1.mark_bound();
        a2.mark_bound();
        assert_eq!(
            l.try_acquire(ip("10.0.0.1")).err(),
            Some(Refused::PerSource)
        );
        // The same source written as an IPv4-mapped IPv6 address.
        assert_eq!(
            l.try_acquire(ip("::ffff:10.0.0.1")).err(),
            Some(Refused::PerSource)
        );
        let b = l.try_acquire(ip("10.0.0.2")).unwrap();
        b.mark_bound();
        assert_eq!(l.try_acquire(ip("10.0.0.3")).err(), Some(Refused::Total));
        drop(a1);
        assert_eq!(l.counters.connections_open.load(Ordering::Relaxed), 2);
        let _a3 = l.try_acquire(ip("10.0.0.1")).unwrap();
        // One IPv6 /64 is one source.
        let l = Arc::new(ConnLimiter::new(10, 1, Arc::default()));
        let _x = l.try_acquire(ip("2001:db8::1")).unwrap();
        assert_eq!(
            l.try_acquire(ip("2001:db8::ffff")).err(),
            Some(Refused::PerSource)
        );
        assert!(l.try_acquire(ip("2001:db8:0:1::1")).is_ok());
    }

    #[tokio::test]
    async fn when_full_the_oldest_unbound_connection_makes_room() {
        let c = Arc::new(Counters::default());
        let l = Arc::new(ConnLimiter::new(3, 10, c.clone()));
        let bound = l.try_acquire(ip("10.0.0.1")).unwrap();
        bound.mark_bound();
        let old = l.try_acquire(ip("10.0.0.2")).unwrap();
        let young = l.try_acquire(ip("10.0.0.3")).unwrap();
        // Full: the new one gets the place of the oldest unbound one.
        let new = l.try_acquire(ip("10.0.0.4")).unwrap();
        tokio::time::timeout(Duration::from_secs(5), old.evicted())
            .await
            .expect("the oldest unbound connection was told to close");
        assert_eq!(c.connections_evicted.load(Ordering::Relaxed), 1);
        assert_eq!(c.connections_open.load(Ordering::Relaxed), 3);
        // Its close gives nothing back twice.
        drop(old);
        assert_eq!(c.connections_open.load(Ordering::Relaxed), 3);
        // Bound connections are never evicted: with all bound, refused.
        young.mark_bound();
        new.mark_bound();
        assert_eq!(l.try_acquire(ip("10.0.0.5")).err(), Some(Refused::Total));
        drop(bound);
        assert!(l.try_acquire(ip("10.0.0.5")).is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn log_lines_are_limited_per_window_and_summarised() {
        let c = Arc::new(Counters::default());
        let l = LogLimiter::new(3, Duration::from_secs(10), c.clone());
        let logged: Vec<bool> = (0..10).map(|_| l.admit().log).collect();
        assert_eq!(logged.iter().filter(|x| **x).count(), 3);
        assert!(logged[..3].iter().all(|x| *x));
        assert_eq!(c.log_lines_suppressed.load(Ordering::Relaxed), 7);
        assert_eq!(l.flush(), 0, "the window is still open");
        tokio::time::advance(Duration::from_secs(10)).await;
        let a = l.admit();
        assert_eq!(
            a,
            Admit {
                log: true,
                suppressed: 7
            }
        );
        assert_eq!(l.admit().suppressed, 0, "reported once");
        // One more line fits this window (3 in all), four do not.
        for _ in 0..5 {
            l.admit();
        }
        tokio::time::advance(Duration::from_secs(10)).await;
        assert_eq!(l.flush(), 4, "a timer reports them without a new line");
    }

    #[tokio::test(start_paused = true)]
    async fn bind_delays_double_per_source_up_to_the_cap_and_reset() {
        let p = BindPenalty::new(
            Duration::from_secs(1),
            Duration::from_secs(4),
            Duration::from_secs(60),
        );
        let t0 = Instant::now();
        let a = ip("10.0.0.1");
        let mut answered = Vec::new();
        for _ in 0..5 {
            let at = p.admit(a, Instant::now());
            tokio::time::sleep_until(at).await;
            answered.push(at.duration_since(t0).as_secs());
            p.failed(a, at);
        }
        // Each answer 1 s, 2 s, 4 s, 4 s (the cap) after the previous failure.
        assert_eq!(answered, [0, 1, 3, 7, 11]);
        // Another source is not slowed.
        assert_eq!(p.admit(ip("10.0.0.2"), Instant::now()), Instant::now());
        // Parallel binds from the slowed source are answered one delay apart.
        let now = Instant::now();
        let x = p.admit(a, now);
        let y = p.admit(a, now);
        assert_eq!(y.duration_since(x), Duration::from_secs(4));
        // A success resets it.
        p.succeeded(a);
        assert_eq!(p.admit(a, Instant::now()), Instant::now());
        // A quiet period too.
        p.failed(a, Instant::now());
        tokio::time::advance(Duration::from_secs(61)).await;
        assert_eq!(p.admit(a, Instant::now()), Instant::now());
        assert_eq!(p.sources(), 0);
    }

    #[test]
    fn the_source_table_is_bounded() {
        let mut p = BindPenalty::new(
            Duration::from_secs(1),
            Duration::from_secs(4),
            Duration::from_secs(60),
        );
        p.max_sources = 4;
        let now = Instant::now();
        for i in 0..100u8 {
            p.failed(IpAddr::from([10, 0, 1, i]), now);
        }
        assert!(p.sources() <= 5, "{}", p.sources());
        // Sources beyond the table share one entry and are slowed.
        assert!(p.admit(IpAddr::from([10, 0, 2, 1]), now) > now);
    }
}
