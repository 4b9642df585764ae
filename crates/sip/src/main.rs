//! `chanrac-sip --policy DIR --listen HOST:PORT [--state DIR|URL] [--store-deadline-ms MS]
//! [--on-store-error block|deliver] [--fixed-time RFC3339]
//! [--answer-cache-bytes SIZE] [--log-limit N] [--mode enforce|monitor] [--metrics HOST:PORT]
//! [--verdict-log DIR] [--log-text none|hash|full] [--follow-dnc URL]`:
//! answers each INVITE received over UDP with `302`
//! (deliver, `Contact` = the Request-URI) or `603` (blocked, `Reason` naming
//! every rule broken). See the crate documentation of `chanrac_sip` for
//! what is answered how.
//!
//! One task owns the socket, the responder and the journal. It takes the
//! datagrams waiting on the socket (up to [`BATCH`]), answers each, and
//! with `--state` appends the counted calls to the journal, syncs it once
//! (`fdatasync`) and only then sends the batch's answers: no answer for a
//! counted call leaves before its record is on disk (the guarantee of
//! `Durability::Always`), while one sync serves every INVITE that arrived
//! during the previous one (group commit). A sync costs from ~50 µs (NVMe with a
//! write cache) to ~10 ms (a spinning disk); without `--state` nothing is
//! written. The journal is compacted at start and hourly. Should the
//! journal fail (a full disk), the error is logged and calls are still
//! answered: the switch keeps working, the counters stay right in memory,
//! and only a restart before the disk is fixed would forget those calls.
//!
//! With `--state redis://…` (or `rediss://…`, or several Cluster nodes
//! separated by commas) there is no journal: the counts, consent and
//! registration marks are in the shared store (its persistence is the
//! durability), and every instance using it shares the caps. A check then
//! waits a round trip, so each INVITE's check runs in a task of its own
//! (at most 1,024 at once; beyond, the socket is not read until
//! one ends), all on one pipelined connection, and its answer is sent when
//! it ends; a retransmission arriving meanwhile is absorbed, never checked
//! twice. Each check waits at most `--store-deadline-ms` (default 50);
//! then `--on-store-error` decides (`block`: `603 STATE_UNAVAILABLE`;
//! `deliver`: `302`, uncounted), and the connection comes back by itself.
//! The policy's consents are stored in the store at start and after every
//! reload (newer-only). A store that does not answer at start is logged as
//! a warning, not an exit.
//!
//! A second task reloads the policy on `SIGHUP` and when a policy file
//! changes (polled every second), loading on a blocking thread and
//! swapping it in atomically: no datagram waits for a load, and a bad
//! policy is logged and ignored (the previous one stays). `SIGTERM` and
//! `SIGINT` stop the server after the batch in hand, syncing the journal.
//!
//! `--metrics HOST:PORT` serves Prometheus metrics on `/metrics` and the
//! health checks `/healthz` and `/readyz` (not ready while the state journal
//! cannot be written); see `chanrac_metrics` for the common metrics, plus
//! `chanrac_sip_datagrams_total{outcome}`, `chanrac_sip_answer_cache_bytes`
//! and `chanrac_state_journal_errors_total` (with a store:
//! `chanrac_state_store_checks_total`, `…_conflicts_total`,
//! `…_unavailable_total`). `--mode monitor` delivers every
//! call (each `block` action becomes `flag`, a full state delivers) and
//! counts what would have been blocked as flagged. `--verdict-log DIR`
//! writes one JSON line per checked call (id `CALL-ID CSEQ`), see
//! `chanrac_metrics::verdict_log`.
//!
//! `--follow-dnc URL` follows the DNC stream in that store on a task of
//! its own (`chanrac_store::shared::dnc`): each DNC change published on any
//! node is applied to the live list, in order, and logged ("DNC stream
//! entries applied", with the position); with `--metrics`, the
//! `chanrac_dnc_stream_*` metrics say where it stands. A call is checked
//! against the list as it is when the call arrives.
//!
//! Logs go to standard error (`RUST_LOG` filters them; default `info`, and
//! `debug` logs every decision). What a peer can cause — a malformed
//! request, an unknown method, a dropped datagram, a call refused `503`,
//! a journal error repeated per call — is logged as a warning at most
//! `--log-limit` times per 10 s for each of those kinds; the lines left out
//! are counted and summarised ("suppressed K log lines"), and the totals
//! are in the line logged at stop. Exit status: 2 for bad usage or a bad
//! policy at start (the message names the file and line), 1 for other
//! failures (the address is taken, the state directory is unreadable).

use std::io::{self, IsTerminal};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::sync::atomic::{AtomicBool, Ordering};

