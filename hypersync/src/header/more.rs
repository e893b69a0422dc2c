//! The rest of 0.10's typed headers that frameworks name: CORS requests, charsets, ranges,
//! `Expect`, `From`, `If-Range`, `Origin`, `Strict-Transport-Security`, `Referrer-Policy`.

use core::fmt;
use core::str::FromStr;

use super::parsing::{from_comma_delimited, from_one_raw_str};
use super::{EntityTag, Header, HeaderFormat, Host, HttpDate, QualityItem};
use crate::error::{Error, Result};
use crate::method::Method;

crate::header! {
    /// `Access-Control-Request-Headers`: the headers a preflighted request will carry.
    (AccessControlRequestHeaders, "Access-Control-Request-Headers") => (String)*
}
crate::header! {
    /// `Access-Control-Request-Method`: the method a preflighted request will use.
    (AccessControlRequestMethod, "Access-Control-Request-Method") => [Method]
}
crate::header! {
    /// `Accept-Charset`: the charsets the client takes, with qualities.
    (AcceptCharset, "Accept-Charset") => (QualityItem<Charset>)+
}
crate::header! {
    /// `Accept-Ranges`: the range units the server supports.
    (AcceptRanges, "Accept-Ranges") => (RangeUnit)+
}
crate::header! {
    /// `From`: the user's e-mail address.
    (From, "From") => [String]
}
crate::header! {
    /// `Content-Range`: which part of the representation the body is.
    (ContentRange, "Content-Range") => [ContentRangeSpec]
}

/// A charset name (`Accept-Charset`), as 0.10 spelled the registered ones.
#[allow(non_camel_case_types, missing_docs)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Charset {
    Us_Ascii,
    Iso_8859_1,
    Iso_8859_2,
    Iso_8859_3,
    Iso_8859_4,
    Iso_8859_5,
    Iso_8859_6,
    Iso_8859_7,
    Iso_8859_8,
    Iso_8859_9,
    Iso_8859_10,
    Shift_Jis,
    Euc_Jp,
    Iso_2022_Kr,
    Euc_Kr,
    Iso_2022_Jp,
    Iso_2022_Jp_2,
    Iso_8859_6_E,
    Iso_8859_6_I,
    Iso_8859_8_E,
    Iso_8859_8_I,
    Gb2312,
    Big5,
    Koi8_R,
    /// Any other name, as given.
    Ext(String),
}

const CHARSETS: [(Charset, &str); 24] = [
    (Charset::Us_Ascii, "US-ASCII"),
    (Charset::Iso_8859_1, "ISO-8859-1"),
    (Charset::Iso_8859_2, "ISO-8859-2"),
    (Charset::Iso_8859_3, "ISO-8859-3"),
    (Charset::Iso_8859_4, "ISO-8859-4"),
    (Charset::Iso_8859_5, "ISO-8859-5"),
    (Charset::Iso_8859_6, "ISO-8859-6"),
    (Charset::Iso_8859_7, "ISO-8859-7"),
    (Charset::Iso_8859_8, "ISO-8859-8"),
    (Charset::Iso_8859_9, "ISO-8859-9"),
    (Charset::Iso_8859_10, "ISO-8859-10"),
    (Charset::Shift_Jis, "Shift-JIS"),
    (Charset::Euc_Jp, "EUC-JP"),
    (Charset::Iso_2022_Kr, "ISO-2022-KR"),
    (Charset::Euc_Kr, "EUC-KR"),
    (Charset::Iso_2022_Jp, "ISO-2022-JP"),
    (Charset::Iso_2022_Jp_2, "ISO-2022-JP-2"),
    (Charset::Iso_8859_6_E, "ISO-8859-6-E"),
    (Charset::Iso_8859_6_I, "ISO-8859-6-I"),
    (Charset::Iso_8859_8_E, "ISO-8859-8-E"),
    (Charset::Iso_8859_8_I, "ISO-8859-8-I"),
    (Charset::Gb2312, "GB2312"),
    (Charset::Big5, "Big5"),
    (Charset::Koi8_R, "KOI8-R"),
];

