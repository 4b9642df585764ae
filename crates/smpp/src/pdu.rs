//! SMPP 3.4 PDUs on the wire: framing, decoding with `rusmpp`, the
//! `generic_nack` status for each kind of malformed PDU, and the fields of a
//! `submit_sm` that the checks need.
//!
//! | malformed | answer | connection |
//! |---|---|---|
//! | `command_length` < 16 or > [`MAX_COMMAND_LENGTH`] | `generic_nack` `ESME_RINVCMDLEN` (0x02) | closed: the framing is lost |
//! | unknown `command_id` | `generic_nack` `ESME_RINVCMDID` (0x03) | kept |
//! | body shorter or longer than its fields, a C string without its NUL | `generic_nack` `ESME_RINVCMDLEN` (0x02) | kept |
//! | a bad TLV (runs past the PDU, bad length for its tag) | `generic_nack` `ESME_RINVOPTPARSTREAM` (0xC0) | kept |
//! | a bad `source_addr` / `destination_addr` string | `generic_nack` `ESME_RINVSRCADR` (0x0A) / `ESME_RINVDSTADR` (0x0B) | kept |
//! | a `short_message` longer than its PDU | `generic_nack` `ESME_RINVMSGLEN` (0x01) | kept |
//!
//! Memory is bounded by [`MAX_COMMAND_LENGTH`]: a PDU is read whole only when
//! its declared length is within it.

use bytes::BytesMut;
use rusmpp::decode::{DecodeErrorKind, DecodeWithLength};
use rusmpp::encode::{Encode, Length};
use rusmpp::fields::SmppField;
use rusmpp::pdus::{DataSm, DeliverSm, SubmitMulti, SubmitSm};
use rusmpp::tlvs::TlvValue;
use rusmpp::values::DestAddress;
use rusmpp::{Command, CommandId, CommandStatus, Pdu};

use crate::udh::{self, Concat, UdhError};

/// The SMPP header: `command_length`, `command_id`, `command_status`,
/// `sequence_number`.
pub const HEADER_LEN: usize = 16;

/// The largest PDU accepted (64 KiB): `message_payload` allows 64 KiB of text
/// but no ESME needs more, and this bounds the memory one peer can take.
pub const MAX_COMMAND_LENGTH: usize = 64 * 1024;

/// SMPP 3.4 command status codes used here (§5.1.3).
pub mod status {
    /// No error.
    pub const ESME_ROK: u32 = 0x00;
    /// Message length is invalid.
    pub const ESME_RINVMSGLEN: u32 = 0x01;
    /// Command length is invalid.
    pub const ESME_RINVCMDLEN: u32 = 0x02;
    /// Invalid command id.
    pub const ESME_RINVCMDID: u32 = 0x03;
    /// Incorrect bind status for the given command.
    pub const ESME_RINVBNDSTS: u32 = 0x04;
    /// ESME already in bound state.
    pub const ESME_RALYBND: u32 = 0x05;
    /// System error.
    pub const ESME_RSYSERR: u32 = 0x08;
    /// Invalid source address.
    pub const ESME_RINVSRCADR: u32 = 0x0A;
    /// Invalid destination address.
    pub const ESME_RINVDSTADR: u32 = 0x0B;
    /// Bind failed.
    pub const ESME_RBINDFAIL: u32 = 0x0D;
    /// Invalid password.
    pub const ESME_RINVPASWD: u32 = 0x0E;
    /// Message queue full.
    pub const ESME_RMSGQFUL: u32 = 0x14;
    /// Invalid esm_class field data.
    pub const ESME_RINVESMCLASS: u32 = 0x43;
    /// submit_sm failed: the default answer to a blocked message.
    pub const ESME_RSUBMITFAIL: u32 = 0x45;
    /// Throttling error: the ESME exceeded its window.
    pub const ESME_RTHROTTLED: u32 = 0x58;
    /// Error in the optional part of the PDU body.
    pub const ESME_RINVOPTPARSTREAM: u32 = 0xC0;
    /// Optional parameter not allowed: the answer to a `submit_sm` whose
    /// text is ambiguous ([`super::Ambiguity`]).
    pub const ESME_ROPTPARNOTALLWD: u32 = 0xC1;
    /// Invalid predefined message: the answer to a `submit_sm` asking for a
    /// canned message (`sm_default_msg_id`), whose text cannot be checked.
    pub const ESME_RINVDFTMSGID: u32 = 0x63;
    /// Message id is invalid: a `query_sm` / `cancel_sm` for a message this
    /// account was not given (or that is no longer remembered).
    pub const ESME_RINVMSGID: u32 = 0x0C;
    /// `cancel_sm` failed.
    pub const ESME_RCANCELFAIL: u32 = 0x11;
    /// `replace_sm` failed: the answer to every `replace_sm` (its new text
    /// would reach the handset without the checks of a new message).
    pub const ESME_RREPLACEFAIL: u32 = 0x13;
    /// Invalid number of destinations in a `submit_multi` (none, or more
    /// than [`super::MAX_DESTS`]).
    pub const ESME_RINVNUMDESTS: u32 = 0x33;
    /// Invalid destination flag: a `submit_multi` naming a distribution
    /// list (its members are unknown here, so they cannot be checked).
    pub const ESME_RINVDESTFLAG: u32 = 0x40;
    /// Temporary application error: the answer to the SMSC's `deliver_sm`
    /// that cannot be delivered now (the SMSC retries).
    pub const ESME_RX_T_APPN: u32 = 0x64;
    /// `query_sm` failed.
    pub const ESME_RQUERYFAIL: u32 = 0x67;
    /// Permanent application error: the answer to the SMSC's `deliver_sm`
    /// that no account can take.
    pub const ESME_RX_P_APPN: u32 = 0x65;
}

/// The most destinations a `submit_multi` may name (SMPP 3.4 §4.5.1).
pub const MAX_DESTS: usize = 254;

/// A PDU header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Declared length of the whole PDU, header included.
    pub command_length: u32,
    /// The command.
    pub command_id: u32,
    /// The status (responses).
    pub command_status: u32,
    /// The sequence number pairing requests with responses.
    pub sequence_number: u32,
}

impl Header {
    /// Reads the 16 header octets.
    pub fn parse(b: &[u8; HEADER_LEN]) -> Header {
        let word = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        Header {
            command_length: word(0),
            command_id: word(4),
            command_status: word(8),
            sequence_number: word(12),
        }
    }

