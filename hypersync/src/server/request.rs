//! The request a [`Handler`](super::Handler) gets: the head as public fields, the body as
//! `Read`.

use core::cell::RefCell;
use core::fmt;
use core::marker::PhantomData;
use std::io::{self, Read};
use std::net::SocketAddr;
use std::time::Duration;

use super::conn::WorkerConn;
use crate::header::Headers;
use crate::method::Method;
use crate::uri::RequestUri;
use crate::version::HttpVersion;

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
    body: Body<'a>,
    _marker: PhantomData<&'b ()>,
}

impl<'a, 'b> Request<'a, 'b> {
    pub(crate) fn new(head: super::conn::Head, conn: &'a RefCell<WorkerConn>) -> Self {
        let remote_addr = conn.borrow().peer;
        Request {
            remote_addr,
            method: head.method,
            headers: head.headers,
            uri: head.uri,
            version: head.version,
            body: Body(conn),
            _marker: PhantomData,
        }
    }

    /// Kept for 0.10 programs: the server's read timeout (`Server::set_read_timeout`)
    /// governs body reads, so this changes nothing.
    ///
    /// # Errors
    ///
    /// None.
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        let _ = timeout;
        Ok(())
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
        Body<'a>,
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

/// The body of a request, also what [`Request::deconstruct`] gives.
pub struct Body<'a>(&'a RefCell<WorkerConn>);

impl Read for Body<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.borrow_mut().read_body(buf)
    }
}

impl fmt::Debug for Body<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Body")
    }
}
