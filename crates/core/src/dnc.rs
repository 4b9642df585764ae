//! The Do-Not-Call list (Danh sách không quảng cáo), per channel.
//!
//! DOMAIN.md R1 (Decree 91 Art.7, Art.13(1)): no ad SMS, registration message
//! or ad call to a number on the DNC list for that channel. The list maps each
//! normalised number to its [`Scopes`] and is stored as an [`fst::Map`] keyed
//! by the number's packed form ([`Number::to_bits`], 8 bytes big-endian):
//! the digit count and value in binary, so keys share long prefixes, the
//! FST has eight levels of dense fan-out instead of eleven or twelve digit
//! levels, and key order is `Number` order. Lookups never allocate.
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

use std::collections::BTreeMap;
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

/// The FST key of a number: its packed bits, big-endian.
#[inline]
fn key(n: Number) -> [u8; 8] {
    n.to_bits().to_be_bytes()
}

/// The number of an FST key; `None` for a key no [`key`] could give.
fn unkey(k: &[u8]) -> Option<Number> {
    let b: [u8; 8] = k.try_into().ok()?;
    Number::from_bits(u64::from_be_bytes(b))
}

/// Collects DNC entries in any order; repeated numbers merge their scopes.
#[derive(Default, Debug, Clone)]
pub struct DncBuilder {
    entries: BTreeMap<Number, Scopes>,
}

impl DncBuilder {
    /// An empty builder.
    pub fn new() -> DncBuilder {
        DncBuilder::default()
    }

    /// Adds `scopes` to `number`'s entry.
    pub fn insert(&mut self, number: Number, scopes: Scopes) -> &mut DncBuilder {
        let e = self.entries.entry(number).or_default();
        *e = e.union(scopes);
        self
    }

    /// How many distinct numbers have been added.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No entries yet.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Compiles the list into an FST held in memory.
    pub fn build(&self) -> DncList {
        // `Number` order is the byte order of the big-endian keys.
        DncList::from_sorted(
            self.entries
                .iter()
                .filter(|(_, s)| !s.is_empty())
                .map(|(n, s)| (key(*n), u64::from(s.bits()))),
        )
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

/// A compiled DNC list: an FST from normalised digits to scope bits.
///
/// Generic over its bytes (`Vec<u8>`, a memory map, a static slice), as
/// [`fst::Map`] is.
#[derive(Clone)]
pub struct DncList<D = Vec<u8>> {
    map: fst::Map<D>,
}

impl DncList<Vec<u8>> {
    /// An empty list.
    pub fn empty() -> DncList {
        DncList::from_sorted(std::iter::empty())
    }

    fn from_sorted(it: impl Iterator<Item = ([u8; 8], u64)>) -> DncList {
        let mut b = fst::MapBuilder::memory();
        for (k, v) in it {
            // Keys are sorted and distinct by construction; an error here
            // would be a bug in `build`, and the entry is then skipped.
            let inserted = b.insert(k, v);
            debug_assert!(inserted.is_ok());
        }
        let bytes = b.into_inner().unwrap_or_default();
        match fst::Map::new(bytes) {
            Ok(map) => DncList { map },
            Err(_) => DncList {
                map: fst::Map::default(),
            },
        }
    }
}

impl Default for DncList<Vec<u8>> {
    fn default() -> Self {
        DncList::empty()
    }
}

impl<D: AsRef<[u8]>> DncList<D> {
    /// Opens a list from FST bytes written by [`DncList::as_bytes`].
    pub fn from_bytes(bytes: D) -> Result<DncList<D>, fst::Error> {
        Ok(DncList {
            map: fst::Map::new(bytes)?,
        })
    }

    /// The scopes `number` refuses; empty when it is not on the list.
    #[inline]
    pub fn get(&self, number: Number) -> Scopes {
        match self.map.get(key(number)) {
            Some(v) => Scopes::from_bits(v as u8),
            None => Scopes::NONE,
        }
    }

    /// How many numbers are on the list.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// No numbers on the list.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The FST's bytes, for a snapshot file.
    pub fn as_bytes(&self) -> &[u8] {
        self.map.as_fst().as_bytes()
    }

    /// The owner of the bytes.
    pub fn into_inner(self) -> D {
        self.map.into_fst().into_inner()
    }

    /// The same list over [`SharedBytes`].
    pub fn into_shared(self) -> DncList<SharedBytes>
    where
        D: Send + Sync + 'static,
    {
        let bytes = SharedBytes::new(self.into_inner());
        match fst::Map::new(bytes) {
            Ok(map) => DncList { map },
            // The bytes were a valid FST a moment ago.
            Err(_) => DncList::empty().into_shared(),
        }
    }

    /// Every entry in key order.
    pub fn for_each(&self, mut f: impl FnMut(Number, Scopes)) {
        use fst::Streamer;
        let mut s = self.map.stream();
        while let Some((k, v)) = s.next() {
            if let Some(n) = unkey(k) {
                f(n, Scopes::from_bits(v as u8));
            }
        }
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

impl DncChange {
    fn apply(self, s: Scopes) -> Scopes {
        match self {
            DncChange::Add(a) => s.union(a),
            DncChange::Remove(r) => s.without(r),
        }
    }
}

/// The live DNC list: a base FST plus a small overlay of recent changes.
///
/// The overlay holds, for each number changed since the base was built, its
/// *current* scopes (not the change), so a lookup is one hash probe in the
/// overlay and, when the number is not there, one FST lookup. Changes take
/// effect at once without rebuilding the FST; [`DncView::merged`] folds the
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
        use fst::Streamer;
        let mut changes: Vec<([u8; 8], Scopes)> =
            self.overlay.iter().map(|(n, s)| (key(*n), *s)).collect();
        changes.sort_unstable_by_key(|c| c.0);
        let mut out = fst::MapBuilder::memory();
        let mut put = |k: &[u8], s: Scopes| {
            if !s.is_empty() {
                // Keys arrive sorted and distinct from the merge below.
                let r = out.insert(k, u64::from(s.bits()));
                debug_assert!(r.is_ok());
            }
        };
        let mut stream = self.base.map.stream();
        let mut ch = changes.iter().peekable();
        while let Some((k, v)) = stream.next() {
            while let Some((ck, cs)) = ch.peek() {
                if &ck[..] < k {
                    put(ck, *cs);
                    ch.next();
                } else {
                    break;
                }
            }
            match ch.peek() {
                Some((ck, cs)) if &ck[..] == k => {
                    put(k, *cs);
                    ch.next();
                }
                _ => put(k, Scopes::from_bits(v as u8)),
            }
        }
        for (ck, cs) in ch {
            put(ck, *cs);
        }
        let bytes = out.into_inner().unwrap_or_default();
        DncList::from_bytes(bytes).unwrap_or_default()
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
