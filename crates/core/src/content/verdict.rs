//! The content part of a verdict (S1, S3) on the check path, with a
//! per-thread cache of the texts checked last.
//!
//! An advertising campaign sends one text to many recipients, and the
//! content rules depend on nothing but the text and the policy: folding and
//! scanning the same text again gives the same answer. So each thread keeps
//! the content verdicts of the texts it checked last, direct-mapped by a
//! seeded xxh3 of the text ([`CACHED_TEXTS`] slots, texts of at most
//! [`CACHED_TEXT_BYTES`] bytes: about 100 KB of slots a thread, plus the
//! texts, 1 MB at the very most). A slot answers only for the same policy
//! (its generation, unique per built [`Policy`]) and the same text, compared
//! byte for byte: a hash collision or a swapped policy costs a scan, never
//! another text's verdict.
//!
//! Measured (`chanrac replay` of 100,000 events of the bench log under
//! callgrind, the 20M-number snapshot): 2.91G → 2.77G instructions with the
//! log's 4,096 texts drawn at random for every ad, 2.90G → 2.45G with 256
//! campaigns running at once; the verdicts of all 1,000,000 events of the
//! log are the same with and without the cache.

use std::cell::RefCell;

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::content::{for_each_contact, FoldBuf};
use crate::law::Reason;
use crate::number::Number;
use crate::policy::Policy;
use crate::verdict::{Reasons, Verdict};

/// Slots of the per-thread cache (a power of two).
pub const CACHED_TEXTS: usize = 1024;
/// Longer texts are scanned every time (the cache stays small: at most
/// `CACHED_TEXTS × CACHED_TEXT_BYTES` of text a thread).
pub const CACHED_TEXT_BYTES: usize = 1024;

/// What the content rules add to a verdict.
#[derive(Debug, Default)]
struct Found {
    /// `SPAM_SIGNATURE`, `SUSPENDED_CONTACT`.
    reasons: Reasons,
    /// The signatures matched, sorted.
    signatures: Vec<u32>,
    /// The first suspended contact number in the text.
    contact: Option<Number>,
}

#[derive(Debug, Default)]
struct Slot {
    /// 0: empty (policies count from 1).
    generation: u64,
    hash: u64,
    text: String,
    found: Found,
}

#[derive(Debug, Default)]
struct Scratch {
    buf: FoldBuf,
    slots: Vec<Slot>,
    /// For texts too long to cache.
    uncached: Found,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// S1 and S3 on `text` under `p`: adds their reasons to `r`, and the
/// signatures matched and the first suspended contact to `v`.
pub(crate) fn scan_content(p: &Policy, text: &str, r: &mut Reasons, v: &mut Verdict) {
    let sigs = p.signatures();
    let contacts = p.has_suspended();
    if text.is_empty() || (sigs.is_empty() && !contacts) {
        return;
    }
    SCRATCH.with(|s| {
        let mut s = s.borrow_mut();
        let Scratch {
            buf,
            slots,
            uncached,
        } = &mut *s;
        let found = if text.len() > CACHED_TEXT_BYTES {
            scan(p, text, buf, uncached);
            &*uncached
        } else {
            if slots.is_empty() {
                slots.resize_with(CACHED_TEXTS, Slot::default);
            }
            let hash = xxh3_64_with_seed(text.as_bytes(), crate::hash::process_seed());
            let at = hash as usize % CACHED_TEXTS;
            let Some(slot) = slots.get_mut(at) else {
                return; // never: `slots` has CACHED_TEXTS entries
            };
            if slot.generation != p.generation() || slot.hash != hash || slot.text != text {
                scan(p, text, buf, &mut slot.found);
                slot.generation = p.generation();
                slot.hash = hash;
                slot.text.clear();
                slot.text.push_str(text);
            }
            &slot.found
        };
        r.extend(found.reasons);
        v.signatures.extend_from_slice(&found.signatures);
        if let Some(n) = found.contact {
            v.contact.get_or_insert(n);
        }
    });
}

/// Folds `text` and runs both rules, into `found`.
fn scan(p: &Policy, text: &str, buf: &mut FoldBuf, found: &mut Found) {
    found.reasons = Reasons::EMPTY;
    found.signatures.clear();
    found.contact = None;
    buf.fold(text);
    let sigs = p.signatures();
    if !sigs.is_empty() {
        sigs.scan(buf, &mut found.signatures);
        found
            .reasons
            .insert_if(!found.signatures.is_empty(), Reason::SpamSignature);
    }
    if p.has_suspended() {
        for_each_contact(buf.folded(), |n| {
            if p.is_suspended(n) {
                found.reasons.insert(Reason::SuspendedContact);
                found.contact.get_or_insert(n);
            }
        });
    }
}
