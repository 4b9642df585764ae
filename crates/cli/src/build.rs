//! `chanrac build`: compiles a policy directory into one snapshot file
//! (docs/tools.md), which every command then takes as `--policy`.
//!
//! The directory is loaded and validated first (the same errors as any
//! command gives for it); the snapshot goes to a temporary file beside
//! `--out` and is renamed into place only when it is complete, so a failure
//! never leaves a partial file and a process that has the old snapshot
//! mapped keeps reading the old file. The format is documented in
//! `chanrac_policy::snapshot`.
//!
//! With `--dnc-stream URL`, the whole DNC stream (`chanrac_store::shared::dnc`)
//! is read first and every entry applied, in order, to the directory's DNC
//! list; the snapshot records the stream's key and the id of its last entry,
//! so a node that loads it follows the stream from there. Entries appended
//! while the snapshot is written come after that id: nodes get them from the
//! stream. A store that cannot be reached is exit status 1, and no snapshot
//! is written.

use std::io::{self, Write};
use std::path::PathBuf;

use crate::output::Output;
use crate::Failure;

/// What `build` was asked to do.
pub struct Options {
    pub policy: PathBuf,
    pub out: PathBuf,
    pub dnc_stream: Option<String>,
    pub dnc_prefix: String,
    pub quiet: bool,
}

/// How long the store may take to answer one request.
const STORE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub fn run(o: &Options) -> Result<(), Failure> {
    let stream = match &o.dnc_stream {
        Some(url) => {
            use chanrac_store::shared::{dnc::Publisher, StoreError};
            let cannot = |e: StoreError| match e {
                StoreError::Url(m) => Failure::BadInput(format!("--dnc-stream: {m}")),
                e => Failure::Other(format!("--dnc-stream: cannot read the DNC stream: {e}")),
            };
            let mut p = Publisher::connect(url, &o.dnc_prefix, STORE_TIMEOUT).map_err(cannot)?;
            Some(p.read_all().map_err(cannot)?)
        }
        None => None,
    };
    let mut out = Output::create(Some(&o.out))?;
    let mut w = Tracked {
        inner: out.writer(),
        failed: None,
    };
    let mark = stream.as_ref().map(|s| s.mark());
    let applied = stream
        .as_ref()
        .zip(mark.as_ref())
        .map(|(s, m)| (m, &s.changes[..]));
    let stats = match chanrac_policy::snapshot::write_with_stream(&o.policy, applied, &mut w) {
        Ok(stats) => stats,
        Err(e) => {
            return Err(match w.failed {
                // A failure of the output, not of the policy: name the output.
                Some(io) => Failure::Other(format!("{}: cannot write: {io}", o.out.display())),
                None => e.into(),
            });
        }
    };
    out.finish()?;
    if !o.quiet {
        let per_number = stats
            .dnc_bytes_per_number()
            .map_or_else(String::new, |b| format!(", {b:.1} bytes per number"));
        eprintln!(
            "wrote {}: {} DNC numbers, {} identifiers, {} signatures, {} bytes (DNC list {} bytes{per_number})",
            o.out.display(),
            stats.numbers,
            stats.identifiers,
            stats.signatures,
            stats.bytes,
            stats.dnc_bytes,
        );
        if let Some(s) = &stream {
            eprintln!(
                "DNC stream {}: {} entries applied ({} skipped), position {}",
                s.key,
                s.changes.len(),
                s.skipped,
                s.last,
            );
        }
    }
    Ok(())
}

/// Remembers the first error of the writer it wraps.
struct Tracked<'a> {
    inner: &'a mut dyn Write,
    failed: Option<io::Error>,
}

impl Tracked<'_> {
    fn note<T>(&mut self, r: io::Result<T>) -> io::Result<T> {
        r.map_err(|e| {
            let copy = io::Error::new(e.kind(), e.to_string());
            self.failed.get_or_insert(e);
            copy
        })
    }
}

impl Write for Tracked<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.inner.write(buf);
        self.note(r)
    }

    fn flush(&mut self) -> io::Result<()> {
        let r = self.inner.flush();
        self.note(r)
    }
}
