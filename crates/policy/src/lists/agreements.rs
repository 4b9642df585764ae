//! `agreements.csv`: a recipient's agreement with an advertiser, lifting
//! the time window or the frequency limit. Snapshot section `agreements`.

use std::io;

use chanrac::policy::{Lifts, Policy, PolicyBuilder};

use super::enums::column;
use super::fields::number;
use super::{Csv, Records};
use crate::error::LoadError;
use crate::snapshot::codec::{records, Enc, Reader};
use crate::snapshot::{Section, SnapshotError};
use crate::table::Table;

pub(crate) const CSV: Csv = Csv {
    file: "agreements.csv",
    required: &["advertiser", "recipient", "rule"],
    optional: &[],
    read,
};

/// The names a `rule` cell may hold.
const RULES: [&str; 2] = ["window", "frequency"];

fn read(t: &mut Table<&[u8]>, b: &mut PolicyBuilder) -> Result<(), LoadError> {
    while t.next_row()? {
        let adv = t.required(0)?.trim();
        let rcpt = number(t, 1)?;
        let lifts = column(t, 2, "rule", &RULES, Lifts::parse)?;
        b.agreement(adv, rcpt, lifts);
    }
    Ok(())
}

pub(crate) const RECORDS: Records = Records {
    section: Section::Agreements,
    encode,
    decode,
};

/// The smallest record: empty advertiser, recipient, lifts.
const MIN_RECORD: usize = 13;

/// Lifts as bits: 1 the window, 2 the frequency limit.
const WINDOW: u8 = 1;
const FREQUENCY: u8 = 2;

fn encode(p: &Policy) -> io::Result<Vec<u8>> {
    let mut agreements = Vec::new();
    for (advertiser, recipient, lifts) in p.agreements() {
        let bits =
            (if lifts.window { WINDOW } else { 0 }) | (if lifts.frequency { FREQUENCY } else { 0 });
        if bits == 0 {
            // Lifts nothing: the same as no agreement.
            continue;
        }
        let mut e = Enc::default();
        e.str(advertiser)?;
        e.number(recipient);
        e.u8(bits);
        agreements.push(e);
    }
    records(agreements, false)
}

fn decode(mut r: Reader<'_>, b: &mut PolicyBuilder) -> Result<(), SnapshotError> {
    for _ in 0..r.count(MIN_RECORD)? {
        let advertiser = r.str()?;
        let recipient = r.number()?;
        let lifts = match r.u8()? {
            bits @ 1..=3 => Lifts {
                window: bits & WINDOW != 0,
                frequency: bits & FREQUENCY != 0,
            },
            bits => return Err(r.error(format!("bad lifts {bits}"))),
        };
        b.agreement(advertiser, recipient, lifts);
    }
    r.finish()
}