use chanrac::{Channel, Engine, Mode, Policy, PolicyBuilder};
use chanrac_metrics::prometheus_client::metrics::counter::Counter;
use chanrac_metrics::prometheus_client::metrics::family::Family;
use chanrac_metrics::prometheus_client::metrics::gauge::Gauge;
use chanrac_metrics::verdict_log::{Entry, LogOptions, LogText, VerdictLog};
use chanrac_metrics::watch::Fingerprint;
use chanrac_metrics::Metrics;
use chanrac_policy::Failure;
use chanrac_sip::cache::{AnswerCache, ENTRY_BYTES};
use chanrac_sip::limit::{Admit, LogLimit};
use chanrac_sip::responder::{Begun, Pending};
use chanrac_sip::{Outcome, Responder};
use chanrac_store::shared::dnc::{
    start_position, stream_key, FollowConfig, FollowStatus, Follower,
};
use chanrac_store::shared::{state_arg, SharedConfig, SharedState};
use chanrac_store::{Durability, StateDir};
use clap::Parser;
use jiff::Timestamp;
use tokio::net::UdpSocket;
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::mpsc;
use tracing::{debug, error, info, warn};

/// At most this many datagrams are answered per journal sync.
const BATCH: usize = 64;
/// How often policy files are polled for changes.
const POLL: Duration = Duration::from_secs(1);
/// How often the journal is compacted (when it has new records).
const COMPACT_EVERY: Duration = Duration::from_secs(3600);
/// The window of `--log-limit`.
const LOG_WINDOW: Duration = Duration::from_secs(10);

/// SIP decision responder: answers each INVITE 302 (deliver) or 603
/// (blocked under Decree 91, with the reason codes).
#[derive(Parser, Debug)]
#[command(name = "chanrac-sip", version)]
struct Args {
    /// The policy: a directory of policy files, or a snapshot file made by
    /// `chanrac build`. Reloaded on SIGHUP and when its files change.
    #[arg(long, value_name = "DIR")]
    policy: PathBuf,
    /// The UDP address to answer on, e.g. `127.0.0.1:5070` (port 0 picks a
    /// free port; the address is logged at start).
    #[arg(long, value_name = "HOST:PORT")]
    listen: String,
    /// Keep counters and consent in this directory across restarts (one
    /// process per directory), or share them with every process using the
    /// same store: `redis://HOST:PORT`, `rediss://…` (TLS), with
    /// `user:password@` when the store asks for it, or several Cluster
    /// nodes separated by commas. With a store, no journal is written (the
    /// store's own persistence keeps the state).
    #[arg(long, value_name = "DIR|URL")]
    state: Option<String>,
    /// With `--state redis://…`: the longest a check waits for the store,
    /// in milliseconds, before the call meets `--on-store-error`.
    #[arg(long, value_name = "MS", default_value_t = 50,
          value_parser = clap::value_parser!(u64).range(1..=60_000))]
    store_deadline_ms: u64,
    /// With `--state redis://…`: what an ad call gets when the store does
    /// not answer in time: `block` (603 STATE_UNAVAILABLE, the default) or
    /// `deliver` (302, uncounted). `--mode monitor` delivers.
    #[arg(long, value_name = "block|deliver", default_value = "block")]
    on_store_error: chanrac::state::OnFull,
    /// Stamp every call with this time instead of the clock (demos, tests),
    /// e.g. `2026-03-02T09:15:00+07:00`.
    #[arg(long, value_name = "RFC3339", value_parser = chanrac_policy::events::parse_time)]
    fixed_time: Option<Timestamp>,
    /// Most memory for the answers kept for retransmissions (32 s each),
    /// in bytes, or with a suffix K, M or G (KiB, MiB, GiB). When it is
    /// full of answers still due, new calls are refused with `503` and
    /// `Retry-After`.
    #[arg(long, value_name = "SIZE", default_value = "64M", value_parser = parse_size)]
    answer_cache_bytes: usize,
    /// At most this many warnings per 10 s about each kind of thing a peer
    /// can cause (malformed requests, unknown methods, dropped datagrams,
    /// calls refused 503, journal errors); the rest are counted and
    /// summarised.
    #[arg(long, value_name = "N", default_value_t = 20)]
    log_limit: u32,
    /// Most memory for the per-pair state table, in MiB (default: what the
    /// allocator gives). Beyond it new pairs meet --on-full.
    #[arg(long, value_name = "MIB")]
    state_max_mb: Option<usize>,
    /// What an ad call to a new pair gets when the state is full: `block`
    /// (603 STATE_FULL, the default) or `deliver` (302, uncounted).
    #[arg(long, default_value = "block")]
    on_full: chanrac::state::OnFull,
    /// `enforce` (the default) or `monitor`: a monitor-only rollout, where
    /// every `block` action becomes `flag` (every call is answered 302 and
    /// counted) and a full state delivers; what would have been blocked is
    /// logged and counted in the metrics.
    #[arg(long, value_enum, default_value = "enforce")]
    mode: ModeArg,
    /// Serve Prometheus metrics (`/metrics`) and health checks (`/healthz`,
    /// `/readyz`) over HTTP at this address, e.g. `127.0.0.1:9102` (port 0
    /// picks a free port; the address is logged at start).
    #[arg(long, value_name = "HOST:PORT")]
    metrics: Option<String>,
    /// Write one JSON line per checked call into this directory
    /// (`verdicts-YYYY-MM-DD.jsonl` by the call's local day, rotated by
    /// size; `chanrac replay` and `chanrac report --verdicts` read them).
    /// Written off the answering path: when the writer falls behind, lines
    /// are dropped, counted and marked, never delaying an answer.
    #[arg(long, value_name = "DIR")]
    verdict_log: Option<PathBuf>,
    /// What the verdict log keeps of a message's text: `none`, `hash` (the
    /// default) or `full`. Calls have no text.
    #[arg(long, value_name = "none|hash|full", default_value = "hash")]
    log_text: LogText,
    /// Follow the DNC stream in this store (`redis://HOST:PORT`, …):
    /// every DNC change published on any node (`chanrac inbox --publish`,
    /// `chanrac dnc add --publish`) is applied to the live DNC list, from
    /// the position a snapshot built with `--dnc-stream` records, else from
    /// the stream's beginning. Calls never wait for it.
    #[arg(long, value_name = "URL")]
    follow_dnc: Option<String>,
    /// The first part of the DNC stream's key (`PREFIX:dnc`).
    #[arg(long, value_name = "PREFIX", default_value = "chanrac")]
    dnc_prefix: String,
}

