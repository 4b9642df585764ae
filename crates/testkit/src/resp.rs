//! A tiny blocking RESP2 client, for tests that inspect keys (`PTTL`,
//! `XLEN`, `MEMORY USAGE`, `CLUSTER KEYSLOT`, …).

use std::fmt;
use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

/// How long [`cmd`] waits to connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long [`cmd`] waits for the reply (blocking commands must block for less).
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// Nesting depth past which a reply is refused as malformed.
const MAX_DEPTH: usize = 32;

/// One RESP2 reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RespValue {
    /// A simple string (`+OK`).
    Simple(String),
    /// An error reply (`-ERR …`, `-MOVED 3999 127.0.0.1:20001`), without the `-`.
    Error(String),
    /// An integer (`:42`).
    Integer(i64),
    /// A bulk string (`$3\r\nabc`).
    Bulk(Vec<u8>),
    /// The null bulk string or null array (`$-1`, `*-1`).
    Nil,
    /// An array (`*2\r\n…`).
    Array(Vec<RespValue>),
}

impl RespValue {
    /// The text of a simple or (UTF-8) bulk string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            RespValue::Simple(s) => Some(s),
            RespValue::Bulk(b) => std::str::from_utf8(b).ok(),
            _ => None,
        }
    }

    /// The value of an integer reply, or of a simple or bulk string holding one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            RespValue::Integer(i) => Some(*i),
            other => other.as_str().and_then(|s| s.parse().ok()),
        }
    }

    /// The message of an error reply.
    pub fn as_error(&self) -> Option<&str> {
        match self {
            RespValue::Error(e) => Some(e),
            _ => None,
        }
    }

    /// Whether this is the null reply.
    pub fn is_nil(&self) -> bool {
        matches!(self, RespValue::Nil)
    }
}

impl fmt::Display for RespValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RespValue::Simple(s) => write!(f, "{s}"),
            RespValue::Error(e) => write!(f, "(error) {e}"),
            RespValue::Integer(i) => write!(f, "(integer) {i}"),
            RespValue::Bulk(b) => write!(f, "{:?}", String::from_utf8_lossy(b)),
            RespValue::Nil => write!(f, "(nil)"),
            RespValue::Array(items) => {
                write!(f, "[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{item}")?;
                }
                write!(f, "]")
            }
        }
    }
}

/// Sends one command to the Redis server on `127.0.0.1:port` over a fresh
/// connection and returns its reply.
///
/// A reply of the server, error replies included, is `Ok` (an error reply is
/// [`RespValue::Error`], so a `MOVED` can be followed); `Err` says the
/// exchange itself failed: connection refused, timed out (10 s), closed, or
/// a malformed reply. For several commands on one connection (`AUTH` first,
/// `MULTI`), see [`Connection`].
///
/// ```no_run
/// # fn main() -> Result<(), String> {
/// let reply = chanrac_testkit::cmd(6390, &["SET", "k", "v"])?;
/// assert_eq!(reply.as_str(), Some("OK"));
/// # Ok(()) }
/// ```
pub fn cmd<A: AsRef<[u8]>>(port: u16, args: &[A]) -> Result<RespValue, String> {
    Connection::open(port)?.cmd(args)
}

/// One blocking connection to a Redis server on `127.0.0.1`, for commands
/// that belong together (`AUTH` then the command, `MULTI` … `EXEC`).
///
/// ```no_run
/// # fn main() -> Result<(), String> {
/// let mut conn = chanrac_testkit::Connection::open(6390)?;
/// conn.cmd(&["AUTH", "secret"])?;
/// let keys = conn.cmd(&["DBSIZE"])?.as_int();
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Connection {
    addr: SocketAddr,
    reader: BufReader<TcpStream>,
}

impl Connection {
    /// Connects to `127.0.0.1:port` (waiting at most 2 s); every reply is
    /// then awaited at most 10 s.
    pub fn open(port: u16) -> Result<Connection, String> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let stream = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT)
            .map_err(|e| format!("connect to {addr}: {e}"))?;
        let io = |e: std::io::Error| format!("{addr}: {e}");
        stream.set_read_timeout(Some(IO_TIMEOUT)).map_err(io)?;
        stream.set_write_timeout(Some(IO_TIMEOUT)).map_err(io)?;
        stream.set_nodelay(true).map_err(io)?;
        Ok(Connection {
            addr,
            reader: BufReader::new(stream),
        })
    }

    /// Sends one command and returns its reply, as [`cmd`] does.
    pub fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<RespValue, String> {
        let addr = self.addr;
        self.reader
            .get_mut()
            .write_all(&encode(args))
            .map_err(|e| format!("{addr}: {e}"))?;
        read_reply(&mut self.reader, 0).map_err(|e| format!("{addr}: {e}"))
    }
}

