//! `chanrac`: the command line for compliance teams (docs/tools.md).
//!
//! Exit status: 0 success, 2 bad input or usage (with a message naming the
//! file and line), 1 other failure. No command leaves a half-written output
//! file behind.

mod build;
mod cases;
mod dnc;
mod inbox;
mod monthly;
mod output;
mod replay;
mod report;
mod scrub;
mod state;
mod suspensions;
mod verdicts;

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
    /// Moves the per-pair state between a state directory and a shared
    /// Redis store.
    State {
        #[command(subcommand)]
        action: StateAction,
    },
    /// Replays an event log and writes one verdict per event (JSON Lines).
    Replay(ReplayArgs),
    /// Removes the numbers on the DNC list for a channel from a campaign list.
    Scrub(ScrubArgs),
    /// Compiles a policy directory into one snapshot file, which every
    /// command takes as `--policy`.
    Build(BuildArgs),
    /// Processes messages sent to 5656: DK DNC / HUY DNC update the DNC
    /// list, S / V reports become the appendix form, the rest is rejected.
    Inbox(InboxArgs),
    /// The suspension request list: numbers reported at least N times in a
    /// period, less those already requested.
    Suspensions(SuspensionsArgs),
    /// Publishes one DNC change to the DNC stream every node follows
    /// (`--follow-dnc`); prints the entry's id.
    Dnc(DncArgs),
    /// The case workflow of QĐ 30/2021: a ledger of reported numbers,
    /// notices, suspension and restoration requests (docs/cases.md).
    Cases(CasesArgs),
    /// The monthly return: blocked events by reason and channel, 5656
    /// messages by type, numbers suspended and restored (docs/cases.md).
    Return(ReturnArgs),
    /// The HTML compliance report from the adapters' verdict logs
    /// (`--verdict-log`): the decisions taken on live traffic.
    Report(ReportArgs),
}

