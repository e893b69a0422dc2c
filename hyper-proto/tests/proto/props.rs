//! Property tests: heads the encoders write parse back to the same head; bodies encoded then
//! decoded at any split are byte-identical.

use http::{Method, StatusCode};
use hyper_proto::{
    encode_request_head, encode_response_head, BodyKind, BodyLength, Decoder, Encoder, Limits,
    RequestLine, RequestParser, ResponseContext, ResponseParser,
};
use proptest::prelude::*;

const FRAMING: [&str; 6] = [
    "content-length",
    "transfer-encoding",
    "connection",
    "date",
    "host",
    "expect",
];

fn header_name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}".prop_filter("framing headers are the encoder's", |n| {
        !FRAMING.iter().any(|f| n.eq_ignore_ascii_case(f))
    })
}

/// A field value as received after OWS trimming: visible bytes (and obs-text) with inner
/// spaces and tabs.
fn header_value() -> impl Strategy<Value = Vec<u8>> {
    let visible = prop_oneof![0x21u8..=0x7e, 0x80u8..=0xff];
    let inner = prop_oneof![4 => visible.clone(), 1 => Just(b' '), 1 => Just(b'\t')];
    (
        proptest::collection::vec(inner, 0..30),
        visible.clone(),
        visible,
    )
        .prop_map(|(mid, first, last)| {
            let mut v = vec![first];
            v.extend(mid);
            v.push(last);
            v
        })
}

fn headers() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    proptest::collection::vec((header_name(), header_value()), 0..20)
}

fn body_kind() -> impl Strategy<Value = BodyKind> {
    prop_oneof![
        Just(BodyKind::Empty),
        (1u64..u64::MAX).prop_map(BodyKind::Length),
        Just(BodyKind::Streaming),
    ]
}

proptest! {
    #[test]
    fn response_head_roundtrip(status in 200u16..600, headers in headers(), kind in body_kind()) {
        let status = StatusCode::from_u16(status).unwrap();
        let mut out = Vec::new();
        let encoded = encode_response_head(
            &mut out,
            status,
            headers.iter().map(|(n, v)| (n.as_bytes(), v.as_slice())),
            kind,
            &ResponseContext::default(),
            None,
        ).unwrap();
        let mut parser = ResponseParser::new(Limits::default().max_head_size(1 << 20));
        let res = parser.parse(&out, &Method::GET).unwrap().expect("complete head");
        prop_assert_eq!(res.head_len(), out.len());
        prop_assert_eq!(res.status(), status);
        let got: Vec<(String, Vec<u8>)> = res
            .headers()
            .iter()
            .filter(|(n, _)| !FRAMING.iter().any(|f| n.eq_ignore_ascii_case(f)))
            .map(|(n, v)| (n.to_owned(), v.to_vec()))
            .collect();
        prop_assert_eq!(&got, &headers);
        let code = status.as_u16();
        let want = match kind {
            _ if code == 204 || code == 304 => BodyLength::Empty,
            BodyKind::Empty => BodyLength::Empty,
            BodyKind::Length(n) => BodyLength::Length(n),
            BodyKind::Streaming => BodyLength::Chunked,
        };
        prop_assert_eq!(res.body(), want);
        prop_assert_eq!(res.keep_alive(), encoded.keep_alive);
    }

    #[test]
    fn request_head_roundtrip(
        method in prop_oneof![
            Just(Method::GET), Just(Method::POST), Just(Method::PUT), Just(Method::DELETE),
            "[A-Z]{1,12}".prop_map(|m| Method::from_bytes(m.as_bytes()).unwrap()),
        ],
        path in "/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,40}(\\?[A-Za-z0-9=&]{0,20})?",
        host in "[a-z0-9.-]{1,20}(:[0-9]{1,5})?",
        headers in headers(),
        kind in body_kind(),
    ) {
        let line = RequestLine { method: &method, target: path.as_bytes(), host: host.as_bytes() };
        let mut out = Vec::new();
        let _ = encode_request_head(
            &mut out, &line, headers.iter().map(|(n, v)| (n.as_bytes(), v.as_slice())), kind, false, true,
        ).unwrap();
        let mut parser = RequestParser::new(Limits::default().max_head_size(1 << 20));
        let req = parser.parse(&out).unwrap().expect("complete head");
        prop_assert_eq!(req.method(), &method);
        prop_assert_eq!(req.target(), path.as_str());
        prop_assert_eq!(req.headers().get("host"), Some(host.as_bytes()));
        let got: Vec<(String, Vec<u8>)> = req
            .headers()
            .iter()
            .filter(|(n, _)| !FRAMING.iter().any(|f| n.eq_ignore_ascii_case(f)))
            .map(|(n, v)| (n.to_owned(), v.to_vec()))
            .collect();
        prop_assert_eq!(&got, &headers);
        let want = match kind {
            BodyKind::Empty => BodyLength::Empty,
            BodyKind::Length(n) => BodyLength::Length(n),
            BodyKind::Streaming => BodyLength::Chunked,
        };
        prop_assert_eq!(req.body(), want);
    }

    #[test]
    fn chunked_body_roundtrip_any_split(
        pieces in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..12),
        trailers in proptest::collection::vec((header_name(), header_value()), 0..3),
        cuts in proptest::collection::vec(1usize..64, 1..40),
    ) {
        let mut wire = Vec::new();
        let mut enc = Encoder::chunked();
        for p in &pieces {
            enc.encode(p, &mut wire).unwrap();
        }
        enc.finish_with_trailers(trailers.iter().map(|(n, v)| (n.as_bytes(), v.as_slice())), &mut wire).unwrap();
        wire.extend_from_slice(b"NEXT");
        let want: Vec<u8> = pieces.concat();
        let (body, consumed) = decode_in_pieces(Decoder::chunked(), &wire, &cuts);
        prop_assert_eq!(body, want);
        prop_assert_eq!(consumed, wire.len() - 4, "bytes after the body are left alone");
    }

    #[test]
    fn length_body_roundtrip_any_split(
        pieces in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..12),
        cuts in proptest::collection::vec(1usize..64, 1..40),
    ) {
        let want: Vec<u8> = pieces.concat();
        let mut enc = Encoder::length(want.len() as u64);
        let mut wire = Vec::new();
        for p in &pieces {
            enc.encode(p, &mut wire).unwrap();
        }
        enc.finish(&mut wire).unwrap();
        wire.extend_from_slice(b"NEXT");
        let (body, consumed) = decode_in_pieces(Decoder::length(want.len() as u64), &wire, &cuts);
        prop_assert_eq!(body, want);
        prop_assert_eq!(consumed, wire.len() - 4);
    }
}

/// Delivers `wire` in pieces of the given sizes to a decoder with a real buffer.
fn decode_in_pieces(mut dec: Decoder, wire: &[u8], cuts: &[usize]) -> (Vec<u8>, usize) {
    let mut buf = Vec::new();
    let mut body = Vec::new();
    let (mut fed, mut consumed_total) = (0, 0);
    let mut cuts = cuts.iter().copied().cycle();
    while !dec.is_done() {
        let step = dec.decode(&buf).unwrap();
        body.extend_from_slice(step.data);
        let consumed = step.consumed;
        buf.drain(..consumed);
        consumed_total += consumed;
        if consumed == 0 && !dec.is_done() {
            assert!(fed < wire.len(), "decoder wants more than was sent");
            let n = cuts.next().unwrap().min(wire.len() - fed);
            buf.extend_from_slice(&wire[fed..fed + n]);
            fed += n;
        }
    }
    (body, consumed_total)
}