    /// The body length when the declared length is acceptable, else the
    /// `generic_nack` to send before closing.
    pub fn body_len(&self) -> Result<usize, Nack> {
        let len = usize::try_from(self.command_length).unwrap_or(usize::MAX);
        if !(HEADER_LEN..=MAX_COMMAND_LENGTH).contains(&len) {
            return Err(Nack {
                status: status::ESME_RINVCMDLEN,
                sequence_number: self.sequence_number,
                fatal: true,
            });
        }
        Ok(len - HEADER_LEN)
    }
}

/// A malformed PDU: answer with `generic_nack` carrying `status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Nack {
    /// The error status.
    pub status: u32,
    /// The offending PDU's sequence number (0 if unreadable).
    pub sequence_number: u32,
    /// The framing is lost: close the connection after the nack.
    pub fatal: bool,
}

impl Nack {
    /// The `generic_nack` PDU, encoded.
    pub fn encode(&self) -> Vec<u8> {
        encode(&Command::new(
            CommandStatus::from(self.status),
            self.sequence_number,
            Pdu::GenericNack,
        ))
    }
}

/// Decodes one whole PDU (header included). Never panics; every malformed
/// input is a [`Nack`] with the status of the module table.
pub fn decode(pdu: &[u8]) -> Result<Command, Nack> {
    let Some(head) = pdu.first_chunk::<HEADER_LEN>() else {
        return Err(Nack {
            status: status::ESME_RINVCMDLEN,
            sequence_number: 0,
            fatal: true,
        });
    };
    let h = Header::parse(head);
    let body = h.body_len()?;
    let nack = |status| Nack {
        status,
        sequence_number: h.sequence_number,
        fatal: false,
    };
    if pdu.len() != HEADER_LEN + body {
        return Err(nack(status::ESME_RINVCMDLEN));
    }
    if matches!(CommandId::from(h.command_id), CommandId::Other(_)) {
        return Err(nack(status::ESME_RINVCMDID));
    }
    let mut src = BytesMut::from(&pdu[4..]);
    let want = pdu.len() - 4;
    match <Command as DecodeWithLength>::decode(&mut src, want) {
        Ok((cmd, used)) if used == want && (cmd.pdu().is_some() || body == 0) => Ok(cmd),
        Ok(_) => Err(nack(status::ESME_RINVCMDLEN)),
        Err(e) => Err(nack(decode_status(&e))),
    }
}

fn decode_status(e: &rusmpp::decode::DecodeError) -> u32 {
    if e.field_exists(SmppField::tlvs) {
        return status::ESME_RINVOPTPARSTREAM;
    }
    if e.field_exists(SmppField::source_addr) {
        return status::ESME_RINVSRCADR;
    }
    if e.field_exists(SmppField::destination_addr) {
        return status::ESME_RINVDSTADR;
    }
    if e.field_exists(SmppField::short_message) {
        return status::ESME_RINVMSGLEN;
    }
    match e.kind() {
        DecodeErrorKind::UnexpectedEof => status::ESME_RINVCMDLEN,
        _ => status::ESME_RINVCMDLEN,
    }
}

/// A plain `submit_sm` read in place, without `rusmpp`: the sequence number
/// and the fields the proxy reads, borrowed from `pdu`. `Some` only for a
/// whole `submit_sm` request (status 0) without optional parameters whose
/// every field is one [`decode`] accepts, read as [`SubmitFields::of`]
/// reads it from [`decode`]'s result (the tests hold the two to each other
/// on every value of every one-octet field and on malformed strings and
/// lengths); anything else, `None`: [`decode`] then reads it as before.
pub fn plain_submit(pdu: &[u8]) -> Option<(u32, SubmitFields<'_>)> {
    let head = pdu.first_chunk::<HEADER_LEN>()?;
    let h = Header::parse(head);
    if h.command_id != 0x0000_0004
        || h.command_status != 0
        || usize::try_from(h.command_length).ok()? != pdu.len()
        || pdu.len() > MAX_COMMAND_LENGTH
    {
        return None;
    }
    let mut r = pdu.get(HEADER_LEN..)?;
    // A C-octet string of at most `max` octets with its NUL (at least
    // `min`), ASCII, as `rusmpp`'s `COctetString` takes it.
    let cstr = |r: &mut &[u8], min: usize, max: usize| -> Option<usize> {
        let n = r.iter().take(max).position(|&b| b == 0)? + 1;
        let (v, rest) = r.split_at(n);
        if n < min || !v.is_ascii() {
            return None;
        }
        *r = rest;
        Some(n)
    };
    let octet = |r: &mut &[u8]| -> Option<u8> {
        let (&b, rest) = r.split_first()?;
        *r = rest;
        Some(b)
    };
    fn text(r: &[u8], n: usize) -> Option<&str> {
        std::str::from_utf8(r.get(..n.checked_sub(1)?)?).ok()
    }
    cstr(&mut r, 1, 6)?; // service_type
    let source_ton = octet(&mut r)?;
    octet(&mut r)?; // source_addr_npi
    let at = r;
    let source = text(at, cstr(&mut r, 1, 21)?)?;
    octet(&mut r)?; // dest_addr_ton
    octet(&mut r)?; // dest_addr_npi
    let at = r;
    let destination = text(at, cstr(&mut r, 1, 21)?)?;
    let esm_class = octet(&mut r)?;
    octet(&mut r)?; // protocol_id
    octet(&mut r)?; // priority_flag
    for _ in 0..2 {
        // schedule_delivery_time, validity_period: empty or 17 octets.
        let n = cstr(&mut r, 1, 17)?;
        if n != 1 && n != 17 {
            return None;
        }
    }
    octet(&mut r)?; // registered_delivery
    octet(&mut r)?; // replace_if_present_flag
    let data_coding = octet(&mut r)?;
    let sm_default_msg_id = octet(&mut r)?;
    let sm_length = usize::from(octet(&mut r)?);
    // The short message ends the PDU: no optional parameter.
    if r.len() != sm_length {
        return None;
    }
    let ambiguity = (sm_default_msg_id != 0 && r.is_empty()).then_some(Ambiguity::Predefined);
    Some((
        h.sequence_number,
        SubmitFields {
            source_ton,
            source,
            destination,
            esm_class,
            data_coding,
            user_data: r,
            sar: None,
            ambiguity,
        },
    ))
}

/// Encodes a command with its length prefix.
pub fn encode(cmd: &Command) -> Vec<u8> {
    let len = cmd.length();
    let mut out = vec![0u8; 4 + len];
    let total = u32::try_from(4 + len).unwrap_or(u32::MAX);
    out[..4].copy_from_slice(&total.to_be_bytes());
    let written = cmd.encode(&mut out[4..]);
    out.truncate(4 + written);
    out
}

