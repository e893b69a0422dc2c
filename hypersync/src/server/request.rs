//! The request a [`Handler`](super::Handler) gets: the head as public fields, the body as
//! `Read`.

use core::fmt;
use std::io::{self, BufRead, Read};
use std::net::{Shutdown, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::conn::{Head, WorkerConn};
use crate::buffer::BufReader;
use crate::header::Headers;
use crate::http::h1::HttpReader;
use crate::method::Method;
use crate::net::NetworkStream;
use crate::uri::RequestUri;
use crate::version::HttpVersion;

/// The body reader of a request: 0.10's type, which iron's `Body` wraps.
pub type Body<'a, 'b> = HttpReader<&'a mut BufReader<&'b mut dyn NetworkStream>>;

/// An incoming request. The fields are public and may be moved out (`match req.method`),
/// as in 0.10; `Read` gives the body, ending at its end.
///
/// A body the handler does not read is not taken for the next request (0.10's bug): the
/// server reads and drops the rest, up to 1 MiB, or closes the connection.
pub struct Request<'a, 'b: 'a> {
    /// The client's address.
    pub remote_addr: SocketAddr,
    /// The method.
    pub method: Method,
    /// The header fields.
    pub headers: Headers,
    /// The request target, query included.
    pub uri: RequestUri,
    /// The version the client spoke.
    pub version: HttpVersion,
    body: Body<'a, 'b>,
}

impl<'a, 'b> Request<'a, 'b> {
    /// Reads a request head from `stream` (any [`NetworkStream`]: a socket, a mock over
    /// bytes); the body is then read from `stream` as the head frames it. The same rules
    /// as the server's apply (RFC 9112: framing, `Host`, limits).
    ///
    /// # Errors
    ///
    /// The head is malformed ([`Error::Method`](crate::Error::Method),
    /// [`Error::Version`](crate::Error::Version), [`Error::Header`](crate::Error::Header),
    /// [`Error::TooLarge`](crate::Error::TooLarge)...), or the stream ended or failed
    /// before it was whole.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Read;
    /// use hypersync::buffer::BufReader;
    /// use hypersync::net::NetworkStream;
    /// use hypersync::server::Request;
    /// # use std::io::{self, Cursor, Write};
    /// # use std::net::SocketAddr;
    /// # use std::time::Duration;
    /// # struct Mock(Cursor<Vec<u8>>);
    /// # impl Read for Mock { fn read(&mut self, b: &mut [u8]) -> io::Result<usize> { self.0.read(b) } }
    /// # impl Write for Mock {
    /// #     fn write(&mut self, b: &[u8]) -> io::Result<usize> { Ok(b.len()) }
    /// #     fn flush(&mut self) -> io::Result<()> { Ok(()) }
    /// # }
    /// # impl NetworkStream for Mock {
    /// #     fn peer_addr(&mut self) -> io::Result<SocketAddr> { Ok(([127, 0, 0, 1], 9).into()) }
    /// #     fn set_read_timeout(&self, _: Option<Duration>) -> io::Result<()> { Ok(()) }
    /// #     fn set_write_timeout(&self, _: Option<Duration>) -> io::Result<()> { Ok(()) }
    /// # }
    ///
    /// let raw = b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello".to_vec();
    /// let mut stream = Mock(Cursor::new(raw));
    /// let mut reader = BufReader::new(&mut stream as &mut dyn NetworkStream);
    /// let mut req = Request::new(&mut reader, "127.0.0.1:9".parse().unwrap()).unwrap();
    /// let mut body = String::new();
    /// req.read_to_string(&mut body).unwrap();
    /// assert_eq!((req.method.as_ref(), body.as_str()), ("POST", "hello"));
    /// ```
    pub fn new(
        stream: &'a mut BufReader<&'b mut dyn NetworkStream>,
        addr: SocketAddr,
    ) -> crate::Result<Request<'a, 'b>> {
        let mut parser = hyper_proto::RequestParser::new(hyper_proto::Limits::default());
        let (head, body, used) = loop {
            match parser.parse(stream.get_buf()) {
                Ok(Some(req)) => break (Head::of(&req), req.body(), req.head_len()),
                Ok(None) => {}
                Err(hyper_proto::ParseError::MissingHost) => {
                    break with_target_host(stream.get_buf()).ok_or(crate::Error::Header)?
                }
                Err(e) => return Err(e.into()),
            }
            if stream.read_into_buf()? == 0 {
                return Err(if stream.get_buf().is_empty() {
                    crate::Error::Io(io::Error::new(
                        io::ErrorKind::ConnectionAborted,
                        "the stream ended before a request",
                    ))
                } else if stream.get_buf().len() >= parser.limits().head_size() {
                    crate::Error::TooLarge
                } else {
                    crate::Error::Io(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the stream ended inside a request head",
                    ))
                });
            }
        };
        stream.consume(used);
        let body = match body {
            hyper_proto::BodyLength::Length(n) => HttpReader::SizedReader(stream, n),
            hyper_proto::BodyLength::Chunked => HttpReader::ChunkedReader(stream, None),
            hyper_proto::BodyLength::Empty | hyper_proto::BodyLength::CloseDelimited => {
                HttpReader::EmptyReader(stream)
            }
        };
        Ok(Request::from_head(head, addr, body))
    }

    pub(crate) fn from_head(head: Head, remote_addr: SocketAddr, body: Body<'a, 'b>) -> Self {
        Request {
            remote_addr,
            method: head.method,
            headers: head.headers,
            uri: head.uri,
            version: head.version,
            body,
        }
    }

    /// How long a read of the body may wait for bytes (the server's
    /// `set_read_timeout` until changed here).
    ///
    /// # Errors
    ///
    /// The stream refused the setting.
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.body.get_ref().get_ref().set_read_timeout(timeout)
    }

    /// The stream the request is read from, if it is a `T`. For a request a
    /// [`Server`](super::Server) serves it is always a [`ConnStream`], whatever the
    /// listener: the body comes decoded through the connection hypersync frames. For one
    /// made by [`Request::new`], it is the stream given.
    pub fn downcast_ref<T: NetworkStream>(&self) -> Option<&T> {
        self.body.get_ref().get_ref().downcast_ref()
    }

    /// 0.10's name for [`Request::downcast_ref`], used to reach a TLS stream.
    pub fn ssl<T: NetworkStream>(&self) -> Option<&T> {
        self.downcast_ref()
    }

    /// The parts of the request: address, method, headers, target, version, and the body
    /// reader.
    pub fn deconstruct(
        self,
    ) -> (
        SocketAddr,
        Method,
        Headers,
        RequestUri,
        HttpVersion,
        Body<'a, 'b>,
    ) {
        (
            self.remote_addr,
            self.method,
            self.headers,
            self.uri,
            self.version,
            self.body,
        )
    }
}

