//! `suspended.csv`: suspended numbers (the `reason` column is for people).
//! Snapshot section `suspended`.

use std::io;

use chanrac::policy::{Policy, PolicyBuilder};

use super::fields::number;
use super::{Csv, Records};
use crate::error::LoadError;
use crate::snapshot::codec::{records, Enc, Reader};
use crate::snapshot::{Section, SnapshotError};
use crate::table::Table;

pub(crate) const CSV: Csv = Csv {
    file: "suspended.csv",
    required: &["number"],
    optional: &["reason"],
    read,
};

fn read(t: &mut Table<&[u8]>, b: &mut PolicyBuilder) -> Result<(), LoadError> {
    while t.next_row()? {
        b.suspend(number(t, 0)?);
    }
    Ok(())
}

pub(crate) const RECORDS: Records = Records {
    section: Section::Suspended,
    encode,
    decode,
};

/// A record: the number.
const MIN_RECORD: usize = 8;

fn encode(p: &Policy) -> io::Result<Vec<u8>> {
    let suspended = p
        .suspended()
        .map(|n| {
            let mut e = Enc::default();
            e.number(n);
            e
        })
        .collect();
    records(suspended, false)
}

fn decode(mut r: Reader<'_>, b: &mut PolicyBuilder) -> Result<(), SnapshotError> {
    for _ in 0..r.count(MIN_RECORD)? {
        b.suspend(r.number()?);
    }
    r.finish()
}
