//! The chunked decoder: never panics, never consumes past its input, and gives the same
//! body (or the same error) whether the input arrives whole or in pieces.
#![no_main]

use hyper_proto::{BodyLength, Decoder, Limits, ParseError};
use libfuzzer_sys::fuzz_target;

fn decode(input: &[u8], piece: usize) -> (Result<Vec<u8>, ParseError>, bool, usize) {
    let limits = Limits::default().max_chunk_extensions(256).max_trailer_size(256).max_body_size(Some(1 << 20));
    let mut dec = Decoder::new(BodyLength::Chunked, &limits);
    let mut buf = Vec::new();
    let (mut fed, mut consumed_total) = (0, 0);
    let mut body = Vec::new();
    loop {
        match dec.decode(&buf) {
            Err(e) => return (Err(e), false, consumed_total),
            Ok(step) => {
                assert!(step.consumed <= buf.len());
                body.extend_from_slice(step.data);
                let n = step.consumed;
                buf.drain(..n);
                consumed_total += n;
                if dec.is_done() {
                    return (Ok(body), true, consumed_total);
                }
                if n == 0 {
                    if fed == input.len() {
                        return (Ok(body), false, consumed_total);
                    }
                    let k = piece.min(input.len() - fed);
                    buf.extend_from_slice(&input[fed..fed + k]);
                    fed += k;
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&piece, input)) = data.split_first() else { return };
    let whole = decode(input, usize::MAX);
    let pieces = decode(input, usize::from(piece).max(1));
    match (&whole, &pieces) {
        // Where the error struck is not comparable across splits; which error it was is.
        ((Err(a), ..), (Err(b), ..)) => assert_eq!(a, b),
        _ => assert_eq!(whole, pieces),
    }
});
