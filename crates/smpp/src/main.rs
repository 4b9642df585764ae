//! `chanrac-smpp`: the SMPP 3.4 proxy (see the crate documentation of `chanrac_smpp`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use chanrac_policy::Failure;
use chanrac_smpp::proxy::{Config, Proxy};
use chanrac_smpp::upstream::UpstreamConfig;
use chanrac_store::shared::dnc::{start_position, stream_key, FollowConfig, Follower};
use chanrac_store::shared::{state_arg, SharedConfig};
use clap::Parser;

/// SMPP 3.4 proxy: checks every submit_sm against Decree 91 before it
/// reaches the SMSC.
#[derive(Parser, Debug)]
#[command(name = "chanrac-smpp", version)]
struct Args {
    /// Policy directory or snapshot file (`chanrac build`).
    #[arg(long)]
    policy: PathBuf,
    /// Where ESMEs connect, HOST:PORT.
    #[arg(long)]
    listen: String,
    /// The SMSC allowed messages go to, HOST:PORT.
    #[arg(long)]
    upstream: String,
    /// system_id of the upstream bind, for accounts without their own
    /// (accounts.csv upstream_system_id).
    #[arg(long, default_value = "chanrac")]
    upstream_system_id: String,
    /// Password of the upstream bind (with --upstream-system-id).
    #[arg(long, default_value = "")]
    upstream_password: String,
    /// Accounts without their own upstream login bind to the SMSC with the
    /// ESME's own system_id and password instead of --upstream-system-id.
    #[arg(long)]
    upstream_pass_through: bool,
    /// Sessions to the SMSC per login (each account's own, or the shared
    /// one): requests go round-robin over them. An account's
    /// `upstream_sessions` column in accounts.csv overrides it.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    upstream_sessions: u16,
    /// command_status answered to blocked messages (decimal or 0x hex).
    #[arg(long, default_value = "0x45", value_parser = parse_status)]
    reject_status: u32,
    /// Keep counters and consent in this directory across restarts (one
    /// process per directory), or share them with every proxy, responder
    /// and host using the same store: `redis://HOST:PORT`, `rediss://…`
    /// (TLS), with `user:password@` when the store asks for it, or several
    /// Cluster nodes separated by commas. With a store, no journal is
    /// written (the store's own persistence keeps the state).
    #[arg(long, value_name = "DIR|URL")]
    state: Option<String>,
    /// With `--state redis://…`: the longest a check waits for the store,
    /// in milliseconds, before the message meets `--on-store-error`.
    #[arg(long, value_name = "MS", default_value_t = 50,
          value_parser = clap::value_parser!(u64).range(1..=60_000))]
    store_deadline_ms: u64,
    /// With `--state redis://…`: what an ad gets when the store does not
    /// answer in time: `block` (STATE_UNAVAILABLE, --reject-status; the
    /// default) or `deliver` (forwarded, uncounted). `--mode monitor`
    /// delivers. A reply whose consent cannot be stored gets
    /// ESME_RX_T_APPN either way (the SMSC delivers it again).
    #[arg(long, value_name = "block|deliver", default_value = "block")]
    on_store_error: chanrac::state::OnFull,
    /// Stamp every event with this RFC 3339 time instead of the clock,
    /// e.g. `2026-03-02T09:15:00+07:00`.
    #[arg(long, value_name = "RFC3339", value_parser = chanrac_policy::events::parse_time)]
    fixed_time: Option<jiff::Timestamp>,
    /// Most submit_sm in flight per ESME session; beyond it ESME_RTHROTTLED.
    #[arg(long, default_value_t = 10)]
    window: usize,
    /// Seconds to wait for the missing parts of a concatenated SMS.
    #[arg(long, default_value_t = 30.0)]
    reassembly_timeout: f64,
    /// Most memory for parts held for reassembly, all accounts, in MiB;
    /// beyond it a part gets ESME_RMSGQFUL.
    #[arg(long, value_name = "MIB", default_value_t = 128)]
    held_parts_max_mb: usize,
    /// Most memory for one account's parts held for reassembly, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 16)]
    held_parts_account_max_mb: usize,
    /// Most memory for the decisions of concatenated messages remembered
    /// for their late parts (twice the reassembly timeout), in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    decided_memory_max_mb: usize,
    /// Most memory for one account's remembered decisions, in MiB; when
    /// it is full the account's new concatenated messages get
    /// ESME_RMSGQFUL (a decision still due is never forgotten).
    #[arg(long, value_name = "MIB", default_value_t = 16)]
    decided_memory_account_max_mb: usize,
    /// Most memory for the per-pair state table, in MiB (default: what the
    /// allocator gives). Beyond it new pairs meet --on-full.
    #[arg(long, value_name = "MIB")]
    state_max_mb: Option<usize>,
    /// What an ad to a new pair gets when the state is full: `block`
    /// (STATE_FULL, the default) or `deliver` (uncounted).
    #[arg(long, default_value = "block")]
    on_full: chanrac::state::OnFull,
    /// Worker threads of the runtime (default: half the cores, at least
    /// one: the proxy then leaves cores to the SMSC and gateways it often
    /// shares a machine with, and hands PDUs between fewer threads).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: Option<u16>,
    /// `enforce` (the default) or `monitor`: a monitor-only rollout, where
    /// every `block` action becomes `flag` (every message is forwarded) and
    /// a full state delivers; what would have been blocked is counted in
    /// the metrics and the verdict log.
    #[arg(long, value_enum, default_value = "enforce")]
    mode: ModeArg,
    /// Serve Prometheus metrics (`/metrics`) and health checks (`/healthz`,
    /// `/readyz`: not ready while the SMSC is unreachable) over HTTP at
    /// this address, e.g. `127.0.0.1:9101` (port 0 picks a free port; the
    /// address is logged at start).
    #[arg(long, value_name = "HOST:PORT")]
    metrics: Option<String>,
    /// Write one JSON line per checked message into this directory
    /// (`verdicts-YYYY-MM-DD.jsonl` by the message's local day, rotated by
    /// size; id: the SMSC's message_id, empty when blocked). Written off the
    /// answering path: when the writer falls behind, lines are dropped,
    /// counted and marked, never delaying a message.
    #[arg(long, value_name = "DIR")]
    verdict_log: Option<PathBuf>,
    /// What the verdict log keeps of the message text: `none`, `hash` (the
    /// default: the label the rules read and a hash) or `full`.
    #[arg(long, value_name = "none|hash|full", default_value = "hash")]
    log_text: chanrac_metrics::verdict_log::LogText,
    /// Follow the DNC stream in this store (`redis://HOST:PORT`, …):
    /// every DNC change published on any node (`chanrac inbox --publish`,
    /// `chanrac dnc add --publish`) is applied to the live DNC list, from
    /// the position a snapshot built with `--dnc-stream` records, else from
    /// the stream's beginning. Messages never wait for it.
    #[arg(long, value_name = "URL")]
    follow_dnc: Option<String>,
    /// The first part of the DNC stream's key (`PREFIX:dnc`).
    #[arg(long, value_name = "PREFIX", default_value = "chanrac")]
    dnc_prefix: String,
    #[command(flatten)]
    limits: LimitArgs,
}

