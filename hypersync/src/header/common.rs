//! The typed headers programs written for hyper 0.10 use most.

use core::fmt;
use core::str::FromStr;

use mime::{Mime, SubLevel, TopLevel};

use super::parsing::from_one_raw_str;
use super::{EntityTag, Header, HeaderFormat, HttpDate, QualityItem};
use crate::error::{Error, Result};
use crate::method::Method;

crate::header! {
    /// `Accept`: the media types the client takes, with qualities.
    (Accept, "Accept") => (QualityItem<Mime>)+
}
crate::header! {
    /// `Accept-Encoding`: the content codings the client takes.
    (AcceptEncoding, "Accept-Encoding") => (QualityItem<super::Encoding>)*
}
crate::header! {
    /// `Accept-Language`: the natural languages the client prefers, with qualities.
    (AcceptLanguage, "Accept-Language") => (QualityItem<crate::LanguageTag>)+
}
crate::header! {
    /// `Content-Language`: the languages of the body's intended audience (with qualities,
    /// as 0.10 typed it).
    (ContentLanguage, "Content-Language") => (QualityItem<crate::LanguageTag>)+
}
crate::header! {
    /// `Allow`: the methods a resource supports.
    (Allow, "Allow") => (Method)*
}
crate::header! {
    /// `Cache-Control` directives.
    (CacheControl, "Cache-Control") => (CacheDirective)+
}
crate::header! {
    /// `Content-Encoding`: the codings applied to the body.
    (ContentEncoding, "Content-Encoding") => (super::Encoding)+
}
crate::header! {
    /// `Transfer-Encoding`: the codings applied for transfer (`chunked` last).
    (TransferEncoding, "Transfer-Encoding") => (super::Encoding)+
}
crate::header! {
    /// `Content-Type`.
    (ContentType, "Content-Type") => [Mime]
}
crate::header! {
    /// `Date`: when the message was sent.
    (Date, "Date") => [HttpDate]
}
crate::header! {
    /// `ETag`: the entity tag of the representation.
    (ETag, "ETag") => [EntityTag]
}
crate::header! {
    /// `Expires`.
    (Expires, "Expires") => [HttpDate]
}
crate::header! {
    /// `If-Modified-Since`.
    (IfModifiedSince, "If-Modified-Since") => [HttpDate]
}
crate::header! {
    /// `If-Unmodified-Since`.
    (IfUnmodifiedSince, "If-Unmodified-Since") => [HttpDate]
}
crate::header! {
    /// `Last-Modified`.
    (LastModified, "Last-Modified") => [HttpDate]
}
crate::header! {
    /// `If-None-Match`: `*` or entity tags.
    (IfNoneMatch, "If-None-Match") => {Any / (EntityTag)+}
}
crate::header! {
    /// `If-Match`: `*` or entity tags.
    (IfMatch, "If-Match") => {Any / (EntityTag)+}
}
crate::header! {
    /// `Location`: where a redirect points (a URI reference, kept as given).
    (Location, "Location") => [String]
}
crate::header! {
    /// `Content-Location`.
    (ContentLocation, "Content-Location") => [String]
}
crate::header! {
    /// `Referer`.
    (Referer, "Referer") => [String]
}
crate::header! {
    /// `Server`: the server's product name.
    (Server, "Server") => [String]
}
crate::header! {
    /// `User-Agent`.
    (UserAgent, "User-Agent") => [String]
}
crate::header! {
    /// `Upgrade`: the protocols the sender would switch to.
    (Upgrade, "Upgrade") => (Protocol)+
}
crate::header! {
    /// `Vary`: `*` or the request fields the response depends on.
    (Vary, "Vary") => {Any / (String)+}
}
crate::header! {
    /// `Access-Control-Allow-Headers`.
    (AccessControlAllowHeaders, "Access-Control-Allow-Headers") => (String)*
}
crate::header! {
    /// `Access-Control-Allow-Methods`.
    (AccessControlAllowMethods, "Access-Control-Allow-Methods") => (Method)*
}
crate::header! {
    /// `Access-Control-Expose-Headers`.
    (AccessControlExposeHeaders, "Access-Control-Expose-Headers") => (String)*
}
crate::header! {
    /// `Access-Control-Max-Age` in seconds.
    (AccessControlMaxAge, "Access-Control-Max-Age") => [u32]
}
crate::header! {
    /// `Pragma` (as a raw directive list).
    (Pragma, "Pragma") => (String)+
}

