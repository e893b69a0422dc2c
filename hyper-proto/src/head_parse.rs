//! What request and response heads share: header spans into the caller's buffer, the
//! framing decision ([`BodyLength`]), and the incremental end-of-head scanner.

use core::fmt;
use core::mem::MaybeUninit;

use crate::error::ParseError;

/// The most header fields one head may have, whatever [`Limits`](crate::Limits) says: the
/// parser keeps this many slots on the stack (uninitialised, so they cost nothing).
pub const MAX_HEADERS_CAP: usize = 256;

/// How the body of a received message is delimited (RFC 9112 §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BodyLength {
    /// No body at all.
    Empty,
    /// Exactly this many bytes (`Content-Length`, never 0: that is `Empty`).
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Everything until the peer closes (responses only).
    CloseDelimited,
}

impl BodyLength {
    /// Whether a body follows the head.
    pub const fn has_body(&self) -> bool {
        !matches!(self, Self::Empty)
    }
}

/// Byte range of one header field inside the parsed buffer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct HeaderSpan {
    pub(crate) name: Span,
    pub(crate) value: Span,
}

/// A `start..end` range into the buffer, in `u32` to keep header tables small.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Span {
    /// The range of `part` inside `buf`. `part` must be a subslice of `buf`.
    #[inline]
    pub(crate) fn of(buf: &[u8], part: &[u8]) -> Self {
        if part.is_empty() {
            // httparse hands out static empty strings (an empty reason phrase).
            return Self::default();
        }
        let start = part.as_ptr() as usize - buf.as_ptr() as usize;
        Self {
            start: start as u32,
            end: (start + part.len()) as u32,
        }
    }

    #[inline]
    pub(crate) fn get<'b>(&self, buf: &'b [u8]) -> &'b [u8] {
        &buf[self.start as usize..self.end as usize]
    }
}

/// The header fields of a parsed head: a borrowed view, in order, names as received.
///
/// # Examples
///
/// ```
/// use hyper_proto::{Limits, RequestParser};
/// let buf = b"GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nx-a: 2\r\n\r\n";
/// let mut parser = RequestParser::new(Limits::default());
/// let req = parser.parse(buf).unwrap().unwrap();
/// let values: Vec<&[u8]> = req.headers().get_all("X-A").collect();
/// assert_eq!(values, [&b"1"[..], b"2"]);
/// assert_eq!(req.headers().get("host"), Some(&b"a"[..]));
/// ```
#[derive(Clone, Copy)]
pub struct Headers<'b> {
    pub(crate) buf: &'b [u8],
    pub(crate) spans: &'b [HeaderSpan],
}

impl<'b> Headers<'b> {
    /// Number of field lines.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there are no field lines.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Every field as `(name, value)`, in the order received.
    pub fn iter(&self) -> impl Iterator<Item = (&'b str, &'b [u8])> + 'b {
        let buf = self.buf;
        self.spans.iter().map(move |h| {
            // Names were checked as tokens by httparse: ASCII.
            let name = core::str::from_utf8(h.name.get(buf)).unwrap_or_default();
            (name, h.value.get(buf))
        })
    }

    /// The first value of the field `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&'b [u8]> {
        self.get_all(name).next()
    }

    /// Every value of the field `name` (case-insensitive), in order.
    pub fn get_all<'n>(&self, name: &'n str) -> impl Iterator<Item = &'b [u8]> + 'n
    where
        'b: 'n,
    {
        let buf = self.buf;
        self.spans
            .iter()
            .filter(move |h| h.name.get(buf).eq_ignore_ascii_case(name.as_bytes()))
            .map(move |h| h.value.get(buf))
    }
}

impl fmt::Debug for Headers<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(n, v)| (n, String::from_utf8_lossy(v))))
            .finish()
    }
}

/// The index of the first `needle` in `hay`, eight bytes per step (a word compare instead
/// of a byte loop: heads are scanned for LF after partial reads).
pub(crate) fn find_byte(hay: &[u8], needle: u8) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let pattern = LO * u64::from(needle);
    let mut chunks = hay.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ pattern;
        // A zero byte in `x` is a match; the lowest flagged byte is exact (borrows only
        // run towards higher bytes).
        let found = x.wrapping_sub(LO) & !x & HI;
        if found != 0 {
            return Some(base + (found.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == needle)
        .map(|i| base + i)
}

/// Finds the end of a head across partial reads without scanning any byte twice.
///
/// The first attempt on a buffer goes straight to httparse (the common case: the whole head
/// arrived in one read). After a partial result, later attempts only look at the new bytes
/// for the blank line, and call httparse again once it is there.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct HeadScanner {
    /// Bytes before this offset hold no head end (it may start up to 3 bytes earlier).
    scanned: usize,
    /// httparse already said "partial" once for this head.
    tried: bool,
    /// The request-line was found complete and checked against the target limit.
    pub(crate) line_done: bool,
    /// Bytes before this offset hold no LF ending the request-line.
    pub(crate) line_scanned: usize,
}

