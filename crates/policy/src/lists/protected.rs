//! `protected.csv`: brands protected from lookalike domains, with their
//! owners and own domains. Snapshot section `protected`, in file order.

use std::io;

use chanrac::content::lookalike::Brand;
use chanrac::policy::{Policy, PolicyBuilder};

use super::fields::{allowed_domains, domain_list, joined};
use super::{Csv, Records};
use crate::error::LoadError;
use crate::snapshot::codec::{records, Enc, Reader};
use crate::snapshot::{Section, SnapshotError};
use crate::table::Table;

pub(crate) const CSV: Csv = Csv {
    file: "protected.csv",
    required: &["name"],
    optional: &["owner", "domains"],
    read,
};

fn read(t: &mut Table<&[u8]>, b: &mut PolicyBuilder) -> Result<(), LoadError> {
    while t.next_row()? {
        let name = t.required(0)?.trim();
        let owner = t.get(1).trim();
        let domains = domain_list(t, 2)?;
        b.protect(Brand {
            name: name.into(),
            owner: owner.into(),
            domains,
        });
    }
    Ok(())
}

pub(crate) const RECORDS: Records = Records {
    section: Section::Protected,
    encode,
    decode,
};

/// The smallest record: three empty strings.
const MIN_RECORD: usize = 12;

fn encode(p: &Policy) -> io::Result<Vec<u8>> {
    let mut protected = Vec::new();
    for brand in p.protected() {
        let mut e = Enc::default();
        e.str(&brand.name)?;
        e.str(&brand.owner)?;
        e.str(&joined(&brand.domains))?;
        protected.push(e);
    }
    records(protected, true)
}

fn decode(mut r: Reader<'_>, b: &mut PolicyBuilder) -> Result<(), SnapshotError> {
    for _ in 0..r.count(MIN_RECORD)? {
        let name = r.str()?;
        let owner = r.str()?;
        let domains = allowed_domains(r.str()?).map_err(|m| r.error(m))?;
        b.protect(Brand {
            name: name.into(),
            owner: owner.into(),
            domains,
        });
    }
    r.finish()
}