impl ContentType {
    /// `application/json`
    pub fn json() -> ContentType {
        ContentType(Mime(TopLevel::Application, SubLevel::Json, vec![]))
    }

    /// `text/plain; charset=utf-8`
    pub fn plaintext() -> ContentType {
        ContentType(Mime(TopLevel::Text, SubLevel::Plain, utf8()))
    }

    /// `text/html; charset=utf-8`
    pub fn html() -> ContentType {
        ContentType(Mime(TopLevel::Text, SubLevel::Html, utf8()))
    }

    /// `application/x-www-form-urlencoded`
    pub fn form_url_encoded() -> ContentType {
        ContentType(Mime(
            TopLevel::Application,
            SubLevel::WwwFormUrlEncoded,
            vec![],
        ))
    }

    /// `image/jpeg`
    pub fn jpeg() -> ContentType {
        ContentType(Mime(TopLevel::Image, SubLevel::Jpeg, vec![]))
    }

    /// `image/png`
    pub fn png() -> ContentType {
        ContentType(Mime(TopLevel::Image, SubLevel::Png, vec![]))
    }
}

/// `charset=utf-8`
fn utf8() -> Vec<mime::Param> {
    vec![(mime::Attr::Charset, mime::Value::Utf8)]
}

/// `Content-Length`. Several values are accepted only when they are all equal (RFC 9110
/// §8.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContentLength(pub u64);

crate::__hypersync_deref!(ContentLength => u64);

impl Header for ContentLength {
    fn header_name() -> &'static str {
        "Content-Length"
    }

    fn parse_header(raw: &[Vec<u8>]) -> Result<ContentLength> {
        let mut found = None;
        for value in raw {
            for part in value.split(|&b| b == b',') {
                let part = core::str::from_utf8(part)
                    .map_err(|_| Error::Header)?
                    .trim();
                if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(Error::Header);
                }
                let n: u64 = part.parse().map_err(|_| Error::Header)?;
                if found.is_some_and(|f| f != n) {
                    return Err(Error::Header);
                }
                found = Some(n);
            }
        }
        found.map(ContentLength).ok_or(Error::Header)
    }
}

impl HeaderFormat for ContentLength {
    fn fmt_header(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

crate::__hypersync_display!(ContentLength);

/// `Host`: the authority of the request target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Host {
    /// The host name or address (an IPv6 address with its brackets).
    pub hostname: String,
    /// The port, when one was given.
    pub port: Option<u16>,
}

impl Header for Host {
    fn header_name() -> &'static str {
        "Host"
    }

    fn parse_header(raw: &[Vec<u8>]) -> Result<Host> {
        let s: String = from_one_raw_str(raw)?;
        let (host, port) = match s.rfind(':') {
            Some(at) if !s[at..].contains(']') => (
                s[..at].to_owned(),
                Some(s[at + 1..].parse().map_err(|_| Error::Header)?),
            ),
            _ => (s, None),
        };
        Ok(Host {
            hostname: host,
            port,
        })
    }
}

impl HeaderFormat for Host {
    fn fmt_header(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            None | Some(80) | Some(443) => f.write_str(&self.hostname),
            Some(port) => write!(f, "{}:{}", self.hostname, port),
        }
    }
}

crate::__hypersync_display!(Host);

/// A `Connection` option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectionOption {
    /// `keep-alive`
    KeepAlive,
    /// `close`
    Close,
    /// The name of a header only for this hop (0.10 held a `UniCase<String>`; this holds
    /// the `String`, compared case-insensitively where it matters).
    ConnectionHeader(String),
}

impl FromStr for ConnectionOption {
    type Err = Error;

