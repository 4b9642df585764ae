//! The engine: `check(&self, &Event) -> Verdict`, never failing.
//!
//! The check path: load the current [`Policy`] (an `arc-swap` load, no lock),
//! run the stateless rules (S2, then the content rules S1/S3 on SMS, then
//! R1, R2/R3, R6/R9 labels, R8), then the state rules (R4/R5, R6 repeat, R7)
//! in one atomic read-decide-commit step on the pair's words in [`State`]
//! (a compare-and-swap; no lock).

use std::sync::Arc;

use arc_swap::{ArcSwap, ArcSwapOption};

use crate::actions::Actions;
use crate::behavior::BehaviorTracker;
use crate::content::verdict::{scan_content, sender_lookalike, Sent};
use crate::dnc::{DncChange, DncView, Scopes};
use crate::event::{Channel, Event, Kind};
use crate::ident::Sender;
use crate::law::Reason;
use crate::number::Number;
use crate::policy::{ConsentState, Policy};
use crate::state::frequency::{rel_secs, unix_ms, Recent, MAX_CAP};
use crate::state::journal::{Record, RecordKind};
use crate::state::{history_word, Adv, Ledger, Maintenance, OnFull, State, StateConfig, LEDGER};
use crate::verdict::{Decision, Reasons, Verdict};

/// When events change the engine's state (CONTRACT.md §3).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Mode {
    /// In-line filtering (the default): only allowed events change state
    /// (counts, "registration sent").
    #[default]
    Enforce,
    /// Replaying logs of traffic already delivered: every ad and registration
    /// event changes state whatever its verdict.
    Audit,
    /// A monitor-only rollout: every `block` action becomes `flag` (`off`
    /// stays off), a full state delivers, and the reasons (and state
    /// changes) are those of [`Mode::Audit`]: every event is delivered.
    Monitor,
}

impl Mode {
    /// Parses `enforce`, `audit` or `monitor`, case-insensitively.
    pub fn parse(s: &str) -> Option<Mode> {
        [Mode::Enforce, Mode::Audit, Mode::Monitor]
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(s))
    }

    /// `enforce`, `audit` or `monitor`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Audit => "audit",
            Mode::Monitor => "monitor",
        }
    }

    /// The actions in force under this mode: the policy's, or in
    /// [`Mode::Monitor`] the policy's with every `block` turned to `flag`.
    pub fn actions(self, policy: Actions) -> Actions {
        if self == Mode::Monitor {
            policy.monitor()
        } else {
            policy
        }
    }
}

/// Configures an [`Engine`].
#[derive(Clone, Debug, Default)]
pub struct EngineBuilder {
    mode: Mode,
    state: StateConfig,
}

impl EngineBuilder {
    /// The defaults: enforce mode.
    pub fn new() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// Sets the mode.
    pub fn mode(&mut self, mode: Mode) -> &mut EngineBuilder {
        self.mode = mode;
        self
    }

    /// Sizes the per-pair state and says what happens when it is full
    /// (see [`StateConfig`], [`OnFull`]).
    pub fn state(&mut self, config: StateConfig) -> &mut EngineBuilder {
        self.state = config;
        self
    }

    /// An engine checking against `policy`, its consent ledger seeded from
    /// the policy's consent records. The builder can be reused.
    pub fn build(&self, policy: Policy) -> Engine {
        let state = State::with_config(self.state.clone());
        state.seed_consents(&policy);
        let behavior = policy
            .config()
            .behavior
            .clone()
            .map(|c| Arc::new(BehaviorTracker::new(c)));
        Engine {
            live: ArcSwap::from_pointee(Live {
                dnc: Arc::new(DncView::new(policy.dnc().clone())),
                who: Arc::new(who(&policy, &state)),
                policy: Arc::new(policy),
            }),
            state,
            mode: self.mode,
            behavior: ArcSwapOption::new(behavior),
        }
    }
}

/// The policy engine: share it between threads (`Send + Sync`); swap the
/// policy while it runs.
pub struct Engine {
    /// The policy and the live DNC list, published together: one load per
    /// check, and a swap changes both at once.
    live: ArcSwap<Live>,
    state: State,
    mode: Mode,
    behavior: ArcSwapOption<BehaviorTracker>,
}

/// What a check reads: the policy, and its DNC list with the live changes
/// not yet merged on top.
struct Live {
    policy: Arc<Policy>,
    dnc: Arc<DncView>,
    who: Arc<Who>,
}

