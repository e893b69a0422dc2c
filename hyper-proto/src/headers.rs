//! Field-value rules httparse leaves to us: `Content-Length`, `Transfer-Encoding`,
//! `Connection` tokens, `Host`, and validating and writing outgoing fields.

use crate::error::{ParseError, UserError};

/// Which of the framing and connection-management fields a name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Special {
    Host,
    ContentLength,
    TransferEncoding,
    Connection,
    Expect,
    Upgrade,
    Date,
    Other,
}

impl Special {
    /// `Content-Length` or `Transfer-Encoding`: a field that frames the body.
    pub(crate) fn is_framing(self) -> bool {
        matches!(self, Self::ContentLength | Self::TransferEncoding)
    }
}

/// Whether `name` equals the lowercase ASCII literal `lit`, ignoring ASCII case.
///
/// Compares 8 (or 4) bytes at a time with the case bit set. Sound for header names: they
/// are tokens, and the only token bytes that collide with another byte once `0x20` is set
/// are `^`/`~` and `_`/DEL, none of which appear in the literals used here.
#[inline(always)]
fn lower_eq(name: &[u8], lit: &[u8]) -> bool {
    #[inline(always)]
    fn word8(b: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]))
    }
    #[inline(always)]
    fn word4(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap_or([0; 4]))
    }
    const M8: u64 = 0x2020_2020_2020_2020;
    const M4: u32 = 0x2020_2020;
    let n = lit.len();
    if name.len() != n {
        return false;
    }
    if n >= 8 {
        // First and last 8 bytes (overlapping for lengths under 16).
        (word8(name, 0) | M8) == word8(lit, 0)
            && (word8(name, n - 8) | M8) == word8(lit, n - 8)
            && (n <= 16 || name[8..n - 8].eq_ignore_ascii_case(&lit[8..n - 8]))
    } else if n >= 4 {
        (word4(name, 0) | M4) == word4(lit, 0) && (word4(name, n - 4) | M4) == word4(lit, n - 4)
    } else {
        name.eq_ignore_ascii_case(lit)
    }
}

/// Classifies a header name, dispatching on length first so most names cost one compare.
#[inline]
pub(crate) fn classify(name: &[u8]) -> Special {
    match name.len() {
        4 if lower_eq(name, b"host") => Special::Host,
        4 if lower_eq(name, b"date") => Special::Date,
        6 if lower_eq(name, b"expect") => Special::Expect,
        7 if lower_eq(name, b"upgrade") => Special::Upgrade,
        10 if lower_eq(name, b"connection") => Special::Connection,
        14 if lower_eq(name, b"content-length") => Special::ContentLength,
        17 if lower_eq(name, b"transfer-encoding") => Special::TransferEncoding,
        _ => Special::Other,
    }
}

#[inline]
fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Trims optional whitespace (SP / HTAB) on both ends.
pub(crate) fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_ows(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_ows(*last) {
            break;
        }
        s = rest;
    }
    s
}

/// Iterates the elements of a comma-separated list (RFC 9110 §5.6.1), trimmed, skipping
/// empty elements as recipients must.
pub(crate) fn list_elements(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(trim_ows)
        .filter(|e| !e.is_empty())
}

/// Parses one `Content-Length` field value into `current`.
///
/// ```notrust
/// Content-Length = 1*DIGIT
/// ```
/// A comma-separated list of identical values is accepted (RFC 9112 §6.3(5)); anything else
/// (`+5`, `-1`, `0x10`, `5 5`, empty, overflow, a value differing from an earlier one) fails.
pub(crate) fn parse_content_length(
    value: &[u8],
    current: &mut Option<u64>,
) -> Result<(), ParseError> {
    let mut any = false;
    for part in value.split(|&b| b == b',') {
        let part = trim_ows(part);
        let n = parse_digits(part).ok_or(ParseError::ContentLength)?;
        match *current {
            Some(prev) if prev != n => return Err(ParseError::ContentLength),
            _ => *current = Some(n),
        }
        any = true;
    }
    if any {
        Ok(())
    } else {
        Err(ParseError::ContentLength)
    }
}

