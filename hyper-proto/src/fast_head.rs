//! A strict fast path for the request heads nearly every client sends: a token method, a
//! visible-ASCII target, `HTTP/1.1` or `HTTP/1.0`, CRLF line ends, a few fields with token
//! names and visible-ASCII values.
//!
//! It only ever accepts: on any byte it does not expect (bare LF, obs-text, control
//! characters, obs-fold, a space before a colon, leading empty lines, more fields than it
//! holds) it returns `None` and httparse parses the head from the start, errors included.
//! What it accepts it splits exactly as httparse would (same spans, same trimming), which
//! the differential tests below check on generated heads. One pass, no SIMD set-up, no
//! UTF-8 validation (everything accepted is ASCII): about half of httparse's instructions
//! for a small request.

use crate::headers::is_tchar;

/// Fields the fast path holds; a head with more goes to httparse.
pub(crate) const FAST_FIELDS: usize = 16;

/// Offsets into the parsed buffer (heads longer than 64 KiB go to httparse).
pub(crate) type Range = (u16, u16);

/// Name and value of each field, in order.
pub(crate) type Fields = [(Range, Range); FAST_FIELDS];

/// The request-line and size of a head the fast path accepted; its fields are in the
/// caller's table.
pub(crate) struct FastHead {
    pub(crate) method: Range,
    pub(crate) target: Range,
    /// 0 or 1, as in `HTTP/1.x`.
    pub(crate) minor: u8,
    pub(crate) head_len: usize,
    pub(crate) count: usize,
}

/// Parses `buf` as a request head with at most `max_fields` fields (stored in `fields`), or
/// `None` when the head is anything but the plain common form (or incomplete): httparse
/// then decides.
pub(crate) fn parse_request(
    buf: &[u8],
    max_fields: usize,
    fields: &mut Fields,
) -> Option<FastHead> {
    let buf = &buf[..buf.len().min(usize::from(u16::MAX))];
    let cap = max_fields.min(FAST_FIELDS);
    let at = |i: usize| i as u16; // i <= buf.len() <= u16::MAX
    let mut i = scan(buf, 0, is_tchar);
    if i == 0 || buf.get(i) != Some(&b' ') {
        return None;
    }
    let method = (0, at(i));
    let t0 = i + 1;
    i = scan_visible(buf, t0, 0x21);
    if i == t0 || buf.get(i) != Some(&b' ') {
        return None;
    }
    let target = (at(t0), at(i));
    let minor = match buf.get(i + 1..i + 11)? {
        b"HTTP/1.1\r\n" => 1,
        b"HTTP/1.0\r\n" => 0,
        _ => return None,
    };
    i += 11;
    let mut count = 0;
    loop {
        if buf.get(i..i + 2)? == b"\r\n" {
            return Some(FastHead {
                method,
                target,
                minor,
                head_len: i + 2,
                count,
            });
        }
        if count == cap {
            return None;
        }
        let n0 = i;
        i = scan(buf, n0, is_tchar);
        if i == n0 || buf.get(i) != Some(&b':') {
            return None;
        }
        let name = (at(n0), at(i));
        let v0 = scan(buf, i + 1, |b| b == b' ' || b == b'\t');
        let mut cr = scan_visible(buf, v0, 0x20);
        while buf.get(cr) == Some(&b'\t') {
            cr = scan_visible(buf, cr + 1, 0x20);
        }
        if buf.get(cr..cr + 2)? != b"\r\n" {
            return None;
        }
        // Trailing spaces and tabs are not part of the value.
        let end = buf[v0..cr]
            .iter()
            .rposition(|&b| b != b' ' && b != b'\t')
            .map_or(v0, |p| v0 + p + 1);
        fields[count] = (name, (at(v0), at(end)));
        count += 1;
        i = cr + 2;
    }
}

/// Every byte of a word set to 1.
const ONES: u64 = 0x0101_0101_0101_0101;

