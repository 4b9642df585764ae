//! Throughput and added latency of `chanrac-smpp` on loopback (issues 6
//! and 13, "Performance"/"Throughput"), through the proxy (policy check +
//! forward to the sink) and straight to the same sink, in the same run:
//!
//! - one ESME bound as a transmitter keeping a window of 10 `submit_sm`
//!   outstanding;
//! - 8 ESME sessions at once, each with a window of 10;
//! - delivery receipts: the sink sends `deliver_sm` receipts (window 10) to
//!   an ESME bound as a transceiver, which answers each.
//!
//! When `redis-server` is installed, a third side runs the same scenarios
//! through a second proxy whose state is in a real `redis-server` on
//! loopback (`--state redis://…`, [`Proxy::new_shared`]; every message an
//! ad to a new pair, so each check is a store round trip that writes), and
//! a second table compares it with the proxy on its local state, in the
//! same run (targets of issue 12: at least 0.5× the local throughput, p99
//! added under 2 ms). `CHANRAC_BENCH_SMPP_STORE_DEADLINE_MS` sets its store
//! deadline (default 50, the binary's); `CHANRAC_BENCH_SMPP_SESSIONS` the
//! sessions of the many-sessions run (default 8).
//!
//! One more side puts a byte-for-byte TCP relay (`copy_bidirectional`, on
//! the proxy's runtime) where the proxy stands: no parsing and no check,
//! so its figures are the floor any proxy in that position pays for the
//! extra hop, and the proxy's distance to it is what its own work costs.
//!
//! A custom harness (`harness = false`): throughput and latency percentiles
//! of a pipelined client do not fit criterion's per-iteration model.
//!
//! ```text
//! cargo bench -p chanrac-smpp --bench proxy            # 50,000 messages, 3 rounds
//! cargo bench -p chanrac-smpp --bench proxy -- --test  # smoke: 200 messages, 1 round
//! ```
//!
//! `CHANRAC_BENCH_SMPP_SIDES` (a comma list of `proxy`, `direct`, `redis`,
//! `relay`) and `CHANRAC_BENCH_SMPP_SCENARIOS` (of `one`, `many`,
//! `receipts`) run only those (for profiling one path, e.g. `proxy` and
//! `one` under callgrind); a partial run prints its rounds and no tables.
//! `CHANRAC_BENCH_SMPP_N` and `CHANRAC_BENCH_SMPP_ROUNDS` override the sizes;
//! `CHANRAC_BENCH_SMPP_PROXY_THREADS` the proxy's worker threads (0: a
//! current-thread runtime); `CHANRAC_BENCH_SMPP_LOG=info` (any `RUST_LOG`
//! filter) logs as the binary does, to standard error.
//!
//! Each part runs on its own tokio runtime, as separate processes would: the
//! proxy on a multi-thread runtime with the binary's default worker count
//! (half the cores, at least one), the sink on one worker thread, the client on a
//! current-thread runtime on the main thread. Without
//! `CHANRAC_BENCH_SMPP_LOG` the proxy runs without a tracing subscriber
//! (the binary logs each check at `debug`, off by default).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chanrac_smpp::pdu::{self, status, Header, HEADER_LEN};
use chanrac_smpp::proxy::{Config, Proxy};
use chanrac_smpp::sink::Sink;
use chanrac_smpp::text::gsm7_encode;
use chanrac_smpp::upstream::UpstreamConfig;
use chanrac_smpp::wire::read_frame;
use chanrac_store::shared::{SharedConfig, SharedState};
use rusmpp::pdus::{BindTransceiver, BindTransmitter, SubmitSm};
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{DataCoding, EsmClass, Npi, Ton};
use rusmpp::{Command, CommandStatus, Pdu};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

const WINDOW: usize = 10;
/// `submit_sm_resp`.
const SUBMIT_SM_RESP: u32 = 0x8000_0004;
/// ESME sessions at once in the many-sessions run (by default).
const SESSIONS: usize = 8;
/// `deliver_sm`.
const DELIVER_SM: u32 = 0x0000_0005;
/// `enquire_link`.
const ENQUIRE_LINK: u32 = 0x0000_0015;
/// Targets of issue 13: each figure through the proxy at least this share
/// of the same figure direct, in the same run.
const TARGET_RATIO: f64 = 0.5;
const TARGET_ADDED_P99: Duration = Duration::from_millis(1);
/// Targets of issue 12: the proxy on Redis state vs on its local state.
const STORE_TARGET_RATIO: f64 = 0.5;
const STORE_TARGET_ADDED_P99: Duration = Duration::from_millis(2);

