//! `consents.csv`: recipients' opt-ins and opt-outs per advertiser, with
//! their times. Snapshot section `consents`.

use std::collections::HashSet;
use std::io;

use chanrac::policy::{ConsentState, Policy, PolicyBuilder};

use super::enums::{column, names, tag, Variants};
use super::fields::{number, timestamp};
use super::{Csv, Records};
use crate::error::LoadError;
use crate::snapshot::codec::{records, Enc, Reader};
use crate::snapshot::{Section, SnapshotError};
use crate::table::Table;

pub(crate) const CSV: Csv = Csv {
    file: "consents.csv",
    required: &["advertiser", "recipient", "state", "time"],
    optional: &[],
    read,
};

/// `state`: names and snapshot tags.
const STATE: Variants<ConsentState, 2> = [
    (ConsentState::OptIn, "optin"),
    (ConsentState::OptOut, "optout"),
];

fn read(t: &mut Table<&[u8]>, b: &mut PolicyBuilder) -> Result<(), LoadError> {
    while t.next_row()? {
        let adv = t.required(0)?.trim();
        let rcpt = number(t, 1)?;
        let state = column(t, 2, "state", &names(&STATE), ConsentState::parse)?;
        let time = timestamp(t, 3)?;
        b.consent(adv, rcpt, state, time);
    }
    Ok(())
}

pub(crate) const RECORDS: Records = Records {
    section: Section::Consents,
    encode,
    decode,
};

/// The smallest record: empty advertiser, recipient, state, time.
const MIN_RECORD: usize = 29;

fn encode(p: &Policy) -> io::Result<Vec<u8>> {
    let mut consents = Vec::new();
    for c in p.consents() {
        let mut e = Enc::default();
        e.str(&c.advertiser)?;
        e.number(c.recipient);
        e.u8(tag(&STATE, c.state)?);
        e.i128(c.time.as_nanosecond());
        consents.push(e);
    }
    records(consents, false)
}

fn decode(mut r: Reader<'_>, b: &mut PolicyBuilder) -> Result<(), SnapshotError> {
    let mut pairs = HashSet::new();
    for _ in 0..r.count(MIN_RECORD)? {
        let advertiser = r.str()?;
        let recipient = r.number()?;
        let state = r.tag(&STATE, "consent state")?;
        let ns = r.i128()?;
        let time = jiff::Timestamp::from_nanosecond(ns)
            .map_err(|_| r.error(format!("time {ns} out of range")))?;
        if !pairs.insert((advertiser, recipient)) {
            return Err(r.error(format!("two records for `{advertiser}` and `{recipient}`")));
        }
        b.consent(advertiser, recipient, state, time);
    }
    r.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_name_parses_to_its_variant() {
        for (s, name) in STATE {
            assert_eq!(ConsentState::parse(name), Some(s));
        }
    }
}