    fn from_str(s: &str) -> Result<ConnectionOption> {
        Ok(if s.eq_ignore_ascii_case("keep-alive") {
            ConnectionOption::KeepAlive
        } else if s.eq_ignore_ascii_case("close") {
            ConnectionOption::Close
        } else {
            ConnectionOption::ConnectionHeader(s.to_owned())
        })
    }
}

impl fmt::Display for ConnectionOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match *self {
            ConnectionOption::KeepAlive => "keep-alive",
            ConnectionOption::Close => "close",
            ConnectionOption::ConnectionHeader(ref s) => s,
        })
    }
}

crate::header! {
    /// `Connection`: options for this hop (`close`, `keep-alive`, header names).
    (Connection, "Connection") => (ConnectionOption)+
}

impl Connection {
    /// `Connection: close`
    pub fn close() -> Connection {
        Connection(vec![ConnectionOption::Close])
    }

    /// `Connection: keep-alive`
    pub fn keep_alive() -> Connection {
        Connection(vec![ConnectionOption::KeepAlive])
    }
}

/// `Cookie`: the cookies the client sends, each `name=value`, joined with `; `.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cookie(pub Vec<String>);

crate::__hypersync_deref!(Cookie => Vec<String>);

impl Header for Cookie {
    fn header_name() -> &'static str {
        "Cookie"
    }

    fn parse_header(raw: &[Vec<u8>]) -> Result<Cookie> {
        let mut cookies = Vec::new();
        for value in raw {
            let s = core::str::from_utf8(value).map_err(|_| Error::Header)?;
            cookies.extend(
                s.split(';')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned),
            );
        }
        if cookies.is_empty() {
            Err(Error::Header)
        } else {
            Ok(Cookie(cookies))
        }
    }
}

impl HeaderFormat for Cookie {
    fn fmt_header(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("; "))
    }
}

crate::__hypersync_display!(Cookie);

/// `Set-Cookie`: each cookie goes on its own field line (they cannot be joined with
/// commas).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetCookie(pub Vec<String>);

crate::__hypersync_deref!(SetCookie => Vec<String>);

impl Header for SetCookie {
    fn header_name() -> &'static str {
        "Set-Cookie"
    }

    fn parse_header(raw: &[Vec<u8>]) -> Result<SetCookie> {
        let cookies: Vec<String> = raw
            .iter()
            .filter_map(|v| core::str::from_utf8(v).ok())
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        if cookies.is_empty() {
            Err(Error::Header)
        } else {
            Ok(SetCookie(cookies))
        }
    }
}

impl HeaderFormat for SetCookie {
    fn fmt_header(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Written whole only by Display; on the wire each cookie is its own line.
        f.write_str(&self.0.join("\r\nSet-Cookie: "))
    }

    fn raw_values(&self) -> Vec<Vec<u8>> {
        self.0.iter().map(|c| c.clone().into_bytes()).collect()
    }
}

crate::__hypersync_display!(SetCookie);

/// `Access-Control-Allow-Origin`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccessControlAllowOrigin {
    /// `*`
    Any,
    /// `null`
    Null,
    /// One origin.
    Value(String),
}

impl Header for AccessControlAllowOrigin {
    fn header_name() -> &'static str {
        "Access-Control-Allow-Origin"
    }

    fn parse_header(raw: &[Vec<u8>]) -> Result<AccessControlAllowOrigin> {
        let s: String = from_one_raw_str(raw)?;
        Ok(match &*s {
            "*" => AccessControlAllowOrigin::Any,
            "null" => AccessControlAllowOrigin::Null,
            _ => AccessControlAllowOrigin::Value(s),
        })
    }
}

impl HeaderFormat for AccessControlAllowOrigin {
    fn fmt_header(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            AccessControlAllowOrigin::Any => f.write_str("*"),
            AccessControlAllowOrigin::Null => f.write_str("null"),
            AccessControlAllowOrigin::Value(ref v) => f.write_str(v),
        }
    }
}

crate::__hypersync_display!(AccessControlAllowOrigin);