/// The proxy, lending its engine to the DNC stream follower.
#[derive(Clone)]
struct ProxyEngine(std::sync::Arc<Proxy>);

impl AsRef<chanrac::Engine> for ProxyEngine {
    fn as_ref(&self) -> &chanrac::Engine {
        self.0.engine()
    }
}

/// The bounds on what a peer controls (`chanrac_smpp::limits`).
#[derive(clap::Args, Debug)]
#[command(next_help_heading = "Limits")]
struct LimitArgs {
    /// Most ESME connections open at once; one more takes the place of the
    /// oldest that has not bound, or is closed at once when all are bound.
    #[arg(long, default_value_t = 1000)]
    max_connections: usize,
    /// Most connections open at once from one IPv4 address or IPv6 /64.
    #[arg(long, default_value_t = 64)]
    max_connections_per_source: usize,
    /// Seconds a new connection has to bind before it is closed.
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = parse_secs)]
    bind_timeout: Duration,
    /// Seconds of silence after which a bound session is sent an
    /// enquire_link.
    #[arg(long, value_name = "SECS", default_value = "90", value_parser = parse_secs)]
    idle_timeout: Duration,
    /// Seconds of further silence after that enquire_link before the
    /// session is closed.
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = parse_secs)]
    enquire_link_timeout: Duration,
    /// Seconds a PDU has to arrive whole after its first octet.
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = parse_secs)]
    pdu_timeout: Duration,
    /// Most KiB of answers queued for one session; beyond, its requests
    /// are not read until the answers drain.
    #[arg(long, value_name = "KIB", default_value_t = 64)]
    max_queued_kb: usize,
    /// Seconds a session's queued answers may stay unread before it is
    /// closed.
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = parse_secs)]
    write_timeout: Duration,
    /// Seconds added to binds from a source after its first failed bind,
    /// doubled with each further failure (0: no delay).
    #[arg(long, value_name = "SECS", default_value = "1", value_parser = parse_secs_or_zero)]
    bind_delay: Duration,
    /// The largest bind delay, in seconds.
    #[arg(long, value_name = "SECS", default_value = "32", value_parser = parse_secs_or_zero)]
    bind_delay_max: Duration,
    /// Seconds without a failed bind after which a source starts afresh.
    #[arg(long, value_name = "SECS", default_value = "300", value_parser = parse_secs)]
    bind_quiet: Duration,
    /// Most log lines peers can cause per --log-window (the rest are
    /// counted and summarised).
    #[arg(long, default_value_t = 20)]
    log_lines: u32,
    /// The window of --log-lines, in seconds.
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = parse_secs)]
    log_window: Duration,
    /// Seconds to wait for the TCP connection to the SMSC.
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = parse_secs)]
    upstream_connect_timeout: Duration,
    /// Seconds to wait for the SMSC's bind_resp.
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = parse_secs)]
    upstream_bind_timeout: Duration,
    /// Longest wait between two attempts to reach a down SMSC, in seconds.
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = parse_secs)]
    upstream_retry_max: Duration,
    /// Seconds to wait for the SMSC's answer to a submit (beyond, the ESME
    /// gets ESME_RSYSERR), and for an ESME's answer to a receipt or reply
    /// (beyond, the SMSC gets ESME_RX_T_APPN). Keep it below the gateways'
    /// own wait (Kannel's wait-ack).
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = parse_secs)]
    upstream_response_timeout: Duration,
    /// Most KiB of submit_sm queued for an SMSC that does not read them;
    /// beyond, submits get ESME_RSYSERR at once.
    #[arg(long, value_name = "KIB", default_value_t = 4096)]
    upstream_max_queued_kb: usize,
}

