//! Read and write buffers, and the per-loop pool they come from and go back to.
//!
//! A connection holds buffers only while it has bytes in them: when a turn leaves a buffer
//! empty it goes back to the pool, so an idle keep-alive connection holds none, and a busy
//! one reuses pooled memory instead of allocating per request.

/// A read buffer: filled at `end`, consumed from `start`.
#[derive(Debug)]
pub(crate) struct ReadBuf {
    /// Always fully initialised (`len() == capacity()` after the first fill), so reads go
    /// straight into it without unsafe code.
    data: Vec<u8>,
    start: usize,
    end: usize,
}

impl ReadBuf {
    pub(crate) fn filled(&self) -> &[u8] {
        &self.data[self.start..self.end]
    }

    pub(crate) fn consume(&mut self, n: usize) {
        assert!(n <= self.end - self.start, "consumed more than buffered");
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Free space at the end, making some (compacting, then growing up to `max`) if none.
    /// Returns an empty slice when the buffer is full at `max`.
    pub(crate) fn spare(&mut self, max: usize) -> &mut [u8] {
        if self.end == self.data.len() {
            if self.start > 0 {
                self.data.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else if self.data.len() < max {
                let new_len = (self.data.len() * 2).max(4096).min(max);
                self.data.resize(new_len, 0);
            }
        }
        &mut self.data[self.end..]
    }

    pub(crate) fn advance(&mut self, n: usize) {
        self.end += n;
        debug_assert!(self.end <= self.data.len());
    }
}

/// Buffers kept for reuse by one loop.
#[derive(Debug)]
pub(crate) struct BufPool {
    reads: Vec<ReadBuf>,
    writes: Vec<Vec<u8>>,
    size: usize,
    keep: usize,
    /// Buffers allocated because the pool was empty (for tests and stats).
    pub(crate) allocated: u64,
}

impl BufPool {
    pub(crate) fn new(size: usize, keep: usize) -> Self {
        Self {
            reads: Vec::new(),
            writes: Vec::new(),
            size,
            keep,
            allocated: 0,
        }
    }

    pub(crate) fn read_buf(&mut self) -> ReadBuf {
        self.reads.pop().unwrap_or_else(|| {
            self.allocated += 1;
            ReadBuf {
                data: vec![0; self.size],
                start: 0,
                end: 0,
            }
        })
    }

    pub(crate) fn write_buf(&mut self) -> Vec<u8> {
        self.writes.pop().unwrap_or_else(|| {
            self.allocated += 1;
            Vec::with_capacity(self.size)
        })
    }

    pub(crate) fn put_read(&mut self, mut buf: ReadBuf) {
        // A buffer grown for one huge head is not kept at that size.
        if self.reads.len() < self.keep && buf.data.len() <= self.size * 4 {
            buf.start = 0;
            buf.end = 0;
            self.reads.push(buf);
        }
    }

    pub(crate) fn put_write(&mut self, mut buf: Vec<u8>) {
        if self.writes.len() < self.keep && buf.capacity() <= self.size * 4 {
            buf.clear();
            self.writes.push(buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_consume_compact_grow() {
        let mut pool = BufPool::new(8, 4);
        let mut b = pool.read_buf();
        let spare = b.spare(32);
        assert_eq!(spare.len(), 8);
        spare[..8].copy_from_slice(b"abcdefgh");
        b.advance(8);
        b.consume(3);
        assert_eq!(b.filled(), b"defgh");
        // Full: compacts first.
        assert_eq!(b.spare(32).len(), 3);
        assert_eq!(b.filled(), b"defgh");
        b.advance(3);
        // Full with nothing consumed: grows.
        assert!(b.spare(32).len() >= 8);
        b.consume(8);
        assert!(b.is_empty());
        pool.put_read(b);
        let _again = pool.read_buf();
        assert_eq!(pool.allocated, 1, "reused, not allocated");
    }
}