/// `1*DIGIT` into a `u64`, `None` on an empty string, any other byte, or overflow.
pub(crate) fn parse_digits(s: &[u8]) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

/// What the `Transfer-Encoding` lines of one message add up to (RFC 9112 §6.1), decided over
/// the combined value of every line (RUSTSEC-2021-0020).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TransferCodings {
    /// At least one `Transfer-Encoding` line was present.
    pub(crate) present: bool,
    /// Number of codings in all lines together.
    pub(crate) count: u32,
    /// How many of them were `chunked`.
    pub(crate) chunked: u32,
    /// The last coding seen was `chunked`.
    pub(crate) chunked_last: bool,
}

impl TransferCodings {
    /// Adds one `Transfer-Encoding` field line.
    pub(crate) fn add(&mut self, value: &[u8]) {
        self.present = true;
        for element in list_elements(value) {
            // transfer-coding = token *( OWS ";" OWS transfer-parameter )
            let name = trim_ows(element.split(|&b| b == b';').next().unwrap_or_default());
            self.count += 1;
            let is_chunked = name.eq_ignore_ascii_case(b"chunked");
            if is_chunked {
                self.chunked += 1;
            }
            self.chunked_last = is_chunked;
        }
    }

    /// Whether the message is chunked exactly once, as its final coding.
    pub(crate) fn is_chunked(&self) -> bool {
        self.chunked_last && self.chunked == 1
    }
}

/// The `Connection` options that matter to HTTP/1.1 framing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ConnectionTokens {
    pub(crate) close: bool,
    pub(crate) keep_alive: bool,
    pub(crate) upgrade: bool,
}

impl ConnectionTokens {
    /// Adds one `Connection` field line: a comma list of case-insensitive tokens.
    pub(crate) fn add(&mut self, value: &[u8]) {
        for token in list_elements(value) {
            if token.eq_ignore_ascii_case(b"close") {
                self.close = true;
            } else if token.eq_ignore_ascii_case(b"keep-alive") {
                self.keep_alive = true;
            } else if token.eq_ignore_ascii_case(b"upgrade") {
                self.upgrade = true;
            }
        }
    }
}

/// `tchar` from RFC 9110 §5.6.2.
///
/// ```notrust
/// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
///         "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
/// ```
#[inline]
pub(crate) fn is_tchar(b: u8) -> bool {
    TCHAR[usize::from(b)]
}

/// [`is_tchar`] as a table: one load per byte when validating outgoing names.
static TCHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        i += 1;
    }
    t
};

/// Whether `s` is a non-empty token (a valid header name or method).
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// Whether `s` is a valid field value to send: VCHAR, obs-text, SP and HTAB only, so no CR,
/// LF or NUL can split the message (RUSTSEC-2017-0002).
pub(crate) fn is_valid_value(s: &[u8]) -> bool {
    s.iter().all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

/// Checks a field to send: the name is a token, the value holds no CR, LF, NUL or other
/// control that could split the message.
pub(crate) fn check_field(name: &[u8], value: &[u8]) -> Result<(), UserError> {
    if !is_token(name) {
        return Err(UserError::InvalidHeaderName);
    }
    if !is_valid_value(value) {
        return Err(UserError::InvalidHeaderValue);
    }
    Ok(())
}

/// Appends `name: value\r\n` after [`check_field`].
pub(crate) fn write_field(out: &mut Vec<u8>, name: &[u8], value: &[u8]) -> Result<(), UserError> {
    check_field(name, value)?;
    write_raw_field(out, name, value);
    Ok(())
}

/// Appends `name: value\r\n` as given: for fields checked when they were stored. Inlined:
/// on the hot path it is a handful of short copies whose lengths the caller knows.
#[inline(always)]
pub(crate) fn write_raw_field(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.reserve(name.len() + value.len() + 4);
    out.extend_from_slice(name);
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// Appends `n` in decimal (a `Content-Length` value).
pub(crate) fn write_decimal(out: &mut Vec<u8>, mut n: u64) {
    // Digits left-aligned in a fixed-size buffer, appended whole and cut back: two fixed
    // copies instead of a call to `memcpy` for a few bytes.
    let digits = match n {
        0..=9 => 1,
        10..=99 => 2,
        100..=999 => 3,
        1_000..=9_999 => 4,
        _ => n.ilog10() as usize + 1,
    };
    let mut buf = [0u8; 20];
    for slot in buf[..digits].iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let len = out.len();
    out.extend_from_slice(&buf);
    out.truncate(len + digits);
}

/// Bytes allowed in a `reg-name` (unreserved, pct-encoded's `%`, sub-delims).
static REG_NAME: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'%'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
            );
        i += 1;
    }
    t
};