/// The index of the first byte at or after `from` outside `min..=0x7e` (or the length),
/// eight bytes at a time. In each word, `w - min` borrows into the top bit of a byte below
/// `min` (for bytes under 0x80), and `w + 1 | w` sets it for a byte from 0x7f up; a borrow
/// or carry can only mark bytes above the first real one, so the lowest mark is exact.
#[inline]
fn scan_visible(buf: &[u8], from: usize, min: u8) -> usize {
    let mut i = from;
    while let Some(chunk) = buf.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let below = w.wrapping_sub(ONES * u64::from(min)) & !w;
        let above = w.wrapping_add(ONES) | w;
        let marks = (below | above) & (ONES << 7);
        if marks != 0 {
            return i + (marks.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    scan(buf, i, |b| (min..=0x7e).contains(&b))
}

/// The index of the first byte at or after `from` that is not `ok` (or the length).
#[inline]
fn scan(buf: &[u8], from: usize, ok: impl Fn(u8) -> bool) -> usize {
    let rest = buf.get(from..).unwrap_or_default();
    from + rest.iter().position(|&b| !ok(b)).unwrap_or(rest.len())
}

/// What httparse makes of `buf` with `max` header slots, as offsets, when complete: the
/// reference the fast path is tested against.
#[cfg(any(test, feature = "fuzzing"))]
#[allow(clippy::type_complexity)]
fn httparse_view(buf: &[u8], max: usize) -> Option<(Range, Range, u8, usize, Vec<(Range, Range)>)> {
    let mut slots = vec![httparse::EMPTY_HEADER; max];
    let mut req = httparse::Request::new(&mut slots);
    let base = buf.as_ptr() as usize;
    let off = |s: &[u8]| (s.as_ptr() as usize - base) as u16;
    let range = |s: &[u8]| (off(s), off(s) + s.len() as u16);
    match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => Some((
            range(req.method?.as_bytes()),
            range(req.path?.as_bytes()),
            req.version?,
            n,
            req.headers
                .iter()
                .map(|h| (range(h.name.as_bytes()), range(h.value)))
                .collect(),
        )),
        _ => None,
    }
}

/// For the `fast_head` fuzz target: parses `buf` both ways and panics if the fast path
/// accepted it differently from httparse. Returns whether the fast path accepted it.
#[cfg(feature = "fuzzing")]
pub fn check_against_httparse(buf: &[u8], max: usize) -> bool {
    let mut table = [((0, 0), (0, 0)); FAST_FIELDS];
    let Some(fast) = parse_request(buf, max, &mut table) else {
        return false;
    };
    let slow = httparse_view(buf, max);
    let (method, target, minor, n, fields) = slow.unwrap_or_else(|| {
        panic!(
            "fast path accepted what httparse refuses: {:?}",
            String::from_utf8_lossy(buf)
        )
    });
    assert_eq!(
        (fast.method, fast.target, fast.minor, fast.head_len),
        (method, target, minor, n)
    );
    assert_eq!(&table[..fast.count], &fields[..]);
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The fast path either declines or agrees with httparse exactly.
    fn agrees(buf: &[u8], max: usize) -> Result<bool, TestCaseError> {
        let mut table = [((0, 0), (0, 0)); FAST_FIELDS];
        let Some(fast) = parse_request(buf, max, &mut table) else {
            return Ok(false);
        };
        let slow = httparse_view(buf, max);
        prop_assert!(
            slow.is_some(),
            "fast accepted what httparse does not: {:?}",
            String::from_utf8_lossy(buf)
        );
        let (method, target, minor, n, fields) = slow.unwrap();
        prop_assert_eq!(fast.method, method);
        prop_assert_eq!(fast.target, target);
        prop_assert_eq!(fast.minor, minor);
        prop_assert_eq!(fast.head_len, n);
        prop_assert_eq!(&table[..fast.count], &fields[..]);
        Ok(true)
    }

    #[test]
    fn word_scan_agrees_with_a_byte_loop() {
        // Every byte value at every position of a 19-byte run, from every start, for both
        // lower bounds used.
        for min in [0x20u8, 0x21] {
            for pos in 0..19 {
                for b in 0..=255u8 {
                    let mut buf = vec![b'a'; 19];
                    buf[pos] = b;
                    for from in 0..=pos {
                        let want = scan(&buf, from, |c| (min..=0x7e).contains(&c));
                        assert_eq!(
                            scan_visible(&buf, from, min),
                            want,
                            "{min} {pos} {b} {from}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn common_heads_take_the_fast_path() {
        let cases: &[&[u8]] = &[
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /a?b=c HTTP/1.0\r\n\r\n",
            b"POST /up HTTP/1.1\r\nHost: example.com:8080\r\nContent-Length: 5\r\n\r\nhello",
            b"GET / HTTP/1.1\r\nHost: x\r\nX-Empty:\r\nX-Spaces: \t \r\nX-Trim:  a b \t\r\n\r\n",
        ];
        for &c in cases {
            assert!(
                matches!(agrees(c, 100), Ok(true)),
                "{:?}",
                String::from_utf8_lossy(c)
            );
        }
    }

    #[test]
    fn anything_unusual_is_left_to_httparse() {
        let cases: &[&[u8]] = &[
            b"\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET / HTTP/1.1\nHost: x\n\n",
            b"GET / HTTP/1.1\r\nHost: x\n\r\n",
            b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET / HTTP/1.2\r\nHost: x\r\n\r\n",
            b"GET / HTTP/1.1 \r\nHost: x\r\n\r\n",
            b"GET /\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
            b"GET / HTTP/1.1\r\n Host: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\n y\r\n\r\n",
            b"GET / HTTP/1.1\r\nX: caf\xc3\xa9\r\n\r\n",
            b"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n",
            b"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\n\r",
            b"G\x7fT / HTTP/1.1\r\n\r\n",
        ];
        for &c in cases {
            assert!(
                parse_request(c, 100, &mut [((0, 0), (0, 0)); FAST_FIELDS]).is_none(),
                "{:?}",
                String::from_utf8_lossy(c)
            );
        }
        // More fields than the caller allows, or than the fast path holds.
        let three = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
        let mut table = [((0, 0), (0, 0)); FAST_FIELDS];
        assert!(parse_request(three, 2, &mut table).is_none());
        assert_eq!(
            parse_request(three, 3, &mut table).map(|h| h.count),
            Some(3)
        );
        let mut many = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..=FAST_FIELDS {
            many.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        assert!(parse_request(&many, 100, &mut table).is_none());
    }

    /// Mostly `common`, now and then one of `odd`.
    fn mostly(common: &'static [u8], odd: Vec<&'static [u8]>) -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            8 => Just(common.to_vec()),
            1 => prop::sample::select(odd).prop_map(<[u8]>::to_vec),
        ]
    }

    /// Heads that are mostly valid, with the bytes that matter at the edges (spaces, tabs,
    /// CR, LF, NUL, DEL, obs-text, colons) mixed in now and then.
    fn near_valid_head() -> impl Strategy<Value = Vec<u8>> {
        let tricky = prop::sample::select(vec![
            b' ', b'\t', b'\r', b'\n', 0u8, 0x7f, 0x80, 0xff, b':', b'a', b'/', b'%',
        ]);
        let piece = prop_oneof![
            8 => "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,8}".prop_map(String::into_bytes),
            4 => "[ -~]{0,12}".prop_map(String::into_bytes),
            4 => "[ \t]{1,3}".prop_map(String::into_bytes),
            1 => prop::collection::vec(tricky, 1..3),
        ];
        let name = prop_oneof![
            12 => "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,10}".prop_map(String::into_bytes),
            1 => piece.clone(),
        ];
        let value = prop::collection::vec(piece.clone(), 0..4).prop_map(|v| v.concat());
        let crlf = || mostly(b"\r\n", vec![b"\n", b"\r", b"", b"\r\r\n", b"\n\r"]);
        let field = (
            name,
            mostly(b": ", vec![b":", b":\t", b" :", b"", b"::"]),
            value,
            crlf(),
        )
            .prop_map(|(n, sep, v, end)| [n, sep, v, end].concat());
        (
            mostly(
                b"GET",
                vec![b"POST", b"G T", b"", b"get", b"M-1", b"\r\nGET", b"G\x80T"],
            ),
            mostly(b" ", vec![b"  ", b"\t", b""]),
            prop_oneof![
                6 => "/[!-~]{0,20}".prop_map(String::into_bytes),
                1 => prop::collection::vec(piece, 1..3).prop_map(|v| v.concat()),
            ],
            mostly(
                b" HTTP/1.1",
                vec![b" HTTP/1.0", b" HTTP/1.2", b" HTTP/1.1 ", b"", b" http/1.1"],
            ),
            crlf(),
            prop::collection::vec(field, 0..20),
            crlf(),
        )
            .prop_map(|(m, sp, t, v, le1, fields, le2)| {
                [m, sp, t, v, le1, fields.concat(), le2].concat()
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        #[test]
        fn the_fast_path_agrees_with_httparse(head in near_valid_head(), max in 1usize..24) {
            agrees(&head, max)?;
        }

        #[test]
        fn the_fast_path_agrees_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..80)) {
            let mut head = b"GET / HTTP/1.1\r\nHost: x\r\n".to_vec();
            head.extend_from_slice(&bytes);
            head.extend_from_slice(b"\r\n\r\n");
            agrees(&head, 100)?;
        }
    }
}
