//! [`Io`]: what a driver sees of one connection during one call: the read buffer, the
//! socket behind it (read once at a time, with the edge-triggered rules), and the write
//! buffer the loop flushes after the call.

use std::io::{self, IoSlice};
use std::time::Instant;

use crate::buf::{BufPool, ReadBuf};
use crate::token::ConnId;
use crate::transport::Transport;

/// The IO side of one connection during one driver call.
pub struct Io<'a, T> {
    pub(crate) transport: &'a mut T,
    pub(crate) rbuf: &'a mut Option<ReadBuf>,
    pub(crate) wbuf: &'a mut Option<Vec<u8>>,
    pub(crate) pool: &'a mut BufPool,
    pub(crate) read_ready: &'a mut bool,
    pub(crate) read_closed: bool,
    /// A read returned 0: later reads say so again without a syscall.
    pub(crate) read_eof: &'a mut bool,
    /// The transport's readiness follows the socket's edges exactly
    /// ([`Transport::short_read_drains`]): a read without readiness is skipped.
    pub(crate) edge_exact: bool,
    pub(crate) write_ready: &'a mut bool,
    pub(crate) budget: usize,
    pub(crate) max_buf: usize,
    pub(crate) now: Instant,
    pub(crate) id: ConnId,
}

impl<T> core::fmt::Debug for Io<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Io")
            .field("id", &self.id)
            .field(
                "buffered",
                &self.rbuf.as_ref().map_or(0, |b| b.filled().len()),
            )
            .field("pending_write", &self.wbuf.as_ref().map_or(0, Vec::len))
            .finish()
    }
}

