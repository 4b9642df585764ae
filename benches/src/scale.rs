//! Sizes of the bench data, from the environment, and what a process has
//! resident.
//!
//! `CHANRAC_BENCH_DNC` sets the DNC list (default 20,000,000; CI's smoke run
//! uses 1,000,000). The other sizes shrink with it in proportion unless set
//! themselves, so the smoke run stays quick.

/// The full-size DNC list of issue #7.
pub const FULL_DNC: usize = 20_000_000;

fn var(name: &str) -> Option<usize> {
    std::env::var(name)
        .ok()
        .and_then(|s| s.replace('_', "").parse().ok())
}

/// The DNC list size: `CHANRAC_BENCH_DNC`, default 20,000,000.
pub fn dnc() -> usize {
    var("CHANRAC_BENCH_DNC").unwrap_or(FULL_DNC)
}

/// `full` scaled by `dnc() / FULL_DNC` (at least `min`), unless the
/// variable `name` sets it.
pub fn scaled(name: &str, full: usize, min: usize) -> usize {
    var(name).unwrap_or_else(|| {
        let f = dnc().min(FULL_DNC) as f64 / FULL_DNC as f64;
        ((full as f64 * f) as usize).max(min)
    })
}

/// The (advertiser, recipient) pairs of the frequency bench:
/// `CHANRAC_BENCH_PAIRS`, default 10,000,000 at full size.
pub fn pairs() -> usize {
    scaled("CHANRAC_BENCH_PAIRS", 10_000_000, 10_000)
}

/// The DNC set loaded into Redis: `CHANRAC_BENCH_REDIS_DNC`, default the
/// same as [`dnc`].
pub fn redis_dnc() -> usize {
    var("CHANRAC_BENCH_REDIS_DNC").unwrap_or_else(dnc)
}

/// The events of the replay bench: `CHANRAC_BENCH_EVENTS`, default 1,000,000.
pub fn events() -> usize {
    scaled("CHANRAC_BENCH_EVENTS", 1_000_000, 10_000)
}

/// Whether criterion was started with `--test` (each bench once, a smoke run).
pub fn smoke() -> bool {
    std::env::args().any(|a| a == "--test")
}

/// This process's resident set in bytes (`VmRSS` in `/proc/self/status`),
/// if known.
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
