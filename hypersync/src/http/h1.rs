//! 0.10's `http::h1`: [`HttpReader`], the request body reader that
//! [`server::Request::deconstruct`](crate::server::Request::deconstruct) gives, and
//! [`LINE_ENDING`].

use std::io::{self, Read};

pub use self::HttpReader::{ChunkedReader, EmptyReader, EofReader, SizedReader};

/// The line ending of HTTP/1.x heads.
pub const LINE_ENDING: &str = "\r\n";

/// Longest chunk-size line (size, extensions, CRLF) a [`ChunkedReader`] accepts.
const MAX_CHUNK_LINE: usize = 4096;
/// Most trailer bytes a [`ChunkedReader`] reads past.
const MAX_TRAILERS: usize = 16 * 1024;

/// A message body over a reader `R`, framed as its head says.
///
/// A request served by [`Server`](crate::Server) comes as an `EofReader` over a stream
/// that gives the body already decoded (the connection's framing is hypersync's); one
/// read by [`Request::new`](crate::server::Request::new) from a stream of raw bytes
/// comes `SizedReader` or `ChunkedReader`, which decode it here.
///
/// # Examples
///
/// ```
/// use std::io::Read;
/// use hypersync::http::h1::HttpReader;
///
/// let mut body = HttpReader::ChunkedReader(&b"5\r\nhello\r\n0\r\n\r\n"[..], None);
/// let mut s = String::new();
/// body.read_to_string(&mut s).unwrap();
/// assert_eq!(s, "hello");
/// ```
#[derive(Debug)]
pub enum HttpReader<R> {
    /// `Content-Length`: this many bytes left.
    SizedReader(R, u64),
    /// `Transfer-Encoding: chunked`: `None` before a chunk-size line, `Some(n)` with `n`
    /// bytes left in the current chunk, `Some(0)` once the last chunk has been read.
    ChunkedReader(R, Option<u64>),
    /// Everything until the reader ends.
    EofReader(R),
    /// No body.
    EmptyReader(R),
}

impl<R: Read> HttpReader<R> {
    /// The reader.
    pub fn into_inner(self) -> R {
        match self {
            SizedReader(r, _) | ChunkedReader(r, _) | EofReader(r) | EmptyReader(r) => r,
        }
    }

    /// The reader, borrowed.
    pub fn get_ref(&self) -> &R {
        match self {
            SizedReader(r, _) | ChunkedReader(r, _) | EofReader(r) | EmptyReader(r) => r,
        }
    }

    /// The reader, to change.
    pub fn get_mut(&mut self) -> &mut R {
        match self {
            SizedReader(r, _) | ChunkedReader(r, _) | EofReader(r) | EmptyReader(r) => r,
        }
    }
}

fn invalid(msg: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

fn cut_short() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "message body cut short")
}

