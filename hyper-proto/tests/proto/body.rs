//! Body framing: the decoder table (whole, byte by byte, every split, trailing bytes left
//! alone) and encoder wire bytes.

use hyper_proto::{BodyLength, Decoder, Limits, ParseError};

/// The decoded body and trailers, or the first error.
#[derive(Debug, PartialEq, Eq)]
struct Out {
    body: Vec<u8>,
    trailers: Option<Vec<u8>>,
    consumed: usize,
}

/// Feeds `input` in pieces of the given sizes, keeping unconsumed bytes as a real buffer
/// would. Returns the result once the decoder is done (or input ran out: `None`).
fn feed(mut dec: Decoder, input: &[u8], pieces: &[usize]) -> Result<Option<Out>, ParseError> {
    let mut buf: Vec<u8> = Vec::new();
    let mut fed = 0;
    let mut consumed_total = 0;
    let mut out = Out {
        body: Vec::new(),
        trailers: None,
        consumed: 0,
    };
    let mut pieces = pieces.iter().copied().chain(core::iter::repeat(usize::MAX));
    loop {
        // Decode until no progress.
        loop {
            let step = dec.decode(&buf)?;
            out.body.extend_from_slice(step.data);
            if let Some(t) = step.trailers {
                out.trailers = Some(t.to_vec());
            }
            let consumed = step.consumed;
            buf.drain(..consumed);
            consumed_total += consumed;
            if dec.is_done() {
                out.consumed = consumed_total;
                return Ok(Some(out));
            }
            if consumed == 0 {
                break;
            }
        }
        if fed == input.len() {
            return Ok(None);
        }
        let n = pieces.next().unwrap().min(input.len() - fed);
        buf.extend_from_slice(&input[fed..fed + n]);
        fed += n;
    }
}

/// An input and its decoded body, or the error it must give.
type Case = (&'static [u8], Result<&'static [u8], ParseError>);

fn chunked(limits: &Limits) -> Decoder {
    Decoder::new(BodyLength::Chunked, limits)
}

/// Checks one chunked case every way. `want` is the body, or the error.
fn check(input: &[u8], want: Result<&[u8], ParseError>, limits: &Limits) {
    let name = String::from_utf8_lossy(input);
    let norm = |r: Result<Option<Out>, ParseError>| r.map(|o| o.map(|o| (o.body, o.consumed)));
    let expected = want.map(|b| Some((b.to_vec(), input.len())));
    // Whole
    assert_eq!(
        norm(feed(chunked(limits), input, &[usize::MAX])),
        expected,
        "whole: {name:?}"
    );
    // One byte at a time
    assert_eq!(
        norm(feed(chunked(limits), input, &[1; 4096])),
        expected,
        "bytewise: {name:?}"
    );
    // Split at every index
    for i in 0..input.len() {
        assert_eq!(
            norm(feed(chunked(limits), input, &[i])),
            expected,
            "split {i}: {name:?}"
        );
    }
    // Trailing bytes (the next request) are left untouched
    if want.is_ok() {
        let mut with_tail = input.to_vec();
        with_tail.extend_from_slice(b"GET / HTTP/1.1\r\n");
        let got = feed(chunked(limits), &with_tail, &[usize::MAX])
            .unwrap()
            .unwrap();
        assert_eq!(got.consumed, input.len(), "tail consumed: {name:?}");
    }
}

