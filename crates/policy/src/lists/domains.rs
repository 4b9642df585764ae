//! `domains.csv`: link domains to block or allow. Snapshot section
//! `domains`, in file order.

use std::io;

use chanrac::content::links::{DomainAction, DomainList};
use chanrac::policy::{Policy, PolicyBuilder};

use super::enums::{names, tag, unknown, Variants};
use super::{Csv, Records};
use crate::error::LoadError;
use crate::snapshot::codec::{records, Enc, Reader};
use crate::snapshot::{Section, SnapshotError};
use crate::table::Table;

pub(crate) const CSV: Csv = Csv {
    file: "domains.csv",
    required: &["domain"],
    optional: &["action", "note"],
    read,
};

/// `action`: names and snapshot tags.
const ACTION: Variants<DomainAction, 2> = [
    (DomainAction::Block, "block"),
    (DomainAction::Allow, "allow"),
];

fn read(t: &mut Table<&[u8]>, b: &mut PolicyBuilder) -> Result<(), LoadError> {
    let mut list = DomainList::default();
    while t.next_row()? {
        let a = t.get(1);
        let action = DomainAction::from_name(a)
            .ok_or_else(|| t.error(1, unknown("action", a.trim(), &names(&ACTION))))?;
        list.insert(t.required(0)?, action)
            .map_err(|m| t.error(0, m))?;
    }
    b.domains(list);
    Ok(())
}

pub(crate) const RECORDS: Records = Records {
    section: Section::Domains,
    encode,
    decode,
};

/// The smallest record: empty domain, action.
const MIN_RECORD: usize = 5;

fn encode(p: &Policy) -> io::Result<Vec<u8>> {
    let mut domains = Vec::new();
    for (d, action) in p.domains().entries() {
        let mut e = Enc::default();
        e.str(d)?;
        e.u8(tag(&ACTION, *action)?);
        domains.push(e);
    }
    records(domains, true)
}

fn decode(mut r: Reader<'_>, b: &mut PolicyBuilder) -> Result<(), SnapshotError> {
    let mut list = DomainList::default();
    for _ in 0..r.count(MIN_RECORD)? {
        let domain = r.str()?;
        let action = r.tag(&ACTION, "domain action")?;
        list.insert(domain, action).map_err(|m| r.error(m))?;
    }
    r.finish()?;
    b.domains(list);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_name_parses_to_its_variant() {
        for (a, name) in ACTION {
            assert_eq!(DomainAction::from_name(name), Some(a));
        }
    }
}