fn policy_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, body: &str| std::fs::write(dir.path().join(name), body).unwrap();
    w(
        "accounts.csv",
        "account,advertiser,class,password\nshopvn_ad,shopvn,ad,secret1\n",
    );
    w(
        "brandnames.csv",
        "identifier,advertiser,status,valid_from,valid_until\nSHOPVN,shopvn,active,2025-01-01,\n",
    );
    // No consent list to keep: consent is not required. FREQUENCY is kept
    // at its default and never trips because every message goes to a new
    // recipient.
    w("policy.toml", "require_consent = false\n");
    w("dnc.csv", "number,scope\n0912000009,sms\n");
    dir
}

/// `count` submit_sm PDUs, sequence numbers from `first_seq`, each to a
/// recipient never used before in this process.
fn submits(count: usize, first_seq: u32, next_recipient: &mut u32) -> Vec<Vec<u8>> {
    let text = gsm7_encode("[QC] SHOPVN giam 20% hom nay, chi tiet shopvn.vn").unwrap();
    (0..count)
        .map(|i| {
            let to = format!("8491{:07}", *next_recipient);
            *next_recipient += 1;
            let sm = SubmitSm::builder()
                .source_addr_ton(Ton::Alphanumeric)
                .source_addr_npi(Npi::Unknown)
                .source_addr(COctetString::from_string("SHOPVN".into()).unwrap())
                .dest_addr_ton(Ton::International)
                .dest_addr_npi(Npi::Isdn)
                .destination_addr(COctetString::from_string(to).unwrap())
                .esm_class(EsmClass::from(0))
                .data_coding(DataCoding::from(0))
                .short_message(OctetString::from_vec(text.clone()).unwrap())
                .build();
            let seq = first_seq + u32::try_from(i).unwrap();
            pdu::encode(&Command::new(CommandStatus::EsmeRok, seq, sm))
        })
        .collect()
}

/// One connection: bind, `warmup` messages, then the measured ones, each
/// with its send → `submit_sm_resp` latency.
struct Run {
    elapsed: Duration,
    latencies: Vec<Duration>,
    throttled: usize,
}

async fn run(addr: SocketAddr, warmup: &[Vec<u8>], measured: &[Vec<u8>]) -> Run {
    let (mut rd, mut wr) = bound(addr, false).await;
    let _ = pipeline(&mut rd, &mut wr, warmup).await;
    let started = Instant::now();
    let a = pipeline(&mut rd, &mut wr, measured).await;
    let elapsed = started.elapsed();
    // Dropping the halves closes the session.
    Run {
        elapsed,
        latencies: a.latencies,
        throttled: a.throttled,
    }
}

/// What a pipelined run saw: each message's latency (first send → its
/// `ESME_ROK` answer, resends included) and how many `ESME_RTHROTTLED`
/// answers were resent.
struct Answers {
    latencies: Vec<Duration>,
    throttled: usize,
}

