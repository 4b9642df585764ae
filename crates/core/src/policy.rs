//! The policy: the immutable compiled whole the engine checks against.
//!
//! A [`Policy`] holds every list (DNC, registry, suspended numbers,
//! agreements, signatures), the consent records advertisers hold, and the
//! [`Config`] of `policy.toml`. It is built once on the compile path with
//! [`PolicyBuilder`] and then shared read-only; [`crate::Engine::swap`]
//! replaces it atomically.

use std::collections::HashMap;

use jiff::Timestamp;

use crate::dnc::{DncList, SharedBytes};
use crate::number::Number;
use crate::registry::Registry;
use crate::window::{UtcOffset, Window};

/// `policy.toml`: every key optional; the defaults are the law's.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Local time offset (`utc_offset = "+07:00"`).
    pub utc_offset: UtcOffset,
    /// Ad SMS and registration window (`sms_window = "07:00-22:00"`, R2/R6).
    pub sms_window: Window,
    /// Ad call window (`call_window = "08:00-17:00"`, R3).
    pub call_window: Window,
    /// Ad SMS per advertiser and number in any 24 h (`sms_per_24h = 3`, R4).
    pub sms_per_24h: u32,
    /// Ad calls per advertiser and number in any 24 h (`calls_per_24h = 1`, R5).
    pub calls_per_24h: u32,
    /// Whether ads need consent (`require_consent = true`, R7).
    pub require_consent: bool,
    /// Hours the user has to reply to the registration message
    /// (`registration_reply_hours = 24`, R7).
    pub registration_reply_hours: u32,
    /// Behaviour rules (S4): off unless `policy.toml` has a `[behavior]` table.
    pub behavior: Option<crate::behavior::BehaviorConfig>,
    /// What each reason code does (`[actions]`): `block`, `flag` or `off`;
    /// by default every code blocks but `BEHAVIOR`, which flags.
    pub actions: crate::actions::Actions,
    /// What a subscriber's reply means (`[replies]`).
    pub replies: Replies,
}

/// `[replies]`: the replies that give consent (`yes`) and those that refuse
/// or withdraw it (`no`). A reply matches an entry when their skeletons
/// ([`crate::content::skeleton`]) are equal and not empty: `Có.`, `OK!`,
/// `T C` match; nothing else is tolerated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replies {
    /// Replies that give consent.
    pub yes: Vec<Box<str>>,
    /// Replies that refuse or withdraw consent.
    pub no: Vec<Box<str>>,
}

impl Default for Replies {
    fn default() -> Replies {
        let list = |l: &[&str]| l.iter().map(|s| Box::from(*s)).collect();
        Replies {
            yes: list(&["y", "co", "dong y", "ok"]),
            no: list(&["n", "khong", "tc", "tu choi", "huy"]),
        }
    }
}

impl Replies {
    /// What `text` means: `Some(true)` a yes, `Some(false)` a no, `None`
    /// neither.
    pub fn meaning(&self, text: &str) -> Option<bool> {
        let s = crate::content::skeleton(text);
        if s.is_empty() {
            return None;
        }
        let hit = |list: &[Box<str>]| list.iter().any(|e| crate::content::skeleton(e) == s);
        if hit(&self.no) {
            Some(false)
        } else if hit(&self.yes) {
            Some(true)
        } else {
            None
        }
    }

    /// An entry of `yes` whose skeleton is also one of `no` (a bad value),
    /// if any.
    pub fn conflict(&self) -> Option<&str> {
        self.yes
            .iter()
            .find(|y| {
                let s = crate::content::skeleton(y);
                self.no.iter().any(|n| crate::content::skeleton(n) == s)
            })
            .map(|y| &**y)
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            utc_offset: UtcOffset::VIETNAM,
            sms_window: Window::SMS,
            call_window: Window::CALL,
            sms_per_24h: 3,
            calls_per_24h: 1,
            require_consent: true,
            registration_reply_hours: 24,
            behavior: None,
            actions: crate::actions::Actions::default(),
            replies: Replies::default(),
        }
    }
}

/// Which rules an agreement (`agreements.csv`) lifts for one pair: "unless
/// otherwise agreed with the user".
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct Lifts {
    /// `window`: lifts R2/R3 and the registration window.
    pub window: bool,
    /// `frequency`: lifts R4/R5.
    pub frequency: bool,
}