/// A `Cache-Control` directive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheDirective {
    /// `no-cache`
    NoCache,
    /// `no-store`
    NoStore,
    /// `no-transform`
    NoTransform,
    /// `only-if-cached`
    OnlyIfCached,
    /// `max-age=N`
    MaxAge(u32),
    /// `max-stale=N`
    MaxStale(u32),
    /// `min-fresh=N`
    MinFresh(u32),
    /// `must-revalidate`
    MustRevalidate,
    /// `public`
    Public,
    /// `private`
    Private,
    /// `proxy-revalidate`
    ProxyRevalidate,
    /// `s-maxage=N`
    SMaxAge(u32),
    /// Any other directive, with its argument.
    Extension(String, Option<String>),
}

impl fmt::Display for CacheDirective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use self::CacheDirective::*;
        match *self {
            NoCache => f.write_str("no-cache"),
            NoStore => f.write_str("no-store"),
            NoTransform => f.write_str("no-transform"),
            OnlyIfCached => f.write_str("only-if-cached"),
            MaxAge(n) => write!(f, "max-age={n}"),
            MaxStale(n) => write!(f, "max-stale={n}"),
            MinFresh(n) => write!(f, "min-fresh={n}"),
            MustRevalidate => f.write_str("must-revalidate"),
            Public => f.write_str("public"),
            Private => f.write_str("private"),
            ProxyRevalidate => f.write_str("proxy-revalidate"),
            SMaxAge(n) => write!(f, "s-maxage={n}"),
            Extension(ref name, None) => f.write_str(name),
            Extension(ref name, Some(ref arg)) => write!(f, "{name}={arg}"),
        }
    }
}

impl FromStr for CacheDirective {
    type Err = Error;

    fn from_str(s: &str) -> Result<CacheDirective> {
        use self::CacheDirective::*;
        let secs = |v: &str| {
            v.trim_matches('"')
                .parse::<u32>()
                .map_err(|_| Error::Header)
        };
        Ok(match s.split_once('=') {
            None => match s {
                "no-cache" => NoCache,
                "no-store" => NoStore,
                "no-transform" => NoTransform,
                "only-if-cached" => OnlyIfCached,
                "must-revalidate" => MustRevalidate,
                "public" => Public,
                "private" => Private,
                "proxy-revalidate" => ProxyRevalidate,
                "" => return Err(Error::Header),
                _ => Extension(s.to_owned(), None),
            },
            Some(("max-age", v)) => MaxAge(secs(v)?),
            Some(("max-stale", v)) => MaxStale(secs(v)?),
            Some(("min-fresh", v)) => MinFresh(secs(v)?),
            Some(("s-maxage", v)) => SMaxAge(secs(v)?),
            Some((name, v)) => Extension(name.to_owned(), Some(v.to_owned())),
        })
    }
}

/// A protocol name of `Upgrade`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtocolName {
    /// `HTTP`
    Http,
    /// `TLS`
    Tls,
    /// `websocket`
    WebSocket,
    /// `h2c`
    H2c,
    /// Any other.
    Unregistered(String),
}

/// A protocol of `Upgrade`: a name and an optional version (`HTTP/2.0`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Protocol {
    /// The name.
    pub name: ProtocolName,
    /// The version.
    pub version: Option<String>,
}

impl Protocol {
    /// A protocol from its parts.
    pub fn new(name: ProtocolName, version: Option<String>) -> Protocol {
        Protocol { name, version }
    }
}

impl FromStr for Protocol {
    type Err = Error;

    fn from_str(s: &str) -> Result<Protocol> {
        let (name, version) = match s.split_once('/') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (s, None),
        };
        let name = match name {
            "HTTP" => ProtocolName::Http,
            "TLS" => ProtocolName::Tls,
            "h2c" => ProtocolName::H2c,
            n if n.eq_ignore_ascii_case("websocket") => ProtocolName::WebSocket,
            n => ProtocolName::Unregistered(n.to_owned()),
        };
        Ok(Protocol { name, version })
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.name {
            ProtocolName::Http => "HTTP",
            ProtocolName::Tls => "TLS",
            ProtocolName::WebSocket => "websocket",
            ProtocolName::H2c => "h2c",
            ProtocolName::Unregistered(ref s) => s,
        })?;
        match self.version {
            Some(ref v) => write!(f, "/{v}"),
            None => Ok(()),
        }
    }
}

