//! [`HeaderList`]: owned, validated header fields for outgoing messages, in one reusable
//! buffer.

use core::fmt;

use crate::encode::BodyKind;
use crate::error::UserError;
use crate::headers::{check_field, classify, write_raw_field, ConnectionTokens, Special};

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
    /// Every field as it goes on the wire, `name: value\r\n`, so that a head encoder
    /// writes them all with one copy.
    wire: Vec<u8>,
    /// (name start, value start, value end) into `wire`; the name ends two bytes (`": "`)
    /// before its value and the field two bytes (CRLF) after it.
    spans: Vec<(u32, u32, u32)>,
    /// What the encoders need to know of the fields, kept up to date as they change.
    summary: Summary,
}

/// The fields of a [`HeaderList`] that change how a head is framed or completed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Summary {
    /// The tokens of every `Connection` field.
    pub(crate) conn: ConnectionTokens,
    /// A `Date` field is present.
    pub(crate) date: bool,
    /// A `Host` field is present.
    pub(crate) host: bool,
    /// A `Content-Length` or `Transfer-Encoding` field is present (only through
    /// [`HeaderList::append`] / [`HeaderList::set`]); encoders leave those out, since framing
    /// has a single source, so they cannot copy the fields in one piece.
    pub(crate) framing: bool,
}

impl Summary {
    fn add(&mut self, name: &[u8], value: &[u8]) {
        self.add_special(classify(name), value);
    }

    pub(crate) fn add_special(&mut self, name: Special, value: &[u8]) {
        match name {
            Special::Connection => self.conn.add(value),
            Special::Date => self.date = true,
            Special::Host => self.host = true,
            Special::ContentLength | Special::TransferEncoding => self.framing = true,
            _ => {}
        }
    }
}

impl HeaderList {
    /// An empty list.
    pub const fn new() -> Self {
        Self {
            wire: Vec::new(),
            spans: Vec::new(),
            summary: Summary {
                conn: ConnectionTokens {
                    close: false,
                    keep_alive: false,
                    upgrade: false,
                },
                date: false,
                host: false,
                framing: false,
            },
        }
    }

    /// Checks a field without adding it.
    ///
    /// # Errors
    ///
    /// [`UserError::InvalidHeaderName`] or [`UserError::InvalidHeaderValue`].
    pub fn validate(name: &str, value: &[u8]) -> Result<(), UserError> {
        check_field(name.as_bytes(), value)
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
        self.push_special(name, value, classify(name.as_bytes()));
    }

    /// [`HeaderList::push`] for a name already classified.
    fn push_special(&mut self, name: &str, value: &[u8], special: Special) {
        let name = name.as_bytes();
        self.summary.add_special(special, value);
        let start = self.wire.len();
        write_raw_field(&mut self.wire, name, value);
        let mid = start + name.len() + 2;
        let end = mid + value.len();
        self.spans.push((start as u32, mid as u32, end as u32));
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
        let special = classify(name.as_bytes());
        if let Some(kind) = BodyKind::from_special(special, value) {
            return kind.map(Some);
        }
        if replace {
            self.remove(name);
        }
        self.push_special(name, value, special);
        Ok(None)
    }

    /// The name of the field at `span`.
    fn name_at(&self, (start, mid, _): (u32, u32, u32)) -> &[u8] {
        &self.wire[start as usize..mid as usize - 2]
    }

    /// Removes every field named `name` (case-insensitive).
    pub fn remove(&mut self, name: &str) {
        let name = name.as_bytes();
        if !self
            .spans
            .iter()
            .any(|&span| self.name_at(span).eq_ignore_ascii_case(name))
        {
            return;
        }
        // Slide the fields that stay down over the removed ones, in order.
        let (mut to, mut kept) = (0u32, 0usize);
        for i in 0..self.spans.len() {
            let span = self.spans[i];
            if self.name_at(span).eq_ignore_ascii_case(name) {
                continue;
            }
            let (start, mid, end) = span;
            let field_end = end + 2;
            self.wire
                .copy_within(start as usize..field_end as usize, to as usize);
            let shift = start - to;
            self.spans[kept] = (start - shift, mid - shift, end - shift);
            to += field_end - start;
            kept += 1;
        }
        self.wire.truncate(to as usize);
        self.spans.truncate(kept);
        let mut summary = Summary::default();
        for (n, v) in self.pairs() {
            summary.add(n, v);
        }
        self.summary = summary;
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
                &self.wire[s as usize..m as usize - 2],
                &self.wire[m as usize..e as usize],
            )
        })
    }

    /// Every field as it goes on the wire (`name: value\r\n` each, in order), framing
    /// fields included.
    pub(crate) fn wire(&self) -> &[u8] {
        &self.wire
    }

    pub(crate) fn summary(&self) -> &Summary {
        &self.summary
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
        self.wire.clear();
        self.spans.clear();
        self.summary = Summary::default();
    }
}