/// Sends `pdus` keeping at most [`WINDOW`] unanswered, as an ESME does:
/// a new one goes out when an answer comes back. An `ESME_RTHROTTLED` is
/// resent (and counted); any other answer must be an `ESME_ROK`
/// `submit_sm_resp` (a blocked message would not reach the sink and would
/// flatter the proxy).
async fn pipeline(
    rd: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    wr: &mut tokio::net::tcp::OwnedWriteHalf,
    pdus: &[Vec<u8>],
) -> Answers {
    let Some(first) = pdus.first() else {
        return Answers {
            latencies: Vec::new(),
            throttled: 0,
        };
    };
    let first_seq = Header::parse(first[..HEADER_LEN].try_into().unwrap()).sequence_number;
    let now = Instant::now();
    let sent: Vec<Cell<Instant>> = pdus.iter().map(|_| Cell::new(now)).collect();
    let window = Semaphore::new(WINDOW);
    let resend = RefCell::new(VecDeque::new());
    let done = Cell::new(false);
    let writer = async {
        let mut next = 0;
        loop {
            window.acquire().await.unwrap().forget();
            if done.get() {
                break;
            }
            let i = match resend.borrow_mut().pop_front() {
                Some(i) => i,
                None if next < pdus.len() => {
                    next += 1;
                    sent[next - 1].set(Instant::now());
                    next - 1
                }
                None => continue,
            };
            wr.write_all(&pdus[i]).await.unwrap();
        }
    };
    let reader = async {
        let mut lat = vec![Duration::ZERO; pdus.len()];
        let mut answered = 0;
        let mut throttled = 0;
        while answered < pdus.len() {
            let f = read_frame(&mut *rd)
                .await
                .unwrap()
                .expect("connection closed")
                .unwrap();
            let h = Header::parse(f[..HEADER_LEN].try_into().unwrap());
            assert_eq!(h.command_id, SUBMIT_SM_RESP, "not a submit_sm_resp: {h:?}");
            let i = usize::try_from(h.sequence_number - first_seq).unwrap();
            if h.command_status == status::ESME_RTHROTTLED {
                throttled += 1;
                resend.borrow_mut().push_back(i);
            } else {
                assert_eq!(h.command_status, status::ESME_ROK, "not accepted: {h:?}");
                lat[i] = sent[i].get().elapsed();
                answered += 1;
            }
            window.add_permits(1);
        }
        done.set(true);
        window.add_permits(1);
        Answers {
            latencies: lat,
            throttled,
        }
    };
    let ((), answers) = tokio::join!(writer, reader);
    answers
}

struct Figures {
    throttled: usize,
    rate: f64,
    p50: Duration,
    p99: Duration,
}

fn figures(r: &Run) -> Figures {
    let mut v = r.latencies.clone();
    v.sort_unstable();
    let at = |q: f64| {
        let rank = ((v.len() as f64) * q).ceil() as usize;
        v[rank.clamp(1, v.len()) - 1]
    };
    Figures {
        throttled: r.throttled,
        rate: r.latencies.len() as f64 / r.elapsed.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
    }
}