impl fmt::Display for Charset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Charset::Ext(s) => f.write_str(s),
            known => {
                let name = CHARSETS
                    .iter()
                    .find(|(c, _)| c == known)
                    .map_or("", |(_, n)| n);
                f.write_str(name)
            }
        }
    }
}

impl FromStr for Charset {
    type Err = Error;
    fn from_str(s: &str) -> Result<Charset> {
        Ok(CHARSETS
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(s))
            .map_or_else(|| Charset::Ext(s.to_owned()), |(c, _)| c.clone()))
    }
}

/// A range unit (`Accept-Ranges`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RangeUnit {
    /// `bytes`
    Bytes,
    /// `none`: no ranges.
    None,
    /// Any other unit.
    Unregistered(String),
}

impl FromStr for RangeUnit {
    type Err = Error;
    fn from_str(s: &str) -> Result<RangeUnit> {
        Ok(match s {
            "bytes" => RangeUnit::Bytes,
            "none" => RangeUnit::None,
            "" => return Err(Error::Header),
            other => RangeUnit::Unregistered(other.to_owned()),
        })
    }
}

impl fmt::Display for RangeUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RangeUnit::Bytes => f.write_str("bytes"),
            RangeUnit::None => f.write_str("none"),
            RangeUnit::Unregistered(s) => f.write_str(s),
        }
    }
}

/// `Expect`: only `100-continue` is defined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// `100-continue`
    Continue,
}

impl Header for Expect {
    fn header_name() -> &'static str {
        "Expect"
    }
    fn parse_header(raw: &[Vec<u8>]) -> Result<Expect> {
        match raw {
            [one] if one.eq_ignore_ascii_case(b"100-continue") => Ok(Expect::Continue),
            _ => Err(Error::Header),
        }
    }
}

impl HeaderFormat for Expect {
    fn fmt_header(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("100-continue")
    }
}

crate::__hypersync_display!(Expect);

/// `If-Range`: an entity tag or a date the range request depends on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IfRange {
    /// An entity tag.
    EntityTag(EntityTag),
    /// A date.
    Date(HttpDate),
}

impl Header for IfRange {
    fn header_name() -> &'static str {
        "If-Range"
    }
    fn parse_header(raw: &[Vec<u8>]) -> Result<IfRange> {
        if let Ok(d) = from_one_raw_str::<HttpDate>(raw) {
            return Ok(IfRange::Date(d));
        }
        from_one_raw_str::<EntityTag>(raw).map(IfRange::EntityTag)
    }
}

impl HeaderFormat for IfRange {
    fn fmt_header(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IfRange::EntityTag(t) => fmt::Display::fmt(t, f),
            IfRange::Date(d) => fmt::Display::fmt(d, f),
        }
    }
}

crate::__hypersync_display!(IfRange);

/// `Access-Control-Allow-Credentials: true` (the only value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessControlAllowCredentials;

impl Header for AccessControlAllowCredentials {
    fn header_name() -> &'static str {
        "Access-Control-Allow-Credentials"
    }
    fn parse_header(raw: &[Vec<u8>]) -> Result<AccessControlAllowCredentials> {
        match raw {
            [one] if one.eq_ignore_ascii_case(b"true") => Ok(AccessControlAllowCredentials),
            _ => Err(Error::Header),
        }
    }
}

impl HeaderFormat for AccessControlAllowCredentials {
    fn fmt_header(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("true")
    }
}

crate::__hypersync_display!(AccessControlAllowCredentials);

/// `Origin`: the scheme and host a request comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// `http`, `https`, ...
    pub scheme: String,
    /// The host and port.
    pub host: Host,
}

impl Origin {
    /// An origin of `scheme`, `hostname` and `port`.
    pub fn new<S: Into<String>, H: Into<String>>(
        scheme: S,
        hostname: H,
        port: Option<u16>,
    ) -> Origin {
        Origin {
            scheme: scheme.into(),
            host: Host {
                hostname: hostname.into(),
                port,
            },
        }
    }
}

impl Header for Origin {
    fn header_name() -> &'static str {
        "Origin"
    }
    fn parse_header(raw: &[Vec<u8>]) -> Result<Origin> {
        let s: String = from_one_raw_str(raw)?;
        let (scheme, rest) = s.split_once("://").ok_or(Error::Header)?;
        if scheme.is_empty() || rest.is_empty() {
            return Err(Error::Header);
        }
        let host = Host::parse_header(&[rest.as_bytes().to_vec()])?;
        Ok(Origin {
            scheme: scheme.to_owned(),
            host,
        })
    }
}

