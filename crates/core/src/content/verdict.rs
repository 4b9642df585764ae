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

use crate::content::links::{for_each_host, may_link, DomainAction};
use crate::content::{for_each_contact, FoldBuf};
use crate::ident::{Identifier, Name};
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
    /// `SPAM_SIGNATURE`, `SUSPENDED_CONTACT`, `URL_BLOCKED`.
    reasons: Reasons,
    /// The link hosts, each once, in order.
    links: Vec<Box<str>>,
    /// Per link host (index into `links`), the brands it imitates, before
    /// the owner exemption; hosts `domains.csv` allows are left out.
    imitated: Vec<(u32, u32)>,
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

/// Who sent the message, for the rules that depend on it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sent<'a> {
    /// An ad or registration (`URL_NOT_ALLOWED` applies).
    pub advertising: bool,
    /// The advertiser (empty for p2p).
    pub advertiser: &'a str,
}

/// S1, S3 and the link rules on `text` under `p`: adds their reasons to
/// `r`, and the signatures matched, the first suspended contact, the link
/// hosts and the brands imitated to `v`.
pub(crate) fn scan_content(
    p: &Policy,
    text: &str,
    sent: Sent<'_>,
    r: &mut Reasons,
    v: &mut Verdict,
) {
    let sigs = p.signatures();
    let contacts = p.has_suspended();
    let links = p.has_link_rules();
    if text.is_empty() || (sigs.is_empty() && !contacts && !links) {
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
        if !found.links.is_empty() {
            judge_links(p, found, sent, r, v);
        }
    });
}

/// `LOOKALIKE` for an alphanumeric sender name that is not a registered
/// identifier and imitates a protected brand the advertiser does not own.
pub(crate) fn sender_lookalike(
    p: &Policy,
    name: &Name,
    advertiser: &str,
    r: &mut Reasons,
    v: &mut Verdict,
) {
    let brands = p.lookalikes();
    if brands.is_empty() || p.registry().get(&Identifier::Name(*name)).is_some() {
        return;
    }
    for b in brands.imitated_by_name(name.as_str()) {
        if !owns(&brands.brand(b).owner, advertiser) {
            r.insert(Reason::Lookalike);
            if !v.imitated.contains(&b) {
                v.imitated.push(b);
            }
        }
    }
    v.imitated.sort_unstable();
}

/// Whether `advertiser` owns a brand whose owner is `owner` (a brand with
/// no owner is owned by nobody).
fn owns(owner: &str, advertiser: &str) -> bool {
    !owner.is_empty() && owner == advertiser
}

/// The per-event part of the link rules: `URL_NOT_ALLOWED` (the
/// advertiser's `domains`) and the owner exemption of `LOOKALIKE`.
fn judge_links(p: &Policy, found: &Found, sent: Sent<'_>, r: &mut Reasons, v: &mut Verdict) {
    v.links.extend(found.links.iter().cloned());
    if sent.advertising {
        if let Some(adv) = p.advertiser(sent.advertiser) {
            if !adv.domains.is_empty() {
                let outside = found.links.iter().any(|h| {
                    !adv.domains.covers(h) && p.domains().get(h) != Some(DomainAction::Allow)
                });
                r.insert_if(outside, Reason::UrlNotAllowed);
            }
        }
    }
    let brands = p.lookalikes();
    for &(_, b) in &found.imitated {
        if b as usize >= brands.len() || owns(&brands.brand(b).owner, sent.advertiser) {
            continue;
        }
        r.insert(Reason::Lookalike);
        if !v.imitated.contains(&b) {
            v.imitated.push(b);
        }
    }
    v.imitated.sort_unstable();
}

/// Folds `text` and runs both rules, into `found`.
fn scan(p: &Policy, text: &str, buf: &mut FoldBuf, found: &mut Found) {
    found.reasons = Reasons::EMPTY;
    found.signatures.clear();
    found.contact = None;
    found.links.clear();
    found.imitated.clear();
    buf.fold(text);
    if p.has_link_rules() && may_link(buf.folded()) {
        for_each_host(text, |h| {
            if !found.links.iter().any(|l| &**l == h) {
                found.links.push(h.into());
            }
        });
        for (i, h) in found.links.iter().enumerate() {
            match p.domains().get(h) {
                Some(DomainAction::Allow) => continue,
                Some(DomainAction::Block) => found.reasons.insert(Reason::UrlBlocked),
                None => {}
            }
            for b in p.lookalikes().imitated_by_host(h) {
                found.imitated.push((i as u32, b));
            }
        }
    }
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
