//! The Do-Not-Call list (Danh sách không quảng cáo), per channel.
//!
//! Rule R1 (docs/rules.md; Decree 91 Art.7, Art.13(1)): no ad SMS, registration message
//! or ad call to a number on the DNC list for that channel. The list maps each
//! normalised number to its [`Scopes`]. [`DncList`] is an exact, compact
//! index over the numbers' packed form ([`Number::to_bits`]): a blocked
//! sorted array of about 2 bytes per number at carrier scale, read in place
//! from any bytes (a `Vec`, a memory map), with one cache-missing read per
//! lookup in the common case. Lookups never allocate. Key order is `Number`
//! order, so the list iterates and merges as a sorted stream.
//!
//! ```
//! use chanrac::dnc::{DncBuilder, Scopes};
//! use chanrac::number::Number;
//!
//! let mut b = DncBuilder::new();
//! b.insert(Number::parse("0912345678").unwrap(), Scopes::SMS);
//! b.insert(Number::parse("+84 912 345 678").unwrap(), Scopes::CALL); // merges
//! let dnc = b.build();
//! assert_eq!(dnc.get(Number::parse("84912345678").unwrap()), Scopes::ALL);
//! assert!(dnc.get(Number::parse("0987654321").unwrap()).is_empty());
//! ```
//!
//! # Format, version 1
//!
//! Little-endian throughout. A key is [`Number::to_bits`]; with `b` bucket
//! bits (1 to 14, recorded in the header), its *bucket* is `key >> b` and
//! its *low* part `key & (2^b - 1)`. Occupied buckets close to each other
//! (at most 3 empty buckets apart) form *runs*. A run that costs
//! fewer bytes as a *segment* (a directory of every bucket in it, then one
//! `u16` per number) than as *exceptions* (one `u64` per number) is stored
//! as a segment; the other runs' numbers are exceptions. Mobile numbers at
//! carrier scale are a handful of segments (neighbouring prefixes share
//! one: 20M numbers over Vietnam's 36 mobile prefixes make 8); a scattered
//! handful of fixed lines and short codes are exceptions.
//!
//! | bytes | field |
//! |---|---|
//! | 0..8 | magic `CHRCDNC\0` |
//! | 8..12 | format version, `u32` (1) |
//! | 12..16 | bucket bits `b`, `u32`, 1 to 14 |
//! | 16..24 | numbers on the list, `u64` |
//! | 24..32 | segments `S`, `u64` |
//! | 32..40 | exceptions `E`, `u64` |
//! | 40..48 | directory length `R`, `u64`: the segments' buckets, plus one |
//! | 48..56 | xxh3-64 of bytes 0..48 then 56..end, `u64` |
//! | 56.. | `S` segments, 16 bytes each: first bucket `u64`, bucket count `u32` (≥ 1), zero `u32`; in bucket order, not overlapping |
//! | … | `E` exceptions, `u64` each: `key << 2 \| scope bits`, in key order, none inside a segment's buckets |
//! | … | the directory, `R` × `u32`: where each bucket's entries start, counted in entries, segment after segment; the last one is the entry count |
//! | … | the entries, `u16` each: `low << 2 \| scope bits`, sorted within their bucket |
//!
//! and nothing after. Scope bits are 1 (sms), 2 (call) or 3 (both), never 0.
//!
//! A lookup finds the segment in a small table copied out at load (a binary
//! search over a few `u64`, in cache), reads two neighbouring `u32` of
//! the directory (about 0.02 bytes per number at carrier density with the
//! default 12 bits: it stays in cache too) and then searches one bucket's
//! sorted `u16`, starting where the low part predicts (numbers are spread
//! evenly within a bucket), which is usually one cache line. Numbers outside
//! every segment are found by a binary search of the exceptions.
//!
//! [`DncList::from_bytes`] checks everything before a lookup can happen: the magic,
//! the version, that the lengths add up to the bytes, the checksum, the
//! segment order, that the directory starts at 0, never decreases, ends at
//! the entry count and holds at most `2^b` entries per bucket, that entries
//! are strictly increasing within their bucket with non-zero scope bits,
//! that exceptions are strictly increasing and outside the segments, and
//! that every key is the key of a valid [`Number`]. Lookups then read with
//! bounds-checked slices and treat a failed read as "not listed", which a
//! checked index never produces.

