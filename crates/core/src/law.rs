//! Reason codes → rule → legal clause → fine band, as data.
//!
//! Every verdict is traceable: each [`Reason`] names the rule (docs/rules.md) it
//! enforces and its legal source, and [`FINES`] prices a violation by the
//! decree in force on the event's date. The table is data: when the penalty
//! decree 174/2026 takes over on 2026-07-01, its rows slot into
//! [`FINES`] (or a table the caller supplies to [`fine_in`]) without touching
//! any logic.

use std::fmt;

/// Why an event is blocked or flagged: the reason codes of docs/rules.md,
/// each traced to its rule and clause in [`REASONS`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
#[repr(u8)]
pub enum Reason {
    /// R1: recipient on the DNC list for the event's channel.
    Dnc = 0,
    /// R2, R3, R6: outside the daily window.
    OutsideWindow,
    /// R4, R5: the sliding 24 h cap is reached.
    Frequency,
    /// R6: a registration message was already sent to this number.
    RegistrationRepeat,
    /// R6/R9: missing `[QC]`/`[AD]` label, or registration not starting `DKQC`.
    Label,
    /// R7: no consent recorded.
    NoConsent,
    /// R7: the user refused (opt-out, or no reply to the registration message).
    Refused,
    /// R8: ad or registration from an ordinary phone number.
    PhoneSender,
    /// R8: identifier not in the registry.
    BrandUnregistered,
    /// R8: identifier issued to another advertiser.
    BrandOwner,
    /// R8: identifier revoked, suspended or outside its validity.
    BrandInactive,
    /// S1: content matches a shared spam template.
    SpamSignature,
    /// S2: numeric source on the suspended list.
    SuspendedSource,
    /// S3: the text advertises a suspended contact number.
    SuspendedContact,
    /// S4: the source behaves like a spam source (flag only).
    Behavior,
    /// R4, R5, R7 cannot be enforced for a new pair: the engine's state is
    /// full and fails closed ([`crate::state::OnFull::Block`]).
    StateFull,
    /// Carrier anti-phishing measure (C22 Art.4): a link whose host matches
    /// a `block` row of `domains.csv`.
    UrlBlocked,
    /// The same measure: an ad or registration links to a host neither
    /// under the advertiser's `domains` nor allowed by `domains.csv`.
    UrlNotAllowed,
    /// The same measure (and R8 for sender names): a link host or an
    /// alphanumeric sender name imitates a protected brand.
    Lookalike,
    /// R4, R5, R7 cannot be enforced: the shared state store did not answer
    /// within its deadline (down, slow or failing over) and the host fails
    /// closed. The event may or may not have been counted.
    StateUnavailable,
}

impl Reason {
    /// Every reason, in code order.
    pub const ALL: [Reason; 20] = [
        Reason::Dnc,
        Reason::OutsideWindow,
        Reason::Frequency,
        Reason::RegistrationRepeat,
        Reason::Label,
        Reason::NoConsent,
        Reason::Refused,
        Reason::PhoneSender,
        Reason::BrandUnregistered,
        Reason::BrandOwner,
        Reason::BrandInactive,
        Reason::SpamSignature,
        Reason::SuspendedSource,
        Reason::SuspendedContact,
        Reason::Behavior,
        Reason::StateFull,
        Reason::UrlBlocked,
        Reason::UrlNotAllowed,
        Reason::Lookalike,
        Reason::StateUnavailable,
    ];

    /// The code as verdicts write it (`DNC`, `OUTSIDE_WINDOW`, …).
    pub fn code(self) -> &'static str {
        self.info().code
    }

    /// Parses a code as verdicts write it (exact, upper case).
    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The bit of this reason in a [`crate::verdict::Reasons`] set.
    pub fn bit(self) -> u32 {
        1 << (self as u8)
    }

    /// What this reason enforces.
    pub fn info(self) -> &'static ReasonInfo {
        &REASONS[self as usize]
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The legal trace of a reason code.
#[derive(Debug)]
pub struct ReasonInfo {
    /// The code (`DNC`).
    pub code: &'static str,
    /// The rule(s) of docs/rules.md (`R1`).
    pub rule: &'static str,
    /// The legal clause (`D91 Art.7, Art.13(1)`).
    pub clause: &'static str,
    /// One line for people.
    pub summary: &'static str,
}

