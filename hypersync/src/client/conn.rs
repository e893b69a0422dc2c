//! One client connection driven on the calling thread: a blocking `TcpStream` and a
//! `hyper_proto::Conn<Client>`, two system calls a request in the steady state (a write of
//! head and body, a read of the response).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper_proto::{BodyKind, Client as ProtoClient, Config, Conn, RequestLine};

use crate::header::Headers;
use crate::http::RawStatus;

use super::stream::Stream;

use crate::readbuf::{invalid, read_body, ReadBuf, Spill, READ_CHUNK};

/// The (scheme, host, port) a connection goes to.
pub(crate) type Key = (String, String, u16);

pub(crate) struct HttpConn {
    stream: Stream,
    pub(crate) proto: Conn<ProtoClient>,
    /// Bytes read and not yet parsed.
    rbuf: ReadBuf,
    pub(crate) key: Key,
    /// What goes out, reused from request to request.
    out: Vec<u8>,
    /// When it went back to the pool.
    pub(crate) idle_since: Instant,
    /// It carried an exchange before this one (a failure may be a stale connection).
    pub(crate) reused: bool,
    /// The read and write timeouts the socket has.
    timeouts: (Option<Duration>, Option<Duration>),
}

impl HttpConn {
    /// Connects to `addr` for `key`; an `https` key gets a TLS session with `tls`, for
    /// the key's host (SNI and the certificate's name), through a CONNECT tunnel when `addr`
    /// is a proxy's.
    pub(crate) fn connect(
        key: Key,
        addr: (&str, u16),
        (read, write): (Option<Duration>, Option<Duration>),
        via_proxy: bool,
        tls: &Arc<rustls::ClientConfig>,
    ) -> io::Result<HttpConn> {
        let mut sock = TcpStream::connect(addr)?;
        sock.set_nodelay(true)?;
        sock.set_read_timeout(read)?;
        sock.set_write_timeout(write)?;
        let stream = if key.0 == "https" {
            if via_proxy {
                tunnel(&mut sock, &key.1, key.2)?;
            }
            Stream::tls(sock, Arc::clone(tls), &key.1)?
        } else {
            Stream::Plain(sock)
        };
        let mut conn = HttpConn::with_stream(key, stream);
        conn.timeouts = (read, write);
        Ok(conn)
    }

    /// A connection over a stream a user's connector made.
    pub(crate) fn over(
        key: Key,
        stream: Box<dyn crate::net::NetworkStream + Send>,
        (read, write): (Option<Duration>, Option<Duration>),
    ) -> io::Result<HttpConn> {
        stream.set_read_timeout(read)?;
        stream.set_write_timeout(write)?;
        let mut conn = HttpConn::with_stream(key, Stream::User(stream));
        conn.timeouts = (read, write);
        Ok(conn)
    }

    fn with_stream(key: Key, stream: Stream) -> HttpConn {
        HttpConn {
            stream,
            proto: Conn::<ProtoClient>::new(Config::default(), Instant::now()),
            rbuf: ReadBuf::default(),
            key,
            out: Vec::new(),
            idle_since: Instant::now(),
            reused: false,
            timeouts: (None, None),
        }
    }

    /// Whether a pooled connection still looks usable: the server has not closed it nor
    /// sent anything unasked.
    pub(crate) fn is_fresh(&mut self) -> bool {
        self.proto.can_send_request() && self.rbuf.unparsed().is_empty() && self.stream.is_fresh()
    }

    /// The socket timeouts, set only when they change (two `setsockopt` calls a request
    /// otherwise).
    pub(crate) fn set_timeouts(
        &mut self,
        read: Option<Duration>,
        write: Option<Duration>,
    ) -> io::Result<()> {
        if self.timeouts.0 != read {
            self.stream.set_read_timeout(read)?;
            self.timeouts.0 = read;
        }
        if self.timeouts.1 != write {
            self.stream.set_write_timeout(write)?;
            self.timeouts.1 = write;
        }
        Ok(())
    }

    /// Writes a request: head and body.
    pub(crate) fn send(
        &mut self,
        line: &RequestLine<'_>,
        headers: &[(&[u8], &[u8])],
        body: &mut super::Body<'_>,
    ) -> io::Result<()> {
        let mut out = core::mem::take(&mut self.out);
        let result = self.send_with(line, headers, body, &mut out);
        out.clear();
        self.out = out;
        result
    }

