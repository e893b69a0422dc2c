//! `Content-Disposition` (RFC 6266, `filename*` per RFC 8187) and `Prefer` /
//! `Preference-Applied` (RFC 7240): headers of parameters.

use core::fmt;
use core::str::FromStr;

use super::parsing::{from_one_raw_str, split_outside, unquote};
use super::{Charset, Header, HeaderFormat};
use crate::error::{Error, Result};

/// What a `Content-Disposition` says to do with the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DispositionType {
    /// `inline`: show it.
    Inline,
    /// `attachment`: save it.
    Attachment,
    /// Any other type.
    Ext(String),
}

/// A `Content-Disposition` parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DispositionParam {
    /// `filename` / `filename*`: the charset, the language and the name's bytes.
    Filename(Charset, Option<crate::LanguageTag>, Vec<u8>),
    /// Any other parameter: name and value.
    Ext(String, String),
}

/// `Content-Disposition` (RFC 6266): `attachment; filename="report.pdf"`.
///
/// # Examples
///
/// ```
/// use hypersync::header::{Charset, ContentDisposition, DispositionParam, DispositionType, Headers};
///
/// let mut h = Headers::new();
/// h.set(ContentDisposition {
///     disposition: DispositionType::Attachment,
///     parameters: vec![DispositionParam::Filename(Charset::Ext("UTF-8".into()), None, b"r\xc3\xa9sum\xc3\xa9.txt".to_vec())],
/// });
/// assert_eq!(h.get_raw("content-disposition").unwrap()[0], b"attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.txt");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentDisposition {
    /// The disposition.
    pub disposition: DispositionType,
    /// Its parameters.
    pub parameters: Vec<DispositionParam>,
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// An RFC 8187 extended value: `charset'language'percent-encoded`.
fn parse_ext_value(v: &str) -> Result<(Charset, Option<crate::LanguageTag>, Vec<u8>)> {
    let mut parts = v.splitn(3, '\'');
    let (Some(charset), Some(lang), Some(value)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(Error::Header);
    };
    let charset: Charset = charset.parse()?;
    let lang = if lang.is_empty() {
        None
    } else {
        Some(lang.parse().map_err(|_| Error::Header)?)
    };
    let raw = value.as_bytes();
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' {
            let hi = raw.get(i + 1).copied().and_then(hex).ok_or(Error::Header)?;
            let lo = raw.get(i + 2).copied().and_then(hex).ok_or(Error::Header)?;
            bytes.push(hi << 4 | lo);
            i += 3;
        } else {
            bytes.push(raw[i]);
            i += 1;
        }
    }
    Ok((charset, lang, bytes))
}

impl Header for ContentDisposition {
    fn header_name() -> &'static str {
        "Content-Disposition"
    }
    fn parse_header(raw: &[Vec<u8>]) -> Result<ContentDisposition> {
        let s: String = from_one_raw_str(raw)?;
        let mut parts = split_outside(&s, ';').into_iter();
        let disposition = match parts.next().unwrap_or("") {
            "" => return Err(Error::Header),
            t if t.eq_ignore_ascii_case("inline") => DispositionType::Inline,
            t if t.eq_ignore_ascii_case("attachment") => DispositionType::Attachment,
            t => DispositionType::Ext(t.to_owned()),
        };
        let mut parameters = Vec::new();
        for p in parts.filter(|p| !p.is_empty()) {
            let (name, value) = p.split_once('=').ok_or(Error::Header)?;
            let name = name.trim();
            parameters.push(if name.eq_ignore_ascii_case("filename*") {
                let (c, l, v) = parse_ext_value(value.trim())?;
                DispositionParam::Filename(c, l, v)
            } else if name.eq_ignore_ascii_case("filename") {
                DispositionParam::Filename(
                    Charset::Ext("UTF-8".to_owned()),
                    None,
                    unquote(value)?.into_bytes(),
                )
            } else {
                DispositionParam::Ext(name.to_owned(), unquote(value)?)
            });
        }
        Ok(ContentDisposition {
            disposition,
            parameters,
        })
    }
}

impl HeaderFormat for ContentDisposition {
    fn fmt_header(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.disposition {
            DispositionType::Inline => f.write_str("inline")?,
            DispositionType::Attachment => f.write_str("attachment")?,
            DispositionType::Ext(t) => f.write_str(t)?,
        }
        for p in &self.parameters {
            match p {
                DispositionParam::Filename(charset, lang, bytes) => {
                    let plain = lang.is_none()
                        && bytes
                            .iter()
                            .all(|&b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
                    if plain {
                        write!(f, "; filename=\"{}\"", String::from_utf8_lossy(bytes))?;
                    } else {
                        write!(f, "; filename*={charset}'")?;
                        if let Some(l) = lang {
                            write!(f, "{l}")?;
                        }
                        f.write_str("'")?;
                        for &b in bytes {
                            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                                write!(f, "{}", b as char)?;
                            } else {
                                write!(f, "%{b:02X}")?;
                            }
                        }
                    }
                }
                DispositionParam::Ext(name, value) => {
                    let token = !value.is_empty()
                        && value
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
                    if token {
                        write!(f, "; {name}={value}")?;
                    } else {
                        write!(
                            f,
                            "; {name}=\"{}\"",
                            value.replace('\\', "\\\\").replace('"', "\\\"")
                        )?;
                    }
                }
            }
        }
        Ok(())
    }
}