/// `--mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ModeArg {
    /// Block what the policy's actions block.
    Enforce,
    /// Deliver everything; report what would have been blocked.
    Monitor,
}

/// The metrics of this process beyond the common ones.
struct SipMetrics {
    common: Arc<Metrics>,
    datagrams: Family<OutcomeLabels, Counter>,
    cache_bytes: Gauge,
    journal_errors: Counter,
    /// Whether the journal's last write or sync succeeded (readiness).
    journal_ok: Arc<AtomicBool>,
}

/// `outcome="…"`.
type OutcomeLabels = Vec<(&'static str, &'static str)>;

impl SipMetrics {
    fn new(
        mode: Mode,
        engine: Arc<Engine>,
        cache_max: usize,
        log: Option<Arc<chanrac_metrics::verdict_log::LogStats>>,
        shared: Option<SharedState>,
        dnc: Option<(String, FollowStatus)>,
    ) -> SipMetrics {
        let mut b = Metrics::builder("sip", mode, engine);
        if let Some((stream, status)) = dnc {
            b.dnc_follower(stream, status);
        }
        if let Some(stats) = log {
            b.verdict_log(stats);
        }
        if let Some(shared) = shared {
            b.shared_state(shared);
        }
        let datagrams = Family::<OutcomeLabels, Counter>::default();
        b.registry().register(
            "chanrac_sip_datagrams",
            "Datagrams received, by outcome: checked, retransmission (answered from the cache, or absorbed while its first copy is being checked), rejected (malformed, 4xx), overloaded (503, answer cache full), dropped, absorbed (ACK), other (other methods)",
            datagrams.clone(),
        );
        let cache_bytes = Gauge::default();
        b.registry().register(
            "chanrac_sip_answer_cache_bytes",
            "Bytes held by the answers kept for retransmissions",
            cache_bytes.clone(),
        );
        let cache_max_bytes = Gauge::<i64>::default();
        cache_max_bytes.set(i64::try_from(cache_max).unwrap_or(i64::MAX));
        b.registry().register(
            "chanrac_sip_answer_cache_max_bytes",
            "Most bytes the answer cache may hold (--answer-cache-bytes)",
            cache_max_bytes,
        );
        let journal_errors = Counter::default();
        b.registry().register(
            "chanrac_state_journal_errors",
            "State journal appends or syncs that failed (--state)",
            journal_errors.clone(),
        );
        let common = b.build();
        let journal_ok = Arc::new(AtomicBool::new(true));
        let ok = journal_ok.clone();
        common.set_ready_check(Box::new(move || {
            if ok.load(Ordering::Relaxed) {
                Ok(())
            } else {
                Err("the state journal cannot be written".to_string())
            }
        }));
        SipMetrics {
            common,
            datagrams,
            cache_bytes,
            journal_errors,
            journal_ok,
        }
    }

    fn outcome(&self, o: Outcome) {
        let outcome = match o {
            Outcome::Dropped(_) => "dropped",
            Outcome::Absorbed => "absorbed",
            Outcome::Checked(_) => "checked",
            Outcome::Retransmission(_) | Outcome::InFlight => "retransmission",
            Outcome::Rejected(..) => "rejected",
            Outcome::Overloaded => "overloaded",
            Outcome::Answered(_) => "other",
        };
        self.datagrams
            .get_or_create(&vec![("outcome", outcome)])
            .inc();
    }

    fn journal(&self, ok: bool) {
        if !ok {
            self.journal_errors.inc();
        }
        self.journal_ok.store(ok, Ordering::Relaxed);
    }
}