impl Lifts {
    /// Parses an agreement's `rule` (`window` or `frequency`), case-insensitively.
    pub fn parse(rule: &str) -> Option<Lifts> {
        let rule = rule.trim();
        if rule.eq_ignore_ascii_case("window") {
            Some(Lifts {
                window: true,
                frequency: false,
            })
        } else if rule.eq_ignore_ascii_case("frequency") {
            Some(Lifts {
                window: false,
                frequency: true,
            })
        } else {
            None
        }
    }

    fn union(self, o: Lifts) -> Lifts {
        Lifts {
            window: self.window || o.window,
            frequency: self.frequency || o.frequency,
        }
    }
}

/// A consent state.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum ConsentState {
    /// The user agreed to receive the advertiser's ads.
    OptIn,
    /// The user refused them.
    OptOut,
}

impl ConsentState {
    /// Parses `optin` or `optout`, case-insensitively.
    pub fn parse(s: &str) -> Option<ConsentState> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("optin") {
            Some(ConsentState::OptIn)
        } else if s.eq_ignore_ascii_case("optout") {
            Some(ConsentState::OptOut)
        } else {
            None
        }
    }
}

/// A consent record an advertiser holds (`consents.csv`, D91 Art.11).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentRecord {
    /// The advertiser.
    pub advertiser: Box<str>,
    /// The user.
    pub recipient: Number,
    /// Opt-in or opt-out.
    pub state: ConsentState,
    /// When it was given.
    pub time: Timestamp,
}

/// Organisation or individual: individuals pay half the fine.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum AdvertiserKind {
    /// A company or other organisation (the default).
    #[default]
    Organisation,
    /// A natural person.
    Individual,
}

impl AdvertiserKind {
    /// Parses `organisation` (also `organization`) or `individual`.
    pub fn parse(s: &str) -> Option<AdvertiserKind> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("organisation") || s.eq_ignore_ascii_case("organization") {
            Some(AdvertiserKind::Organisation)
        } else if s.eq_ignore_ascii_case("individual") {
            Some(AdvertiserKind::Individual)
        } else {
            None
        }
    }
}

/// An advertiser (`advertisers.csv`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advertiser {
    /// Display name.
    pub name: Box<str>,
    /// Organisation or individual.
    pub kind: AdvertiserKind,
    /// The web domains its ads may link to (`domains` column); empty: no
    /// list, any link (`URL_NOT_ALLOWED` needs a list).
    pub domains: crate::content::links::DomainList,
}

/// The class of an SMPP account.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AccountClass {
    /// Advertising traffic.
    Ad,
    /// Customer care traffic.
    Care,
}

impl AccountClass {
    /// Parses `ad` or `care`, case-insensitively.
    pub fn parse(s: &str) -> Option<AccountClass> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("ad") {
            Some(AccountClass::Ad)
        } else if s.eq_ignore_ascii_case("care") {
            Some(AccountClass::Care)
        } else {
            None
        }
    }
}

/// An SMPP account (`accounts.csv`): bound system_id → advertiser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The advertiser the account submits for.
    pub advertiser: Box<str>,
    /// Ad or care.
    pub class: AccountClass,
    /// The bind password.
    pub password: Box<str>,
    /// This account's own credentials for its sessions to the SMSC
    /// (`upstream_system_id`, `upstream_password` in `accounts.csv`);
    /// `None`: the adapter's default ones.
    pub upstream: Option<(Box<str>, Box<str>)>,
    /// How many sessions to the SMSC this account's login keeps bound
    /// (`upstream_sessions` in `accounts.csv`, 1 to
    /// [`MAX_UPSTREAM_SESSIONS`]); `None`: the adapter's default.
    pub upstream_sessions: Option<std::num::NonZeroU16>,
}

/// The most sessions to the SMSC one account may ask for
/// ([`Account::upstream_sessions`]).
pub const MAX_UPSTREAM_SESSIONS: u16 = 64;

