//! `chanrac`: the command line for compliance teams (CONTRACT.md §5).
//!
//! Exit status: 0 success, 2 bad input or usage (with a message naming the
//! file and line), 1 other failure. No command leaves a half-written output
//! file behind.

mod build;
mod output;
mod replay;
mod scrub;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Checks advertising SMS and calls against Vietnam's Decree 91/2020/ND-CP.
#[derive(Parser)]
#[command(name = "chanrac", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replays an event log and writes one verdict per event (JSON Lines).
    Replay(ReplayArgs),
    /// Removes the numbers on the DNC list for a channel from a campaign list.
    Scrub(ScrubArgs),
    /// Compiles a policy directory into one snapshot file, which every
    /// command takes as `--policy`.
    Build(BuildArgs),
}

#[derive(clap::Args)]
struct BuildArgs {
    /// The policy directory.
    #[arg(long, value_name = "DIR")]
    policy: PathBuf,
    /// The snapshot file to write (replaced whole, or left as it was).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// No summary on standard error.
    #[arg(long, short)]
    quiet: bool,
}

/// A channel.
#[derive(Clone, Copy, ValueEnum, Debug)]
enum ChannelArg {
    /// Short messages.
    Sms,
    /// Voice calls.
    Call,
}

#[derive(clap::Args)]
struct ScrubArgs {
    /// The policy directory, or a snapshot file written by `chanrac build`.
    #[arg(long, value_name = "DIR")]
    policy: PathBuf,
    /// Which DNC scope to scrub against.
    #[arg(long, value_enum)]
    channel: ChannelArg,
    /// The campaign list: one number per line, in any written form.
    #[arg(long = "in", value_name = "FILE")]
    input: PathBuf,
    /// Where to write the numbers kept (default: standard output).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// No summary on standard error.
    #[arg(long, short)]
    quiet: bool,
}

/// When events change the engine's state.
#[derive(Clone, Copy, ValueEnum, Debug, Default)]
enum ModeArg {
    /// In-line filtering: only allowed events count.
    #[default]
    Enforce,
    /// Logs of traffic already delivered: every ad and registration counts.
    Audit,
}

#[derive(clap::Args)]
struct ReplayArgs {
    /// The policy directory, or a snapshot file written by `chanrac build`.
    #[arg(long, value_name = "DIR")]
    policy: PathBuf,
    /// The events: CSV, or JSON Lines when the name ends in `.jsonl`.
    #[arg(long, value_name = "FILE")]
    events: PathBuf,
    /// enforce (default) or audit.
    #[arg(long, value_enum, default_value_t = ModeArg::Enforce)]
    mode: ModeArg,
    /// Where to write the verdicts (default: standard output).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// No summary on standard error.
    #[arg(long, short)]
    quiet: bool,
    /// Continue from the state (consent, registrations, counters) kept in
    /// this directory, and record this replay's changes into it.
    #[arg(long, value_name = "DIR")]
    state: Option<PathBuf>,
}

/// A failure, with the exit status it maps to.
#[derive(Debug)]
pub enum Failure {
    /// Bad input or usage: exit 2.
    BadInput(String),
    /// Anything else: exit 1.
    Other(String),
}

impl From<chanrac_policy::LoadError> for Failure {
    fn from(e: chanrac_policy::LoadError) -> Failure {
        match e.kind() {
            chanrac_policy::ErrorKind::BadInput => Failure::BadInput(e.to_string()),
            chanrac_policy::ErrorKind::Io => Failure::Other(e.to_string()),
        }
    }
}

/// Loads a policy given as `--policy`: a directory, or a snapshot file
/// (`chanrac build`), mapped and verified.
pub fn load_policy(path: &std::path::Path) -> Result<chanrac::Policy, Failure> {
    Ok(chanrac_policy::load(path)?)
}

/// A progress bar over `len` bytes on standard error; hidden when asked, and
/// by indicatif itself when standard error is not a terminal.
pub fn progress_bar(len: u64, quiet: bool) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Replay(a) => replay::run(&replay::Options {
            policy: a.policy,
            events: a.events,
            mode: match a.mode {
                ModeArg::Enforce => chanrac::Mode::Enforce,
                ModeArg::Audit => chanrac::Mode::Audit,
            },
            out: a.out,
            quiet: a.quiet,
            state: a.state,
        }),
        Command::Scrub(a) => scrub::run(&scrub::Options {
            policy: a.policy,
            channel: match a.channel {
                ChannelArg::Sms => chanrac::Channel::Sms,
                ChannelArg::Call => chanrac::Channel::Call,
            },
            input: a.input,
            out: a.out,
            quiet: a.quiet,
        }),
        Command::Build(a) => build::run(&build::Options {
            policy: a.policy,
            out: a.out,
            quiet: a.quiet,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(2)
        }
        Err(Failure::Other(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(1)
        }
    }
}
