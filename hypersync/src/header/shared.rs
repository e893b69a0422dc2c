//! Value types the typed headers share: quality values, content codings, entity tags and
//! HTTP dates.

use core::fmt;
use core::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::Error;

/// A quality value (`q=0.5`) in thousandths: `Quality(500)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quality(pub u16);

impl Default for Quality {
    fn default() -> Quality {
        Quality(1000)
    }
}

/// A value with its quality, as in `Accept: text/html;q=0.9`.
///
/// # Examples
///
/// ```
/// use hypersync::header::{q, qitem, QualityItem};
/// let item: QualityItem<String> = "gzip;q=0.5".parse().unwrap();
/// assert_eq!(item, QualityItem::new("gzip".to_owned(), q(0.5)));
/// assert_eq!(qitem("br".to_owned()).to_string(), "br");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct QualityItem<T> {
    /// The value.
    pub item: T,
    /// Its quality.
    pub quality: Quality,
}

impl<T> QualityItem<T> {
    /// `item` with `quality`.
    pub fn new(item: T, quality: Quality) -> QualityItem<T> {
        QualityItem { item, quality }
    }
}

impl<T: fmt::Display> fmt::Display for QualityItem<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.item, f)?;
        match self.quality.0 {
            1000 => Ok(()),
            0 => f.write_str("; q=0"),
            n => {
                let s = format!("{:03}", n);
                write!(f, "; q=0.{}", s.trim_end_matches('0'))
            }
        }
    }
}

impl<T: FromStr> FromStr for QualityItem<T> {
    type Err = Error;

    fn from_str(s: &str) -> Result<QualityItem<T>, Error> {
        let (item, quality) = match s.rfind(';') {
            Some(at) => {
                let param = s[at + 1..].trim();
                match param
                    .strip_prefix("q=")
                    .or_else(|| param.strip_prefix("Q="))
                {
                    Some(v) => {
                        let v: f32 = v.parse().map_err(|_| Error::Header)?;
                        if !(0.0..=1.0).contains(&v) {
                            return Err(Error::Header);
                        }
                        (&s[..at], q(v))
                    }
                    None => (s, Quality::default()),
                }
            }
            None => (s, Quality::default()),
        };
        let item = T::from_str(item.trim()).map_err(|_| Error::Header)?;
        Ok(QualityItem { item, quality })
    }
}

/// `item` with quality 1.
pub fn qitem<T>(item: T) -> QualityItem<T> {
    QualityItem::new(item, Quality::default())
}

/// The quality of `f` (0 to 1).
///
/// # Panics
///
/// When `f` is outside 0..=1, as in 0.10.
pub fn q(f: f32) -> Quality {
    assert!(
        (0.0..=1.0).contains(&f),
        "quality values must be between 0 and 1"
    );
    Quality((f * 1000.0).round() as u16)
}

/// A content or transfer coding.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// `chunked`
    Chunked,
    /// `gzip`
    Gzip,
    /// `deflate`
    Deflate,
    /// `compress`
    Compress,
    /// `identity`
    Identity,
    /// `br`
    Brotli,
    /// `trailers`
    Trailers,
    /// Any other coding.
    EncodingExt(String),
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match *self {
            Encoding::Chunked => "chunked",
            Encoding::Gzip => "gzip",
            Encoding::Deflate => "deflate",
            Encoding::Compress => "compress",
            Encoding::Identity => "identity",
            Encoding::Brotli => "br",
            Encoding::Trailers => "trailers",
            Encoding::EncodingExt(ref s) => s,
        })
    }
}

impl FromStr for Encoding {
    type Err = Error;

    fn from_str(s: &str) -> Result<Encoding, Error> {
        Ok(match &*s.to_ascii_lowercase() {
            "chunked" => Encoding::Chunked,
            "gzip" | "x-gzip" => Encoding::Gzip,
            "deflate" => Encoding::Deflate,
            "compress" => Encoding::Compress,
            "identity" => Encoding::Identity,
            "br" => Encoding::Brotli,
            "trailers" => Encoding::Trailers,
            _ => Encoding::EncodingExt(s.to_owned()),
        })
    }
}

/// An entity tag (`"xyzzy"` or `W/"xyzzy"`).
///
/// # Examples
///
/// ```
/// use hypersync::header::EntityTag;
/// let weak: EntityTag = "W/\"v1\"".parse().unwrap();
/// assert!(weak.weak && weak.weak_eq(&EntityTag::strong("v1".into())));
/// assert!(!weak.strong_eq(&EntityTag::strong("v1".into())));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EntityTag {
    /// Whether the tag is weak.
    pub weak: bool,
    tag: String,
}

impl EntityTag {
    /// A tag; `tag` holds no `"`.
    ///
    /// # Panics
    ///
    /// When `tag` holds a `"` or a control byte, as in 0.10.
    pub fn new(weak: bool, tag: String) -> EntityTag {
        assert!(check_tag(&tag), "invalid entity tag: {tag:?}");
        EntityTag { weak, tag }
    }

    /// A weak tag.
    pub fn weak(tag: String) -> EntityTag {
        EntityTag::new(true, tag)
    }

    /// A strong tag.
    pub fn strong(tag: String) -> EntityTag {
        EntityTag::new(false, tag)
    }

    /// The tag, without quotes.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// Replaces the tag.
    ///
    /// # Panics
    ///
    /// As [`EntityTag::new`].
    pub fn set_tag(&mut self, tag: String) {
        assert!(check_tag(&tag), "invalid entity tag: {tag:?}");
        self.tag = tag;
    }

    /// Strong comparison (RFC 9110 §8.8.3.2): both strong and equal.
    pub fn strong_eq(&self, other: &EntityTag) -> bool {
        !self.weak && !other.weak && self.tag == other.tag
    }

