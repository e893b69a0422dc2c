//! 0.10's `buffer` module: the [`BufReader`] a request is read through
//! ([`server::Request::new`](crate::server::Request::new)).

use std::io::{self, BufRead, Read};

/// The most a [`BufReader`] grows to while a head is read (0.10's 8 KiB + 400 KiB).
const MAX_BUFFER: usize = 8 * 1024 + 400 * 1024;
const INIT_BUFFER: usize = 4 * 1024;

/// A buffered reader that can grow its buffer ([`BufReader::read_into_buf`]) until a
/// whole request head is in it, as 0.10's did.
///
/// A read at least as large as the buffer, with nothing buffered, goes straight to the
/// inner reader; with capacity 0 it never copies or allocates.
///
/// # Examples
///
/// ```
/// use std::io::{BufRead, Cursor, Read};
/// use hypersync::buffer::BufReader;
///
/// let mut r = BufReader::new(Cursor::new(b"GET / HTTP/1.1\r\n".to_vec()));
/// assert_eq!(r.read_into_buf().unwrap(), 16);
/// assert!(r.get_buf().starts_with(b"GET"));
/// let mut line = String::new();
/// r.read_line(&mut line).unwrap();
/// assert_eq!(line, "GET / HTTP/1.1\r\n");
/// ```
#[derive(Debug)]
pub struct BufReader<R> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
    cap: usize,
}

impl<R: Read> BufReader<R> {
    /// A reader with a 4 KiB buffer (allocated at the first read).
    pub fn new(rdr: R) -> BufReader<R> {
        BufReader::with_capacity(rdr, INIT_BUFFER)
    }

    /// A reader that starts with `buf`, of which `pos..cap` is unread.
    ///
    /// # Panics
    ///
    /// `pos > cap` or `cap > buf.len()`.
    pub fn from_parts(rdr: R, buf: Vec<u8>, pos: usize, cap: usize) -> BufReader<R> {
        assert!(
            pos <= cap && cap <= buf.len(),
            "BufReader::from_parts: bad bounds"
        );
        BufReader {
            inner: rdr,
            buf,
            pos,
            cap,
        }
    }

    /// A reader whose buffer holds `cap` bytes (allocated at the first buffered read).
    pub fn with_capacity(rdr: R, cap: usize) -> BufReader<R> {
        BufReader {
            inner: rdr,
            buf: Vec::with_capacity(cap.min(MAX_BUFFER)),
            pos: 0,
            cap: 0,
        }
    }

    /// The inner reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner reader, to change (bytes already buffered are not its any more).
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The bytes buffered and not yet read.
    pub fn get_buf(&self) -> &[u8] {
        &self.buf[self.pos..self.cap]
    }

    /// The buffer and its read bounds, leaving this reader with an empty one.
    pub fn take_buf(&mut self) -> (Vec<u8>, usize, usize) {
        let (pos, cap) = (self.pos, self.cap);
        self.pos = 0;
        self.cap = 0;
        (core::mem::take(&mut self.buf), pos, cap)
    }

    /// The inner reader (bytes still buffered are dropped).
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The inner reader and the buffer with its read bounds.
    pub fn into_parts(self) -> (R, Vec<u8>, usize, usize) {
        (self.inner, self.buf, self.pos, self.cap)
    }

    /// Reads more into the buffer (moving unread bytes to its front, growing it up to
    /// 408 KiB when full); returns how many came (0: end of stream, or the buffer is at
    /// its limit).
    ///
    /// # Errors
    ///
    /// The inner read failed.
    pub fn read_into_buf(&mut self) -> io::Result<usize> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.cap, 0);
            self.cap -= self.pos;
            self.pos = 0;
        }
        if self.cap == self.buf.len() {
            if self.buf.len() >= MAX_BUFFER {
                return Ok(0);
            }
            let want = (self.buf.capacity().max(INIT_BUFFER) * 2).min(MAX_BUFFER);
            let grow = want.max(self.buf.len() + INIT_BUFFER).min(MAX_BUFFER);
            self.buf.resize(grow, 0);
        }
        let n = self.inner.read(&mut self.buf[self.cap..])?;
        self.cap += n;
        Ok(n)
    }
}

impl<R: Read> Read for BufReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.cap && out.len() >= self.buf.capacity() {
            return self.inner.read(out);
        }
        let n = {
            let mut rem = self.fill_buf()?;
            rem.read(out)?
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for BufReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.cap {
            self.pos = 0;
            self.cap = 0;
            if self.buf.is_empty() {
                let size = self.buf.capacity().max(1);
                self.buf.resize(size, 0);
            }
            self.cap = self.inner.read(&mut self.buf)?;
        }
        Ok(&self.buf[self.pos..self.cap])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.cap);
    }
}

#[cfg(test)]
mod tests {
    use super::BufReader;
    use std::io::{BufRead, Cursor, Read};

    #[test]
    fn grows_until_the_limit_and_reads_everything_in_order() {
        let data: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
        let mut r = BufReader::with_capacity(Cursor::new(data.clone()), 16);
        let mut total = 0;
        loop {
            let n = r.read_into_buf().unwrap();
            if n == 0 {
                break;
            }
            total += n;
        }
        assert_eq!(total, data.len());
        assert_eq!(r.get_buf(), &data[..]);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, data);
    }

    #[test]
    fn zero_capacity_reads_straight_through() {
        let mut r = BufReader::with_capacity(Cursor::new(b"abc".to_vec()), 0);
        let mut out = [0u8; 2];
        assert_eq!(r.read(&mut out).unwrap(), 2);
        assert_eq!(&out, b"ab");
        assert_eq!(r.get_buf(), b"");
        assert_eq!(r.fill_buf().unwrap(), b"c");
    }
}
