//! [`Response`]: the head a handler fills in `on_response`.

use http::StatusCode;
use hyper_proto::OutgoingHead;

/// The response head: a status, and the fields and framing of an [`OutgoingHead`] (its
/// methods are reached through `Deref`: `set_header`, `append_header`, `remove_header`,
/// `headers`, `header`, `set_content_length`, `set_chunked`, `body_kind`).
///
/// Headers are kept in one reusable byte buffer per loop, so filling a response allocates
/// nothing in the steady state. `Content-Length` and `Transfer-Encoding: chunked` given as
/// headers set the framing instead of being copied; when the handler says nothing, a body it
/// writes is chunked (close-delimited for HTTP/1.0 clients) and no body is
/// `Content-Length: 0`.
///
/// # Examples
///
/// ```
/// use http::StatusCode;
/// let mut res = hyper_server::Response::new();
/// res.set_status(StatusCode::NOT_FOUND);
/// res.set_header("Content-Type", "text/plain").unwrap();
/// res.set_header("Content-Length", "9").unwrap();
/// assert!(res.set_header("X-Bad", "a\r\nSet-Cookie: evil").is_err());
/// assert_eq!(res.headers().count(), 1);
/// ```
#[derive(Debug, Default)]
pub struct Response {
    status: StatusCode,
    head: OutgoingHead,
}

hyper_proto::deref_outgoing_head!(Response, head);

impl Response {
    /// A `200 OK` with no headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the status.
    pub fn set_status(&mut self, status: StatusCode) {
        self.status = status;
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Back to a fresh `200 OK`, keeping the memory.
    pub(crate) fn reset(&mut self) {
        self.status = StatusCode::OK;
        self.head.clear();
    }
}
