//! Buffers of the blocking connections (the server's workers, the client): the bytes read
//! and not yet parsed, and the decoded body bytes a caller's buffer could not take.

use std::io::{self, Read};
use std::time::Instant;

use hyper_proto::{Conn, Role};

/// Bytes read at a time (and the buffer's first size).
pub(crate) const READ_CHUNK: usize = 16 * 1024;

/// Bytes `pos..end` are read and not yet parsed; the rest is room, zeroed once when the
/// buffer grows, never per read.
#[derive(Default)]
pub(crate) struct ReadBuf {
    buf: Vec<u8>,
    pos: usize,
    end: usize,
}

impl ReadBuf {
    /// A buffer holding `bytes` as unparsed.
    pub(crate) fn from_bytes(bytes: Vec<u8>) -> ReadBuf {
        ReadBuf {
            end: bytes.len(),
            buf: bytes,
            pos: 0,
        }
    }

    /// The bytes read and not yet parsed.
    pub(crate) fn unparsed(&self) -> &[u8] {
        &self.buf[self.pos..self.end]
    }

    /// Marks `n` bytes parsed.
    pub(crate) fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.end);
    }

    /// The unparsed bytes alone, in a buffer of their size (none when there are none).
    pub(crate) fn into_unparsed(self) -> Vec<u8> {
        self.unparsed().to_vec()
    }

    /// One read from `r` into the room after the unparsed bytes: `Ok(false)` at end of
    /// stream.
    pub(crate) fn fill_from(&mut self, r: &mut impl Read) -> io::Result<bool> {
        let room = self.make_room();
        let n = loop {
            match r.read(&mut self.buf[self.end..self.end + room]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        self.end += n;
        Ok(n > 0)
    }

    /// Takes the storage out when nothing is unparsed, for another connection to use (a
    /// connection waiting for its next request then holds none).
    pub(crate) fn take_storage(&mut self) -> Vec<u8> {
        if self.pos != self.end {
            return Vec::new();
        }
        self.pos = 0;
        self.end = 0;
        std::mem::take(&mut self.buf)
    }

    /// Puts storage from [`ReadBuf::take_storage`] back, when this buffer has none.
    pub(crate) fn give_storage(&mut self, buf: Vec<u8>) {
        if self.buf.is_empty() {
            self.pos = 0;
            self.end = 0;
            self.buf = buf;
        }
    }

    /// Starts over when everything was parsed, moves the unparsed bytes to the front when
    /// the room left is small, and grows only when the unparsed bytes alone fill the
    /// buffer. Returns the room.
    fn make_room(&mut self) -> usize {
        if self.pos == self.end {
            self.pos = 0;
            self.end = 0;
        }
        if self.buf.len() - self.end < READ_CHUNK / 4 && self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.buf.len() - self.end < READ_CHUNK / 4 {
            let grown = (self.buf.len() * 2).max(READ_CHUNK);
            self.buf.resize(grown, 0);
        }
        self.buf.len() - self.end
    }
}

/// Decoded body bytes beyond what the reader's buffer took, served first next time.
#[derive(Default)]
pub(crate) struct Spill {
    data: Vec<u8>,
    pos: usize,
}

impl Spill {
    /// Copies spilled bytes into `dst`: `None` when there are none.
    pub(crate) fn take(&mut self, dst: &mut [u8]) -> Option<usize> {
        if self.pos == self.data.len() {
            return None;
        }
        let n = dst.len().min(self.data.len() - self.pos);
        dst[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        if self.pos == self.data.len() {
            self.data.clear();
            self.pos = 0;
        }
        Some(n)
    }

    /// Copies what of `data` fits into `dst` and keeps the rest: how much went to `dst`.
    pub(crate) fn split(&mut self, data: &[u8], dst: &mut [u8]) -> usize {
        let n = data.len().min(dst.len());
        dst[..n].copy_from_slice(&data[..n]);
        self.data.extend_from_slice(&data[n..]);
        n
    }

    /// Drops what is held.
    pub(crate) fn clear(&mut self) {
        self.data.clear();
        self.pos = 0;
    }
}

/// Reads body bytes of the message `proto` is receiving into `dst`, decoding what `rbuf`
/// holds and calling `fill` for more; what does not fit in `dst` waits in `spill`. `Ok(0)`
/// at the end of the body.
pub(crate) fn read_body<R: Role>(
    proto: &mut Conn<R>,
    rbuf: &mut ReadBuf,
    spill: &mut Spill,
    dst: &mut [u8],
    mut fill: impl FnMut(&mut ReadBuf) -> io::Result<bool>,
) -> io::Result<usize> {
    if let Some(n) = spill.take(dst) {
        return Ok(n);
    }
    loop {
        if proto.is_read_done() || !proto.is_reading_body() {
            return Ok(0);
        }
        if !rbuf.unparsed().is_empty() {
            let d = proto
                .recv_body(Instant::now(), rbuf.unparsed())
                .map_err(invalid)?;
            let consumed = d.consumed;
            let n = spill.split(d.data, dst);
            rbuf.consume(consumed);
            if n > 0 {
                return Ok(n);
            }
            if consumed > 0 {
                continue;
            }
        }
        if !fill(rbuf)? {
            proto.recv_eof(Instant::now()).map_err(invalid)?;
            return Ok(0);
        }
    }
}

/// A protocol error as an `io::Error` (`InvalidData`), for `Read` and `Write` callers.
pub(crate) fn invalid(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_keep_every_unparsed_byte() {
        let mut rb = ReadBuf::default();
        let data: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        let mut src = &data[..];
        let mut seen = Vec::new();
        // Parse in odd steps, leaving some bytes unparsed each time.
        while rb.fill_from(&mut src).unwrap() {
            let take = rb.unparsed().len() * 2 / 3;
            seen.extend_from_slice(&rb.unparsed()[..take]);
            rb.consume(take);
        }
        seen.extend_from_slice(rb.unparsed());
        assert_eq!(seen, data);
        assert!(rb.buf.len() <= 2 * READ_CHUNK, "grew to {}", rb.buf.len());
    }

    #[test]
    fn a_head_larger_than_the_buffer_grows_it() {
        let mut rb = ReadBuf::default();
        let data = vec![7u8; 3 * READ_CHUNK];
        let mut src = &data[..];
        while rb.fill_from(&mut src).unwrap() {}
        assert_eq!(rb.unparsed(), &data[..]);
    }

    #[test]
    fn spill_serves_what_did_not_fit() {
        let mut spill = Spill::default();
        let mut dst = [0u8; 3];
        assert_eq!(spill.split(b"abcdefg", &mut dst), 3);
        assert_eq!(&dst, b"abc");
        assert_eq!(spill.take(&mut dst), Some(3));
        assert_eq!(&dst, b"def");
        assert_eq!(spill.take(&mut dst), Some(1));
        assert_eq!(dst[0], b'g');
        assert_eq!(spill.take(&mut dst), None);
    }
}
