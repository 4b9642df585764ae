//! `advertisers.csv`: advertisers, their names, kinds and own domains.
//! Snapshot section `advertisers`.

use std::collections::HashSet;
use std::io;

use chanrac::policy::{Advertiser, AdvertiserKind, Policy, PolicyBuilder};

use super::enums::{names, tag, unknown, Variants};
use super::fields::{allowed_domains, domain_list, joined};
use super::{Csv, Records};
use crate::error::LoadError;
use crate::snapshot::codec::{records, Enc, Reader};
use crate::snapshot::{Section, SnapshotError};
use crate::table::Table;

pub(crate) const CSV: Csv = Csv {
    file: "advertisers.csv",
    required: &["advertiser"],
    optional: &["name", "kind", "domains"],
    read,
};

/// `kind`: names and snapshot tags.
const KIND: Variants<AdvertiserKind, 2> = [
    (AdvertiserKind::Organisation, "organisation"),
    (AdvertiserKind::Individual, "individual"),
];

fn read(t: &mut Table<&[u8]>, b: &mut PolicyBuilder) -> Result<(), LoadError> {
    while t.next_row()? {
        let id = t.required(0)?.trim();
        let kind = match t.get(2).trim() {
            "" => AdvertiserKind::Organisation,
            k => AdvertiserKind::parse(k)
                .ok_or_else(|| t.error(2, unknown("kind", k, &names(&KIND))))?,
        };
        let name = match t.get(1).trim() {
            "" => id,
            n => n,
        };
        let domains = domain_list(t, 3)?;
        b.advertiser(
            id,
            Advertiser {
                name: name.into(),
                kind,
                domains,
            },
        );
    }
    Ok(())
}

pub(crate) const RECORDS: Records = Records {
    section: Section::Advertisers,
    encode,
    decode,
};

/// The smallest record: three empty strings and the kind.
const MIN_RECORD: usize = 13;

fn encode(p: &Policy) -> io::Result<Vec<u8>> {
    let mut advertisers = Vec::new();
    for (id, a) in p.advertisers() {
        let mut e = Enc::default();
        e.str(id)?;
        e.str(&a.name)?;
        e.u8(tag(&KIND, a.kind)?);
        e.str(&joined(&a.domains))?;
        advertisers.push(e);
    }
    records(advertisers, false)
}

fn decode(mut r: Reader<'_>, b: &mut PolicyBuilder) -> Result<(), SnapshotError> {
    let mut ids = HashSet::new();
    for _ in 0..r.count(MIN_RECORD)? {
        let id = r.str()?;
        let name = r.str()?;
        let kind = r.tag(&KIND, "advertiser kind")?;
        let domains = r.str()?;
        let domains = allowed_domains(domains).map_err(|m| r.error(m))?;
        if !ids.insert(id) {
            return Err(r.error(format!("advertiser `{id}` appears twice")));
        }
        b.advertiser(
            id,
            Advertiser {
                name: name.into(),
                kind,
                domains,
            },
        );
    }
    r.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_name_parses_to_its_variant() {
        for (k, name) in KIND {
            assert_eq!(AdvertiserKind::parse(name), Some(k));
        }
    }
}