use std::fmt;
use std::sync::Arc;

use crate::number::Number;

/// The channels a DNC entry covers (scopes `sms`, `call`, `all`; the 5656
/// letters S and V).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Scopes(u8);

impl Scopes {
    /// No scope: the number is not on the list.
    pub const NONE: Scopes = Scopes(0);
    /// Refuses ad SMS and registration messages (`sms`, 5656 letter S).
    pub const SMS: Scopes = Scopes(1);
    /// Refuses ad calls (`call`, 5656 letter V).
    pub const CALL: Scopes = Scopes(2);
    /// Both channels (`all`).
    pub const ALL: Scopes = Scopes(3);

    /// Parses `sms`, `call` or `all`, case-insensitively.
    pub fn parse(s: &str) -> Option<Scopes> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("sms") {
            Some(Scopes::SMS)
        } else if s.eq_ignore_ascii_case("call") {
            Some(Scopes::CALL)
        } else if s.eq_ignore_ascii_case("all") {
            Some(Scopes::ALL)
        } else {
            None
        }
    }

    /// The union of two scope sets.
    pub fn union(self, other: Scopes) -> Scopes {
        Scopes(self.0 | other.0)
    }

    /// `self` without the scopes in `other`.
    pub fn without(self, other: Scopes) -> Scopes {
        Scopes(self.0 & !other.0)
    }

    /// Whether every scope of `other` is in `self` (and `other` is not empty).
    pub fn covers(self, other: Scopes) -> bool {
        other.0 != 0 && self.0 & other.0 == other.0
    }

    /// No scope at all.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The raw bits (1 = sms, 2 = call).
    pub fn bits(self) -> u8 {
        self.0
    }

    /// From raw bits; unknown bits are dropped.
    pub fn from_bits(bits: u8) -> Scopes {
        Scopes(bits & 3)
    }

    /// The contract's name: `sms`, `call`, `all` (or `none`).
    pub fn name(self) -> &'static str {
        match self.0 {
            1 => "sms",
            2 => "call",
            3 => "all",
            _ => "none",
        }
    }
}

impl fmt::Debug for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

mod index;

/// Why bytes are not a DNC list ([`DncList::from_bytes`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DncError {
    /// The bytes do not start with the DNC list's magic bytes.
    NotDnc,
    /// A format version this build does not read.
    Version {
        /// The bytes' version.
        found: u32,
        /// The version this build reads.
        supported: u32,
    },
    /// The checksum in the header does not match the bytes.
    ChecksumMismatch {
        /// The checksum the bytes record.
        stored: u64,
        /// The checksum of the bytes read.
        computed: u64,
    },
    /// The bytes break the format (a length, an order, a bound); what is
    /// wrong, lower case.
    Corrupt(String),
}

impl fmt::Display for DncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DncError::NotDnc => f.write_str("not a dnc list (bad magic bytes)"),
            DncError::Version { found, supported } => write!(
                f,
                "dnc list format version {found} is not supported: this build reads \
                 version {supported}"
            ),
            DncError::ChecksumMismatch { stored, computed } => write!(
                f,
                "dnc list checksum mismatch (stored {stored:#018x}, computed {computed:#018x})"
            ),
            DncError::Corrupt(m) => write!(f, "corrupt dnc list: {m}"),
        }
    }
}

impl std::error::Error for DncError {}

/// Collects DNC entries in any order; repeated numbers merge their scopes.
///
/// Entries are kept as they come (8 bytes each) and sorted once by
/// [`DncBuilder::build`]: at 20M numbers that is a few seconds where a
/// sorted map took tens, in less than half the memory.
#[derive(Default, Debug, Clone)]
pub struct DncBuilder {
    /// `key << 2 | scope bits` per insert, unsorted, repeats included.
    entries: Vec<u64>,
    bucket_bits: Option<u32>,
}