/// A size in bytes: digits, then optionally `K`, `M` or `G` (binary
/// multiples); at least one answer's worth.
fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let (digits, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], c.to_ascii_uppercase()),
        _ => (t, 'B'),
    };
    let shift = match unit {
        'B' => 0,
        'K' => 10,
        'M' => 20,
        'G' => 30,
        _ => return Err(format!("bad size `{s}`: the suffix is K, M or G")),
    };
    let bytes = digits
        .parse::<usize>()
        .ok()
        .filter(|_| digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.checked_mul(1usize << shift))
        .ok_or_else(|| format!("bad size `{s}`: expected e.g. 65536, 512K or 64M"))?;
    if bytes < ENTRY_BYTES {
        return Err(format!(
            "size `{s}` is below one answer ({ENTRY_BYTES} bytes)"
        ));
    }
    Ok(bytes)
}

fn other(what: &str) -> impl FnOnce(io::Error) -> Failure + '_ {
    move |e| Failure::Other(format!("{what}: {e}"))
}

/// The time stamped on events: `--fixed-time`, or the wall clock.
#[derive(Clone, Copy, Debug)]
struct Clock(Option<Timestamp>);

impl Clock {
    fn now(self) -> Timestamp {
        self.0.unwrap_or_else(Timestamp::now)
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(io::stderr().is_terminal())
        .with_target(false)
        .init();
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = rt.block_on(run(args));
    // A policy load still running on a blocking thread is not waited for.
    rt.shutdown_timeout(Duration::from_millis(200));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {f}");
            ExitCode::from(f.exit_code())
        }
    }
}

fn log_policy(what: &str, path: &Path, policy: &Policy) {
    info!(
        path = %path.display(),
        dnc = policy.dnc().len(),
        identifiers = policy.registry().len(),
        "{what}"
    );
}

async fn run(args: Args) -> Result<(), Failure> {
    let clock = Clock(args.fixed_time);
    let seen = Fingerprint::of(&args.policy);
    let policy =
        chanrac_policy::load(&args.policy).map_err(|e| Failure::BadInput(e.to_string()))?;
    log_policy("policy loaded", &args.policy, &policy);
    let mode = match args.mode {
        ModeArg::Enforce => Mode::Enforce,
        ModeArg::Monitor => Mode::Monitor,
    };
    let engine = Arc::new(
        chanrac::EngineBuilder::new()
            .mode(mode)
            .state(chanrac::state::StateConfig {
                max_bytes: args.state_max_mb.map(|m| m.saturating_mul(1 << 20)),
                // Monitor mode delivers whatever the state can hold.
                on_full: if mode == Mode::Monitor {
                    chanrac::state::OnFull::Deliver
                } else {
                    args.on_full
                },
                ..Default::default()
            })
            .build(policy),
    );
    let log = match &args.verdict_log {
        Some(dir) => {
            let log = VerdictLog::open(
                dir,
                LogOptions {
                    text: args.log_text,
                    ..LogOptions::default()
                },
            )
            .map_err(|e| Failure::Other(format!("--verdict-log {}: {e}", dir.display())))?;
            info!(dir = %dir.display(), "writing verdict logs");
            Some(log)
        }
        None => None,
    };
    // `--state`: a directory (the journal) or a shared store's URL.
    let deadline = Duration::from_millis(args.store_deadline_ms);
    let config = SharedConfig::for_mode(mode, deadline, args.on_store_error);
    let (state_dir, shared) = state_arg(args.state.as_deref(), config)
        .map_err(|e| Failure::BadInput(format!("--state: {e}")))?;
    if let Some(shared) = &shared {
        match shared.connect().await {
            Ok(()) => {
                info!(store = shared.display(), "shared state store connected");
                // The policy's consents are in the store before the first
                // call is answered (or, should that fail, soon after).
                if !seed_once(shared, &engine).await {
                    tokio::spawn(seed_consents(shared.clone(), engine.clone()));
                }
            }
            // It may come later: checks meet the fail mode until it does.
            Err(e) => {
                warn!(
                    store = shared.display(),
                    "shared state store not answering yet (calls meet --on-store-error until it does): {e}"
                );
                tokio::spawn(seed_consents(shared.clone(), engine.clone()));
            }
        }
    }
    // `--follow-dnc`: from where the policy stands in the stream.
    let follower = match &args.follow_dnc {
        Some(url) => {
            let from = start_position(&engine.policy(), &stream_key(&args.dnc_prefix));
            let config = FollowConfig {
                prefix: args.dnc_prefix.clone(),
                from,
                ..FollowConfig::default()
            };
            Some(
                Follower::new(url, config)
                    .map_err(|e| Failure::BadInput(format!("--follow-dnc: {e}")))?,
            )
        }
        None => None,
    };
    let metrics = match &args.metrics {
        Some(addr) => {
            let m = SipMetrics::new(
                mode,
                engine.clone(),
                args.answer_cache_bytes,
                log.as_ref().map(VerdictLog::stats),
                shared.clone(),
                follower.as_ref().map(|f| (f.key().to_string(), f.status())),
            );
            let local = chanrac_metrics::start(addr, m.common.clone())
                .await
                .map_err(|e| Failure::Other(format!("--metrics: cannot listen on {addr}: {e}")))?;
            info!("serving metrics on http {local}");
            Some(Arc::new(m))
        }
        None => None,
    };

    let journal = match &state_dir {
        Some(dir) => {
            let (mut journal, stats) =
                StateDir::open(dir, &engine, Durability::Manual).map_err(|e| {
                    // Another process has the directory: a usage error (exit 2).
                    if chanrac_store::is_locked(&e) {
                        Failure::BadInput(format!("--state: {e}"))
                    } else {
                        Failure::Other(format!("state: {e}"))
                    }
                })?;
            info!(
                dir = %dir.display(),
                records = stats.records,
                torn_bytes = stats.torn_bytes,
                "state restored"
            );
            compact(&mut journal, &engine, clock.now());
            Some(journal)
        }
        None => None,
    };

    let addr = tokio::net::lookup_host(&args.listen)
        .await
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| {
            Failure::BadInput(format!("--listen: `{}` is not HOST:PORT", args.listen))
        })?;
    let socket = UdpSocket::bind(addr)
        .await
        .map_err(|e| Failure::Other(format!("cannot listen on udp {addr}: {e}")))?;
    let local: SocketAddr = socket.local_addr().map_err(other("socket"))?;

    let hup = signal(SignalKind::hangup()).map_err(other("signals"))?;
    let term = signal(SignalKind::terminate()).map_err(other("signals"))?;
    let int = signal(SignalKind::interrupt()).map_err(other("signals"))?;
    tokio::spawn(reload(
        engine.clone(),
        args.policy.clone(),
        seen,
        hup,
        metrics.as_ref().map(|m| m.common.clone()),
        shared.clone(),
    ));
    tokio::spawn(maintain(engine.clone(), clock));
    if let Some(f) = follower {
        tokio::spawn(f.follow(engine.clone()));
    }

    if mode == Mode::Monitor {
        info!("monitor mode: every call is delivered; what would have been blocked is flagged");
    }
    info!("listening on udp {local}");
    let responder = Responder::with_cache(engine, AnswerCache::new(args.answer_cache_bytes));
    let limits = Limits::new(args.log_limit);
    serve(
        socket, responder, journal, clock, limits, metrics, log, shared, term, int,
    )
    .await
}