/// The `submit_sm` fields the proxy reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubmitFields<'a> {
    /// `source_addr_ton` (5 = alphanumeric).
    pub source_ton: u8,
    /// `source_addr`.
    pub source: &'a str,
    /// `destination_addr`.
    pub destination: &'a str,
    /// `esm_class`.
    pub esm_class: u8,
    /// `data_coding`.
    pub data_coding: u8,
    /// The text octets: `message_payload` when present, else `short_message`
    /// (UDH still in place).
    pub user_data: &'a [u8],
    /// Concatenation from the SAR TLVs, when all three are present.
    pub sar: Option<Concat>,
    /// Why the text the handset would show is not one clear field, if so.
    pub ambiguity: Option<Ambiguity>,
}

/// A `submit_sm` whose text is not one clear field: an SMSC or handset may
/// show text the proxy did not pick, so the proxy refuses it (with
/// [`Ambiguity::status`]) rather than guess.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ambiguity {
    /// Both `short_message` (non-empty) and a `message_payload` TLV (SMPP 3.4
    /// §5.3.2.32: an error).
    BothFields,
    /// More than one `message_payload` TLV.
    SeveralPayloads,
    /// More than one of a SAR TLV (`sar_msg_ref_num`, `sar_total_segments`,
    /// `sar_segment_seqnum`).
    SeveralSar,
    /// No text but an `sm_default_msg_id`: the SMSC would send one of its
    /// predefined messages, whose text the proxy cannot see.
    Predefined,
}

impl Ambiguity {
    /// The status answered: `ESME_RINVDFTMSGID` (0x63) for
    /// [`Ambiguity::Predefined`], else `ESME_ROPTPARNOTALLWD` (0xC1).
    pub fn status(self) -> u32 {
        match self {
            Ambiguity::Predefined => status::ESME_RINVDFTMSGID,
            _ => status::ESME_ROPTPARNOTALLWD,
        }
    }
}

impl std::fmt::Display for Ambiguity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Ambiguity::BothFields => "both short_message and message_payload",
            Ambiguity::SeveralPayloads => "more than one message_payload",
            Ambiguity::SeveralSar => "a SAR TLV repeated",
            Ambiguity::Predefined => "a predefined message (sm_default_msg_id)",
        })
    }
}

