//! Body framing for sending: length, chunked, close-delimited, or none at all.
//!
//! The encoder never needs to copy the body: [`Encoder::frame`] gives the bytes to write
//! before and after a piece of body data, for a vectored write. [`Encoder::encode`] is the
//! copying convenience.

use core::fmt;

use crate::error::UserError;
use crate::headers::{classify, parse_digits, trim_ows, write_field, Special};

/// What the sender knows about the body it is about to send; the framing headers follow
/// from it. `Content-Length` and `Transfer-Encoding` given among the headers are not
/// written: framing has a single source, this value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BodyKind {
    /// No body (`Content-Length: 0` where the message needs one).
    Empty,
    /// Exactly this many bytes.
    Length(u64),
    /// A body of unknown length: chunked for HTTP/1.1 peers, close-delimited for HTTP/1.0.
    Streaming,
}

impl BodyKind {
    /// The framing an application declares by giving a `Content-Length` or
    /// `Transfer-Encoding` header: `None` for any other header, `Some(Err(_))` for a value
    /// that is not plain digits or not exactly `chunked`. Lets builders take framing as a
    /// header without ever writing two framings.
    ///
    /// # Examples
    ///
    /// ```
    /// use hyper_proto::BodyKind;
    /// assert_eq!(BodyKind::from_header("Content-Length", b"42"), Some(Ok(BodyKind::Length(42))));
    /// assert_eq!(BodyKind::from_header("transfer-encoding", b"chunked"), Some(Ok(BodyKind::Streaming)));
    /// assert!(matches!(BodyKind::from_header("Content-Length", b"+4"), Some(Err(_))));
    /// assert_eq!(BodyKind::from_header("X-Other", b"1"), None);
    /// ```
    pub fn from_header(name: &str, value: &[u8]) -> Option<Result<Self, UserError>> {
        Self::from_special(classify(name.as_bytes()), value)
    }

    /// [`BodyKind::from_header`] for a name already classified.
    pub(crate) fn from_special(name: Special, value: &[u8]) -> Option<Result<Self, UserError>> {
        match name {
            Special::ContentLength => Some(
                parse_digits(trim_ows(value))
                    .map(Self::Length)
                    .ok_or(UserError::InvalidHeaderValue),
            ),
            Special::TransferEncoding => {
                Some(if trim_ows(value).eq_ignore_ascii_case(b"chunked") {
                    Ok(Self::Streaming)
                } else {
                    Err(UserError::InvalidHeaderValue)
                })
            }
            _ => None,
        }
    }
}

/// Frames body bytes for the wire.
///
/// # Examples
///
/// ```
/// use hyper_proto::Encoder;
///
/// let mut enc = Encoder::chunked();
/// let mut out = Vec::new();
/// enc.encode(b"foo bar", &mut out).unwrap();
/// enc.finish(&mut out).unwrap();
/// assert_eq!(out, b"7\r\nfoo bar\r\n0\r\n\r\n");
///
/// let mut enc = Encoder::length(3);
/// assert!(enc.encode(b"toolong", &mut out).is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Encoder {
    kind: Kind,
    finished: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Bytes left to write.
    Length(u64),
    Chunked,
    CloseDelimited,
    /// The message carries no body (HEAD response, 1xx, 204, 304): data is dropped.
    Discard,
}

/// The framing to put around one piece of body data.
#[must_use]
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    prefix: [u8; 18],
    prefix_len: u8,
    suffix: &'static [u8],
    write_data: bool,
}

impl Frame {
    /// Bytes to write before the data (a chunk-size line, or nothing).
    pub fn prefix(&self) -> &[u8] {
        &self.prefix[..usize::from(self.prefix_len)]
    }

    /// Bytes to write after the data (CRLF for a chunk, or nothing).
    pub fn suffix(&self) -> &'static [u8] {
        self.suffix
    }

    /// Whether the data goes on the wire at all (not for a message without body, such as
    /// the response to `HEAD`).
    pub fn writes_data(&self) -> bool {
        self.write_data
    }

    const fn empty(write_data: bool) -> Self {
        Self {
            prefix: [0; 18],
            prefix_len: 0,
            suffix: b"",
            write_data,
        }
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Frame")
            .field("prefix", &String::from_utf8_lossy(self.prefix()))
            .field("suffix", &String::from_utf8_lossy(self.suffix))
            .field("write_data", &self.write_data)
            .finish()
    }
}

