//! [`OutgoingHead`]: the fields and framing of a message we send, filled by a handler
//! (the server's response, the client's request) with every header checked as it is added.

use core::fmt;

use crate::encode::BodyKind;
use crate::header_list::HeaderList;

/// A header a message cannot carry: a name that is not a token, or a value with CR, LF,
/// NUL or other control bytes (response or request splitting), or a framing header
/// (`Content-Length`, `Transfer-Encoding`) whose value is not one we can frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidHeader;

impl fmt::Display for InvalidHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid header name or value")
    }
}

impl std::error::Error for InvalidHeader {}

/// The header fields of an outgoing message and how its body is framed.
///
/// Fields are kept in one reusable byte buffer, so filling a head allocates nothing once
/// that buffer has grown. `Content-Length` and `Transfer-Encoding: chunked` given as
/// headers set the framing instead of being stored; [`OutgoingHead::body_kind`] says what
/// was declared (nothing, when the sender leaves the choice to the connection).
///
/// # Examples
///
/// ```
/// use hyper_proto::{BodyKind, OutgoingHead};
/// let mut head = OutgoingHead::new();
/// head.set_header("Content-Type", "text/plain").unwrap();
/// head.set_header("Content-Length", "9").unwrap();
/// assert!(head.set_header("X-Bad", "a\r\nSet-Cookie: evil").is_err());
/// assert_eq!(head.headers().count(), 1);
/// assert_eq!(head.body_kind(), Some(BodyKind::Length(9)));
/// ```
#[derive(Default)]
pub struct OutgoingHead {
    headers: HeaderList,
    body: Option<BodyKind>,
}

impl fmt::Debug for OutgoingHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingHead")
            .field("headers", &self.headers)
            .field("body", &self.body)
            .finish()
    }
}

impl OutgoingHead {
    /// No fields, no framing declared.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a header, replacing any of the same name (case-insensitive).
    ///
    /// # Errors
    ///
    /// [`InvalidHeader`]; nothing changes then.
    pub fn set_header(&mut self, name: &str, value: impl AsRef<[u8]>) -> Result<(), InvalidHeader> {
        self.put(name, value.as_ref(), true)
    }

    /// Adds a header line, keeping others of the same name.
    ///
    /// # Errors
    ///
    /// [`InvalidHeader`]; nothing changes then.
    pub fn append_header(
        &mut self,
        name: &str,
        value: impl AsRef<[u8]>,
    ) -> Result<(), InvalidHeader> {
        self.put(name, value.as_ref(), false)
    }

    fn put(&mut self, name: &str, value: &[u8], replace: bool) -> Result<(), InvalidHeader> {
        let framing = self
            .headers
            .insert_or_framing(name, value, replace)
            .map_err(|_| InvalidHeader)?;
        if framing.is_some() {
            self.body = framing;
        }
        Ok(())
    }

    /// Removes every header named `name`.
    pub fn remove_header(&mut self, name: &str) {
        self.headers.remove(name);
    }

    /// The headers, in order (framing headers are not among them: see
    /// [`OutgoingHead::body_kind`]).
    pub fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.headers.iter()
    }

    /// The first value of `name`.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers.get(name)
    }

    /// Declares a body of exactly `n` bytes (`Content-Length`).
    pub fn set_content_length(&mut self, n: u64) {
        self.body = Some(BodyKind::Length(n));
    }

    /// Declares a body of unknown length (chunked; close-delimited for an HTTP/1.0 peer).
    pub fn set_chunked(&mut self) {
        self.body = Some(BodyKind::Streaming);
    }

    /// The framing declared so far, if any.
    pub fn body_kind(&self) -> Option<BodyKind> {
        self.body
    }

    /// The checked fields, to encode with `Conn::send_response_head_list` or
    /// `Conn::send_request_head_list`.
    pub fn list(&self) -> &HeaderList {
        &self.headers
    }

    /// No fields, no framing, keeping the memory.
    pub fn clear(&mut self) {
        self.headers.clear();
        self.body = None;
    }
}

/// Implements `Deref` and `DerefMut` to [`OutgoingHead`] for a type that holds one in a
/// field, so that the head's methods are the wrapper's: the server's `Response` and the
/// client's `Request` are such wrappers. For the crates of this workspace, not a stable API.
#[doc(hidden)]
#[macro_export]
macro_rules! deref_outgoing_head {
    ($ty:ty, $field:ident) => {
        impl ::core::ops::Deref for $ty {
            type Target = $crate::OutgoingHead;

            fn deref(&self) -> &$crate::OutgoingHead {
                &self.$field
            }
        }

        impl ::core::ops::DerefMut for $ty {
            fn deref_mut(&mut self) -> &mut $crate::OutgoingHead {
                &mut self.$field
            }
        }
    };
}