impl<'a> SubmitFields<'a> {
    /// Reads the fields of a decoded `submit_sm`.
    pub fn of(sm: &'a SubmitSm) -> SubmitFields<'a> {
        let mut payload = None;
        let (mut r, mut t, mut s) = (None, None, None);
        let (mut payloads, mut sars) = (0usize, [0usize; 3]);
        for tlv in sm.tlvs() {
            // By tag, so a TLV rusmpp kept without a value still counts.
            match u16::from(tlv.tag()) {
                0x0424 => payloads += 1,
                0x020C => sars[0] += 1,
                0x020E => sars[1] += 1,
                0x020F => sars[2] += 1,
                _ => {}
            }
            match tlv.value() {
                Some(TlvValue::MessagePayload(p)) => payload = Some(p.value.as_ref()),
                Some(TlvValue::SarMsgRefNum(v)) => r = Some(*v),
                Some(TlvValue::SarTotalSegments(v)) => t = Some(*v),
                Some(TlvValue::SarSegmentSeqnum(v)) => s = Some(*v),
                _ => {}
            }
        }
        let sm_bytes: &[u8] = sm.short_message().as_ref();
        let ambiguity = if payloads > 1 {
            Some(Ambiguity::SeveralPayloads)
        } else if payloads == 1 && !sm_bytes.is_empty() {
            Some(Ambiguity::BothFields)
        } else if sars.iter().any(|&n| n > 1) {
            Some(Ambiguity::SeveralSar)
        } else if sm.sm_default_msg_id != 0 && sm_bytes.is_empty() && payloads == 0 {
            Some(Ambiguity::Predefined)
        } else {
            None
        };
        SubmitFields {
            source_ton: u8::from(sm.source_addr_ton),
            source: sm.source_addr.as_str(),
            destination: sm.destination_addr.as_str(),
            esm_class: u8::from(sm.esm_class),
            data_coding: u8::from(sm.data_coding),
            user_data: match payload {
                Some(p) if sm_bytes.is_empty() => p,
                _ => sm_bytes,
            },
            sar: match (r, t, s) {
                (Some(r), Some(t), Some(s)) => Concat::from_sar(r, t, s),
                _ => None,
            },
            ambiguity,
        }
    }

    /// The concatenation info (UDH first, then SAR) and the text octets
    /// without the header. A UDH concatenation element and SAR TLVs that
    /// disagree (a handset and an SMSC could join the part to different
    /// messages) are [`UdhError::BadConcat`].
    pub fn split(&self) -> Result<(Option<Concat>, &'a [u8]), UdhError> {
        let ud = udh::split(self.esm_class, self.user_data)?;
        if let (Some(u), Some(s)) = (ud.concat, self.sar) {
            if (u.reference, u.total, u.seq) != (s.reference, s.total, s.seq) {
                return Err(UdhError::BadConcat);
            }
        }
        Ok((ud.concat.or(self.sar), ud.payload))
    }
}

/// A `submit_sm` built from the octets of a body (header added here), or
/// the status its decoding failed with.
fn submit_sm_of_body(body: &[u8]) -> Result<SubmitSm, u32> {
    match decode(&pdu_of_body(0x0000_0004, body)?) {
        Ok(cmd) => match cmd.pdu() {
            Some(Pdu::SubmitSm(sm)) => Ok(sm.clone()),
            _ => Err(status::ESME_RSYSERR),
        },
        Err(n) => Err(n.status),
    }
}

/// A whole PDU of `command_id` around `body` (status 0, sequence 1).
fn pdu_of_body(command_id: u32, body: &[u8]) -> Result<Vec<u8>, u32> {
    let len = u32::try_from(HEADER_LEN + body.len()).map_err(|_| status::ESME_RINVMSGLEN)?;
    let mut pdu = Vec::with_capacity(HEADER_LEN + body.len());
    pdu.extend_from_slice(&len.to_be_bytes());
    pdu.extend_from_slice(&command_id.to_be_bytes());
    pdu.extend_from_slice(&0u32.to_be_bytes());
    pdu.extend_from_slice(&1u32.to_be_bytes());
    pdu.extend_from_slice(body);
    Ok(pdu)
}

/// The fixed fields a `deliver_sm` or `submit_sm` has and a `data_sm` has
/// not, around the three a `data_sm` has: `esm_class`, `protocol_id` 0,
/// `priority_flag` 0, `schedule_delivery_time` "", `validity_period` "",
/// `registered_delivery`, `replace_if_present_flag` 0, `data_coding`,
/// `sm_default_msg_id` 0, `sm_length` 0 (the text is in `message_payload`).
/// `None`: the `data_sm` body is too short.
fn data_sm_body_as_sm(ds: &DataSm) -> Option<Vec<u8>> {
    let bytes = encode(&Command::new(CommandStatus::EsmeRok, 1, ds.clone()));
    let body = bytes.get(HEADER_LEN..)?;
    let head =
        ds.service_type.length() + 2 + ds.source_addr.length() + 2 + ds.destination_addr.length();
    let (fixed, tlvs) = (body.get(head..head + 3)?, body.get(head + 3..)?);
    let (esm, registered, coding) = (fixed[0], fixed[1], fixed[2]);
    let mut out = Vec::with_capacity(body.len() + 8);
    out.extend_from_slice(body.get(..head)?);
    out.extend_from_slice(&[esm, 0, 0, 0, 0, registered, 0, coding, 0, 0]);
    out.extend_from_slice(tlvs);
    Some(out)
}

/// The `deliver_sm` a `data_sm` from the SMSC amounts to (a receipt or a
/// subscriber's message sent as `data_sm`, as some SMSCs do): the same
/// service type, addresses, `esm_class`, `registered_delivery`,
/// `data_coding` and TLVs (`receipted_message_id`, `message_state`,
/// `message_payload`, ...), `short_message` empty, the other fields 0. The
/// proxy routes it, reads a reply in it and passes it to the ESME as a
/// `deliver_sm`, which every ESME bound to receive takes.
pub fn data_sm_as_deliver(ds: &DataSm) -> Result<DeliverSm, u32> {
    let body = data_sm_body_as_sm(ds).ok_or(status::ESME_RINVCMDLEN)?;
    match decode(&pdu_of_body(0x0000_0005, &body)?) {
        Ok(cmd) => match cmd.pdu() {
            Some(Pdu::DeliverSm(d)) => Ok(d.clone()),
            _ => Err(status::ESME_RSYSERR),
        },
        Err(n) => Err(n.status),
    }
}

/// The `submit_sm` a `data_sm` amounts to: the same service type,
/// addresses, `esm_class`, `registered_delivery`, `data_coding` and TLVs
/// (its text is its `message_payload`), `short_message` empty, the other
/// fields 0. The proxy checks it as a `submit_sm` and forwards it as one.
pub fn data_sm_as_submit(ds: &DataSm) -> Result<SubmitSm, u32> {
    let body = data_sm_body_as_sm(ds).ok_or(status::ESME_RINVCMDLEN)?;
    submit_sm_of_body(&body)
}

/// The `submit_sm`s a `submit_multi` amounts to: one per destination, each
/// with every other field and TLV of the `submit_multi`, in the order of
/// its destinations. No destination, or more than [`MAX_DESTS`], is
/// `ESME_RINVNUMDESTS`; a distribution list is `ESME_RINVDESTFLAG` (its
/// members cannot be checked).
pub fn submit_multi_split(m: &SubmitMulti) -> Result<Vec<SubmitSm>, u32> {
    let dests = m.dest_address();
    if dests.is_empty() || dests.len() > MAX_DESTS {
        return Err(status::ESME_RINVNUMDESTS);
    }
    if dests
        .iter()
        .any(|d| matches!(d, DestAddress::DistributionListName(_)))
    {
        return Err(status::ESME_RINVDESTFLAG);
    }
    let bytes = encode(&Command::new(CommandStatus::EsmeRok, 1, m.clone()));
    let body = bytes.get(HEADER_LEN..).unwrap_or_default();
    let head = m.service_type.length() + 2 + m.source_addr.length();
    let prefix = body.get(..head).ok_or(status::ESME_RINVCMDLEN)?;
    // number_of_dests, then each dest_address (dest_flag first).
    let mut at = head + 1;
    let mut addrs = Vec::with_capacity(dests.len());
    for d in dests {
        let len = d.length();
        addrs.push(body.get(at + 1..at + len).ok_or(status::ESME_RINVCMDLEN)?);
        at += len;
    }
    let tail = body.get(at..).ok_or(status::ESME_RINVCMDLEN)?;
    addrs
        .into_iter()
        .map(|a| {
            let mut out = Vec::with_capacity(prefix.len() + a.len() + tail.len());
            out.extend_from_slice(prefix);
            out.extend_from_slice(a);
            out.extend_from_slice(tail);
            submit_sm_of_body(&out)
        })
        .collect()
}

/// The `message_id` a delivery receipt refers to: its
/// `receipted_message_id` TLV, else the `id:` field of its text (SMPP 3.4
/// Appendix B); `None` when `esm_class` does not mark a receipt.
pub fn receipted_id(ds: &DeliverSm) -> Option<String> {
    if u8::from(ds.esm_class) & 0x3C == 0 {
        return None;
    }
    for tlv in ds.tlvs() {
        if let Some(TlvValue::ReceiptedMessageId(id)) = tlv.value() {
            return Some(id.as_str().to_string());
        }
    }
    let mut text: &[u8] = ds.short_message().as_ref();
    if text.is_empty() {
        for tlv in ds.tlvs() {
            if let Some(TlvValue::MessagePayload(p)) = tlv.value() {
                text = p.value.as_ref();
            }
        }
    }
    // `id:` as SMPP 3.4's appendix B writes it; `ID:` and `Id:` as some
    // SMSCs do.
    let at = text
        .windows(3)
        .position(|w| w.eq_ignore_ascii_case(b"id:"))?;
    let rest = text.get(at + 3..)?;
    let id: String = rest
        .iter()
        .take_while(|c| !c.is_ascii_whitespace())
        .map(|&c| char::from(c))
        .collect();
    (!id.is_empty()).then_some(id)
}

/// The `receipted_message_id` TLV's tag (SMPP 3.4 §5.3.2.12).
const TAG_RECEIPTED_MESSAGE_ID: u16 = 0x001E;

/// A delivery receipt `ds` encoded with sequence number `seq`, its
/// reference to message `from` rewritten to `to`: in the `id:` field of
/// its text and in its `receipted_message_id` TLV. Used where the ESME was
/// given another id than the SMSC's for the same message (the destinations
/// of a `submit_multi`, forwarded one by one, all go by the one id its
/// `submit_multi_resp` gave). A text that would grow past 254 octets keeps
/// its old `id:` field; the TLV is still rewritten.
pub fn receipt_with_id(ds: &DeliverSm, seq: u32, from: &str, to: &str) -> Vec<u8> {
    let mut ds = ds.clone();
    let text: &[u8] = ds.short_message().as_ref();
    if let Some(new) = replace_receipt_id(text, from, to) {
        if let Ok(sm) = rusmpp::types::OctetString::from_vec(new) {
            ds.set_short_message(sm);
        }
    }
    let mut bare = ds.clone();
    bare.clear_tlvs();
    let start = encode(&Command::new(CommandStatus::EsmeRok, seq, bare)).len();
    let full = encode(&Command::new(CommandStatus::EsmeRok, seq, ds));
    let (Some(head), Some(mut tlvs)) = (full.get(..start), full.get(start..)) else {
        return full;
    };
    let mut out = head.to_vec();
    while let Some((tag_len, rest)) = tlvs.split_first_chunk::<4>() {
        let tag = u16::from_be_bytes([tag_len[0], tag_len[1]]);
        let len = usize::from(u16::from_be_bytes([tag_len[2], tag_len[3]]));
        let Some((value, rest)) = rest.split_at_checked(len) else {
            return full;
        };
        if tag == TAG_RECEIPTED_MESSAGE_ID && to.len() < 65 {
            out.extend_from_slice(&tag.to_be_bytes());
            out.extend_from_slice(&((to.len() + 1) as u16).to_be_bytes());
            out.extend_from_slice(to.as_bytes());
            out.push(0);
        } else {
            out.extend_from_slice(tag_len);
            out.extend_from_slice(value);
        }
        tlvs = rest;
    }
    let total = u32::try_from(out.len()).unwrap_or(u32::MAX).to_be_bytes();
    if let Some(len) = out.first_chunk_mut::<4>() {
        *len = total;
    }
    out
}

/// `text` with its receipt field `id:FROM` (ended by a space or the end)
/// made `id:TO`; `None` when there is no such field or the result would
/// not fit a `short_message`.
fn replace_receipt_id(text: &[u8], from: &str, to: &str) -> Option<Vec<u8>> {
    let mut needle = b"id:".to_vec();
    needle.extend_from_slice(from.as_bytes());
    let at = text
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(&needle))?;
    let end = at + needle.len();
    if text.get(end).is_some_and(|c| !c.is_ascii_whitespace()) {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() + to.len());
    out.extend_from_slice(text.get(..at + 3)?);
    out.extend_from_slice(to.as_bytes());
    out.extend_from_slice(text.get(end..)?);
    (out.len() <= 254).then_some(out)
}

