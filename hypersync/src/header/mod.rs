//! Typed headers as hyper 0.10 had them: the [`Headers`] map keyed by header type, the
//! [`Header`] / [`HeaderFormat`] traits, the `header!` macro, and the common headers.
//!
//! Each field is stored raw (the bytes as received, or as set with `set_raw`) and, once
//! asked for as a type, parsed (or, when set as a type, formatted) once and cached, so a
//! handler pays for the fields it reads.
//!
//! # Examples
//!
//! ```
//! use hypersync::header::{ContentLength, ContentType, Headers};
//! let mut headers = Headers::new();
//! headers.set(ContentLength(5));
//! headers.set_raw("x-custom", vec![b"a".to_vec()]);
//! assert_eq!(headers.get::<ContentLength>(), Some(&ContentLength(5)));
//! assert_eq!(headers.get_raw("content-length"), Some(&[b"5".to_vec()][..]));
//! assert!(!headers.has::<ContentType>());
//! assert_eq!(headers.to_string(), "Content-Length: 5\r\nx-custom: a\r\n");
//! ```

use core::any::Any;
use core::fmt;
use std::borrow::Cow;
use std::sync::OnceLock;

mod common;
mod disposition;
mod link;
mod more;
pub mod parsing;
mod shared;

pub use self::common::*;
pub use self::disposition::*;
pub use self::link::*;
pub use self::more::*;
pub use self::shared::*;

/// A header field type: its name and how it is parsed from the raw values received.
pub trait Header: Clone + Any + Send + Sync {
    /// The field name, as it is written (`"Content-Type"`); matched case-insensitively.
    fn header_name() -> &'static str;

    /// Parses the field from its raw values (one per field line received).
    ///
    /// # Errors
    ///
    /// [`crate::Error::Header`] when the values are not this header.
    fn parse_header(raw: &[Vec<u8>]) -> crate::Result<Self>;
}

/// How a header field type is written: `fmt_header` writes the value (not the name).
pub trait HeaderFormat: fmt::Debug + HeaderClone + Any + Send + Sync {
    /// Writes the field value.
    ///
    /// # Errors
    ///
    /// Only those of the formatter.
    fn fmt_header(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;

    /// The values to send, one per field line: one line holding `fmt_header`'s output,
    /// except for types that cannot be joined on one line (`Set-Cookie`).
    #[doc(hidden)]
    fn raw_values(&self) -> Vec<Vec<u8>> {
        vec![FmtHeader(self).to_string().into_bytes()]
    }
}

/// Implemented for every `HeaderFormat + Clone`: lets a boxed header be cloned and
/// downcast. Not to be implemented by hand.
pub trait HeaderClone: sealed::Sealed {}

impl<T: sealed::Sealed> HeaderClone for T {}

#[allow(unnameable_types)]
mod sealed {
    use core::any::Any;

    use super::HeaderFormat;

    pub trait Sealed {
        fn clone_box(&self) -> Box<dyn HeaderFormat + Send + Sync>;
        fn as_any(&self) -> &dyn Any;
        fn as_any_mut(&mut self) -> &mut dyn Any;
    }

    impl<T: HeaderFormat + Clone> Sealed for T {
        fn clone_box(&self) -> Box<dyn HeaderFormat + Send + Sync> {
            Box::new(self.clone())
        }

        fn as_any(&self) -> &dyn Any {
            self
        }

        fn as_any_mut(&mut self) -> &mut dyn Any {
            self
        }
    }
}

/// Displays a header's value through its `fmt_header`.
struct FmtHeader<'a, H: ?Sized>(&'a H);

impl<H: HeaderFormat + ?Sized> fmt::Display for FmtHeader<'_, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_header(f)
    }
}

/// Displays a typed header's value: `HeaderFormatter(&ContentLength(5)).to_string() == "5"`.
///
/// # Examples
///
/// ```
/// use hypersync::header::{ContentLength, HeaderFormatter};
/// assert_eq!(HeaderFormatter(&ContentLength(5)).to_string(), "5");
/// ```
#[derive(Debug)]
pub struct HeaderFormatter<'a, H: HeaderFormat>(pub &'a H);

impl<H: HeaderFormat> fmt::Display for HeaderFormatter<'_, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_header(f)
    }
}

type Typed = Box<dyn HeaderFormat + Send + Sync>;

/// One field: its raw values, its typed value, or both (each filled from the other once).
struct Item {
    raw: OnceLock<Vec<Vec<u8>>>,
    typed: OnceLock<Typed>,
}

impl Item {
    fn new_raw(raw: Vec<Vec<u8>>) -> Item {
        Item {
            raw: OnceLock::from(raw),
            typed: OnceLock::new(),
        }
    }

