//! [`HeaderList`]: owned, validated header fields for outgoing messages, in one reusable
//! buffer.

use core::fmt;

use crate::error::UserError;
use crate::head_encode::BodyKind;
use crate::headers::{is_token, is_valid_value};

/// Header fields to send, validated as they are added (names are tokens; values hold no
/// CR, LF, NUL or other controls, so they cannot split a message), kept in one byte buffer
/// that is reused from message to message: filling it allocates nothing in the steady
/// state.
///
/// # Examples
///
/// ```
/// use hyper_proto::HeaderList;
/// let mut h = HeaderList::new();
/// h.append("Content-Type", b"text/plain").unwrap();
/// h.set("X-A", b"1").unwrap();
/// h.set("x-a", b"2").unwrap(); // replaces, case-insensitively
/// assert!(h.append("X-Bad", b"a\r\nSet-Cookie: x").is_err());
/// assert_eq!(h.get("X-A"), Some(&b"2"[..]));
/// assert_eq!(h.len(), 2);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct HeaderList {
    data: Vec<u8>,
    /// (name start, value start, value end) into `data`.
    spans: Vec<(u32, u32, u32)>,
}

impl HeaderList {
    /// An empty list.
    pub const fn new() -> Self {
        Self {
            data: Vec::new(),
            spans: Vec::new(),
        }
    }

    /// Checks a field without adding it.
    ///
    /// # Errors
    ///
    /// [`UserError::InvalidHeaderName`] or [`UserError::InvalidHeaderValue`].
    pub fn validate(name: &str, value: &[u8]) -> Result<(), UserError> {
        if !is_token(name.as_bytes()) {
            return Err(UserError::InvalidHeaderName);
        }
        if !is_valid_value(value) {
            return Err(UserError::InvalidHeaderValue);
        }
        Ok(())
    }

    /// Adds a field, keeping others of the same name.
    ///
    /// # Errors
    ///
    /// As [`HeaderList::validate`]; nothing is added then.
    pub fn append(&mut self, name: &str, value: &[u8]) -> Result<(), UserError> {
        Self::validate(name, value)?;
        self.push(name, value);
        Ok(())
    }

    /// Adds a field already validated.
    fn push(&mut self, name: &str, value: &[u8]) {
        let start = self.data.len() as u32;
        self.data.extend_from_slice(name.as_bytes());
        let mid = self.data.len() as u32;
        self.data.extend_from_slice(value);
        self.spans.push((start, mid, self.data.len() as u32));
    }

    /// Replaces every field named `name` (case-insensitive) with this one.
    ///
    /// # Errors
    ///
    /// As [`HeaderList::validate`]; nothing changes then.
    pub fn set(&mut self, name: &str, value: &[u8]) -> Result<(), UserError> {
        Self::validate(name, value)?;
        self.remove(name);
        self.push(name, value);
        Ok(())
    }

    /// Adds a field (replacing others of its name when `replace`), except a
    /// `Content-Length` or `Transfer-Encoding`: those are not stored but returned as the
    /// framing they declare, so that a message never carries two framings. Builders that take
    /// framing as a header (the server's response, the client's request) share this.
    ///
    /// # Errors
    ///
    /// As [`HeaderList::validate`], and [`UserError::InvalidHeaderValue`] for a framing value
    /// that is not plain digits or exactly `chunked`; nothing changes then.
    ///
    /// # Examples
    ///
    /// ```
    /// use hyper_proto::{BodyKind, HeaderList};
    /// let mut h = HeaderList::new();
    /// assert_eq!(h.insert_or_framing("Content-Length", b"5", true), Ok(Some(BodyKind::Length(5))));
    /// assert_eq!(h.insert_or_framing("X-A", b"1", false), Ok(None));
    /// assert_eq!(h.len(), 1);
    /// ```
    pub fn insert_or_framing(
        &mut self,
        name: &str,
        value: &[u8],
        replace: bool,
    ) -> Result<Option<BodyKind>, UserError> {
        Self::validate(name, value)?;
        if let Some(kind) = BodyKind::from_header(name, value) {
            return kind.map(Some);
        }
        if replace {
            self.remove(name);
        }
        self.push(name, value);
        Ok(None)
    }

    /// Removes every field named `name` (case-insensitive).
    pub fn remove(&mut self, name: &str) {
        let data = &self.data;
        self.spans.retain(|&(s, m, _)| {
            !data[s as usize..m as usize].eq_ignore_ascii_case(name.as_bytes())
        });
    }

    /// The first value of `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Every field as `(name, value)`, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.pairs()
            .map(|(n, v)| (core::str::from_utf8(n).unwrap_or_default(), v))
    }

    /// Every field as byte pairs: the form the head encoders take.
    pub fn pairs(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.spans.iter().map(|&(s, m, e)| {
            (
                &self.data[s as usize..m as usize],
                &self.data[m as usize..e as usize],
            )
        })
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Removes every field, keeping the memory.
    pub fn clear(&mut self) {
        self.data.clear();
        self.spans.clear();
    }
}

impl fmt::Debug for HeaderList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(n, v)| (n, String::from_utf8_lossy(v))))
            .finish()
    }
}