/// The reason table, indexed by `Reason as usize`.
pub const REASONS: [ReasonInfo; 20] = [
    ReasonInfo {
        code: "DNC",
        rule: "R1",
        clause: "D91 Art.7, Art.13(1)",
        summary: "recipient is on the Do-Not-Call list for this channel",
    },
    ReasonInfo {
        code: "OUTSIDE_WINDOW",
        rule: "R2/R3/R6",
        clause: "D91 Art.13(6); C22 Art.8",
        summary: "sent outside the daily window (ad SMS and registration 07:00-22:00, ad calls 08:00-17:00)",
    },
    ReasonInfo {
        code: "FREQUENCY",
        rule: "R4/R5",
        clause: "D91 Art.13(5)",
        summary: "more than the cap per advertiser and number in 24 hours (3 ad SMS, 1 ad call)",
    },
    ReasonInfo {
        code: "REGISTRATION_REPEAT",
        rule: "R6",
        clause: "D91 Art.13(2); C22 Art.8",
        summary: "a registration message was already sent to this number",
    },
    ReasonInfo {
        code: "LABEL",
        rule: "R6/R9",
        clause: "D91 Art.13(2), Art.15, Art.16; C22 Art.8",
        summary: "ad SMS not starting with [QC] or [AD], or registration not starting with DKQC",
    },
    ReasonInfo {
        code: "NO_CONSENT",
        rule: "R7",
        clause: "D91 Art.11, Art.13(1),(3),(4)",
        summary: "no consent recorded for this advertiser and number",
    },
    ReasonInfo {
        code: "REFUSED",
        rule: "R7",
        clause: "D91 Art.11, Art.13(1),(3),(4)",
        summary: "the user refused, or did not reply to the registration message in time",
    },
    ReasonInfo {
        code: "PHONE_SENDER",
        rule: "R8",
        clause: "D91 Art.13(8), Art.23",
        summary: "ad or registration sent from an ordinary phone number",
    },
    ReasonInfo {
        code: "BRAND_UNREGISTERED",
        rule: "R8",
        clause: "D91 Art.13(8), Art.23",
        summary: "identifier not in the registry",
    },
    ReasonInfo {
        code: "BRAND_OWNER",
        rule: "R8",
        clause: "D91 Art.13(8), Art.23",
        summary: "identifier issued to another advertiser",
    },
    ReasonInfo {
        code: "BRAND_INACTIVE",
        rule: "R8",
        clause: "D91 Art.13(8), Art.23",
        summary: "identifier revoked, suspended, or outside its validity",
    },
    ReasonInfo {
        code: "SPAM_SIGNATURE",
        rule: "S1",
        clause: "D91; C22 Art.4",
        summary: "content matches a shared spam template",
    },
    ReasonInfo {
        code: "SUSPENDED_SOURCE",
        rule: "S2",
        clause: "QĐ 30/2021/QĐ-STTTT step 5",
        summary: "source number suspended at the authority's request",
    },
    ReasonInfo {
        code: "SUSPENDED_CONTACT",
        rule: "S3",
        clause: "QĐ 128/2016/QĐ-STTTT; QĐ 30/2021/QĐ-STTTT",
        summary: "text advertises a suspended contact number",
    },
    ReasonInfo {
        code: "BEHAVIOR",
        rule: "S4",
        clause: "C22 Art.4",
        summary: "source behaves like a spam source (flagged, delivered)",
    },
    ReasonInfo {
        code: "STATE_FULL",
        rule: "R4/R5/R7",
        clause: "D91 Art.13(5), Art.11 (not verifiable: the engine's state is full)",
        summary: "the caps and consent of this new pair cannot be tracked; blocked (fail closed)",
    },
    ReasonInfo {
        code: "URL_BLOCKED",
        rule: "anti-phishing",
        clause: "C22 Art.4 (carrier anti-phishing measure; no fine band)",
        summary: "the text links to a host the carrier blocks (domains.csv)",
    },
    ReasonInfo {
        code: "URL_NOT_ALLOWED",
        rule: "anti-phishing",
        clause: "C22 Art.4 (carrier anti-phishing measure; no fine band)",
        summary: "the ad links to a host outside the advertiser's registered domains",
    },
    ReasonInfo {
        code: "LOOKALIKE",
        rule: "anti-phishing/R8",
        clause: "C22 Art.4; D91 Art.13(8), Art.23 for sender names (no fine band)",
        summary: "a link host or sender name imitates a protected brand",
    },
    ReasonInfo {
        code: "STATE_UNAVAILABLE",
        rule: "R4/R5/R7",
        clause: "D91 Art.13(5), Art.11 (not verifiable: the shared state store did not answer)",
        summary: "the caps and consent could not be read from the shared store in time; blocked (fail closed)",
    },
];

