//! Helpers for typed headers: parse one value or a comma-separated list, and write a list.

use core::fmt;
use core::str::FromStr;

use crate::error::{Error, Result};

/// Parses a field that must have exactly one value, with `FromStr` on its trimmed text.
///
/// # Errors
///
/// [`Error::Header`] for no value, several, non-UTF-8 bytes, or a failed parse.
pub fn from_one_raw_str<T: FromStr>(raw: &[Vec<u8>]) -> Result<T> {
    if raw.len() != 1 || raw[0].is_empty() {
        return Err(Error::Header);
    }
    from_raw_str(&raw[0])
}

/// Parses one value with `FromStr` on its trimmed text.
///
/// # Errors
///
/// [`Error::Header`] for non-UTF-8 bytes or a failed parse.
pub fn from_raw_str<T: FromStr>(raw: &[u8]) -> Result<T> {
    let s = core::str::from_utf8(raw).map_err(|_| Error::Header)?.trim();
    T::from_str(s).map_err(|_| Error::Header)
}

/// Parses the comma-separated elements of every value, skipping empty elements (RFC 9110
/// §5.6.1).
///
/// # Errors
///
/// [`Error::Header`] when an element does not parse.
pub fn from_comma_delimited<T: FromStr>(raw: &[Vec<u8>]) -> Result<Vec<T>> {
    let mut out = Vec::new();
    for value in raw {
        let s = core::str::from_utf8(value).map_err(|_| Error::Header)?;
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            out.push(T::from_str(part).map_err(|_| Error::Header)?);
        }
    }
    Ok(out)
}

/// [`from_comma_delimited`] for a list that must have at least one element.
///
/// # Errors
///
/// As [`from_comma_delimited`], and [`Error::Header`] for an empty list.
pub fn from_comma_delimited_nonempty<T: FromStr>(raw: &[Vec<u8>]) -> Result<Vec<T>> {
    let v = from_comma_delimited(raw)?;
    if v.is_empty() {
        Err(Error::Header)
    } else {
        Ok(v)
    }
}

/// Writes `parts` separated by `, `.
///
/// # Errors
///
/// Only those of the formatter.
pub fn fmt_comma_delimited<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    parts: &[T],
) -> fmt::Result {
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        fmt::Display::fmt(part, f)?;
    }
    Ok(())
}

/// Splits `s` on `sep` outside quoted strings and `<...>` (a `Link` target), trimming each
/// piece: `a; b="c;d"; e` gives `a`, `b="c;d"`, `e`.
pub(crate) fn split_outside(s: &str, sep: char) -> Vec<&str> {
    let (mut out, mut start) = (Vec::new(), 0);
    let (mut quoted, mut angle, mut escaped) = (false, false, false);
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' if !angle => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            c if c == sep && !quoted && !angle => {
                out.push(s[start..i].trim());
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(s[start..].trim());
    out
}

/// A parameter value: a token as it is, or a quoted string unescaped (RFC 9110 §5.6.4).
pub(crate) fn unquote(v: &str) -> Result<String> {
    let v = v.trim();
    let Some(inner) = v.strip_prefix('"') else {
        return Ok(v.to_owned());
    };
    let inner = inner.strip_suffix('"').ok_or(Error::Header)?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.push(chars.next().ok_or(Error::Header)?);
        } else {
            out.push(c);
        }
    }
    Ok(out)
}