impl Encoder {
    /// A `Content-Length: n` body: refuses to write more than `n` bytes, and refuses to
    /// finish before all of them were written.
    pub const fn length(n: u64) -> Self {
        Self {
            kind: Kind::Length(n),
            finished: false,
        }
    }

    /// A chunked body, ended by a zero-size chunk and optional trailers.
    pub const fn chunked() -> Self {
        Self {
            kind: Kind::Chunked,
            finished: false,
        }
    }

    /// A body that ends when the connection closes (HTTP/1.0 peers, unknown length).
    pub const fn close_delimited() -> Self {
        Self {
            kind: Kind::CloseDelimited,
            finished: false,
        }
    }

    /// A message that has no body: data given to it is silently dropped (the response to
    /// `HEAD` is written by the same code as the one to `GET`).
    pub const fn discard() -> Self {
        Self {
            kind: Kind::Discard,
            finished: false,
        }
    }

    /// Whether [`Encoder::finish`] was called (or a length body was written in full).
    pub fn is_finished(&self) -> bool {
        self.finished || self.kind == Kind::Length(0)
    }

    /// Whether the body ends only when the connection closes.
    pub fn is_close_delimited(&self) -> bool {
        self.kind == Kind::CloseDelimited
    }

    /// Whether this encoder puts body bytes on the wire at all.
    pub fn has_body(&self) -> bool {
        self.kind != Kind::Discard
    }

    /// Bytes still to write, for a length body.
    pub fn remaining(&self) -> Option<u64> {
        match self.kind {
            Kind::Length(n) => Some(n),
            _ => None,
        }
    }

    /// Accounts for `len` body bytes and returns the framing to write around them.
    ///
    /// # Errors
    ///
    /// [`UserError::BodyTooLong`] past a declared length (nothing is accounted), and
    /// [`UserError::InvalidState`] after [`Encoder::finish`].
    pub fn frame(&mut self, len: usize) -> Result<Frame, UserError> {
        if self.finished {
            return Err(UserError::InvalidState);
        }
        match &mut self.kind {
            Kind::Length(remaining) => {
                if len as u64 > *remaining {
                    return Err(UserError::BodyTooLong);
                }
                *remaining -= len as u64;
                Ok(Frame::empty(true))
            }
            // An empty chunk would end the body: write nothing at all.
            Kind::Chunked if len == 0 => Ok(Frame::empty(true)),
            Kind::Chunked => {
                let mut frame = Frame::empty(true);
                let n = write_hex(&mut frame.prefix, len as u64);
                frame.prefix[n] = b'\r';
                frame.prefix[n + 1] = b'\n';
                frame.prefix_len = (n + 2) as u8;
                frame.suffix = b"\r\n";
                Ok(frame)
            }
            Kind::CloseDelimited => Ok(Frame::empty(true)),
            Kind::Discard => Ok(Frame::empty(false)),
        }
    }

    /// Frames `data` and appends it to `out` (a copy; see [`Encoder::frame`] to avoid it).
    ///
    /// # Errors
    ///
    /// As [`Encoder::frame`]; nothing is appended on error.
    pub fn encode(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), UserError> {
        if let (false, Kind::Length(remaining)) = (self.finished, &mut self.kind) {
            // The common case without a frame to build: a sized body is its bytes.
            if data.len() as u64 > *remaining {
                return Err(UserError::BodyTooLong);
            }
            *remaining -= data.len() as u64;
            out.extend_from_slice(data);
            return Ok(());
        }
        let frame = self.frame(data.len())?;
        if frame.writes_data() {
            out.extend_from_slice(frame.prefix());
            out.extend_from_slice(data);
            out.extend_from_slice(frame.suffix());
        }
        Ok(())
    }