/// Assembles a [`Policy`].
pub struct PolicyBuilder {
    config: Config,
    dnc: DncList<SharedBytes>,
    registry: Registry,
    suspended: crate::hash::Set<Number>,
    agreements: crate::hash::Map<Number, Vec<(Box<str>, Lifts)>>,
    consents: HashMap<(Box<str>, Number), (ConsentState, Timestamp)>,
    advertisers: crate::hash::Map<Box<str>, Advertiser>,
    accounts: crate::hash::Map<Box<str>, Account>,
    signatures: crate::content::SignatureSet,
    domains: crate::content::links::DomainList,
    protected: Vec<crate::content::lookalike::Brand>,
    dnc_stream: Option<crate::dnc::StreamMark>,
}

impl Default for PolicyBuilder {
    fn default() -> PolicyBuilder {
        PolicyBuilder {
            config: Config::default(),
            dnc: DncList::empty().into_shared(),
            registry: Registry::default(),
            suspended: Default::default(),
            agreements: Default::default(),
            consents: HashMap::new(),
            advertisers: Default::default(),
            accounts: Default::default(),
            signatures: crate::content::SignatureSet::default(),
            domains: Default::default(),
            protected: Vec::new(),
            dnc_stream: None,
        }
    }
}

impl PolicyBuilder {
    /// A builder for an empty policy with the default config.
    pub fn new() -> PolicyBuilder {
        PolicyBuilder::default()
    }

    /// Sets the config (`policy.toml`).
    pub fn config(&mut self, config: Config) -> &mut PolicyBuilder {
        self.config = config;
        self
    }

    /// Sets the DNC list, over any bytes (built in memory, or mapped from a
    /// snapshot file).
    pub fn dnc<D: AsRef<[u8]> + Send + Sync + 'static>(
        &mut self,
        dnc: DncList<D>,
    ) -> &mut PolicyBuilder {
        self.dnc = dnc.into_shared();
        self
    }

    /// Records where the DNC list stands in a stream of DNC changes (a
    /// snapshot built with `chanrac build --dnc-stream`).
    pub fn dnc_stream(&mut self, mark: crate::dnc::StreamMark) -> &mut PolicyBuilder {
        self.dnc_stream = Some(mark);
        self
    }

    /// Sets the identifier registry.
    pub fn registry(&mut self, registry: Registry) -> &mut PolicyBuilder {
        self.registry = registry;
        self
    }

    /// Adds a suspended number (S2, S3).
    pub fn suspend(&mut self, number: Number) -> &mut PolicyBuilder {
        self.suspended.insert(number);
        self
    }

    /// Adds an agreement lifting rules for one (advertiser, recipient) pair.
    pub fn agreement(
        &mut self,
        advertiser: &str,
        recipient: Number,
        lifts: Lifts,
    ) -> &mut PolicyBuilder {
        let v = self.agreements.entry(recipient).or_default();
        match v.iter_mut().find(|(a, _)| &**a == advertiser) {
            Some((_, l)) => *l = l.union(lifts),
            None => v.push((advertiser.into(), lifts)),
        }
        self
    }

    /// Adds a consent record; per pair the latest time wins, ties go to the
    /// record added later (`consents.csv`, docs/formats.md).
    pub fn consent(
        &mut self,
        advertiser: &str,
        recipient: Number,
        state: ConsentState,
        time: Timestamp,
    ) -> &mut PolicyBuilder {
        let e = self
            .consents
            .entry((advertiser.into(), recipient))
            .or_insert((state, time));
        if time >= e.1 {
            *e = (state, time);
        }
        self
    }

    /// Adds an advertiser.
    pub fn advertiser(&mut self, id: &str, advertiser: Advertiser) -> &mut PolicyBuilder {
        self.advertisers.insert(id.into(), advertiser);
        self
    }

    /// Adds an SMPP account.
    pub fn account(&mut self, system_id: &str, account: Account) -> &mut PolicyBuilder {
        self.accounts.insert(system_id.into(), account);
        self
    }

    /// Sets the link-host list (`domains.csv`).
    pub fn domains(&mut self, domains: crate::content::links::DomainList) -> &mut PolicyBuilder {
        self.domains = domains;
        self
    }

    /// Adds a protected brand (`protected.csv`). Registered alphanumeric
    /// brandnames of 3 or more letters are protected too, owned by their
    /// advertiser with its `domains`, without being added here.
    pub fn protect(&mut self, brand: crate::content::lookalike::Brand) -> &mut PolicyBuilder {
        self.protected.push(brand);
        self
    }

    /// Sets the spam-template signatures (S1).
    pub fn signatures(&mut self, signatures: crate::content::SignatureSet) -> &mut PolicyBuilder {
        self.signatures = signatures;
        self
    }

    /// The policy. Building consumes the builder's contents.
    pub fn build(&mut self) -> Policy {
        let b = std::mem::take(self);
        let mut consents: Vec<ConsentRecord> = b
            .consents
            .into_iter()
            .map(|((advertiser, recipient), (state, time))| ConsentRecord {
                advertiser,
                recipient,
                state,
                time,
            })
            .collect();
        consents.sort_by(|a, b| {
            (a.time, &a.advertiser, a.recipient).cmp(&(b.time, &b.advertiser, b.recipient))
        });
        let lookalikes = {
            let mut brands = b.protected.clone();
            for (id, reg) in b.registry.iter() {
                if let crate::ident::Identifier::Name(name) = id {
                    let letters = name
                        .as_str()
                        .chars()
                        .filter(char::is_ascii_alphabetic)
                        .count();
                    if letters >= 3 {
                        brands.push(crate::content::lookalike::Brand {
                            name: name.as_str().into(),
                            owner: reg.owner.clone(),
                            domains: b
                                .advertisers
                                .get(&*reg.owner)
                                .map(|a| a.domains.clone())
                                .unwrap_or_default(),
                        });
                    }
                }
            }
            // The registered names in a fixed order (the registry's is a
            // hash's), so that brand indices do not depend on how it was loaded.
            if let Some(own) = brands.get_mut(b.protected.len()..) {
                own.sort_by(|x, y| x.name.cmp(&y.name));
            }
            crate::content::lookalike::Lookalikes::new(brands)
        };
        let any_advertiser_domains = b.advertisers.values().any(|a| !a.domains.is_empty());
        Policy {
            config: b.config,
            dnc: b.dnc,
            registry: b.registry,
            suspended: b.suspended,
            agreements: b.agreements,
            consents,
            advertisers: b.advertisers,
            accounts: b.accounts,
            signatures: b.signatures,
            lookalikes,
            any_advertiser_domains,
            domains: b.domains,
            protected: b.protected,
            dnc_stream: b.dnc_stream,
            generation: {
                static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
        }
    }
}

