//! `chanrac scrub`: a campaign list against the DNC list (docs/tools.md).
//! One number per line in; out, the numbers not on the DNC list for the
//! channel, normalised, in input order, duplicates kept. Each bad line is
//! named with its line number on standard error and skipped; blank lines
//! are skipped silently.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use chanrac::dnc::Scopes;
use chanrac::number::Number;

use crate::output::Output;
use crate::Failure;

/// What `scrub` was asked to do.
pub struct Options {
    pub policy: PathBuf,
    pub channel: chanrac::Channel,
    pub input: PathBuf,
    pub out: Option<PathBuf>,
    pub quiet: bool,
}

pub fn run(o: &Options) -> Result<(), Failure> {
    let policy = crate::load_policy(&o.policy)?;
    let dnc = policy.dnc();
    let scope = match o.channel {
        chanrac::Channel::Sms => Scopes::SMS,
        chanrac::Channel::Call => Scopes::CALL,
    };
    let file = std::fs::File::open(&o.input)
        .map_err(|e| Failure::from(chanrac_policy::LoadError::from_io(&o.input, e)))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = crate::progress_bar(len, o.quiet);
    let mut input = BufReader::with_capacity(1 << 16, bar.wrap_read(file));
    let mut out = Output::create(o.out.as_deref())?;
    let name = o.input.display().to_string();
    let (mut kept, mut removed, mut bad) = (0u64, 0u64, 0u64);
    let mut line = Vec::with_capacity(64);
    let mut lineno = 0u64;
    let mut digits = [0u8; chanrac::number::MAX_DIGITS];
    loop {
        line.clear();
        let n = input
            .read_until(b'\n', &mut line)
            .map_err(|e| Failure::Other(format!("{name}: cannot read: {e}")))?;
        if n == 0 {
            break;
        }
        lineno += 1;
        let text = String::from_utf8_lossy(&line);
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        match Number::parse(text) {
            Ok(num) => {
                if dnc.get(num).covers(scope) {
                    removed += 1;
                } else {
                    kept += 1;
                    let w = out.writer();
                    w.write_all(num.write_digits(&mut digits))
                        .and_then(|_| w.write_all(b"\n"))
                        .map_err(|e| Failure::Other(format!("cannot write: {e}")))?;
                }
            }
            Err(e) => {
                bad += 1;
                bar.suspend(|| eprintln!("{name}:{lineno}: skipped bad number `{text}`: {e}"));
            }
        }
    }
    bar.finish_and_clear();
    out.finish()?;
    if !o.quiet {
        eprintln!(
            "{} numbers: {kept} kept, {removed} on the DNC list for {} removed, {bad} bad lines skipped",
            kept + removed,
            o.channel.name()
        );
    }
    Ok(())
}