    fn send_with(
        &mut self,
        line: &RequestLine<'_>,
        headers: &[(&[u8], &[u8])],
        body: &mut super::Body<'_>,
        out: &mut Vec<u8>,
    ) -> io::Result<()> {
        let kind = match *body {
            super::Body::ChunkedBody(_) => BodyKind::Streaming,
            super::Body::SizedBody(_, n) => BodyKind::Length(n),
            super::Body::BufBody(&[], _) => BodyKind::Empty,
            super::Body::BufBody(b, _) => BodyKind::Length(b.len() as u64),
        };
        out.clear();
        let now = Instant::now();
        self.proto
            .send_request_head(now, line, headers.iter().copied(), kind, false, out)
            .map_err(invalid)?;
        match *body {
            super::Body::BufBody(b, _) => {
                if !b.is_empty() {
                    self.proto.send_body(b, out).map_err(invalid)?;
                    self.proto.body_written(now);
                }
                self.stream.write_all(out)?;
            }
            super::Body::SizedBody(ref mut r, _) | super::Body::ChunkedBody(ref mut r) => {
                self.stream.write_all(out)?;
                let mut chunk = vec![0u8; READ_CHUNK];
                loop {
                    let n = match r.read(&mut chunk) {
                        Ok(0) => break,
                        Ok(n) => n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    };
                    out.clear();
                    self.proto.send_body(&chunk[..n], out).map_err(invalid)?;
                    self.stream.write_all(out)?;
                }
                out.clear();
                if self.proto.is_writing_body() {
                    self.proto
                        .finish_body(Instant::now(), [], out)
                        .map_err(invalid)?;
                    self.stream.write_all(out)?;
                }
            }
        }
        Ok(())
    }

    /// Reads more bytes from the socket: false at EOF.
    fn fill(&mut self) -> io::Result<bool> {
        self.rbuf.fill_from(&mut self.stream)
    }

    /// Reads the final response head (skipping 1xx): status, reason, version and fields.
    pub(crate) fn recv_head(&mut self) -> io::Result<Head> {
        loop {
            if !self.rbuf.unparsed().is_empty() {
                let parsed = self
                    .proto
                    .recv_head(Instant::now(), self.rbuf.unparsed())
                    .map_err(invalid)?;
                if let Some(n) = parsed {
                    let res = self.proto.response(self.rbuf.unparsed());
                    let informational = res.status().is_informational()
                        && res.status() != http::StatusCode::SWITCHING_PROTOCOLS;
                    let mut headers = Headers::new();
                    for (name, value) in res.headers().iter() {
                        headers.append_raw(crate::header::known_name(name), value.to_vec());
                    }
                    let head = Head {
                        status: RawStatus::of(res.status().as_u16(), res.reason()),
                        version: res.version(),
                        headers,
                    };
                    self.rbuf.consume(n);
                    if informational {
                        continue;
                    }
                    return Ok(head);
                }
            }
            if !self.fill()? {
                self.proto.recv_eof(Instant::now()).map_err(invalid)?;
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection before answering",
                ));
            }
        }
    }

    /// Reads body bytes into `out`, spilling what does not fit into `spill`. `Ok(0)` at the
    /// end of the body.
    pub(crate) fn read_body(&mut self, out: &mut [u8], spill: &mut Spill) -> io::Result<usize> {
        let stream = &mut self.stream;
        read_body(&mut self.proto, &mut self.rbuf, spill, out, |rb| {
            rb.fill_from(stream)
        })
    }

    /// Whether another request can go on this connection now.
    pub(crate) fn reusable(&self) -> bool {
        self.proto.can_send_request() && self.rbuf.unparsed().is_empty()
    }
}

/// Asks the proxy at the other end of `sock` for a tunnel to `host:port` (CONNECT) and
/// reads its answer: a 2xx leaves `sock` connected to the target.
fn tunnel(sock: &mut TcpStream, host: &str, port: u16) -> io::Result<()> {
    let authority = hyper_proto::connect_authority(host, port);
    let line = RequestLine {
        method: &http::Method::CONNECT,
        target: authority.as_bytes(),
        host: authority.as_bytes(),
    };
    let mut request = Vec::new();
    let _head =
        hyper_proto::encode_request_head(&mut request, &line, [], BodyKind::Empty, false, true)
            .map_err(invalid)?;
    sock.write_all(&request)?;
    // The proxy sends nothing past its head before we speak: read up to the blank line.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if sock.read(&mut byte)? == 0 || head.len() > 16 * 1024 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the proxy closed or sent an oversized head instead of answering CONNECT",
            ));
        }
        head.push(byte[0]);
    }
    let mut parser = hyper_proto::ResponseParser::new(hyper_proto::Limits::default());
    let status = parser
        .parse(&head, &http::Method::CONNECT)
        .ok()
        .flatten()
        .map(|r| r.status());
    match status {
        Some(s) if s.is_success() => Ok(()),
        Some(s) => Err(io::Error::new(
            io::ErrorKind::ConnectionRefused,
            format!("the proxy refused the tunnel to {authority}: {s}"),
        )),
        None => Err(invalid("the proxy's answer to CONNECT is not HTTP")),
    }
}

/// A response head, owned.
pub(crate) struct Head {
    pub(crate) status: RawStatus,
    pub(crate) version: http::Version,
    pub(crate) headers: Headers,
}
