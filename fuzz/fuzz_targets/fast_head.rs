//! The request-head fast path against httparse: whatever the fast path accepts, httparse
//! must accept with the same method, target, version, head length and field spans. The
//! first byte picks the field limit; the rest is the head.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, head)) = data.split_first() else {
        return;
    };
    let max = usize::from(first % 24) + 1;
    hyper_proto::__fuzz::check_against_httparse(head, max);
});
