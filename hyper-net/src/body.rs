//! [`Decoder`] and [`Encoder`]: `std::io::Read` / `Write` for message bodies, over the
//! connection's buffers and socket plus the framing state of a `hyper_proto::Conn`.

use std::io::{self, IoSlice, Read, Write};

use hyper_proto::{Conn, Role};

use crate::io::Io;
use crate::transport::Transport;

fn proto_err(e: hyper_proto::Error) -> io::Error {
    let kind = if e.is_incomplete() {
        io::ErrorKind::UnexpectedEof
    } else {
        io::ErrorKind::InvalidData
    };
    io::Error::new(kind, e)
}

/// Reads a message body: buffered bytes first, then the socket, de-framed by the
/// connection's decoder. `Read::read` returns `Ok(0)` at the end of the body and
/// `ErrorKind::WouldBlock` when the socket has nothing more for now.
///
/// # Examples
///
/// ```
/// use hyper_net::{Decoder, Step, Transport};
///
/// /// Reads what is there; returns the body so far and the step to take.
/// fn read_some<T: Transport>(mut dec: Decoder<'_, '_, T, hyper_proto::Server>, body: &mut Vec<u8>) -> Step {
///     let mut buf = [0u8; 4096];
///     loop {
///         match dec.try_read(&mut buf) {
///             Ok(Some(0)) => return Step::write(),          // end of body: answer now
///             Ok(Some(n)) => body.extend_from_slice(&buf[..n]),
///             Ok(None) => return Step::read(),              // wait for Why::Readable
///             Err(_) => return Step::close(),               // broken framing, socket error
///         }
///     }
/// }
/// # let _ = read_some::<hyper_net::TcpStream>;
/// ```
#[derive(Debug)]
pub struct Decoder<'a, 'io, T, R: Role> {
    io: &'a mut Io<'io, T>,
    conn: &'a mut Conn<R>,
}

impl<'a, 'io, T: Transport, R: Role> Decoder<'a, 'io, T, R> {
    /// A decoder for the body `conn` is reading.
    pub fn new(io: &'a mut Io<'io, T>, conn: &'a mut Conn<R>) -> Self {
        Self { io, conn }
    }

    /// Whether the whole body was read.
    pub fn is_done(&self) -> bool {
        !self.conn.is_reading_body()
    }

    /// The trailer fields of a chunked body, once `read` returned `Ok(0)`.
    pub fn trailers(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.conn.trailers()
    }

    /// Like `read`, with `WouldBlock` mapped to `Ok(None)`.
    ///
    /// # Errors
    ///
    /// `InvalidData` for broken framing, `UnexpectedEof` when the peer closed mid-body,
    /// socket errors.
    pub fn try_read(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        match self.read(buf) {
            Ok(n) => Ok(Some(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl<T: Transport, R: Role> Read for Decoder<'_, '_, T, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let now = self.io.now();
        loop {
            if !self.conn.is_reading_body() {
                return Ok(0);
            }
            let buffered = self.io.buffered();
            if !buffered.is_empty() {
                // Offer at most what fits in `buf`: the decoder never returns more data than
                // input, and it takes any split.
                let input = &buffered[..buffered.len().min(buf.len())];
                let step = self.conn.recv_body(now, input).map_err(proto_err)?;
                let n = step.data.len();
                buf[..n].copy_from_slice(step.data);
                let consumed = step.consumed;
                self.io.consume(consumed);
                if n > 0 {
                    return Ok(n);
                }
                if consumed > 0 {
                    continue;
                }
            }
            match self.io.read() {
                Ok(0) => {
                    self.conn.recv_eof(now).map_err(proto_err)?;
                    return Ok(0);
                }
                Ok(_) => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// How many written bytes may wait in a connection's buffer before an [`Encoder`] takes no
/// more (`WouldBlock`) until the socket drains them.
pub const MAX_QUEUED_BODY: usize = 64 * 1024;

/// Writes a message body, framed by the connection's encoder (chunk sizes for chunked,
/// length checks for `Content-Length`), with vectored writes that do not copy the body when
/// the socket takes it at once. `ErrorKind::WouldBlock` means: wait for `Why::Writable`.
#[derive(Debug)]
pub struct Encoder<'a, 'io, T, R: Role> {
    io: &'a mut Io<'io, T>,
    conn: &'a mut Conn<R>,
    /// Largest write queued in one call: keeps a slow peer from growing the buffer.
    max_queue: usize,
}

impl<'a, 'io, T: Transport, R: Role> Encoder<'a, 'io, T, R> {
    /// An encoder for the body `conn` is writing.
    pub fn new(io: &'a mut Io<'io, T>, conn: &'a mut Conn<R>) -> Self {
        Self {
            io,
            conn,
            max_queue: MAX_QUEUED_BODY,
        }
    }

    /// Ends the body (the last chunk for chunked).
    ///
    /// # Errors
    ///
    /// `InvalidInput` when a `Content-Length` body was not written in full.
    pub fn close(&mut self) -> io::Result<()> {
        let now = self.io.now();
        let out = self.io.write_buf();
        self.conn
            .finish_body(now, core::iter::empty::<(&[u8], &[u8])>(), out)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
    }

    /// Like `write`, with `WouldBlock` mapped to `Ok(None)`.
    ///
    /// # Errors
    ///
    /// As `write`.
    pub fn try_write(&mut self, data: &[u8]) -> io::Result<Option<usize>> {
        match self.write(data) {
            Ok(n) => Ok(Some(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl<T: Transport, R: Role> Write for Encoder<'_, '_, T, R> {
    /// Writes up to `data.len()` bytes. `InvalidInput` past a declared length.
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        // Back-pressure: while earlier bytes still wait, take nothing more.
        if self.io.pending_write() >= self.max_queue {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let len = data.len().min(self.max_queue);
        let frame = self
            .conn
            .frame_body(len)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        if frame.writes_data() {
            let parts = [
                IoSlice::new(frame.prefix()),
                IoSlice::new(&data[..len]),
                IoSlice::new(frame.suffix()),
            ];
            self.io.write_all_vectored(&parts)?;
        }
        self.conn.body_written(self.io.now());
        Ok(len)
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.io.flush()? {
            true => Ok(()),
            false => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}