/// Encodes a command as a RESP array of bulk strings.
fn encode<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        let arg = arg.as_ref();
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Reads one reply.
fn read_reply(r: &mut impl BufRead, depth: usize) -> Result<RespValue, String> {
    if depth > MAX_DEPTH {
        return Err("reply nested too deeply".into());
    }
    let line = read_line(r)?;
    let (kind, rest) = line.split_at(1.min(line.len()));
    let int = |s: &str| {
        s.parse::<i64>()
            .map_err(|_| format!("bad length or integer `{s}`"))
    };
    match kind {
        "+" => Ok(RespValue::Simple(rest.to_owned())),
        "-" => Ok(RespValue::Error(rest.to_owned())),
        ":" => Ok(RespValue::Integer(int(rest)?)),
        "$" => {
            let Ok(len) = usize::try_from(int(rest)?) else {
                return Ok(RespValue::Nil);
            };
            let mut buf = vec![0; len + 2];
            r.read_exact(&mut buf).map_err(|e| e.to_string())?;
            if !buf.ends_with(b"\r\n") {
                return Err("bulk string not ended by CRLF".into());
            }
            buf.truncate(len);
            Ok(RespValue::Bulk(buf))
        }
        "*" => {
            let Ok(len) = usize::try_from(int(rest)?) else {
                return Ok(RespValue::Nil);
            };
            let mut items = Vec::with_capacity(len.min(1024));
            for _ in 0..len {
                items.push(read_reply(r, depth + 1)?);
            }
            Ok(RespValue::Array(items))
        }
        _ => Err(format!("unexpected reply line `{line}`")),
    }
}

/// Reads one CRLF-terminated line, without the CRLF.
fn read_line(r: &mut impl BufRead) -> Result<String, String> {
    let mut buf = Vec::new();
    r.read_until(b'\n', &mut buf).map_err(|e| e.to_string())?;
    if !buf.ends_with(b"\r\n") {
        return Err("connection closed before a full reply".into());
    }
    buf.truncate(buf.len() - 2);
    String::from_utf8(buf).map_err(|_| "reply line is not UTF-8".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Result<RespValue, String> {
        read_reply(&mut BufReader::new(bytes), 0)
    }

    #[test]
    fn encodes_arrays_of_bulk_strings() {
        assert_eq!(encode(&["GET", "k"]), b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
    }

    #[test]
    fn parses_every_reply_kind() {
        assert_eq!(parse(b"+OK\r\n"), Ok(RespValue::Simple("OK".into())));
        assert_eq!(
            parse(b"-MOVED 1 127.0.0.1:2\r\n"),
            Ok(RespValue::Error("MOVED 1 127.0.0.1:2".into()))
        );
        assert_eq!(parse(b":-7\r\n"), Ok(RespValue::Integer(-7)));
        assert_eq!(
            parse(b"$2\r\na\n\r\n"),
            Ok(RespValue::Bulk(b"a\n".to_vec()))
        );
        assert_eq!(parse(b"$-1\r\n"), Ok(RespValue::Nil));
        assert_eq!(parse(b"*-1\r\n"), Ok(RespValue::Nil));
        assert_eq!(
            parse(b"*2\r\n:1\r\n*1\r\n$0\r\n\r\n"),
            Ok(RespValue::Array(vec![
                RespValue::Integer(1),
                RespValue::Array(vec![RespValue::Bulk(Vec::new())]),
            ]))
        );
    }

    #[test]
    fn refuses_truncated_or_malformed_replies() {
        assert!(parse(b"$5\r\nab\r\n").is_err());
        assert!(parse(b"+OK").is_err());
        assert!(parse(b"?x\r\n").is_err());
        assert!(parse(b":x\r\n").is_err());
        assert!(parse(b"").is_err());
    }
}
