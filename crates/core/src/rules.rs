//! The rules of ads and registration messages, one function each: what it
//! reads, the reason it gives. [`crate::Engine::check`] calls them in order;
//! the reason table ([`crate::law::REASONS`]) gives each reason's rule,
//! legal clause and fine band.
//!
//! The first four need no state and run before the check touches the pair;
//! the last three read the pair's words (consent, first registration,
//! counted ads) inside its one read-decide-commit step.

use crate::dnc::{DncView, Scopes};
use crate::event::Channel;
use crate::ident::Sender;
use crate::law::Reason;
use crate::number::Number;
use crate::policy::{Config, ConsentState, Policy};
use crate::state::frequency::{unix_ms, Recent};
use crate::state::Consent;
use crate::verdict::Reasons;

/// R1: the recipient is on the Do-Not-Call list for the channel (a
/// registration message uses the SMS scope).
pub(crate) fn dnc_rule(dnc: &DncView, recipient: Number, channel: Channel) -> Reasons {
    let need = match channel {
        Channel::Sms => Scopes::SMS,
        Channel::Call => Scopes::CALL,
    };
    Reasons::when(dnc.get(recipient).covers(need), Reason::Dnc)
}

/// R2, R3, R6: outside the channel's daily window (`a ≤ t < b` at the
/// policy's UTC offset), unless an agreement lifts it.
pub(crate) fn window_rule(
    cfg: &Config,
    time: jiff::Timestamp,
    channel: Channel,
    lifted: bool,
) -> Reasons {
    let window = match channel {
        Channel::Sms => cfg.sms_window,
        Channel::Call => cfg.call_window,
    };
    let second = cfg.utc_offset.second_of_day(time);
    Reasons::when(!lifted && !window.contains(second), Reason::OutsideWindow)
}

/// R6, R9: an ad SMS starts with `[QC]` or `[AD]`, a registration message
/// with `DKQC` — exact and case-sensitive at the first character.
pub(crate) fn label_rule(text: &str, registration: bool) -> Reasons {
    let labelled = if registration {
        text.starts_with("DKQC")
    } else {
        text.starts_with("[QC]") || text.starts_with("[AD]")
    };
    Reasons::when(!labelled, Reason::Label)
}

/// R8: ad SMS and registration messages never come from a phone number;
/// otherwise the identifier (brandname, or an ad call's number) is
/// registered, owned by this advertiser, active and valid on the day.
pub(crate) fn identifier_rule(
    p: &Policy,
    source: &Sender,
    advertiser: &str,
    channel: Channel,
    time: jiff::Timestamp,
) -> Reasons {
    match source {
        Sender::Number(_) if channel == Channel::Sms => Reasons::from(Reason::PhoneSender),
        _ => {
            let day = p.config().utc_offset.day(time);
            p.registry().check(source.identifier(), advertiser, day)
        }
    }
}

/// R7: the subscriber refused (an opt-out, or — when consent is required —
/// no reply to the registration message within `reply_s` seconds) or, for
/// an ad when consent is required, never consented. Times in seconds of the
/// state's epoch.
pub(crate) fn consent_rule(
    consent: Option<Consent>,
    first_registration_s: Option<i64>,
    t_s: i64,
    require_consent: bool,
    reply_s: i64,
    registration: bool,
) -> Reasons {
    let opted_out = consent.is_some_and(|c| c.state == ConsentState::OptOut);
    let no_reply = require_consent
        && consent.is_none()
        && first_registration_s.is_some_and(|reg| t_s - reg >= reply_s);
    let refused = opted_out || no_reply;
    let mut r = Reasons::when(refused, Reason::Refused);
    if !registration {
        r.insert_if(
            require_consent && consent.is_none() && !refused,
            Reason::NoConsent,
        );
    }
    r
}

/// R6: a registration message is the first and only one to the subscriber.
pub(crate) fn registration_rule(first_registration_s: Option<i64>) -> Reasons {
    Reasons::when(first_registration_s.is_some(), Reason::RegistrationRepeat)
}

/// R4, R5: the sliding 24-hour cap (`cap` counted ads in `(t − 24h, t]`),
/// unless an agreement lifts it; with the reason, the earliest time (Unix
/// ms) the cap allows another ad, when there is one.
pub(crate) fn frequency_rule(
    history: Recent,
    t_s: i64,
    cap: u32,
    lifted: bool,
) -> (Reasons, Option<i64>) {
    if lifted {
        return (Reasons::EMPTY, None);
    }
    match history.check(t_s, cap) {
        Ok(()) => (Reasons::EMPTY, None),
        Err(at) => (
            Reasons::from(Reason::Frequency),
            (at != i64::MAX).then(|| unix_ms(at)),
        ),
    }
}
