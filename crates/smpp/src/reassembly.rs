//! Holding the parts of a concatenated SMS until the message is whole: a
//! concatenated SMS is one message, checked and counted once, and checked
//! as a whole however late a part comes.
//!
//! A [`Reassembler`] is a plain data structure (no clock, no I/O): the caller
//! passes the time in milliseconds, inserts parts under a key (the proxy uses
//! a [`MessageKey`]: normalised source, normalised destination and
//! reference), each with the account that sent it (the account of a key's
//! first part owns the key: [`Reject::OtherAccount`]), and gets back a [`Message`] when the last part arrives, or
//! from [`Reassembler::expire`] when the reassembly timeout passes first
//! (then the message holds what arrived). Every part inserted comes out
//! exactly once: in a message, as a duplicate inside a message, as a
//! [`Insert::Late`] part, or rejected at once.
//!
//! # After the decision
//!
//! A message that came out (whole or at its timeout) is not forgotten: its
//! key is remembered for [`Limits::remember_ms`] (the proxy: twice the
//! reassembly timeout). Until the caller records the decision with
//! [`Reassembler::decided`], parts arriving under the key wait (they come
//! back from `decided`); afterwards each gets [`Insert::Late`] with a copy of
//! the recorded decision, so the caller can answer it with that decision or
//! check it together with the text decided before — never alone, as if it
//! were the whole message.
//!
//! A handset may keep an incomplete message's parts for days, so a part
//! can be later still. When a decided message's memory runs out while some
//! of its parts were delivered and others never came
//! ([`Reassembler::decided`] and [`Reassembler::delivered`] say which), a
//! small tombstone (its key's fingerprint and its total, some 80 bytes
//! with the tables' slack)
//! is kept for [`Limits::late_ms`] (default a day, at most
//! [`Limits::max_tombstones`], the oldest forgotten first): a part of the
//! same total arriving then under the key is rejected
//! ([`Reject::Forgotten`]) — a missing part, or a second version of a
//! delivered one, would complete the message on the handset, and its text
//! is gone. A blocked message (nothing delivered) or a complete one (the
//! handset finished it) leaves no tombstone: a part under its key starts a
//! new message, as on the handset.
//!
//! # Memory
//!
//! Held parts are bounded in **bytes**, as the caller weighs them plus this
//! structure's own overhead: at most [`Limits::max_bytes`] in all and
//! [`Limits::max_account_bytes`] per account (one account filling its share
//! cannot refuse other accounts' messages); beyond, a part is rejected with
//! [`Reject::Full`] or [`Reject::AccountFull`]. Remembered decisions are
//! bounded the same way, by [`Limits::max_remembered_bytes`] and
//! [`Limits::max_account_remembered_bytes`]: a decision still due is never
//! forgotten to make room (a late part would then be checked without its
//! message), so when that memory is full a *new* message's first part is
//! rejected instead; its place is taken when the message starts, and the
//! caller keeps a decision within [`Reassembler::remembered_room`]. A
//! message of 255 parts costs what its arrived parts weigh, not 255 slots.
//! The tables shrink when they fall far below their capacity, so memory is
//! returned after an attack's parts expire.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::mem::size_of;

use chanrac::{Number, Sender};

use crate::udh::Concat;

/// Default [`Limits::max_bytes`]: 128 MiB of held parts in all.
pub const DEFAULT_MAX_BYTES: usize = 128 << 20;
/// Default [`Limits::max_account_bytes`]: 16 MiB of held parts per account.
pub const DEFAULT_MAX_ACCOUNT_BYTES: usize = 16 << 20;
/// Default [`Limits::late_ms`]: a day.
pub const DEFAULT_LATE_MS: u64 = 24 * 3_600_000;
/// Default [`Limits::max_tombstones`] (some 20 MiB).
pub const DEFAULT_MAX_TOMBSTONES: usize = 1 << 18;
/// Default [`Limits::max_remembered_bytes`]: 64 MiB of decided messages.
pub const DEFAULT_MAX_REMEMBERED_BYTES: usize = 64 << 20;
/// Default [`Limits::max_account_remembered_bytes`]: 16 MiB per account
/// (some 20,000 two-part messages within twice the reassembly timeout).
pub const DEFAULT_MAX_ACCOUNT_REMEMBERED_BYTES: usize = 16 << 20;

/// The bounds of a [`Reassembler`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// How long to wait for the missing parts after a message's first part.
    pub timeout_ms: u64,
    /// How long a message's key and decision are remembered after it came
    /// out (late parts get that decision).
    pub remember_ms: u64,
    /// Most bytes of held parts, all accounts.
    pub max_bytes: usize,
    /// Most bytes of held parts of one account.
    pub max_account_bytes: usize,
    /// Most bytes of remembered decisions.
    pub max_remembered_bytes: usize,
    /// Most bytes of one account's remembered decisions.
    pub max_account_remembered_bytes: usize,
    /// How long after its memory ran out an incomplete delivered message's
    /// missing parts are still rejected.
    pub late_ms: u64,
    /// Most tombstones of incomplete delivered messages.
    pub max_tombstones: usize,
}

impl Limits {
    /// The default bounds for a reassembly timeout: keys remembered for
    /// twice the timeout, the `DEFAULT_*` byte caps.
    pub fn with_timeout(timeout_ms: u64) -> Limits {
        Limits::new(timeout_ms, ByteCaps::default())
    }

    /// Keys remembered for twice `timeout_ms`, these byte caps.
    pub fn new(timeout_ms: u64, caps: ByteCaps) -> Limits {
        Limits {
            timeout_ms,
            remember_ms: timeout_ms.saturating_mul(2),
            max_bytes: caps.held,
            max_account_bytes: caps.per_account,
            max_remembered_bytes: caps.remembered,
            max_account_remembered_bytes: caps.remembered_per_account,
            late_ms: DEFAULT_LATE_MS,
            max_tombstones: DEFAULT_MAX_TOMBSTONES,
        }
    }
}

/// The byte caps of a [`Reassembler`], as the proxy's configuration gives
/// them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteCaps {
    /// [`Limits::max_bytes`].
    pub held: usize,
    /// [`Limits::max_account_bytes`].
    pub per_account: usize,
    /// [`Limits::max_remembered_bytes`].
    pub remembered: usize,
    /// [`Limits::max_account_remembered_bytes`].
    pub remembered_per_account: usize,
}

impl Default for ByteCaps {
    fn default() -> ByteCaps {
        ByteCaps {
            held: DEFAULT_MAX_BYTES,
            per_account: DEFAULT_MAX_ACCOUNT_BYTES,
            remembered: DEFAULT_MAX_REMEMBERED_BYTES,
            remembered_per_account: DEFAULT_MAX_ACCOUNT_REMEMBERED_BYTES,
        }
    }
}