/// The immutable compiled policy.
pub struct Policy {
    config: Config,
    dnc: DncList<SharedBytes>,
    registry: Registry,
    suspended: crate::hash::Set<Number>,
    agreements: crate::hash::Map<Number, Vec<(Box<str>, Lifts)>>,
    consents: Vec<ConsentRecord>,
    advertisers: crate::hash::Map<Box<str>, Advertiser>,
    accounts: crate::hash::Map<Box<str>, Account>,
    signatures: crate::content::SignatureSet,
    /// `domains.csv`.
    domains: crate::content::links::DomainList,
    /// `protected.csv`, as given.
    protected: Vec<crate::content::lookalike::Brand>,
    /// Some advertiser has a `domains` list.
    any_advertiser_domains: bool,
    /// `protected.csv` and the registered brandnames, indexed.
    lookalikes: crate::content::lookalike::Lookalikes,
    /// Where the DNC list stands in the DNC stream, when known.
    dnc_stream: Option<crate::dnc::StreamMark>,
    /// Unique to this built policy in the process (clones share it: they
    /// hold the same lists): what the engine's per-thread content cache is
    /// keyed by, so that no verdict outlives the policy it was made under.
    generation: u64,
}

impl Default for Policy {
    fn default() -> Policy {
        PolicyBuilder::new().build()
    }
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("dnc", &self.dnc.len())
            .field("identifiers", &self.registry.len())
            .field("suspended", &self.suspended.len())
            .field("signatures", &self.signatures.len())
            .field("config", &self.config)
            .finish()
    }
}

impl Policy {
    /// The config.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The DNC list.
    pub fn dnc(&self) -> &DncList<SharedBytes> {
        &self.dnc
    }

