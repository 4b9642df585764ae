//! (advertiser, recipient) pairs for the frequency check-and-commit bench
//! (1 ad call per pair per 24 h, Decree 91 Art.13(5)), and an engine whose
//! state rules decide: every advertiser has a registered caller number and
//! consent is not required, as in `crates/core/tests/contention.rs`.

use chanrac::ident::{Identifier, Sender};
use chanrac::number::Number;
use chanrac::policy::{Config, PolicyBuilder};
use chanrac::registry::{Registration, RegistryBuilder, Status};
use chanrac::{Channel, Engine, Event, Kind};

use crate::mobile_prefixes;

/// Advertisers in the frequency bench: pair `k` belongs to advertiser
/// `k % ADVERTISERS`.
pub const ADVERTISERS: usize = 1_000;

/// `n` distinct (advertiser, recipient) pairs over [`ADVERTISERS`]
/// advertisers, each advertiser calling from its own registered number.
pub struct Pairs {
    /// The advertiser accounts, `adv0000` …
    pub advertisers: Vec<String>,
    /// Each advertiser's registered caller number (`024 73xx xxxx`).
    pub callers: Vec<Sender>,
    /// The recipients; pair `k` is (`k % ADVERTISERS`, `recipients[k / ADVERTISERS]`).
    pub recipients: Vec<Number>,
    n: usize,
}

impl Pairs {
    /// `n` pairs; distinct by construction (no two recipients are equal).
    pub fn new(n: usize) -> Pairs {
        let prefixes = mobile_prefixes();
        let p = prefixes.len();
        let recipients = (0..n.div_ceil(ADVERTISERS))
            .map(|r| {
                // r -> (prefix, 7 digits) is one-to-one: r % p picks the
                // prefix, and multiplying r / p by 7,919 (coprime to 10^7)
                // permutes the 7-digit space.
                let digits = ((r / p) as u64 * 7_919) % 10_000_000;
                let s = format!("84{}{digits:07}", prefixes[r % p]);
                Number::parse(&s).expect("generated numbers are valid")
            })
            .collect();
        Pairs {
            advertisers: (0..ADVERTISERS).map(|a| format!("adv{a:04}")).collect(),
            callers: (0..ADVERTISERS)
                .map(|a| Sender::parse(&format!("02473{a:06}")).expect("a valid caller number"))
                .collect(),
            recipients,
            n,
        }
    }

    /// How many pairs.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Pair `k % len()` as (advertiser index, recipient).
    pub fn pair(&self, k: usize) -> (usize, Number) {
        let k = k % self.n;
        (k % ADVERTISERS, self.recipients[k / ADVERTISERS])
    }

    /// The ad call of pair `k` at `t` (inside the default call window).
    pub fn ad_call(&self, k: usize, t: jiff::Timestamp) -> Event<'_> {
        let (a, r) = self.pair(k);
        Event::new(t, Channel::Call, Kind::Ad, self.callers[a], r)
            .with_advertiser(&self.advertisers[a])
    }

    /// An engine with every caller registered, consent not required, no DNC
    /// list: the only rule an ad call in the window can break is the
    /// frequency cap.
    pub fn engine(&self) -> Engine {
        let mut reg = RegistryBuilder::new();
        for a in 0..ADVERTISERS {
            let id = Identifier::parse(&format!("02473{a:06}")).expect("a valid identifier");
            reg.insert(
                id,
                Registration {
                    owner: self.advertisers[a].as_str().into(),
                    status: Status::Active,
                    valid_from: None,
                    valid_until: None,
                },
            )
            .expect("distinct identifiers");
        }
        let config = Config {
            require_consent: false,
            ..Config::default()
        };
        Engine::new(
            PolicyBuilder::new()
                .registry(reg.build())
                .config(config)
                .build(),
        )
    }
}

/// 09:00 in Hanoi (02:00 UTC) on Monday 2 March 2026: inside the SMS and
/// the call window. No parsing, so it costs nothing in a timed loop.
pub fn morning() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_772_416_800).expect("a valid timestamp")
}
