//! Body decoding: a pure state machine from framed bytes to body bytes.
//!
//! The decoder never copies: [`Decoder::decode`] returns a sub-slice of its input as body
//! data, and says how many input bytes it consumed. Bytes it did not consume must be offered
//! again, followed by new ones (only a trailer section is ever held back that way).

use core::fmt;

use crate::error::ParseError;
use crate::head_parse::BodyLength;
use crate::limits::Limits;

/// Turns the bytes after a head into body bytes, for any of the three framings.
///
/// # Examples
///
/// ```
/// use hyper_proto::{BodyLength, Decoder, Limits};
///
/// let mut dec = Decoder::new(BodyLength::Chunked, &Limits::default());
/// let mut input: &[u8] = b"3\r\nfoo\r\n0\r\n\r\n";
/// let mut body = Vec::new();
/// while !dec.is_done() {
///     let step = dec.decode(input).unwrap();
///     body.extend_from_slice(step.data);
///     input = &input[step.consumed..];
/// }
/// assert_eq!(body, b"foo");
/// ```
#[derive(Clone)]
pub struct Decoder {
    kind: Kind,
}

#[derive(Clone, Debug)]
enum Kind {
    /// Bytes left to read.
    Length(u64),
    Chunked(Chunked),
    /// Read until EOF; `true` once EOF was seen.
    Eof(bool),
}

#[derive(Clone, Debug)]
struct Chunked {
    state: ChunkState,
    /// Bytes left in the current chunk (or the size being parsed).
    size: u64,
    /// Chunk-extension bytes seen in this body so far.
    ext_total: usize,
    /// Body bytes seen so far, to enforce `max_body`.
    total: u64,
    /// How far the trailer section has been scanned for its end.
    trailer_scanned: usize,
    max_ext: usize,
    max_trailer: usize,
    max_body: Option<u64>,
}

/// Where a chunk extension is: `;` BWS name [ BWS `=` BWS ( token / quoted-string ) ].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ExtState {
    /// After `;`: whitespace, then the name's first byte.
    BeforeName,
    /// In the name (a token).
    Name,
    /// Whitespace after the name: `=` or `;` follows.
    AfterName,
    /// After `=`: whitespace, then a token or a quoted string.
    BeforeValue,
    /// In a token value.
    Token,
    /// In a quoted-string value.
    Quoted,
    /// After a backslash in a quoted string.
    Escape,
    /// Right after a quoted string's closing quote.
    Closed,
    /// Whitespace after a value: `;` follows.
    AfterValue,
}

/// `tchar` of RFC 9110 §5.6.2.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The next extension state after `b`; `Ok(None)`: the CR that ends the size line.
fn ext_step(state: ExtState, b: u8) -> Result<Option<ExtState>, ParseError> {
    use ExtState::*;
    let ws = b == b' ' || b == b'\t';
    let next = match (state, b) {
        (BeforeName, _) if ws => BeforeName,
        (BeforeName, _) if is_tchar(b) => Name,
        (Name, _) if is_tchar(b) => Name,
        (Name | AfterName, _) if ws => AfterName,
        (Name | AfterName, b'=') => BeforeValue,
        (Name | AfterName | Token | Closed | AfterValue, b';') => BeforeName,
        (Name | Token | Closed, b'\r') => return Ok(None),
        (BeforeValue, _) if ws => BeforeValue,
        (BeforeValue, b'"') => Quoted,
        (BeforeValue, _) if is_tchar(b) => Token,
        (Token, _) if is_tchar(b) => Token,
        (Token | Closed | AfterValue, _) if ws => AfterValue,
        (Quoted, b'"') => Closed,
        (Quoted, b'\\') => Escape,
        // qdtext and quoted-pair: HTAB, SP, visible ASCII, obs-text.
        (Quoted | Escape, _) if ws || (0x21..=0x7e).contains(&b) || b >= 0x80 => Quoted,
        _ => return Err(ParseError::ChunkExtension),
    };
    Ok(Some(next))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ChunkState {
    /// Expecting the first hex digit of a chunk size.
    Start,
    /// In the hex digits.
    Size,
    /// Whitespace after the size: only a `;` may follow (RFC 9112 §7.1.1: BWS comes
    /// before an extension, never before the CRLF).
    SizeWs,
    /// In a chunk extension (RFC 9112 §7.1.1), at this point of its grammar.
    Ext(ExtState),
    /// Saw CR after the size line; expecting LF.
    SizeLf,
    /// In chunk data.
    Data,
    /// After chunk data; expecting CR.
    DataCr,
    /// After chunk data and CR; expecting LF.
    DataLf,
    /// After the last chunk: the trailer section.
    Trailers,
    /// Finished.
    Done,
}

/// One step of decoding: how much input was used, and the body bytes found in it.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded<'a> {
    /// Input bytes consumed (framing and data); drop them from the buffer.
    pub consumed: usize,
    /// Body bytes: a sub-slice of the input, inside the consumed part. Empty when this step
    /// only crossed framing, needs more input, or finished the body.
    pub data: &'a [u8],
    /// The trailer section (field lines without the final blank line), on the step that
    /// finishes a chunked body that has one.
    pub trailers: Option<&'a [u8]>,
}