impl DncBuilder {
    /// An empty builder.
    pub fn new() -> DncBuilder {
        DncBuilder::default()
    }

    /// Adds `scopes` to `number`'s entry.
    pub fn insert(&mut self, number: Number, scopes: Scopes) -> &mut DncBuilder {
        // Keys use at most 60 bits.
        self.entries
            .push(number.to_bits() << 2 | u64::from(scopes.bits()));
        self
    }

    /// How many distinct numbers have been added (sorts a copy of the
    /// entries: O(n log n)).
    pub fn len(&self) -> usize {
        self.sorted().len()
    }

    /// No entries yet.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// A tuning knob: each bucket of the index covers `2^bits` consecutive
    /// keys (1 to 14, clamped). Fewer bits mean a larger directory and
    /// shorter buckets. Unset, [`DncBuilder::build`] takes the fewest of
    /// 12, 13 and 14 that put 32 numbers or more in an occupied bucket on
    /// average (12 for a national list of millions). The list records its
    /// bits, so any list reads with any build.
    pub fn bucket_bits(&mut self, bits: u32) -> &mut DncBuilder {
        self.bucket_bits = Some(bits);
        self
    }

    /// Each distinct key once, in key order, with its scopes merged:
    /// `key << 2 | scope bits`.
    fn sorted(&self) -> Vec<u64> {
        let mut v = self.entries.clone();
        v.sort_unstable();
        v.dedup_by(|later, kept| {
            let same = *later >> 2 == *kept >> 2;
            if same {
                *kept |= *later & 3;
            }
            same
        });
        v
    }

    /// Compiles the list into its index, held in memory. Numbers whose
    /// scopes are all empty are left out.
    pub fn build(&self) -> DncList {
        let v = self.sorted();
        let bits = self.bucket_bits.unwrap_or_else(|| {
            let occupied = |bits: u32| {
                let mut last = None;
                v.iter()
                    .filter(|e| {
                        let b = Some(*e >> 2 >> bits);
                        let new = b != last;
                        last = b;
                        new
                    })
                    .count()
            };
            (12..14)
                .find(|&bits| v.len() >= 32 * occupied(bits))
                .unwrap_or(14)
        });
        let mut w = index::Writer::new(bits);
        for e in v {
            // `Number` order is the order of the keys; the writer skips
            // empty scopes.
            w.push(e >> 2, (e & 3) as u8);
        }
        DncList::from_written(w)
    }
}

/// Bytes held anywhere — a `Vec`, a memory map, a static slice — shared
/// cheaply between policies. A [`crate::Policy`] keeps its DNC list in these,
/// so a snapshot file can be mapped rather than copied.
#[derive(Clone)]
pub struct SharedBytes(Arc<dyn AsRef<[u8]> + Send + Sync>);

impl SharedBytes {
    /// Wraps any owner of bytes.
    pub fn new(bytes: impl AsRef<[u8]> + Send + Sync + 'static) -> SharedBytes {
        SharedBytes(Arc::new(bytes))
    }
}

impl AsRef<[u8]> for SharedBytes {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        (*self.0).as_ref()
    }
}

impl fmt::Debug for SharedBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharedBytes({} bytes)", self.as_ref().len())
    }
}

/// A compiled DNC list: number → scope bits, as a compact sorted index
/// (format in [`DncList::from_bytes`]).
///
/// Generic over its bytes (`Vec<u8>`, a memory map, a static slice): the
/// list is read in place. Opening it checks every byte once and copies out
/// only the segment table (a few dozen entries for a national mobile list);
/// a lookup then reads the bytes with bounds-checked slices.
#[derive(Clone)]
pub struct DncList<D = Vec<u8>> {
    bytes: D,
    index: Arc<index::Index>,
}

impl DncList<Vec<u8>> {
    /// An empty list.
    pub fn empty() -> DncList {
        DncList::from_written(index::Writer::new(index::DEFAULT_BUCKET_BITS))
    }

