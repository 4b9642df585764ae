//! SIP messages as they arrive in one UDP datagram (RFC 3261 §7, §18.3,
//! §20, §25): the start line, the header fields and the body, borrowed from
//! the datagram, and the few structured values a redirect server reads —
//! `CSeq`, name-addr (`From`, `To`, `P-Asserted-Identity`), SIP and tel URIs
//! and the number in their user part.
//!
//! Every function takes any bytes and never panics: the fuzz target
//! `sip_message` ([`crate::fuzz::sip_message`]) holds it to that. The parser
//! is lenient where RFC 3261 asks receivers to be (leading blank lines,
//! bare-LF line ends, folded header lines, compact header names,
//! case-insensitive names and version) and strict where a wrong guess could
//! misroute an answer: a header line it cannot read is a *defect* that makes
//! the request a `400`, and no control character from the datagram is ever
//! kept in a header value (so nothing copied into a response can inject a
//! line).

use std::borrow::Cow;

use chanrac::Number;

/// A datagram with more header fields than this is not read at all.
pub const MAX_HEADERS: usize = 256;

/// The first line of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartLine<'a> {
    /// `Method SP Request-URI SP SIP-Version`.
    Request {
        /// The method token, case-sensitive (`INVITE`).
        method: &'a str,
        /// The Request-URI, as written.
        uri: &'a str,
        /// The version (`SIP/2.0`).
        version: &'a str,
    },
    /// `SIP-Version SP Status-Code SP Reason-Phrase`.
    Response {
        /// The version (`SIP/2.0`).
        version: &'a str,
        /// The three-digit status code.
        code: u16,
        /// The reason phrase (may be empty).
        reason: &'a str,
    },
    /// Neither: a wrong number of parts, a method that is not a token, a
    /// version that does not start `SIP/`.
    Invalid,
}

/// One header field. Folded continuation lines are joined with one space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    /// The name as written (compare with [`Message::headers`]).
    pub name: &'a str,
    /// The value, trimmed; never holds a control character but tab.
    pub value: Cow<'a, str>,
}

/// A message split into its parts.
#[derive(Clone, Debug)]
pub struct Message<'a> {
    /// The start line.
    pub start: StartLine<'a>,
    /// The header fields in order, those that could be read.
    pub headers: Vec<Header<'a>>,
    /// The body (after the blank line; may be empty).
    pub body: &'a [u8],
    /// The first problem in the header section (a line without a colon, a
    /// bad name, a control character), if any: such a request is answered
    /// `400`.
    pub defect: Option<&'static str>,
}

/// A datagram that is not a SIP message at all: it is dropped unanswered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unreadable {
    /// Nothing but line ends (a keep-alive `CRLF CRLF`, RFC 5626).
    Empty,
    /// The start line or header section is not UTF-8.
    NotUtf8,
    /// More than [`MAX_HEADERS`] header fields.
    TooManyHeaders,
}

/// Compact forms (RFC 3261 §7.3.3) of the headers read here.
const COMPACT: [(&str, &str); 6] = [
    ("via", "v"),
    ("from", "f"),
    ("to", "t"),
    ("call-id", "i"),
    ("contact", "m"),
    ("content-length", "l"),
];

/// Whether a header written `written` is the header `name` (given in lower
/// case, long form), by its long or compact name.
pub fn is_named(written: &str, name: &str) -> bool {
    written.eq_ignore_ascii_case(name)
        || COMPACT
            .iter()
            .any(|&(long, short)| long == name && written.eq_ignore_ascii_case(short))
}

/// RFC 3261 `token` characters.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
        )
}

/// A non-empty RFC 3261 `token`.
pub fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token_byte)
}

fn has_control(s: &str) -> bool {
    s.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f)
}

/// Whether `v` starts `SIP/`, case-insensitively.
fn is_sip_version(v: &str) -> bool {
    v.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("SIP/"))
}

/// Splits at the first blank line: (head, body).
fn split_head(d: &[u8]) -> (&[u8], &[u8]) {
    let mut i = 0;
    while let Some(off) = d[i..].iter().position(|&b| b == b'\n') {
        let nl = i + off;
        let rest = &d[nl + 1..];
        if rest.first() == Some(&b'\n') {
            return (&d[..nl], &rest[1..]);
        }
        if rest.starts_with(b"\r\n") {
            return (&d[..nl], &rest[2..]);
        }
        i = nl + 1;
    }
    (d, &[])
}