impl Decoder {
    /// A decoder for a body framed as `length`, applying the chunk and body limits of
    /// `limits`.
    pub fn new(length: BodyLength, limits: &Limits) -> Self {
        let kind = match length {
            BodyLength::Empty => Kind::Length(0),
            BodyLength::Length(n) => Kind::Length(n),
            BodyLength::CloseDelimited => Kind::Eof(false),
            BodyLength::Chunked => Kind::Chunked(Chunked {
                state: ChunkState::Start,
                size: 0,
                ext_total: 0,
                total: 0,
                trailer_scanned: 0,
                max_ext: limits.max_chunk_extensions,
                max_trailer: limits.max_trailer_size,
                max_body: limits.max_body_size,
            }),
        };
        Self { kind }
    }

    /// A decoder for a `Content-Length` body.
    pub fn length(n: u64) -> Self {
        Self {
            kind: Kind::Length(n),
        }
    }

    /// A decoder for a chunked body with default limits.
    pub fn chunked() -> Self {
        Self::new(BodyLength::Chunked, &Limits::default())
    }

    /// A decoder for a body that ends when the connection closes.
    pub fn eof() -> Self {
        Self {
            kind: Kind::Eof(false),
        }
    }

    /// Whether the whole body has been decoded.
    pub fn is_done(&self) -> bool {
        match &self.kind {
            Kind::Length(n) => *n == 0,
            Kind::Chunked(c) => c.state == ChunkState::Done,
            Kind::Eof(done) => *done,
        }
    }

    /// Whether the body ends only when the connection does.
    pub fn is_eof(&self) -> bool {
        matches!(self.kind, Kind::Eof(_))
    }

    /// Body bytes still expected for a length-delimited body.
    pub fn remaining(&self) -> Option<u64> {
        match self.kind {
            Kind::Length(n) => Some(n),
            _ => None,
        }
    }

    /// Decodes as much of `input` as it can, up to one contiguous run of body bytes.
    ///
    /// Call in a loop: drop `consumed` bytes from the input after each step. When a step
    /// returns no data, consumes nothing and the body is not done, more input is needed.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] for malformed chunked framing or a body past the size limit. The
    /// framing can no longer be trusted after an error.
    pub fn decode<'a>(&mut self, input: &'a [u8]) -> Result<Decoded<'a>, ParseError> {
        match &mut self.kind {
            Kind::Length(remaining) => {
                let n = (*remaining).min(input.len() as u64) as usize;
                *remaining -= n as u64;
                Ok(Decoded {
                    consumed: n,
                    data: &input[..n],
                    trailers: None,
                })
            }
            Kind::Eof(done) => {
                let n = if *done { 0 } else { input.len() };
                Ok(Decoded {
                    consumed: n,
                    data: &input[..n],
                    trailers: None,
                })
            }
            Kind::Chunked(c) => c.decode(input),
        }
    }

    /// Tells the decoder the peer closed the connection.
    ///
    /// # Errors
    ///
    /// [`ParseError::IncompleteBody`] unless the body was complete or ends at close.
    pub fn decode_eof(&mut self) -> Result<(), ParseError> {
        if let Kind::Eof(done) = &mut self.kind {
            *done = true;
        }
        if self.is_done() {
            Ok(())
        } else {
            Err(ParseError::IncompleteBody)
        }
    }
}

impl fmt::Debug for Decoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Length(n) => f.debug_tuple("Decoder::Length").field(n).finish(),
            Kind::Chunked(c) => f
                .debug_struct("Decoder::Chunked")
                .field("state", &c.state)
                .field("size", &c.size)
                .finish(),
            Kind::Eof(done) => f.debug_tuple("Decoder::Eof").field(done).finish(),
        }
    }
}