impl HeadScanner {
    /// Whether httparse is worth calling on `buf` now.
    pub(crate) fn ready(&mut self, buf: &[u8]) -> bool {
        if !self.tried {
            return true;
        }
        // A head ends at LF (CR) LF; look from 2 bytes before the last scanned position.
        let from = self.scanned.saturating_sub(2);
        let mut i = from;
        while let Some(pos) = find_byte(&buf[i..], b'\n') {
            let lf = i + pos;
            match buf.get(lf + 1) {
                Some(b'\n') => return true,
                Some(b'\r') if buf.get(lf + 2) == Some(&b'\n') => return true,
                Some(b'\r') if lf + 2 == buf.len() => break,
                None => break,
                _ => i = lf + 1,
            }
        }
        self.scanned = buf.len();
        false
    }

    /// Records that httparse found the head incomplete at `len` bytes.
    pub(crate) fn partial(&mut self, len: usize) {
        if len == 0 {
            // Nothing has arrived yet (a client looks before its response is there): the
            // first bytes still go straight to httparse.
            return;
        }
        self.tried = true;
        self.scanned = self.scanned.max(len.saturating_sub(3));
    }

    /// Forgets everything: the next head starts.
    pub(crate) fn reset(&mut self) {
        *self = Self::default();
    }
}

/// Uninitialised header slots for one httparse call.
pub(crate) fn header_slots<'b>() -> [MaybeUninit<httparse::Header<'b>>; MAX_HEADERS_CAP] {
    [const { MaybeUninit::uninit() }; MAX_HEADERS_CAP]
}

/// Maps httparse errors that can happen in both roles.
pub(crate) fn map_httparse(e: httparse::Error) -> ParseError {
    match e {
        httparse::Error::HeaderName => ParseError::HeaderName,
        httparse::Error::HeaderValue => ParseError::HeaderValue,
        httparse::Error::NewLine => ParseError::Syntax,
        httparse::Error::Status => ParseError::Status,
        httparse::Error::Token => ParseError::Method,
        httparse::Error::TooManyHeaders => ParseError::TooManyHeaders,
        httparse::Error::Version => ParseError::Version,
    }
}

/// Given the bytes of a start line that httparse called a bad version, tells a well-formed
/// `HTTP/x.y` we do not speak (505) from a malformed one (400).
pub(crate) fn classify_version(version: &[u8]) -> ParseError {
    match version {
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            ParseError::UnsupportedVersion
        }
        _ => ParseError::Version,
    }
}

/// Whether `version`, cut off by the end of the buffer, could still grow into a
/// well-formed `HTTP/x.y` line ending: httparse rejects `HTTP/2` before seeing the rest,
/// but the answer (400 or 505) depends on the bytes still to come.
pub(crate) fn is_version_prefix(version: &[u8]) -> bool {
    const SHAPE: &[u8] = b"HTTP/0.0\r";
    version.len() <= SHAPE.len()
        && version.iter().zip(SHAPE).all(|(&b, &s)| {
            if s == b'0' {
                b.is_ascii_digit()
            } else {
                b == s
            }
        })
}

/// Skips the empty lines a server should ignore before a request-line (RFC 9112 §2.2).
pub(crate) fn skip_empty_lines(buf: &[u8]) -> &[u8] {
    let mut s = buf;
    loop {
        match s {
            [b'\r', b'\n', rest @ ..] | [b'\n', rest @ ..] => s = rest,
            _ => return s,
        }
    }
}

/// The first line of `buf` (after empty lines), without its line ending, if complete.
pub(crate) fn first_line(buf: &[u8]) -> Option<&[u8]> {
    let s = skip_empty_lines(buf);
    let lf = s.iter().position(|&b| b == b'\n')?;
    let line = &s[..lf];
    Some(line.strip_suffix(b"\r").unwrap_or(line))
}

/// Whether `head` has a line ended by LF alone (an LF not after a CR).
pub(crate) fn has_bare_lf(head: &[u8]) -> bool {
    head.iter()
        .enumerate()
        .any(|(i, &b)| b == b'\n' && (i == 0 || head[i - 1] != b'\r'))
}

/// Whether `head` has both kinds of line end: CRLF and a bare LF (one pass).
pub(crate) fn mixes_line_ends(head: &[u8]) -> bool {
    let (mut crlf, mut bare) = (false, false);
    for (i, _) in head.iter().enumerate().filter(|&(_, &b)| b == b'\n') {
        if i > 0 && head[i - 1] == b'\r' {
            crlf = true;
        } else {
            bare = true;
        }
        if crlf && bare {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::find_byte;

    #[test]
    fn find_byte_agrees_with_a_byte_loop() {
        // Every length up to 40, the needle at every position (or absent), with bytes
        // around it that differ from it by one bit and by 0x80 (borrow and sign cases).
        for len in 0..40 {
            for at in 0..=len {
                let mut hay: Vec<u8> = (0..len)
                    .map(|i| [b'\n' ^ 1, 0x8a, 0, 0xff, b'a'][i % 5])
                    .collect();
                if at < len {
                    hay[at] = b'\n';
                    if at + 1 < len {
                        hay[at + 1] = b'\n';
                    }
                }
                let want = hay.iter().position(|&b| b == b'\n');
                assert_eq!(find_byte(&hay, b'\n'), want, "len {len} at {at}");
            }
        }
        assert_eq!(find_byte(&[0u8; 17], 0), Some(0));
        assert_eq!(find_byte(&[1, 1, 1, 1, 1, 1, 1, 1, 0x80], 0x80), Some(8));
    }
}