    fn new_typed(typed: Typed) -> Item {
        Item {
            raw: OnceLock::new(),
            typed: OnceLock::from(typed),
        }
    }

    fn raw(&self) -> &[Vec<u8>] {
        self.raw.get_or_init(|| match self.typed.get() {
            Some(t) => t.raw_values(),
            None => Vec::new(),
        })
    }

    fn typed<H: Header + HeaderFormat>(&self) -> Option<&H> {
        if self.typed.get().is_none() {
            let parsed = H::parse_header(self.raw()).ok()?;
            // Another reader may have parsed it meanwhile: the first one stays.
            let _ = self.typed.set(Box::new(parsed));
        }
        self.typed.get()?.as_any().downcast_ref::<H>()
    }

    fn typed_mut<H: Header + HeaderFormat>(&mut self) -> Option<&mut H> {
        self.typed::<H>()?;
        // The caller may change it: the raw form is rebuilt from it when next needed.
        self.raw = OnceLock::new();
        self.typed.get_mut()?.as_any_mut().downcast_mut::<H>()
    }
}

impl Clone for Item {
    fn clone(&self) -> Item {
        let typed = OnceLock::new();
        if let Some(t) = self.typed.get() {
            let _ = typed.set(t.clone_box());
        }
        Item {
            raw: self.raw.clone(),
            typed,
        }
    }
}

/// A map of header fields keyed by name (case-insensitive), in the order first set.
///
/// # Examples
///
/// ```
/// use hypersync::header::{Headers, UserAgent};
/// let mut h = Headers::new();
/// h.set(UserAgent("curl/8".to_owned()));
/// h.append_raw("Accept", b"text/html".to_vec());
/// h.append_raw("accept", b"*/*".to_vec());
/// assert_eq!(h.get_raw("ACCEPT").unwrap().len(), 2);
/// assert_eq!(h.len(), 2);
/// assert!(h.remove::<UserAgent>());
/// ```
#[derive(Clone, Default)]
pub struct Headers {
    data: Vec<(Cow<'static, str>, Item)>,
}

impl Headers {
    /// An empty map.
    pub fn new() -> Headers {
        Headers { data: Vec::new() }
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.data
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    fn insert(&mut self, name: Cow<'static, str>, item: Item) {
        match self.find(&name) {
            Some(i) => self.data[i] = (name, item),
            None => self.data.push((name, item)),
        }
    }

    /// Sets a typed header, replacing any field of the same name.
    pub fn set<H: Header + HeaderFormat>(&mut self, value: H) {
        self.insert(
            Cow::Borrowed(H::header_name()),
            Item::new_typed(Box::new(value)),
        );
    }

    /// The typed header, parsed from the raw values on first access; `None` when absent
    /// or when its values do not parse as `H`.
    pub fn get<H: Header + HeaderFormat>(&self) -> Option<&H> {
        let i = self.find(H::header_name())?;
        self.data[i].1.typed::<H>()
    }

    /// The typed header, to change in place.
    pub fn get_mut<H: Header + HeaderFormat>(&mut self) -> Option<&mut H> {
        let i = self.find(H::header_name())?;
        self.data[i].1.typed_mut::<H>()
    }

    /// Whether a field with `H`'s name is present (whether or not it parses).
    pub fn has<H: Header + HeaderFormat>(&self) -> bool {
        self.find(H::header_name()).is_some()
    }

    /// Removes the field with `H`'s name: whether there was one.
    pub fn remove<H: Header + HeaderFormat>(&mut self) -> bool {
        match self.find(H::header_name()) {
            Some(i) => {
                self.data.remove(i);
                true
            }
            None => false,
        }
    }

    /// The raw values of a field, one per field line (a typed header is formatted once).
    pub fn get_raw(&self, name: &str) -> Option<&[Vec<u8>]> {
        self.find(name).map(|i| self.data[i].1.raw())
    }

    /// Sets a field's raw values, replacing any of the same name.
    pub fn set_raw<K: Into<Cow<'static, str>>>(&mut self, name: K, value: Vec<Vec<u8>>) {
        self.insert(name.into(), Item::new_raw(value));
    }

    /// Adds one raw value to a field, keeping the values it has.
    pub fn append_raw<K: Into<Cow<'static, str>>>(&mut self, name: K, value: Vec<u8>) {
        let name = name.into();
        match self.find(&name) {
            Some(i) => {
                let mut raw = self.data[i].1.raw().to_vec();
                raw.push(value);
                self.data[i].1 = Item::new_raw(raw);
            }
            None => self.data.push((name, Item::new_raw(vec![value]))),
        }
    }

    /// Removes a field by name.
    pub fn remove_raw(&mut self, name: &str) {
        if let Some(i) = self.find(name) {
            self.data.remove(i);
        }
    }