/// Which events a fine row applies to.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Applies {
    /// Advertising SMS and calls (kind `ad`).
    Ad,
    /// Registration messages (kind `registration`).
    Registration,
    /// Any kind.
    Any,
}

/// A fine band for organisations, in VND; individuals pay half.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FineBand {
    /// Lowest fine.
    pub min: u64,
    /// Highest fine.
    pub max: u64,
}

impl FineBand {
    /// The band for an individual: half (Decree 15/2020 Art.94 as amended).
    pub fn for_individual(self) -> FineBand {
        FineBand {
            min: self.min / 2,
            max: self.max / 2,
        }
    }
}

/// One row of the fine table.
#[derive(Clone, Copy, Debug)]
pub struct Fine {
    /// The reason priced.
    pub reason: Reason,
    /// The kind of event it prices.
    pub applies: Applies,
    /// The organisation's band.
    pub band: FineBand,
    /// The act as the penalty decree words it.
    pub act: &'static str,
    /// The penalty decree and clause.
    pub decree: &'static str,
    /// First day (local date as days since 1970-01-01) the row is in force.
    pub from_day: i32,
}

const M: u64 = 1_000_000;
/// 2020-10-01 as days since 1970-01-01 (Decree 91 in force).
pub const D91_IN_FORCE: i32 = 18_536;

