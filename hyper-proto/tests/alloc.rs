//! Proves the steady state allocates nothing: parsing request heads, decoding chunked
//! bodies, and whole server exchanges on one connection, after a warm-up.
//!
//! Its own test binary, since it installs a counting global allocator.

#![allow(
    unsafe_code,
    reason = "a GlobalAlloc impl is unsafe by definition; it only counts and forwards to System"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Instant;

use http::StatusCode;
use hyper_proto::{
    BodyKind, Config, Conn, DateCache, Decoder, Encoder, Limits, Next, RequestParser, Server,
};

struct Counting;

thread_local! {
    // Counted per thread so the test harness's other threads do not disturb the count.
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: every call forwards to `System` with the same arguments; the counter is a
// thread-local `Cell` with a const initialiser, which does not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        // SAFETY: same layout contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations(f: impl FnOnce()) -> u64 {
    let before = ALLOCS.with(Cell::get);
    f();
    ALLOCS.with(Cell::get) - before
}

const BROWSER: &[u8] = b"GET /wp-content/uploads/2010/03/hello-kitty.jpg HTTP/1.1\r\n\
Host: www.kittyhell.com\r\n\
User-Agent: Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10.6; ja-JP-mac; rv:1.9.2.3) Gecko/20100401 Firefox/3.6.3\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n\
Accept-Language: ja,en-us;q=0.7,en;q=0.3\r\n\
Accept-Encoding: gzip,deflate\r\n\
Connection: keep-alive\r\n\
Cookie: wp_ozh_wsa_visits=2; __utma=xxxxxxxxx.xxxxxxxxxx.x\r\n\r\n";

#[test]
fn steady_state_allocates_nothing() {
    // The counter itself works: one visible allocation is seen.
    let n = allocations(|| drop(std::hint::black_box(Vec::<u8>::with_capacity(64))));
    assert_eq!(n, 1, "the counting allocator must see allocations");

    // --- head parsing ---
    let mut parser = RequestParser::new(Limits::default());
    parser.parse(BROWSER).unwrap().unwrap(); // warm-up: the header table grows once
    let n = allocations(|| {
        for _ in 0..1000 {
            parser.reset();
            let req = parser.parse(BROWSER).unwrap().unwrap();
            assert_eq!(req.headers().len(), 7);
        }
    });
    assert_eq!(
        n, 0,
        "request head parsing allocated {n} times in 1000 parses"
    );

    // --- partial heads (the incremental scanner) ---
    let n = allocations(|| {
        for split in [10, 50, 200] {
            parser.reset();
            assert!(parser.parse(&BROWSER[..split]).unwrap().is_none());
            assert!(parser.parse(BROWSER).unwrap().is_some());
        }
    });
    assert_eq!(n, 0, "partial parsing allocated {n} times");

    // --- chunked decoding ---
    let mut wire = Vec::new();
    let mut enc = Encoder::chunked();
    for i in 0..100 {
        enc.encode(&vec![b'a'; i * 7], &mut wire).unwrap();
    }
    enc.finish_with_trailers([(&b"X-Sum"[..], &b"1"[..])], &mut wire)
        .unwrap();
    let n = allocations(|| {
        for _ in 0..100 {
            let mut dec = Decoder::chunked();
            let mut buf = &wire[..];
            let mut total = 0;
            while !dec.is_done() {
                let step = dec.decode(buf).unwrap();
                total += step.data.len();
                buf = &buf[step.consumed..];
            }
            assert_eq!(total, 7 * 99 * 100 / 2);
        }
    });
    assert_eq!(n, 0, "chunked decoding allocated {n} times");

    // --- whole keep-alive exchanges on one server connection ---
    let now = Instant::now();
    let date = DateCache::new(std::time::SystemTime::now());
    let mut conn = Conn::<Server>::new(Config::default(), now);
    let mut out = Vec::with_capacity(4096);
    let exchange = |conn: &mut Conn<Server>, out: &mut Vec<u8>| {
        out.clear();
        let n = conn.recv_head(now, BROWSER).unwrap().unwrap();
        assert_eq!(n, BROWSER.len());
        assert_eq!(
            conn.request(BROWSER).path(),
            "/wp-content/uploads/2010/03/hello-kitty.jpg"
        );
        conn.set_next(now, Next::write());
        let headers = [(&b"content-type"[..], &b"text/plain"[..])];
        conn.send_response_head(
            now,
            StatusCode::OK,
            headers,
            BodyKind::Streaming,
            Some(&date),
            out,
        )
        .unwrap();
        let frame = conn.frame_body(13).unwrap();
        out.extend_from_slice(frame.prefix());
        out.extend_from_slice(b"Hello, World!");
        out.extend_from_slice(frame.suffix());
        conn.end_exchange(now, out).unwrap();
        assert!(conn.is_idle());
    };
    exchange(&mut conn, &mut out);
    let n = allocations(|| {
        for _ in 0..1000 {
            exchange(&mut conn, &mut out);
        }
    });
    assert_eq!(
        n, 0,
        "server exchanges allocated {n} times in 1000 requests"
    );
    assert_eq!(conn.exchanges(), 1001);
}
