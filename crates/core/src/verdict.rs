//! Verdicts: the decision, every reason, and the data to act on.

use std::fmt;

use jiff::Timestamp;

use crate::law::Reason;
use crate::number::Number;

/// What to do with the event (docs/rules.md, "Verdicts, actions and decisions").
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Decision {
    /// Deliver.
    Allow,
    /// Do not deliver.
    Block,
    /// Deliver, but report (reasons whose action is `flag`); counts as
    /// allowed.
    Flag,
}

impl Decision {
    /// `allow`, `block` or `flag`.
    pub fn name(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Block => "block",
            Decision::Flag => "flag",
        }
    }

    /// Allowed or flagged: the event is delivered.
    pub fn is_delivered(self) -> bool {
        self != Decision::Block
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of reasons: a 32-bit set, `Copy`, no allocation.
#[derive(Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Reasons(u32);

impl Reasons {
    /// No reason.
    pub const EMPTY: Reasons = Reasons(0);

    /// `r` alone when `cond` holds, else no reason.
    #[inline]
    pub fn when(cond: bool, r: Reason) -> Reasons {
        if cond {
            Reasons(r.bit())
        } else {
            Reasons::EMPTY
        }
    }

    /// Adds a reason.
    #[inline]
    pub fn insert(&mut self, r: Reason) {
        self.0 |= r.bit();
    }

    /// Adds `r` when `cond` holds.
    #[inline]
    pub fn insert_if(&mut self, cond: bool, r: Reason) {
        if cond {
            self.insert(r);
        }
    }

    /// Adds every reason of `other`.
    #[inline]
    pub fn extend(&mut self, other: Reasons) {
        self.0 |= other.0;
    }

    /// Removes a reason.
    #[inline]
    pub fn remove(&mut self, r: Reason) {
        self.0 &= !r.bit();
    }

    /// The reasons of `self` not in `other`.
    #[inline]
    pub fn without(self, other: Reasons) -> Reasons {
        Reasons(self.0 & !other.0)
    }

    /// The reasons in both sets.
    #[inline]
    pub fn intersection(self, other: Reasons) -> Reasons {
        Reasons(self.0 & other.0)
    }

    /// Whether `r` is in the set.
    #[inline]
    pub fn contains(self, r: Reason) -> bool {
        self.0 & r.bit() != 0
    }

    /// No reason at all.
    #[inline]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// How many reasons.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The raw bitmask (bit `n` = the reason with discriminant `n`), as the
    /// C ABI exposes it.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// The decision these reasons give under the default actions: any
    /// reason but `BEHAVIOR` blocks; `BEHAVIOR` alone flags. A policy's own
    /// `[actions]` decide through [`crate::actions::Actions::decision`].
    pub fn decision(self) -> Decision {
        if self.0 & !Reason::Behavior.bit() != 0 {
            Decision::Block
        } else if self.0 != 0 {
            Decision::Flag
        } else {
            Decision::Allow
        }
    }

    /// The reasons in code order.
    pub fn iter(self) -> impl Iterator<Item = Reason> {
        Reason::ALL.into_iter().filter(move |r| self.contains(*r))
    }
}

impl fmt::Debug for Reasons {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl From<Reason> for Reasons {
    fn from(r: Reason) -> Reasons {
        Reasons(r.bit())
    }
}

impl FromIterator<Reason> for Reasons {
    fn from_iter<I: IntoIterator<Item = Reason>>(iter: I) -> Reasons {
        let mut r = Reasons::EMPTY;
        for x in iter {
            r.insert(x);
        }
        r
    }
}

/// The engine's answer for one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Deliver, block or flag.
    pub decision: Decision,
    /// Every rule the event breaks.
    pub reasons: Reasons,
    /// With `FREQUENCY`: the earliest time the cap allows another ad for the
    /// pair (as governor's `NotUntil`).
    pub retry_at: Option<Timestamp>,
    /// With `SPAM_SIGNATURE`: indexes of the matched signatures in the
    /// policy's signature set (see [`crate::policy::Policy::signature_id`]).
    pub signatures: Vec<u32>,
    /// With `SUSPENDED_CONTACT`: the first suspended contact number found.
    pub contact: Option<Number>,
    /// The hosts (IDNA A-label form) of the links in the text, each once,
    /// in order of appearance (filled when the policy has link rules:
    /// `domains.csv`, advertisers' `domains`, protected brands).
    pub links: Vec<Box<str>>,
    /// The protected brands imitated (`LOOKALIKE`), as indices into
    /// [`crate::Policy::lookalikes`], sorted.
    pub imitated: Vec<u32>,
    /// Whether the event changed the engine's state (counted).
    pub counted: bool,
    /// For a `reply`: the consent it records. With `counted` false the
    /// reply meant this change but the state could not store it (an
    /// adapter answers with a temporary error so that it comes again).
    pub consent: Option<crate::policy::ConsentState>,
}

impl Verdict {
    /// A verdict with no reason.
    pub fn allow() -> Verdict {
        Verdict::from_reasons(Reasons::EMPTY)
    }

    /// A verdict carrying `reasons`, its decision derived from them.
    pub fn from_reasons(reasons: Reasons) -> Verdict {
        Verdict {
            decision: reasons.decision(),
            reasons,
            retry_at: None,
            signatures: Vec::new(),
            contact: None,
            links: Vec::new(),
            imitated: Vec::new(),
            counted: false,
            consent: None,
        }
    }

    /// Whether the event is delivered (allowed or flagged).
    pub fn is_delivered(&self) -> bool {
        self.decision.is_delivered()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions() {
        assert_eq!(Reasons::EMPTY.decision(), Decision::Allow);
        let mut r = Reasons::EMPTY;
        r.insert(Reason::Behavior);
        assert_eq!(r.decision(), Decision::Flag);
        r.insert(Reason::Dnc);
        assert_eq!(r.decision(), Decision::Block);
        assert_eq!(r.len(), 2);
        assert_eq!(
            r.iter().collect::<Vec<_>>(),
            vec![Reason::Dnc, Reason::Behavior]
        );
    }
}