/// Every account and advertiser the policy names → (its advertiser, the
/// advertiser's state id): in one lookup a check resolves the account
/// (CONTRACT.md §2, `accounts.csv`) and finds the pair's key.
type Who = crate::hash::Map<Box<str>, (Box<str>, u32)>;

fn who(policy: &Policy, state: &State) -> Who {
    let mut who = Who::default();
    let advertisers = policy
        .advertisers()
        .map(|(a, _)| a)
        .chain(policy.registry().iter().map(|(_, r)| &*r.owner))
        .chain(policy.consents().iter().map(|c| &*c.advertiser))
        .chain(policy.accounts().map(|(_, a)| &*a.advertiser));
    for a in advertisers {
        if let Some(id) = state.advertiser_id(a) {
            who.insert(a.into(), (a.into(), id));
        }
    }
    // An account name resolves to its advertiser, even where it is also an
    // advertiser's name (as `Policy::resolve_advertiser` does).
    for (account, acc) in policy.accounts() {
        if let Some(id) = state.advertiser_id(&acc.advertiser) {
            who.insert(account.into(), (acc.advertiser.clone(), id));
        }
    }
    who
}

impl Live {
    fn with_dnc(&self, dnc: DncView) -> Live {
        Live {
            policy: self.policy.clone(),
            dnc: Arc::new(dnc),
            who: self.who.clone(),
        }
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("mode", &self.mode)
            .field("policy", &*self.live.load().policy)
            .field("state", &self.state)
            .finish()
    }
}