/// The fine table: Decree 15/2020/ND-CP Art.94 as amended by Decree 91
/// Art.32. Rows for a later decree carry a later `from_day`; the row in force
/// on the event's local date wins. Reasons with no row (S1–S4 apply to the
/// traffic, not to a sender's offence; R9's label on an ad has no band of its
/// own) are not priced.
pub const FINES: &[Fine] = &[
    Fine {
        reason: Reason::Dnc,
        applies: Applies::Ad,
        band: FineBand {
            min: 80 * M,
            max: 100 * M,
        },
        act: "advertising to a number on the DNC list",
        decree: "D15/2020 Art.94, amended by D91 Art.32",
        from_day: D91_IN_FORCE,
    },
    Fine {
        reason: Reason::Dnc,
        applies: Applies::Registration,
        band: FineBand {
            min: 60 * M,
            max: 80 * M,
        },
        act: "registration message to a number on the DNC list",
        decree: "D15/2020 Art.94, amended by D91 Art.32",
        from_day: D91_IN_FORCE,
    },
    Fine {
        reason: Reason::OutsideWindow,
        applies: Applies::Ad,
        band: FineBand {
            min: 20 * M,
            max: 30 * M,
        },
        act: "advertising outside the permitted hours",
        decree: "D15/2020 Art.94, amended by D91 Art.32",
        from_day: D91_IN_FORCE,
    },
    Fine {
        reason: Reason::OutsideWindow,
        applies: Applies::Registration,
        band: FineBand {
            min: 60 * M,
            max: 80 * M,
        },
        act: "improper registration message (outside the permitted hours)",
        decree: "D15/2020 Art.94, amended by D91 Art.32",
        from_day: D91_IN_FORCE,
    },
    Fine {
        reason: Reason::Frequency,
        applies: Applies::Ad,
        band: FineBand {
            min: 20 * M,
            max: 30 * M,
        },
        act: "exceeding the number of ads per day",
        decree: "D15/2020 Art.94, amended by D91 Art.32",
        from_day: D91_IN_FORCE,
    },
    Fine {
        reason: Reason::RegistrationRepeat,
        applies: Applies::Registration,
        band: FineBand {
            min: 60 * M,
            max: 80 * M,
        },
        act: "more than one registration message",
        decree: "D15/2020 Art.94, amended by D91 Art.32",
        from_day: D91_IN_FORCE,
    },
    Fine {
        reason: Reason::Label,
        applies: Applies::Registration,
        band: FineBand {
            min: 60 * M,
            max: 80 * M,
        },
        act: "improper registration message (syntax)",
        decree: "D15/2020 Art.94, amended by D91 Art.32",
        from_day: D91_IN_FORCE,
    },
    Fine {
        reason: Reason::NoConsent,
        applies: Applies::Any,
        band: FineBand {
            min: 5 * M,
            max: 10 * M,
        },
        act: "advertising without the user's consent",
        decree: "D15/2020 Art.94, amended by D91 Art.32",
        from_day: D91_IN_FORCE,
    },
    Fine {
        reason: Reason::Refused,
        applies: Applies::Any,
        band: FineBand {
            min: 5 * M,
            max: 10 * M,
        },
        act: "advertising after the user refused",
        decree: "D15/2020 Art.94, amended by D91 Art.32",
        from_day: D91_IN_FORCE,
    },
    Fine {
        reason: Reason::PhoneSender,
        applies: Applies::Any,
        band: FineBand {
            min: 50 * M,
            max: 70 * M,
        },
        act: "advertising without a registered identifier",
        decree: "D15/2020 Art.94, amended by D91 Art.32",
        from_day: D91_IN_FORCE,
    },
    Fine {
        reason: Reason::BrandUnregistered,
        applies: Applies::Any,
        band: FineBand {
            min: 50 * M,
            max: 70 * M,
        },
        act: "using an unregistered identifier",
        decree: "D15/2020 Art.94, amended by D91 Art.32",
        from_day: D91_IN_FORCE,
    },
    Fine {
        reason: Reason::BrandOwner,
        applies: Applies::Any,
        band: FineBand {
            min: 50 * M,
            max: 70 * M,
        },
        act: "using another's identifier",
        decree: "D15/2020 Art.94, amended by D91 Art.32",
        from_day: D91_IN_FORCE,
    },
    Fine {
        reason: Reason::BrandInactive,
        applies: Applies::Any,
        band: FineBand {
            min: 50 * M,
            max: 70 * M,
        },
        act: "using a revoked, suspended or expired identifier",
        decree: "D15/2020 Art.94, amended by D91 Art.32",
        from_day: D91_IN_FORCE,
    },
];

/// 2026-07-01 as days since 1970-01-01: the day the penalty decree 174/2026
/// takes over from Decree 15/2020 (as amended by Decree 91) for acts
/// committed from then on.
pub const D174_IN_FORCE: i32 = 20_635;

// How decree 174/2026 slots in — an EXAMPLE, NOT LAW. Its amounts are not
// encoded here: when they are known, append one row per act to `FINES`
// with `from_day: D174_IN_FORCE`, the new band and the new clause. Nothing
// else changes: `fine` picks, for each event, the row in force on the
// event's local date, so a report over June and July 2026 prices June's
// events by Decree 15/91 and July's by 174/2026. For instance (the numbers
// below are placeholders):
//
//     Fine {
//         reason: Reason::Dnc,
//         applies: Applies::Ad,
//         band: FineBand { min: /* from D174 */ 0, max: /* from D174 */ 0 },
//         act: "advertising to a number on the DNC list",
//         decree: "D174/2026 Art.… (placeholder)",
//         from_day: D174_IN_FORCE,
//     },
//
// A caller who must model the new decree before the table is updated can
// pass its own table to `fine_in`, e.g. `FINES` followed by
// `D174_PLACEHOLDER_EXAMPLE` below, which no command uses.

