//! Response heads: never panics, split and whole agree, framing is always decided.
#![no_main]

use http::Method;
use hyper_proto::{Limits, ResponseParser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, input)) = data.split_first() else { return };
    let method = match sel % 4 {
        0 => Method::GET,
        1 => Method::HEAD,
        2 => Method::CONNECT,
        _ => Method::POST,
    };
    let limits = Limits::default().max_head_size(4096).max_headers(32);
    let run = |split: usize| {
        let mut p = ResponseParser::new(limits);
        let first = match p.parse(&input[..split], &method) {
            Ok(None) => None,
            Ok(Some(r)) => Some(Ok((r.head_len(), r.status(), r.body(), r.keep_alive()))),
            Err(e) => Some(Err(e)),
        };
        first.or_else(|| match p.parse(input, &method) {
            Ok(None) => None,
            Ok(Some(r)) => Some(Ok((r.head_len(), r.status(), r.body(), r.keep_alive()))),
            Err(e) => Some(Err(e)),
        })
    };
    let whole = run(input.len());
    let split = usize::from(sel).min(input.len());
    let pieces = run(split);
    // As for requests: after a partial read, httparse runs again only at the head's end.
    let mut body = input;
    while let [b'\r' | b'\n', rest @ ..] = body {
        body = rest;
    }
    let has_end = body.windows(2).any(|w| w == b"\n\n") || body.windows(3).any(|w| w == b"\n\r\n");
    if matches!(pieces, None | Some(Err(_))) && matches!(whole, Some(Err(_))) && !has_end {
        return;
    }
    assert_eq!(whole, pieces);
});
