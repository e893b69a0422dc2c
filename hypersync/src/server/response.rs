//! The response a [`Handler`](super::Handler) fills: `Fresh` (status and headers can
//! change) until `start` or `send`, then `Streaming` (the body is written).

use core::any::{Any, TypeId};
use core::fmt;
use core::marker::PhantomData;
use std::io::{self, Write};

use hyper_proto::BodyKind;

use super::conn::WorkerConn;
use super::request::Shared;
use crate::header::Headers;
use crate::net::{Fresh, Streaming};
use crate::status::StatusCode;
use crate::version::HttpVersion;

/// An outgoing response, in one of two states: [`Fresh`] or [`Streaming`].
///
/// A `Fresh` response dropped unsent goes out as its status and headers with an empty
/// body (status 500 if the handler is panicking), so `*res.status_mut() = NotFound;
/// return;` is a whole answer. A `Streaming` response dropped unended is ended.
pub struct Response<'a, W: Any = Fresh> {
    /// The version of the response (informational: the server always writes HTTP/1.1).
    pub version: HttpVersion,
    status: StatusCode,
    headers: Headers,
    conn: &'a Shared,
    /// `send`, `start`, `end` or a drop has dealt with it.
    done: bool,
    _marker: PhantomData<W>,
}

impl<W: Any> Response<'_, W> {
    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The header fields.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }
}

impl<'a> Response<'a, Fresh> {
    pub(crate) fn new(conn: &'a Shared) -> Self {
        Response {
            version: HttpVersion::Http11,
            status: StatusCode::Ok,
            headers: Headers::new(),
            conn,
            done: false,
            _marker: PhantomData,
        }
    }

    /// The status, to change.
    pub fn status_mut(&mut self) -> &mut StatusCode {
        &mut self.status
    }

    /// The header fields, to change.
    pub fn headers_mut(&mut self) -> &mut Headers {
        &mut self.headers
    }

    /// Sends the response with `body` (setting `Content-Length`), and ends it.
    ///
    /// # Errors
    ///
    /// The connection failed.
    pub fn send(mut self, body: &[u8]) -> io::Result<()> {
        self.done = true;
        // Framing has one source, the body kind: a `Content-Length` among the headers is
        // not sent (0.10 set it to the length; this is the same on the wire).
        let len = BodyKind::Length(body.len() as u64);
        let (status, headers) = (self.status, &self.headers);
        self.conn.with(|conn| {
            conn.send_head(status, headers, Some(len))?;
            conn.write_body(body)?;
            conn.finish()
        })
    }

    /// Starts the response: its head is sent and its body can be written. Without a
    /// `Content-Length`, the body is chunked (close-delimited for an HTTP/1.0 client).
    ///
    /// # Errors
    ///
    /// The connection failed.
    pub fn start(mut self) -> io::Result<Response<'a, Streaming>> {
        self.done = true;
        let (status, headers) = (self.status, &self.headers);
        self.conn
            .with(|conn| conn.send_head(status, headers, None))?;
        Ok(Response {
            version: self.version,
            status: self.status,
            headers: core::mem::take(&mut self.headers),
            conn: self.conn,
            done: false,
            _marker: PhantomData,
        })
    }
}

impl Response<'_, Streaming> {
    /// Ends the body and the response.
    ///
    /// # Errors
    ///
    /// The connection failed.
    pub fn end(mut self) -> io::Result<()> {
        self.done = true;
        self.conn.with(WorkerConn::finish)
    }
}

/// Writes body bytes; they go out in pieces of 16 KiB (or at `flush`, or at the end).
impl Write for Response<'_, Streaming> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.conn.with(|conn| conn.write_body(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.conn.with(WorkerConn::write_out)
    }
}

impl<W: Any> Drop for Response<'_, W> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        self.done = true;
        if TypeId::of::<W>() == TypeId::of::<Fresh>() {
            if std::thread::panicking() {
                self.status = StatusCode::InternalServerError;
            }
            // An empty body, whatever Content-Length the handler had set (the body kind
            // frames it; a `Content-Length` among the headers is not sent).
            let (status, headers) = (self.status, &self.headers);
            let _ = self.conn.with(|conn| {
                conn.send_head(status, headers, Some(BodyKind::Empty))?;
                conn.finish()
            });
        } else if std::thread::panicking() {
            // Cut short by a panic: the client must not take it for a whole body.
            let _ = self.conn.with(|conn| {
                conn.abort();
                Ok(())
            });
        } else {
            let _ = self.conn.with(WorkerConn::finish);
        }
    }
}

impl<W: Any> fmt::Debug for Response<'_, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .finish()
    }
}