    fn from_written(w: index::Writer) -> DncList {
        let bytes = w.finish();
        match index::Index::open(&bytes) {
            Ok(index) => DncList {
                bytes,
                index: Arc::new(index),
            },
            Err(e) => {
                // The writer's output always opens; this would be a bug.
                debug_assert!(false, "{e}");
                DncList {
                    bytes: index::Writer::new(index::DEFAULT_BUCKET_BITS).finish(),
                    index: Arc::new(index::Index::empty()),
                }
            }
        }
    }
}

impl Default for DncList<Vec<u8>> {
    fn default() -> Self {
        DncList::empty()
    }
}

impl<D: AsRef<[u8]>> DncList<D> {
    /// Opens a list from bytes written by [`DncList::as_bytes`], checking
    /// all of them: a damaged or foreign list is an error, never a panic
    /// or a read out of bounds.
    /// The format is in the [module docs](self#format-version-1).
    pub fn from_bytes(bytes: D) -> Result<DncList<D>, DncError> {
        let index = Arc::new(index::Index::open(bytes.as_ref())?);
        Ok(DncList { bytes, index })
    }

    /// The scopes `number` refuses; empty when it is not on the list.
    #[inline]
    pub fn get(&self, number: Number) -> Scopes {
        Scopes::from_bits(self.index.get(self.bytes.as_ref(), number.to_bits()))
    }

    /// How many numbers are on the list.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// No numbers on the list.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The index's bucket bits ([`DncBuilder::bucket_bits`]).
    pub fn bucket_bits(&self) -> u32 {
        self.index.bucket_bits()
    }

    /// The list's bytes, for a snapshot file: everything a lookup reads
    /// but the segment table's copy.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.as_ref()
    }

    /// The owner of the bytes.
    pub fn into_inner(self) -> D {
        self.bytes
    }

    /// The same list over [`SharedBytes`] (no copy, no second check).
    pub fn into_shared(self) -> DncList<SharedBytes>
    where
        D: Send + Sync + 'static,
    {
        DncList {
            bytes: SharedBytes::new(self.bytes),
            index: self.index,
        }
    }

    /// Every entry in key order ([`Number`] order).
    pub fn for_each(&self, mut f: impl FnMut(Number, Scopes)) {
        self.index.for_each(self.bytes.as_ref(), |k, s| {
            // Every key was checked to be a number's when the list opened.
            if let Some(n) = Number::from_bits(k) {
                f(n, Scopes::from_bits(s));
            }
        });
    }
}