#[test]
fn chunked_table() {
    let limits = Limits::default();
    let cases: &[Case] = &[
        (b"3\r\nfoo\r\n0\r\n\r\n", Ok(b"foo")),
        (b"3\r\nfoo\r\n4\r\nbarz\r\n0\r\n\r\n", Ok(b"foobarz")),
        (b"A\r\n0123456789\r\n0\r\n\r\n", Ok(b"0123456789")),
        (b"a\r\n0123456789\r\n0\r\n\r\n", Ok(b"0123456789")),
        (b"003\r\nfoo\r\n000\r\n\r\n", Ok(b"foo")),
        (b"0\r\n\r\n", Ok(b"")),
        // Extensions are ignored
        (b"3;name=val\r\nfoo\r\n0\r\n\r\n", Ok(b"foo")),
        (b"3 ;a\r\nfoo\r\n0;last\r\n\r\n", Ok(b"foo")),
        (b"3;a=\"b c\"\r\nfoo\r\n0\r\n\r\n", Ok(b"foo")),
        (b"3;a=b;c\r\nfoo\r\n0\r\n\r\n", Ok(b"foo")),
        (b"3; a = \"x\\\"y\" ;b\r\nfoo\r\n0\r\n\r\n", Ok(b"foo")),
        // RFC 9112 §7.1.1: whitespace only before an extension, never before the CRLF
        (b"3\t\r\nfoo\r\n0\r\n\r\n", Err(ParseError::ChunkSize)),
        (b"a \r\n0123456789\r\n0\r\n\r\n", Err(ParseError::ChunkSize)),
        // An extension needs a name; a quoted value must close
        (b"2;\r\nab\r\n0\r\n\r\n", Err(ParseError::ChunkExtension)),
        (b"2; =x\r\nab\r\n0\r\n\r\n", Err(ParseError::ChunkExtension)),
        (
            b"2;a=\"b\r\nab\r\n0\r\n\r\n",
            Err(ParseError::ChunkExtension),
        ),
        (b"2;a=\r\nab\r\n0\r\n\r\n", Err(ParseError::ChunkExtension)),
        (b"2;a \r\nab\r\n0\r\n\r\n", Err(ParseError::ChunkExtension)),
        (b"2;a@b\r\nab\r\n0\r\n\r\n", Err(ParseError::ChunkExtension)),
        // Trailers
        (b"3\r\nfoo\r\n0\r\nX-T: 1\r\n\r\n", Ok(b"foo")),
        (b"3\r\nfoo\r\n0\r\nX-T: 1\r\nX-U: 2\r\n\r\n", Ok(b"foo")),
        // Empty size line (httparse's parse_chunk_size takes it as 0)
        (b"\r\nfoo", Err(ParseError::ChunkSize)),
        // Not hex
        (b"x\r\n", Err(ParseError::ChunkSize)),
        (b"-3\r\nfoo\r\n", Err(ParseError::ChunkSize)),
        (b"+3\r\nfoo\r\n", Err(ParseError::ChunkSize)),
        (b"0x3\r\nfoo\r\n", Err(ParseError::ChunkSize)),
        (b"3 5\r\n", Err(ParseError::ChunkSize)),
        // Missing LF / bare LF after the size
        (b"3\nfoo\r\n0\r\n\r\n", Err(ParseError::ChunkSize)),
        (b"3\rfoo\r\n", Err(ParseError::ChunkSize)),
        // Bare LF inside an extension
        (
            b"3;a\nb\r\nfoo\r\n0\r\n\r\n",
            Err(ParseError::ChunkExtension),
        ),
        (
            b"3;a\0b\r\nfoo\r\n0\r\n\r\n",
            Err(ParseError::ChunkExtension),
        ),
        // Overflow
        (b"10000000000000000\r\n", Err(ParseError::ChunkSize)),
        (b"ffffffffffffffff0\r\n", Err(ParseError::ChunkSize)),
        // Missing CRLF after data
        (b"3\r\nfooX\r\n0\r\n\r\n", Err(ParseError::ChunkData)),
        (b"3\r\nfoo\n0\r\n\r\n", Err(ParseError::ChunkData)),
        (b"3\r\nfoo\rX", Err(ParseError::ChunkData)),
        // Bad trailer section
        (b"0\r\nbad trailer\r\n\r\n", Err(ParseError::Trailer)),
        (b"0\r\n\n", Err(ParseError::Trailer)),
        (b"0\r\n\rX", Err(ParseError::Trailer)),
    ];
    for (input, want) in cases {
        check(input, *want, &limits);
    }
}