impl fmt::Debug for HeaderList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(n, v)| (n, String::from_utf8_lossy(v))))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::head_encode::{
        encode_response_fields, encode_response_head, FieldSource, ResponseContext,
    };
    use http::StatusCode;
    use proptest::prelude::*;

    /// The list's own bytes, as the encoders copy them.
    fn wire_of(pairs: &[(String, Vec<u8>)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (n, v) in pairs {
            out.extend_from_slice(n.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v);
            out.extend_from_slice(b"\r\n");
        }
        out
    }

    #[test]
    fn remove_compacts_the_wire_form() {
        let mut h = HeaderList::new();
        h.append("A", b"1").unwrap();
        h.append("Bee", b"two").unwrap();
        h.append("C", b"3").unwrap();
        h.append("bee", b"again").unwrap();
        h.remove("BEE");
        assert_eq!(h.wire(), b"A: 1\r\nC: 3\r\n");
        assert_eq!(h.get("c"), Some(&b"3"[..]));
        h.set("a", b"x").unwrap();
        assert_eq!(h.wire(), b"C: 3\r\na: x\r\n");
        h.clear();
        assert!(h.is_empty() && h.wire().is_empty());
    }

    #[test]
    fn summary_follows_the_fields() {
        let mut h = HeaderList::new();
        h.append("Connection", b"keep-alive, Close").unwrap();
        h.append("Date", b"today").unwrap();
        assert!(h.summary().conn.close && h.summary().conn.keep_alive && h.summary().date);
        h.remove("connection");
        assert_eq!(
            *h.summary(),
            Summary {
                date: true,
                ..Summary::default()
            }
        );
        h.append("Host", b"x").unwrap();
        h.append("Content-Length", b"5").unwrap();
        assert!(h.summary().host && h.summary().framing);
        h.clear();
        assert_eq!(*h.summary(), Summary::default());
    }

    /// A response encoded from a list equals the same fields encoded as validated pairs,
    /// framing fields (which only `append` / `set` can store) left out by both.
    fn same_as_pairs(h: &HeaderList) {
        let ctx = ResponseContext::default();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let status = StatusCode::NOT_FOUND;
        let list = FieldSource::list(h);
        let x = encode_response_fields(&mut a, status, list, BodyKind::Length(3), &ctx, None);
        let y = encode_response_head(&mut b, status, h.pairs(), BodyKind::Length(3), &ctx, None);
        assert_eq!(String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
        assert_eq!(x.unwrap().keep_alive, y.unwrap().keep_alive);
    }

    #[test]
    fn framing_fields_are_left_out_when_encoding() {
        let mut h = HeaderList::new();
        h.append("X-A", b"1").unwrap();
        h.append("Content-Length", b"99").unwrap();
        h.append("Connection", b"close").unwrap();
        same_as_pairs(&h);
        let mut out = Vec::new();
        let ctx = ResponseContext::default();
        let status = StatusCode::OK;
        let list = FieldSource::list(&h);
        let head = encode_response_fields(&mut out, status, list, BodyKind::Length(3), &ctx, None);
        assert!(
            !head.unwrap().keep_alive,
            "Connection: close among the fields counts"
        );
        assert_eq!(
            out,
            b"HTTP/1.1 200 OK\r\nX-A: 1\r\nConnection: close\r\ncontent-length: 3\r\n\r\n"
        );
    }

    #[derive(Clone, Debug)]
    enum Op {
        Append(usize, u8),
        Set(usize, u8),
        Remove(usize),
        Clear,
    }

    const NAMES: [&str; 6] = [
        "a",
        "B",
        "Connection",
        "date",
        "Content-Length",
        "x-long-name",
    ];
    const VALUES: [&[u8]; 4] = [b"", b"close", b"v a l", b"keep-alive"];

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0..NAMES.len(), 0..4u8).prop_map(|(n, v)| Op::Append(n, v)),
            2 => (0..NAMES.len(), 0..4u8).prop_map(|(n, v)| Op::Set(n, v)),
            2 => (0..NAMES.len()).prop_map(Op::Remove),
            1 => Just(Op::Clear),
        ]
    }

    proptest! {
        /// Any sequence of edits leaves the list equal to a plain model: same fields in
        /// order, the wire form their concatenation, the summary that of the fields, and a
        /// head encoded from it the same as one encoded from the pairs.
        #[test]
        fn edits_match_a_model(ops in proptest::collection::vec(op(), 0..40)) {
            let mut h = HeaderList::new();
            let mut model: Vec<(String, Vec<u8>)> = Vec::new();
            for op in ops {
                match op {
                    Op::Append(n, v) => {
                        h.append(NAMES[n], VALUES[usize::from(v)]).unwrap();
                        model.push((NAMES[n].into(), VALUES[usize::from(v)].into()));
                    }
                    Op::Set(n, v) => {
                        h.set(NAMES[n], VALUES[usize::from(v)]).unwrap();
                        model.retain(|(m, _)| !m.eq_ignore_ascii_case(NAMES[n]));
                        model.push((NAMES[n].into(), VALUES[usize::from(v)].into()));
                    }
                    Op::Remove(n) => {
                        h.remove(NAMES[n]);
                        model.retain(|(m, _)| !m.eq_ignore_ascii_case(NAMES[n]));
                    }
                    Op::Clear => {
                        h.clear();
                        model.clear();
                    }
                }
                let got: Vec<(String, Vec<u8>)> =
                    h.iter().map(|(n, v)| (n.to_owned(), v.to_vec())).collect();
                prop_assert_eq!(&got, &model);
                prop_assert_eq!(h.wire(), &wire_of(&model)[..]);
                let mut summary = Summary::default();
                for (n, v) in &model {
                    summary.add(n.as_bytes(), v);
                }
                prop_assert_eq!(*h.summary(), summary);
                same_as_pairs(&h);
            }
        }
    }
}