impl Chunked {
    fn decode<'a>(&mut self, input: &'a [u8]) -> Result<Decoded<'a>, ParseError> {
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            match self.state {
                ChunkState::Start => {
                    self.size = hex_value(b).ok_or(ParseError::ChunkSize)?;
                    self.state = ChunkState::Size;
                }
                ChunkState::Size => match b {
                    b'\r' => self.state = ChunkState::SizeLf,
                    b';' => self.state = ChunkState::Ext(ExtState::BeforeName),
                    b' ' | b'\t' => self.state = ChunkState::SizeWs,
                    _ => {
                        let digit = hex_value(b).ok_or(ParseError::ChunkSize)?;
                        self.size = self
                            .size
                            .checked_mul(16)
                            .and_then(|s| s.checked_add(digit))
                            .ok_or(ParseError::ChunkSize)?;
                    }
                },
                ChunkState::SizeWs => match b {
                    b' ' | b'\t' => {}
                    b';' => self.state = ChunkState::Ext(ExtState::BeforeName),
                    _ => return Err(ParseError::ChunkSize),
                },
                ChunkState::Ext(at) => {
                    self.state = match ext_step(at, b)? {
                        Some(next) => {
                            self.ext_total += 1;
                            if self.ext_total > self.max_ext {
                                return Err(ParseError::ChunkExtensionsTooLarge);
                            }
                            ChunkState::Ext(next)
                        }
                        None => ChunkState::SizeLf,
                    };
                }
                ChunkState::SizeLf => {
                    if b != b'\n' {
                        return Err(ParseError::ChunkSize);
                    }
                    if self.size == 0 {
                        self.state = ChunkState::Trailers;
                        self.trailer_scanned = 0;
                        return self.trailers(input, i + 1);
                    }
                    self.total = self.total.saturating_add(self.size);
                    if self.max_body.is_some_and(|max| self.total > max) {
                        return Err(ParseError::BodyTooLarge);
                    }
                    self.state = ChunkState::Data;
                }
                ChunkState::Data => {
                    let n = self.size.min((input.len() - i) as u64) as usize;
                    self.size -= n as u64;
                    if self.size == 0 {
                        self.state = ChunkState::DataCr;
                    }
                    return Ok(Decoded {
                        consumed: i + n,
                        data: &input[i..i + n],
                        trailers: None,
                    });
                }
                ChunkState::DataCr => {
                    if b != b'\r' {
                        return Err(ParseError::ChunkData);
                    }
                    self.state = ChunkState::DataLf;
                }
                ChunkState::DataLf => {
                    if b != b'\n' {
                        return Err(ParseError::ChunkData);
                    }
                    self.state = ChunkState::Start;
                }
                ChunkState::Trailers => return self.trailers(input, i),
                ChunkState::Done => break,
            }
            i += 1;
        }
        Ok(Decoded {
            consumed: i,
            data: &[],
            trailers: None,
        })
    }

    /// The trailer section starts at `input[start..]`. It is consumed only once complete.
    ///
    /// ```notrust
    /// trailer-section = *( field-line CRLF )
    /// last-chunk ... trailer-section CRLF
    /// ```
    fn trailers<'a>(&mut self, input: &'a [u8], start: usize) -> Result<Decoded<'a>, ParseError> {
        let need_more = Decoded {
            consumed: start,
            data: &[],
            trailers: None,
        };
        let section = &input[start..];
        // No trailers: just the final CRLF.
        match section {
            [] | [b'\r'] => return Ok(need_more),
            [b'\r', b'\n', ..] => {
                self.state = ChunkState::Done;
                return Ok(Decoded {
                    consumed: start + 2,
                    data: &[],
                    trailers: None,
                });
            }
            [b'\r', ..] | [b'\n', ..] => return Err(ParseError::Trailer),
            _ => {}
        }
        let from = self.trailer_scanned.saturating_sub(3);
        let end = section[from..]
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|p| from + p + 4);
        let Some(end) = end else {
            if section.len() > self.max_trailer {
                return Err(ParseError::TrailersTooLarge);
            }
            self.trailer_scanned = section.len();
            return Ok(need_more);
        };
        if end > self.max_trailer {
            return Err(ParseError::TrailersTooLarge);
        }
        let block = &section[..end];
        let mut slots = [httparse::EMPTY_HEADER; 64];
        match httparse::parse_headers(block, &mut slots) {
            Ok(httparse::Status::Complete((n, _))) if n == end => {}
            Err(httparse::Error::TooManyHeaders) => return Err(ParseError::TrailersTooLarge),
            _ => return Err(ParseError::Trailer),
        }
        self.state = ChunkState::Done;
        Ok(Decoded {
            consumed: start + end,
            data: &[],
            trailers: Some(&block[..end - 2]),
        })
    }
}

#[inline]
fn hex_value(b: u8) -> Option<u64> {
    match b {
        b'0'..=b'9' => Some(u64::from(b - b'0')),
        b'a'..=b'f' => Some(u64::from(b - b'a' + 10)),
        b'A'..=b'F' => Some(u64::from(b - b'A' + 10)),
        _ => None,
    }
}
