//! Loads chanrac policies and event files, with errors that name the file,
//! line and column.
//!
//! A policy is a directory of plain files (docs/formats.md); every file is
//! optional, a missing file is an empty list. [`load`] reads them all and
//! returns a compiled [`chanrac::Policy`], or the first bad row: nothing is
//! half-loaded. A policy can also be compiled into one [`snapshot`] file
//! (`chanrac build`), which [`load`] maps and verifies when given a file
//! rather than a directory. [`events::EventReader`] streams CSV or JSON
//! Lines events (the event format, docs/formats.md). [`Failure`] is the one
//! mapping of errors to exit statuses the programs share (2 for bad input,
//! 1 for anything else).
//!
//! ```no_run
//! let policy = chanrac_policy::load("examples/policy".as_ref())?;
//! let engine = chanrac::Engine::new(policy);
//! # Ok::<(), chanrac_policy::LoadError>(())
//! ```
#![deny(missing_docs)]

mod error;
pub mod events;
pub mod fuzz;
mod lists;
pub mod messages;
pub mod snapshot;
mod table;
mod toml_config;

use std::fs;
use std::path::Path;

use chanrac::policy::{Policy, PolicyBuilder};

pub use error::{ErrorKind, Failure, LoadError, Location};
use table::Table;

/// The longest bind password SMPP 3.4 carries, in octets (`password` is a
/// C-Octet String of at most 9 octets with its terminating NUL): an
/// `accounts.csv` password longer than this could never bind.
pub const MAX_PASSWORD_LEN: usize = 8;

/// The files of a policy directory, in the order they are read.
pub const FILES: [&str; 11] = [
    "policy.toml",
    "dnc.csv",
    "brandnames.csv",
    "accounts.csv",
    "advertisers.csv",
    "consents.csv",
    "signatures.csv",
    "suspended.csv",
    "agreements.csv",
    "domains.csv",
    "protected.csv",
];

/// Loads a policy: a policy directory, or a snapshot file written by
/// [`snapshot::write`] (`chanrac build`), which is mapped and verified.
pub fn load(path: &Path) -> Result<Policy, LoadError> {
    let meta = fs::metadata(path).map_err(|e| LoadError::io(path, e))?;
    if meta.is_file() {
        return snapshot::load(path);
    }
    if !meta.is_dir() {
        return Err(LoadError::new(
            path,
            Location::default(),
            "not a policy directory nor a snapshot file",
        ));
    }
    load_with(path, &|name| {
        let p = path.join(name);
        match fs::read(&p) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(LoadError::io(&p, e)),
        }
    })
}

/// Loads a policy from files held in memory, as (name, contents) pairs with
/// the names of [`FILES`]; errors name `dir/name`. Used by the fuzz targets
/// and by hosts that keep their lists elsewhere.
pub fn load_files(dir: &Path, files: &[(&str, &[u8])]) -> Result<Policy, LoadError> {
    load_with(dir, &|name| {
        Ok(files
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| b.to_vec()))
    })
}

type ReadFile<'a> = &'a dyn Fn(&str) -> Result<Option<Vec<u8>>, LoadError>;

fn load_with(dir: &Path, read: ReadFile<'_>) -> Result<Policy, LoadError> {
    let mut b = PolicyBuilder::new();
    let toml_path = dir.join("policy.toml");
    let config = match read("policy.toml")? {
        Some(bytes) => {
            let text = String::from_utf8(bytes).map_err(|e| {
                LoadError::new(
                    &toml_path,
                    Location::default(),
                    format!("not valid UTF-8 ({e})"),
                )
            })?;
            toml_config::parse(&toml_path, &text)?
        }
        None => Default::default(),
    };
    b.config(config);
    for list in lists::CSV {
        with_table(read, dir, list, &mut b)?;
    }
    Ok(b.build())
}

/// Opens the list's file in `dir` as a table and reads it into `b`; a
/// missing file is skipped.
fn with_table(
    read: ReadFile<'_>,
    dir: &Path,
    list: &lists::Csv,
    b: &mut PolicyBuilder,
) -> Result<(), LoadError> {
    let path = dir.join(list.file);
    let Some(bytes) = read(list.file)? else {
        return Ok(());
    };
    let mut t = Table::new(&path, &bytes[..], list.required, list.optional)?;
    (list.read)(&mut t, b)
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn is<T: Send + Sync>() {}
    is::<LoadError>();
}