fn start_line(l: &str) -> StartLine<'_> {
    if has_control(l) {
        return StartLine::Invalid;
    }
    let mut parts = l.splitn(3, ' ');
    let (Some(a), Some(b)) = (parts.next(), parts.next()) else {
        return StartLine::Invalid;
    };
    let c = parts.next();
    if is_sip_version(a) {
        let code = (b.len() == 3 && b.bytes().all(|d| d.is_ascii_digit()))
            .then(|| b.parse::<u16>().ok())
            .flatten();
        return match code {
            Some(code) if code >= 100 => StartLine::Response {
                version: a,
                code,
                reason: c.unwrap_or(""),
            },
            _ => StartLine::Invalid,
        };
    }
    match c {
        Some(version)
            if is_token(a)
                && !b.is_empty()
                && is_sip_version(version)
                && !version.contains([' ', '\t']) =>
        {
            StartLine::Request {
                method: a,
                uri: b,
                version,
            }
        }
        _ => StartLine::Invalid,
    }
}

/// Splits a datagram into a [`Message`]. Leading line ends are skipped
/// (RFC 3261 §7.5); a datagram with no blank line is all head.
pub fn parse(datagram: &[u8]) -> Result<Message<'_>, Unreadable> {
    let first = datagram
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .ok_or(Unreadable::Empty)?;
    let (head, body) = split_head(&datagram[first..]);
    let head = std::str::from_utf8(head).map_err(|_| Unreadable::NotUtf8)?;
    let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let start = start_line(lines.next().unwrap_or(""));
    let mut headers: Vec<Header<'_>> = Vec::new();
    let mut defect = None;
    for line in lines {
        if has_control(line) {
            defect.get_or_insert("control character in a header line");
            continue;
        }
        if line.starts_with([' ', '\t']) {
            // A folded continuation of the previous header's value.
            let more = line.trim();
            match headers.last_mut() {
                Some(h) if !more.is_empty() => {
                    let v = h.value.to_mut();
                    if !v.is_empty() {
                        v.push(' ');
                    }
                    v.push_str(more);
                }
                Some(_) => {}
                None => {
                    defect.get_or_insert("continuation line before any header");
                }
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            defect.get_or_insert("header line without a colon");
            continue;
        };
        let name = name.trim_end_matches([' ', '\t']);
        if !is_token(name) {
            defect.get_or_insert("bad header name");
            continue;
        }
        if headers.len() == MAX_HEADERS {
            return Err(Unreadable::TooManyHeaders);
        }
        headers.push(Header {
            name,
            value: Cow::Borrowed(value.trim_matches([' ', '\t'])),
        });
    }
    Ok(Message {
        start,
        headers,
        body,
        defect,
    })
}

impl<'a> Message<'a> {
    /// The values of every header named `name` (lower case, long form; the
    /// compact form matches too), in order.
    pub fn headers<'m>(&'m self, name: &'m str) -> impl Iterator<Item = &'m str> + 'm {
        self.headers
            .iter()
            .filter(move |h| is_named(h.name, name))
            .map(|h| &*h.value)
    }

    /// The value of the first header named `name`.
    pub fn header<'m>(&'m self, name: &str) -> Option<&'m str> {
        self.headers
            .iter()
            .find(|h| is_named(h.name, name))
            .map(|h| &*h.value)
    }

    /// Whether this is a response (never answered).
    pub fn is_response(&self) -> bool {
        matches!(self.start, StartLine::Response { .. })
    }

    /// The request method, when the start line is a request line.
    pub fn method(&self) -> Option<&'a str> {
        match self.start {
            StartLine::Request { method, .. } => Some(method),
            _ => None,
        }
    }
}

/// The header fields a response copies from its request (RFC 3261
/// §8.2.6.2): every `Via` in order, and the first `From`, `To`, `Call-ID`
/// and `CSeq` — whichever the request has.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Echo<'m> {
    /// Every `Via` value, in order (a value may list several, comma-separated).
    pub vias: Vec<&'m str>,
    /// `From`.
    pub from: Option<&'m str>,
    /// `To`.
    pub to: Option<&'m str>,
    /// `Call-ID`.
    pub call_id: Option<&'m str>,
    /// `CSeq`.
    pub cseq: Option<&'m str>,
}

