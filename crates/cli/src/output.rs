//! Output files written whole or not at all: everything goes to a temporary
//! file beside the target (or an anonymous one for standard output) and is
//! renamed (or copied out) only when the command succeeds.

use std::fs::File;
use std::io::{self, BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

use crate::Failure;

/// An output being written.
pub struct Output {
    target: Option<PathBuf>,
    file: Spool,
}

enum Spool {
    Named(BufWriter<tempfile::NamedTempFile>),
    Anonymous(BufWriter<File>),
}

impl Output {
    /// Starts writing to `target` (standard output when `None`).
    pub fn create(target: Option<&Path>) -> Result<Output, Failure> {
        let file = match target {
            Some(p) => {
                let dir = match p.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d,
                    _ => Path::new("."),
                };
                let tmp = tempfile::Builder::new()
                    .prefix(".chanrac-")
                    .suffix(".tmp")
                    .tempfile_in(dir)
                    .map_err(|e| Failure::Other(format!("{}: cannot create: {e}", p.display())))?;
                Spool::Named(BufWriter::with_capacity(1 << 16, tmp))
            }
            None => Spool::Anonymous(BufWriter::with_capacity(
                1 << 16,
                tempfile::tempfile()
                    .map_err(|e| Failure::Other(format!("cannot create a temporary file: {e}")))?,
            )),
        };
        Ok(Output {
            target: target.map(Path::to_path_buf),
            file,
        })
    }

    /// The writer.
    pub fn writer(&mut self) -> &mut dyn Write {
        match &mut self.file {
            Spool::Named(w) => w,
            Spool::Anonymous(w) => w,
        }
    }

    /// Finishes: renames into place, or copies to standard output. Dropping
    /// an `Output` without finishing removes the temporary file.
    pub fn finish(self) -> Result<(), Failure> {
        let name = self.target.as_ref().map_or_else(
            || "standard output".to_string(),
            |p| p.display().to_string(),
        );
        let fail = |e: io::Error| Failure::Other(format!("{name}: {e}"));
        match self.file {
            Spool::Named(w) => {
                let tmp = w.into_inner().map_err(|e| fail(e.into_error()))?;
                // tempfile creates 0600; an output is an ordinary file
                // (others, such as an adapter's user, may read it).
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    tmp.as_file()
                        .set_permissions(std::fs::Permissions::from_mode(0o644))
                        .map_err(fail)?;
                }
                tmp.as_file().sync_all().map_err(fail)?;
                if let Some(t) = &self.target {
                    tmp.persist(t).map_err(|e| fail(e.error))?;
                }
            }
            Spool::Anonymous(w) => {
                let mut f = w.into_inner().map_err(|e| fail(e.into_error()))?;
                f.rewind().map_err(fail)?;
                let stdout = io::stdout();
                let mut lock = stdout.lock();
                io::copy(&mut f, &mut lock).map_err(fail)?;
                lock.flush().map_err(fail)?;
            }
        }
        Ok(())
    }
}