/// The text of a `deliver_sm` as the handset sent it: `short_message`, or
/// `message_payload` when that is empty, without its UDH, decoded by
/// `data_coding`.
pub fn deliver_text(ds: &DeliverSm) -> String {
    let mut user_data: &[u8] = ds.short_message().as_ref();
    if user_data.is_empty() {
        for tlv in ds.tlvs() {
            if let Some(TlvValue::MessagePayload(p)) = tlv.value() {
                user_data = p.value.as_ref();
            }
        }
    }
    let text = udh::split(u8::from(ds.esm_class), user_data).map_or(user_data, |u| u.payload);
    crate::text::decode(u8::from(ds.data_coding), text)
}

/// Fuzz entry point: decodes `data` as a PDU; when it decodes, re-encodes
/// it, reads a `submit_sm`'s fields and text, and checks the re-encoded PDU
/// decodes to the same command.
pub fn fuzz_pdu(data: &[u8]) {
    let Ok(cmd) = decode(data) else { return };
    let bytes = encode(&cmd);
    assert!(bytes.len() >= HEADER_LEN);
    let read = |sm: &SubmitSm| {
        let f = SubmitFields::of(sm);
        if let Ok((_, text)) = f.split() {
            let _ = crate::text::decode(f.data_coding, text);
        }
    };
    match cmd.pdu() {
        Some(Pdu::SubmitSm(sm)) => read(sm),
        Some(Pdu::DataSm(ds)) => {
            if let Ok(sm) = data_sm_as_submit(ds) {
                assert_eq!(sm.destination_addr, ds.destination_addr);
                read(&sm);
            }
            // As the SMSC's: the deliver_sm it is routed as.
            if let Ok(d) = data_sm_as_deliver(ds) {
                assert_eq!(d.source_addr, ds.source_addr);
                assert_eq!(d.destination_addr, ds.destination_addr);
                let _ = receipted_id(&d);
                let _ = deliver_text(&d);
            }
        }
        Some(Pdu::SubmitMulti(m)) => {
            if let Ok(sms) = submit_multi_split(m) {
                assert_eq!(sms.len(), m.dest_address().len());
                for sm in &sms {
                    assert_eq!(sm.short_message(), m.short_message());
                    read(sm);
                }
            }
        }
        _ => {}
    }
    if bytes.len() <= MAX_COMMAND_LENGTH {
        assert_eq!(decode(&bytes).ok(), Some(cmd));
    }
}

#[cfg(test)]
mod tests {
    /// The `id:` of a receipt's text in any case, and in `message_payload`
    /// when `short_message` is empty.
    #[test]
    fn a_receipts_id_in_any_case_and_in_the_payload() {
        use rusmpp::tlvs::MessageDeliveryRequestTlvValue;
        let text = |t: &str| {
            let mut ds = DeliverSm::default();
            ds.esm_class = rusmpp::values::EsmClass::from(0x04);
            ds.set_short_message(
                rusmpp::types::OctetString::from_vec(t.as_bytes().to_vec()).unwrap(),
            );
            ds
        };
        assert_eq!(
            receipted_id(&text("id:ab12 sub:001 dlvrd:001")).as_deref(),
            Some("ab12")
        );
        assert_eq!(
            receipted_id(&text("ID:AB12 SUB:001")).as_deref(),
            Some("AB12")
        );
        assert_eq!(
            receipted_id(&text("Id:7 stat:DELIVRD")).as_deref(),
            Some("7")
        );
        let mut ds = DeliverSm::default();
        ds.esm_class = rusmpp::values::EsmClass::from(0x04);
        ds.push_tlv(MessageDeliveryRequestTlvValue::MessagePayload(
            rusmpp::values::MessagePayload::new(rusmpp::types::AnyOctetString::from_vec(
                b"id:p-9 stat:DELIVRD".to_vec(),
            )),
        ));
        assert_eq!(receipted_id(&ds).as_deref(), Some("p-9"));
    }

    use super::*;