/// Folds the journal into a snapshot. Compaction only needs the caps of
/// the policy, so a policy holding just its config stands in for it.
fn compact(journal: &mut StateDir, engine: &Engine, now: Timestamp) {
    let caps = PolicyBuilder::new()
        .config(engine.policy().config().clone())
        .build();
    match journal.compact(caps, now) {
        Ok(()) => debug!(segment = journal.segment(), "state compacted"),
        Err(e) => error!("state: compaction failed: {e}"),
    }
}

/// The rate limits of the warnings peers can cause, one per kind.
struct Limits {
    /// Malformed requests, unknown methods, dropped datagrams.
    bad: LogLimit,
    /// New calls refused `503` (the answer cache is full).
    busy: LogLimit,
    /// Journal errors (one per call while the disk is full).
    disk: LogLimit,
}

const BAD: &str = "bad requests";
const BUSY: &str = "refused calls";
const DISK: &str = "journal errors";

impl Limits {
    fn new(max: u32) -> Limits {
        Limits {
            bad: LogLimit::new(max, LOG_WINDOW),
            busy: LogLimit::new(max, LOG_WINDOW),
            disk: LogLimit::new(max, LOG_WINDOW),
        }
    }

    fn all(&mut self) -> [(&'static str, &mut LogLimit); 3] {
        [
            (BAD, &mut self.bad),
            (BUSY, &mut self.busy),
            (DISK, &mut self.disk),
        ]
    }

    /// Summarises the windows that are over.
    fn flush(&mut self, now: Instant) {
        for (kind, l) in self.all() {
            if let Some(k) = l.flush(now) {
                summary(kind, k);
            }
        }
    }

    /// Summarises what is left, at stop.
    fn finish(&mut self) {
        for (kind, l) in self.all() {
            if let Some(k) = l.finish() {
                summary(kind, k);
            }
        }
    }

    /// (written, suppressed) lines since start, every kind.
    fn totals(&mut self) -> (u64, u64) {
        self.all().iter().fold((0, 0), |(w, s), (_, l)| {
            (w + l.logged(), s + l.suppressed())
        })
    }
}

fn summary(kind: &str, suppressed: u64) {
    warn!(kind, "suppressed {suppressed} log lines ({kind})");
}

/// Writes the line `write` unless `limit` says otherwise.
fn limited(limit: &mut LogLimit, kind: &str, now: Instant, write: impl FnOnce()) {
    if let Admit::Log { suppressed } = limit.admit(now) {
        if suppressed > 0 {
            summary(kind, suppressed);
        }
        write();
    }
}

/// Logs (rate-limited) what a peer's datagram caused, when worth a warning.
fn log_outcome(limits: &mut Limits, responder: &Responder, outcome: Outcome, peer: SocketAddr) {
    let now = Instant::now();
    match outcome {
        Outcome::Rejected(code, why) => limited(&mut limits.bad, BAD, now, || {
            warn!(%peer, code, why, "bad request");
        }),
        Outcome::Answered(code @ (405 | 501)) => limited(&mut limits.bad, BAD, now, || {
            warn!(%peer, code, "unsupported method");
        }),
        Outcome::Dropped(why) if why != "keep-alive" => limited(&mut limits.bad, BAD, now, || {
            warn!(%peer, why, "datagram dropped");
        }),
        Outcome::Overloaded => limited(&mut limits.busy, BUSY, now, || {
            let cache = responder.cache();
            warn!(
                %peer,
                held_bytes = cache.held_bytes(),
                max_bytes = cache.max_bytes(),
                "answer cache full of answers still due: new call refused 503"
            );
        }),
        _ => {}
    }
}

/// At most this many INVITEs are checked at once against a shared state
/// store; beyond, the socket is not read until one is answered (the
/// datagrams wait in the socket's buffer).
const MAX_IN_FLIGHT: usize = 1024;

/// An answer to send: its bytes, where to, when its datagram arrived and its
/// in-flight mark.
type Reply = (
    Vec<u8>,
    SocketAddr,
    Instant,
    Option<chanrac_metrics::InFlight>,
);

/// A check against the shared state store that ended.
struct Done {
    pending: Pending,
    verdict: chanrac::Verdict,
    took: Duration,
    peer: SocketAddr,
    arrived: Instant,
    flight: Option<chanrac_metrics::InFlight>,
}

/// What the answering task owns.
struct Answering {
    socket: UdpSocket,
    responder: Responder,
    journal: Option<StateDir>,
    clock: Clock,
    limits: Limits,
    metrics: Option<Arc<SipMetrics>>,
    log: Option<VerdictLog>,
    shared: Option<SharedState>,
    replies: Vec<Reply>,
    /// Records appended since the last sync.
    appended: bool,
    /// Records appended since the last compaction.
    appended_since_compact: bool,
    done_tx: mpsc::UnboundedSender<Done>,
}

impl Answering {
    /// Answers one received datagram: at once, or (with a shared state
    /// store) once its check ends, in a task of its own.
    fn receive(&mut self, datagram: &[u8], peer: SocketAddr) {
        let arrived = Instant::now();
        let flight = self.metrics.as_ref().map(|m| m.common.in_flight());
        match self.responder.begin(datagram, self.clock.now(), arrived) {
            Begun::Done(h) => self.settle(h, peer, arrived, flight),
            Begun::Check(pending) => match &self.shared {
                None => {
                    let started = Instant::now();
                    let verdict = self.responder.engine().check(&pending.event());
                    let took = started.elapsed();
                    let h = self.responder.finish(pending, verdict, took, arrived);
                    self.settle(h, peer, arrived, flight);
                }
                Some(shared) => {
                    let (shared, engine) = (shared.clone(), self.responder.engine().clone());
                    let tx = self.done_tx.clone();
                    tokio::spawn(async move {
                        let started = Instant::now();
                        let verdict = shared.check(&engine, &pending.event()).await;
                        let took = started.elapsed();
                        // The receiver lives as long as the answering task.
                        let _ = tx.send(Done {
                            pending,
                            verdict,
                            took,
                            peer,
                            arrived,
                            flight,
                        });
                    });
                }
            },
        }
    }

