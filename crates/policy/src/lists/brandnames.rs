//! `brandnames.csv`, the brandname registry: identifiers, their owners,
//! status and validity. Snapshot section `registry`.

use std::io;

use chanrac::ident::{Identifier, Name};
use chanrac::policy::{Policy, PolicyBuilder};
use chanrac::registry::{Registration, RegistryBuilder, Status};

use super::enums::{column, names, tag, Variants};
use super::fields::date;
use super::{Csv, Records};
use crate::error::LoadError;
use crate::snapshot::codec::{records, Enc, Reader};
use crate::snapshot::{Section, SnapshotError};
use crate::table::Table;

pub(crate) const CSV: Csv = Csv {
    file: "brandnames.csv",
    required: &["identifier", "advertiser", "status"],
    optional: &["valid_from", "valid_until"],
    read,
};

/// `status`: names and snapshot tags.
const STATUS: Variants<Status, 3> = [
    (Status::Active, "active"),
    (Status::Revoked, "revoked"),
    (Status::Suspended, "suspended"),
];

fn read(t: &mut Table<&[u8]>, b: &mut PolicyBuilder) -> Result<(), LoadError> {
    let mut r = RegistryBuilder::new();
    while t.next_row()? {
        let id = Identifier::parse(t.required(0)?)
            .map_err(|e| t.error(0, format!("bad identifier `{}`: {e}", t.get(0).trim())))?;
        let owner = t.required(1)?.trim();
        let status = column(t, 2, "status", &names(&STATUS), Status::parse)?;
        let valid_from = date(t, 3)?;
        let valid_until = date(t, 4)?;
        if let (Some(f), Some(u)) = (valid_from, valid_until) {
            if f > u {
                return Err(t.error(4, "valid_until is before valid_from"));
            }
        }
        r.insert(
            id,
            Registration {
                owner: owner.into(),
                status,
                valid_from,
                valid_until,
            },
        )
        .map_err(|e| t.error(0, e.to_string()))?;
    }
    b.registry(r.build());
    Ok(())
}

pub(crate) const RECORDS: Records = Records {
    section: Section::Registry,
    encode,
    decode,
};

/// The smallest record: identifier tag and number, empty owner, status,
/// two absent dates.
const MIN_RECORD: usize = 13;

/// Identifier tags: a number, a brandname.
const NUMBER: u8 = 0;
const NAME: u8 = 1;

fn encode(p: &Policy) -> io::Result<Vec<u8>> {
    let mut registry = Vec::new();
    for (id, reg) in p.registry().iter() {
        let mut e = Enc::default();
        match id {
            Identifier::Number(n) => {
                e.u8(NUMBER);
                e.number(*n);
            }
            Identifier::Name(n) => {
                e.u8(NAME);
                e.str(n.as_str())?;
            }
        }
        e.str(&reg.owner)?;
        e.u8(tag(&STATUS, reg.status)?);
        e.opt_i32(reg.valid_from);
        e.opt_i32(reg.valid_until);
        registry.push(e);
    }
    records(registry, false)
}

fn decode(mut r: Reader<'_>, b: &mut PolicyBuilder) -> Result<(), SnapshotError> {
    let mut registry = RegistryBuilder::new();
    for _ in 0..r.count(MIN_RECORD)? {
        let id = match r.u8()? {
            NUMBER => Identifier::Number(r.number()?),
            NAME => {
                let s = r.str()?;
                Identifier::Name(
                    Name::parse(s).map_err(|e| r.error(format!("bad brandname `{s}`: {e}")))?,
                )
            }
            t => return Err(r.error(format!("unknown identifier tag {t}"))),
        };
        let owner = r.str()?;
        let status = r.tag(&STATUS, "status")?;
        let valid_from = r.opt_i32()?;
        let valid_until = r.opt_i32()?;
        registry
            .insert(
                id,
                Registration {
                    owner: owner.into(),
                    status,
                    valid_from,
                    valid_until,
                },
            )
            .map_err(|e| r.error(e.to_string()))?;
    }
    r.finish()?;
    b.registry(registry.build());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_name_parses_to_its_variant() {
        for (s, name) in STATUS {
            assert_eq!(Status::parse(name), Some(s));
        }
    }
}