/// The key of a concatenated message as the handset would join its parts:
/// the source and the destination **normalised**
/// (`84911222333`, `0911222333` and `+84 911 222 333` are one recipient; a
/// brandname in any case is one sender) and the reference. The reference
/// is its value, whether it came from an 8-bit or a 16-bit element or the
/// SAR TLVs: handsets join parts by the value (an SMSC turns SAR TLVs into
/// either element), so one message cannot be split into two by writing its
/// reference two ways.
///
/// The account is not part of the key (a handset does not know it): the
/// reassembler ties each key to the account that started the message and
/// rejects another account's part under it ([`Reject::OtherAccount`]), so
/// two accounts cannot split a message between them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MessageKey {
    /// The source, normalised.
    pub source: SourceKey,
    /// The destination, normalised.
    pub destination: Number,
    /// The concatenation reference.
    pub reference: u16,
}

/// A source, normalised for [`MessageKey`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SourceKey {
    /// No source.
    None,
    /// A number or short code, normalised.
    Number(Number),
    /// A brandname, lower case (as `chanrac::ident::Name` keeps it).
    Name(Box<str>),
    /// Any other text, trimmed and lower case.
    Other(Box<str>),
}

impl SourceKey {
    /// The key of a parsed source; `raw` is the source as written (for
    /// [`Sender::Unregistrable`]).
    pub fn of(sender: Sender, raw: &str) -> SourceKey {
        match sender {
            Sender::None => SourceKey::None,
            Sender::Number(n) => SourceKey::Number(n),
            Sender::Name(n) => SourceKey::Name(n.as_str().into()),
            Sender::Unregistrable => SourceKey::Other(raw.trim().to_lowercase().into()),
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            SourceKey::Name(s) | SourceKey::Other(s) => s.len(),
            SourceKey::None | SourceKey::Number(_) => 0,
        }
    }
}

impl MessageKey {
    /// Bytes this key owns on the heap.
    pub fn heap_bytes(&self) -> usize {
        self.source.heap_bytes()
    }
}

/// Why a part was not held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reject {
    /// Held parts reached [`Limits::max_bytes`].
    Full,
    /// This account's held parts reached [`Limits::max_account_bytes`].
    AccountFull,
    /// The part's total differs from the total of the parts before it under
    /// the same key.
    InconsistentTotal,
    /// A part under the key of a message delivered incomplete whose text is
    /// forgotten: it cannot be checked with it, and never alone.
    Forgotten,
    /// Another account holds (or decided) a message under the same key: a
    /// handset would join the parts, so one account's check would not see
    /// the other's text.
    OtherAccount,
}

/// A message ready to be checked: its parts in order (all of them, unless
/// the timeout expired first), and any duplicates that arrived meanwhile.
#[derive(Debug, PartialEq, Eq)]
pub struct Message<K, T> {
    /// The key it was held under (pass it to [`Reassembler::decided`]).
    pub key: K,
    /// The parts that arrived, by part number, each once.
    pub parts: Vec<(u8, T)>,
    /// Parts whose number had already arrived (retransmissions): they get
    /// the message's decision but are never forwarded.
    pub duplicates: Vec<(u8, T)>,
    /// The number of parts the message announced.
    pub total: u8,
    /// When the first part arrived (ms, as passed to `insert`).
    pub started_ms: u64,
}

impl<K, T> Message<K, T> {
    /// Whether every part arrived.
    pub fn is_complete(&self) -> bool {
        self.parts.len() == usize::from(self.total)
    }
}

/// What [`Reassembler::insert`] did with a part.
#[derive(Debug, PartialEq, Eq)]
pub enum Insert<K, T, D> {
    /// Held until the rest arrives, the timeout, or its message's decision.
    Held,
    /// That was the last missing part: the whole message.
    Complete(Message<K, T>),
    /// Not held; answer it on its own.
    Rejected(T, Reject),
    /// Its message was decided already: a copy of the recorded decision.
    Late(T, D),
}

struct Group<T> {
    id: u64,
    started_ms: u64,
    total: u8,
    /// The parts that arrived, in arrival order (sorted when they come out).
    parts: Vec<(u8, T)>,
    seen: [u64; 4],
    duplicates: Vec<(u8, T)>,
    account: Box<str>,
    bytes: usize,
}

impl<T> Group<T> {
    fn has(&self, seq: u8) -> bool {
        self.seen[usize::from(seq / 64)] & (1 << (seq % 64)) != 0
    }

    fn mark(&mut self, seq: u8) {
        self.seen[usize::from(seq / 64)] |= 1 << (seq % 64);
    }

    fn into_message<K>(mut self, key: K) -> Message<K, T> {
        self.parts.sort_by_key(|p| p.0);
        Message {
            key,
            parts: self.parts,
            duplicates: self.duplicates,
            total: self.total,
            started_ms: self.started_ms,
        }
    }

    fn held(&self) -> usize {
        self.parts.len() + self.duplicates.len()
    }
}

enum Entry<T, D> {
    Open(Group<T>),
    /// Out of the reassembler, its decision not recorded yet: later parts
    /// wait here.
    Deciding {
        id: u64,
        total: u8,
        waiting: Vec<T>,
        account: Box<str>,
        /// Bytes of the waiting parts (held bytes).
        held: usize,
    },
    Decided {
        id: u64,
        total: u8,
        decision: D,
        /// The part numbers delivered.
        delivered: [u64; 4],
        account: Box<str>,
        /// Remembered bytes (overhead and the caller's weight).
        bytes: usize,
    },
}

/// What is left of a message delivered incomplete once its memory ran out.
#[derive(Clone, Copy, Debug)]
struct Tomb {
    until: u64,
    total: u8,
}

fn has_bit(bits: &[u64; 4], seq: u8) -> bool {
    bits[usize::from(seq / 64)] & (1 << (seq % 64)) != 0
}

fn set_bit(bits: &mut [u64; 4], seq: u8) {
    bits[usize::from(seq / 64)] |= 1 << (seq % 64);
}

/// One account's bytes: held parts, remembered decisions.
#[derive(Clone, Copy, Debug, Default)]
struct Usage {
    held: usize,
    remembered: usize,
}

/// Holds parts of concatenated messages by key. See the module docs.
pub struct Reassembler<K, T, D> {
    entries: HashMap<K, Entry<T, D>>,
    /// Open groups by deadline (timeout order = arrival order).
    open: VecDeque<(u64, u64, K)>,
    /// Remembered keys by the end of their memory.
    closed: VecDeque<(u64, u64, K)>,
    accounts: HashMap<Box<str>, Usage>,
    /// Tombstones by key fingerprint, and in the order they end.
    tombs: HashMap<u64, Tomb>,
    tomb_queue: VecDeque<(u64, u64)>,
    hasher: std::collections::hash_map::RandomState,
    limits: Limits,
    next_id: u64,
    open_groups: usize,
    held_parts: usize,
    held_bytes: usize,
    remembered_bytes: usize,
}