fn median_f64(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn median_dur(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `sessions` ESME sessions at once, each sending its own `(warmup,
/// measured)` messages; the latencies of all, the time from the first
/// measured send to the last answer (every session warms up first).
/// Encoded PDUs, in sending order.
type Pdus = Vec<Vec<u8>>;

async fn run_many(addr: SocketAddr, sessions: Vec<(Pdus, Pdus)>) -> Run {
    let ready = Arc::new(tokio::sync::Barrier::new(sessions.len() + 1));
    let mut tasks = tokio::task::JoinSet::new();
    for (w, m) in sessions {
        let ready = ready.clone();
        tasks.spawn_local(async move {
            let (mut rd, mut wr) = bound(addr, false).await;
            let _ = pipeline(&mut rd, &mut wr, &w).await;
            ready.wait().await;
            pipeline(&mut rd, &mut wr, &m).await
        });
    }
    ready.wait().await;
    let started = Instant::now();
    let mut latencies = Vec::new();
    let mut throttled = 0;
    while let Some(a) = tasks.join_next().await {
        let a = a.unwrap();
        latencies.extend(a.latencies);
        throttled += a.throttled;
    }
    Run {
        elapsed: started.elapsed(),
        latencies,
        throttled,
    }
}

/// A session bound as `shopvn_ad`: as a transmitter, or as a transceiver
/// (`receive`).
async fn bound(
    addr: SocketAddr,
    receive: bool,
) -> (
    BufReader<tokio::net::tcp::OwnedReadHalf>,
    tokio::net::tcp::OwnedWriteHalf,
) {
    let s = TcpStream::connect(addr).await.unwrap();
    s.set_nodelay(true).unwrap();
    let (rd, mut wr) = s.into_split();
    let mut rd = BufReader::with_capacity(64 * 1024, rd);
    let (id, pw) = (
        COctetString::from_string("shopvn_ad".into()).unwrap(),
        COctetString::from_string("secret1".into()).unwrap(),
    );
    let bind: Pdu = if receive {
        BindTransceiver::builder()
            .system_id(id)
            .password(pw)
            .build()
            .into()
    } else {
        BindTransmitter::builder()
            .system_id(id)
            .password(pw)
            .build()
            .into()
    };
    wr.write_all(&pdu::encode(&Command::new(CommandStatus::EsmeRok, 1, bind)))
        .await
        .unwrap();
    let f = read_frame(&mut rd).await.unwrap().unwrap().unwrap();
    let c = pdu::decode(&f).unwrap();
    assert!(matches!(
        c.pdu(),
        Some(Pdu::BindTransmitterResp(_) | Pdu::BindTransceiverResp(_))
    ));
    assert_eq!(u32::from(c.status()), status::ESME_ROK, "bind refused");
    (rd, wr)
}

/// Answers `count` `deliver_sm` with `ESME_ROK` (and any `enquire_link`
/// the proxy sends meanwhile, as an ESME does: a slow run, e.g. under
/// `strace`, lets the session go idle long enough for one).
async fn answer_receipts(
    rd: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    wr: &mut tokio::net::tcp::OwnedWriteHalf,
    count: usize,
) {
    let mut answered = 0;
    while answered < count {
        let f = read_frame(&mut *rd)
            .await
            .unwrap()
            .expect("connection closed")
            .unwrap();
        let h = Header::parse(f[..HEADER_LEN].try_into().unwrap());
        let mut resp = Vec::with_capacity(HEADER_LEN + 1);
        if h.command_id == ENQUIRE_LINK {
            for w in [16, 0x8000_0000 | ENQUIRE_LINK, 0, h.sequence_number] {
                resp.extend_from_slice(&w.to_be_bytes());
            }
            wr.write_all(&resp).await.unwrap();
            continue;
        }
        assert_eq!(h.command_id, DELIVER_SM, "not a deliver_sm: {h:?}");
        for w in [17, 0x8000_0000 | DELIVER_SM, 0, h.sequence_number] {
            resp.extend_from_slice(&w.to_be_bytes());
        }
        resp.push(0); // message_id: empty
        wr.write_all(&resp).await.unwrap();
        answered += 1;
    }
}

/// Receipts: a transceiver session bound at `addr`; the sink sends
/// `warmup` then `n` receipts over its session bound as `sink_login`
/// (window 10), the client answers them. The measured receipts' latencies
/// (sink's send → `deliver_sm_resp`) and their duration.
fn run_receipts(
    client: &tokio::runtime::Runtime,
    sink_rt: &tokio::runtime::Runtime,
    sink: &Sink,
    addr: SocketAddr,
    sink_login: &'static str,
    warmup: usize,
    n: usize,
) -> Run {
    let (mut rd, mut wr) = client.block_on(bound(addr, true));
    let sink = sink.clone();
    let burst = sink_rt.spawn(async move {
        sink.receipt_burst(sink_login, warmup, WINDOW)
            .await
            .unwrap();
        let started = Instant::now();
        let l = sink.receipt_burst(sink_login, n, WINDOW).await.unwrap();
        (started.elapsed(), l)
    });
    client.block_on(answer_receipts(&mut rd, &mut wr, warmup + n));
    let (elapsed, latencies) = client.block_on(burst).unwrap();
    Run {
        elapsed,
        latencies,
        throttled: 0,
    }
}

/// Starts a proxy (on the shared state `shared`, or its local state) on
/// `rt`, forwarding to `sink` with the login `login` (each proxy its own,
/// so the sink's receipts reach the proxy under test); its address.
fn start_proxy(
    rt: &Arc<tokio::runtime::Runtime>,
    sink: &Sink,
    login: &str,
    policy: &std::path::Path,
    shared: Option<SharedState>,
) -> SocketAddr {
    let cfg = Config {
        policy: policy.to_path_buf(),
        upstream: UpstreamConfig {
            addr: sink.addr.to_string(),
            system_id: login.into(),
            password: "pw".into(),
            ..Default::default()
        },
        reject_status: status::ESME_RSUBMITFAIL,
        pass_through_login: false,
        state: None,
        fixed_time: Some("2026-03-02T09:15:00+07:00".parse().unwrap()),
        window: WINDOW,
        reassembly_timeout: Duration::from_secs(30),
        reassembly_bytes: Default::default(),
        state_config: Default::default(),
        peer_limits: Default::default(),
    };
    let ops = chanrac_smpp::ops::Ops::default();
    let proxy = match shared {
        Some(shared) => Proxy::new_shared(cfg, ops, shared),
        None => Proxy::new_with(cfg, ops),
    }
    .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(Arc::clone(&proxy).serve(listener));
    addr
}

/// A byte-for-byte TCP relay to `to` on `rt` (no parsing, no check): the
/// floor any proxy in the same position pays for the extra hop.
fn start_relay(rt: &tokio::runtime::Runtime, to: SocketAddr) -> SocketAddr {
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move {
        while let Ok((mut a, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut b = TcpStream::connect(to).await.unwrap();
                let _ = a.set_nodelay(true);
                let _ = b.set_nodelay(true);
                let _ = tokio::io::copy_bidirectional(&mut a, &mut b).await;
            });
        }
    });
    addr
}