impl HeaderFormat for Origin {
    fn fmt_header(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme)?;
        match self.host.port {
            Some(port) => write!(f, "{}:{}", self.host.hostname, port),
            None => f.write_str(&self.host.hostname),
        }
    }
}

crate::__hypersync_display!(Origin);

/// `Range`: the parts of a representation a client asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Range {
    /// `bytes=` ranges.
    Bytes(Vec<ByteRangeSpec>),
    /// Another unit and its ranges, as given.
    Unregistered(String, String),
}

/// One range of `Range: bytes=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteRangeSpec {
    /// `from-to`, both included.
    FromTo(u64, u64),
    /// `from-`: to the end.
    AllFrom(u64),
    /// `-n`: the last `n` bytes.
    Last(u64),
}

impl Range {
    /// `bytes=from-to`.
    pub fn bytes(from: u64, to: u64) -> Range {
        Range::Bytes(vec![ByteRangeSpec::FromTo(from, to)])
    }
}

impl FromStr for ByteRangeSpec {
    type Err = Error;
    fn from_str(s: &str) -> Result<ByteRangeSpec> {
        let (a, b) = s.trim().split_once('-').ok_or(Error::Header)?;
        let num = |t: &str| t.parse::<u64>().map_err(|_| Error::Header);
        match (a.is_empty(), b.is_empty()) {
            (true, false) => Ok(ByteRangeSpec::Last(num(b)?)),
            (false, true) => Ok(ByteRangeSpec::AllFrom(num(a)?)),
            (false, false) => {
                let (from, to) = (num(a)?, num(b)?);
                if from > to {
                    return Err(Error::Header);
                }
                Ok(ByteRangeSpec::FromTo(from, to))
            }
            (true, true) => Err(Error::Header),
        }
    }
}

impl fmt::Display for ByteRangeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ByteRangeSpec::FromTo(a, b) => write!(f, "{a}-{b}"),
            ByteRangeSpec::AllFrom(a) => write!(f, "{a}-"),
            ByteRangeSpec::Last(n) => write!(f, "-{n}"),
        }
    }
}

impl Header for Range {
    fn header_name() -> &'static str {
        "Range"
    }
    fn parse_header(raw: &[Vec<u8>]) -> Result<Range> {
        let s: String = from_one_raw_str(raw)?;
        let (unit, ranges) = s.split_once('=').ok_or(Error::Header)?;
        if unit == "bytes" {
            let specs = from_comma_delimited::<ByteRangeSpec>(&[ranges.as_bytes().to_vec()])?;
            if specs.is_empty() {
                return Err(Error::Header);
            }
            Ok(Range::Bytes(specs))
        } else if unit.is_empty() || ranges.is_empty() {
            Err(Error::Header)
        } else {
            Ok(Range::Unregistered(unit.to_owned(), ranges.to_owned()))
        }
    }
}

impl HeaderFormat for Range {
    fn fmt_header(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Range::Bytes(specs) => {
                f.write_str("bytes=")?;
                for (i, s) in specs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    fmt::Display::fmt(s, f)?;
                }
                Ok(())
            }
            Range::Unregistered(unit, ranges) => write!(f, "{unit}={ranges}"),
        }
    }
}

crate::__hypersync_display!(Range);

/// The value of `Content-Range`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContentRangeSpec {
    /// `bytes first-last/length`, `bytes */length`, `bytes first-last/*`.
    Bytes {
        /// First and last byte, both included (`None`: `*`, unsatisfied).
        range: Option<(u64, u64)>,
        /// The whole length (`None`: `*`, unknown).
        instance_length: Option<u64>,
    },
    /// Another unit, as given.
    Unregistered {
        /// The unit.
        unit: String,
        /// The rest.
        resp: String,
    },
}

