//! Events: what the engine checks (the event format, docs/formats.md).

use std::fmt;

use jiff::Timestamp;

use crate::ident::Sender;
use crate::number::Number;

/// The channel of an event.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Channel {
    /// Short message.
    Sms,
    /// Voice call.
    Call,
}

impl Channel {
    /// Parses `sms` or `call`, case-insensitively.
    pub fn parse(s: &str) -> Option<Channel> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("sms") {
            Some(Channel::Sms)
        } else if s.eq_ignore_ascii_case("call") {
            Some(Channel::Call)
        } else {
            None
        }
    }

    /// `sms` or `call`.
    pub fn name(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Call => "call",
        }
    }
}

/// The kind of an event.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Kind {
    /// An advertisement (ad SMS or ad call).
    Ad,
    /// The first-and-only registration message (`DKQC …`; SMS only).
    Registration,
    /// Customer care: not advertising.
    Care,
    /// Ordinary subscriber traffic.
    P2p,
    /// The recipient consented to the advertiser's ads (not traffic).
    OptIn,
    /// The recipient withdrew consent (not traffic).
    OptOut,
    /// An SMS from a subscriber (the source) to an advertiser (its account
    /// and short code): never blocked; a `yes` or `no` reply (`[replies]`)
    /// records the subscriber's consent or refusal.
    Reply,
}

impl Kind {
    /// Parses a kind as an event file writes it, case-insensitively.
    pub fn parse(s: &str) -> Option<Kind> {
        let s = s.trim();
        [
            ("ad", Kind::Ad),
            ("registration", Kind::Registration),
            ("care", Kind::Care),
            ("p2p", Kind::P2p),
            ("optin", Kind::OptIn),
            ("optout", Kind::OptOut),
            ("reply", Kind::Reply),
        ]
        .into_iter()
        .find(|(n, _)| s.eq_ignore_ascii_case(n))
        .map(|(_, k)| k)
    }

    /// The contract's name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Ad => "ad",
            Kind::Registration => "registration",
            Kind::Care => "care",
            Kind::P2p => "p2p",
            Kind::OptIn => "optin",
            Kind::OptOut => "optout",
            Kind::Reply => "reply",
        }
    }

    /// Advertising traffic: the rules R1–R9 apply.
    pub fn is_advertising(self) -> bool {
        matches!(self, Kind::Ad | Kind::Registration)
    }

    /// A consent event: not traffic, never blocked.
    pub fn is_consent(self) -> bool {
        matches!(self, Kind::OptIn | Kind::OptOut)
    }
}

/// One event, borrowing its strings from the caller (no allocation).
#[derive(Clone, Copy, Debug)]
pub struct Event<'a> {
    /// When it happened (stamped by the adapter or read from the log).
    pub time: Timestamp,
    /// SMS or call.
    pub channel: Channel,
    /// What it is.
    pub kind: Kind,
    /// The sender identifier or number.
    pub source: Sender,
    /// The advertiser account (empty for p2p).
    pub advertiser: &'a str,
    /// The called or texted number.
    pub recipient: Number,
    /// The SMS text (ignored for calls).
    pub text: &'a str,
    /// Call duration in seconds, when known (behaviour rules).
    pub duration: Option<u32>,
}

/// An event the contract does not allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventError {
    /// A registration message is SMS only.
    RegistrationOnCall,
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventError::RegistrationOnCall => {
                f.write_str("a `registration` event is SMS only, not `call`")
            }
        }
    }
}

impl std::error::Error for EventError {}

impl<'a> Event<'a> {
    /// An event with no text, no duration and no advertiser; set the rest with
    /// the `with_*` methods.
    pub fn new(
        time: Timestamp,
        channel: Channel,
        kind: Kind,
        source: Sender,
        recipient: Number,
    ) -> Event<'a> {
        Event {
            time,
            channel,
            kind,
            source,
            advertiser: "",
            recipient,
            text: "",
            duration: None,
        }
    }

    /// Sets the advertiser account.
    pub fn with_advertiser(mut self, advertiser: &'a str) -> Event<'a> {
        self.advertiser = advertiser;
        self
    }

    /// Sets the SMS text.
    pub fn with_text(mut self, text: &'a str) -> Event<'a> {
        self.text = text;
        self
    }

    /// Sets the call duration.
    pub fn with_duration(mut self, seconds: u32) -> Event<'a> {
        self.duration = Some(seconds);
        self
    }

    /// Checks the combinations the contract forbids.
    pub fn validate(&self) -> Result<(), EventError> {
        if self.kind == Kind::Registration && self.channel == Channel::Call {
            return Err(EventError::RegistrationOnCall);
        }
        Ok(())
    }
}