    /// A receipt rewritten for another id: both its text's `id:` field and
    /// its `receipted_message_id` TLV name the new id, every other field
    /// and TLV as they were, and it decodes as a whole PDU.
    #[test]
    fn a_receipt_rewritten_for_another_id() {
        use rusmpp::tlvs::MessageDeliveryRequestTlvValue as V;
        use rusmpp::types::{COctetString, OctetString};
        let text = "id:smsc-7 sub:001 dlvrd:001 submit date:2603020915 done date:2603020915 stat:DELIVRD err:000 text:";
        let ds = DeliverSm::builder()
            .source_addr(COctetString::from_string("84912000002".into()).expect("an address"))
            .destination_addr(COctetString::from_string("84912000001".into()).expect("an address"))
            .esm_class(rusmpp::values::EsmClass::from(0x04))
            .short_message(OctetString::from_vec(text.as_bytes().to_vec()).expect("a text"))
            .push_tlv(V::ReceiptedMessageId(
                COctetString::from_string("smsc-7".into()).expect("an id"),
            ))
            .push_tlv(V::MessageState(rusmpp::values::MessageState::Delivered))
            .build();
        let bytes = receipt_with_id(&ds, 9, "smsc-7", "first-1");
        let cmd = decode(&bytes).expect("a whole PDU");
        assert_eq!(cmd.sequence_number(), 9);
        let Some(Pdu::DeliverSm(out)) = cmd.pdu() else {
            panic!("a deliver_sm");
        };
        assert_eq!(receipted_id(out).as_deref(), Some("first-1"));
        let text = String::from_utf8_lossy(out.short_message().as_ref()).into_owned();
        assert!(text.starts_with("id:first-1 "), "{text}");
        assert!(!text.contains("smsc-7"), "{text}");
        assert_eq!(out.tlvs().len(), ds.tlvs().len());
        assert!(out
            .tlvs()
            .iter()
            .any(|t| matches!(t.value(), Some(TlvValue::MessageState(_)))));
        // The text alone (no TLV) is rewritten too; another id is left be.
        let mut plain = ds.clone();
        plain.clear_tlvs();
        let cmd = decode(&receipt_with_id(&plain, 1, "smsc-7", "first-1")).expect("a PDU");
        let Some(Pdu::DeliverSm(out)) = cmd.pdu() else {
            panic!("a deliver_sm");
        };
        assert_eq!(receipted_id(out).as_deref(), Some("first-1"));
        assert_eq!(
            replace_receipt_id(b"id:smsc-70 sub:001", "smsc-7", "x"),
            None
        );
    }