impl LimitArgs {
    fn peer_limits(&self) -> chanrac_smpp::limits::PeerLimits {
        chanrac_smpp::limits::PeerLimits {
            max_connections: self.max_connections.max(1),
            max_connections_per_source: self.max_connections_per_source.max(1),
            bind_timeout: self.bind_timeout,
            idle_timeout: self.idle_timeout,
            enquire_link_timeout: self.enquire_link_timeout,
            pdu_timeout: self.pdu_timeout,
            max_queued_bytes: self.max_queued_kb.max(1).saturating_mul(1024),
            write_timeout: self.write_timeout,
            bind_delay: self.bind_delay,
            bind_delay_max: self.bind_delay_max,
            bind_quiet: self.bind_quiet,
            log_lines: self.log_lines,
            log_window: self.log_window,
        }
    }
}

/// Seconds (a decimal number) greater than zero.
fn parse_secs(s: &str) -> Result<Duration, String> {
    match parse_secs_or_zero(s)? {
        d if d.is_zero() => Err("expected seconds > 0".into()),
        d => Ok(d),
    }
}

/// Seconds (a decimal number), zero or more.
fn parse_secs_or_zero(s: &str) -> Result<Duration, String> {
    let v: f64 = s.parse().map_err(|e| format!("`{s}`: {e}"))?;
    if !(v.is_finite() && v >= 0.0) {
        return Err(format!("`{s}`: expected seconds >= 0"));
    }
    Duration::try_from_secs_f64(v).map_err(|e| format!("`{s}`: {e}"))
}

fn parse_status(s: &str) -> Result<u32, String> {
    let r = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u32::from_str_radix(h, 16),
        None => s.parse(),
    };
    match r {
        Ok(0) => Err("a reject status of 0 would tell the ESME the message was sent".into()),
        Ok(v) => Ok(v),
        Err(e) => Err(format!("`{s}`: {e}")),
    }
}

/// `--mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ModeArg {
    /// Block what the policy's actions block.
    Enforce,
    /// Deliver everything; report what would have been blocked.
    Monitor,
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_ansi(false)
        .init();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {f}");
            ExitCode::from(f.exit_code())
        }
    }
}

