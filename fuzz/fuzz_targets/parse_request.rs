//! Request heads: never panics, and parsing in two pieces agrees with parsing whole.
#![no_main]

use hyper_proto::{Limits, RequestParser};
use libfuzzer_sys::fuzz_target;

fn summary(p: &mut RequestParser, buf: &[u8]) -> Option<Result<(usize, String, String), hyper_proto::ParseError>> {
    match p.parse(buf) {
        Ok(None) => None,
        Ok(Some(r)) => {
            assert!(r.head_len() <= buf.len());
            let hs: Vec<_> = r.headers().iter().map(|(n, v)| format!("{n}:{v:?}")).collect();
            Some(Ok((r.head_len(), format!("{} {} {:?} {:?}", r.method(), r.target(), r.version(), r.body()), hs.join("|"))))
        }
        Err(e) => Some(Err(e)),
    }
}

fn has_head_end(mut b: &[u8]) -> bool {
    // Empty lines before the start line are skipped, not a head end.
    while let [b'\r' | b'\n', rest @ ..] = b {
        b = rest;
    }
    b.windows(2).any(|w| w == b"\n\n") || b.windows(3).any(|w| w == b"\n\r\n")
}

fuzz_target!(|data: &[u8]| {
    let Some((&split, input)) = data.split_first() else { return };
    let limits = Limits::default().max_head_size(4096).max_target_len(1024).max_headers(32);
    let whole = summary(&mut RequestParser::new(limits), input);
    let split = usize::from(split).min(input.len());
    let mut p = RequestParser::new(limits);
    let pieces = match summary(&mut p, &input[..split]) {
        None => summary(&mut p, input),
        // An answer from a prefix must be what the whole input gives.
        Some(r) => Some(r),
    };
    // After a partial read, httparse runs again only once the blank line ending the head
    // has arrived (so a trickled head is not rescanned per byte): an error inside a head
    // that never ends is then reported by the size limit or the timeout instead.
    if matches!(pieces, None | Some(Err(_))) && matches!(whole, Some(Err(_))) && !has_head_end(input) {
        return;
    }
    assert_eq!(whole, pieces, "split at {split}");
});
