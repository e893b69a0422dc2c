//! `sync-seq-client PORT N WARMUP`: WARMUP then N sequential `GET /` through hypersync's
//! blocking `Client` (one keep-alive connection from its pool, on the calling thread), each
//! response checked (200 and a 13-byte body), then prints `rps=` for the timed part and the
//! allocations per request of the whole process during it.

use std::sync::atomic::Ordering;

use hyper_next_bench::{Counting, ALLOCS};

#[global_allocator]
static GLOBAL: Counting = Counting;

use std::io::Read;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|a| a.parse().ok()).expect("PORT");
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let warmup: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let url = hypersync::Url::parse(&format!("http://127.0.0.1:{port}/")).expect("url");
    let client = hypersync::Client::new();
    let mut body = Vec::with_capacity(64);
    let mut run = |count: usize| {
        for _ in 0..count {
            let mut res = client.get(&url).send().expect("request");
            body.clear();
            res.read_to_end(&mut body).expect("body");
            assert!(
                res.status == hypersync::Ok && body.len() == 13,
                "status {} body {}",
                res.status,
                body.len()
            );
        }
    };
    run(warmup.max(1));
    let a0 = ALLOCS.load(Ordering::Relaxed);
    let t0 = Instant::now();
    run(n);
    let secs = t0.elapsed().as_secs_f64();
    let allocs = ALLOCS.load(Ordering::Relaxed) - a0;
    println!(
        "hypersync-client requests={n} secs={secs:.3} rps={:.0} allocs_per_request={:.2}",
        n as f64 / secs,
        allocs as f64 / n as f64
    );
}