impl<D: AsRef<[u8]>> fmt::Debug for DncList<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DncList({} numbers)", self.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn scopes_merge_and_cover() {
        assert!(Scopes::ALL.covers(Scopes::SMS));
        assert!(Scopes::ALL.covers(Scopes::CALL));
        assert!(!Scopes::SMS.covers(Scopes::CALL));
        assert!(!Scopes::SMS.covers(Scopes::NONE));
        assert_eq!(Scopes::SMS.union(Scopes::CALL), Scopes::ALL);
        assert_eq!(Scopes::ALL.without(Scopes::SMS), Scopes::CALL);
        assert_eq!(Scopes::parse(" SMS "), Some(Scopes::SMS));
        assert_eq!(Scopes::parse("All"), Some(Scopes::ALL));
        assert_eq!(Scopes::parse("both"), None);
    }

    #[test]
    fn overlay_changes_and_merges() {
        let mut b = DncBuilder::new();
        b.insert(n("0912345678"), Scopes::ALL);
        b.insert(n("0987654321"), Scopes::SMS);
        let v = DncView::new(b.build().into_shared());
        let v1 = v.with_changes(&[
            (n("0912345678"), DncChange::Remove(Scopes::SMS)),
            (n("0900000001"), DncChange::Add(Scopes::CALL)),
            (n("0987654321"), DncChange::Remove(Scopes::ALL)),
            (n("5656"), DncChange::Add(Scopes::SMS)),
        ]);
        assert_eq!(v.get(n("0912345678")), Scopes::ALL, "views are immutable");
        assert_eq!(v1.get(n("0912345678")), Scopes::CALL);
        assert_eq!(v1.get(n("0900000001")), Scopes::CALL);
        assert_eq!(v1.get(n("0987654321")), Scopes::NONE);
        assert_eq!(v1.pending(), 4);
        // More changes arrive while the merge runs.
        let merged = v1.merged();
        assert_eq!(merged.len(), 3);
        let v2 = v1.with_changes(&[(n("0900000001"), DncChange::Add(Scopes::SMS))]);
        let v3 = v2.after_merge(&v1, merged.into_shared()).unwrap();
        assert_eq!(v3.pending(), 1);
        for q in [
            "0912345678",
            "0900000001",
            "0987654321",
            "5656",
            "0911111111",
        ] {
            assert_eq!(v3.get(n(q)), v2.get(n(q)), "{q}");
        }
        // A reload keeps every live change, merged or not.
        let reloaded = v3.rebased(DncList::empty().into_shared());
        assert_eq!(reloaded.pending(), 4);
        for q in ["0912345678", "0900000001", "0987654321", "5656"] {
            assert_eq!(reloaded.get(n(q)), v2.get(n(q)), "{q}");
        }
        // A base swapped meanwhile makes the merge stale.
        let other = DncView::new(DncList::empty().into_shared());
        assert!(other
            .after_merge(&v1, DncList::empty().into_shared())
            .is_none());
    }

    #[test]
    fn short_codes_and_numbers_do_not_collide() {
        let mut b = DncBuilder::new();
        b.insert(n("5656"), Scopes::SMS);
        b.insert(n("0912345678"), Scopes::CALL);
        b.insert(n("02412345678"), Scopes::ALL);
        let d = b.build();
        assert_eq!(d.len(), 3);
        assert_eq!(d.get(n("5656")), Scopes::SMS);
        assert_eq!(d.get(n("565")), Scopes::NONE);
        assert_eq!(d.get(n("84912345678")), Scopes::CALL);
        assert_eq!(d.get(n("842412345678")), Scopes::ALL);
        let mut seen = vec![];
        d.for_each(|n, s| seen.push((n.to_string(), s)));
        assert_eq!(seen.len(), 3);
        let reopened = DncList::from_bytes(d.as_bytes()).unwrap();
        assert_eq!(reopened.get(n("5656")), Scopes::SMS);
    }
}

/// A change to the DNC list from 5656 (`DK DNC S`, `HUY DNC V`, …) or an
/// operator feed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DncChange {
    /// The number joins the list for these scopes.
    Add(Scopes),
    /// The number leaves the list for these scopes.
    Remove(Scopes),
}

/// Where a DNC list stands in a stream of DNC changes (the store's DNC
/// stream, which carries every change to every node): the stream's key and
/// the id of the last entry the list holds (`0-0`: none). A snapshot built
/// from the stream records it ([`crate::Policy::dnc_stream`]), so a node
/// that loads the snapshot follows the stream from the next entry on.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StreamMark {
    /// The stream's key (`chanrac:dnc` by default).
    pub key: Box<str>,
    /// The id of the last entry applied, `MILLISECONDS-SEQUENCE`.
    pub id: Box<str>,
}

impl DncChange {
    fn apply(self, s: Scopes) -> Scopes {
        match self {
            DncChange::Add(a) => s.union(a),
            DncChange::Remove(r) => s.without(r),
        }
    }
}

/// The live DNC list: a base list plus a small overlay of recent changes.
///
/// The overlay holds, for each number changed since the base was built, its
/// *current* scopes (not the change), so a lookup is one hash probe in the
/// overlay and, when the number is not there, one list lookup. Changes take
/// effect at once without rebuilding the list; [`DncView::merged`] folds the
/// overlay into a new base when the host decides (on demand or on a thread it
/// starts: nothing here starts a thread). A view is immutable: the engine
/// publishes a new one with `arc-swap`, so readers never wait.
#[derive(Clone, Debug)]
pub struct DncView {
    base: DncList<SharedBytes>,
    /// Changes not yet merged into `base`: current scopes per number.
    overlay: Arc<std::collections::HashMap<Number, Scopes>>,
    /// Every change made live since the list was loaded (merged or not),
    /// so that a reloaded list gets them all again ([`DncView::rebased`]).
    live: Arc<std::collections::HashMap<Number, Scopes>>,
}

