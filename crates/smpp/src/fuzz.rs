//! Entry points for the fuzz targets in `fuzz/` (not a public API): a
//! client's byte stream as the proxy reads it, split into PDUs by
//! [`wire::read_frame`](crate::wire::read_frame) and each decoded by
//! [`pdu::decode`](crate::pdu::decode).

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use rusmpp::Pdu;

use crate::pdu::{self, SubmitFields, HEADER_LEN};
use crate::wire::read_frame;

/// Polls `f` once: reading from memory never waits.
fn ready<F: Future>(f: F) -> Option<F::Output> {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}

/// A session's worth of bytes from a client (bind, `submit_sm`s,
/// `enquire_link`, `unbind`…, or anything): framed as the proxy frames them
/// and each frame decoded, never a panic. Every frame is exactly the octets
/// its `command_length` says, taken in order from the stream; every frame
/// goes through [`pdu::fuzz_pdu`] (what decodes re-encodes to the same
/// command); a `submit_sm` has its fields, header and text read as the proxy
/// reads them, and what the plain reader ([`pdu::plain_submit`]) takes
/// is read as `decode` reads it. Framing stops where the proxy would close the session: a
/// length it refuses, or the stream ending inside a PDU.
pub fn session(data: &[u8]) {
    let mut stream = data;
    let mut taken = 0usize;
    loop {
        let before = stream.len();
        let read = ready(read_frame(&mut stream));
        assert!(read.is_some(), "a read from memory waited");
        let Some(read) = read else { return };
        let frame = match read {
            Ok(Some(Ok(frame))) => frame,
            // A clean end between PDUs: everything was taken.
            Ok(None) => {
                assert_eq!(taken, data.len());
                return;
            }
            // A length refused (the proxy nacks and closes), or the stream
            // ended inside a PDU.
            Ok(Some(Err(_))) | Err(_) => return,
        };
        let len = before - stream.len();
        assert_eq!(frame.len(), len);
        assert_eq!(data.get(taken..taken + len), Some(&frame[..]));
        taken += len;
        assert!(frame.len() >= HEADER_LEN, "a frame shorter than a header");
        let Some(head) = frame.first_chunk::<HEADER_LEN>() else {
            return;
        };
        assert_eq!(
            usize::try_from(pdu::Header::parse(head).command_length).ok(),
            Some(frame.len())
        );
        pdu::fuzz_pdu(&frame);
        let plain = pdu::plain_submit(&frame);
        let decoded = pdu::decode(&frame);
        if let Some((seq, fast)) = plain {
            // What the plain reader takes, decode takes and reads the same.
            let cmd = decoded.as_ref().ok();
            assert_eq!(cmd.map(|c| c.sequence_number()), Some(seq));
            let sm = match cmd.and_then(|c| c.pdu()) {
                Some(Pdu::SubmitSm(sm)) => Some(SubmitFields::of(sm)),
                _ => None,
            };
            assert_eq!(
                sm,
                Some(fast),
                "the plain reader read otherwise than decode"
            );
        }
        if let Ok(cmd) = decoded {
            if let Some(Pdu::SubmitSm(sm)) = cmd.pdu() {
                let f = SubmitFields::of(sm);
                if let Ok((_, text)) = f.split() {
                    let _ = crate::text::decode(f.data_coding, text);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(id: u32, seq: u32, body: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&u32::try_from(16 + body.len()).unwrap_or(0).to_be_bytes());
        v.extend_from_slice(&id.to_be_bytes());
        v.extend_from_slice(&0u32.to_be_bytes());
        v.extend_from_slice(&seq.to_be_bytes());
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn sessions_cut_and_damaged_anywhere_never_panic() {
        let mut s = raw(0x09, 1, b"shopvn_ad\0secret1\0\0\x34\0\0\0");
        s.extend(raw(0x15, 2, b""));
        s.extend(raw(0x06, 3, b""));
        session(&s);
        for at in 0..s.len() {
            session(&s[..at]);
            let mut bad = s.clone();
            bad[at] ^= 0xa5;
            session(&bad);
        }
        session(&[0, 0, 0, 0]);
        session(&[0xff; 32]);
    }
}
