//! Entry points for the fuzz targets in `fuzz/` (one line each there), also
//! run over a fixed corpus by the tests so they stay exercised in CI.

use std::path::Path;

use crate::events::{EventReader, EventRow, Format};
use crate::{load_files, FILES};

/// Splits `data` at `0xFF` bytes into the policy files and loads them:
/// never panics, whatever the bytes.
pub fn policy_files(data: &[u8]) {
    let parts: Vec<&[u8]> = data.split(|&b| b == 0xFF).collect();
    let files: Vec<(&str, &[u8])> = FILES.iter().copied().zip(parts).collect();
    if let Ok(policy) = load_files(Path::new("fuzz"), &files) {
        // A policy that loads must be usable.
        let engine = chanrac::Engine::new(policy);
        let _ = engine.policy().dnc().len();
    }
}

/// Reads `data` as an event file (first byte picks CSV or JSON Lines) and
/// checks every event against an empty policy: never panics.
pub fn event_file(data: &[u8]) {
    let (format, rest) = match data.split_first() {
        Some((b, rest)) if b & 1 == 1 => (Format::Jsonl, rest),
        Some((_, rest)) => (Format::Csv, rest),
        None => return,
    };
    let Ok(mut r) = EventReader::new(Path::new("events"), rest, format) else {
        return;
    };
    let engine = chanrac::Engine::new(chanrac::Policy::default());
    let mut row = EventRow::default();
    while let Ok(true) = r.read(&mut row) {
        let _ = engine.check(&row.event());
    }
}

/// Loads `data` as a snapshot file twice: as it is (the frame checks), then
/// resealed — magic, version, length and checksum made valid — so that the
/// section table and decoders see the fuzzer's bytes too. Never panics.
pub fn snapshot_file(data: &[u8]) {
    let name = Path::new("fuzz.snap");
    use_snapshot(crate::snapshot::load_bytes(name, data));
    let mut sealed = data.to_vec();
    if crate::snapshot::reseal(&mut sealed) {
        use_snapshot(crate::snapshot::load_bytes(name, &sealed));
    }
}

/// A snapshot that loads must be usable.
fn use_snapshot(loaded: Result<chanrac::Policy, crate::LoadError>) {
    if let Ok(policy) = loaded {
        let engine = chanrac::Engine::new(policy);
        engine.policy().dnc().for_each(|_, _| {});
    }
}

/// Reads `data` as a 5656 message (lossy UTF-8) and as a messages file:
/// never panics, and a report always has a source and a content.
pub fn inbox_message(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(chanrac::inbox::Command::Report {
        source, content, ..
    }) = chanrac::inbox::parse(&text)
    {
        assert!(!source.trim().is_empty() && !content.trim().is_empty());
    }
    if let Ok(messages) = crate::messages::read_messages(Path::new("messages.csv"), data) {
        for m in messages {
            let _ = chanrac::inbox::parse(&m.text);
        }
    }
}
