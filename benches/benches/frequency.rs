//! `frequency`: the frequency check-and-commit (1 ad call per
//! (advertiser, recipient) per 24 h, Decree 91 Art.13(5)) over
//! `CHANRAC_BENCH_PAIRS` distinct pairs (10,000,000 at full size; the smoke
//! run scales it down with `CHANRAC_BENCH_DNC`), beside `governor`'s keyed
//! limiter (quota: 1 per 24 h, burst 1) over the same keys, and, with the
//! `redis` feature, Redis `SET key NX EX 86400` in the same run.
//!
//! Ours is measured twice: the full ad-call check (`Engine::check`:
//! registry, window, label-free call rules and the frequency
//! check-and-commit; no DNC list, no consent rule), which does strictly more
//! than the peers, and the state's own check-and-commit
//! (`State::check_and_count`), the same work as a keyed limiter. Each is measured
//! twice: granting new pairs (the first call of the day: an insert) and
//! refusing a repeat over the full table (the pairs already called), with 1
//! and 2 threads (`iter_custom`, pairs split between the threads). The
//! exactness under contention (2 threads racing for every pair: grants must
//! equal the number of distinct pairs) is printed, not asserted.

use std::hint::black_box;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chanrac::state::State;
use chanrac::{Channel, Decision, Engine};
use chanrac_benches::pairs::{morning, Pairs};
use chanrac_benches::scale;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

type Key = (u32, u64);

fn key(pairs: &Pairs, k: usize) -> Key {
    let (a, r) = pairs.pair(k);
    (a as u32, r.to_bits())
}

fn limiter() -> DefaultKeyedRateLimiter<Key> {
    let day = Quota::with_period(Duration::from_secs(86_400))
        .expect("a non-zero period")
        .allow_burst(NonZeroU32::MIN);
    RateLimiter::keyed(day)
}

/// Something that grants or refuses pair `k`, shared between threads.
trait CheckAndCommit: Sync {
    fn grant(&self, pairs: &Pairs, k: usize) -> bool;
}

struct Ours(Engine);

impl CheckAndCommit for Ours {
    fn grant(&self, pairs: &Pairs, k: usize) -> bool {
        let ev = pairs.ad_call(k, morning());
        self.0.check(&ev).decision == Decision::Allow
    }
}

/// The state table's check-and-commit alone (R5 with cap 1), what
/// `Engine::check` runs for the frequency rule.
struct OursState(State);

impl CheckAndCommit for OursState {
    fn grant(&self, pairs: &Pairs, k: usize) -> bool {
        let (a, r) = pairs.pair(k);
        self.0
            .check_and_count(&pairs.advertisers[a], r, Channel::Call, morning(), 1)
            .is_ok()
    }
}

struct Governor(DefaultKeyedRateLimiter<Key>);

impl CheckAndCommit for Governor {
    fn grant(&self, pairs: &Pairs, k: usize) -> bool {
        self.0.check_key(&key(pairs, k)).is_ok()
    }
}

/// Runs `iters` checks of pairs `from..from + iters` on `threads` threads
/// (thread `t` takes every `threads`-th pair); returns the wall time.
fn run<C: CheckAndCommit>(
    c: &C,
    pairs: &Pairs,
    from: usize,
    iters: usize,
    threads: usize,
) -> Duration {
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            s.spawn(move || {
                let mut k = from + t;
                while k < from + iters {
                    black_box(c.grant(pairs, k));
                    k += threads;
                }
            });
        }
    });
    start.elapsed()
}

/// Grants over fresh pairs: a new table (built untimed) whenever the pairs
/// run out, so every timed check is the first call of its pair.
fn bench_grants<C: CheckAndCommit>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    pairs: &Pairs,
    threads: usize,
    fresh: impl Fn() -> C,
) {
    let mut table = fresh();
    let mut next = 0usize;
    g.bench_function(format!("{name}_grant_new_pair_{threads}_threads"), |b| {
        b.iter_custom(|iters| {
            // More checks than pairs (warm-up only): time what fits, scaled.
            let asked = iters as usize;
            let iters = asked.min(pairs.len());
            if next + iters > pairs.len() {
                table = fresh();
                next = 0;
            }
            let d = run(&table, pairs, next, iters, threads);
            next += iters;
            d.mul_f64(asked as f64 / iters as f64)
        })
    });
}

