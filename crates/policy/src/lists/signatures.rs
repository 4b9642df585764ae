//! `signatures.csv`: spam-template signatures, each an id, a kind and a
//! pattern. Snapshot section `signatures`, in index order, recompiled on
//! load.

use std::collections::HashSet;
use std::io;

use chanrac::content::{SignatureKind, SignatureSetBuilder};
use chanrac::policy::{Policy, PolicyBuilder};

use super::enums::{names, tag, unknown, Variants};
use super::{Csv, Records};
use crate::error::LoadError;
use crate::snapshot::codec::{records, Enc, Reader};
use crate::snapshot::{corrupt, Section, SnapshotError};
use crate::table::Table;

pub(crate) const CSV: Csv = Csv {
    file: "signatures.csv",
    required: &["id", "kind", "pattern"],
    optional: &[],
    read,
};

/// `kind`: names and snapshot tags.
const KIND: Variants<SignatureKind, 5> = [
    (SignatureKind::Literal, "literal"),
    (SignatureKind::Regex, "regex"),
    (SignatureKind::Word, "word"),
    (SignatureKind::Diacritic, "diacritic"),
    (SignatureKind::Fuzzy, "fuzzy"),
];

fn read(t: &mut Table<&[u8]>, b: &mut PolicyBuilder) -> Result<(), LoadError> {
    let mut s = SignatureSetBuilder::new();
    let mut lines = Vec::new();
    let mut ids = HashSet::new();
    while t.next_row()? {
        let id = t.required(0)?.trim();
        let k = t.required(1)?.trim();
        let Some(kind) = SignatureKind::from_name(k) else {
            let k = k.to_ascii_lowercase();
            return Err(t.error(1, unknown("kind", &k, &names(&KIND))));
        };
        let pattern = t.required(2)?;
        if !ids.insert(id.to_string()) {
            return Err(t.error(0, format!("signature id `{id}` appears more than once")));
        }
        s.add(id, kind, pattern);
        lines.push(t.line());
    }
    let set = s.build().map_err(|e| {
        let line = lines.get(e.index()).copied().unwrap_or(0);
        LoadError::at(
            t.path(),
            line,
            3,
            "pattern",
            format!("signature `{}`: {}", e.id(), e.message()),
        )
    })?;
    b.signatures(set);
    Ok(())
}

pub(crate) const RECORDS: Records = Records {
    section: Section::Signatures,
    encode,
    decode,
};

/// The smallest record: empty id, kind, empty pattern.
const MIN_RECORD: usize = 9;

fn encode(p: &Policy) -> io::Result<Vec<u8>> {
    let mut signatures = Vec::new();
    for (id, kind, pattern) in p.signatures().iter() {
        let mut e = Enc::default();
        e.str(id)?;
        e.u8(tag(&KIND, kind)?);
        e.str(pattern)?;
        signatures.push(e);
    }
    // A signature's position is its index: keep the order.
    records(signatures, true)
}

fn decode(mut r: Reader<'_>, b: &mut PolicyBuilder) -> Result<(), SnapshotError> {
    let mut set = SignatureSetBuilder::new();
    let mut ids = HashSet::new();
    for _ in 0..r.count(MIN_RECORD)? {
        let id = r.str()?;
        let kind = r.tag(&KIND, "signature kind")?;
        let pattern = r.str()?;
        if !ids.insert(id) {
            return Err(r.error(format!("signature `{id}` appears twice")));
        }
        set.add(id, kind, pattern);
    }
    r.finish()?;
    b.signatures(
        set.build()
            .map_err(|e| corrupt(Some(RECORDS.section), e.to_string()))?,
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_name_parses_to_its_variant() {
        for (k, name) in KIND {
            assert_eq!(SignatureKind::from_name(name), Some(k));
        }
    }
}