    /// Answers an INVITE whose shared-state check ended.
    fn complete(&mut self, d: Done) {
        let h = self
            .responder
            .finish(d.pending, d.verdict, d.took, Instant::now());
        self.settle(h, d.peer, d.arrived, d.flight);
    }

    /// Logs, counts and journals a handled datagram, and queues its answer.
    fn settle(
        &mut self,
        h: chanrac_sip::Handled,
        peer: SocketAddr,
        arrived: Instant,
        flight: Option<chanrac_metrics::InFlight>,
    ) {
        debug!(%peer, outcome = ?h.outcome, "datagram");
        log_outcome(&mut self.limits, &self.responder, h.outcome, peer);
        if let Some(m) = &self.metrics {
            m.outcome(h.outcome);
            if let Some(c) = &h.checked {
                m.common
                    .record_check(Channel::Call, c.kind, &c.verdict, c.took);
            }
        }
        if let (Some(log), Some(c)) = (&self.log, &h.checked) {
            let source = c.caller.map(|n| n.to_string()).unwrap_or_default();
            let offset = self.responder.engine().policy().config().utc_offset;
            log.record(
                &Entry {
                    id: &c.id,
                    time: c.time,
                    channel: Channel::Call,
                    kind: c.kind,
                    source: &source,
                    advertiser: &c.advertiser,
                    recipient: c.callee,
                    text: "",
                    duration: None,
                    verdict: &c.verdict,
                },
                offset,
            );
        }
        if let (Some(record), Some(j)) = (&h.record, self.journal.as_mut()) {
            match j.append(record) {
                Ok(()) => self.appended = true,
                Err(e) => {
                    if let Some(m) = &self.metrics {
                        m.journal(false);
                    }
                    limited(&mut self.limits.disk, DISK, Instant::now(), || {
                        error!("state: cannot append to the journal: {e}");
                    })
                }
            }
        }
        if let Some(reply) = h.reply {
            self.replies.push((reply, peer, arrived, flight));
        }
    }