impl<'m> Echo<'m> {
    /// The fields of `msg`.
    pub fn of(msg: &'m Message<'_>) -> Echo<'m> {
        Echo {
            vias: msg.headers("via").filter(|v| !v.is_empty()).collect(),
            from: msg.header("from"),
            to: msg.header("to"),
            call_id: msg.header("call-id"),
            cseq: msg.header("cseq"),
        }
    }
}

/// `CSeq: 314159 INVITE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CSeq<'a> {
    /// The sequence number, below 2³¹.
    pub number: u32,
    /// The method.
    pub method: &'a str,
}

/// Parses a `CSeq` value.
pub fn cseq(v: &str) -> Option<CSeq<'_>> {
    let mut it = v.split_ascii_whitespace();
    let (n, method) = (it.next()?, it.next()?);
    if it.next().is_some() || n.len() > 10 || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number: u32 = n.parse().ok()?;
    (number < 1 << 31 && is_token(method)).then_some(CSeq { number, method })
}

/// A `name-addr` or `addr-spec` with header parameters: the value of
/// `From`, `To`, `Contact` or one entry of `P-Asserted-Identity`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NameAddr<'a> {
    /// The display name as written (quotes kept), possibly empty.
    pub display: &'a str,
    /// The URI inside `<…>` (or the bare addr-spec).
    pub uri: &'a str,
    /// The header parameters, from the first `;` (possibly empty).
    pub params: &'a str,
}

impl<'a> NameAddr<'a> {
    /// The value of the parameter `name` (case-insensitive); `Some("")` for
    /// a parameter without a value.
    pub fn param(&self, name: &str) -> Option<&'a str> {
        param(self.params, name)
    }
}

/// The value of `name` in a `;a=b;c` parameter list.
pub fn param<'a>(params: &'a str, name: &str) -> Option<&'a str> {
    params
        .split(';')
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.trim(), v.trim()),
            None => (p.trim(), ""),
        })
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// The position of the first `<` outside a quoted string; `Err` when a
/// quoted string is not closed.
fn angle_start(b: &[u8]) -> Result<Option<usize>, ()> {
    let mut in_quotes = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if in_quotes => i += 1,
            b'"' => in_quotes = !in_quotes,
            b'<' if !in_quotes => return Ok(Some(i)),
            _ => {}
        }
        i += 1;
    }
    if in_quotes {
        Err(())
    } else {
        Ok(None)
    }
}

/// Parses a name-addr (`"Bob" <sip:bob@host>;tag=1`) or an addr-spec
/// (`sip:bob@host;tag=1`, whose `;` starts the header parameters).
pub fn name_addr(v: &str) -> Option<NameAddr<'_>> {
    let v = v.trim();
    match angle_start(v.as_bytes()).ok()? {
        Some(lt) => {
            let rest = &v[lt + 1..];
            let gt = rest.find('>')?;
            let uri = rest[..gt].trim();
            let params = rest[gt + 1..].trim();
            if uri.is_empty() || !(params.is_empty() || params.starts_with(';')) {
                return None;
            }
            Some(NameAddr {
                display: v[..lt].trim(),
                uri,
                params,
            })
        }
        None => {
            if v.contains(['"', '>']) {
                return None;
            }
            let (uri, params) = match v.find(';') {
                Some(i) => (v[..i].trim(), &v[i..]),
                None => (v, ""),
            };
            if uri.is_empty() || uri.contains([' ', '\t', ',']) {
                return None;
            }
            Some(NameAddr {
                display: "",
                uri,
                params,
            })
        }
    }
}