    /// Ends the body: the zero-size chunk for chunked, a check that the declared length was
    /// written in full, nothing for the other framings. Calling it twice is harmless.
    ///
    /// # Errors
    ///
    /// [`UserError::BodyTooShort`] when a length body has bytes left to write: the message
    /// is broken and its connection must close.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), UserError> {
        self.finish_with_trailers(core::iter::empty::<(&[u8], &[u8])>(), out)
    }

    /// Like [`Encoder::finish`], with trailer fields after the last chunk. Trailers are
    /// dropped for framings other than chunked, which cannot carry them.
    ///
    /// # Errors
    ///
    /// As [`Encoder::finish`], plus [`UserError::InvalidHeaderName`] and
    /// [`UserError::InvalidHeaderValue`] for a trailer that cannot be sent.
    pub fn finish_with_trailers<'t>(
        &mut self,
        trailers: impl IntoIterator<Item = (&'t [u8], &'t [u8])>,
        out: &mut Vec<u8>,
    ) -> Result<(), UserError> {
        if self.finished {
            return Ok(());
        }
        match self.kind {
            Kind::Length(n) if n > 0 => return Err(UserError::BodyTooShort),
            Kind::Chunked => {
                let start = out.len();
                out.extend_from_slice(b"0\r\n");
                for (name, value) in trailers {
                    if let Err(e) = write_field(out, name, value) {
                        out.truncate(start);
                        return Err(e);
                    }
                }
                out.extend_from_slice(b"\r\n");
            }
            _ => {}
        }
        self.finished = true;
        Ok(())
    }
}

impl fmt::Debug for Encoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Encoder")
            .field("kind", &self.kind)
            .field("finished", &self.finished)
            .finish()
    }
}

/// Writes `n` in lowercase hex at the start of `buf`, returning the digit count.
fn write_hex(buf: &mut [u8], n: u64) -> usize {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digits = if n == 0 {
        1
    } else {
        (64 - n.leading_zeros() as usize).div_ceil(4)
    };
    for i in 0..digits {
        buf[digits - 1 - i] = DIGITS[((n >> (4 * i)) & 0xf) as usize];
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex() {
        let mut b = [0u8; 16];
        for (n, s) in [
            (0u64, "0"),
            (1, "1"),
            (15, "f"),
            (16, "10"),
            (0xabc, "abc"),
            (u64::MAX, "ffffffffffffffff"),
        ] {
            let len = write_hex(&mut b, n);
            assert_eq!(&b[..len], s.as_bytes());
        }
    }

    #[test]
    fn chunked_wire_bytes() {
        let mut enc = Encoder::chunked();
        let mut out = Vec::new();
        enc.encode(b"foo bar", &mut out).unwrap();
        enc.encode(b"", &mut out).unwrap();
        enc.encode(&[b'x'; 13], &mut out).unwrap();
        enc.finish_with_trailers([(&b"X-Sum"[..], &b"7"[..])], &mut out)
            .unwrap();
        assert_eq!(
            out,
            b"7\r\nfoo bar\r\nd\r\nxxxxxxxxxxxxx\r\n0\r\nX-Sum: 7\r\n\r\n"
        );
        assert!(enc.is_finished());
        assert_eq!(enc.encode(b"late", &mut out), Err(UserError::InvalidState));
    }

    #[test]
    fn length_limits() {
        let mut enc = Encoder::length(5);
        let mut out = Vec::new();
        enc.encode(b"abc", &mut out).unwrap();
        assert_eq!(enc.encode(b"def", &mut out), Err(UserError::BodyTooLong));
        assert_eq!(out, b"abc");
        assert_eq!(enc.finish(&mut out), Err(UserError::BodyTooShort));
        enc.encode(b"de", &mut out).unwrap();
        assert!(enc.is_finished());
        enc.finish(&mut out).unwrap();
        assert_eq!(out, b"abcde");
    }

    #[test]
    fn discard_and_close() {
        let mut out = Vec::new();
        let mut enc = Encoder::discard();
        enc.encode(b"dropped", &mut out).unwrap();
        enc.finish(&mut out).unwrap();
        assert!(out.is_empty());
        let mut enc = Encoder::close_delimited();
        enc.encode(b"raw", &mut out).unwrap();
        enc.finish(&mut out).unwrap();
        assert_eq!(out, b"raw");
    }

    #[test]
    fn bad_trailer_rejected() {
        let mut out = b"x".to_vec();
        let mut enc = Encoder::chunked();
        let err = enc.finish_with_trailers([(&b"X"[..], &b"a\r\nb"[..])], &mut out);
        assert_eq!(err, Err(UserError::InvalidHeaderValue));
        assert_eq!(out, b"x");
    }
}