    /// The fields, in order.
    pub fn iter(&self) -> HeadersItems<'_> {
        HeadersItems {
            inner: self.data.iter(),
        }
    }

    /// The number of fields (a field with several values counts once).
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Removes every field.
    pub fn clear(&mut self) {
        self.data.clear();
    }

    /// Every field line: name and one value.
    pub(crate) fn lines(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.data
            .iter()
            .flat_map(|(n, item)| item.raw().iter().map(move |v| (&**n, &v[..])))
    }
}

impl PartialEq for Headers {
    fn eq(&self, other: &Headers) -> bool {
        self.len() == other.len()
            && self
                .data
                .iter()
                .all(|(n, item)| other.get_raw(n) == Some(item.raw()))
    }
}

/// One `Name: value\r\n` line per value.
impl fmt::Display for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in self.lines() {
            write!(f, "{}: {}\r\n", name, String::from_utf8_lossy(value))?;
        }
        Ok(())
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Headers { ")?;
        for (name, value) in self.lines() {
            write!(f, "{}: {}, ", name, String::from_utf8_lossy(value))?;
        }
        f.write_str("}")
    }
}

/// The fields of a [`Headers`], from [`Headers::iter`].
#[derive(Clone)]
pub struct HeadersItems<'a> {
    inner: core::slice::Iter<'a, (Cow<'static, str>, Item)>,
}

impl fmt::Debug for HeadersItems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HeadersItems")
    }
}

impl<'a> Iterator for HeadersItems<'a> {
    type Item = HeaderView<'a>;

    fn next(&mut self) -> Option<HeaderView<'a>> {
        self.inner.next().map(|(n, item)| HeaderView(n, item))
    }
}

/// One field of a [`Headers`].
#[derive(Clone, Copy)]
pub struct HeaderView<'a>(&'a Cow<'static, str>, &'a Item);

impl<'a> HeaderView<'a> {
    /// Whether this field is `H`.
    pub fn is<H: Header>(&self) -> bool {
        self.0.eq_ignore_ascii_case(H::header_name())
    }

    /// The field name, as set or received.
    pub fn name(&self) -> &'a str {
        self.0
    }

    /// The value as `H`, if it is that header and parses.
    pub fn value<H: Header + HeaderFormat>(&self) -> Option<&'a H> {
        if self.is::<H>() {
            self.1.typed::<H>()
        } else {
            None
        }
    }

    /// The value as text (values of several lines joined with `, `).
    pub fn value_string(&self) -> String {
        let raw = self.1.raw();
        let parts: Vec<_> = raw.iter().map(|v| String::from_utf8_lossy(v)).collect();
        parts.join(", ")
    }

    /// The raw values.
    pub fn raw(&self) -> &'a [Vec<u8>] {
        self.1.raw()
    }
}

impl fmt::Display for HeaderView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0, self.value_string())
    }
}

impl fmt::Debug for HeaderView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl<'a> Extend<HeaderView<'a>> for Headers {
    fn extend<I: IntoIterator<Item = HeaderView<'a>>>(&mut self, iter: I) {
        for view in iter {
            self.insert(view.0.clone(), view.1.clone());
        }
    }
}

impl<'a> FromIterator<HeaderView<'a>> for Headers {
    fn from_iter<I: IntoIterator<Item = HeaderView<'a>>>(iter: I) -> Headers {
        let mut headers = Headers::new();
        headers.extend(iter);
        headers
    }
}

impl core::convert::From<&http::HeaderMap> for Headers {
    fn from(map: &http::HeaderMap) -> Headers {
        let mut headers = Headers::new();
        for (name, value) in map {
            headers.append_raw(name.as_str().to_owned(), value.as_bytes().to_vec());
        }
        headers
    }
}

/// Fields whose name or value `http` does not accept are left out.
impl core::convert::From<&Headers> for http::HeaderMap {
    fn from(headers: &Headers) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (name, value) in headers.lines() {
            if let (Ok(n), Ok(v)) = (
                http::header::HeaderName::from_bytes(name.as_bytes()),
                http::header::HeaderValue::from_bytes(value),
            ) {
                map.append(n, v);
            }
        }
        map
    }
}

/// The name as a `'static` string when it is a common one written the usual way (no
/// allocation), else owned.
pub(crate) fn known_name(name: &str) -> Cow<'static, str> {
    const KNOWN: &[&str] = &[
        "Host",
        "host",
        "User-Agent",
        "user-agent",
        "Accept",
        "accept",
        "Accept-Encoding",
        "accept-encoding",
        "Accept-Language",
        "Connection",
        "connection",
        "Content-Length",
        "content-length",
        "Content-Type",
        "content-type",
        "Transfer-Encoding",
        "Cookie",
        "Authorization",
        "Referer",
        "Origin",
        "Cache-Control",
        "If-None-Match",
        "If-Modified-Since",
        "Expect",
        "Upgrade",
        "Range",
    ];
    match KNOWN.iter().find(|k| **k == name) {
        Some(k) => Cow::Borrowed(k),
        None => Cow::Owned(name.to_owned()),
    }
}