fn run(args: Args) -> Result<(), Failure> {
    if !(args.reassembly_timeout.is_finite() && args.reassembly_timeout >= 0.0) {
        return Err(Failure::BadInput(
            "--reassembly-timeout: expected seconds >= 0".into(),
        ));
    }
    let mode = match args.mode {
        ModeArg::Enforce => chanrac::Mode::Enforce,
        ModeArg::Monitor => chanrac::Mode::Monitor,
    };
    // `--state`: a directory (the journal) or a shared store's URL.
    let deadline = Duration::from_millis(args.store_deadline_ms);
    let config = SharedConfig::for_mode(mode, deadline, args.on_store_error);
    let (state_dir, shared) = state_arg(args.state.as_deref(), config)
        .map_err(|e| Failure::BadInput(format!("--state: {e}")))?;
    // SMPP 3.4's limits (system_id 16 octets, password 9, with the NUL):
    // longer ones could never bind.
    if args.upstream_system_id.len() > 15 {
        return Err(Failure::BadInput(
            "--upstream-system-id: at most 15 characters (SMPP 3.4)".into(),
        ));
    }
    if args.upstream_password.len() > 8 {
        return Err(Failure::BadInput(
            "--upstream-password: at most 8 characters (SMPP 3.4)".into(),
        ));
    }
    let cfg = Config {
        policy: args.policy,
        upstream: UpstreamConfig {
            addr: args.upstream,
            system_id: args.upstream_system_id,
            password: args.upstream_password,
            connect_timeout: args.limits.upstream_connect_timeout,
            bind_timeout: args.limits.upstream_bind_timeout,
            retry_max: args.limits.upstream_retry_max,
            response_timeout: args.limits.upstream_response_timeout,
            max_queued_bytes: args.limits.upstream_max_queued_kb.saturating_mul(1024),
            sessions: usize::from(args.upstream_sessions),
        },
        reject_status: args.reject_status,
        pass_through_login: args.upstream_pass_through,
        state: state_dir,
        fixed_time: args.fixed_time,
        window: args.window.max(1),
        reassembly_timeout: Duration::from_secs_f64(args.reassembly_timeout),
        reassembly_bytes: chanrac_smpp::reassembly::ByteCaps {
            held: args.held_parts_max_mb.saturating_mul(1 << 20),
            per_account: args.held_parts_account_max_mb.saturating_mul(1 << 20),
            remembered: args.decided_memory_max_mb.saturating_mul(1 << 20),
            remembered_per_account: args.decided_memory_account_max_mb.saturating_mul(1 << 20),
        },
        state_config: chanrac::state::StateConfig {
            max_bytes: args.state_max_mb.map(|m| m.saturating_mul(1 << 20)),
            on_full: args.on_full,
            ..Default::default()
        },
        peer_limits: args.limits.peer_limits(),
    };
    if matches!(cfg.reject_status, 0x08 | 0x14 | 0x58 | 0x64) {
        tracing::warn!(
            reject_status = cfg.reject_status,
            "--reject-status is a temporary status: Kannel and Jasmin will send every blocked message again"
        );
    }
    let ops = chanrac_smpp::ops::Ops::new(mode);
    let started = match shared.clone() {
        Some(shared) => Proxy::new_shared(cfg, ops, shared),
        None => Proxy::new_with(cfg, ops),
    };
    let proxy = started?;
    // `--follow-dnc`: from where the policy stands in the stream.
    let follower = match &args.follow_dnc {
        Some(url) => {
            let key = stream_key(&args.dnc_prefix);
            let config = FollowConfig {
                prefix: args.dnc_prefix.clone(),
                from: start_position(&proxy.engine().policy(), &key),
                ..FollowConfig::default()
            };
            let f = Follower::new(url, config)
                .map_err(|e| Failure::BadInput(format!("--follow-dnc: {e}")))?;
            proxy.ops().attach_dnc_stream(key, f.status());
            Some(f)
        }
        None => None,
    };
    let threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)),
        usize::from,
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(format!("tokio runtime: {e}")))?;
    if let Some(dir) = &args.verdict_log {
        let options = chanrac_metrics::verdict_log::LogOptions {
            text: args.log_text,
            ..Default::default()
        };
        let log = chanrac_metrics::verdict_log::VerdictLog::open(dir, options)
            .map_err(|e| Failure::Other(format!("--verdict-log {}: {e}", dir.display())))?;
        proxy.ops().attach_log(log);
    }
    if mode == chanrac::Mode::Monitor {
        tracing::info!(
            "monitor mode: every message is delivered; what would have been blocked is flagged"
        );
    }
    rt.block_on(async move {
        if let Some(shared) = &shared {
            match shared.connect().await {
                Ok(()) => {
                    tracing::info!(store = shared.display(), "shared state store connected");
                    // The policy's consents are in the store before the
                    // first message is checked (or, should that fail, soon
                    // after).
                    if !proxy.seed_consents_once().await {
                        tokio::spawn(proxy.clone().seed_consents());
                    }
                }
                // It may come later: checks meet the fail mode until it does.
                Err(e) => {
                    tracing::warn!(
                        store = shared.display(),
                        "shared state store not answering yet (messages meet --on-store-error until it does): {e}"
                    );
                    tokio::spawn(proxy.clone().seed_consents());
                }
            }
        }
        if let Some(addr) = &args.metrics {
            let a = chanrac_smpp::ops::serve_metrics(&proxy, addr)
                .await
                .map_err(|e| {
                    Failure::Other(format!("--metrics: cannot listen on `{addr}`: {e}"))
                })?;
            tracing::info!("serving metrics on http {a}");
        }
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .map_err(|e| Failure::Other(format!("cannot listen on `{}`: {e}", args.listen)))?;
        if let Ok(a) = listener.local_addr() {
            tracing::info!("listening on {a}");
        }
        if let Some(f) = follower {
            tokio::spawn(f.follow(ProxyEngine(proxy.clone())));
        }
        let serve = tokio::spawn(proxy.clone().serve(listener));
        shutdown_signal().await;
        serve.abort();
        proxy.unbind_upstreams().await;
        proxy.sync_state();
        if let Some(log) = proxy.ops().log() {
            log.flush(Duration::from_secs(5));
            let s = log.stats();
            tracing::info!(
                written = s.written(),
                dropped = s.dropped(),
                "verdict log flushed"
            );
        }
        tracing::info!(limits = ?proxy.stats(), "stopped");
        Ok(())
    })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut t), Ok(mut i)) => {
                tokio::select! {
                    _ = t.recv() => {},
                    _ = i.recv() => {},
                }
            }
            _ => std::future::pending::<()>().await,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_flags_default_to_the_library_defaults() {
        let a = Args::try_parse_from([
            "chanrac-smpp",
            "--policy",
            "p",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            "127.0.0.1:1",
        ])
        .unwrap();
        assert_eq!(
            a.limits.peer_limits(),
            chanrac_smpp::limits::PeerLimits::default()
        );
        let up = UpstreamConfig::default();
        assert_eq!(a.limits.upstream_connect_timeout, up.connect_timeout);
        assert_eq!(a.limits.upstream_bind_timeout, up.bind_timeout);
        assert_eq!(a.limits.upstream_retry_max, up.retry_max);
        assert_eq!(a.limits.upstream_response_timeout, up.response_timeout);
        assert_eq!(a.limits.upstream_max_queued_kb * 1024, up.max_queued_bytes);
    }

    /// The required flags and `extra`.
    fn with(extra: &[&str]) -> Result<Args, clap::Error> {
        let mut v = vec![
            "chanrac-smpp",
            "--policy",
            "p",
            "--listen",
            "l",
            "--upstream",
            "u",
        ];
        v.extend_from_slice(extra);
        Args::try_parse_from(v)
    }

    #[test]
    fn fixed_time_is_rfc3339_with_an_offset() {
        let t = |s: &str| with(&["--fixed-time", s]);
        let a = t("2026-03-02T09:15:00+07:00").unwrap();
        assert_eq!(
            a.fixed_time,
            Some(chanrac_policy::events::parse_time("2026-03-02T02:15:00Z").unwrap())
        );
        for bad in ["2026-03-02", "2026-03-02T09:15:00", "09:15"] {
            let e = t(bad).unwrap_err().to_string();
            assert!(
                e.contains("--fixed-time") && e.contains("RFC 3339"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn limit_flags_are_parsed_and_checked() {
        let a = with(&[
            "--bind-timeout",
            "2.5",
            "--max-queued-kb",
            "8",
            "--bind-delay",
            "0",
        ])
        .unwrap();
        let l = a.limits.peer_limits();
        assert_eq!(l.bind_timeout, Duration::from_millis(2500));
        assert_eq!(l.max_queued_bytes, 8192);
        assert_eq!(l.bind_delay, Duration::ZERO);
        assert!(with(&["--bind-timeout", "0"]).is_err());
        assert!(with(&["--idle-timeout", "-1"]).is_err());
        assert!(with(&["--pdu-timeout", "NaN"]).is_err());
    }
}