/// Splits a header value at the commas that separate its entries (outside
/// quoted strings and `<…>`), trimming each; empty entries are dropped.
pub fn split_list(v: &str) -> Vec<&str> {
    let b = v.as_bytes();
    let mut out = Vec::new();
    let (mut in_quotes, mut in_angle, mut from, mut i) = (false, false, 0, 0);
    while i < b.len() {
        match b[i] {
            b'\\' if in_quotes => i += 1,
            b'"' if !in_angle => in_quotes = !in_quotes,
            b'<' if !in_quotes => in_angle = true,
            b'>' if !in_quotes => in_angle = false,
            b',' if !in_quotes && !in_angle => {
                out.push(v[from..i].trim());
                from = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(v.get(from..).unwrap_or("").trim());
    out.retain(|s| !s.is_empty());
    out
}

/// The `branch` parameter of the first entry of a `Via` value (given the
/// first `Via` header of a request: the top `Via`, RFC 3261 §17.2.3).
pub fn via_branch(via: &str) -> Option<&str> {
    let top = split_list(via).into_iter().next()?;
    let (_, params) = top.split_once(';')?;
    param(params, "branch").filter(|b| !b.is_empty())
}

/// A URI scheme the responder reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// `sip:`
    Sip,
    /// `sips:`
    Sips,
    /// `tel:` (RFC 3966)
    Tel,
}

/// A SIP, SIPS or tel URI, reduced to what the responder needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Uri<'a> {
    /// The scheme.
    pub scheme: Scheme,
    /// The user part (SIP, without the password) or the subscriber number
    /// (tel), with its own `;` parameters; `None` when a SIP URI has no
    /// user part.
    pub user: Option<&'a str>,
    /// The host and port (SIP); empty for tel.
    pub host: &'a str,
}

/// Why a URI cannot be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UriError {
    /// Not a URI, or a SIP/tel URI with an empty or bad part.
    Malformed,
    /// A well-formed URI of another scheme (`urn:`, `http:`): `416`.
    UnsupportedScheme,
}

/// Parses a SIP, SIPS or tel URI (schemes case-insensitive).
pub fn uri(s: &str) -> Result<Uri<'_>, UriError> {
    let s = s.trim();
    let (scheme, rest) = s.split_once(':').ok_or(UriError::Malformed)?;
    let scheme_ok = scheme
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok || rest.is_empty() || s.contains(|c: char| c.is_whitespace() || c == '"') {
        return Err(UriError::Malformed);
    }
    let scheme = if scheme.eq_ignore_ascii_case("sip") {
        Scheme::Sip
    } else if scheme.eq_ignore_ascii_case("sips") {
        Scheme::Sips
    } else if scheme.eq_ignore_ascii_case("tel") {
        Scheme::Tel
    } else {
        return Err(UriError::UnsupportedScheme);
    };
    if scheme == Scheme::Tel {
        let number = rest.split(';').next().unwrap_or("");
        if number.is_empty() || number.contains(['@', '<', '>']) {
            return Err(UriError::Malformed);
        }
        return Ok(Uri {
            scheme,
            user: Some(rest),
            host: "",
        });
    }
    let (user, hostpart) = match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            if user.is_empty() {
                return Err(UriError::Malformed);
            }
            (Some(user), host)
        }
        None => (None, rest),
    };
    let host = hostpart.split([';', '?']).next().unwrap_or("");
    let host_ok = !host.is_empty()
        && host.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'[' | b']')
        });
    if !host_ok {
        return Err(UriError::Malformed);
    }
    Ok(Uri { scheme, user, host })
}

/// The longest user part (after percent-decoding) read as a number.
const MAX_USER: usize = 64;

/// The number in a URI's user part: its `;` parameters dropped,
/// percent-escapes decoded (`%2B84…`), then [`Number::parse`]
/// (`+84…`, `0084…`, `0…`, visual separators). `None` when
/// it is not a valid number or short code.
pub fn user_number(user: &str) -> Option<Number> {
    let user = user.split(';').next().unwrap_or("");
    let b = user.as_bytes();
    let mut buf = [0u8; MAX_USER];
    let (mut i, mut n) = (0, 0);
    while i < b.len() {
        let c = if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3)?;
            let hi = (hex[0] as char).to_digit(16)?;
            let lo = (hex[1] as char).to_digit(16)?;
            i += 3;
            (hi * 16 + lo) as u8
        } else {
            i += 1;
            b[i - 1]
        };
        *buf.get_mut(n)? = c;
        n += 1;
    }
    let s = std::str::from_utf8(&buf[..n]).ok()?;
    Number::parse(s).ok()
}