crate::__hypersync_display!(ContentDisposition);

/// One preference of `Prefer` / `Preference-Applied` (RFC 7240).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Preference {
    /// `respond-async`
    RespondAsync,
    /// `return=representation`
    ReturnRepresentation,
    /// `return=minimal`
    ReturnMinimal,
    /// `handling=strict`
    HandlingStrict,
    /// `handling=lenient` (0.10's spelling of the variant kept)
    HandlingLeniant,
    /// `wait=seconds`
    Wait(u32),
    /// Any other: name, value (empty if none) and parameters.
    Extension(String, String, Vec<(String, String)>),
}

impl FromStr for Preference {
    type Err = Error;
    fn from_str(s: &str) -> Result<Preference> {
        let mut parts = split_outside(s, ';').into_iter();
        let first = parts.next().unwrap_or("");
        let (name, value) = match first.split_once('=') {
            Some((n, v)) => (n.trim(), unquote(v)?),
            None => (first, String::new()),
        };
        if name.is_empty() {
            return Err(Error::Header);
        }
        let params = parts
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((n, v)) => Ok((n.trim().to_owned(), unquote(v)?)),
                None => Ok((p.to_owned(), String::new())),
            })
            .collect::<Result<Vec<_>>>()?;
        if !params.is_empty() {
            return Ok(Preference::Extension(name.to_owned(), value, params));
        }
        Ok(match (name.to_ascii_lowercase().as_str(), value.as_str()) {
            ("respond-async", "") => Preference::RespondAsync,
            ("return", "representation") => Preference::ReturnRepresentation,
            ("return", "minimal") => Preference::ReturnMinimal,
            ("handling", "strict") => Preference::HandlingStrict,
            ("handling", "lenient") => Preference::HandlingLeniant,
            ("wait", secs) => Preference::Wait(secs.parse().map_err(|_| Error::Header)?),
            _ => Preference::Extension(name.to_owned(), value, params),
        })
    }
}

impl fmt::Display for Preference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Preference::RespondAsync => f.write_str("respond-async"),
            Preference::ReturnRepresentation => f.write_str("return=representation"),
            Preference::ReturnMinimal => f.write_str("return=minimal"),
            Preference::HandlingStrict => f.write_str("handling=strict"),
            Preference::HandlingLeniant => f.write_str("handling=lenient"),
            Preference::Wait(secs) => write!(f, "wait={secs}"),
            Preference::Extension(name, value, params) => {
                f.write_str(name)?;
                if !value.is_empty() {
                    write!(f, "={value}")?;
                }
                for (n, v) in params {
                    write!(f, "; {n}")?;
                    if !v.is_empty() {
                        write!(f, "={v}")?;
                    }
                }
                Ok(())
            }
        }
    }
}

crate::header! {
    /// `Prefer` (RFC 7240): what the client would like the server to do.
    (Prefer, "Prefer") => (Preference)+
}
crate::header! {
    /// `Preference-Applied` (RFC 7240): which preferences the server honoured.
    (PreferenceApplied, "Preference-Applied") => (Preference)+
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::tests::round;

    #[test]
    fn each_parses_and_formats_back() {
        let cd = round::<ContentDisposition>("attachment; filename=\"a b.txt\"; size=10");
        assert_eq!(cd.disposition, DispositionType::Attachment);
        assert_eq!(
            cd.parameters,
            [
                DispositionParam::Filename(Charset::Ext("UTF-8".into()), None, b"a b.txt".to_vec()),
                DispositionParam::Ext("size".into(), "10".into())
            ]
        );
        let ext = round::<ContentDisposition>("inline; filename*=UTF-8''%E2%82%AC%20rates");
        assert!(
            matches!(&ext.parameters[0], DispositionParam::Filename(_, None, b) if b == "€ rates".as_bytes())
        );
        assert_eq!(
            round::<Prefer>("respond-async, return=representation, wait=100").0,
            [
                Preference::RespondAsync,
                Preference::ReturnRepresentation,
                Preference::Wait(100)
            ]
        );
        assert_eq!(
            round::<PreferenceApplied>("foo=bar; baz").0,
            [Preference::Extension(
                "foo".into(),
                "bar".into(),
                vec![("baz".into(), String::new())]
            )]
        );
    }
}