    /// Weak comparison: equal tags, whatever their weakness.
    pub fn weak_eq(&self, other: &EntityTag) -> bool {
        self.tag == other.tag
    }

    /// `!strong_eq`.
    pub fn strong_ne(&self, other: &EntityTag) -> bool {
        !self.strong_eq(other)
    }

    /// `!weak_eq`.
    pub fn weak_ne(&self, other: &EntityTag) -> bool {
        !self.weak_eq(other)
    }
}

fn check_tag(tag: &str) -> bool {
    tag.bytes()
        .all(|b| b == 0x21 || (0x23..0x7f).contains(&b) || b >= 0x80)
}

impl fmt::Display for EntityTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.weak {
            write!(f, "W/\"{}\"", self.tag)
        } else {
            write!(f, "\"{}\"", self.tag)
        }
    }
}

impl FromStr for EntityTag {
    type Err = Error;

    fn from_str(s: &str) -> Result<EntityTag, Error> {
        let (weak, rest) = match s.strip_prefix("W/") {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let tag = rest
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .ok_or(Error::Header)?;
        if !check_tag(tag) {
            return Err(Error::Header);
        }
        Ok(EntityTag {
            weak,
            tag: tag.to_owned(),
        })
    }
}

/// A point in time as HTTP writes it (`Sun, 06 Nov 1994 08:49:37 GMT`), to the second.
///
/// It wraps `time::Tm` of `time` 0.1, as 0.10's did (frameworks build it from
/// `time::now_utc()`), with `From<SystemTime>` both ways for code of today. Parsing accepts
/// the IMF-fixdate, RFC 850 and asctime forms (RFC 9110 §5.6.7); only UTC is used, never
/// the local time zone.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use hypersync::header::HttpDate;
/// let d: HttpDate = "Sun, 06 Nov 1994 08:49:37 GMT".parse().unwrap();
/// assert_eq!(std::time::SystemTime::from(d), UNIX_EPOCH + Duration::from_secs(784111777));
/// assert_eq!(d.0.tm_year + 1900, 1994);
/// assert_eq!(d.to_string(), "Sun, 06 Nov 1994 08:49:37 GMT");
/// assert_eq!("Sunday, 06-Nov-94 08:49:37 GMT".parse::<HttpDate>().unwrap(), d);
/// assert_eq!("Sun Nov  6 08:49:37 1994".parse::<HttpDate>().unwrap(), d);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct HttpDate(pub time::Tm);

impl From<SystemTime> for HttpDate {
    fn from(t: SystemTime) -> HttpDate {
        let sec = match t.duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_secs() as i64,
            Err(e) => -(e.duration().as_secs() as i64),
        };
        HttpDate(time::at_utc(time::Timespec::new(sec, 0)))
    }
}

impl From<HttpDate> for SystemTime {
    fn from(d: HttpDate) -> SystemTime {
        let ts = d.0.to_timespec();
        if ts.sec >= 0 {
            UNIX_EPOCH + Duration::from_secs(ts.sec as u64)
        } else {
            UNIX_EPOCH - Duration::from_secs(ts.sec.unsigned_abs())
        }
    }
}

impl From<time::Tm> for HttpDate {
    fn from(tm: time::Tm) -> HttpDate {
        HttpDate(tm)
    }
}

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

impl fmt::Display for HttpDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = match SystemTime::from(*self).duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_secs() as i64,
            Err(e) => -(e.duration().as_secs() as i64),
        };
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
            DAYS[days.rem_euclid(7) as usize],
            d,
            MONTHS[m as usize - 1],
            y,
            rem / 3600,
            rem / 60 % 60,
            rem % 60
        )
    }
}

impl FromStr for HttpDate {
    type Err = Error;

    fn from_str(s: &str) -> Result<HttpDate, Error> {
        let parts: Vec<&str> = s.split_whitespace().collect();
        let (day, month, year, time) = match parts[..] {
            // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
            [_, d, m, y, t, "GMT"] => (d, m, y.to_owned(), t),
            // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
            [_, dmy, t, "GMT"] => {
                let mut it = dmy.split('-');
                let (Some(d), Some(m), Some(y), None) =
                    (it.next(), it.next(), it.next(), it.next())
                else {
                    return Err(Error::Header);
                };
                let y: i64 = y.parse().map_err(|_| Error::Header)?;
                // Two-digit years more than 50 years ahead are in the past (RFC 9110).
                let y = if y < 100 {
                    if y < 70 {
                        2000 + y
                    } else {
                        1900 + y
                    }
                } else {
                    y
                };
                (d, m, y.to_string(), t)
            }
            // asctime: Sun Nov  6 08:49:37 1994
            [_, m, d, t, y] => (d, m, y.to_owned(), t),
            _ => return Err(Error::Header),
        };
        let day: u32 = day.parse().map_err(|_| Error::Header)?;
        let month = MONTHS
            .iter()
            .position(|&m| m == month)
            .ok_or(Error::Header)? as u32
            + 1;
        let year: i64 = year.parse().map_err(|_| Error::Header)?;
        let hms: Vec<u64> = time
            .split(':')
            .map(|p| p.parse().map_err(|_| Error::Header))
            .collect::<Result<_, _>>()?;
        if hms.len() != 3 || hms[0] > 23 || hms[1] > 59 || hms[2] > 60 || !(1..=31).contains(&day) {
            return Err(Error::Header);
        }
        let days = days_from_civil(year, month, day);
        if days < 0 {
            return Err(Error::Header);
        }
        let secs = days as u64 * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2];
        Ok(HttpDate::from(UNIX_EPOCH + Duration::from_secs(secs)))
    }
}