    /// Where the DNC list stands in the stream of DNC changes: the stream
    /// and the id of the last entry the list holds (a snapshot built with
    /// `chanrac build --dnc-stream`); `None` for a policy directory, whose
    /// list a follower brings up to date from the stream's beginning.
    pub fn dnc_stream(&self) -> Option<&crate::dnc::StreamMark> {
        self.dnc_stream.as_ref()
    }

    /// The identifier registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Whether `number` is on the suspended list.
    #[inline]
    pub fn is_suspended(&self, number: Number) -> bool {
        !self.suspended.is_empty() && self.suspended.contains(&number)
    }

    /// Whether any number is suspended.
    #[inline]
    pub fn has_suspended(&self) -> bool {
        !self.suspended.is_empty()
    }

    /// The suspended numbers.
    pub fn suspended(&self) -> impl Iterator<Item = Number> + '_ {
        self.suspended.iter().copied()
    }

    /// What agreements lift for (advertiser, recipient).
    #[inline]
    pub fn lifts(&self, advertiser: &str, recipient: Number) -> Lifts {
        if self.agreements.is_empty() {
            return Lifts::default();
        }
        self.agreements
            .get(&recipient)
            .and_then(|v| v.iter().find(|(a, _)| &**a == advertiser))
            .map(|(_, l)| *l)
            .unwrap_or_default()
    }

    /// Every agreement as (advertiser, recipient, lifts).
    pub fn agreements(&self) -> impl Iterator<Item = (&str, Number, Lifts)> + '_ {
        self.agreements
            .iter()
            .flat_map(|(n, v)| v.iter().map(move |(a, l)| (&**a, *n, *l)))
    }

    /// The consent records, oldest first.
    pub fn consents(&self) -> &[ConsentRecord] {
        &self.consents
    }

    /// An advertiser's record, if `advertisers.csv` has one.
    pub fn advertiser(&self, id: &str) -> Option<&Advertiser> {
        self.advertisers.get(id)
    }

    /// Every advertiser.
    pub fn advertisers(&self) -> impl Iterator<Item = (&str, &Advertiser)> + '_ {
        self.advertisers.iter().map(|(k, v)| (&**k, v))
    }

    /// The SMPP account bound as `system_id`.
    pub fn account(&self, system_id: &str) -> Option<&Account> {
        self.accounts.get(system_id)
    }

    /// The advertiser an event's `advertiser` field stands for: events name
    /// "the account" (docs/formats.md, "Events"), so an SMPP account of `accounts.csv`
    /// resolves to its advertiser, and anything else is the advertiser
    /// itself. The rules are per advertiser (D91 Art.13(5), R7, R8), so two
    /// accounts of one advertiser share its caps, consent and identifiers.
    #[inline]
    pub fn resolve_advertiser<'a>(&'a self, account: &'a str) -> &'a str {
        if self.accounts.is_empty() {
            return account;
        }
        self.accounts
            .get(account)
            .map_or(account, |a| &*a.advertiser)
    }

    /// Every SMPP account.
    pub fn accounts(&self) -> impl Iterator<Item = (&str, &Account)> + '_ {
        self.accounts.iter().map(|(k, v)| (&**k, v))
    }

    /// Unique to this built policy in the process (see the field).
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    /// The spam-template signatures (S1).
    pub fn signatures(&self) -> &crate::content::SignatureSet {
        &self.signatures
    }

    /// The link-host list (`domains.csv`).
    pub fn domains(&self) -> &crate::content::links::DomainList {
        &self.domains
    }

    /// The protected brands of `protected.csv`, as given (the registered
    /// brandnames are protected too: see [`Policy::lookalikes`]).
    pub fn protected(&self) -> &[crate::content::lookalike::Brand] {
        &self.protected
    }

    /// Every protected brand, indexed for `LOOKALIKE`.
    pub fn lookalikes(&self) -> &crate::content::lookalike::Lookalikes {
        &self.lookalikes
    }

    /// Whether any link rule can fire (a `domains.csv` row, an advertiser
    /// with `domains`, or a protected brand).
    pub(crate) fn has_link_rules(&self) -> bool {
        !self.domains.is_empty() || !self.lookalikes.is_empty() || self.any_advertiser_domains
    }

    /// The id of signature `index` (as a verdict's `signatures` lists it).
    pub fn signature_id(&self, index: u32) -> &str {
        self.signatures.id(index)
    }
}
