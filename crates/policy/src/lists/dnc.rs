//! `dnc.csv`, the do-not-call list: numbers and the channels they refuse.
//! A snapshot stores the list's index as it is (section `dnc`), used in
//! place.

use chanrac::dnc::{DncBuilder, DncList, Scopes};
use chanrac::policy::PolicyBuilder;

use super::enums::column;
use super::fields::number;
use super::Csv;
use crate::error::LoadError;
use crate::snapshot::{corrupt, Section, SnapshotError};
use crate::table::Table;

pub(crate) const CSV: Csv = Csv {
    file: "dnc.csv",
    required: &["number", "scope"],
    optional: &[],
    read,
};

/// The names a `scope` cell may hold.
const SCOPES: [&str; 3] = ["sms", "call", "all"];

fn read(t: &mut Table<&[u8]>, b: &mut PolicyBuilder) -> Result<(), LoadError> {
    let mut d = DncBuilder::new();
    while t.next_row()? {
        let n = number(t, 0)?;
        let s = column(t, 1, "scope", &SCOPES, Scopes::parse)?;
        d.insert(n, s);
    }
    b.dnc(d.build());
    Ok(())
}

/// The snapshot section holding the list's index.
pub(crate) const SECTION: Section = Section::Dnc;

/// The section's bytes: the list's index as it is.
pub(crate) fn encode<D: AsRef<[u8]>>(dnc: &DncList<D>) -> &[u8] {
    dnc.as_bytes()
}

/// The list over the section's bytes, held by `owner`, checked whole
/// (bounds, order, its own checksum) before any lookup.
pub(crate) fn decode<D: AsRef<[u8]>>(owner: D) -> Result<DncList<D>, SnapshotError> {
    DncList::from_bytes(owner).map_err(|e| corrupt(Some(SECTION), e.to_string()))
}
