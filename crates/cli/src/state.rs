//! `chanrac state export`: moves the per-pair state (consent, registration
//! marks, the counted ads of the last 24 hours) between a state directory
//! and a shared Redis store, either way.
//!
//! - `--state DIR --to redis://…`: the directory's records are written into
//!   the store, as a node that starts on the store would have written them.
//!   The store must hold no pair under the prefix yet (an ad exported twice
//!   would count twice).
//! - `--state redis://… --to DIR`: every pair in the store becomes records
//!   of a new state directory (built beside it and renamed into place, so
//!   no half-written directory is left behind).
//!
//! The source is read as it is at the start: stop the writers first (a
//! state directory in use is refused: its lock is held).

use std::path::{Path, PathBuf};
use std::time::Duration;

use chanrac::state::journal::Record;
use chanrac::{Engine, PolicyBuilder};
use chanrac_store::shared::{BlockingState, SharedConfig, Target};

use crate::Failure;

/// What `state export` was asked to do.
pub struct ExportOptions {
    pub from: String,
    pub to: String,
    pub prefix: String,
    pub retention_days: u32,
    /// The time to judge expiry at (default: the clock).
    pub now: Option<jiff::Timestamp>,
    pub quiet: bool,
}

fn store(url: &str, prefix: &str, retention_days: u32) -> Result<BlockingState, Failure> {
    BlockingState::new(
        url,
        SharedConfig {
            deadline: Duration::from_secs(5),
            prefix: prefix.to_string(),
            retention_days,
            ..SharedConfig::default()
        },
    )
    .map_err(|e| Failure::BadInput(format!("{e}")))
}

fn empty_engine() -> Engine {
    Engine::new(PolicyBuilder::new().build())
}

pub fn export(o: &ExportOptions) -> Result<(), Failure> {
    let now = o.now.unwrap_or_else(jiff::Timestamp::now);
    let retention_ms = i64::from(o.retention_days.max(chanrac::state::MIN_RETENTION_DAYS))
        * chanrac::state::frequency::DAY_MS;
    match (Target::is_url(&o.from), Target::is_url(&o.to)) {
        (false, true) => dir_to_store(o, Path::new(&o.from), now, retention_ms),
        (true, false) => store_to_dir(o, Path::new(&o.to), now, retention_ms),
        _ => Err(Failure::BadInput(
            "state export moves state between a directory and a store: one of --state and --to \
             must be a directory, the other redis://… or rediss://…"
                .into(),
        )),
    }
}

fn dir_to_store(
    o: &ExportOptions,
    dir: &Path,
    now: jiff::Timestamp,
    retention_ms: i64,
) -> Result<(), Failure> {
    if !dir.is_dir() {
        return Err(Failure::BadInput(format!(
            "--state {}: not a state directory",
            dir.display()
        )));
    }
    let engine = empty_engine();
    let (_held, stats) =
        chanrac_store::StateDir::open(dir, &engine, chanrac_store::Durability::Manual).map_err(
            |e| {
                if chanrac_store::is_locked(&e) {
                    Failure::BadInput(format!("--state: {e}"))
                } else {
                    Failure::Other(format!("state: {e}"))
                }
            },
        )?;
    let target = store(&o.to, &o.prefix, o.retention_days)?;
    let existing = target
        .for_each_pair(|_, _, _| {})
        .map_err(|e| Failure::Other(format!("{}: {e}", o.to)))?;
    if existing > 0 {
        return Err(Failure::BadInput(format!(
            "--to: the store already holds {existing} pairs under the prefix `{}`: export into an \
             empty store or another --prefix (an ad exported twice would count twice)",
            o.prefix
        )));
    }
    let records = engine.records(now.as_millisecond(), retention_ms);
    let bar = crate::progress_bar(records.len() as u64, o.quiet);
    for r in &records {
        target
            .restore(&engine, r)
            .map_err(|e| Failure::Other(format!("{}: {e}", o.to)))?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    if !o.quiet {
        eprintln!(
            "{}: {} records read, {} written to the store",
            dir.display(),
            stats.records,
            records.len()
        );
    }
    Ok(())
}

fn store_to_dir(
    o: &ExportOptions,
    dir: &Path,
    now: jiff::Timestamp,
    retention_ms: i64,
) -> Result<(), Failure> {
    if dir.exists()
        && dir
            .read_dir()
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(Failure::BadInput(format!(
            "--to {}: exists and is not empty: export into a new directory",
            dir.display()
        )));
    }
    let source = store(&o.from, &o.prefix, o.retention_days)?;
    let mut records: Vec<Record> = Vec::new();
    let pairs = source
        .for_each_pair(|adv, rcpt, words| {
            words
                .state()
                .records(adv, rcpt, now.as_millisecond(), retention_ms, &mut records)
        })
        .map_err(|e| Failure::Other(format!("{}: {e}", o.from)))?;
    let tmp = temp_beside(dir)?;
    let result = (|| {
        let engine = empty_engine();
        let (mut d, _) =
            chanrac_store::StateDir::open(&tmp, &engine, chanrac_store::Durability::Manual)
                .map_err(|e| Failure::Other(format!("state: {e}")))?;
        let bar = crate::progress_bar(records.len() as u64, o.quiet);
        for r in &records {
            d.append(r)
                .map_err(|e| Failure::Other(format!("state: {e}")))?;
            bar.inc(1);
        }
        bar.finish_and_clear();
        d.sync()
            .map_err(|e| Failure::Other(format!("state: {e}")))?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if dir.exists() {
        // Empty (checked above).
        std::fs::remove_dir(dir).map_err(|e| Failure::Other(format!("{}: {e}", dir.display())))?;
    }
    std::fs::rename(&tmp, dir).map_err(|e| {
        let _ = std::fs::remove_dir_all(&tmp);
        Failure::Other(format!("{}: cannot rename into place: {e}", dir.display()))
    })?;
    if !o.quiet {
        eprintln!(
            "{}: {pairs} pairs read, {} records written to {}",
            o.from,
            records.len(),
            dir.display()
        );
    }
    Ok(())
}

/// A new directory beside `dir` for building it.
fn temp_beside(dir: &Path) -> Result<PathBuf, Failure> {
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".into());
    let tmp = parent.join(format!(".{name}.export-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| Failure::Other(format!("{}: {e}", tmp.display())))?;
    Ok(tmp)
}