/// PLACEHOLDER rows showing the shape of a later decree's entries; **not
/// law, not used by default** (only by tests and by callers that pass it to
/// [`fine_in`] on purpose). The bands copy Decree 91's so that nothing
/// pretends to know the new amounts.
pub const D174_PLACEHOLDER_EXAMPLE: &[Fine] = &[Fine {
    reason: Reason::Dnc,
    applies: Applies::Ad,
    band: FineBand {
        min: 80 * M,
        max: 100 * M,
    },
    act: "advertising to a number on the DNC list",
    decree: "D174/2026 (PLACEHOLDER: amounts not encoded)",
    from_day: D174_IN_FORCE,
}];

/// The fine band for `reason` on an event of kind `applies` whose local date
/// is `day`, from [`FINES`].
pub fn fine(reason: Reason, applies: Applies, day: i32) -> Option<&'static Fine> {
    fine_in(FINES, reason, applies, day)
}

/// The fine band from a caller-supplied table: the row in force on `day`
/// (latest `from_day` not after it) whose `applies` matches or is `Any`.
pub fn fine_in(table: &[Fine], reason: Reason, applies: Applies, day: i32) -> Option<&Fine> {
    table
        .iter()
        .filter(|f| {
            f.reason == reason
                && f.from_day <= day
                && (f.applies == applies || f.applies == Applies::Any)
        })
        .max_by_key(|f| f.from_day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_indexed_by_reason() {
        for r in Reason::ALL {
            assert_eq!(REASONS[r as usize].code, r.code());
            assert_eq!(Reason::from_code(r.code()), Some(r));
        }
        assert_eq!(Reason::from_code("dnc"), None);
    }

    #[test]
    fn fines_depend_on_kind_and_date() {
        let day = crate::window::day_number(jiff::civil::date(2026, 3, 2));
        assert_eq!(
            fine(Reason::Dnc, Applies::Ad, day).unwrap().band.min,
            80 * M
        );
        assert_eq!(
            fine(Reason::Dnc, Applies::Registration, day)
                .unwrap()
                .band
                .max,
            80 * M
        );
        assert!(fine(Reason::Label, Applies::Ad, day).is_none());
        assert_eq!(
            fine(Reason::Label, Applies::Registration, day)
                .unwrap()
                .band
                .min,
            60 * M
        );
        assert!(fine(Reason::Dnc, Applies::Ad, D91_IN_FORCE - 1).is_none());
        assert_eq!(
            crate::window::day_number(jiff::civil::date(2020, 10, 1)),
            D91_IN_FORCE
        );
        let later = [Fine {
            from_day: day,
            band: FineBand { min: 1, max: 2 },
            ..FINES[0]
        }];
        let both: Vec<Fine> = FINES.iter().copied().chain(later).collect();
        assert_eq!(
            fine_in(&both, Reason::Dnc, Applies::Ad, day)
                .unwrap()
                .band
                .min,
            1
        );
        assert_eq!(
            fine_in(&both, Reason::Dnc, Applies::Ad, day - 1)
                .unwrap()
                .band
                .min,
            80 * M
        );
        assert_eq!(
            FineBand {
                min: 80 * M,
                max: 100 * M
            }
            .for_individual()
            .max,
            50 * M
        );
    }

    #[test]
    fn a_later_decree_takes_over_on_its_day() {
        assert_eq!(
            crate::window::day_number(jiff::civil::date(2026, 7, 1)),
            D174_IN_FORCE
        );
        let table: Vec<Fine> = FINES
            .iter()
            .chain(D174_PLACEHOLDER_EXAMPLE)
            .copied()
            .collect();
        let june = fine_in(&table, Reason::Dnc, Applies::Ad, D174_IN_FORCE - 1).unwrap();
        let july = fine_in(&table, Reason::Dnc, Applies::Ad, D174_IN_FORCE).unwrap();
        assert!(june.decree.starts_with("D15/2020"));
        assert!(july.decree.starts_with("D174/2026"));
        // Registration rows are untouched by the example row.
        assert!(
            fine_in(&table, Reason::Dnc, Applies::Registration, D174_IN_FORCE)
                .unwrap()
                .decree
                .starts_with("D15/2020")
        );
        // The default table is not affected.
        assert!(fine(Reason::Dnc, Applies::Ad, D174_IN_FORCE)
            .unwrap()
            .decree
            .starts_with("D15/2020"));
    }
}