#[test]
fn huge_chunk_size_is_not_trusted() {
    // A declared size of u64::MAX is accepted as a number but never allocated for: the
    // decoder hands out only what arrived.
    let mut dec = Decoder::chunked();
    let step = dec.decode(b"ffffffffffffffff\r\nabc").unwrap();
    assert_eq!(step.consumed, 21);
    assert_eq!(step.data, b"abc");
    assert!(!dec.is_done());
    assert_eq!(dec.decode_eof(), Err(ParseError::IncompleteBody));
}

#[test]
fn trailers_returned() {
    let got = feed(
        Decoder::chunked(),
        b"1\r\na\r\n0\r\nX-T: 1\r\nY: 2\r\n\r\n",
        &[1; 64],
    )
    .unwrap()
    .unwrap();
    assert_eq!(got.trailers.as_deref(), Some(&b"X-T: 1\r\nY: 2\r\n"[..]));
    let got = feed(Decoder::chunked(), b"0\r\n\r\n", &[])
        .unwrap()
        .unwrap();
    assert_eq!(got.trailers, None);
}

#[test]
fn extension_limit() {
    let limits = Limits::default().max_chunk_extensions(16);
    check(
        b"1;aaaaaaaa\r\nx\r\n1;bbbbbbb\r\ny\r\n0\r\n\r\n",
        Ok(b"xy"),
        &limits,
    );
    check(
        b"1;aaaaaaaa\r\nx\r\n1;bbbbbbbbb\r\ny\r\n0\r\n\r\n",
        Err(ParseError::ChunkExtensionsTooLarge),
        &limits,
    );
    assert_eq!(
        ParseError::ChunkExtensionsTooLarge
            .status_hint()
            .unwrap()
            .as_u16(),
        400
    );
}

#[test]
fn trailer_limit() {
    let limits = Limits::default().max_trailer_size(20);
    check(b"0\r\nA: 123456789\r\n\r\n", Ok(b""), &limits);
    check(
        b"0\r\nA: 1234567890123456789\r\n\r\n",
        Err(ParseError::TrailersTooLarge),
        &limits,
    );
    let e = feed(chunked(&limits), b"0\r\nA: 1234567890123456789", &[1; 64]);
    assert_eq!(
        e.unwrap_err(),
        ParseError::TrailersTooLarge,
        "refused before the section ends"
    );
}

#[test]
fn chunked_body_limit() {
    let limits = Limits::default().max_body_size(Some(5));
    check(b"2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n", Ok(b"abcde"), &limits);
    check(
        b"2\r\nab\r\n4\r\ncdef\r\n0\r\n\r\n",
        Err(ParseError::BodyTooLarge),
        &limits,
    );
}

#[test]
fn length_decoder() {
    for split in 0..=5 {
        let got = feed(Decoder::length(5), b"helloGET", &[split])
            .unwrap()
            .unwrap();
        assert_eq!(got.body, b"hello");
        assert_eq!(got.consumed, 5);
    }
    let mut dec = Decoder::length(5);
    let _ = dec.decode(b"hel").unwrap();
    assert_eq!(dec.remaining(), Some(2));
    assert_eq!(dec.decode_eof(), Err(ParseError::IncompleteBody));
    let mut done = Decoder::length(0);
    assert!(done.is_done());
    assert_eq!(done.decode_eof(), Ok(()));
}

#[test]
fn eof_decoder() {
    let mut dec = Decoder::eof();
    let step = dec.decode(b"anything at all").unwrap();
    assert_eq!(step.data, b"anything at all");
    assert!(!dec.is_done());
    dec.decode_eof().unwrap();
    assert!(dec.is_done());
}

#[test]
fn eof_in_chunked_is_incomplete() {
    for input in [
        &b"3\r\nfo"[..],
        b"3\r\nfoo\r\n",
        b"3\r\nfoo\r\n0\r\n",
        b"0\r\nX: 1\r\n",
    ] {
        let mut dec = Decoder::chunked();
        let mut buf = input;
        loop {
            let step = dec.decode(buf).unwrap();
            buf = &buf[step.consumed..];
            if step.consumed == 0 {
                break;
            }
        }
        assert_eq!(
            dec.decode_eof(),
            Err(ParseError::IncompleteBody),
            "{input:?}"
        );
    }
}
