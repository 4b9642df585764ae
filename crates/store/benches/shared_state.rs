//! `shared_state`: the pair step of a check on the shared state, against
//! a real `redis-server` on loopback (started by the bench, or the one at
//! `CHANRAC_REDIS_URL`), beside the local lock-free table and beside the
//! common Redis approach to a sliding window — a Lua script per key over a
//! sorted set (`ZREMRANGEBYSCORE`, `ZCARD`, `ZADD`, `PEXPIRE`), one round
//! trip per event — on the same server, in the same run.
//!
//! Workload: ad SMS to 100,000 pairs of one advertiser, in time order, each
//! pair about 4 times (so the 3-a-day cap blocks some). Rows:
//! - `local`: `Engine::check` on the local table, one thread;
//! - `redis_exact/xN`: `SharedState::check` (the engine's rules, then the
//!   compare-and-set on the pair's words), N checks in flight on one
//!   connection (pipelined);
//! - `redis_zset/xN`: the sorted-set script, N in flight on one connection.
//!
//! The bench also prints the per-check latency (p50, p99) at 1 in flight
//! and at 64, and the bytes one pair takes in Redis (`MEMORY USAGE`) with
//! what 100 million pairs would need. Skips with a message when no
//! `redis-server` can be started.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chanrac::policy::{Config, PolicyBuilder};
use chanrac::registry::{Registration, RegistryBuilder, Status};
use chanrac::{Channel, Engine, EngineBuilder, Event, Kind, Number, Sender};
use chanrac_store::shared::{SharedConfig, SharedState};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const PAIRS: usize = 100_000;

fn new_engine() -> Engine {
    let mut reg = RegistryBuilder::new();
    reg.insert(
        chanrac::ident::Identifier::parse("BANKVN").expect("identifier"),
        Registration {
            owner: "bank".into(),
            status: Status::Active,
            valid_from: None,
            valid_until: None,
        },
    )
    .expect("one identifier");
    EngineBuilder::new().build(
        PolicyBuilder::new()
            .registry(reg.build())
            .config(Config {
                require_consent: false,
                ..Config::default()
            })
            .build(),
    )
}

/// The i-th event: pair `i * 7919 % PAIRS`, one second apart from
/// 2026-03-02 09:00 +07:00.
fn event(i: usize) -> (Number, i64) {
    let r = Number::parse(&format!("0912{:06}", (i * 7919) % PAIRS)).expect("number");
    (r, 1_772_416_800 + i as i64 / 8)
}

fn ad(r: Number, t: i64) -> Event<'static> {
    Event::new(
        jiff::Timestamp::from_second(t).expect("time"),
        Channel::Sms,
        Kind::Ad,
        Sender::parse("BANKVN").expect("sender"),
        r,
    )
    .with_advertiser("bank")
    .with_text("[QC] Lai suat uu dai")
}

const ZSET_SCRIPT: &str = r"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
";

/// Runs `n` events from `start` with `inflight` at once; returns the
/// latency of each (in completion order).
async fn run<F, Fut>(start: usize, n: usize, inflight: usize, f: F) -> Vec<Duration>
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(start));
    let end = start + n;
    let mut tasks = Vec::new();
    for _ in 0..inflight {
        let (next, f) = (next.clone(), f.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= end {
                    return lat;
                }
                let t = Instant::now();
                f(i).await;
                lat.push(t.elapsed());
            }
        }));
    }
    let mut all = Vec::with_capacity(n);
    for t in tasks {
        all.extend(t.await.unwrap_or_default());
    }
    all
}

fn pct(lat: &mut [Duration], p: f64) -> Duration {
    lat.sort_unstable();
    lat.get(((lat.len() as f64 - 1.0) * p) as usize)
        .copied()
        .unwrap_or_default()
}