/// Validates a `Host` value.
///
/// ```notrust
/// Host = uri-host [ ":" port ]      ; RFC 9110 §7.2
/// uri-host = IP-literal / IPv4address / reg-name
/// reg-name = *( unreserved / pct-encoded / sub-delims )
/// ```
/// An empty value is allowed (a target with no authority).
pub(crate) fn is_valid_host(value: &[u8]) -> bool {
    if value.first() == Some(&b'[') {
        return is_valid_host_literal(value);
    }
    // The usual `name[:port]` / `a.b.c.d[:port]`, checked in one pass without early exit
    // (a load and an AND per byte): every byte is a reg-name byte or ':'. A keep-alive client
    // sends this on every request, so this runs once per request. (A word-at-a-time range
    // check was tried: more instructions for the usual 10-20 bytes, without popcnt.)
    let (mut all, mut colons) = (HOST_BYTE, 0u32);
    for &b in value {
        let class = HOST_CLASS[usize::from(b)];
        all &= class;
        colons += u32::from(class >> 1);
    }
    if all & HOST_BYTE == 0 {
        return false;
    }
    match colons {
        0 => true,
        // One ':' and only digits after it (the port; RFC 9110 allows it empty).
        1 => {
            let digits = value
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_digit())
                .count();
            value.len() > digits && value[value.len() - digits - 1] == b':'
        }
        _ => false,
    }
}

/// Any byte of a reg-name host or its `:port` (see [`HOST_CLASS`]).
const HOST_BYTE: u8 = 1;

/// [`REG_NAME`] bytes as [`HOST_BYTE`], ':' as `HOST_BYTE | 2`, anything else 0.
static HOST_CLASS: [u8; 256] = {
    let mut t = [0; 256];
    let mut i = 0;
    while i < 256 {
        if REG_NAME[i] {
            t[i] = HOST_BYTE;
        }
        i += 1;
    }
    t[b':' as usize] = HOST_BYTE | 2;
    t
};