/// Refusals over a table holding every pair (filled untimed).
fn bench_repeats<C: CheckAndCommit>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    pairs: &Pairs,
    threads: usize,
    table: &C,
) {
    let mut next = 0usize;
    g.bench_function(format!("{name}_refuse_repeat_{threads}_threads"), |b| {
        b.iter_custom(|iters| {
            let d = run(table, pairs, next, iters as usize, threads);
            next = (next + iters as usize) % pairs.len();
            d
        })
    });
}

/// Every pair tried by each of 2 threads at once: the grants must equal
/// the number of distinct pairs.
fn exactness<C: CheckAndCommit>(name: &str, pairs: &Pairs, c: &C) {
    let granted = AtomicUsize::new(0);
    let n = pairs.len();
    std::thread::scope(|s| {
        for t in 0..2 {
            let granted = &granted;
            s.spawn(move || {
                // Thread 1 starts half-way, so both race over every pair.
                for i in 0..n {
                    if c.grant(pairs, (i + t * n / 2) % n) {
                        granted.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let g = granted.load(Ordering::Relaxed);
    eprintln!(
        "frequency exactness, {name}: 2 threads x {n} pairs, {g} granted of {n} distinct pairs: {}",
        if g == n { "exact" } else { "NOT EXACT" }
    );
}

fn fill<C: CheckAndCommit>(c: &C, pairs: &Pairs) {
    run(c, pairs, 0, pairs.len(), 2);
}

fn frequency(c: &mut Criterion) {
    let pairs = Pairs::new(scale::pairs());
    eprintln!(
        "frequency: {} distinct (advertiser, recipient) pairs, {} advertisers",
        pairs.len(),
        chanrac_benches::pairs::ADVERTISERS
    );
    exactness(
        "ours (Engine::check, ad call)",
        &pairs,
        &Ours(pairs.engine()),
    );
    exactness(
        "ours (State::check_and_count)",
        &pairs,
        &OursState(State::new()),
    );
    exactness("governor keyed", &pairs, &Governor(limiter()));

    let mut g = c.benchmark_group("frequency");
    g.throughput(Throughput::Elements(1));
    for threads in [1, 2] {
        bench_grants(&mut g, "ours", &pairs, threads, || Ours(pairs.engine()));
        bench_grants(&mut g, "state", &pairs, threads, || OursState(State::new()));
        bench_grants(&mut g, "governor", &pairs, threads, || Governor(limiter()));
    }
    {
        let ours = Ours(pairs.engine());
        fill(&ours, &pairs);
        for threads in [1, 2] {
            bench_repeats(&mut g, "ours", &pairs, threads, &ours);
        }
    }
    {
        let st = OursState(State::new());
        fill(&st, &pairs);
        for threads in [1, 2] {
            bench_repeats(&mut g, "state", &pairs, threads, &st);
        }
    }
    {
        let gov = Governor(limiter());
        fill(&gov, &pairs);
        for threads in [1, 2] {
            bench_repeats(&mut g, "governor", &pairs, threads, &gov);
        }
    }
    #[cfg(feature = "redis")]
    redis_set_nx(&mut g, &pairs);
    g.finish();
}

/// Redis `SET key NX EX 86400`: `OK` grants, nil refuses; one round trip
/// per check, as a gateway would use it.
#[cfg(feature = "redis")]
fn redis_set_nx(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    pairs: &Pairs,
) {
    let Some(mut con) = chanrac_benches::redis_peer::connect("frequency") else {
        return;
    };
    // A run tag, so the "new pair" keys are new in this run too.
    let run = std::process::id();
    let name = |k: usize| {
        let (a, r) = pairs.pair(k);
        format!("chanrac:freq:{run}:{a}:{r}")
    };
    let set_nx = |con: &mut redis::Connection, key: &str| -> bool {
        let v: Option<String> = redis::cmd("SET")
            .arg(key)
            .arg(1)
            .arg("NX")
            .arg("EX")
            .arg(86_400)
            .query(con)
            .expect("redis SET NX EX");
        v.is_some()
    };
    let mut next = 0usize;
    g.bench_function("redis_set_nx_ex_new_pair", |b| {
        b.iter(|| {
            next += 1;
            black_box(set_nx(&mut con, &name(next % pairs.len())))
        })
    });
    // Refusals: the first `next` pairs are set.
    let seen = next.clamp(1, pairs.len());
    let mut k = 0usize;
    g.bench_function("redis_set_nx_ex_refuse_repeat", |b| {
        b.iter(|| {
            k = (k + 1) % seen;
            black_box(set_nx(&mut con, &name(k + 1)))
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(4));
    targets = frequency
}
criterion_main!(benches);