#[derive(clap::Args)]
struct ReportArgs {
    /// Verdict log files (`verdicts-YYYY-MM-DD.jsonl`) written by
    /// chanrac-smpp or chanrac-sip.
    #[arg(long, value_name = "FILE", num_args = 1.., required = true)]
    verdicts: Vec<PathBuf>,
    /// The policy (advertiser names and kinds, local time); default: the
    /// law's defaults.
    #[arg(long, value_name = "DIR")]
    policy: Option<PathBuf>,
    /// Where to write the HTML report.
    #[arg(long, value_name = "FILE.html")]
    out: PathBuf,
    /// No summary on standard error.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(clap::Args)]
struct CasesArgs {
    /// The ledger directory.
    #[arg(long, value_name = "DIR", global = true)]
    ledger: Option<PathBuf>,
    /// The day to act for (YYYY-MM-DD; default: today at +07:00).
    #[arg(long, value_name = "DATE", global = true)]
    today: Option<String>,
    /// Who makes the change (default: $USER, else `chanrac`).
    #[arg(long, value_name = "NAME", global = true)]
    by: Option<String>,
    /// No summary on standard error.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    action: CasesAction,
}

#[derive(Subcommand)]
enum StateAction {
    /// Copies every pair from `--state` to `--to`: a directory into an
    /// empty store (`redis://…`), or a store into a new directory.
    Export {
        /// Where the state is now: a state directory or `redis://…`.
        #[arg(long, value_name = "DIR|URL")]
        state: String,
        /// Where it goes: `redis://…` or a new directory.
        #[arg(long, value_name = "URL|DIR")]
        to: String,
        /// The store's key prefix.
        #[arg(long, default_value = "chanrac")]
        prefix: String,
        /// How long opt-ins are kept, in days (at least 365).
        #[arg(long, default_value_t = 400)]
        retention_days: u32,
        /// Judge what has expired (ads older than 24 h, old opt-ins) at this
        /// time instead of the clock: for state built from old logs.
        #[arg(long, value_name = "RFC3339", value_parser = chanrac_policy::events::parse_time)]
        now: Option<jiff::Timestamp>,
        /// No progress or summary on standard error.
        #[arg(long, short)]
        quiet: bool,
    },
}

#[derive(Subcommand)]
enum CasesAction {
    /// Creates an empty ledger with the default config.toml.
    Init,
    /// Takes new report rows (appendix form) into cases and referrals.
    Open {
        /// Report lists in the appendix form (`chanrac inbox`'s reports.csv).
        #[arg(long, value_name = "FILE", num_args = 1.., required = true)]
        reports: Vec<PathBuf>,
        /// Distinct reports that open a case (default: the ledger's config).
        #[arg(long, value_name = "N")]
        threshold: Option<u32>,
    },
    /// Writes the notices due today as an events file of care SMS.
    Notify {
        /// The events file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// On the 5th and 25th: the suspension request list.
    Request {
        /// The request list to write (appendix form).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// A policy's suspended.csv to update (other rows kept).
        #[arg(long, value_name = "FILE")]
        suspended: Option<PathBuf>,
    },
    /// Records the carrier's confirmations (CSV `number[,status][,date]`).
    Confirm {
        /// The carrier's CSV.
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
    },
    /// The department's record: a fine paid, or the owner came in.
    Mark {
        /// The number.
        number: String,
        /// What happened.
        #[arg(value_enum)]
        what: MarkArg,
    },
    /// On the 5th, 15th and 25th: the restoration list for cases marked paid.
    Restore {
        /// The restoration list to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// A policy's suspended.csv to update (restored numbers removed).
        #[arg(long, value_name = "FILE")]
        suspended: Option<PathBuf>,
    },
    /// Open cases by state and age, overdue steps marked.
    Status {
        /// Also write an HTML page.
        #[arg(long, value_name = "FILE.html")]
        html: Option<PathBuf>,
    },
}

/// What `cases mark` records.
#[derive(Clone, Copy, ValueEnum, Debug)]
enum MarkArg {
    /// The fine was paid.
    Paid,
    /// The owner came in.
    CameIn,
}

#[derive(clap::Args)]
struct ReturnArgs {
    /// The month (YYYY-MM, local dates at +07:00).
    #[arg(long, value_name = "YYYY-MM")]
    month: String,
    /// Verdict files (JSON Lines from `chanrac replay` or a verdict log).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    verdicts: Vec<PathBuf>,
    /// The events the replay verdicts were made from (for their time and
    /// channel), joined by id.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    events: Vec<PathBuf>,
    /// `chanrac inbox` output directories (reports.csv, rejected.csv,
    /// dnc_changes.csv).
    #[arg(long, value_name = "DIR", num_args = 1..)]
    inbox: Vec<PathBuf>,
    /// Report lists in the appendix form (inbox's reports.csv).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    inbox_reports: Vec<PathBuf>,
    /// Inbox rejected.csv files.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    inbox_rejected: Vec<PathBuf>,
    /// Inbox dnc_changes.csv files.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    dnc_changes: Vec<PathBuf>,
    /// A case ledger (numbers suspended and restored).
    #[arg(long, value_name = "DIR")]
    ledger: Option<PathBuf>,
    /// The CSV to write.
    #[arg(long, value_name = "FILE.csv")]
    out: PathBuf,
    /// Also write an HTML page.
    #[arg(long, value_name = "FILE.html")]
    html: Option<PathBuf>,
    /// No summary on standard error.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(clap::Args)]
struct InboxArgs {
    /// The policy directory (or snapshot) whose DNC list the messages update.
    #[arg(long, value_name = "DIR")]
    policy: PathBuf,
    /// The messages: CSV `time,from,text`, in the order they arrived.
    #[arg(long, value_name = "FILE")]
    messages: PathBuf,
    /// The directory to write `dnc.csv`, `reports.csv` and `rejected.csv`
    /// into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Also append every DNC change made, in order, to the DNC stream in
    /// this store (`redis://HOST:PORT`), once the files are written; the
    /// entries' ids are printed.
    #[arg(long, value_name = "URL")]
    publish: Option<String>,
    /// The first part of the stream's key (`PREFIX:dnc`).
    #[arg(long, value_name = "PREFIX", default_value = "chanrac")]
    dnc_prefix: String,
    /// No summary on standard error.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(clap::Args)]
struct DncArgs {
    #[command(subcommand)]
    action: DncAction,
}

#[derive(Subcommand)]
enum DncAction {
    /// Puts a number on the DNC list (for every node following the stream).
    Add(DncChangeArgs),
    /// Takes a number off the DNC list for a scope.
    Remove(DncChangeArgs),
}

#[derive(clap::Args)]
struct DncChangeArgs {
    /// The number, in any written form.
    number: String,
    /// `sms`, `call` or `all`.
    #[arg(long, default_value = "all")]
    scope: String,
    /// The store holding the DNC stream: `redis://HOST:PORT` or
    /// `rediss://…` (several comma-separated seeds for a Cluster).
    #[arg(long, value_name = "URL")]
    publish: String,
    /// The first part of the stream's key (`PREFIX:dnc`).
    #[arg(long, value_name = "PREFIX", default_value = "chanrac")]
    dnc_prefix: String,
    /// Where the change comes from, recorded in the entry.
    #[arg(long, value_name = "NAME", default_value = "operator")]
    source: String,
    /// No summary on standard error.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(clap::Args)]
struct SuspensionsArgs {
    /// Report lists in the appendix form (`chanrac inbox`'s reports.csv).
    #[arg(long, value_name = "FILE", num_args = 1.., required = true)]
    reports: Vec<PathBuf>,
    /// Numbers already requested: an earlier output, or any CSV with a
    /// `number` column.
    #[arg(long, value_name = "FILE")]
    previous: Option<PathBuf>,
    /// First day of the period (YYYY-MM-DD, local time +07:00, inclusive).
    #[arg(long, value_name = "DATE")]
    since: String,
    /// Last day of the period (YYYY-MM-DD, inclusive).
    #[arg(long, value_name = "DATE")]
    until: String,
    /// Least number of reports for a number to be listed.
    #[arg(long, value_name = "N")]
    threshold: u32,
    /// The request list to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// No summary on standard error.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(clap::Args)]
struct BuildArgs {
    /// The policy directory.
    #[arg(long, value_name = "DIR")]
    policy: PathBuf,
    /// The snapshot file to write (replaced whole, or left as it was).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Apply every entry of the DNC stream in this store
    /// (`redis://HOST:PORT`) to the DNC list and record the stream's
    /// position, from which nodes loading the snapshot follow it.
    #[arg(long, value_name = "URL")]
    dnc_stream: Option<String>,
    /// The first part of the stream's key (`PREFIX:dnc`).
    #[arg(long, value_name = "PREFIX", default_value = "chanrac")]
    dnc_prefix: String,
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
    /// A monitor-only rollout: every `block` action becomes `flag` (so every
    /// event is delivered), a full state delivers; reasons as in audit.
    Monitor,
}

#[derive(clap::Args)]
struct ReplayArgs {
    /// The policy directory, or a snapshot file written by `chanrac build`.
    #[arg(long, value_name = "DIR")]
    policy: PathBuf,
    /// The events: CSV, or JSON Lines when the name ends in `.jsonl`.
    #[arg(long, value_name = "FILE")]
    events: PathBuf,
    /// enforce (default), audit or monitor.
    #[arg(long, value_enum, default_value_t = ModeArg::Enforce)]
    mode: ModeArg,
    /// Where to write the verdicts (default: standard output).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// No summary on standard error.
    #[arg(long, short)]
    quiet: bool,
    /// Continue from the state (consent, registrations, counters) kept in
    /// this directory, and record this replay's changes into it; or read
    /// and write the state shared by every node in a Redis store
    /// (`redis://HOST:PORT`, `rediss://…`, several seed nodes of a Cluster
    /// separated by commas). With a store, a failed store call stops the
    /// replay (exit 1).
    #[arg(long, value_name = "DIR|URL")]
    state: Option<PathBuf>,
    /// With a store: how long one check may wait for it, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    store_deadline_ms: u64,
    /// Also write a self-contained HTML report (totals, violations per
    /// rule, fine exposure per advertiser, ad traffic by hour, top spam
    /// signatures).
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
}

/// A failure, with the exit status it maps to (2 bad input, 1 other).
pub use chanrac_policy::Failure;

/// Loads a policy given as `--policy`: a directory, or a snapshot file
/// (`chanrac build`), mapped and verified.
pub fn load_policy(path: &std::path::Path) -> Result<chanrac::Policy, Failure> {
    let policy = chanrac_policy::load(path)?;
    let sigs = policy.signatures();
    for i in sigs.dead_signatures() {
        eprintln!(
            "warning: signature `{}` can never match: folded text is lower case, without diacritics, \
             control characters or double spaces, and a literal needs a letter or digit (write `vay tien`, not `Vay tiền`)",
            sigs.id(i)
        );
    }
    for i in sigs.unfiltered_regexes() {
        eprintln!(
            "warning: regex signature `{}` has no required literal of two letters or digits, so it runs on every message",
            sigs.id(i)
        );
    }
    Ok(policy)
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
        Command::State {
            action:
                StateAction::Export {
                    state,
                    to,
                    prefix,
                    retention_days,
                    now,
                    quiet,
                },
        } => state::export(&state::ExportOptions {
            from: state,
            to,
            prefix,
            retention_days,
            now,
            quiet,
        }),
        Command::Replay(a) => replay::run(&replay::Options {
            policy: a.policy,
            events: a.events,
            mode: match a.mode {
                ModeArg::Enforce => chanrac::Mode::Enforce,
                ModeArg::Audit => chanrac::Mode::Audit,
                ModeArg::Monitor => chanrac::Mode::Monitor,
            },
            out: a.out,
            quiet: a.quiet,
            state: a.state,
            store_deadline: std::time::Duration::from_millis(a.store_deadline_ms),
            report: a.report,
            live: None,
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
            dnc_stream: a.dnc_stream,
            dnc_prefix: a.dnc_prefix,
            quiet: a.quiet,
        }),
        Command::Inbox(a) => inbox::run(&inbox::Options {
            policy: a.policy,
            messages: a.messages,
            out: a.out,
            publish: a.publish,
            dnc_prefix: a.dnc_prefix,
            quiet: a.quiet,
        }),
        Command::Dnc(a) => {
            let (add, c) = match a.action {
                DncAction::Add(c) => (true, c),
                DncAction::Remove(c) => (false, c),
            };
            dnc::run(&dnc::Options {
                add,
                number: c.number,
                scope: c.scope,
                publish: c.publish,
                prefix: c.dnc_prefix,
                source: c.source,
                quiet: c.quiet,
            })
        }
        Command::Suspensions(a) => suspensions::run(&suspensions::Options {
            reports: a.reports,
            previous: a.previous,
            since: a.since,
            until: a.until,
            threshold: a.threshold,
            out: a.out,
            quiet: a.quiet,
        }),
        Command::Cases(a) => cases::run(
            &cases::Common {
                ledger: a.ledger,
                today: a.today,
                by: a.by,
                quiet: a.quiet,
            },
            &match a.action {
                CasesAction::Init => cases::Action::Init,
                CasesAction::Open { reports, threshold } => {
                    cases::Action::Open { reports, threshold }
                }
                CasesAction::Notify { out } => cases::Action::Notify { out },
                CasesAction::Request { out, suspended } => {
                    cases::Action::Request { out, suspended }
                }
                CasesAction::Confirm { file } => cases::Action::Confirm { file },
                CasesAction::Mark { number, what } => cases::Action::Mark {
                    number,
                    mark: match what {
                        MarkArg::Paid => cases::Mark::Paid,
                        MarkArg::CameIn => cases::Mark::CameIn,
                    },
                },
                CasesAction::Restore { out, suspended } => {
                    cases::Action::Restore { out, suspended }
                }
                CasesAction::Status { html } => cases::Action::Status { html },
            },
        ),
        Command::Report(a) => verdicts::run(&verdicts::Options {
            verdicts: a.verdicts,
            policy: a.policy,
            out: a.out,
            quiet: a.quiet,
        }),
        Command::Return(a) => monthly::run(&monthly::Options {
            month: a.month,
            verdicts: a.verdicts,
            events: a.events,
            inbox: a.inbox,
            inbox_reports: a.inbox_reports,
            inbox_rejected: a.inbox_rejected,
            dnc_changes: a.dnc_changes,
            ledger: a.ledger,
            out: a.out,
            html: a.html,
            quiet: a.quiet,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {f}");
            ExitCode::from(f.exit_code())
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// `state export --now` reads times as the event files do.
    #[test]
    fn now_is_rfc3339_with_an_offset() {
        let t = |s: &str| {
            Cli::try_parse_from([
                "chanrac", "state", "export", "--state", "d", "--to", "u", "--now", s,
            ])
        };
        match t("2026-03-03T10:30:00+07:00").unwrap().command {
            Command::State {
                action: StateAction::Export { now, .. },
            } => assert_eq!(
                now,
                Some(chanrac_policy::events::parse_time("2026-03-03T03:30:00Z").unwrap())
            ),
            _ => panic!("not state export"),
        }
        for bad in ["2026-03-03", "2026-03-03T10:30:00", "yesterday"] {
            let e = t(bad).err().unwrap().to_string();
            assert!(e.contains("--now") && e.contains("RFC 3339"), "{bad}: {e}");
        }
    }
}