/// The parts of a request a responder acts on, once [`request`] has found
/// them well-formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request<'m> {
    /// The method.
    pub method: &'m str,
    /// The Request-URI as written.
    pub uri: &'m str,
    /// `Call-ID`.
    pub call_id: &'m str,
    /// `CSeq`.
    pub cseq: CSeq<'m>,
    /// `From`.
    pub from: NameAddr<'m>,
    /// `To`.
    pub to: NameAddr<'m>,
}

/// Why a request is refused before its method is looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// `400` or `505`.
    pub code: u16,
    /// What is wrong, for a `Warning` header (plain ASCII, no quotes).
    pub why: &'static str,
}

fn bad(why: &'static str) -> Rejected {
    Rejected { code: 400, why }
}

/// The one value of a header that must appear exactly once.
fn single<'m>(
    msg: &'m Message<'_>,
    name: &'m str,
    missing: &'static str,
    repeated: &'static str,
) -> Result<&'m str, Rejected> {
    let mut it = msg.headers(name);
    let v = it.next().filter(|v| !v.is_empty()).ok_or(bad(missing))?;
    if it.next().is_some() {
        return Err(bad(repeated));
    }
    Ok(v)
}

/// Checks what RFC 3261 §8.2 asks of every request: a request line of
/// version `SIP/2.0`, no unreadable header line, exactly one `Call-ID`,
/// `CSeq` (whose method is the request's), `From` and `To`, at least one
/// `Via`, and a `Content-Length` (when present) no larger than the body.
pub fn request<'m>(msg: &'m Message<'_>) -> Result<Request<'m>, Rejected> {
    let StartLine::Request {
        method,
        uri,
        version,
    } = msg.start
    else {
        return Err(bad("bad request line"));
    };
    if !version.eq_ignore_ascii_case("SIP/2.0") {
        return Err(Rejected {
            code: 505,
            why: "only SIP/2.0 is supported",
        });
    }
    if let Some(defect) = msg.defect {
        return Err(bad(defect));
    }
    if msg.headers("via").all(str::is_empty) {
        return Err(bad("missing Via"));
    }
    let call_id = single(msg, "call-id", "missing Call-ID", "more than one Call-ID")?;
    if call_id.contains([' ', '\t']) {
        return Err(bad("bad Call-ID"));
    }
    let cseq_v = single(msg, "cseq", "missing CSeq", "more than one CSeq")?;
    let cseq = cseq(cseq_v).ok_or(bad("bad CSeq"))?;
    if cseq.method != method {
        return Err(bad("CSeq method is not the request method"));
    }
    let from = single(msg, "from", "missing From", "more than one From")?;
    let from = name_addr(from).ok_or(bad("bad From"))?;
    let to = single(msg, "to", "missing To", "more than one To")?;
    let to = name_addr(to).ok_or(bad("bad To"))?;
    let mut lengths = msg.headers("content-length");
    if let Some(len) = lengths.next() {
        let ok = len.len() <= 10
            && len.bytes().all(|b| b.is_ascii_digit())
            && len.parse::<usize>().is_ok_and(|n| n <= msg.body.len());
        if !ok || lengths.next().is_some() {
            return Err(bad("bad Content-Length"));
        }
    }
    Ok(Request {
        method,
        uri,
        call_id,
        cseq,
        from,
        to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVITE: &str = "INVITE sip:0912000002@10.0.0.1;user=phone SIP/2.0\r\n\
        Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK1\r\n\
        v: SIP/2.0/UDP 10.0.0.8:5060;branch=z9hG4bK0, SIP/2.0/UDP 10.0.0.7;branch=z9hG4bKx\r\n\
        From: \"Shop, \\\"X\\\" <vn>\" <sip:+84-24-7300-1234@carrier.vn>;tag=abc\r\n\
        To: <sip:0912000002@carrier.vn>\r\n\
        Call-ID: 42@10.0.0.9\r\n\
        CSeq: 7 INVITE\r\n\
        Subject: folded\r\n   across lines\r\n\
        Content-Length: 4\r\n\r\nv=0\n";

    #[test]
    fn splits_a_request() {
        let m = parse(INVITE.as_bytes()).unwrap();
        assert_eq!(
            m.start,
            StartLine::Request {
                method: "INVITE",
                uri: "sip:0912000002@10.0.0.1;user=phone",
                version: "SIP/2.0"
            }
        );
        assert_eq!(m.headers("via").count(), 2);
        assert_eq!(m.header("subject"), Some("folded across lines"));
        assert_eq!(m.body, b"v=0\n");
        assert_eq!(m.defect, None);
        let r = request(&m).unwrap();
        assert_eq!(
            r.cseq,
            CSeq {
                number: 7,
                method: "INVITE"
            }
        );
        assert_eq!(r.from.uri, "sip:+84-24-7300-1234@carrier.vn");
        assert_eq!(r.from.param("tag"), Some("abc"));
        assert_eq!(r.to.param("tag"), None);
        let from = uri(r.from.uri).unwrap();
        assert_eq!(
            user_number(from.user.unwrap()).unwrap().to_string(),
            "842473001234"
        );
        let e = Echo::of(&m);
        assert_eq!(e.vias.len(), 2);
        assert_eq!(e.call_id, Some("42@10.0.0.9"));
    }

    #[test]
    fn lenient_where_the_rfc_asks() {
        let m = parse(b"\r\n\r\nOPTIONS sip:x@h sip/2.0\nv: a\ni: c\nf: <sip:a@h>;tag=1\nt: sip:b@h\nCSeq: 1 OPTIONS\n\n")
            .unwrap();
        let r = request(&m).unwrap();
        assert_eq!(r.method, "OPTIONS");
        assert_eq!(r.to.uri, "sip:b@h");
    }

    #[test]
    fn start_lines() {
        assert!(matches!(
            parse(b"SIP/2.0 200 OK\r\n\r\n").unwrap().start,
            StartLine::Response { code: 200, .. }
        ));
        for bad in [
            &b"INVITE sip:x@h\r\n\r\n"[..],
            b"INV ITE sip:x@h SIP/2.0 x\r\n",
            b"INVITE sip:x@h HTTP/1.1\r\n",
            b"SIP/2.0 20 OK\r\n",
            b"\x00\x01\x02",
        ] {
            assert_eq!(parse(bad).unwrap().start, StartLine::Invalid, "{bad:?}");
        }
        assert_eq!(parse(b"\r\n\r\n").unwrap_err(), Unreadable::Empty);
        assert_eq!(
            parse(b"INVITE \xff SIP/2.0\r\n").unwrap_err(),
            Unreadable::NotUtf8
        );
    }

    #[test]
    fn rejects() {
        let with = |extra: &str, drop: &str| {
            let text: String = INVITE
                .split_inclusive("\r\n")
                .filter(|l| drop.is_empty() || !l.starts_with(drop))
                .collect::<String>()
                .replacen("Subject", &format!("{extra}Subject"), 1);
            text
        };
        let why = |text: String| {
            request(&parse(text.as_bytes()).unwrap())
                .map(|_| ())
                .unwrap_err()
                .why
        };
        assert_eq!(why(with("", "Call-ID")), "missing Call-ID");
        assert_eq!(why(with("", "CSeq")), "missing CSeq");
        assert_eq!(why(with("", "From")), "missing From");
        assert_eq!(why(with("", "To")), "missing To");
        assert_eq!(why(with("i: 2\r\n", "")), "more than one Call-ID");
        assert_eq!(why(with("garbage\r\n", "")), "header line without a colon");
        assert_eq!(
            why(with("X: a\rb\r\n", "")),
            "control character in a header line"
        );
        assert_eq!(
            why(INVITE.replace("7 INVITE", "7 ACK")),
            "CSeq method is not the request method"
        );
        assert_eq!(why(INVITE.replace("7 INVITE", "x INVITE")), "bad CSeq");
        assert_eq!(
            why(INVITE.replace("Length: 4", "Length: 5")),
            "bad Content-Length"
        );
        assert_eq!(
            why(INVITE.replace("<sip:0912000002@carrier.vn>", "<sip:x")),
            "bad To"
        );
        let no_via: String = INVITE
            .split_inclusive("\r\n")
            .filter(|l| !l.starts_with("Via") && !l.starts_with("v:"))
            .collect();
        assert_eq!(why(no_via), "missing Via");
        let v3 = INVITE.replacen("SIP/2.0\r\n", "SIP/3.0\r\n", 1);
        assert_eq!(
            request(&parse(v3.as_bytes()).unwrap()).unwrap_err().code,
            505
        );
    }

    #[test]
    fn name_addrs() {
        let n = name_addr("\"A <b>, c\" <sip:1@h;transport=udp>;tag=9;x").unwrap();
        assert_eq!(
            (n.uri, n.param("tag"), n.param("x")),
            ("sip:1@h;transport=udp", Some("9"), Some(""))
        );
        let n = name_addr("sip:1@h;tag=2").unwrap();
        assert_eq!((n.uri, n.param("tag")), ("sip:1@h", Some("2")));
        assert!(name_addr("\"open <sip:1@h>").is_none());
        assert!(name_addr("<sip:1@h").is_none());
        assert!(name_addr("<sip:1@h> junk").is_none());
        assert!(name_addr("").is_none());
        assert_eq!(
            split_list("\"a, b\" <sip:1@h;x=a,b>, <tel:+84912000001>"),
            vec!["\"a, b\" <sip:1@h;x=a,b>", "<tel:+84912000001>"]
        );
    }

    #[test]
    fn multibyte_text_next_to_every_delimiter_never_panics() {
        let samples = [
            "\"A \\\"b\\\" <c>, d\" <sip:+84912000001:pw@h:5060;user=phone>;tag=9, <tel:+84-912>",
            "SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-1;rport, SIP/2.0/UDP h;branch=x",
            "sip:%2B84912000002@h;x=\"y\"?a=b",
        ];
        for sample in samples {
            let cuts: Vec<usize> = sample.char_indices().map(|(i, _)| i).collect();
            for &i in &cuts {
                for wedge in [
                    "\u{1ec7}",
                    "\\\u{1ec7}",
                    "\"\u{e9}",
                    "<\u{1f600}",
                    "%\u{e9}",
                ] {
                    let mut text = String::from(sample);
                    text.insert_str(i, wedge);
                    let _ = name_addr(&text).map(|n| (n.param("tag"), uri(n.uri)));
                    for entry in split_list(&text) {
                        let _ = name_addr(entry);
                    }
                    let _ = via_branch(&text);
                    let _ = uri(&text).map(|u| u.user.map(user_number));
                    let _ = user_number(&text);
                    let _ = cseq(&text);
                    let line =
                        format!("INVITE {text} SIP/2.0\r\nVia: {text}\r\nFrom: {text}\r\n\r\n");
                    if let Ok(m) = parse(line.as_bytes()) {
                        let _ = request(&m);
                    }
                }
            }
        }
        assert_eq!(
            via_branch("SIP/2.0/UDP h\u{1ec7};branch=z\u{e9}, SIP/2.0/UDP x;branch=y"),
            Some("z\u{e9}")
        );
        assert_eq!(via_branch("SIP/2.0/UDP h;branch="), None);
        assert_eq!(via_branch("SIP/2.0/UDP h;rport"), None);
    }

    #[test]
    fn uris_and_numbers() {
        let num = |s: &str| {
            uri(s)
                .ok()
                .and_then(|u| u.user)
                .and_then(user_number)
                .map(|n| n.to_string())
        };
        assert_eq!(num("sip:0912000002@h").as_deref(), Some("84912000002"));
        assert_eq!(
            num("SIP:%2B84912000002:pw@h:5060;user=phone").as_deref(),
            Some("84912000002")
        );
        assert_eq!(
            num("tel:+84-912-000-002;phone-context=x").as_deref(),
            Some("84912000002")
        );
        assert_eq!(num("sips:5656@h").as_deref(), Some("5656"));
        assert_eq!(num("sip:alice@h"), None);
        assert_eq!(num("sip:h"), None);
        assert_eq!(num("sip:%2@h"), None);
        assert_eq!(uri("urn:service:sos"), Err(UriError::UnsupportedScheme));
        for bad in [
            "sip:",
            "sip:@h",
            "sip:1@",
            "nocolon",
            "1sip:x@h",
            "sip:a b@h",
            "tel:;x",
            "sip:1@h/x",
        ] {
            assert_eq!(uri(bad), Err(UriError::Malformed), "{bad}");
        }
        assert_eq!(user_number(&"1".repeat(100)), None);
    }
}
