//! One module per policy list, each holding side by side everything about
//! its list: the CSV file it is read from (columns and reader), and, for
//! the lists a snapshot stores as records, its section, smallest record,
//! encoder and decoder.
//!
//! [`crate::load`] runs every [`CSV`] reader in turn; the snapshot writes
//! and reads every [`RECORDS`] section in turn.

use std::io;

use chanrac::policy::{Policy, PolicyBuilder};

use crate::error::LoadError;
use crate::snapshot::codec::Reader;
use crate::snapshot::{Section, SnapshotError};
use crate::table::Table;

pub(crate) mod accounts;
pub(crate) mod advertisers;
pub(crate) mod agreements;
pub(crate) mod brandnames;
pub(crate) mod consents;
pub(crate) mod dnc;
pub(crate) mod domains;
pub(crate) mod enums;
pub(crate) mod fields;
pub(crate) mod protected;
pub(crate) mod signatures;
pub(crate) mod suspended;

/// A list's CSV file: its name, columns and reader.
pub(crate) struct Csv {
    /// The file's name in a policy directory.
    pub(crate) file: &'static str,
    /// Columns every file must have.
    pub(crate) required: &'static [&'static str],
    /// Columns a file may have.
    pub(crate) optional: &'static [&'static str],
    /// Reads every row into the builder.
    pub(crate) read: fn(&mut Table<&[u8]>, &mut PolicyBuilder) -> Result<(), LoadError>,
}

/// A list's record section in a snapshot.
pub(crate) struct Records {
    /// The section it is stored in.
    pub(crate) section: Section,
    /// The whole section: the record count, then the records.
    pub(crate) encode: fn(&Policy) -> io::Result<Vec<u8>>,
    /// Reads the whole section (count, records, nothing left over) into
    /// the builder.
    pub(crate) decode: fn(Reader<'_>, &mut PolicyBuilder) -> Result<(), SnapshotError>,
}

/// Every list's CSV file, in the order they are read (after `policy.toml`:
/// [`crate::FILES`]).
pub(crate) const CSV: [&Csv; 10] = [
    &dnc::CSV,
    &brandnames::CSV,
    &accounts::CSV,
    &advertisers::CSV,
    &consents::CSV,
    &signatures::CSV,
    &suspended::CSV,
    &agreements::CSV,
    &domains::CSV,
    &protected::CSV,
];

/// Every record section, in snapshot order (after `config` and `dnc`,
/// before `dnc_stream`).
pub(crate) const RECORDS: [&Records; 9] = [
    &brandnames::RECORDS,
    &suspended::RECORDS,
    &agreements::RECORDS,
    &consents::RECORDS,
    &advertisers::RECORDS,
    &accounts::RECORDS,
    &signatures::RECORDS,
    &domains::RECORDS,
    &protected::RECORDS,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_are_the_policy_files() {
        let files: Vec<&str> = CSV.iter().map(|c| c.file).collect();
        assert_eq!(files, crate::FILES[1..]);
    }

    #[test]
    fn the_record_sections_are_in_snapshot_order() {
        let sections: Vec<Section> = RECORDS.iter().map(|r| r.section).collect();
        let expected = &crate::snapshot::SECTIONS[2..crate::snapshot::SECTIONS.len() - 1];
        assert_eq!(sections, expected);
    }
}
