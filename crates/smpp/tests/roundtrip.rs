//! PDU encode → decode gives the same bytes: any well-formed PDU of the
//! kinds an ESME sends (binds, `submit_sm` with and without TLVs,
//! `enquire_link`, `unbind`, responses, `generic_nack`), written octet by
//! octet as SMPP 3.4 lays it out, decodes, re-encodes to exactly those
//! octets, and the re-encoded PDU decodes to the same command. And a
//! byte stream of such PDUs is framed back into exactly them.
#![allow(clippy::unwrap_used, clippy::panic)]

use chanrac_smpp::pdu;
use proptest::prelude::*;

fn header(command_id: u32, status: u32, seq: u32, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(16 + body.len());
    v.extend_from_slice(&u32::try_from(16 + body.len()).unwrap().to_be_bytes());
    v.extend_from_slice(&command_id.to_be_bytes());
    v.extend_from_slice(&status.to_be_bytes());
    v.extend_from_slice(&seq.to_be_bytes());
    v.extend_from_slice(body);
    v
}

fn cstr(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
    out.push(0);
}

fn tlv(out: &mut Vec<u8>, tag: u16, value: &[u8]) {
    out.extend_from_slice(&tag.to_be_bytes());
    out.extend_from_slice(&u16::try_from(value.len()).unwrap().to_be_bytes());
    out.extend_from_slice(value);
}

/// Printable ASCII of at most `max` characters (a C-Octet String's text).
fn text(max: usize) -> impl Strategy<Value = String> {
    prop::string::string_regex(&format!("[ -~]{{0,{max}}}")).unwrap()
}

fn bind() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(vec![0x01u32, 0x02, 0x09]),
        any::<u32>(),
        (text(15), text(8), text(12)),
        (0u8..7, 0u8..19, text(40)),
    )
        .prop_map(
            |(id, seq, (system_id, password, system_type), (ton, npi, range))| {
                let mut b = Vec::new();
                cstr(&mut b, &system_id);
                cstr(&mut b, &password);
                cstr(&mut b, &system_type);
                b.extend_from_slice(&[0x34, ton, npi]);
                cstr(&mut b, &range);
                header(id, 0, seq, &b)
            },
        )
}

#[derive(Debug, Clone)]
struct Submit {
    seq: u32,
    service_type: String,
    source: (u8, u8, String),
    dest: (u8, u8, String),
    flags: (u8, u8, u8, u8, u8),
    data_coding: u8,
    short_message: Vec<u8>,
    payload: Option<Vec<u8>>,
    sar: Option<(u16, u8, u8)>,
}

fn submit() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<u32>(),
        text(5),
        (0u8..7, 0u8..19, text(20)),
        (0u8..7, 0u8..19, text(20)),
        (any::<u8>(), any::<u8>(), 0u8..4, 0u8..2, any::<u8>()),
        prop::sample::select(vec![0u8, 1, 3, 4, 8, 0x48]),
        prop::collection::vec(any::<u8>(), 0..=254),
        prop::option::of(prop::collection::vec(any::<u8>(), 0..600)),
        prop::option::of((any::<u16>(), 1u8..=255, 1u8..=255)),
    )
        .prop_map(
            |(seq, service_type, source, dest, flags, data_coding, sm, payload, sar)| Submit {
                seq,
                service_type,
                source,
                dest,
                flags,
                data_coding,
                // One text field: a payload goes with an empty short_message.
                short_message: if payload.is_some() { Vec::new() } else { sm },
                payload,
                sar,
            },
        )
        .prop_map(|s| {
            let mut b = Vec::new();
            cstr(&mut b, &s.service_type);
            b.extend_from_slice(&[s.source.0, s.source.1]);
            cstr(&mut b, &s.source.2);
            b.extend_from_slice(&[s.dest.0, s.dest.1]);
            cstr(&mut b, &s.dest.2);
            let (esm, pid, prio, replace, reg) = s.flags;
            b.extend_from_slice(&[esm, pid, prio]);
            cstr(&mut b, "");
            cstr(&mut b, "");
            b.extend_from_slice(&[reg, replace, s.data_coding, 0]);
            b.push(u8::try_from(s.short_message.len()).unwrap());
            b.extend_from_slice(&s.short_message);
            if let Some((r, t, n)) = s.sar {
                tlv(&mut b, 0x020C, &r.to_be_bytes());
                tlv(&mut b, 0x020E, &[t]);
                tlv(&mut b, 0x020F, &[n]);
            }
            if let Some(p) = &s.payload {
                tlv(&mut b, 0x0424, p);
            }
            header(0x04, 0, s.seq, &b)
        })
}

fn other() -> impl Strategy<Value = Vec<u8>> {
    (any::<u32>(), 0u8..6, text(64), any::<u32>()).prop_map(|(seq, k, id, status)| match k {
        0 => header(0x15, 0, seq, b""),
        1 => header(0x8000_0015, 0, seq, b""),
        2 => header(0x06, 0, seq, b""),
        3 => header(0x8000_0006, 0, seq, b""),
        4 => header(0x8000_0000, status, seq, b""),
        _ => {
            let mut b = Vec::new();
            cstr(&mut b, &id);
            header(0x8000_0004, 0, seq, &b)
        }
    })
}

fn any_pdu() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![bind(), submit(), other()]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn a_pdu_decodes_and_encodes_to_the_same_bytes(raw in any_pdu()) {
        let cmd = pdu::decode(&raw).unwrap_or_else(|n| panic!("{n:?} for {raw:02x?}"));
        let bytes = pdu::encode(&cmd);
        prop_assert_eq!(&bytes, &raw);
        prop_assert_eq!(pdu::decode(&bytes).ok(), Some(cmd));
    }

    #[test]
    fn a_session_is_framed_into_its_pdus(pdus in prop::collection::vec(any_pdu(), 0..8)) {
        let stream: Vec<u8> = pdus.concat();
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let framed = rt.block_on(async {
            let mut r = &stream[..];
            let mut out = Vec::new();
            while let Some(frame) = chanrac_smpp::wire::read_frame(&mut r).await.unwrap() {
                out.push(frame.unwrap());
            }
            out
        });
        prop_assert_eq!(&framed, &pdus);
        chanrac_smpp::fuzz::session(&stream);
    }
}
