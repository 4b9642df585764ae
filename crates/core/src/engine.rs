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
use crate::dnc::{DncChange, DncView};
use crate::event::{Channel, Event, Kind};
use crate::ident::Sender;
use crate::law::Reason;
use crate::number::Number;
use crate::policy::{ConsentState, Policy};
use crate::rules;
use crate::state::frequency::{rel_secs, Recent, DAY_MS, MAX_CAP};
use crate::state::journal::{Record, RecordKind};
use crate::state::{history_word, Adv, Ledger, Maintenance, OnFull, State, StateConfig, LEDGER};
use crate::verdict::{Decision, Reasons, Verdict};

/// When events change the engine's state (the modes of docs/rules.md).
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
/// (docs/formats.md, `accounts.csv`) and finds the pair's key.
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
    ///
    /// # Example
    ///
    /// ```
    /// use chanrac::{Channel, Engine, Event, Kind, Number, PolicyBuilder, Reason, Sender};
    ///
    /// let engine = Engine::new(PolicyBuilder::new().build());
    /// let n = Number::parse("0912345678").unwrap();
    /// let t = "2026-03-02T03:00:00Z".parse().unwrap(); // 10:00 in Vietnam
    /// let ad = Event::new(t, Channel::Call, Kind::Ad, Sender::parse("02473001234").unwrap(), n)
    ///     .with_advertiser("bank");
    /// assert!(!engine.check(&ad).reasons.contains(Reason::Dnc));
    /// // A reloaded policy whose list holds the number: the next check sees it.
    /// let mut dnc = chanrac::dnc::DncBuilder::new();
    /// dnc.insert(n, chanrac::dnc::Scopes::ALL);
    /// let mut next = PolicyBuilder::new();
    /// next.dnc(dnc.build());
    /// engine.swap(next.build());
    /// assert!(engine.check(&ad).reasons.contains(Reason::Dnc));
    /// ```
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
    ///
    /// # Example
    ///
    /// ```
    /// use chanrac::dnc::{DncChange, Scopes};
    /// use chanrac::{Channel, Engine, Event, Kind, Number, PolicyBuilder, Reason, Sender};
    ///
    /// let engine = Engine::new(PolicyBuilder::new().build());
    /// let n = Number::parse("0912345678").unwrap();
    /// // A subscriber texts `DK DNC` to 5656: ad SMS and calls stop at once.
    /// engine.update_dnc(&[(n, DncChange::Add(Scopes::ALL))]);
    /// let t = "2026-03-02T03:00:00Z".parse().unwrap();
    /// let ad = Event::new(t, Channel::Sms, Kind::Ad, Sender::parse("BANKVN").unwrap(), n)
    ///     .with_advertiser("bank")
    ///     .with_text("[QC] Lai suat uu dai");
    /// assert!(engine.check(&ad).reasons.contains(Reason::Dnc));
    /// // `HUY DNC`, for calls only: the SMS scope stays.
    /// engine.update_dnc(&[(n, DncChange::Remove(Scopes::CALL))]);
    /// assert!(engine.check(&ad).reasons.contains(Reason::Dnc));
    /// ```
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
            RecordKind::OptIn => st.set_consent_ms(a, n, ConsentState::OptIn, t, true),
            RecordKind::OptOut => st.set_consent_ms(a, n, ConsentState::OptOut, t, true),
            RecordKind::Registration => st.mark_registration_ms(a, n, t),
            RecordKind::AdSms => st.count_ad_ms(a, n, Channel::Sms, t),
            RecordKind::AdCall => st.count_ad_ms(a, n, Channel::Call, t),
        };
    }

    /// Runs the state's upkeep on the calling thread: grows the pair table
    /// before checks would have to, and finishes a migration, judging expiry
    /// at `now` (the host's clock). A host calls it now and then from a
    /// thread it owns (the engine starts none); without it, checks do the
    /// same work in small steps. See [`State::maintain`].
    ///
    /// # Example
    ///
    /// ```
    /// use chanrac::{Engine, PolicyBuilder};
    ///
    /// let engine = std::sync::Arc::new(Engine::new(PolicyBuilder::new().build()));
    /// // On a thread the host owns, now and then, with the host's clock:
    /// let upkeep = engine.clone();
    /// std::thread::spawn(move || {
    ///     let m = upkeep.maintain(jiff::Timestamp::now());
    ///     assert!(!m.full, "the state has room");
    /// })
    /// .join()
    /// .unwrap();
    /// ```
    pub fn maintain(&self, now: jiff::Timestamp) -> Maintenance {
        self.state.maintain(now)
    }

    /// The whole state as records, for compacting a journal: opt-outs and
    /// registration marks however old, opt-ins newer than `retention_ms`
    /// before `now_ms`, and the
    /// counted ads of the last 24 hours. Replaying them with
    /// [`Engine::restore`] gives the same verdicts as the state they came
    /// from.
    pub fn records(&self, now_ms: i64, retention_ms: i64) -> Vec<Record> {
        let mut out = Vec::new();
        self.state.for_each(|adv, rcpt, st| {
            st.records(adv, rcpt, now_ms, retention_ms, &mut out);
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
    fn reply<'a>(&self, p: &Policy, ev: &Event<'a>, adv: Adv<'a>, t_ms: i64) -> Begun<'a> {
        let Sender::Number(subscriber) = ev.source else {
            return Begun::Done(Verdict::allow());
        };
        let Some(yes) = p.config().replies.meaning(ev.text) else {
            return Begun::Done(Verdict::allow());
        };
        let step = if yes {
            let window_ms = i64::from(p.config().registration_reply_hours) * 3_600_000;
            Step::Yes { t_ms, window_ms }
        } else {
            Step::Consent {
                state: ConsentState::OptOut,
                t_ms,
                reply: true,
            }
        };
        Begun::Pair(adv, subscriber, self.pending(step, Verdict::allow(), p))
    }

    fn pending(&self, step: Step, v: Verdict, p: &Policy) -> Pending {
        Pending {
            step,
            v,
            mode: self.mode,
            actions: self.mode.actions(p.config().actions),
        }
    }

    /// Checks one event and, when it counts (see [`Mode`]), records it.
    /// Never fails: every outcome is a verdict.
    ///
    /// # Example
    ///
    /// ```
    /// use chanrac::{Channel, Decision, Engine, Event, Kind, Number, PolicyBuilder, Reason, Sender};
    ///
    /// let engine = Engine::new(PolicyBuilder::new().build());
    /// let t = "2026-03-02T16:30:00Z".parse().unwrap(); // 23:30 in Vietnam
    /// let ad = Event::new(
    ///     t,
    ///     Channel::Sms,
    ///     Kind::Ad,
    ///     Sender::parse("SHOPVN").unwrap(),
    ///     Number::parse("0912345678").unwrap(),
    /// )
    /// .with_advertiser("shopvn")
    /// .with_text("Flash sale 40%");
    /// let v = engine.check(&ad);
    /// assert_eq!(v.decision, Decision::Block);
    /// // Every rule broken: after 22:00 (R2), no [QC] label (R9), an
    /// // unregistered brandname (R8), no consent (R7).
    /// for r in [Reason::OutsideWindow, Reason::Label, Reason::BrandUnregistered, Reason::NoConsent] {
    ///     assert!(v.reasons.contains(r), "{r}");
    /// }
    /// ```
    pub fn check(&self, ev: &Event<'_>) -> Verdict {
        let live = self.live.load();
        match self.begin(&live, ev) {
            Begun::Done(v) => v,
            Begun::Pair(adv, recipient, pending) => {
                let step = pending.step;
                match self
                    .state
                    .transact(adv, recipient, step.target(), LEDGER, |t, l| {
                        step.decide(t, l)
                    }) {
                    Ok(out) => pending.finish(out),
                    // The pair is new and the state has no room for it.
                    Err(_) => pending.failed(Reason::StateFull, self.state.config().on_full),
                }
            }
        }
    }

    /// The first half of a check, for a host whose state lives in a shared
    /// store (`chanrac-store`'s Redis backend): every rule that needs no
    /// state is applied here; what remains is a pure decision on the pair's
    /// stored words ([`PairCheck::decide`]) that the store runs inside its
    /// own compare-and-set, then [`PairCheck::finish`]. [`Engine::check`]
    /// is the same two halves around the local table, so the rules are
    /// written once.
    pub fn prepare(&self, ev: &Event<'_>) -> Prepared {
        let live = self.live.load();
        match self.begin(&live, ev) {
            Begun::Done(v) => Prepared::Done(v),
            Begun::Pair(adv, recipient, pending) => Prepared::Pair(PairCheck {
                advertiser: adv.name.into(),
                recipient,
                pending,
            }),
        }
    }

    /// A journal record as a pair update for a shared store (moving a
    /// state directory into the store): the same change [`Engine::restore`]
    /// makes to the local table.
    pub fn restore_check(&self, r: &Record) -> PairCheck {
        let t_ms = r.time_ms;
        let step = match r.kind {
            RecordKind::OptIn => Step::Restore(Restore::Consent(ConsentState::OptIn), t_ms),
            RecordKind::OptOut => Step::Restore(Restore::Consent(ConsentState::OptOut), t_ms),
            RecordKind::Registration => Step::Restore(Restore::Registration, t_ms),
            RecordKind::AdSms => Step::Restore(Restore::Ad(Channel::Sms), t_ms),
            RecordKind::AdCall => Step::Restore(Restore::Ad(Channel::Call), t_ms),
        };
        PairCheck {
            advertiser: r.advertiser.as_str().into(),
            recipient: r.recipient,
            pending: Pending {
                step,
                v: Verdict::allow(),
                mode: self.mode,
                actions: Actions::default(),
            },
        }
    }

    /// The pair update that gives back an ad of `channel` counted at
    /// `time` for `account` (an account of `accounts.csv`, or the
    /// advertiser) and `recipient`, which never reached the subscriber (the
    /// carrier's SMSC refused it after the check allowed it): for a shared
    /// store ([`PairCheck::decide`] inside its compare-and-set), or the
    /// local state ([`Engine::uncount`]). Its verdict's `counted` says
    /// whether an ad at `time` was counted and is no longer.
    pub fn uncount_check(
        &self,
        account: &str,
        recipient: Number,
        channel: Channel,
        time: jiff::Timestamp,
    ) -> PairCheck {
        let policy = self.policy();
        PairCheck {
            advertiser: policy.resolve_advertiser(account).into(),
            recipient,
            pending: Pending {
                step: Step::Restore(Restore::Unad(channel), time.as_millisecond()),
                v: Verdict::allow(),
                mode: self.mode,
                actions: Actions::default(),
            },
        }
    }

    /// [`Engine::uncount_check`] on the local state: whether an ad at
    /// `time` was counted and is no longer.
    pub fn uncount(
        &self,
        account: &str,
        recipient: Number,
        channel: Channel,
        time: jiff::Timestamp,
    ) -> bool {
        let policy = self.policy();
        self.state
            .uncount_ad(policy.resolve_advertiser(account), recipient, channel, time)
            .unwrap_or(false)
    }

    /// Every rule that needs no state; the state step, if any, as a
    /// [`Pending`].
    fn begin<'a>(&self, live: &'a Live, ev: &Event<'a>) -> Begun<'a> {
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
            // Never blocked; when the state is full the change is not
            // recorded, and `counted` says so.
            let step = Step::Consent {
                state,
                t_ms,
                reply: false,
            };
            return Begun::Pair(adv, ev.recipient, self.pending(step, Verdict::allow(), p));
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
                let step = self.advertising(p, &live.dnc, ev, t_ms, r);
                return Begun::Pair(adv, ev.recipient, self.pending(Step::Ad(step), v, p));
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
        Begun::Done(settle(v, r, self.mode.actions(p.config().actions)))
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

    /// R1, R2/R3, R6/R9 labels, R8 for ads and registration messages; R4–R7
    /// as the state step.
    fn advertising(
        &self,
        p: &Policy,
        dnc: &DncView,
        ev: &Event<'_>,
        t_ms: i64,
        mut r: Reasons,
    ) -> AdStep {
        let advertiser = p.resolve_advertiser(ev.advertiser);
        let cfg = p.config();
        let is_reg = ev.kind == Kind::Registration;
        let sms = ev.channel == Channel::Sms;
        let lifts = p.lifts(advertiser, ev.recipient);
        r.extend(rules::dnc_rule(dnc, ev.recipient, ev.channel));
        r.extend(rules::window_rule(cfg, ev.time, ev.channel, lifts.window));
        if sms {
            r.extend(rules::label_rule(ev.text, is_reg));
        }
        r.extend(rules::identifier_rule(
            p, &ev.source, advertiser, ev.channel, ev.time,
        ));

        let cap = if sms {
            cfg.sms_per_24h
        } else {
            cfg.calls_per_24h
        }
        .min(MAX_CAP);
        AdStep {
            stateless: r,
            is_reg,
            channel: ev.channel,
            require_consent: cfg.require_consent,
            reply_s: i64::from(cfg.registration_reply_hours) * 3600,
            lifts_frequency: lifts.frequency,
            cap,
            t_ms,
            // Monitor mode counts as audit does: every event is delivered.
            audit: matches!(self.mode, Mode::Audit | Mode::Monitor),
            actions: self.mode.actions(cfg.actions),
        }
    }
}

/// The verdict's reasons and decision under `actions`, and the data kept
/// only with the reasons that use it.
fn settle(mut v: Verdict, r: Reasons, actions: Actions) -> Verdict {
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

/// A check after its stateless rules.
enum Begun<'a> {
    /// Nothing depends on the state.
    Done(Verdict),
    /// One read-decide-commit on the pair remains.
    Pair(Adv<'a>, Number, Pending),
}

/// The rest of a check: the state step and what the verdict becomes.
#[derive(Clone, Debug)]
struct Pending {
    step: Step,
    /// The verdict so far (content data; reasons come from the step).
    v: Verdict,
    mode: Mode,
    actions: Actions,
}

impl Pending {
    fn finish(self, out: Outcome) -> Verdict {
        let mut v = self.v;
        match (self.step, out) {
            (
                Step::Ad(_),
                Outcome::Ad {
                    reasons,
                    retry_ms,
                    counted,
                },
            ) => {
                v.counted = counted;
                v.retry_at = retry_ms.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok());
                settle(v, reasons, self.actions)
            }
            (Step::Consent { state, reply, .. }, Outcome::Stored(stored)) => {
                if reply {
                    v.consent = Some(state);
                }
                v.counted = stored;
                v
            }
            (Step::Yes { .. }, Outcome::Stored(prompted)) => {
                if prompted {
                    v.consent = Some(ConsentState::OptIn);
                    v.counted = true;
                }
                v
            }
            (_, Outcome::Stored(stored)) => {
                v.counted = stored;
                v
            }
            // An ad outcome belongs to an ad step only.
            (_, Outcome::Ad { .. }) => v,
        }
    }

    /// The state could not be read or written (`why`: `STATE_FULL` or
    /// `STATE_UNAVAILABLE`): an ad is decided as if the pair had no history,
    /// uncounted, and under `block` (not in monitor mode) blocked for `why`
    /// when nothing else blocks it; a consent change is not recorded. With
    /// `STATE_UNAVAILABLE` the pair's consent is unknown too, so
    /// `NO_CONSENT` is not among the reasons: `deliver` delivers an ad that
    /// nothing stateless blocks.
    fn failed(self, why: Reason, on_error: OnFull) -> Verdict {
        match self.step {
            Step::Ad(ad) => {
                let (
                    Outcome::Ad {
                        mut reasons,
                        retry_ms,
                        ..
                    },
                    _,
                ) = ad.decide(0, 0)
                else {
                    return self.finish(Outcome::Stored(false));
                };
                if why == Reason::StateUnavailable {
                    // The pair's words are unknown, not empty: whether it
                    // has consent is as unknown as its counts, so the
                    // missing consent is no reason here (the fail mode
                    // decides, as for the caps).
                    reasons.remove(Reason::NoConsent);
                }
                let would_count = ad.audit || ad.actions.decision(reasons).is_delivered();
                if would_count && on_error == OnFull::Block && self.mode != Mode::Monitor {
                    reasons.insert(why);
                }
                self.finish(Outcome::Ad {
                    reasons,
                    retry_ms,
                    counted: false,
                })
            }
            // A yes the store could not check: when the store failed (not a
            // full table, where a new pair has no registration to answer),
            // the reply meant an opt-in that was not stored.
            Step::Yes { .. } if why == Reason::StateUnavailable => {
                let mut v = self.v;
                v.consent = Some(ConsentState::OptIn);
                v.counted = false;
                v
            }
            _ => self.finish(Outcome::Stored(false)),
        }
    }
}

/// What a journal record restores.
#[derive(Clone, Copy, Debug)]
enum Restore {
    Consent(ConsentState),
    Registration,
    Ad(Channel),
    /// An ad counted at the step's time, given back (it never reached the
    /// subscriber): [`Engine::uncount_check`].
    Unad(Channel),
}

/// The state step of a check: one pure decision on a pair's words.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// An opt-in/opt-out event, or a `no` reply (`reply`).
    Consent {
        state: ConsentState,
        t_ms: i64,
        reply: bool,
    },
    /// A `yes` reply: an opt-in when a registration message prompted it.
    Yes { t_ms: i64, window_ms: i64 },
    /// R4–R7 for an ad or registration message.
    Ad(AdStep),
    /// A journal record, replayed.
    Restore(Restore, i64),
}

/// What a step decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// A consent change or a record: whether it was stored.
    Stored(bool),
    /// An ad's state rules.
    Ad {
        reasons: Reasons,
        retry_ms: Option<i64>,
        counted: bool,
    },
}

impl Step {
    /// The word the step may change.
    fn target(&self) -> usize {
        match self {
            Step::Ad(ad) if !ad.is_reg => history_word(ad.channel),
            Step::Restore(Restore::Ad(channel) | Restore::Unad(channel), _) => {
                history_word(*channel)
            }
            _ => LEDGER,
        }
    }

    /// Decides on the target word and the ledger word; returns the
    /// outcome and the target's new value when it changes.
    fn decide(&self, target: u64, ledger: u64) -> (Outcome, Option<u64>) {
        match *self {
            Step::Ad(ad) => ad.decide(target, ledger),
            Step::Consent { state, t_ms, .. } => (
                Outcome::Stored(true),
                Some(Ledger::from_bits(ledger).with_consent(state, t_ms).bits()),
            ),
            Step::Yes { t_ms, window_ms } => {
                let l = Ledger::from_bits(ledger);
                let prompted = l
                    .registration_ms()
                    .is_some_and(|reg| t_ms >= reg && t_ms - reg < window_ms);
                (
                    Outcome::Stored(prompted),
                    prompted.then(|| l.with_consent(ConsentState::OptIn, t_ms).bits()),
                )
            }
            Step::Restore(what, t_ms) => {
                let new = match what {
                    Restore::Consent(state) => {
                        let l = Ledger::from_bits(ledger);
                        let newer = l
                            .consent()
                            .is_some_and(|c| c.time_ms().div_euclid(1000) > t_ms.div_euclid(1000));
                        (!newer).then(|| l.with_consent(state, t_ms).bits())
                    }
                    Restore::Registration => {
                        let l = Ledger::from_bits(ledger);
                        let earlier = l
                            .registration_ms()
                            .is_some_and(|r| r.div_euclid(1000) <= t_ms.div_euclid(1000));
                        (!earlier).then(|| l.with_registration(t_ms).bits())
                    }
                    Restore::Ad(_) => Some(Recent::from_bits(target).commit(rel_secs(t_ms)).bits()),
                    Restore::Unad(_) => {
                        let back = Recent::from_bits(target).without(rel_secs(t_ms));
                        return (Outcome::Stored(back.is_some()), back.map(Recent::bits));
                    }
                };
                (Outcome::Stored(true), new)
            }
        }
    }
}

/// R4–R7 of an ad or registration message, with the stateless reasons
/// already found.
#[derive(Clone, Copy, Debug)]
struct AdStep {
    stateless: Reasons,
    is_reg: bool,
    channel: Channel,
    require_consent: bool,
    reply_s: i64,
    lifts_frequency: bool,
    cap: u32,
    t_ms: i64,
    audit: bool,
    actions: Actions,
}

impl AdStep {
    /// R4/R5 (the sliding cap on `history`), R6 (first-and-only
    /// registration), R7 (consent) on the ledger; whether the event counts
    /// (enforce: delivered; audit and monitor: always) and the target
    /// word's new value.
    fn decide(&self, history: u64, ledger: u64) -> (Outcome, Option<u64>) {
        let t_s = rel_secs(self.t_ms);
        let ledger = Ledger::from_bits(ledger);
        let first_reg = ledger.registration_ms().map(rel_secs);
        let mut r = self.stateless;
        r.extend(rules::consent_rule(
            ledger.consent(),
            first_reg,
            t_s,
            self.require_consent,
            self.reply_s,
            self.is_reg,
        ));
        let mut retry = None;
        if self.is_reg {
            r.extend(rules::registration_rule(first_reg));
        } else {
            let (f, at) = rules::frequency_rule(
                Recent::from_bits(history),
                t_s,
                self.cap,
                self.lifts_frequency,
            );
            r.extend(f);
            retry = at;
        }
        let counted = self.audit || self.actions.decision(r).is_delivered();
        // A registration mark is set once: the first counted one stays.
        let new = if self.is_reg {
            (counted && first_reg.is_none()).then(|| ledger.with_registration(self.t_ms).bits())
        } else {
            counted.then(|| Recent::from_bits(history).commit(t_s).bits())
        };
        (
            Outcome::Ad {
                reasons: r,
                retry_ms: retry,
                counted,
            },
            new,
        )
    }
}

/// A check prepared for a shared state store ([`Engine::prepare`]).
#[derive(Debug)]
pub enum Prepared {
    /// The verdict: the event touches no state.
    Done(Verdict),
    /// One read-decide-commit on a pair remains.
    Pair(PairCheck),
}

/// The state half of a check on one (advertiser, recipient) pair, for a
/// store that keeps the pair's words elsewhere: read the words, call
/// [`PairCheck::decide`], compare-and-set them to what it returns (on a
/// conflict, read and decide again), then [`PairCheck::finish`]. Owned, so
/// it can wait on the store's I/O.
#[derive(Clone, Debug)]
pub struct PairCheck {
    advertiser: Box<str>,
    recipient: Number,
    pending: Pending,
}

/// What [`PairCheck::decide`] decided, for [`PairCheck::finish`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PairOutcome(Outcome);

impl PairCheck {
    /// The pair's advertiser (resolved from the account).
    pub fn advertiser(&self) -> &str {
        &self.advertiser
    }

    /// The pair's recipient (for a reply: the subscriber who replied).
    pub fn recipient(&self) -> Number {
        self.recipient
    }

    /// The rules on the pair's current words: the outcome, and the words
    /// to store (equal to `words` when nothing changes). Pure.
    pub fn decide(&self, words: PairWords) -> (PairOutcome, PairWords) {
        let target = self.pending.step.target();
        let (out, new) = self.pending.step.decide(words.0[target], words.0[LEDGER]);
        let mut next = words;
        if let Some(nv) = new {
            next.0[target] = nv;
        }
        (PairOutcome(out), next)
    }

    /// The verdict, once the words `decide` returned are stored.
    pub fn finish(self, outcome: PairOutcome) -> Verdict {
        self.pending.finish(outcome.0)
    }

    /// The verdict when the store could not be read or written in time:
    /// `STATE_UNAVAILABLE` under [`OnFull::Block`] for an ad or
    /// registration that nothing else blocks (not in monitor mode), decided
    /// as if the pair had no history and uncounted; a consent change is not
    /// stored (`counted` false; a reply keeps the `consent` it meant, so an
    /// adapter can ask for it again).
    pub fn unavailable(self, on_error: OnFull) -> Verdict {
        self.pending.failed(Reason::StateUnavailable, on_error)
    }
}

/// A pair's stored words as a shared store keeps them: the ledger (consent
/// and first registration), the counted ad SMS and the counted ad calls,
/// each a packed `u64` (see [`crate::state`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PairWords([u64; 3]);

impl PairWords {
    /// Nothing stored.
    pub const EMPTY: PairWords = PairWords([0; 3]);

    /// Bytes of [`PairWords::to_bytes`].
    pub const BYTES: usize = 24;

    /// The three words, little-endian.
    pub fn to_bytes(self) -> [u8; 24] {
        let mut b = [0u8; 24];
        for (chunk, w) in b.chunks_exact_mut(8).zip(self.0) {
            chunk.copy_from_slice(&w.to_le_bytes());
        }
        b
    }

    /// From [`PairWords::to_bytes`]; `None` unless exactly 24 bytes.
    pub fn from_bytes(b: &[u8]) -> Option<PairWords> {
        if b.len() != Self::BYTES {
            return None;
        }
        let mut w = [0u64; 3];
        for (x, chunk) in w.iter_mut().zip(b.chunks_exact(8)) {
            let mut a = [0u8; 8];
            a.copy_from_slice(chunk);
            *x = u64::from_le_bytes(a);
        }
        Some(PairWords(w))
    }

    /// Nothing stored.
    pub fn is_empty(self) -> bool {
        self == PairWords::EMPTY
    }

    /// The words decoded.
    pub fn state(self) -> crate::state::PairState {
        let l = Ledger::from_bits(self.0[LEDGER]);
        crate::state::PairState {
            consent: l.consent(),
            first_registration: l
                .registration_ms()
                .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok()),
            sms: Recent::from_bits(self.0[history_word(Channel::Sms)]),
            calls: Recent::from_bits(self.0[history_word(Channel::Call)]),
        }
    }

    /// Until when (Unix milliseconds) the pair must be kept: `None` for
    /// ever (an opt-out or a registration mark: the law's bar has no end);
    /// otherwise the latest of an opt-in's time plus `retention_days` (at
    /// least [`crate::state::MIN_RETENTION_DAYS`]) and the newest ad's time
    /// plus 25 hours. A store keeps the pair at least 25 hours from its
    /// own clock beyond this.
    pub fn keep_until_ms(self, retention_days: u32) -> Option<i64> {
        let st = self.state();
        if st.first_registration.is_some()
            || st.consent.is_some_and(|c| c.state == ConsentState::OptOut)
        {
            return None;
        }
        let retention_ms = i64::from(retention_days.max(crate::state::MIN_RETENTION_DAYS)) * DAY_MS;
        let ad_ms = DAY_MS + 3_600_000;
        let consent = st.consent.map(|c| c.time_ms().saturating_add(retention_ms));
        let sms = st.sms.times_ms().max().map(|t| t.saturating_add(ad_ms));
        let call = st.calls.times_ms().max().map(|t| t.saturating_add(ad_ms));
        Some(
            [consent, sms, call]
                .into_iter()
                .flatten()
                .max()
                .unwrap_or(i64::MIN),
        )
    }
}