impl FromStr for ContentRangeSpec {
    type Err = Error;
    fn from_str(s: &str) -> Result<ContentRangeSpec> {
        let (unit, resp) = s.split_once(' ').ok_or(Error::Header)?;
        if unit != "bytes" {
            return Ok(ContentRangeSpec::Unregistered {
                unit: unit.to_owned(),
                resp: resp.to_owned(),
            });
        }
        let (range, len) = resp.split_once('/').ok_or(Error::Header)?;
        let num = |t: &str| t.parse::<u64>().map_err(|_| Error::Header);
        let instance_length = if len == "*" { None } else { Some(num(len)?) };
        let range = if range == "*" {
            None
        } else {
            let (a, b) = range.split_once('-').ok_or(Error::Header)?;
            let (a, b) = (num(a)?, num(b)?);
            if a > b || instance_length.is_some_and(|l| b >= l) {
                return Err(Error::Header);
            }
            Some((a, b))
        };
        if range.is_none() && instance_length.is_none() {
            return Err(Error::Header);
        }
        Ok(ContentRangeSpec::Bytes {
            range,
            instance_length,
        })
    }
}

impl fmt::Display for ContentRangeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContentRangeSpec::Bytes {
                range,
                instance_length,
            } => {
                f.write_str("bytes ")?;
                match range {
                    Some((a, b)) => write!(f, "{a}-{b}")?,
                    None => f.write_str("*")?,
                }
                match instance_length {
                    Some(l) => write!(f, "/{l}"),
                    None => f.write_str("/*"),
                }
            }
            ContentRangeSpec::Unregistered { unit, resp } => write!(f, "{unit} {resp}"),
        }
    }
}

/// `Strict-Transport-Security` (HSTS, RFC 6797).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StrictTransportSecurity {
    /// `includeSubDomains`.
    pub include_subdomains: bool,
    /// `max-age`, in seconds.
    pub max_age: u64,
}

impl StrictTransportSecurity {
    /// `max-age=max_age; includeSubDomains`.
    pub fn including_subdomains(max_age: u64) -> StrictTransportSecurity {
        StrictTransportSecurity {
            include_subdomains: true,
            max_age,
        }
    }

    /// `max-age=max_age`.
    pub fn excluding_subdomains(max_age: u64) -> StrictTransportSecurity {
        StrictTransportSecurity {
            include_subdomains: false,
            max_age,
        }
    }
}

impl Header for StrictTransportSecurity {
    fn header_name() -> &'static str {
        "Strict-Transport-Security"
    }
    fn parse_header(raw: &[Vec<u8>]) -> Result<StrictTransportSecurity> {
        let s: String = from_one_raw_str(raw)?;
        let mut max_age = None;
        let mut include_subdomains = false;
        for d in s.split(';').map(str::trim).filter(|d| !d.is_empty()) {
            if d.eq_ignore_ascii_case("includesubdomains") {
                if include_subdomains {
                    return Err(Error::Header);
                }
                include_subdomains = true;
            } else if let Some((k, v)) = d.split_once('=') {
                if k.trim().eq_ignore_ascii_case("max-age") {
                    if max_age.is_some() {
                        return Err(Error::Header);
                    }
                    let v = v.trim().trim_matches('"');
                    max_age = Some(v.parse().map_err(|_| Error::Header)?);
                }
            }
        }
        Ok(StrictTransportSecurity {
            include_subdomains,
            max_age: max_age.ok_or(Error::Header)?,
        })
    }
}

impl HeaderFormat for StrictTransportSecurity {
    fn fmt_header(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "max-age={}", self.max_age)?;
        if self.include_subdomains {
            f.write_str("; includeSubdomains")?;
        }
        Ok(())
    }
}

crate::__hypersync_display!(StrictTransportSecurity);

/// `Referrer-Policy`.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReferrerPolicy {
    NoReferrer,
    NoReferrerWhenDowngrade,
    SameOrigin,
    Origin,
    OriginWhenCrossOrigin,
    UnsafeUrl,
    StrictOrigin,
    StrictOriginWhenCrossOrigin,
}