    /// Syncs the journal when records were appended, then sends the
    /// answers queued: no answer for a counted call leaves before its
    /// record is on disk.
    async fn flush(&mut self) {
        if self.appended {
            self.appended = false;
            self.appended_since_compact = true;
            if let Some(j) = self.journal.as_mut() {
                let synced = j.sync();
                if let Some(m) = &self.metrics {
                    m.journal(synced.is_ok());
                }
                if let Err(e) = synced {
                    limited(&mut self.limits.disk, DISK, Instant::now(), || {
                        error!("state: cannot sync the journal: {e}");
                    });
                }
            }
        }
        for (reply, peer, arrived, flight) in self.replies.drain(..) {
            if let Err(e) = self.socket.send_to(&reply, peer).await {
                debug!(%peer, "send: {e}");
            }
            if let Some(m) = &self.metrics {
                m.common.observe_request(arrived.elapsed());
            }
            drop(flight);
        }
        if let Some(m) = &self.metrics {
            m.cache_bytes
                .set(i64::try_from(self.responder.cache().held_bytes()).unwrap_or(i64::MAX));
        }
    }

    /// Whether another INVITE may be taken (fewer than [`MAX_IN_FLIGHT`]
    /// checks wait on the store).
    fn may_take(&self) -> bool {
        self.responder.in_flight() < MAX_IN_FLIGHT
    }
}

#[allow(clippy::too_many_arguments)]
async fn serve(
    socket: UdpSocket,
    responder: Responder,
    journal: Option<StateDir>,
    clock: Clock,
    limits: Limits,
    metrics: Option<Arc<SipMetrics>>,
    log: Option<VerdictLog>,
    shared: Option<SharedState>,
    mut term: Signal,
    mut int: Signal,
) -> Result<(), Failure> {
    let mut buf = vec![0u8; 65_536];
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let deadline = shared.as_ref().map(|s| s.config().deadline);
    let mut a = Answering {
        socket,
        responder,
        journal,
        clock,
        limits,
        metrics,
        log,
        shared,
        replies: Vec::with_capacity(BATCH),
        appended: false,
        appended_since_compact: false,
        done_tx,
    };
    let start = tokio::time::Instant::now() + COMPACT_EVERY;
    let mut compact_tick = tokio::time::interval_at(start, COMPACT_EVERY);
    let mut log_tick = tokio::time::interval(LOG_WINDOW);
    log_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let may_take = a.may_take();
        let first = tokio::select! {
            r = a.socket.recv_from(&mut buf), if may_take => r,
            Some(d) = done_rx.recv() => {
                a.complete(d);
                while let Ok(d) = done_rx.try_recv() {
                    a.complete(d);
                }
                a.flush().await;
                continue;
            }
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = compact_tick.tick() => {
                if a.appended_since_compact {
                    if let Some(j) = a.journal.as_mut() {
                        compact(j, a.responder.engine(), a.clock.now());
                    }
                    a.appended_since_compact = false;
                }
                continue;
            }
            _ = log_tick.tick() => {
                a.limits.flush(Instant::now());
                continue;
            }
        };
        // Answer what is waiting, journal the counted calls, sync once.
        let mut next = Some(first);
        let mut taken = 0;
        while let Some(received) = next.take() {
            taken += 1;
            match received {
                Ok((n, peer)) => a.receive(&buf[..n], peer),
                Err(e) => debug!("receive: {e}"),
            }
            if taken < BATCH && a.may_take() {
                match a.socket.try_recv_from(&mut buf) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    r => next = Some(r),
                }
            }
        }
        a.flush().await;
    }
    // The checks still waiting on the store are answered (each ends within
    // its deadline).
    if let Some(deadline) = deadline {
        let until = tokio::time::Instant::now() + deadline * 2 + Duration::from_secs(1);
        while a.responder.in_flight() > 0 {
            match tokio::time::timeout_at(until, done_rx.recv()).await {
                Ok(Some(d)) => {
                    a.complete(d);
                    a.flush().await;
                }
                _ => break,
            }
        }
    }
    if let Some(j) = a.journal.as_mut() {
        j.sync().map_err(other("state"))?;
    }
    if let Some(log) = a.log.take() {
        let stats = log.stats();
        log.close();
        info!(
            written = stats.written(),
            dropped = stats.dropped(),
            "verdict log closed"
        );
    }
    a.limits.finish();
    let (log_lines, log_suppressed) = a.limits.totals();
    let s = a.responder.stats();
    if let Some(shared) = &a.shared {
        let st = shared.stats();
        info!(
            store = shared.display(),
            checks = st.checks,
            conflicts = st.conflicts,
            unavailable = st.unavailable,
            "shared state"
        );
    }
    info!(
        checked = s.checked,
        delivered = s.delivered,
        blocked = s.blocked,
        retransmissions = s.retransmissions,
        rejected = s.rejected,
        overloaded = s.overloaded,
        dropped = s.dropped,
        other = s.other,
        answer_cache_bytes = a.responder.cache().held_bytes(),
        log_lines,
        log_suppressed,
        "stopped"
    );
    Ok(())
}