    fn raw(id: u32, seq: u32, body: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&u32::try_from(16 + body.len()).unwrap().to_be_bytes());
        v.extend_from_slice(&id.to_be_bytes());
        v.extend_from_slice(&0u32.to_be_bytes());
        v.extend_from_slice(&seq.to_be_bytes());
        v.extend_from_slice(body);
        v
    }

    fn submit_body(sm: &[u8], tlvs: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        b.push(0); // service_type ""
        b.extend_from_slice(&[5, 0]);
        b.extend_from_slice(b"SHOPVN\0");
        b.extend_from_slice(&[1, 1]);
        b.extend_from_slice(b"84912345678\0");
        b.extend_from_slice(&[0x40, 0, 0, 0, 0, 0, 0, 0x08, 0]);
        b.push(u8::try_from(sm.len()).unwrap());
        b.extend_from_slice(sm);
        b.extend_from_slice(tlvs);
        b
    }

    fn nack_status(r: Result<Command, Nack>) -> u32 {
        r.expect_err("should be malformed").status
    }

    /// A `submit_sm` laid out field by field (no TLV unless `tail`).
    #[allow(clippy::too_many_arguments)]
    fn submit_pdu(
        status: u32,
        strings: [&[u8]; 5],
        octets: [u8; 11],
        sm_length: u8,
        sm: &[u8],
        tail: &[u8],
    ) -> Vec<u8> {
        let [service, source, dest, schedule, validity] = strings;
        let [s_ton, s_npi, d_ton, d_npi, esm, pid, prio, reg, rep, dc, dflt] = octets;
        let mut b = Vec::new();
        b.extend_from_slice(service);
        b.extend_from_slice(&[s_ton, s_npi]);
        b.extend_from_slice(source);
        b.extend_from_slice(&[d_ton, d_npi]);
        b.extend_from_slice(dest);
        b.extend_from_slice(&[esm, pid, prio]);
        b.extend_from_slice(schedule);
        b.extend_from_slice(validity);
        b.extend_from_slice(&[reg, rep, dc, dflt, sm_length]);
        b.extend_from_slice(sm);
        b.extend_from_slice(tail);
        let mut pdu = raw(0x04, 77, &b);
        pdu[8..12].copy_from_slice(&status.to_be_bytes());
        pdu
    }

    /// What [`plain_submit`] reads must be what [`decode`] and
    /// [`SubmitFields::of`] read: when it accepts a PDU, `decode` accepts
    /// it too, with the same sequence number and fields.
    fn plain_agrees(pdu: &[u8]) -> bool {
        let Some((seq, fast)) = plain_submit(pdu) else {
            return false;
        };
        let cmd = decode(pdu).unwrap_or_else(|n| panic!("plain accepted, decode refused {n:?}"));
        let Some(Pdu::SubmitSm(sm)) = cmd.pdu() else {
            panic!("plain accepted a PDU that is no submit_sm")
        };
        assert_eq!(seq, cmd.sequence_number());
        assert_eq!(fast, SubmitFields::of(sm), "{pdu:02x?}");
        true
    }

    const PLAIN: [&[u8]; 5] = [b"CMT\0", b"SHOPVN\0", b"84912345678\0", b"\0", b"\0"];

    #[test]
    fn a_plain_submit_sm_is_read_as_decode_reads_it_for_every_octet_value() {
        let base = [5, 0, 1, 1, 0, 0, 0, 1, 0, 8, 0];
        assert!(plain_agrees(&submit_pdu(0, PLAIN, base, 2, b"\0A", b"")));
        for field in 0..base.len() {
            for v in 0..=255u8 {
                let mut o = base;
                o[field] = v;
                let pdu = submit_pdu(0, PLAIN, o, 2, b"\0A", b"");
                // Accepted or not, never a different reading.
                plain_agrees(&pdu);
                // Every value of a one-octet field that decode accepts is
                // taken by the plain reader too (the fast path is the usual
                // one).
                assert_eq!(
                    plain_submit(&pdu).is_some(),
                    decode(&pdu).is_ok(),
                    "{field} {v}"
                );
            }
        }
        // A predefined message (no text, sm_default_msg_id) is refused the
        // same way.
        let mut o = base;
        o[10] = 3;
        assert!(plain_agrees(&submit_pdu(0, PLAIN, o, 0, b"", b"")));
        // Optional parameters, a response status, an sm_length that does
        // not end the PDU: left to decode.
        let tlv = [0x02, 0x0C, 0x00, 0x02, 0x01, 0x02];
        assert!(plain_submit(&submit_pdu(0, PLAIN, base, 2, b"\0A", &tlv)).is_none());
        assert!(plain_submit(&submit_pdu(8, PLAIN, base, 2, b"\0A", b"")).is_none());
        assert!(plain_submit(&submit_pdu(0, PLAIN, base, 3, b"\0A", b"")).is_none());
        // Both time fields in full.
        let full: &[u8] = b"261205103000000+\0";
        let strings = [PLAIN[0], PLAIN[1], PLAIN[2], full, full];
        assert!(plain_agrees(&submit_pdu(0, strings, base, 2, b"\0A", b"")));
    }

    mod plain_prop {
        use super::*;
        use proptest::prelude::*;

        fn string() -> impl Strategy<Value = Vec<u8>> {
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..24),
                "[ -~]{0,20}".prop_map(|s| {
                    let mut v = s.into_bytes();
                    v.push(0);
                    v
                }),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4096))]

            /// Malformed and unusual strings and lengths: the plain reader
            /// either leaves the PDU to decode or reads what decode reads.
            #[test]
            fn the_plain_reader_never_reads_otherwise_than_decode(
                strings in proptest::collection::vec(string(), 5),
                octets in any::<[u8; 11]>(),
                sm in proptest::collection::vec(any::<u8>(), 0..40),
                sm_length_delta in -2i16..=2,
                tail in proptest::collection::vec(any::<u8>(), 0..3),
                status in prop_oneof![Just(0u32), any::<u32>()],
            ) {
                let n = i16::try_from(sm.len()).unwrap_or(0) + sm_length_delta;
                let sm_length = u8::try_from(n.clamp(0, 255)).unwrap_or(0);
                let s: [&[u8]; 5] = [
                    strings[0].as_slice(),
                    strings[1].as_slice(),
                    strings[2].as_slice(),
                    strings[3].as_slice(),
                    strings[4].as_slice(),
                ];
                let pdu = submit_pdu(status, s, octets, sm_length, &sm, &tail);
                plain_agrees(&pdu);
                // Cut short anywhere: never read otherwise.
                for cut in [1, 5, 17] {
                    if pdu.len() > cut + HEADER_LEN {
                        let mut short = pdu[..pdu.len() - cut].to_vec();
                        let len = u32::try_from(short.len()).unwrap_or(0);
                        short[..4].copy_from_slice(&len.to_be_bytes());
                        plain_agrees(&short);
                    }
                }
            }
        }
    }

    #[test]
    fn decodes_submit_sm_fields() {
        let sm = [0x05, 0x00, 0x03, 0x07, 0x02, 0x01, 0x00, 0x41];
        let pdu = raw(0x04, 42, &submit_body(&sm, &[]));
        let cmd = decode(&pdu).unwrap();
        assert_eq!(cmd.sequence_number(), 42);
        let Some(Pdu::SubmitSm(s)) = cmd.pdu() else {
            panic!("not submit_sm")
        };
        let f = SubmitFields::of(s);
        assert_eq!(
            (f.source_ton, f.source, f.destination),
            (5, "SHOPVN", "84912345678")
        );
        assert_eq!((f.esm_class, f.data_coding), (0x40, 0x08));
        let (c, text) = f.split().unwrap();
        assert_eq!(c.map(|c| (c.reference, c.total, c.seq)), Some((7, 2, 1)));
        assert_eq!(text, &[0x00, 0x41]);
        // Round trip.
        assert_eq!(decode(&encode(&cmd)).unwrap(), cmd);
    }

    #[test]
    fn message_payload_and_sar_tlvs() {
        // message_payload 0x0424, sar_msg_ref_num 0x020C, sar_total 0x020E, sar_seq 0x020F
        let mut tlvs = vec![0x04, 0x24, 0x00, 0x04, 0x00, 0x48, 0x00, 0x69];
        tlvs.extend_from_slice(&[0x02, 0x0C, 0x00, 0x02, 0x01, 0x02]);
        tlvs.extend_from_slice(&[0x02, 0x0E, 0x00, 0x01, 0x03]);
        tlvs.extend_from_slice(&[0x02, 0x0F, 0x00, 0x01, 0x02]);
        let mut body = submit_body(&[], &tlvs);
        body[3 + 7 + 2 + 12] = 0; // esm_class: no UDHI
        let cmd = decode(&raw(0x04, 1, &body)).unwrap();
        let Some(Pdu::SubmitSm(s)) = cmd.pdu() else {
            panic!()
        };
        let f = SubmitFields::of(s);
        let (c, text) = f.split().unwrap();
        assert_eq!(crate::text::decode(f.data_coding, text), "Hi");
        assert_eq!(
            c.map(|c| (c.reference, c.total, c.seq)),
            Some((0x0102, 3, 2))
        );
    }

    type Split = Result<Option<(u16, u8, u8)>, UdhError>;

    fn fields_of(body: &[u8]) -> (Option<Ambiguity>, Split) {
        let cmd = decode(&raw(0x04, 1, body)).unwrap();
        let Some(Pdu::SubmitSm(s)) = cmd.pdu() else {
            panic!()
        };
        let f = SubmitFields::of(s);
        let split = f
            .split()
            .map(|(c, _)| c.map(|c| (c.reference, c.total, c.seq)));
        (f.ambiguity, split)
    }

    #[test]
    fn text_in_more_than_one_field_is_refused() {
        let payload = |t: &[u8]| {
            let mut v = vec![0x04, 0x24, 0x00, u8::try_from(t.len()).unwrap()];
            v.extend_from_slice(t);
            v
        };
        let mut body = submit_body(b"hi", &payload(&[0x00, 0x41]));
        body[3 + 7 + 2 + 12] = 0; // esm_class: no UDHI
        assert_eq!(fields_of(&body).0, Some(Ambiguity::BothFields));
        // Even an empty payload beside a short_message.
        let mut body = submit_body(b"hi", &payload(&[]));
        body[3 + 7 + 2 + 12] = 0;
        assert_eq!(fields_of(&body).0, Some(Ambiguity::BothFields));
        // Two payloads, short_message empty.
        let mut tlvs = payload(&[0x00, 0x41]);
        tlvs.extend(payload(&[0x00, 0x42]));
        let mut body = submit_body(b"", &tlvs);
        body[3 + 7 + 2 + 12] = 0;
        assert_eq!(fields_of(&body).0, Some(Ambiguity::SeveralPayloads));
        assert_eq!(
            Ambiguity::SeveralPayloads.status(),
            status::ESME_ROPTPARNOTALLWD
        );
        // One payload alone: clear.
        let mut body = submit_body(b"", &payload(&[0x00, 0x41]));
        body[3 + 7 + 2 + 12] = 0;
        assert_eq!(fields_of(&body).0, None);
        // A SAR TLV twice.
        let mut tlvs = vec![0x02, 0x0C, 0x00, 0x02, 0x01, 0x02];
        tlvs.extend_from_slice(&[0x02, 0x0C, 0x00, 0x02, 0x01, 0x03]);
        tlvs.extend_from_slice(&[0x02, 0x0E, 0x00, 0x01, 0x03]);
        tlvs.extend_from_slice(&[0x02, 0x0F, 0x00, 0x01, 0x02]);
        let mut body = submit_body(b"x", &tlvs);
        body[3 + 7 + 2 + 12] = 0;
        assert_eq!(fields_of(&body).0, Some(Ambiguity::SeveralSar));
        // No text but a predefined message id (the octet before sm_length).
        let mut body = submit_body(b"", &[]);
        let at = body.len() - 2;
        body[at] = 3;
        assert_eq!(fields_of(&body).0, Some(Ambiguity::Predefined));
        assert_eq!(Ambiguity::Predefined.status(), status::ESME_RINVDFTMSGID);
        // With a text of its own, the id is not used.
        let mut body = submit_body(b"hi", &[]);
        let at = body.len() - 4;
        body[at] = 3;
        assert_eq!(fields_of(&body).0, None);
        // A UDH and SAR TLVs that disagree: a malformed concatenation.
        let sar = [
            0x02, 0x0C, 0x00, 0x02, 0x00, 0x07, 0x02, 0x0E, 0x00, 0x01, 0x02, 0x02, 0x0F, 0x00,
            0x01, 0x02,
        ];
        let udh = [0x05, 0x00, 0x03, 0x07, 0x02, 0x01, 0x00, 0x41];
        assert_eq!(
            fields_of(&submit_body(&udh, &sar)).1,
            Err(UdhError::BadConcat)
        );
        let udh = [0x05, 0x00, 0x03, 0x07, 0x02, 0x02, 0x00, 0x41];
        assert_eq!(fields_of(&submit_body(&udh, &sar)).1, Ok(Some((7, 2, 2))));
    }

    #[test]
    fn malformed_pdus_get_the_right_nack() {
        // Too short to hold a header.
        assert_eq!(nack_status(decode(&[0, 0, 0])), status::ESME_RINVCMDLEN);
        // Declared length below 16: fatal.
        let mut p = raw(0x15, 3, &[]);
        p[3] = 8;
        let n = decode(&p).unwrap_err();
        assert_eq!((n.status, n.fatal), (status::ESME_RINVCMDLEN, true));
        // Declared length above the cap: fatal.
        let mut p = raw(0x15, 3, &[]);
        p[..4].copy_from_slice(&0x0100_0000u32.to_be_bytes());
        assert!(decode(&p).unwrap_err().fatal);
        // Declared length disagrees with the bytes.
        let mut p = raw(0x15, 3, &[]);
        p.push(0);
        assert_eq!(nack_status(decode(&p)), status::ESME_RINVCMDLEN);
        // Unknown command id, sequence number kept.
        let n = decode(&raw(0x0000_1234, 77, &[])).unwrap_err();
        assert_eq!(
            (n.status, n.sequence_number, n.fatal),
            (status::ESME_RINVCMDID, 77, false)
        );
        // enquire_link with a body.
        assert_eq!(
            nack_status(decode(&raw(0x15, 1, &[1, 2]))),
            status::ESME_RINVCMDLEN
        );
        // Truncated submit_sm: the body stops inside a field.
        let body = submit_body(b"hello", &[]);
        assert_eq!(
            nack_status(decode(&raw(0x04, 1, &body[..10]))),
            status::ESME_RINVCMDLEN
        );
        // sm_length runs past the PDU.
        let mut body = submit_body(b"hello", &[]);
        let at = body.len() - 6;
        body[at] = 200;
        assert_ne!(nack_status(decode(&raw(0x04, 1, &body))), status::ESME_ROK);
        // A TLV whose length runs past the PDU.
        let body = submit_body(b"hi", &[0x04, 0x24, 0x00, 0x09, 0x41]);
        assert_eq!(
            nack_status(decode(&raw(0x04, 1, &body))),
            status::ESME_RINVOPTPARSTREAM
        );
        // A TLV header cut short.
        let body = submit_body(b"hi", &[0x04]);
        assert_eq!(
            nack_status(decode(&raw(0x04, 1, &body))),
            status::ESME_RINVOPTPARSTREAM
        );
        // source_addr without its NUL within 21 octets.
        let mut body = vec![0, 5, 0];
        body.extend_from_slice(&[b'A'; 40]);
        assert_eq!(
            nack_status(decode(&raw(0x04, 1, &body))),
            status::ESME_RINVSRCADR
        );
        // The nack itself encodes as a generic_nack.
        let n = Nack {
            status: status::ESME_RINVCMDID,
            sequence_number: 9,
            fatal: false,
        };
        let b = n.encode();
        assert_eq!(b.len(), 16);
        assert_eq!(&b[4..8], &0x8000_0000u32.to_be_bytes());
        assert_eq!(&b[8..12], &status::ESME_RINVCMDID.to_be_bytes());
    }

    #[test]
    fn never_panics_on_noise() {
        // A deterministic sweep of mutated PDUs (the fuzz target covers more).
        let base = raw(
            0x04,
            5,
            &submit_body(
                &[0x05, 0x00, 0x03, 1, 2, 1, 0x41],
                &[0x04, 0x24, 0, 1, 0x41],
            ),
        );
        let mut x = 0x9E37_79B9u32;
        for _ in 0..20_000 {
            let mut p = base.clone();
            for _ in 0..3 {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                let i = (x as usize) % p.len();
                p[i] = (x >> 8) as u8;
            }
            x ^= x << 13;
            let cut = (x as usize) % (p.len() + 1);
            fuzz_pdu(&p);
            fuzz_pdu(&p[..cut]);
        }
    }
}
