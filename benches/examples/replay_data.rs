//! Writes the replay bench's policy files (all but `dnc.csv`) into a policy
//! directory and an event log beside it; used by `scripts/bench`.
//!
//! `cargo run --release -p chanrac-benches --example replay_data -- POLICY_DIR EVENTS.csv [N]`
//!
//! A tenth of the recipients come from `POLICY_DIR/dnc.csv` when it exists.

use std::io::BufRead;
use std::path::PathBuf;

use chanrac::number::Number;
use chanrac_benches::{events, scale};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: replay_data POLICY_DIR EVENTS.csv [N]");
        std::process::exit(2);
    };
    let n = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(scale::events);
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir)?;
    events::write_policy(&dir)?;
    let mut listed: Vec<Number> = Vec::new();
    if let Ok(f) = std::fs::File::open(dir.join("dnc.csv")) {
        for line in std::io::BufReader::new(f).lines().skip(1).take(200_000) {
            let line = line?;
            if let Some(n) = line.split(',').next().and_then(|s| Number::parse(s).ok()) {
                listed.push(n);
            }
        }
    }
    events::write_events(std::fs::File::create(&out)?, n, &listed, 41)?;
    eprintln!(
        "replay_data: policy files in {}, {n} events in {out} ({} DNC numbers sampled)",
        dir.display(),
        listed.len()
    );
    Ok(())
}