impl<T: Transport> Io<'_, T> {
    /// The loop's time for this turn.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// This connection's identity.
    pub fn id(&self) -> ConnId {
        self.id
    }

    /// Bytes read and not yet consumed.
    pub fn buffered(&self) -> &[u8] {
        self.rbuf.as_ref().map_or(&[], ReadBuf::filled)
    }

    /// Drops `n` bytes from the front of [`Io::buffered`].
    ///
    /// # Panics
    ///
    /// If `n` is more than is buffered.
    pub fn consume(&mut self, n: usize) {
        if let Some(b) = self.rbuf.as_mut() {
            b.consume(n);
        } else {
            assert_eq!(n, 0, "consumed more than buffered");
        }
    }

    /// Reads from the socket into the buffer once.
    ///
    /// `Ok(n)` with `n > 0`: `n` new bytes are in [`Io::buffered`]. `Ok(0)`: the peer closed
    /// its side (EOF). `Err(WouldBlock)`: nothing more now (the loop calls again on the next
    /// readable event), or this connection used its read budget for the turn (it gets another
    /// turn soon), or the buffer is full at its maximum size.
    ///
    /// # Errors
    ///
    /// Socket errors, and `WouldBlock` as above.
    pub fn read(&mut self) -> io::Result<usize> {
        if *self.read_eof {
            return Ok(0); // as the socket would say again
        }
        if self.budget == 0 || (!*self.read_ready && self.edge_exact) {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let buf = self.rbuf.get_or_insert_with(|| self.pool.read_buf());
        let spare = buf.spare(self.max_buf);
        if spare.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let room = spare.len().min(self.budget);
        loop {
            match self.transport.read(&mut spare[..room]) {
                Ok(n) => {
                    buf.advance(n);
                    self.budget = self.budget.saturating_sub(n.max(1));
                    // A read that did not fill the room it had emptied the socket: the next
                    // byte to arrive raises a new edge, so asking before that edge would
                    // only return `WouldBlock` (one syscall per keep-alive request saved;
                    // tokio relies on the same rule). An end seen closed is read on until 0.
                    if n == 0 {
                        *self.read_ready = false;
                        *self.read_eof = true;
                    } else if n < room && !self.read_closed && self.edge_exact {
                        *self.read_ready = false;
                    }
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    if e.kind() == io::ErrorKind::WouldBlock {
                        *self.read_ready = false;
                    }
                    return Err(e);
                }
            }
        }
    }

    /// The write buffer: bytes appended here are flushed after the driver returns.
    pub fn write_buf(&mut self) -> &mut Vec<u8> {
        self.wbuf.get_or_insert_with(|| self.pool.write_buf())
    }

    /// Bytes waiting in the write buffer.
    pub fn pending_write(&self) -> usize {
        self.wbuf.as_ref().map_or(0, Vec::len)
    }

    /// Writes `bufs` without copying them when nothing is queued before them: straight to
    /// the socket with one vectored write, queueing only what the socket did not take, up
    /// to the loop's buffer limit. Returns how many bytes were taken; fewer than offered
    /// means: back off until [`Why::Writable`](crate::Why::Writable).
    ///
    /// # Errors
    ///
    /// Socket errors other than `WouldBlock`.
    pub fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let room = self.max_buf.saturating_sub(self.pending_write());
        self.write_vectored_up_to(bufs, room)
    }

    /// Like [`Io::write_vectored`], but queues whatever the socket does not take, however
    /// much: for bytes already committed to the wire format (a framed chunk).
    ///
    /// # Errors
    ///
    /// Socket errors other than `WouldBlock`.
    pub fn write_all_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<()> {
        self.write_vectored_up_to(bufs, usize::MAX).map(drop)
    }

    fn write_vectored_up_to(&mut self, bufs: &[IoSlice<'_>], room: usize) -> io::Result<usize> {
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        let mut written = 0;
        if self.pending_write() == 0 && *self.write_ready {
            loop {
                match self.transport.write_vectored(bufs) {
                    Ok(n) => {
                        written = n;
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        *self.write_ready = false;
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        if written == total {
            return Ok(total);
        }
        let mut skip = written;
        let mut queued = 0;
        let wbuf = self.wbuf.get_or_insert_with(|| self.pool.write_buf());
        for b in bufs {
            if skip >= b.len() {
                skip -= b.len();
                continue;
            }
            let part = &b[skip..];
            skip = 0;
            let take = part.len().min(room - queued);
            wbuf.extend_from_slice(&part[..take]);
            queued += take;
            if queued == room {
                break;
            }
        }
        Ok(written + queued)
    }

    /// Writes out the write buffer now, as far as the socket takes it. Returns whether
    /// everything went.
    ///
    /// # Errors
    ///
    /// Socket errors other than `WouldBlock`.
    pub fn flush(&mut self) -> io::Result<bool> {
        flush(self.transport, self.wbuf, self.write_ready)
    }

    /// The transport itself (for socket options, or a protocol taking it over).
    pub fn transport(&mut self) -> &mut T {
        self.transport
    }
}

pub(crate) fn flush<T: Transport>(
    t: &mut T,
    wbuf: &mut Option<Vec<u8>>,
    write_ready: &mut bool,
) -> io::Result<bool> {
    let Some(buf) = wbuf.as_mut() else {
        return flush_transport(t, write_ready);
    };
    let mut off = 0;
    let result = loop {
        if off == buf.len() {
            break Ok(true);
        }
        match t.write(&buf[off..]) {
            Ok(0) => break Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => off += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                *write_ready = false;
                break Ok(false);
            }
            Err(e) => break Err(e),
        }
    };
    buf.drain(..off);
    match result {
        Ok(true) => flush_transport(t, write_ready),
        r => r,
    }
}

/// Flushes what the transport itself holds (a TLS session's records), when it says it
/// holds some: a plain socket never does, and costs nothing here. Returns whether
/// everything went.
fn flush_transport<T: Transport>(t: &mut T, write_ready: &mut bool) -> io::Result<bool> {
    if t.blocked() != crate::transport::Blocked::Write {
        return Ok(true);
    }
    match t.flush() {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            *write_ready = false;
            Ok(false)
        }
        Err(e) => Err(e),
    }
}