impl<K, T, D> std::fmt::Debug for Reassembler<K, T, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reassembler")
            .field("entries", &self.entries.len())
            .field("held_parts", &self.held_parts)
            .field("held_bytes", &self.held_bytes)
            .field("remembered_bytes", &self.remembered_bytes)
            .field("limits", &self.limits)
            .finish()
    }
}

impl<K: Hash + Eq + Clone, T, D: Clone> Reassembler<K, T, D> {
    /// What one message costs besides its parts: its table entry and key,
    /// twice (a hash table is about half full after it grows), and its
    /// places in the two deadline queues, twice (a queue doubles as it
    /// grows), plus an allocation's bookkeeping.
    pub const ENTRY_OVERHEAD: usize =
        2 * (size_of::<K>() + size_of::<Entry<T, D>>() + 8) + 4 * size_of::<(u64, u64, K)>() + 64;
    /// What one held part costs besides the caller's weight: its slot in
    /// its message's list, and that list's allocation.
    pub const PART_OVERHEAD: usize = size_of::<(u8, T)>() + 16;

    /// A reassembler with these bounds.
    pub fn new(limits: Limits) -> Reassembler<K, T, D> {
        Reassembler {
            entries: HashMap::new(),
            open: VecDeque::new(),
            closed: VecDeque::new(),
            accounts: HashMap::new(),
            tombs: HashMap::new(),
            tomb_queue: VecDeque::new(),
            hasher: std::collections::hash_map::RandomState::new(),
            limits,
            next_id: 0,
            open_groups: 0,
            held_parts: 0,
            held_bytes: 0,
            remembered_bytes: 0,
        }
    }

    /// The bounds.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// How many parts are held (waiting for their message or its decision).
    pub fn held_parts(&self) -> usize {
        self.held_parts
    }

    /// Bytes of the held parts (the callers' weights plus overhead): at most
    /// [`Limits::max_bytes`].
    pub fn held_bytes(&self) -> usize {
        self.held_bytes
    }

    /// Bytes of `account`'s held parts.
    pub fn account_bytes(&self, account: &str) -> usize {
        self.accounts.get(account).map_or(0, |u| u.held)
    }

    /// Bytes of the remembered decisions (and of the places reserved for
    /// the decisions of messages still open): at most
    /// [`Limits::max_remembered_bytes`] plus what callers add beyond
    /// [`Reassembler::remembered_room`].
    pub fn remembered_bytes(&self) -> usize {
        self.remembered_bytes
    }

    /// Bytes of `account`'s remembered decisions.
    pub fn account_remembered_bytes(&self, account: &str) -> usize {
        self.accounts.get(account).map_or(0, |u| u.remembered)
    }

    /// How many more bytes `account` may add to the remembered decisions
    /// (in [`Reassembler::decided`] and [`Reassembler::update`]).
    pub fn remembered_room(&self, account: &str) -> usize {
        let total = self
            .limits
            .max_remembered_bytes
            .saturating_sub(self.remembered_bytes);
        let own = self
            .limits
            .max_account_remembered_bytes
            .saturating_sub(self.account_remembered_bytes(account));
        total.min(own)
    }

    /// How many messages are incomplete.
    pub fn pending(&self) -> usize {
        self.open_groups
    }

    /// How many keys are known (open, waiting for a decision, decided).
    pub fn keys(&self) -> usize {
        self.entries.len()
    }

    /// How many tombstones of incomplete delivered messages are kept.
    pub fn tombstones(&self) -> usize {
        self.tombs.len()
    }

    fn fingerprint(&self, key: &K) -> u64 {
        use std::hash::BuildHasher;
        self.hasher.hash_one(key)
    }

    /// Charges `bytes` of held parts to `account`, and for a new message
    /// the place of its decision ([`Self::ENTRY_OVERHEAD`]) to the
    /// remembered bytes.
    fn charge(&mut self, account: &str, bytes: usize, new_message: bool) -> Result<(), Reject> {
        if self.held_bytes.saturating_add(bytes) > self.limits.max_bytes {
            return Err(Reject::Full);
        }
        if new_message
            && self.remembered_bytes.saturating_add(Self::ENTRY_OVERHEAD)
                > self.limits.max_remembered_bytes
        {
            return Err(Reject::Full);
        }
        let u = self.accounts.get(account).copied().unwrap_or_default();
        if u.held.saturating_add(bytes) > self.limits.max_account_bytes {
            return Err(Reject::AccountFull);
        }
        if new_message
            && u.remembered.saturating_add(Self::ENTRY_OVERHEAD)
                > self.limits.max_account_remembered_bytes
        {
            return Err(Reject::AccountFull);
        }
        let reserve = if new_message { Self::ENTRY_OVERHEAD } else { 0 };
        self.held_bytes += bytes;
        self.remembered_bytes += reserve;
        let u = self.accounts.entry(account.into()).or_default();
        u.held += bytes;
        u.remembered += reserve;
        Ok(())
    }

    /// Gives back held bytes (`held`, `parts`) and remembered bytes.
    fn refund(&mut self, account: &str, held: usize, parts: usize, remembered: usize) {
        self.held_bytes = self.held_bytes.saturating_sub(held);
        self.held_parts = self.held_parts.saturating_sub(parts);
        self.remembered_bytes = self.remembered_bytes.saturating_sub(remembered);
        if let Some(u) = self.accounts.get_mut(account) {
            u.held = u.held.saturating_sub(held);
            u.remembered = u.remembered.saturating_sub(remembered);
            if u.held == 0 && u.remembered == 0 {
                self.accounts.remove(account);
            }
        }
    }