impl DncView {
    /// A view of `base` with no changes.
    pub fn new(base: DncList<SharedBytes>) -> DncView {
        DncView {
            base,
            overlay: Arc::default(),
            live: Arc::default(),
        }
    }

    /// The scopes `number` refuses now.
    #[inline]
    pub fn get(&self, number: Number) -> Scopes {
        if !self.overlay.is_empty() {
            if let Some(s) = self.overlay.get(&number) {
                return *s;
            }
        }
        self.base.get(number)
    }

    /// The base list.
    pub fn base(&self) -> &DncList<SharedBytes> {
        &self.base
    }

    /// How many numbers have changed since the base was built.
    pub fn pending(&self) -> usize {
        self.overlay.len()
    }

    /// How many numbers were changed live since the list was loaded.
    pub fn live_changes(&self) -> usize {
        self.live.len()
    }

    /// This view with `changes` applied in order.
    pub fn with_changes(&self, changes: &[(Number, DncChange)]) -> DncView {
        let mut overlay = (*self.overlay).clone();
        let mut live = (*self.live).clone();
        for (n, c) in changes {
            let now = overlay.get(n).copied().unwrap_or_else(|| self.base.get(*n));
            let next = c.apply(now);
            overlay.insert(*n, next);
            live.insert(*n, next);
        }
        DncView {
            base: self.base.clone(),
            overlay: Arc::new(overlay),
            live: Arc::new(live),
        }
    }

    /// The same view over another base (a reloaded policy): every change
    /// made live since the first load, merged or not, goes on top of it
    /// again, so a list exported before the changes arrived does not undo
    /// them.
    pub fn rebased(&self, base: DncList<SharedBytes>) -> DncView {
        DncView {
            base,
            overlay: self.live.clone(),
            live: self.live.clone(),
        }
    }

    /// A new base list holding the overlay's changes (a sorted merge of the
    /// base's stream with the overlay; no lookups). Costs about as much as
    /// building the list afresh; run it off the hot path.
    pub fn merged(&self) -> DncList {
        let mut changes: Vec<(u64, Scopes)> = self
            .overlay
            .iter()
            .map(|(n, s)| (n.to_bits(), *s))
            .collect();
        changes.sort_unstable_by_key(|c| c.0);
        let base = &self.base;
        let mut out = index::Writer::new(base.index.bucket_bits());
        // Empty scopes are dropped by the writer.
        let mut ch = changes.iter().peekable();
        base.index.for_each(base.as_bytes(), |k, v| {
            while let Some((ck, cs)) = ch.next_if(|(ck, _)| *ck < k) {
                out.push(*ck, cs.bits());
            }
            match ch.next_if(|(ck, _)| *ck == k) {
                Some((_, cs)) => out.push(k, cs.bits()),
                None => out.push(k, v),
            }
        });
        for (ck, cs) in ch {
            out.push(*ck, cs.bits());
        }
        DncList::from_written(out)
    }

    /// After a merge of `merged_from` into `new_base`: this view (which may
    /// have received more changes meanwhile) over the new base, keeping only
    /// the changes made since. `None` when the base changed in between (a
    /// policy reload): merge again.
    pub fn after_merge(
        &self,
        merged_from: &DncView,
        new_base: DncList<SharedBytes>,
    ) -> Option<DncView> {
        if !std::ptr::eq(self.base.as_bytes(), merged_from.base.as_bytes()) {
            return None;
        }
        let overlay: std::collections::HashMap<Number, Scopes> = self
            .overlay
            .iter()
            .filter(|(n, s)| merged_from.overlay.get(n) != Some(s))
            .map(|(n, s)| (*n, *s))
            .collect();
        Some(DncView {
            base: new_base,
            overlay: Arc::new(overlay),
            live: self.live.clone(),
        })
    }
}