fn shared_state(c: &mut Criterion) {
    let own = match std::env::var("CHANRAC_REDIS_URL") {
        Ok(_) => None,
        Err(_) => match chanrac_testkit::RedisServer::start() {
            Some(s) => Some(s),
            None => {
                eprintln!("shared_state: skipping: no redis-server");
                return;
            }
        },
    };
    let url = own
        .as_ref()
        .map(|s| s.url())
        .or_else(|| std::env::var("CHANRAC_REDIS_URL").ok())
        .unwrap_or_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let engine = Arc::new(new_engine());
    let prefix = format!("bench{}", std::process::id());
    let shared = SharedState::new(
        &url,
        SharedConfig {
            deadline: Duration::from_secs(5),
            prefix: prefix.clone(),
            ..SharedConfig::default()
        },
    )
    .expect("url");
    let client = redis::Client::open(url.as_str()).expect("url");
    let zconn = rt
        .block_on(client.get_multiplexed_async_connection())
        .expect("redis answers");
    let zset = Arc::new(redis::Script::new(ZSET_SCRIPT));
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));

    let exact = {
        let (engine, shared) = (engine.clone(), shared.clone());
        move |i: usize| {
            let (engine, shared) = (engine.clone(), shared.clone());
            async move {
                let (r, t) = event(i);
                let v = shared.check(&engine, &ad(r, t)).await;
                assert!(!v.reasons.contains(chanrac::Reason::StateUnavailable));
            }
        }
    };
    let zwindow = {
        let (zconn, zset, counter, prefix) = (zconn.clone(), zset.clone(), counter, prefix.clone());
        move |i: usize| {
            let (mut zconn, zset, counter, prefix) =
                (zconn.clone(), zset.clone(), counter.clone(), prefix.clone());
            async move {
                let (r, t) = event(i);
                let member = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let _: i64 = zset
                    .key(format!("{prefix}:z:{{bank|{r}}}"))
                    .arg(t * 1000)
                    .arg(86_400_000)
                    .arg(3)
                    .arg(member)
                    .invoke_async(&mut zconn)
                    .await
                    .expect("zset script");
            }
        }
    };

    // Latency and throughput, measured once, printed beside the criterion
    // rows (criterion gives no percentiles).
    let n = 20_000;
    let mut offset = 0;
    let mut stats_con = client.get_connection().expect("redis answers");
    // The server's own time (INFO commandstats), which is what bounds a
    // store's throughput when the clients are on other machines.
    let mut server_usec = |reset: bool| -> f64 {
        if reset {
            let _: Result<(), _> = redis::cmd("CONFIG").arg("RESETSTAT").query(&mut stats_con);
            return 0.0;
        }
        let info: String = redis::cmd("INFO")
            .arg("commandstats")
            .query(&mut stats_con)
            .unwrap_or_default();
        info.lines()
            .filter(|l| !l.starts_with("cmdstat_info") && !l.starts_with("cmdstat_config"))
            .filter_map(|l| l.split("usec=").nth(1))
            .filter_map(|x| x.split(',').next()?.parse::<f64>().ok())
            .sum()
    };
    for (name, inflight) in [("x1", 1), ("x64", 64)] {
        for kind in ["redis_exact", "redis_zset"] {
            server_usec(true);
            let t = Instant::now();
            let mut lat = if kind == "redis_exact" {
                rt.block_on(run(offset, n, inflight, exact.clone()))
            } else {
                rt.block_on(run(offset, n, inflight, zwindow.clone()))
            };
            let wall = t.elapsed();
            let server = server_usec(false);
            eprintln!(
                "shared_state: {kind}/{name}: {:.0} checks/s, p50 {:?} p99 {:?}, server time {:.2} µs/check ({} checks)",
                lat.len() as f64 / wall.as_secs_f64(),
                pct(&mut lat, 0.50),
                pct(&mut lat, 0.99),
                server / lat.len().max(1) as f64,
                lat.len(),
            );
        }
        offset += n;
    }
    {
        let mut lat = Vec::with_capacity(n);
        let local = new_engine();
        for i in 0..n {
            let (r, t) = event(i);
            let s = Instant::now();
            std::hint::black_box(local.check(&ad(r, t)));
            lat.push(s.elapsed());
        }
        eprintln!(
            "shared_state: local: p50 {:?} p99 {:?}",
            pct(&mut lat, 0.50),
            pct(&mut lat, 0.99)
        );
    }
    // Bytes per pair: a pair with three counted ads, and its peer's key.
    let mut con = client.get_connection().expect("redis answers");
    let (r, _) = event(0);
    for key in [
        format!("{prefix}:{{bank|{r}}}"),
        format!("{prefix}:z:{{bank|{r}}}"),
    ] {
        let bytes: Option<u64> = redis::cmd("MEMORY")
            .arg("USAGE")
            .arg(&key)
            .query(&mut con)
            .ok()
            .flatten();
        if let Some(b) = bytes {
            eprintln!(
                "shared_state: MEMORY USAGE {key}: {b} bytes; 100 million such pairs: {:.1} GiB (before replication)",
                b as f64 * 1e8 / (1u64 << 30) as f64
            );
        }
    }

    let mut g = c.benchmark_group("shared_state");
    g.throughput(Throughput::Elements(1));
    let local = new_engine();
    let mut i = 0usize;
    g.bench_function("local", |b| {
        b.iter(|| {
            i += 1;
            let (r, t) = event(i);
            local.check(&ad(r, t))
        })
    });
    for inflight in [1usize, 64] {
        let start = Arc::new(std::sync::atomic::AtomicUsize::new(1_000_000));
        for (kind, f) in [("redis_exact", 0), ("redis_zset", 1)] {
            let start = start.clone();
            g.bench_function(format!("{kind}/x{inflight}"), |b| {
                b.iter_custom(|iters| {
                    let from =
                        start.fetch_add(iters as usize, std::sync::atomic::Ordering::Relaxed);
                    let t = Instant::now();
                    if f == 0 {
                        rt.block_on(run(from, iters as usize, inflight, exact.clone()));
                    } else {
                        rt.block_on(run(from, iters as usize, inflight, zwindow.clone()));
                    }
                    t.elapsed()
                })
            });
        }
    }
    g.finish();
    drop(own);
}

criterion_group!(benches, shared_state);
criterion_main!(benches);
