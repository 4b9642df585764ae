//! Reading whole PDUs from a byte stream, with the length cap of
//! [`pdu::MAX_COMMAND_LENGTH`](crate::pdu::MAX_COMMAND_LENGTH).

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt};

use crate::pdu::{Header, Nack, HEADER_LEN};

/// Reads one PDU. `Ok(None)` at a clean end of stream (between PDUs);
/// `Ok(Some(Err(nack)))` when the declared length is unacceptable (the
/// framing is lost: send the nack and close); else the whole PDU's octets.
pub async fn read_frame<R: AsyncRead + Unpin>(
    r: &mut R,
) -> io::Result<Option<Result<Vec<u8>, Nack>>> {
    let mut head = [0u8; HEADER_LEN];
    let mut got = 0;
    while got < HEADER_LEN {
        let n = r.read(&mut head[got..]).await?;
        if n == 0 {
            return if got == 0 {
                Ok(None)
            } else {
                Err(io::ErrorKind::UnexpectedEof.into())
            };
        }
        got += n;
    }
    let h = Header::parse(&head);
    let body = match h.body_len() {
        Ok(b) => b,
        Err(nack) => return Ok(Some(Err(nack))),
    };
    let mut buf = vec![0u8; HEADER_LEN + body];
    buf[..HEADER_LEN].copy_from_slice(&head);
    r.read_exact(&mut buf[HEADER_LEN..]).await?;
    Ok(Some(Ok(buf)))
}