const POLICIES: [(ReferrerPolicy, &str); 8] = [
    (ReferrerPolicy::NoReferrer, "no-referrer"),
    (
        ReferrerPolicy::NoReferrerWhenDowngrade,
        "no-referrer-when-downgrade",
    ),
    (ReferrerPolicy::SameOrigin, "same-origin"),
    (ReferrerPolicy::Origin, "origin"),
    (
        ReferrerPolicy::OriginWhenCrossOrigin,
        "origin-when-cross-origin",
    ),
    (ReferrerPolicy::UnsafeUrl, "unsafe-url"),
    (ReferrerPolicy::StrictOrigin, "strict-origin"),
    (
        ReferrerPolicy::StrictOriginWhenCrossOrigin,
        "strict-origin-when-cross-origin",
    ),
];

impl Header for ReferrerPolicy {
    fn header_name() -> &'static str {
        "Referrer-Policy"
    }
    fn parse_header(raw: &[Vec<u8>]) -> Result<ReferrerPolicy> {
        // The last policy the client knows wins (W3C Referrer Policy §8.1).
        let names = from_comma_delimited::<String>(raw)?;
        names
            .iter()
            .rev()
            .find_map(|n| {
                POLICIES
                    .iter()
                    .find(|(_, s)| s.eq_ignore_ascii_case(n))
                    .map(|(p, _)| *p)
            })
            .ok_or(Error::Header)
    }
}

impl HeaderFormat for ReferrerPolicy {
    fn fmt_header(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = POLICIES
            .iter()
            .find(|(p, _)| p == self)
            .map_or("", |(_, s)| s);
        f.write_str(name)
    }
}

crate::__hypersync_display!(ReferrerPolicy);

crate::header! {
    /// `Last-Event-ID`: the last server-sent event the client saw.
    (LastEventID, "Last-Event-ID") => [String]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::tests::round;

    #[test]
    fn each_parses_and_formats_back() {
        assert_eq!(round::<Expect>("100-Continue"), Expect::Continue);
        assert_eq!(
            round::<Range>("bytes=0-9,20-,-5"),
            Range::Bytes(vec![
                ByteRangeSpec::FromTo(0, 9),
                ByteRangeSpec::AllFrom(20),
                ByteRangeSpec::Last(5)
            ])
        );
        assert_eq!(
            round::<ContentRange>("bytes 0-9/100").0,
            ContentRangeSpec::Bytes {
                range: Some((0, 9)),
                instance_length: Some(100)
            }
        );
        assert_eq!(
            round::<Origin>("https://example.com:8443").host.port,
            Some(8443)
        );
        assert_eq!(
            round::<StrictTransportSecurity>("max-age=31536000; includeSubDomains"),
            StrictTransportSecurity::including_subdomains(31_536_000)
        );
        assert_eq!(
            round::<ReferrerPolicy>("no-referrer, strict-origin"),
            ReferrerPolicy::StrictOrigin
        );
        assert_eq!(
            round::<AcceptCharset>("utf-8, iso-8859-1;q=0.5").0[1].item,
            Charset::Iso_8859_1
        );
        assert_eq!(round::<AcceptRanges>("bytes").0, [RangeUnit::Bytes]);
        assert!(matches!(
            round::<IfRange>("\"xyzzy\""),
            IfRange::EntityTag(_)
        ));
        assert!(matches!(
            round::<IfRange>("Sun, 06 Nov 1994 08:49:37 GMT"),
            IfRange::Date(_)
        ));
        round::<AccessControlAllowCredentials>("true");
    }

    #[test]
    fn malformed_values_are_refused() {
        let bad = |name: &str, v: &str| -> bool {
            let raw = [v.as_bytes().to_vec()];
            match name {
                "Range" => Range::parse_header(&raw).is_err(),
                "Content-Range" => ContentRange::parse_header(&raw).is_err(),
                "Expect" => Expect::parse_header(&raw).is_err(),
                "Origin" => Origin::parse_header(&raw).is_err(),
                "HSTS" => StrictTransportSecurity::parse_header(&raw).is_err(),
                _ => unreachable!(),
            }
        };
        for (name, v) in [
            ("Range", "bytes=9-0"),
            ("Range", "bytes="),
            ("Range", "bytes=-"),
            ("Content-Range", "bytes 5-2/10"),
            ("Content-Range", "bytes 0-10/10"),
            ("Content-Range", "bytes */*"),
            ("Expect", "200-ok"),
            ("Origin", "example.com"),
            ("HSTS", "includeSubDomains"),
        ] {
            assert!(bad(name, v), "{name}: {v}");
        }
    }
}