/// Declares a typed header, as hyper 0.10's macro did. Four forms:
///
/// - `(Name, "Field-Name") => [T]`: one value, `T: FromStr + Display`;
/// - `(Name, "Field-Name") => (T)*`: a comma-separated list, possibly empty;
/// - `(Name, "Field-Name") => (T)+`: a comma-separated list of at least one;
/// - `(Name, "Field-Name") => {Any / (T)+}`: `*` or a list.
///
/// # Examples
///
/// ```
/// #[macro_use]
/// extern crate hypersync;
/// use hypersync::header::Headers;
///
/// header! { (XRequestId, "X-Request-Id") => [String] }
/// header! { (XTags, "X-Tags") => (String)* }
///
/// fn main() {
///     let mut h = Headers::new();
///     h.set(XRequestId("abc".to_owned()));
///     h.set_raw("X-Tags", vec![b"a, b".to_vec(), b"c".to_vec()]);
///     assert_eq!(&*h.get::<XRequestId>().unwrap().0, "abc");
///     assert_eq!(h.get::<XTags>().unwrap().len(), 3);
/// }
/// ```
#[macro_export]
macro_rules! header {
    ($(#[$a:meta])*($id:ident, $n:expr) => ($item:ty)*) => {
        $crate::__hypersync_list_header!($(#[$a])* $id, $n, $item, from_comma_delimited);
    };
    ($(#[$a:meta])*($id:ident, $n:expr) => ($item:ty)+) => {
        $crate::__hypersync_list_header!($(#[$a])* $id, $n, $item, from_comma_delimited_nonempty);
    };
    ($(#[$a:meta])*($id:ident, $n:expr) => [$value:ty]) => {
        $(#[$a])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $id(pub $value);
        $crate::__hypersync_deref!($id => $value);
        impl $crate::header::Header for $id {
            fn header_name() -> &'static str {
                $n
            }
            fn parse_header(raw: &[Vec<u8>]) -> $crate::Result<Self> {
                $crate::header::parsing::from_one_raw_str(raw).map($id)
            }
        }
        impl $crate::header::HeaderFormat for $id {
            fn fmt_header(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.0, f)
            }
        }
        $crate::__hypersync_display!($id);
    };
    ($(#[$a:meta])*($id:ident, $n:expr) => {Any / ($item:ty)+}) => {
        $(#[$a])*
        #[derive(Clone, Debug, PartialEq)]
        pub enum $id {
            /// `*`
            Any,
            /// The listed values.
            Items(Vec<$item>),
        }
        impl $crate::header::Header for $id {
            fn header_name() -> &'static str {
                $n
            }
            fn parse_header(raw: &[Vec<u8>]) -> $crate::Result<Self> {
                if raw.len() == 1 && raw[0] == b"*" {
                    return Ok($id::Any);
                }
                $crate::header::parsing::from_comma_delimited_nonempty(raw).map($id::Items)
            }
        }
        impl $crate::header::HeaderFormat for $id {
            fn fmt_header(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match *self {
                    $id::Any => f.write_str("*"),
                    $id::Items(ref v) => $crate::header::parsing::fmt_comma_delimited(f, &v[..]),
                }
            }
        }
        $crate::__hypersync_display!($id);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __hypersync_list_header {
    ($(#[$a:meta])* $id:ident, $n:expr, $item:ty, $parse:ident) => {
        $(#[$a])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $id(pub Vec<$item>);
        $crate::__hypersync_deref!($id => Vec<$item>);
        impl $crate::header::Header for $id {
            fn header_name() -> &'static str {
                $n
            }
            fn parse_header(raw: &[Vec<u8>]) -> $crate::Result<Self> {
                $crate::header::parsing::$parse(raw).map($id)
            }
        }
        impl $crate::header::HeaderFormat for $id {
            fn fmt_header(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                $crate::header::parsing::fmt_comma_delimited(f, &self.0[..])
            }
        }
        $crate::__hypersync_display!($id);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __hypersync_deref {
    ($from:ty => $to:ty) => {
        impl ::std::ops::Deref for $from {
            type Target = $to;
            fn deref(&self) -> &$to {
                &self.0
            }
        }
        impl ::std::ops::DerefMut for $from {
            fn deref_mut(&mut self) -> &mut $to {
                &mut self.0
            }
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __hypersync_display {
    ($id:ident) => {
        impl ::std::fmt::Display for $id {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                $crate::header::HeaderFormat::fmt_header(self, f)
            }
        }
    };
}

#[cfg(test)]
mod tests;
