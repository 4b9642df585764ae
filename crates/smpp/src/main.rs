//! `chanrac-smpp`: the SMPP 3.4 proxy (CONTRACT.md §6).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use chanrac_smpp::proxy::{Config, Proxy, StartError};
use chanrac_smpp::upstream::UpstreamConfig;
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
    /// system_id of the upstream bind.
    #[arg(long, default_value = "chanrac")]
    upstream_system_id: String,
    /// Password of the upstream bind.
    #[arg(long, default_value = "")]
    upstream_password: String,
    /// command_status answered to blocked messages (decimal or 0x hex).
    #[arg(long, default_value = "0x45", value_parser = parse_status)]
    reject_status: u32,
    /// Keep counters and consent in this directory across restarts.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Stamp every event with this RFC 3339 time instead of the clock.
    #[arg(long)]
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
    if !(args.reassembly_timeout.is_finite() && args.reassembly_timeout >= 0.0) {
        eprintln!("error: --reassembly-timeout: expected seconds >= 0");
        return ExitCode::from(2);
    }
    let cfg = Config {
        policy: args.policy,
        upstream: UpstreamConfig {
            addr: args.upstream,
            system_id: args.upstream_system_id,
            password: args.upstream_password,
        },
        reject_status: args.reject_status,
        state: args.state,
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
    };
    let proxy = match Proxy::new(cfg) {
        Ok(p) => p,
        Err(e @ StartError::Policy(_)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: tokio runtime: {e}");
            return ExitCode::from(1);
        }
    };
    rt.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(&args.listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: cannot listen on `{}`: {e}", args.listen);
                return ExitCode::from(1);
            }
        };
        if let Ok(a) = listener.local_addr() {
            tracing::info!("listening on {a}");
        }
        let serve = tokio::spawn(proxy.clone().serve(listener));
        shutdown_signal().await;
        serve.abort();
        proxy.sync_state();
        tracing::info!("stopped");
        ExitCode::SUCCESS
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