    /// Replaces `old` remembered bytes of `account` by `new`.
    fn remember(&mut self, account: &str, old: usize, new: usize) {
        self.remembered_bytes = self
            .remembered_bytes
            .saturating_sub(old)
            .saturating_add(new);
        let u = self.accounts.entry(account.into()).or_default();
        u.remembered = u.remembered.saturating_sub(old).saturating_add(new);
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Inserts part `concat.seq` of `concat.total` under `key`, sent by
    /// `account`, weighing `weight` bytes (what the part owns on the heap),
    /// arriving at `now_ms`. A one-part message completes at once.
    pub fn insert(
        &mut self,
        key: K,
        account: &str,
        concat: Concat,
        part: T,
        weight: usize,
        now_ms: u64,
    ) -> Insert<K, T, D> {
        let total = concat.total.max(1);
        let seq = concat.seq.clamp(1, total);
        let part_bytes = weight.saturating_add(Self::PART_OVERHEAD);
        match self.entries.get_mut(&key) {
            Some(Entry::Open(g)) => {
                if *g.account != *account {
                    return Insert::Rejected(part, Reject::OtherAccount);
                }
                if g.total != total {
                    return Insert::Rejected(part, Reject::InconsistentTotal);
                }
                let account = g.account.clone();
                if let Err(why) = self.charge(&account, part_bytes, false) {
                    return Insert::Rejected(part, why);
                }
                self.held_parts += 1;
                let Some(Entry::Open(g)) = self.entries.get_mut(&key) else {
                    return Insert::Held; // unreachable: looked up above
                };
                g.bytes += part_bytes;
                if g.has(seq) {
                    g.duplicates.push((seq, part));
                } else {
                    g.mark(seq);
                    g.parts.reserve_exact(1);
                    g.parts.push((seq, part));
                }
                if g.parts.len() < usize::from(total) {
                    return Insert::Held;
                }
                match self.close(&key, now_ms) {
                    Some(m) => Insert::Complete(m),
                    None => Insert::Held,
                }
            }
            Some(Entry::Deciding {
                total: t,
                account: owner,
                ..
            }) => {
                if **owner != *account {
                    return Insert::Rejected(part, Reject::OtherAccount);
                }
                if *t != total {
                    return Insert::Rejected(part, Reject::InconsistentTotal);
                }
                let account = owner.clone();
                if let Err(why) = self.charge(&account, part_bytes, false) {
                    return Insert::Rejected(part, why);
                }
                self.held_parts += 1;
                if let Some(Entry::Deciding { waiting, held, .. }) = self.entries.get_mut(&key) {
                    waiting.push(part);
                    *held += part_bytes;
                }
                Insert::Held
            }
            Some(Entry::Decided {
                total: t,
                decision,
                account: owner,
                ..
            }) => {
                if **owner != *account {
                    return Insert::Rejected(part, Reject::OtherAccount);
                }
                if *t != total {
                    return Insert::Rejected(part, Reject::InconsistentTotal);
                }
                Insert::Late(part, decision.clone())
            }
            None => {
                if !self.tombs.is_empty() {
                    let fp = self.fingerprint(&key);
                    if let Some(t) = self.tombs.get(&fp) {
                        if t.until > now_ms && t.total == total {
                            return Insert::Rejected(part, Reject::Forgotten);
                        }
                    }
                }
                let bytes = part_bytes.saturating_add(Self::ENTRY_OVERHEAD + account.len());
                if let Err(why) = self.charge(account, bytes, true) {
                    return Insert::Rejected(part, why);
                }
                self.held_parts += 1;
                let id = self.id();
                let mut g = Group {
                    id,
                    started_ms: now_ms,
                    total,
                    parts: Vec::with_capacity(1),
                    seen: [0; 4],
                    duplicates: Vec::new(),
                    account: account.into(),
                    bytes,
                };
                g.mark(seq);
                g.parts.push((seq, part));
                self.open_groups += 1;
                if total == 1 {
                    self.entries.insert(key.clone(), Entry::Open(g));
                    return match self.close(&key, now_ms) {
                        Some(m) => Insert::Complete(m),
                        None => Insert::Held,
                    };
                }
                self.open.push_back((
                    now_ms.saturating_add(self.limits.timeout_ms),
                    id,
                    key.clone(),
                ));
                self.entries.insert(key, Entry::Open(g));
                Insert::Held
            }
        }
    }

    /// Takes the open group under `key` out as a message; the key is then
    /// remembered, waiting for its decision.
    fn close(&mut self, key: &K, now_ms: u64) -> Option<Message<K, T>> {
        let Some(Entry::Open(g)) = self.entries.remove(key) else {
            return None;
        };
        self.open_groups = self.open_groups.saturating_sub(1);
        self.refund(&g.account.clone(), g.bytes, g.held(), 0);
        let id = self.id();
        self.entries.insert(
            key.clone(),
            Entry::Deciding {
                id,
                total: g.total,
                waiting: Vec::new(),
                account: g.account.clone(),
                held: 0,
            },
        );
        self.closed.push_back((
            now_ms.saturating_add(self.limits.remember_ms),
            id,
            key.clone(),
        ));
        Some(g.into_message(key.clone()))
    }

    /// Records the decision of the message that came out under `key`,
    /// weighing `weight` bytes (keep it within
    /// [`Reassembler::remembered_room`]), with the part numbers `delivered`
    /// (none for a blocked message), and returns the parts that arrived
    /// under the key meanwhile (each to be treated as [`Insert::Late`] with this
    /// decision). A key forgotten already (its memory ran out) returns
    /// nothing and records nothing.
    pub fn decided(&mut self, key: &K, decision: D, weight: usize, delivered: &[u8]) -> Vec<T> {
        let Some(e) = self.entries.get_mut(key) else {
            return Vec::new();
        };
        let Entry::Deciding {
            id,
            total,
            waiting,
            account,
            held,
        } = e
        else {
            return Vec::new();
        };
        let waiting = std::mem::take(waiting);
        let (account, held, id, total) = (account.clone(), *held, *id, *total);
        let mut bits = [0u64; 4];
        for &seq in delivered {
            set_bit(&mut bits, seq);
        }
        *e = Entry::Decided {
            id,
            total,
            decision,
            delivered: bits,
            account: account.clone(),
            bytes: Self::ENTRY_OVERHEAD.saturating_add(weight),
        };
        self.remember(&account, 0, weight);
        self.refund(&account, held, waiting.len(), 0);
        waiting
    }

    /// Records that part `seq` of the decided message under `key` was
    /// delivered (a late part forwarded).
    pub fn delivered(&mut self, key: &K, seq: u8) {
        if let Some(Entry::Decided { delivered, .. }) = self.entries.get_mut(key) {
            set_bit(delivered, seq);
        }
    }

    /// A copy of the decision remembered under `key`, if decided.
    pub fn decision(&self, key: &K) -> Option<D> {
        match self.entries.get(key) {
            Some(Entry::Decided { decision, .. }) => Some(decision.clone()),
            _ => None,
        }
    }

    /// Changes the decision remembered under `key` (a late part joined it);
    /// `f` gets the decision and the room left
    /// ([`Reassembler::remembered_room`] plus its current weight) and
    /// returns the decision's new weight. Returns false when the key is not
    /// remembered as decided.
    pub fn update(&mut self, key: &K, f: impl FnOnce(&mut D, usize) -> usize) -> bool {
        let Some(Entry::Decided { account, bytes, .. }) = self.entries.get(key) else {
            return false;
        };
        let old = bytes.saturating_sub(Self::ENTRY_OVERHEAD);
        let account = account.clone();
        let room = self.remembered_room(&account).saturating_add(old);
        let Some(Entry::Decided {
            decision, bytes, ..
        }) = self.entries.get_mut(key)
        else {
            return false;
        };
        let new = f(decision, room);
        *bytes = Self::ENTRY_OVERHEAD.saturating_add(new);
        self.remember(&account, old, new);
        true
    }

    /// Removes a remembered key; waiting parts (a decision never recorded)
    /// come back as a message of their own.
    fn forget(&mut self, key: &K, now_ms: u64) -> Option<Message<K, T>> {
        match self.entries.remove(key)? {
            Entry::Decided {
                bytes,
                account,
                total,
                delivered,
                ..
            } => {
                self.refund(&account, 0, 0, bytes);
                let some = delivered.iter().any(|&b| b != 0);
                if some && (1..=total).any(|seq| !has_bit(&delivered, seq)) {
                    self.bury(key, total, now_ms);
                }
                None
            }
            Entry::Deciding {
                total,
                waiting,
                account,
                held,
                ..
            } => {
                self.refund(&account, held, waiting.len(), Self::ENTRY_OVERHEAD);
                (!waiting.is_empty()).then(|| Message {
                    key: key.clone(),
                    parts: (1..).zip(waiting).collect(),
                    duplicates: Vec::new(),
                    total,
                    started_ms: 0,
                })
            }
            other @ Entry::Open(_) => {
                self.entries.insert(key.clone(), other);
                None
            }
        }
    }

    /// Keeps a tombstone for a message delivered incomplete.
    fn bury(&mut self, key: &K, total: u8, now_ms: u64) {
        if self.limits.max_tombstones == 0 {
            return;
        }
        while self.tombs.len() >= self.limits.max_tombstones {
            let Some((until, fp)) = self.tomb_queue.pop_front() else {
                break;
            };
            if self.tombs.get(&fp).is_some_and(|t| t.until == until) {
                self.tombs.remove(&fp);
            }
        }
        let fp = self.fingerprint(key);
        let until = now_ms.saturating_add(self.limits.late_ms);
        self.tombs.insert(fp, Tomb { until, total });
        self.tomb_queue.push_back((until, fp));
    }

    /// The messages whose timeout passed at `now_ms`, with the parts that
    /// arrived, oldest first; forgets the keys whose memory ran out.
    pub fn expire(&mut self, now_ms: u64) -> Vec<Message<K, T>> {
        let mut out = Vec::new();
        while let Some(&(deadline, id, _)) = self.open.front() {
            if deadline > now_ms {
                break;
            }
            let Some((_, _, key)) = self.open.pop_front() else {
                break;
            };
            if matches!(self.entries.get(&key), Some(Entry::Open(g)) if g.id == id) {
                if let Some(m) = self.close(&key, now_ms) {
                    out.push(m);
                }
            }
        }
        while let Some(&(until, id, _)) = self.closed.front() {
            if until > now_ms {
                break;
            }
            let Some((_, _, key)) = self.closed.pop_front() else {
                break;
            };
            let current = match self.entries.get(&key) {
                Some(Entry::Decided { id: i, .. } | Entry::Deciding { id: i, .. }) => *i == id,
                _ => false,
            };
            if current {
                out.extend(self.forget(&key, now_ms));
            }
        }
        while let Some(&(until, fp)) = self.tomb_queue.front() {
            if until > now_ms {
                break;
            }
            self.tomb_queue.pop_front();
            if self.tombs.get(&fp).is_some_and(|t| t.until == until) {
                self.tombs.remove(&fp);
            }
        }
        self.shrink();
        out
    }

    /// Returns memory when the tables are far below their capacity.
    fn shrink(&mut self) {
        fn far_below(len: usize, cap: usize) -> bool {
            cap > 64 && cap > len.saturating_mul(4)
        }
        if far_below(self.entries.len(), self.entries.capacity()) {
            self.entries.shrink_to(self.entries.len() * 2);
        }
        if far_below(self.open.len(), self.open.capacity()) {
            self.open.shrink_to(self.open.len() * 2);
        }
        if far_below(self.closed.len(), self.closed.capacity()) {
            self.closed.shrink_to(self.closed.len() * 2);
        }
        if far_below(self.accounts.len(), self.accounts.capacity()) {
            self.accounts.shrink_to(self.accounts.len() * 2);
        }
        if far_below(self.tombs.len(), self.tombs.capacity()) {
            self.tombs.shrink_to(self.tombs.len() * 2);
        }
        if far_below(self.tomb_queue.len(), self.tomb_queue.capacity()) {
            self.tomb_queue.shrink_to(self.tomb_queue.len() * 2);
        }
    }

    /// Every held message, whole or not, and the parts waiting for a
    /// decision (at shutdown). Everything is forgotten.
    pub fn drain(&mut self) -> Vec<Message<K, T>> {
        let mut out: Vec<Message<K, T>> = Vec::new();
        for (k, e) in self.entries.drain() {
            match e {
                Entry::Open(g) => out.push(g.into_message(k)),
                Entry::Deciding { total, waiting, .. } if !waiting.is_empty() => {
                    out.push(Message {
                        key: k,
                        parts: (1..).zip(waiting).collect(),
                        duplicates: Vec::new(),
                        total,
                        started_ms: 0,
                    })
                }
                _ => {}
            }
        }
        self.open.clear();
        self.closed.clear();
        self.accounts.clear();
        self.tombs.clear();
        self.tomb_queue.clear();
        self.open_groups = 0;
        self.held_parts = 0;
        self.held_bytes = 0;
        self.remembered_bytes = 0;
        out.sort_by_key(|m| m.started_ms);
        out
    }
}

/// Fuzz entry point: drives a reassembler with operations read from `data`
/// (4 bytes each: key, total, part number, time step) and checks that every
/// part comes out exactly once, decisions are recorded and late parts get
/// them, and the held and remembered bytes stay within their bounds and
/// return to zero.
pub fn fuzz_reassembly(data: &[u8]) {
    let limits = Limits {
        timeout_ms: 1_000,
        remember_ms: 2_000,
        max_bytes: 4_096,
        max_account_bytes: 2_048,
        max_remembered_bytes: 2_048,
        max_account_remembered_bytes: 1_536,
        late_ms: 5_000,
        max_tombstones: 2,
    };
    let mut r: Reassembler<u8, usize, u8> = Reassembler::new(limits);
    let mut now = 0u64;
    let mut seen = vec![0u8; data.len() / 4];
    let out = |r: &mut Reassembler<u8, usize, u8>, m: Message<u8, usize>, seen: &mut Vec<u8>| {
        assert!(m.parts.windows(2).all(|w| w[0].0 < w[1].0));
        // Keys 0 and 2 deliver what arrived, 1 and 3 are blocked.
        let delivered: Vec<u8> = match m.key % 2 {
            0 => m.parts.iter().map(|p| p.0).collect(),
            _ => Vec::new(),
        };
        for (_, id) in m.parts.into_iter().chain(m.duplicates) {
            seen[id] += 1;
        }
        let account = if m.key.is_multiple_of(2) {
            "even"
        } else {
            "odd"
        };
        let weight = (usize::from(m.key) * 8).min(r.remembered_room(account));
        for id in r.decided(&m.key, m.key, weight, &delivered) {
            seen[id] += 1;
        }
    };
    for (id, op) in data.chunks_exact(4).enumerate() {
        now += u64::from(op[3]) * 10;
        let (total, seq) = (op[1] % 8, op[2] % 9);
        let concat = Concat {
            reference: 0,
            wide: false,
            total,
            seq,
        };
        let key = op[0] % 4;
        let account = if key % 2 == 0 { "even" } else { "odd" };
        match r.insert(key, account, concat, id, usize::from(op[2] % 64), now) {
            Insert::Held => {}
            Insert::Complete(m) => {
                assert!(m.is_complete());
                out(&mut r, m, &mut seen);
            }
            Insert::Rejected(id, _) => seen[id] += 1,
            Insert::Late(id, d) => {
                assert_eq!(d, key);
                seen[id] += 1;
            }
        }
        assert!(r.held_bytes() <= limits.max_bytes);
        assert!(r.account_bytes("even") <= limits.max_account_bytes);
        assert!(r.account_remembered_bytes("odd") <= limits.max_account_remembered_bytes);
        for m in r.expire(now) {
            out(&mut r, m, &mut seen);
        }
        assert!(r.remembered_bytes() <= limits.max_remembered_bytes);
        assert!(r.tombstones() <= limits.max_tombstones);
    }
    for later in [10_000, 20_000, 30_000] {
        for m in r.expire(now + later) {
            out(&mut r, m, &mut seen);
        }
    }
    assert_eq!(
        (r.held_bytes(), r.held_parts(), r.remembered_bytes()),
        (0, 0, 0)
    );
    assert_eq!(r.tombstones(), 0);
    for m in r.drain() {
        out(&mut r, m, &mut seen);
    }
    assert!(seen.iter().all(|&n| n == 1), "a part lost or duplicated");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(total: u8, seq: u8) -> Concat {
        Concat {
            reference: 9,
            wide: false,
            total,
            seq,
        }
    }

    fn limits() -> Limits {
        Limits::with_timeout(30_000)
    }

    type R = Reassembler<&'static str, &'static str, bool>;

    #[test]
    fn out_of_order_parts_complete_in_order() {
        let mut r = R::new(limits());
        assert_eq!(r.insert("k", "a", c(3, 3), "c", 1, 0), Insert::Held);
        assert_eq!(r.insert("k", "a", c(3, 1), "a", 1, 5), Insert::Held);
        assert_eq!(r.held_parts(), 2);
        let Insert::Complete(m) = r.insert("k", "a", c(3, 2), "b", 1, 9) else {
            panic!("not complete")
        };
        assert_eq!(m.parts, vec![(1, "a"), (2, "b"), (3, "c")]);
        assert!(m.is_complete());
        assert_eq!(m.started_ms, 0);
        assert_eq!(m.key, "k");
        assert_eq!((r.held_parts(), r.held_bytes(), r.pending()), (0, 0, 0));
    }

    #[test]
    fn keys_are_separate_and_single_parts_complete_at_once() {
        let mut r = R::new(limits());
        assert_eq!(r.insert("1", "a", c(2, 1), "a1", 1, 0), Insert::Held);
        assert_eq!(r.insert("2", "a", c(2, 2), "b2", 1, 0), Insert::Held);
        let Insert::Complete(m) = r.insert("3", "a", c(1, 1), "solo", 1, 0) else {
            panic!()
        };
        assert_eq!(m.parts, vec![(1, "solo")]);
        assert_eq!(r.pending(), 2);
    }

    #[test]
    fn duplicates_ride_along_and_are_not_parts() {
        let mut r = R::new(limits());
        assert_eq!(r.insert("k", "a", c(2, 1), "a", 1, 0), Insert::Held);
        assert_eq!(r.insert("k", "a", c(2, 1), "a-again", 1, 1), Insert::Held);
        assert_eq!(r.held_parts(), 2);
        let Insert::Complete(m) = r.insert("k", "a", c(2, 2), "b", 1, 2) else {
            panic!()
        };
        assert_eq!(m.parts, vec![(1, "a"), (2, "b")]);
        assert_eq!(m.duplicates, vec![(1, "a-again")]);
        assert_eq!(r.held_parts(), 0);
    }

    #[test]
    fn timeout_releases_what_arrived() {
        let mut r = R::new(limits());
        assert_eq!(r.insert("old", "a", c(3, 1), "a", 1, 0), Insert::Held);
        assert_eq!(r.insert("old", "a", c(3, 3), "c", 1, 10_000), Insert::Held);
        assert_eq!(r.insert("new", "a", c(2, 1), "x", 1, 20_000), Insert::Held);
        assert!(r.expire(29_999).is_empty());
        let out = r.expire(30_000);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].parts, vec![(1, "a"), (3, "c")]);
        assert!(!out[0].is_complete());
        assert_eq!((r.held_parts(), r.pending()), (1, 1));
        assert_eq!(r.expire(50_000).len(), 1);
        assert_eq!(r.held_parts(), 0);
    }

    #[test]
    fn another_accounts_part_under_a_key_is_rejected() {
        let mut r = R::new(limits());
        assert_eq!(r.insert("k", "ad", c(2, 1), "a1", 1, 0), Insert::Held);
        // Open: another account cannot add a part a handset would join.
        assert_eq!(
            r.insert("k", "care", c(2, 2), "b2", 1, 1),
            Insert::Rejected("b2", Reject::OtherAccount)
        );
        let out = r.expire(30_000);
        assert_eq!(out[0].parts, vec![(1, "a1")]);
        // Waiting for the decision, then decided: the same.
        assert_eq!(
            r.insert("k", "care", c(2, 2), "b2", 1, 30_001),
            Insert::Rejected("b2", Reject::OtherAccount)
        );
        r.decided(&"k", true, 0, &[]);
        assert_eq!(
            r.insert("k", "care", c(2, 2), "b2", 1, 30_002),
            Insert::Rejected("b2", Reject::OtherAccount)
        );
        assert_eq!(
            r.insert("k", "ad", c(2, 2), "a2", 1, 30_003),
            Insert::Late("a2", true)
        );
    }

    #[test]
    fn a_late_part_gets_the_decision_and_waits_for_it() {
        let mut r = R::new(limits());
        assert_eq!(r.insert("k", "a", c(3, 1), "p1", 10, 0), Insert::Held);
        let out = r.expire(30_000);
        assert_eq!(out.len(), 1);
        // Decision not recorded yet: part 2 waits for it (held, counted).
        assert_eq!(r.insert("k", "a", c(3, 2), "p2", 10, 30_001), Insert::Held);
        assert_eq!(r.held_parts(), 1);
        assert!(r.held_bytes() > 0);
        assert_eq!(r.decided(&"k", false, 100, &[]), vec!["p2"]);
        assert_eq!((r.held_parts(), r.held_bytes()), (0, 0));
        // Now decided: part 3, later, gets the decision at once.
        assert_eq!(
            r.insert("k", "a", c(3, 3), "p3", 10, 59_000),
            Insert::Late("p3", false)
        );
        // Another total under the key: inconsistent, as while it was open.
        assert_eq!(
            r.insert("k", "a", c(4, 3), "q", 10, 59_000),
            Insert::Rejected("q", Reject::InconsistentTotal)
        );
        // An update changes what later parts get.
        assert!(r.update(&"k", |d, room| {
            assert!(room >= 100);
            *d = true;
            200
        }));
        assert_eq!(
            r.insert("k", "a", c(3, 2), "p2b", 10, 59_500),
            Insert::Late("p2b", true)
        );
        // Remembered for twice the timeout after it came out, then forgotten.
        assert!(r.expire(89_999).is_empty());
        assert_eq!(r.keys(), 1);
        assert!(r.expire(90_000).is_empty());
        assert_eq!((r.keys(), r.remembered_bytes()), (0, 0));
        // A completed message is remembered too.
        r.insert("m", "a", c(2, 1), "x", 1, 100_000);
        assert!(matches!(
            r.insert("m", "a", c(2, 2), "y", 1, 100_001),
            Insert::Complete(_)
        ));
        r.decided(&"m", true, 0, &[]);
        assert_eq!(
            r.insert("m", "a", c(2, 2), "y-again", 1, 100_002),
            Insert::Late("y-again", true)
        );
    }

    #[test]
    fn a_missing_part_of_a_message_delivered_incomplete_is_rejected_for_a_day() {
        let mut r = R::new(limits());
        // Parts 1 and 3 of 3 arrive and are delivered at the timeout.
        r.insert("k", "a", c(3, 1), "p1", 1, 0);
        r.insert("k", "a", c(3, 3), "p3", 1, 0);
        let m = r.expire(30_000).pop().expect("timed out");
        r.decided(&m.key, true, 0, &[1, 3]);
        // A complete message and a blocked one leave no tombstone.
        r.insert("whole", "a", c(2, 1), "w1", 1, 30_000);
        let Insert::Complete(m) = r.insert("whole", "a", c(2, 2), "w2", 1, 30_000) else {
            panic!()
        };
        r.decided(&m.key, true, 0, &[1, 2]);
        r.insert("blocked", "a", c(2, 1), "b1", 1, 30_000);
        let m = r.expire(60_000).pop().expect("timed out");
        r.decided(&m.key, false, 0, &[]);
        // Their memory runs out.
        r.expire(90_000);
        r.expire(120_000);
        assert_eq!(r.keys(), 0);
        assert_eq!(r.tombstones(), 1);
        // Hours later the missing part 2 comes: rejected, never alone.
        let later = 90_000 + 3_600_000;
        assert_eq!(
            r.insert("k", "a", c(3, 2), "p2", 1, later),
            Insert::Rejected("p2", Reject::Forgotten)
        );
        // A second version of a delivered part too: the handset could
        // complete the message with it.
        assert_eq!(
            r.insert("k", "a", c(3, 1), "p1b", 1, later),
            Insert::Rejected("p1b", Reject::Forgotten)
        );
        // Another total, or the key of a complete or blocked message: a new
        // message.
        assert_eq!(r.insert("k", "a", c(2, 1), "n1", 1, later), Insert::Held);
        assert_eq!(
            r.insert("whole", "a", c(2, 2), "n2", 1, later),
            Insert::Held
        );
        assert_eq!(
            r.insert("blocked", "a", c(2, 2), "n3", 1, later),
            Insert::Held
        );
        // The new messages come out (blocked: no tombstones) and go.
        for m in r.expire(later + 30_000) {
            r.decided(&m.key, false, 0, &[]);
        }
        r.expire(later + 90_000);
        assert_eq!((r.keys(), r.tombstones()), (0, 1));
        // After a day the tombstone is gone.
        let day = 90_000 + super::DEFAULT_LATE_MS;
        assert_eq!(r.expire(day - 1).len(), 0);
        assert_eq!(r.tombstones(), 1);
        r.expire(day);
        assert_eq!(r.tombstones(), 0);
        assert_eq!(r.insert("k", "a", c(3, 2), "p2", 1, day), Insert::Held);
    }

    #[test]
    fn remembered_decisions_are_bounded_and_never_forgotten_early() {
        let mut l = limits();
        l.max_remembered_bytes = 5 * R::ENTRY_OVERHEAD + 500;
        l.max_account_remembered_bytes = 3 * R::ENTRY_OVERHEAD + 300;
        let mut r = R::new(l);
        // Account x: three messages decided, each weighing 100 bytes.
        for (i, k) in ["a", "b", "c"].into_iter().enumerate() {
            let Insert::Complete(m) = r.insert(k, "x", c(1, 1), k, 1, i as u64) else {
                panic!()
            };
            assert!(r.remembered_room("x") >= 100);
            r.decided(&m.key, true, 100, &[]);
        }
        assert_eq!(
            r.account_remembered_bytes("x"),
            l.max_account_remembered_bytes
        );
        assert_eq!(r.remembered_room("x"), 0);
        // A fourth message of x is refused rather than a decision forgotten.
        assert_eq!(
            r.insert("d", "x", c(2, 1), "d1", 1, 10),
            Insert::Rejected("d1", Reject::AccountFull)
        );
        assert_eq!(r.keys(), 3);
        // Every decision is still there for its late parts.
        for k in ["a", "b", "c"] {
            assert_eq!(r.decision(&k), Some(true));
        }
        // Another account still starts messages, until the total is full.
        assert_eq!(r.insert("e", "y", c(2, 1), "e1", 1, 10), Insert::Held);
        assert_eq!(r.insert("f", "y", c(2, 1), "f1", 1, 10), Insert::Held);
        assert_eq!(
            r.insert("g", "z", c(2, 1), "g1", 1, 10),
            Insert::Rejected("g1", Reject::Full)
        );
        assert!(r.remembered_bytes() <= l.max_remembered_bytes);
        // When their memory runs out, the room comes back.
        for m in r.expire(30_010) {
            r.decided(&m.key, false, 0, &[]);
        }
        r.expire(200_000);
        assert_eq!((r.keys(), r.remembered_bytes()), (0, 0));
        assert_eq!(r.account_remembered_bytes("x"), 0);
        assert_eq!(r.insert("d", "x", c(2, 1), "d1", 1, 200_000), Insert::Held);
    }

    #[test]
    fn bytes_are_bounded_in_all_and_per_account() {
        let mut l = limits();
        type S = Reassembler<String, &'static str, bool>;
        let part = S::PART_OVERHEAD + 1_000;
        let first = part + S::ENTRY_OVERHEAD + 1;
        l.max_bytes = 10 * first;
        l.max_account_bytes = 6 * first;
        let mut r = S::new(l);
        let keys: Vec<String> = (0..20).map(|i| format!("k{i}")).collect();
        // Account `a` fills its share: six first parts of 255-part messages.
        let mut held = 0;
        for k in &keys {
            match r.insert(k.clone(), "a", c(255, 1), "p", 1_000, 0) {
                Insert::Held => held += 1,
                Insert::Rejected(_, why) => assert_eq!(why, Reject::AccountFull),
                _ => panic!(),
            }
        }
        assert_eq!(held, 6);
        assert_eq!(r.account_bytes("a"), 6 * first);
        assert!(r.held_bytes() <= l.max_bytes);
        // Account `b` still gets a whole message through.
        assert_eq!(
            r.insert("b1".into(), "b", c(2, 1), "x", 1_000, 0),
            Insert::Held
        );
        assert!(matches!(
            r.insert("b1".into(), "b", c(2, 2), "y", 1_000, 0),
            Insert::Complete(_)
        ));
        // Accounts b, c, d fill the total.
        let mut refused_full = 0;
        for (i, k) in keys.iter().enumerate() {
            let acct = ["b", "c", "d"][i % 3];
            let key = format!("x{k}");
            if let Insert::Rejected(_, Reject::Full) = r.insert(key, acct, c(9, 1), "p", 1_000, 0) {
                refused_full += 1;
            }
        }
        assert!(refused_full > 0);
        assert!(r.held_bytes() <= l.max_bytes);
        // All of it expires; the memory accounted returns to zero.
        r.expire(30_000);
        assert_eq!((r.held_bytes(), r.held_parts()), (0, 0));
        assert_eq!(r.account_bytes("a"), 0);
    }

    #[test]
    fn a_255_part_first_part_costs_its_weight_not_255_slots() {
        // The old reassembler allocated a slot per announced part.
        let mut r: Reassembler<u32, [u8; 512], ()> = Reassembler::new(limits());
        assert_eq!(r.insert(1, "a", c(255, 1), [0; 512], 0, 0), Insert::Held);
        let cost = r.held_bytes();
        assert!(cost < 2 * 512, "one part of 512 bytes costs {cost}");
    }

    /// The attack of the issue: 77,758 first parts of 255-part messages
    /// from one account, each a 134-octet UCS-2 text in a PDU of about 200
    /// octets, under the default caps.
    #[test]
    fn a_flood_of_first_parts_is_refused_at_the_byte_cap() {
        let l = Limits::with_timeout(30_000);
        let mut r: Reassembler<u32, [u8; 256], ()> = Reassembler::new(l);
        let (mut held, mut refused) = (0usize, 0usize);
        for k in 0..77_758u32 {
            match r.insert(k, "flood", c(255, 1), [0; 256], 334, 0) {
                Insert::Held => held += 1,
                Insert::Rejected(_, Reject::AccountFull) => refused += 1,
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(held + refused, 77_758);
        assert!(refused > 0, "refused once the cap is hit");
        assert_eq!(r.held_parts(), held);
        assert!(r.account_bytes("flood") <= l.max_account_bytes);
        assert!(r.held_bytes() <= l.max_account_bytes);
        assert!(r.account_remembered_bytes("flood") <= l.max_account_remembered_bytes);
        // What a part costs is what it holds (about 1 KiB here, overhead
        // included), not 255 slots (94 KB each before).
        let per_part = r.held_bytes() / held;
        assert!(per_part < 2_000, "{per_part} per part");
        // Another account's two-part message still goes through.
        assert_eq!(
            r.insert(1 << 30, "care", c(2, 1), [1; 256], 334, 1),
            Insert::Held
        );
        assert!(matches!(
            r.insert(1 << 30, "care", c(2, 2), [2; 256], 334, 2),
            Insert::Complete(_)
        ));
        // At their timeout the parts leave, and the memory is accounted free.
        for m in r.expire(30_000) {
            r.decided(&m.key, (), 0, &[]);
        }
        assert_eq!(
            (r.held_parts(), r.held_bytes(), r.account_bytes("flood")),
            (0, 0, 0)
        );
        r.expire(90_002);
        assert_eq!((r.keys(), r.remembered_bytes()), (0, 0));
    }

    #[test]
    fn memory_is_returned_after_expiry() {
        let mut l = limits();
        l.max_account_remembered_bytes = l.max_remembered_bytes;
        let mut r: Reassembler<u32, u32, ()> = Reassembler::new(l);
        for k in 0..50_000u32 {
            r.insert(k, "a", c(255, 1), k, 0, 0);
        }
        let grown = r.entries.capacity();
        assert!(grown >= 50_000);
        for m in r.expire(30_000) {
            r.decided(&m.key, (), 0, &[]);
        }
        r.expire(200_000);
        assert_eq!(r.keys(), 0);
        assert!(r.entries.capacity() < grown / 4, "{}", r.entries.capacity());
        assert!(r.open.capacity() < 1_000);
    }

    #[test]
    fn fuzz_entry_on_sample_inputs() {
        fuzz_reassembly(&[]);
        fuzz_reassembly(&[1, 3, 1, 0, 1, 3, 2, 0, 1, 3, 3, 0]);
        fuzz_reassembly(&[
            0, 3, 1, 0, 0, 3, 1, 0, 1, 2, 1, 200, 0, 3, 2, 200, 0, 0, 0, 0, 2, 5, 9, 255,
        ]);
        let data: Vec<u8> = (0..4000u32).map(|i| (i * 7919 % 251) as u8).collect();
        fuzz_reassembly(&data);
    }
}
