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

/// Writes the PDUs sent on `rx` to `w` until the channel closes or a write
/// fails. Whatever is queued when a write starts goes out in one `write`
/// (up to 64 KiB), so a burst of answers costs one system call, not one
/// each. Returns the writer (to shut it down).
pub async fn pump<W: tokio::io::AsyncWrite + Unpin>(
    mut rx: tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>,
    mut w: W,
) -> W {
    use tokio::io::AsyncWriteExt;
    let mut batch = Vec::with_capacity(64 * 1024);
    while let Some(first) = rx.recv().await {
        batch.clear();
        batch.extend_from_slice(&first);
        while batch.len() < 64 * 1024 {
            match rx.try_recv() {
                Ok(more) => batch.extend_from_slice(&more),
                Err(_) => break,
            }
        }
        if w.write_all(&batch).await.is_err() {
            break;
        }
    }
    w
}
