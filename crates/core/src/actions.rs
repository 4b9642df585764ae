//! Per-rule actions: what each reason code does (`policy.toml` `[actions]`).
//!
//! Every reason code is `block` (the event is not delivered), `flag`
//! (delivered and reported) or `off` (not reported: the event is decided and
//! counted as if the rule did not exist). The defaults block every code but
//! `BEHAVIOR`, which flags. `DNC` and `REFUSED`, the law's hard bars, may be
//! flagged but never turned off; `STATE_FULL` follows the fail mode and has
//! no action. A monitor-only rollout ([`Actions::monitor`]) flags every code
//! that would block.

use std::fmt;

use crate::law::Reason;
use crate::verdict::{Decision, Reasons};

/// What one reason code does.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Action {
    /// The event is not delivered.
    Block,
    /// The event is delivered and the reason reported.
    Flag,
    /// The reason is not reported; the event is decided and counted as if
    /// the rule did not exist.
    Off,
}

impl Action {
    /// Parses `block`, `flag` or `off`, case-insensitively.
    pub fn parse(s: &str) -> Option<Action> {
        [Action::Block, Action::Flag, Action::Off]
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(s))
    }

    /// `block`, `flag` or `off`.
    pub fn name(self) -> &'static str {
        match self {
            Action::Block => "block",
            Action::Flag => "flag",
            Action::Off => "off",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an action cannot be set for a code.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum ActionError {
    /// `DNC` and `REFUSED` are the law's hard bars: never `off`.
    HardBar(Reason),
    /// `STATE_FULL` (and `STATE_UNAVAILABLE`) follow the fail mode.
    FailMode(Reason),
}

impl fmt::Display for ActionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionError::HardBar(r) => write!(
                f,
                "{r} may be `block` or `flag` but never `off` (a hard bar of the law)"
            ),
            ActionError::FailMode(r) => write!(
                f,
                "{r} has no action: it follows the fail mode (--on-full, --on-store-error)"
            ),
        }
    }
}

impl std::error::Error for ActionError {}

/// The action of every reason code, as two sets: the codes that block and
/// the codes that are off (the rest flag). `Copy`, no allocation.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct Actions {
    block: Reasons,
    off: Reasons,
}

impl Default for Actions {
    /// Every code blocks but `BEHAVIOR`, which flags.
    fn default() -> Actions {
        let mut block: Reasons = Reason::ALL.into_iter().collect();
        block.remove(Reason::Behavior);
        Actions {
            block,
            off: Reasons::EMPTY,
        }
    }
}

impl Actions {
    /// The action of `r`.
    pub fn get(&self, r: Reason) -> Action {
        if self.off.contains(r) {
            Action::Off
        } else if self.block.contains(r) {
            Action::Block
        } else {
            Action::Flag
        }
    }

    /// Sets the action of `r`; refuses `off` for `DNC` and `REFUSED` and any
    /// action for `STATE_FULL`.
    pub fn set(&mut self, r: Reason, a: Action) -> Result<(), ActionError> {
        if matches!(r, Reason::StateFull | Reason::StateUnavailable) {
            return Err(ActionError::FailMode(r));
        }
        if a == Action::Off && matches!(r, Reason::Dnc | Reason::Refused) {
            return Err(ActionError::HardBar(r));
        }
        self.block.remove(r);
        self.off.remove(r);
        match a {
            Action::Block => self.block.insert(r),
            Action::Flag => {}
            Action::Off => self.off.insert(r),
        }
        Ok(())
    }

    /// These actions with every `block` turned to `flag` (`off` stays off):
    /// a monitor-only rollout.
    pub fn monitor(self) -> Actions {
        Actions {
            block: Reasons::EMPTY,
            off: self.off,
        }
    }

    /// `reasons` without the codes that are off.
    #[inline]
    pub fn reported(&self, reasons: Reasons) -> Reasons {
        reasons.without(self.off)
    }

    /// The decision for `reasons`: `block` when any of them blocks, else
    /// `flag` when any is reported, else `allow`. Codes that are off do not
    /// count.
    #[inline]
    pub fn decision(&self, reasons: Reasons) -> Decision {
        let r = self.reported(reasons);
        if !r.intersection(self.block).is_empty() {
            Decision::Block
        } else if !r.is_empty() {
            Decision::Flag
        } else {
            Decision::Allow
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_block_all_but_behavior() {
        let a = Actions::default();
        for r in Reason::ALL {
            let want = if r == Reason::Behavior {
                Action::Flag
            } else {
                Action::Block
            };
            assert_eq!(a.get(r), want, "{r}");
        }
        // The defaults decide as the historical rule did.
        let mut r = Reasons::EMPTY;
        assert_eq!(a.decision(r), Decision::Allow);
        r.insert(Reason::Behavior);
        assert_eq!(a.decision(r), Decision::Flag);
        r.insert(Reason::Label);
        assert_eq!(a.decision(r), Decision::Block);
    }

    #[test]
    fn flag_and_off() {
        let mut a = Actions::default();
        a.set(Reason::Label, Action::Flag).unwrap();
        a.set(Reason::Frequency, Action::Off).unwrap();
        let r: Reasons = [Reason::Label, Reason::Frequency].into_iter().collect();
        assert_eq!(a.decision(r), Decision::Flag);
        assert_eq!(
            a.reported(r).iter().collect::<Vec<_>>(),
            vec![Reason::Label]
        );
        let only_off: Reasons = [Reason::Frequency].into_iter().collect();
        assert_eq!(a.decision(only_off), Decision::Allow);
        assert!(a.reported(only_off).is_empty());
        // Back to block.
        a.set(Reason::Frequency, Action::Block).unwrap();
        assert_eq!(a.decision(only_off), Decision::Block);
    }

    #[test]
    fn hard_bars_and_fail_mode() {
        let mut a = Actions::default();
        assert_eq!(
            a.set(Reason::Dnc, Action::Off),
            Err(ActionError::HardBar(Reason::Dnc))
        );
        assert_eq!(
            a.set(Reason::Refused, Action::Off),
            Err(ActionError::HardBar(Reason::Refused))
        );
        a.set(Reason::Dnc, Action::Flag).unwrap();
        assert_eq!(a.get(Reason::Dnc), Action::Flag);
        assert_eq!(
            a.set(Reason::StateFull, Action::Flag),
            Err(ActionError::FailMode(Reason::StateFull))
        );
    }

    #[test]
    fn monitor_flags_every_block_and_keeps_off() {
        let mut a = Actions::default();
        a.set(Reason::Label, Action::Off).unwrap();
        let m = a.monitor();
        for r in Reason::ALL {
            let want = if r == Reason::Label {
                Action::Off
            } else {
                Action::Flag
            };
            assert_eq!(m.get(r), want, "{r}");
        }
        let all: Reasons = Reason::ALL.into_iter().collect();
        assert_eq!(m.decision(all), Decision::Flag);
    }

    #[test]
    fn parse_names() {
        assert_eq!(Action::parse("BLOCK"), Some(Action::Block));
        assert_eq!(Action::parse("flag"), Some(Action::Flag));
        assert_eq!(Action::parse("Off"), Some(Action::Off));
        assert_eq!(Action::parse("drop"), None);
    }
}