/// An authorization scheme for [`Authorization`]: `Basic`, `Bearer`, or any other as a
/// `String` (the whole value).
pub trait Scheme: FromStr + fmt::Debug + Clone + Send + Sync + 'static {
    /// The scheme's name (`"Basic"`), or `None` for a scheme written whole by `fmt_scheme`.
    fn scheme() -> Option<&'static str>;

    /// Writes the credentials (after the name).
    ///
    /// # Errors
    ///
    /// Only those of the formatter.
    fn fmt_scheme(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl Scheme for String {
    fn scheme() -> Option<&'static str> {
        None
    }

    fn fmt_scheme(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

/// `Authorization`: credentials in some [`Scheme`].
///
/// # Examples
///
/// ```
/// use hypersync::header::{Authorization, Basic, Headers};
/// let mut h = Headers::new();
/// h.set(Authorization(Basic { username: "Aladdin".into(), password: Some("open sesame".into()) }));
/// assert_eq!(h.get_raw("authorization").unwrap()[0], b"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
/// let mut g = Headers::new();
/// g.set_raw("Authorization", vec![b"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==".to_vec()]);
/// assert_eq!(g.get::<Authorization<Basic>>().unwrap().username, "Aladdin");
/// ```
#[derive(Clone, PartialEq, Debug)]
pub struct Authorization<S: Scheme>(pub S);

impl<S: Scheme> core::ops::Deref for Authorization<S> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.0
    }
}

impl<S: Scheme> core::ops::DerefMut for Authorization<S> {
    fn deref_mut(&mut self) -> &mut S {
        &mut self.0
    }
}

impl<S: Scheme> Header for Authorization<S> {
    fn header_name() -> &'static str {
        "Authorization"
    }

    fn parse_header(raw: &[Vec<u8>]) -> Result<Authorization<S>> {
        let s: String = from_one_raw_str(raw)?;
        let creds = match S::scheme() {
            Some(name) => match s.split_once(' ') {
                Some((n, rest)) if n.eq_ignore_ascii_case(name) => rest.trim().to_owned(),
                _ => return Err(Error::Header),
            },
            None => s,
        };
        creds.parse().map(Authorization).map_err(|_| Error::Header)
    }
}

impl<S: Scheme> HeaderFormat for Authorization<S> {
    fn fmt_header(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(name) = S::scheme() {
            write!(f, "{name} ")?;
        }
        self.0.fmt_scheme(f)
    }
}

impl<S: Scheme> fmt::Display for Authorization<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_header(f)
    }
}

/// The `Basic` scheme: a user name and an optional password.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Basic {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: Option<String>,
}

impl Scheme for Basic {
    fn scheme() -> Option<&'static str> {
        Some("Basic")
    }

    fn fmt_scheme(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use base64::Engine as _;
        let mut text = self.username.clone();
        text.push(':');
        if let Some(ref pass) = self.password {
            text.push_str(pass);
        }
        f.write_str(&base64::engine::general_purpose::STANDARD.encode(text))
    }
}

impl FromStr for Basic {
    type Err = Error;

    fn from_str(s: &str) -> Result<Basic> {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(s.trim())
            .map_err(|_| Error::Header)?;
        let text = String::from_utf8(bytes)?;
        Ok(match text.split_once(':') {
            Some((user, pass)) => Basic {
                username: user.to_owned(),
                password: if pass.is_empty() {
                    None
                } else {
                    Some(pass.to_owned())
                },
            },
            None => Basic {
                username: text,
                password: None,
            },
        })
    }
}

/// The `Bearer` scheme: a token.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Bearer {
    /// The token.
    pub token: String,
}

impl Scheme for Bearer {
    fn scheme() -> Option<&'static str> {
        Some("Bearer")
    }

    fn fmt_scheme(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.token)
    }
}

impl FromStr for Bearer {
    type Err = Error;

    fn from_str(s: &str) -> Result<Bearer> {
        Ok(Bearer {
            token: s.to_owned(),
        })
    }
}