impl Engine {
    /// An engine in enforce mode.
    pub fn new(policy: Policy) -> Engine {
        EngineBuilder::new().build(policy)
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The current policy.
    pub fn policy(&self) -> Arc<Policy> {
        self.live.load().policy.clone()
    }

    /// The state (consent ledger, registration marks, counters).
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Replaces the policy atomically: checks in flight finish on the old
    /// one, later checks see the new one; no reader waits. Consent records of
    /// the new policy replace older ledger entries; behaviour history is kept
    /// unless the `[behavior]` config changed. Every DNC change made live
    /// since the engine was built (merged or not) goes on top of the new
    /// policy's list again (call [`Engine::discard_dnc_changes`] when the
    /// reloaded list already holds them).
    pub fn swap(&self, policy: Policy) {
        self.state.seed_consents(&policy);
        if self.live.load().policy.config().behavior != policy.config().behavior {
            self.behavior.store(
                policy
                    .config()
                    .behavior
                    .clone()
                    .map(|c| Arc::new(BehaviorTracker::new(c))),
            );
        }
        let base = policy.dnc().clone();
        let who = Arc::new(who(&policy, &self.state));
        let policy = Arc::new(policy);
        self.live.rcu(|cur| Live {
            policy: policy.clone(),
            dnc: Arc::new(cur.dnc.rebased(base.clone())),
            who: who.clone(),
        });
    }

    /// The live DNC list: the policy's list with the changes made through
    /// [`Engine::update_dnc`] on top.
    pub fn dnc(&self) -> Arc<DncView> {
        self.live.load().dnc.clone()
    }

    /// Applies DNC changes (from 5656 or an operator feed), in order. They
    /// take effect for every check that starts after this returns; readers
    /// never wait. Cost grows with the changes not yet merged: call
    /// [`Engine::merge_dnc`] now and then.
    pub fn update_dnc(&self, changes: &[(Number, DncChange)]) {
        if changes.is_empty() {
            return;
        }
        self.live
            .rcu(|cur| cur.with_dnc(cur.dnc.with_changes(changes)));
    }

    /// Folds the pending DNC changes into a new base list and publishes it,
    /// on the calling thread (a host runs it on demand or on a thread it
    /// owns; the engine starts none). Changes made during the merge stay
    /// pending. Returns how many changes were merged.
    pub fn merge_dnc(&self) -> usize {
        loop {
            let from = self.dnc();
            if from.pending() == 0 {
                return 0;
            }
            let base = from.merged().into_shared();
            let mut merged = false;
            self.live
                .rcu(|cur| match cur.dnc.after_merge(&from, base.clone()) {
                    Some(next) => {
                        merged = true;
                        cur.with_dnc(next)
                    }
                    None => {
                        merged = false;
                        Live {
                            policy: cur.policy.clone(),
                            dnc: cur.dnc.clone(),
                            who: cur.who.clone(),
                        }
                    }
                });
            if merged {
                return from.pending();
            }
            // The policy was swapped during the merge: merge onto the new base.
        }
    }

    /// Forgets the live DNC changes (after reloading a list that already
    /// holds them): the list becomes the policy's as loaded.
    pub fn discard_dnc_changes(&self) {
        // The policy's own list: the view's base may hold merged changes.
        self.live
            .rcu(|cur| cur.with_dnc(DncView::new(cur.policy.dnc().clone())));
    }

    /// Replays a journal record into the state (after a restart): consent
    /// records replace older ones, a registration mark keeps the earliest,
    /// an ad is counted again. A record the state has no room for is
    /// dropped (counted in [`crate::state::StateStats::full_events`]).
    pub fn restore(&self, r: &Record) {
        let st = &self.state;
        let (a, n, t) = (&*r.advertiser, r.recipient, r.time_ms);
        let _ = match r.kind {
            RecordKind::OptIn => st.set_consent(a, n, ConsentState::OptIn, t, true),
            RecordKind::OptOut => st.set_consent(a, n, ConsentState::OptOut, t, true),
            RecordKind::Registration => st.mark_registration(a, n, t),
            RecordKind::AdSms => st.count_ad(a, n, Channel::Sms, t),
            RecordKind::AdCall => st.count_ad(a, n, Channel::Call, t),
        };
    }

    /// Runs the state's upkeep on the calling thread: grows the pair table
    /// before checks would have to, and finishes a migration, judging expiry
    /// at `now` (the host's clock). A host calls it now and then from a
    /// thread it owns (the engine starts none); without it, checks do the
    /// same work in small steps. See [`State::maintain`].
    pub fn maintain(&self, now: jiff::Timestamp) -> Maintenance {
        self.state.maintain(now.as_millisecond())
    }

    /// The whole state as records, for compacting a journal: consent and
    /// registration marks newer than `retention_ms` before `now_ms`, and the
    /// counted ads of the last 24 hours. Replaying them with
    /// [`Engine::restore`] gives the same verdicts as the state they came
    /// from.
    pub fn records(&self, now_ms: i64, retention_ms: i64) -> Vec<Record> {
        let mut out = Vec::new();
        let keep_from = now_ms.saturating_sub(retention_ms);
        let ads_from = now_ms.saturating_sub(crate::state::frequency::DAY_MS);
        self.state.for_each(|adv, rcpt, st| {
            let mut push = |kind, time_ms| {
                out.push(Record {
                    kind,
                    advertiser: adv.to_string(),
                    recipient: rcpt,
                    time_ms,
                })
            };
            // Opt-outs are kept however old (as the table keeps them).
            if let Some(c) = st
                .consent
                .filter(|c| c.time_ms > keep_from || c.state == ConsentState::OptOut)
            {
                let kind = match c.state {
                    ConsentState::OptIn => RecordKind::OptIn,
                    ConsentState::OptOut => RecordKind::OptOut,
                };
                push(kind, c.time_ms);
            }
            if let Some(t) = st.first_registration_ms.filter(|&t| t > keep_from) {
                push(RecordKind::Registration, t);
            }
            for t in st.sms.times_ms().filter(|&t| t > ads_from) {
                push(RecordKind::AdSms, t);
            }
            for t in st.calls.times_ms().filter(|&t| t > ads_from) {
                push(RecordKind::AdCall, t);
            }
        });
        out
    }

    /// A subscriber's reply (`ev.source`) to advertiser `adv`: never
    /// blocked, no reasons. A `no` ([`crate::policy::Replies`]) records an
    /// opt-out at any time; a `yes` an opt-in only when the advertiser has a
    /// counted registration message to the subscriber less than
    /// `registration_reply_hours` before it (a late or unprompted yes
    /// changes nothing). `counted` says whether a consent was recorded;
    /// `consent` which one the reply meant.
    fn reply(&self, p: &Policy, ev: &Event<'_>, adv: Adv<'_>, t_ms: i64) -> Verdict {
        let mut v = Verdict::allow();
        let Sender::Number(subscriber) = ev.source else {
            return v;
        };
        let Some(yes) = p.config().replies.meaning(ev.text) else {
            return v;
        };
        if !yes {
            v.consent = Some(ConsentState::OptOut);
            v.counted = self
                .state
                .consent_of(adv, subscriber, ConsentState::OptOut, t_ms, false)
                .is_ok();
            return v;
        }
        let window_ms = i64::from(p.config().registration_reply_hours) * 3_600_000;
        let stored = self
            .state
            .transact(adv, subscriber, LEDGER, LEDGER, |w, _| {
                let l = Ledger::from_bits(w);
                let prompted = l
                    .registration_ms()
                    .is_some_and(|reg| t_ms >= reg && t_ms - reg < window_ms);
                (
                    prompted,
                    prompted.then(|| l.with_consent(ConsentState::OptIn, t_ms).bits()),
                )
            });
        match stored {
            Ok(true) => {
                v.consent = Some(ConsentState::OptIn);
                v.counted = true;
            }
            Ok(false) => {}
            // A new pair the state has no room for: no registration there.
            Err(_) => {}
        }
        v
    }

    /// Checks one event and, when it counts (CONTRACT.md §3), records it.
    /// Never fails: every outcome is a verdict.
    pub fn check(&self, ev: &Event<'_>) -> Verdict {
        let live = self.live.load();
        let p: &Policy = &live.policy;
        let t_ms = ev.time.as_millisecond();
        let adv = match live.who.get(ev.advertiser) {
            Some((name, id)) => Adv {
                name,
                id: Some(*id),
            },
            None => Adv::named(p.resolve_advertiser(ev.advertiser)),
        };
        let advertiser = adv.name;

        if ev.kind == Kind::Reply {
            return self.reply(p, ev, adv, t_ms);
        }
        if ev.kind.is_consent() {
            let state = if ev.kind == Kind::OptIn {
                ConsentState::OptIn
            } else {
                ConsentState::OptOut
            };
            let stored = self.state.consent_of(adv, ev.recipient, state, t_ms, false);
            let mut v = Verdict::allow();
            // Never blocked; when the state is full the change is not
            // recorded, and `counted` says so.
            v.counted = stored.is_ok();
            return v;
        }

        let mut v = Verdict::allow();
        let mut r = Reasons::EMPTY;
        // S2: a numeric source on the suspended list, every SMS and call.
        if let Sender::Number(n) = ev.source {
            r.insert_if(p.is_suspended(n), Reason::SuspendedSource);
        }
        // S1, S3 and the link rules: content, every SMS; LOOKALIKE on an
        // unregistered sender name.
        if ev.channel == Channel::Sms {
            let sent = Sent {
                advertising: matches!(ev.kind, Kind::Ad | Kind::Registration),
                advertiser,
            };
            scan_content(p, ev.text, sent, &mut r, &mut v);
            if let Sender::Name(name) = &ev.source {
                sender_lookalike(p, name, advertiser, &mut r, &mut v);
            }
        }
        match ev.kind {
            Kind::Ad | Kind::Registration => {
                self.check_advertising(p, &live.dnc, ev, adv, t_ms, &mut r, &mut v)
            }
            Kind::Care => {
                // R8 anti-spoofing: a care SMS from an alphanumeric source
                // must use an identifier issued to this advertiser.
                if ev.channel == Channel::Sms
                    && matches!(ev.source, Sender::Name(_) | Sender::Unregistrable)
                {
                    let day = p.config().utc_offset.day(ev.time);
                    r.extend(p.registry().check(ev.source.identifier(), advertiser, day));
                }
            }
            Kind::P2p => {
                if let Some(tracker) = self.behavior.load().as_ref() {
                    let secs = ev.time.as_second();
                    if let Sender::Number(src) = ev.source {
                        let signs = tracker.observe(
                            src,
                            ev.recipient,
                            ev.channel == Channel::Call,
                            secs,
                            ev.duration,
                        );
                        r.insert_if(signs.any(), Reason::Behavior);
                    }
                    tracker.record_received(ev.recipient, secs);
                }
            }
            Kind::OptIn | Kind::OptOut | Kind::Reply => {}
        }
        let actions = self.mode.actions(p.config().actions);
        v.reasons = actions.reported(r);
        v.decision = actions.decision(r);
        if !v.reasons.contains(Reason::Frequency) {
            v.retry_at = None;
        }
        if !v.reasons.contains(Reason::SpamSignature) {
            v.signatures.clear();
        }
        if !v.reasons.contains(Reason::SuspendedContact) {
            v.contact = None;
        }
        v
    }

    /// The decision `reasons` get under the live policy's actions and this
    /// engine's mode (for callers that filter a verdict's reasons, such as
    /// a late part of a message already counted).
    pub fn decision(&self, reasons: Reasons) -> Decision {
        let live = self.live.load();
        self.mode
            .actions(live.policy.config().actions)
            .decision(reasons)
    }

    /// R1–R9 for ads and registration messages.
    #[allow(clippy::too_many_arguments)]
    fn check_advertising(
        &self,
        p: &Policy,
        dnc: &DncView,
        ev: &Event<'_>,
        adv: Adv<'_>,
        t_ms: i64,
        r: &mut Reasons,
        v: &mut Verdict,
    ) {
        let advertiser = adv.name;
        let cfg = p.config();
        let is_reg = ev.kind == Kind::Registration;
        let sms = ev.channel == Channel::Sms;
        let lifts = p.lifts(advertiser, ev.recipient);

        // R1: the DNC scope of the channel (registration: SMS scope).
        let need = if sms { Scopes::SMS } else { Scopes::CALL };
        r.insert_if(dnc.get(ev.recipient).covers(need), Reason::Dnc);

        // R2, R3, R6: the daily window of the channel.
        let window = if sms { cfg.sms_window } else { cfg.call_window };
        let second = cfg.utc_offset.second_of_day(ev.time);
        r.insert_if(
            !lifts.window && !window.contains(second),
            Reason::OutsideWindow,
        );

        // R6, R9: the label, exact and case-sensitive at the first character.
        if sms {
            let labelled = if is_reg {
                ev.text.starts_with("DKQC")
            } else {
                ev.text.starts_with("[QC]") || ev.text.starts_with("[AD]")
            };
            r.insert_if(!labelled, Reason::Label);
        }

        // R8: the identifier. Ad SMS and registrations never come from a
        // phone number; ad calls come from a number registered to the
        // advertiser.
        match ev.source {
            Sender::Number(_) if sms => r.insert(Reason::PhoneSender),
            _ => {
                let day = cfg.utc_offset.day(ev.time);
                r.extend(p.registry().check(ev.source.identifier(), advertiser, day));
            }
        }

        // R4–R7: one atomic read-decide-commit on the pair.
        let cap = if sms {
            cfg.sms_per_24h
        } else {
            cfg.calls_per_24h
        }
        .min(MAX_CAP);
        let reply_s = i64::from(cfg.registration_reply_hours) * 3600;
        // Monitor mode counts as audit does: every event is delivered.
        let audit = matches!(self.mode, Mode::Audit | Mode::Monitor);
        let actions = self.mode.actions(cfg.actions);
        let stateless = *r;
        let t_s = rel_secs(t_ms);
        let target = if is_reg {
            LEDGER
        } else {
            history_word(ev.channel)
        };
        let decide = |history: u64, ledger: u64| {
            let ledger = Ledger::from_bits(ledger);
            let mut r = stateless;
            let mut retry = None;
            let consent = ledger.consent();
            let first_reg = ledger.registration_ms().map(rel_secs);
            let opted_out = consent.is_some_and(|c| c.state == ConsentState::OptOut);
            let no_reply = cfg.require_consent
                && consent.is_none()
                && first_reg.is_some_and(|reg| t_s - reg >= reply_s);
            let refused = opted_out || no_reply;
            r.insert_if(refused, Reason::Refused);
            if is_reg {
                r.insert_if(first_reg.is_some(), Reason::RegistrationRepeat);
            } else {
                r.insert_if(
                    cfg.require_consent && consent.is_none() && !refused,
                    Reason::NoConsent,
                );
                if !lifts.frequency {
                    if let Err(at) = Recent::from_bits(history).check(t_s, cap) {
                        r.insert(Reason::Frequency);
                        retry = (at != i64::MAX).then(|| unix_ms(at));
                    }
                }
            }
            let counted = audit || actions.decision(r).is_delivered();
            let new = counted.then(|| {
                if is_reg {
                    ledger.with_registration(t_ms).bits()
                } else {
                    Recent::from_bits(history).commit(t_s).bits()
                }
            });
            // A registration mark is set once: the first counted one stays.
            let new = if is_reg && first_reg.is_some() {
                None
            } else {
                new
            };
            ((r, retry, counted), new)
        };
        let (reasons, retry, counted) =
            match self
                .state
                .transact(adv, ev.recipient, target, LEDGER, &decide)
            {
                Ok(out) => out,
                // The pair is new and the state has no room for it.
                Err(_) => {
                    let ((mut r, retry, counted), _) = decide(0, 0);
                    if counted
                        && self.state.config().on_full == OnFull::Block
                        && self.mode != Mode::Monitor
                    {
                        r.insert(Reason::StateFull);
                    }
                    (r, retry, false)
                }
            };
        *r = reasons;
        v.counted = counted;
        v.retry_at = retry.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok());
    }
}
