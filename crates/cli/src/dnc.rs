//! `chanrac dnc add|remove NUMBER [--scope sms|call|all] --publish URL`:
//! one DNC change appended to the DNC stream, which every node following
//! it (`--follow-dnc`) applies. The stream is documented in
//! `chanrac_store::shared::dnc`. Also the publishing that `chanrac inbox
//! --publish` shares.
//!
//! Prints the new entry's id on standard output: a node has the change in
//! force once its stream position (`chanrac_dnc_stream_position` in its
//! metrics) reaches it. Exit status 2 for a bad number or scope, 1 when
//! the store cannot be reached or refuses the entry.

use std::time::Duration;

use chanrac::dnc::{DncChange, Scopes};
use chanrac::Number;
use chanrac_store::shared::dnc::{DncEntry, EntryId, Publisher};

use crate::Failure;

/// How long the store may take to answer one request.
const TIMEOUT: Duration = Duration::from_secs(5);

/// What `dnc` was asked to do.
pub struct Options {
    /// `true` for `add`, `false` for `remove`.
    pub add: bool,
    pub number: String,
    pub scope: String,
    pub publish: String,
    pub prefix: String,
    pub source: String,
    pub quiet: bool,
}

pub fn run(o: &Options) -> Result<(), Failure> {
    let number = Number::parse(o.number.trim())
        .map_err(|e| Failure::BadInput(format!("bad number `{}`: {e}", o.number)))?;
    let scopes = Scopes::parse(&o.scope).ok_or_else(|| {
        Failure::BadInput(format!(
            "unknown scope `{}`: expected sms, call or all",
            o.scope
        ))
    })?;
    let source = o.source.trim();
    if source.is_empty() {
        return Err(Failure::BadInput("--source is empty".into()));
    }
    let entry = DncEntry {
        number,
        change: if o.add {
            DncChange::Add(scopes)
        } else {
            DncChange::Remove(scopes)
        },
        time: Some(jiff::Timestamp::now()),
        source: source.into(),
    };
    let (key, ids) = publish(&o.publish, &o.prefix, &[entry])?;
    for id in &ids {
        println!("{id}");
    }
    if !o.quiet {
        eprintln!(
            "{} {number} {} {}: entry {} of {key}",
            if o.add { "added" } else { "removed" },
            if o.add { "to" } else { "from" },
            scopes.name(),
            ids.first().copied().unwrap_or_default(),
        );
    }
    Ok(())
}

/// Appends `entries`, in order, to the DNC stream at `url` under `prefix`;
/// the stream's key and the entries' ids. A store that cannot be reached
/// or refuses is exit status 1, saying how many entries went in first.
pub fn publish(
    url: &str,
    prefix: &str,
    entries: &[DncEntry],
) -> Result<(String, Vec<EntryId>), Failure> {
    let mut p = Publisher::connect(url, prefix, TIMEOUT).map_err(|e| match e {
        chanrac_store::shared::StoreError::Url(m) => Failure::BadInput(format!("--publish: {m}")),
        e => Failure::Other(format!("--publish: cannot reach the store: {e}")),
    })?;
    match p.publish(entries) {
        Ok(ids) => Ok((p.key().to_string(), ids)),
        Err((done, e)) => Err(Failure::Other(format!(
            "--publish: {} of {} DNC changes appended to {} on {} before: {e}",
            done.len(),
            entries.len(),
            p.key(),
            p.display()
        ))),
    }
}
