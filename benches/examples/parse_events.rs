//! Reads and parses an event log with `chanrac_policy`'s reader and nothing
//! else: the parse-only baseline for `chanrac replay` in `scripts/bench`.
//!
//! `cargo run --release -p chanrac-benches --example parse_events -- EVENTS.csv`

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use chanrac_policy::events::{EventReader, EventRow};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: parse_events EVENTS.csv");
        std::process::exit(2);
    };
    let t = Instant::now();
    let mut reader = match EventReader::open(Path::new(&path)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("parse_events: {e}");
            std::process::exit(1);
        }
    };
    let mut row = EventRow::default();
    let mut n = 0u64;
    loop {
        match reader.read(&mut row) {
            Ok(true) => {
                black_box(row.event());
                n += 1;
            }
            Ok(false) => break,
            Err(e) => {
                eprintln!("parse_events: {e}");
                std::process::exit(1);
            }
        }
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "{n} events parsed in {s:.3} s: {:.0} events/s",
        n as f64 / s
    );
}