/// The bracketed IP-literal form of [`is_valid_host`].
fn is_valid_host_literal(value: &[u8]) -> bool {
    let (host, port) = if let Some(rest) = value.strip_prefix(b"[") {
        // IP-literal: everything up to "]" is hex digits, ":" and "." (and IPvFuture chars).
        let Some(close) = rest.iter().position(|&b| b == b']') else {
            return false;
        };
        let literal = &rest[..close];
        if literal.is_empty()
            || !literal
                .iter()
                .all(|&b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.' | b'v' | b'V'))
        {
            return false;
        }
        (&[][..], &rest[close + 1..])
    } else {
        match value.iter().position(|&b| b == b':') {
            Some(i) => (&value[..i], &value[i..]),
            None => (value, &[][..]),
        }
    };
    let host_ok = host.iter().all(|&b| REG_NAME[usize::from(b)]);
    let port_ok = match port {
        [] => true,
        [b':', digits @ ..] => digits.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    host_ok && port_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_length_values() {
        let cases: &[(&[u8], Option<u64>)] = &[
            (b"0", Some(0)),
            (b"5", Some(5)),
            (b"005", Some(5)),
            (b"18446744073709551615", Some(u64::MAX)),
            (b"5, 5", Some(5)),
            (b"5,5,5", Some(5)),
            // Not plain digits
            (b"+5", None),
            (b"-1", None),
            (b"0x10", None),
            (b"5 5", None),
            (b" 5 5", None),
            (b"5Z", None),
            (b"", None),
            (b",", None),
            (b"1.0", None),
            // Differing list
            (b"5, 6", None),
            // Overflow
            (b"18446744073709551616", None),
            (b"99999999999999999999999", None),
        ];
        for (input, want) in cases {
            let mut cur = None;
            let got = parse_content_length(input, &mut cur).ok().and(cur);
            assert_eq!(got, *want, "{:?}", String::from_utf8_lossy(input));
        }
        // Differing across lines
        let mut cur = None;
        parse_content_length(b"5", &mut cur).unwrap();
        assert_eq!(
            parse_content_length(b"6", &mut cur),
            Err(ParseError::ContentLength)
        );
    }

    #[test]
    fn transfer_codings() {
        let check = |lines: &[&[u8]]| {
            let mut t = TransferCodings::default();
            for l in lines {
                t.add(l);
            }
            (t.is_chunked(), t.count)
        };
        assert_eq!(check(&[b"chunked"]), (true, 1));
        assert_eq!(check(&[b"Chunked"]), (true, 1));
        assert_eq!(check(&[b"gzip, chunked"]), (true, 2));
        assert_eq!(check(&[b"gzip", b"chunked"]), (true, 2));
        assert_eq!(check(&[b"chunked", b"gzip"]), (false, 2));
        assert_eq!(check(&[b"chunked, chunked"]), (false, 2));
        assert_eq!(check(&[b"chunked", b"chunked"]), (false, 2));
        assert_eq!(check(&[b"foo, chunked"]), (true, 2));
        assert_eq!(check(&[b"chunked;q=1"]), (true, 1));
        assert_eq!(check(&[b""]), (false, 0));
    }

    #[test]
    fn connection_tokens() {
        let mut t = ConnectionTokens::default();
        t.add(b"Keep-Alive, Upgrade");
        assert!(t.keep_alive && t.upgrade && !t.close);
        t.add(b" ,CLOSE ");
        assert!(t.close);
        let mut t = ConnectionTokens::default();
        t.add(b"closed, notclose");
        assert!(!t.close);
    }

    #[test]
    fn hosts() {
        for ok in [
            &b""[..],
            b"example.com",
            b"example.com:8080",
            b"127.0.0.1:1",
            b"[::1]",
            b"[::1]:80",
            b"a_b~c",
            b"example.com:",
            b":80",
        ] {
            assert!(is_valid_host(ok), "{:?}", String::from_utf8_lossy(ok));
        }
        for bad in [
            &b"exa mple.com"[..],
            b"example.com:80a",
            b"a@b",
            b"[::1",
            b"[]",
            b"[::1]x",
            b"a/b",
            b"a:1:2",
            b"a::1",
            b"a:1:",
            b"caf\xc3\xa9",
            b"a\0",
        ] {
            assert!(!is_valid_host(bad), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    /// The Host grammar read literally: a reg-name, then an optional ':' and digits.
    fn host_by_grammar(v: &[u8]) -> bool {
        let (host, port) = match v.iter().position(|&b| b == b':') {
            Some(i) => (&v[..i], &v[i + 1..]),
            None => (v, &[][..]),
        };
        host.iter().all(|&b| REG_NAME[usize::from(b)]) && port.iter().all(u8::is_ascii_digit)
    }

    /// The one-pass check agrees with the grammar read literally.
    #[test]
    fn hosts_match_the_grammar() {
        let alphabet = b"a9.:-[@\xff ";
        // Every string of up to 5 bytes over a small alphabet holding each class.
        let mut stack = vec![Vec::new()];
        while let Some(v) = stack.pop() {
            if v.first() != Some(&b'[') {
                assert_eq!(is_valid_host(&v), host_by_grammar(&v), "{v:?}");
                // The same after a whole checked word, and before one.
                let mut w = b"a-b.c9Z:".to_vec();
                w.extend_from_slice(&v);
                assert_eq!(is_valid_host(&w), host_by_grammar(&w), "{w:?}");
                let mut w = v.clone();
                w.extend_from_slice(b"example.");
                assert_eq!(is_valid_host(&w), host_by_grammar(&w), "{w:?}");
            }
            if v.len() < 5 {
                for &b in alphabet {
                    let mut w = v.clone();
                    w.push(b);
                    stack.push(w);
                }
            }
        }
    }

    /// Every byte value at every position of a 17-byte host (two whole words and a
    /// remainder) gets the grammar's answer.
    #[test]
    fn every_byte_everywhere_in_a_host() {
        let base = *b"www.example-1.org";
        for pos in 0..base.len() {
            for b in (0..=255u8).filter(|&b| pos > 0 || b != b'[') {
                let mut v = base;
                v[pos] = b;
                assert_eq!(is_valid_host(&v), host_by_grammar(&v), "{pos} {b:#x}");
            }
        }
    }

    #[test]
    fn classify_names() {
        let cases: &[(&str, Special)] = &[
            ("Host", Special::Host),
            ("HOST", Special::Host),
            ("hosT", Special::Host),
            ("hose", Special::Other),
            ("Date", Special::Date),
            ("Expect", Special::Expect),
            ("upgrade", Special::Upgrade),
            ("Connection", Special::Connection),
            ("connectioN", Special::Connection),
            ("connectiom", Special::Other),
            ("Content-Length", Special::ContentLength),
            ("CONTENT-LENGTH", Special::ContentLength),
            ("Content_Length", Special::Other),
            ("Content-Lengtx", Special::Other),
            ("Xontent-Length", Special::Other),
            ("Transfer-Encoding", Special::TransferEncoding),
            ("transfer-encodinG", Special::TransferEncoding),
            ("transfer^encoding", Special::Other),
            ("Transfer-Xncoding", Special::Other),
            ("User-Agent", Special::Other),
            ("X", Special::Other),
        ];
        for (name, want) in cases {
            assert_eq!(classify(name.as_bytes()), *want, "{name}");
        }
    }

    #[test]
    fn values_and_tokens() {
        assert!(is_valid_value(b"text/plain; charset=utf-8\tx"));
        assert!(is_valid_value("caf\u{e9}".as_bytes()));
        assert!(!is_valid_value(b"a\r\nSet-Cookie: x"));
        assert!(!is_valid_value(b"a\nb"));
        assert!(!is_valid_value(b"a\0b"));
        assert!(is_token(b"X-Custom_1"));
        assert!(!is_token(b"Bad Name"));
        assert!(!is_token(b"bad:"));
        assert!(!is_token(b""));
    }
}

#[cfg(test)]
mod decimal_tests {
    use super::write_decimal;

    #[test]
    fn decimals_match_format() {
        let mut cases = vec![0, 1, 9, u64::MAX, u64::MAX - 1];
        let mut p = 1u64;
        while let Some(next) = p.checked_mul(10) {
            cases.extend([p - 1, p, p + 1, next - 1]);
            p = next;
        }
        cases.push(p);
        for n in cases {
            let mut out = b"x".to_vec();
            write_decimal(&mut out, n);
            assert_eq!(out, format!("x{n}").into_bytes(), "{n}");
        }
    }
}