/// Grows the state table off the answering task, every second, on a
/// blocking thread (a large table takes a while to allocate); checks go on
/// meanwhile.
async fn maintain(engine: Arc<Engine>, clock: Clock) {
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let e = engine.clone();
        let m = tokio::task::spawn_blocking(move || e.maintain(clock.now())).await;
        match m {
            Ok(m) if m.full => error!(
                stats = ?engine.state().stats(),
                "state is full: new pairs meet the fail mode"
            ),
            Ok(m) if m.grew => info!(stats = ?engine.state().stats(), "state table grown"),
            _ => {}
        }
    }
}

/// Stores the policy's consent records (`consents.csv`) in the shared
/// state store, each only where it is newer than the pair's (as the local
/// table takes them at load): whether the store took them all.
async fn seed_once(shared: &SharedState, engine: &Engine) -> bool {
    match shared.seed_consents(engine).await {
        Ok(n) => {
            info!(
                store = shared.display(),
                consents = n,
                "policy consents stored in the shared state"
            );
            true
        }
        Err(e) => {
            warn!(
                store = shared.display(),
                "cannot store the policy's consents in the shared state yet (retrying): {e}"
            );
            false
        }
    }
}

/// [`seed_once`] until it succeeds, further and further apart (1 s
/// doubling to 30 s).
async fn seed_consents(shared: SharedState, engine: Arc<Engine>) {
    let mut wait = Duration::from_secs(1);
    while !seed_once(&shared, &engine).await {
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(30));
    }
}

/// Reloads the policy on `SIGHUP` and when its files change.
async fn reload(
    engine: Arc<Engine>,
    path: PathBuf,
    mut seen: Fingerprint,
    mut hup: Signal,
    metrics: Option<Arc<Metrics>>,
    shared: Option<SharedState>,
) {
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let why = tokio::select! {
            _ = hup.recv() => "SIGHUP",
            _ = tick.tick() => {
                if Fingerprint::of(&path) == seen {
                    continue;
                }
                "policy files changed"
            }
        };
        // Taken before loading: a change made during the load is seen next.
        seen = Fingerprint::of(&path);
        let p = path.clone();
        match tokio::task::spawn_blocking(move || chanrac_policy::load(&p)).await {
            Ok(Ok(policy)) => {
                log_policy(&format!("policy reloaded ({why})"), &path, &policy);
                engine.swap(policy);
                if let Some(m) = &metrics {
                    m.policy_loaded(std::time::SystemTime::now());
                }
                if let Some(shared) = &shared {
                    tokio::spawn(seed_consents(shared.clone(), engine.clone()));
                }
            }
            failed => {
                let e = match failed {
                    Ok(Err(e)) => e.to_string(),
                    Err(e) => e.to_string(),
                    Ok(Ok(_)) => String::new(),
                };
                error!("policy reload ({why}) failed, the previous policy stays: {e}");
                if let Some(m) = &metrics {
                    m.policy_reload_failed();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chanrac_sip::cache::DEFAULT_MAX_BYTES;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("65536"), Ok(65_536));
        let default = Args::try_parse_from(["chanrac-sip", "--policy", "p", "--listen", "x"])
            .expect("the defaults parse");
        assert_eq!(default.answer_cache_bytes, DEFAULT_MAX_BYTES);
        assert_eq!(parse_size("512K"), Ok(512 << 10));
        assert_eq!(parse_size("64m"), Ok(64 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size(&ENTRY_BYTES.to_string()), Ok(ENTRY_BYTES));
        for bad in [
            "",
            "K",
            "-1",
            "1.5M",
            "12T",
            "99999999999999999999G",
            "1\u{e9}",
            "\u{e9}",
            "1 M",
        ] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        assert!(parse_size("1")
            .unwrap_err()
            .contains(&format!("below one answer ({ENTRY_BYTES} bytes)")));
    }

    #[test]
    fn fixed_times_never_panic() {
        let t = |s: &str| {
            Args::try_parse_from([
                "chanrac-sip",
                "--policy",
                "p",
                "--listen",
                "x",
                "--fixed-time",
                s,
            ])
        };
        assert!(t("2026-03-02T09:15:00+07:00").is_ok());
        for bad in [
            "2026-03-02T10:00:0\u{e9}0",
            "2026-03-02T10:00:\u{1f600}+07:00",
            "\u{1ec7}\u{1ec7}\u{1ec7}\u{1ec7}\u{1ec7}\u{1ec7}\u{1ec7}",
            "2026-03-02",
        ] {
            let e = t(bad).unwrap_err().to_string();
            assert!(e.contains("--fixed-time"), "{bad}: {e}");
        }
    }
}