impl Read for Request<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.body.read(buf)
    }
}

impl fmt::Debug for Request<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("remote_addr", &self.remote_addr)
            .field("method", &self.method)
            .field("uri", &self.uri)
            .field("version", &self.version)
            .field("headers", &self.headers)
            .finish()
    }
}

/// An HTTP/1.1 head in absolute form (`GET http://host/ HTTP/1.1`) without `Host`, as
/// test helpers of the 0.10 days write them (iron-test): parsed with the target's
/// authority as its `Host`, which is what a server uses for such a target anyway (RFC 9112
/// §3.2.2). The server itself still answers 400 to it, as RFC 9112 §3.2 requires.
fn with_target_host(buf: &[u8]) -> Option<(Head, hyper_proto::BodyLength, usize)> {
    let line_end = buf.windows(2).position(|w| w == b"\r\n")?;
    let line = std::str::from_utf8(&buf[..line_end]).ok()?;
    let target = line.split(' ').nth(1)?;
    let after_scheme = target.split_once("://")?.1;
    let authority = after_scheme.split(['/', '?']).next()?;
    let mut patched = Vec::with_capacity(buf.len() + authority.len() + 8);
    patched.extend_from_slice(&buf[..line_end + 2]);
    let added = b"Host: ".len() + authority.len() + 2;
    patched.extend_from_slice(b"Host: ");
    patched.extend_from_slice(authority.as_bytes());
    patched.extend_from_slice(b"\r\n");
    patched.extend_from_slice(&buf[line_end + 2..]);
    let mut parser = hyper_proto::RequestParser::new(hyper_proto::Limits::default());
    let req = parser.parse(&patched).ok()??;
    let mut head = Head::of(&req);
    head.headers.remove_raw("Host");
    Some((head, req.body(), req.head_len() - added))
}

/// The connection a worker serves, shared by the request's body stream and the response.
#[derive(Default)]
pub(crate) struct Shared(Mutex<Option<WorkerConn>>);

impl Shared {
    pub(crate) fn put(&self, conn: WorkerConn) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(conn);
    }

    pub(crate) fn take(&self) -> Option<WorkerConn> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    /// Runs `f` on the connection (an error if it is gone: the request outlived it).
    pub(crate) fn with<R>(
        &self,
        f: impl FnOnce(&mut WorkerConn) -> io::Result<R>,
    ) -> io::Result<R> {
        let mut guard = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match guard.as_mut() {
            Some(conn) => f(conn),
            None => Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "the request's connection is gone",
            )),
        }
    }
}

/// The stream behind a served request's body: reads give the body, decoded (the
/// connection's framing is hypersync's), ending at its end. Writes are refused: the
/// response is written through [`Response`](super::Response).
pub struct ConnStream(pub(crate) Arc<Shared>);

impl Read for ConnStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.with(|c| c.read_body(buf))
    }
}

impl io::Write for ConnStream {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "write the response through the Response, not the request's stream",
        ))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl NetworkStream for ConnStream {
    fn peer_addr(&mut self) -> io::Result<SocketAddr> {
        self.0.with(|c| Ok(c.peer))
    }
    fn set_read_timeout(&self, dur: Option<Duration>) -> io::Result<()> {
        self.0.with(|c| {
            c.set_body_timeout(dur);
            Ok(())
        })
    }
    fn set_write_timeout(&self, dur: Option<Duration>) -> io::Result<()> {
        self.0.with(|c| c.set_write_timeout(dur))
    }
    fn close(&mut self, _how: Shutdown) -> io::Result<()> {
        self.0.with(|c| {
            c.proto.disable_keep_alive();
            Ok(())
        })
    }
}

impl fmt::Debug for ConnStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConnStream")
    }
}