fn main() {
    let smoke = std::env::args().any(|a| a == "--test");
    let (n, rounds, warmup) = if smoke {
        (200, 1, 24)
    } else {
        (
            env_usize("CHANRAC_BENCH_SMPP_N", 50_000),
            env_usize("CHANRAC_BENCH_SMPP_ROUNDS", 3).max(1),
            5_000,
        )
    };

    if let Ok(filter) = std::env::var("CHANRAC_BENCH_SMPP_LOG") {
        // As the binary logs: formatted, to standard error, unbuffered.
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_ansi(false)
            .init();
    }
    // A partial run (`CHANRAC_BENCH_SMPP_SIDES`, `…_SCENARIOS`): only the
    // sides and scenarios named.
    let only = |var: &str, name: &str| {
        std::env::var(var)
            .map(|v| v.split(',').any(|s| s.trim() == name))
            .unwrap_or(true)
    };
    let side_on = |name: &str| only("CHANRAC_BENCH_SMPP_SIDES", name);
    let scenario_on = |name: &str| only("CHANRAC_BENCH_SMPP_SCENARIOS", name);
    let partial = ["proxy", "direct", "redis", "relay"]
        .iter()
        .any(|s| !side_on(s))
        || ["one", "many", "receipts"].iter().any(|s| !scenario_on(s));
    let sink_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("sink")
        .enable_all()
        .build()
        .unwrap();
    let sink = sink_rt.block_on(Sink::start("127.0.0.1:0")).unwrap();

    let policy = policy_dir();
    let threads: Option<usize> = std::env::var("CHANRAC_BENCH_SMPP_PROXY_THREADS")
        .ok()
        .and_then(|v| v.parse().ok());
    let proxy_rt = match threads {
        Some(0) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
        Some(t) => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(t)
            .thread_name("proxy")
            .enable_all()
            .build()
            .unwrap(),
        // The binary's default: half the cores, at least one.
        None => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(
                std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)),
            )
            .thread_name("proxy")
            .enable_all()
            .build()
            .unwrap(),
    };
    let proxy_rt = Arc::new(proxy_rt);
    let proxy_addr = start_proxy(&proxy_rt, &sink, "chanrac", policy.path(), None);
    let sessions_n = env_usize("CHANRAC_BENCH_SMPP_SESSIONS", SESSIONS).max(1);
    // The same proxy on a real redis-server's state, when there is one.
    let redis = if side_on("redis") {
        chanrac_testkit::RedisServer::start()
    } else {
        None
    };
    let store = redis.as_ref().map(|r| {
        let config = SharedConfig {
            deadline: Duration::from_millis(
                env_usize("CHANRAC_BENCH_SMPP_STORE_DEADLINE_MS", 50).max(1) as u64,
            ),
            ..SharedConfig::default()
        };
        let shared = SharedState::new(&r.url(), config).unwrap();
        proxy_rt.block_on(shared.connect()).unwrap();
        let addr = start_proxy(
            &proxy_rt,
            &sink,
            "chanrac_redis",
            policy.path(),
            Some(shared.clone()),
        );
        (addr, shared)
    });
    if threads == Some(0) {
        // A current-thread runtime runs its tasks only inside `block_on`.
        let rt = proxy_rt.clone();
        std::thread::Builder::new()
            .name("proxy".into())
            .spawn(move || rt.block_on(std::future::pending::<()>()))
            .unwrap();
    }

    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    let mut recipient = 0u32;
    let mut expected = 0;
    // Per scenario (one client, many sessions, receipts): through, direct,
    // through on Redis state.
    let mut figs: [[Vec<Figures>; 4]; 3] = Default::default();
    let mut sides = vec![
        ("proxy", proxy_addr, "chanrac"),
        ("direct", sink.addr, "shopvn_ad"),
    ];
    if let Some((addr, _)) = &store {
        sides.push(("redis", *addr, "chanrac_redis"));
    }
    let relay = sides.len();
    sides.push(("relay", start_relay(&proxy_rt, sink.addr), "shopvn_ad"));
    let many = format!("{sessions_n} sessions");
    for round in 1..=rounds {
        for (side, &(label, addr, sink_login)) in sides.iter().enumerate() {
            if !side_on(label) {
                continue;
            }
            let mut report = |scenario: usize, what: &str, r: &Run| {
                let f = figures(r);
                eprintln!(
                    "round {round}/{rounds} {label:>6} {what:>11}: {} in {:.3} s, {:.0}/s, p50 {}, p99 {}, {} throttled",
                    r.latencies.len(),
                    r.elapsed.as_secs_f64(),
                    f.rate,
                    us(f.p50),
                    us(f.p99),
                    f.throttled,
                );
                figs[scenario][side].push(f);
            };
            if scenario_on("one") {
                let w = submits(warmup, 2, &mut recipient);
                let m = submits(n, 2 + u32::try_from(warmup).unwrap(), &mut recipient);
                expected += warmup + n;
                let r = client.block_on(run(addr, &w, &m));
                report(0, "one client", &r);
            }

            if !scenario_on("many") {
                if scenario_on("receipts") {
                    let r = run_receipts(&client, &sink_rt, &sink, addr, sink_login, warmup, n);
                    report(2, "receipts", &r);
                }
                continue;
            }
            let (w_each, n_each) = (warmup / sessions_n, n / sessions_n);
            let sessions = (0..sessions_n)
                .map(|_| {
                    let w = submits(w_each, 2, &mut recipient);
                    let m = submits(n_each, 2 + u32::try_from(w_each).unwrap(), &mut recipient);
                    (w, m)
                })
                .collect();
            expected += sessions_n * (w_each + n_each);
            let r = client.block_on(local.run_until(run_many(addr, sessions)));
            report(1, &many, &r);

            if scenario_on("receipts") {
                let r = run_receipts(&client, &sink_rt, &sink, addr, sink_login, warmup, n);
                report(2, "receipts", &r);
            }
        }
    }
    let forwarded = sink.received().len();
    assert_eq!(forwarded, expected, "the sink got every message once");
    if partial {
        drop(client);
        drop(redis);
        if let Ok(rt) = Arc::try_unwrap(proxy_rt) {
            rt.shutdown_background();
        }
        sink_rt.shutdown_background();
        return;
    }

    let med = |v: &[Figures]| Figures {
        throttled: v.iter().map(|f| f.throttled).sum(),
        rate: median_f64(v.iter().map(|f| f.rate).collect()),
        p50: median_dur(v.iter().map(|f| f.p50).collect()),
        p99: median_dur(v.iter().map(|f| f.p99).collect()),
    };
    let added = |a: Duration, b: Duration| a.saturating_sub(b);
    // The throughput figure of each scenario, by scenario index.
    let rates = [
        "submit_sm per second, one client".to_string(),
        format!("submit_sm per second, {many} at once"),
        "receipts (deliver_sm) relayed per second".to_string(),
    ];
    let verdict = |met: bool| if met { "met" } else { "**not met**" };
    println!();
    println!(
        "SMPP proxy vs direct to the same sink, window {WINDOW} per session, {n} messages per run, median of {rounds} round(s){}",
        if smoke { " (smoke run, figures meaningless)" } else { "" }
    );
    println!();
    println!(
        "| figure | through the proxy | direct to the sink (same run) | proxy vs direct | target |"
    );
    println!("|---|---|---|---|---|");
    for (scenario, what) in rates.iter().enumerate() {
        let (p, d) = (med(&figs[scenario][0]), med(&figs[scenario][1]));
        let ratio = p.rate / d.rate;
        println!(
            "| {what} | {:.0} | {:.0} | {ratio:.2}× | ≥ {TARGET_RATIO}×: {} |",
            p.rate,
            d.rate,
            verdict(ratio >= TARGET_RATIO)
        );
    }
    for (scenario, what) in [(0, "one client submit_sm"), (2, "receipt")] {
        let (p, d) = (med(&figs[scenario][0]), med(&figs[scenario][1]));
        println!(
            "| {what} latency p50 | {} | {} | +{} | — |",
            us(p.p50),
            us(d.p50),
            us(added(p.p50, d.p50))
        );
        println!(
            "| {what} latency p99 | {} | {} | +{} | added < 1 ms: {} |",
            us(p.p99),
            us(d.p99),
            us(added(p.p99, d.p99)),
            verdict(added(p.p99, d.p99) < TARGET_ADDED_P99)
        );
    }
    let (p, d) = (med(&figs[1][0]), med(&figs[1][1]));
    println!(
        "| {many} submit_sm latency p99 | {} | {} | +{} | — |",
        us(p.p99),
        us(d.p99),
        us(added(p.p99, d.p99)),
    );
    let throttled = |side: usize| {
        figs[..2]
            .iter()
            .flat_map(|f| &f[side])
            .map(|f| f.throttled)
            .sum::<usize>()
    };
    println!(
        "| ESME_RTHROTTLED answers, resent (all rounds) | {} | {} | — | — |",
        throttled(0),
        throttled(1)
    );
    println!();
    println!(
        "A byte-for-byte TCP relay in the proxy's place (same runtime, no parsing, no check): what the extra hop alone costs, same run, median of {rounds} round(s)"
    );
    println!();
    println!("| figure | through the relay | direct | relay vs direct | proxy vs relay |");
    println!("|---|---|---|---|---|");
    for (scenario, what) in rates.iter().enumerate() {
        let (r, d, p) = (
            med(&figs[scenario][relay]),
            med(&figs[scenario][1]),
            med(&figs[scenario][0]),
        );
        println!(
            "| {what} | {:.0} | {:.0} | {:.2}× | {:.2}× |",
            r.rate,
            d.rate,
            r.rate / d.rate,
            p.rate / r.rate
        );
    }
    if let Some((_, shared)) = &store {
        let st = shared.stats();
        println!();
        println!(
            "SMPP proxy on Redis state (a redis-server on loopback, store deadline {} ms) vs the proxy on its local state, same run, median of {rounds} round(s)",
            shared.config().deadline.as_millis()
        );
        println!();
        println!("| figure | Redis state | local state (same run) | Redis vs local | target |");
        println!("|---|---|---|---|---|");
        for (scenario, what) in [
            "submit_sm per second, one client, window 10".to_string(),
            format!("submit_sm per second, {many} at once, window 10 each"),
        ]
        .into_iter()
        .enumerate()
        {
            let (r, l) = (med(&figs[scenario][2]), med(&figs[scenario][0]));
            let ratio = r.rate / l.rate;
            println!(
                "| {what} | {:.0} | {:.0} | {ratio:.2}× | ≥ {STORE_TARGET_RATIO}×: {} |",
                r.rate,
                l.rate,
                verdict(ratio >= STORE_TARGET_RATIO)
            );
        }
        for (scenario, what) in ["one client", many.as_str()].into_iter().enumerate() {
            let (r, l) = (med(&figs[scenario][2]), med(&figs[scenario][0]));
            println!(
                "| {what} latency p50 | {} | {} | +{} | — |",
                us(r.p50),
                us(l.p50),
                us(added(r.p50, l.p50))
            );
            println!(
                "| {what} latency p99 | {} | {} | +{} | added < 2 ms: {} |",
                us(r.p99),
                us(l.p99),
                us(added(r.p99, l.p99)),
                verdict(added(r.p99, l.p99) < STORE_TARGET_ADDED_P99)
            );
        }
        println!(
            "| store: checks, conflicts, STATE_UNAVAILABLE | {} / {} / {} | — | — | no STATE_UNAVAILABLE: {} |",
            st.checks,
            st.conflicts,
            st.unavailable,
            verdict(st.unavailable == 0)
        );
    }
    drop(client);
    drop(redis);
    if let Ok(rt) = Arc::try_unwrap(proxy_rt) {
        rt.shutdown_background();
    }
    sink_rt.shutdown_background();
}
