//! The response of a client request: the head as public fields, the body as `Read`.

use core::fmt;
use std::io::{self, Read};
use std::sync::Arc;

use url::Url;

use super::conn::HttpConn;
use super::Idle;
use crate::header::Headers;
use crate::http::RawStatus;
use crate::readbuf::Spill;
use crate::status::StatusCode;
use crate::version::HttpVersion;

/// Most bytes of an unread redirect body read (and dropped) to keep its connection.
const DRAIN_CAP: usize = 64 * 1024;

/// A response. Its connection goes back to the client's pool once the body has been read
/// to its end; dropping it earlier closes the connection.
pub struct Response {
    /// The status.
    pub status: StatusCode,
    /// The header fields.
    pub headers: Headers,
    /// The version the server spoke.
    pub version: HttpVersion,
    /// The URL of this response (the last one, after redirects).
    pub url: Url,
    /// The status line's code and reason phrase as received.
    status_raw: RawStatus,
    conn: Option<HttpConn>,
    pool: Arc<Idle>,
    /// Body bytes decoded beyond what the caller's buffer took.
    spill: Spill,
}

impl Response {
    pub(crate) fn new(
        pool: Arc<Idle>,
        conn: HttpConn,
        status_raw: RawStatus,
        headers: Headers,
        version: HttpVersion,
        url: Url,
    ) -> Response {
        let mut res = Response {
            status: StatusCode::from_u16(status_raw.0),
            status_raw,
            headers,
            version,
            url,
            conn: Some(conn),
            pool,
            spill: Spill::default(),
        };
        res.release_if_done();
        res
    }

    /// The status line's code and reason phrase as received.
    pub fn status_raw(&self) -> &RawStatus {
        &self.status_raw
    }

    /// Gives the connection back to the pool once the body is over.
    fn release_if_done(&mut self) {
        let done = self
            .conn
            .as_ref()
            .is_some_and(|c| c.proto.is_read_done() || !c.proto.is_reading_body());
        if done {
            if let Some(conn) = self.conn.take() {
                self.pool.checkin(conn);
            }
        }
    }

    /// Reads and drops a short rest of the body so the connection can be reused.
    pub(crate) fn finish(mut self) {
        let mut scratch = [0u8; 8192];
        let mut total = 0;
        while total < DRAIN_CAP {
            match self.read(&mut scratch) {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
    }
}

impl Read for Response {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(n) = self.spill.take(buf) {
            return Ok(n);
        }
        let Some(conn) = self.conn.as_mut() else {
            return Ok(0);
        };
        let n = match conn.read_body(buf, &mut self.spill) {
            Ok(n) => n,
            Err(e) => {
                self.conn = None;
                return Err(e);
            }
        };
        self.release_if_done();
        Ok(n)
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("version", &self.version)
            .field("url", &self.url.as_str())
            .finish()
    }
}