fn read_byte<R: Read>(r: &mut R) -> io::Result<u8> {
    let mut b = [0u8; 1];
    loop {
        match r.read(&mut b) {
            Ok(0) => return Err(cut_short()),
            Ok(_) => return Ok(b[0]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Reads the CRLF after a chunk's data.
fn read_crlf<R: Read>(r: &mut R) -> io::Result<()> {
    if read_byte(r)? == b'\r' && read_byte(r)? == b'\n' {
        Ok(())
    } else {
        Err(invalid("chunk data not followed by CRLF"))
    }
}

fn framing_error(e: hyper_proto::ParseError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// Reads a chunk-size line; its grammar (size, extensions, CRLF) is hyper-proto's
/// decoder's, the one the server applies. The last chunk's trailer section is read and
/// checked the same way (its fields are dropped, as 0.10 did).
fn read_chunk_size<R: Read>(r: &mut R) -> io::Result<u64> {
    let mut line = [0u8; MAX_CHUNK_LINE];
    let mut len = 0;
    loop {
        if len == line.len() {
            return Err(invalid("chunk-size line too long"));
        }
        line[len] = read_byte(r)?;
        len += 1;
        if line[len - 1] == b'\n' {
            break;
        }
    }
    let line = &line[..len];
    let mut dec = hyper_proto::Decoder::chunked();
    let step = dec.decode(line).map_err(framing_error)?;
    if step.consumed != len {
        return Err(invalid("invalid chunk-size line"));
    }
    // Checked above: hex digits first.
    let size = line
        .iter()
        .map_while(|&b| char::from(b).to_digit(16))
        .fold(0u64, |n, d| n * 16 + u64::from(d));
    if size == 0 {
        // The decoder takes the trailer section whole: the bytes so far, each time.
        let mut trailers = Vec::new();
        while !dec.is_done() {
            if trailers.len() >= MAX_TRAILERS {
                return Err(invalid("trailer section too large"));
            }
            trailers.push(read_byte(r)?);
            let step = dec.decode(&trailers).map_err(framing_error)?;
            trailers.drain(..step.consumed);
        }
    }
    Ok(size)
}

impl<R: Read> Read for HttpReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        match self {
            SizedReader(r, remaining) => {
                if *remaining == 0 {
                    return Ok(0);
                }
                let want = buf
                    .len()
                    .min(usize::try_from(*remaining).unwrap_or(usize::MAX));
                let n = r.read(&mut buf[..want])?;
                if n == 0 {
                    return Err(cut_short());
                }
                *remaining -= n as u64;
                Ok(n)
            }
            ChunkedReader(r, state) => loop {
                match *state {
                    Some(0) => return Ok(0),
                    None => *state = Some(read_chunk_size(r)?),
                    Some(rem) => {
                        let want = buf.len().min(usize::try_from(rem).unwrap_or(usize::MAX));
                        let n = r.read(&mut buf[..want])?;
                        if n == 0 {
                            return Err(cut_short());
                        }
                        let left = rem - n as u64;
                        if left == 0 {
                            read_crlf(r)?;
                            *state = None;
                        } else {
                            *state = Some(left);
                        }
                        return Ok(n);
                    }
                }
            },
            EofReader(r) => r.read(buf),
            EmptyReader(_) => Ok(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::HttpReader;
    use std::io::{self, Read};

    /// Gives its bytes `step` at a time, as a slow socket does.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn chunked(wire: &[u8], step: usize) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        HttpReader::ChunkedReader(Trickle(wire, step), None).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn chunked_bodies_decode_at_every_split() {
        let ok: &[(&[u8], &[u8])] = &[
            (b"5\r\nhello\r\n0\r\n\r\n", b"hello"),
            (b"3;name=val\r\nabc\r\n2 ;x\r\nde\r\n0\r\n\r\n", b"abcde"),
            (b"A\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n", b"0123456789"),
            (b"0\r\n\r\n", b""),
        ];
        for (wire, body) in ok {
            for step in 1..=wire.len() {
                assert_eq!(chunked(wire, step).unwrap(), *body, "{wire:?} step {step}");
            }
        }
        let bad: &[&[u8]] = &[
            b"5\r\nhello0\r\n\r\n",
            b"x\r\n",
            b"\r\nabc",
            b"a \r\n0123456789\r\n0\r\n\r\n",
            b"fffffffffffffffff\r\n",
            b"5\r\nhel",
        ];
        for wire in bad {
            for step in 1..=wire.len() {
                assert!(chunked(wire, step).is_err(), "{wire:?} step {step}");
            }
        }
    }

    #[test]
    fn sized_bodies_stop_at_their_length_and_fail_when_cut_short() {
        let mut r = HttpReader::SizedReader(&b"hello world"[..], 5);
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        assert_eq!(s, "hello");
        let mut short = HttpReader::SizedReader(&b"hel"[..], 5);
        assert!(short.read_to_end(&mut Vec::new()).is_err());
        let mut empty = HttpReader::EmptyReader(&b"x"[..]);
        assert_eq!(empty.read(&mut [0u8; 4]).unwrap(), 0);
    }
}
