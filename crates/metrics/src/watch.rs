//! Noticing that a policy changed on disk, by polling: the one watcher of
//! both adapters (`chanrac-smpp` and `chanrac-sip`).
//!
//! A [`Fingerprint`] is the length, modification time and inode of each
//! policy file ([`chanrac_policy::FILES`] in a directory, or the one snapshot
//! file). An adapter takes one every second and reloads when it differs from
//! the one taken before the last load: an edited, added or removed file
//! counts, and so does a file renamed over the old one with the same size
//! and modification time (a new inode). A file caught half-written fails to
//! load, the old policy stays, and the next change (the end of the write)
//! triggers another load.
//!
//! ```
//! use chanrac_metrics::watch::Fingerprint;
//!
//! let dir = tempfile::tempdir()?;
//! let seen = Fingerprint::of(dir.path());
//! std::fs::write(dir.path().join("dnc.csv"), "number,scope\n")?;
//! assert_ne!(Fingerprint::of(dir.path()), seen, "a policy file appeared");
//! # Ok::<(), std::io::Error>(())
//! ```

use std::fs;
use std::path::Path;
use std::time::SystemTime;

/// What the watcher remembers of one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    inode: (u64, u64),
}

fn stamp(path: &Path) -> Option<Stamp> {
    let m = fs::metadata(path).ok()?;
    #[cfg(unix)]
    let inode = {
        use std::os::unix::fs::MetadataExt;
        (m.dev(), m.ino())
    };
    #[cfg(not(unix))]
    let inode = (0, 0);
    Some(Stamp {
        len: m.len(),
        modified: m.modified().ok(),
        inode,
    })
}

/// The state of a policy directory's files, or of a snapshot file: equal
/// fingerprints mean nothing the loader reads has changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint(Vec<Option<Stamp>>);

impl Fingerprint {
    /// Takes the fingerprint of the policy at `path` (a missing path has
    /// one too: it changes when the path appears).
    pub fn of(path: &Path) -> Fingerprint {
        match fs::metadata(path) {
            Ok(m) if m.is_dir() => Fingerprint(
                chanrac_policy::FILES
                    .iter()
                    .map(|f| stamp(&path.join(f)))
                    .collect(),
            ),
            _ => Fingerprint(vec![stamp(path)]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_renames_and_removals_change_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        let before = Fingerprint::of(p);
        assert_eq!(before, Fingerprint::of(p));
        fs::write(p.join("dnc.csv"), "number,scope\n").unwrap();
        let written = Fingerprint::of(p);
        assert_ne!(before, written);
        fs::write(p.join("notes.txt"), "not a policy file").unwrap();
        assert_eq!(written, Fingerprint::of(p));
        fs::write(p.join("next.csv"), "number,scope\n").unwrap();
        fs::rename(p.join("next.csv"), p.join("dnc.csv")).unwrap();
        assert_ne!(written, Fingerprint::of(p), "same size, new inode");
        fs::remove_file(p.join("dnc.csv")).unwrap();
        assert_eq!(before, Fingerprint::of(p));
    }
}
