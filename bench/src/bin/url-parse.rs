//! hyper-client's URL parser beside the `url` crate's, on the URLs a client meets: time per
//! parse, the two alternated over rounds (the issue asks to use a well-kept parser unless
//! ours is measured faster and passes the same cases; the cases are in
//! `hyper-client/src/url.rs`).
//!
//! `cargo run --release --bin url-parse`

use std::hint::black_box;
use std::time::Instant;

const URLS: [&str; 6] = [
    "http://127.0.0.1:8080/",
    "http://example.com/a/b/c?x=1&y=2",
    "https://api.example.org:8443/v1/items/42?fields=name,price#top",
    "http://[::1]:3000/health",
    "https://user:pass@host.example/private",
    "http://localhost/static/app.js",
];

fn main() {
    let n = 200_000;
    for round in 1..=5 {
        let t = Instant::now();
        for _ in 0..n {
            for u in URLS {
                black_box(hyper_client::Url::parse(black_box(u)).unwrap());
            }
        }
        let ours = t.elapsed().as_nanos() as f64 / (n * URLS.len()) as f64;
        let t = Instant::now();
        for _ in 0..n {
            for u in URLS {
                black_box(url::Url::parse(black_box(u)).unwrap());
            }
        }
        let theirs = t.elapsed().as_nanos() as f64 / (n * URLS.len()) as f64;
        println!(
            "round {round}: hyper-client {ours:.0} ns/parse, url crate {theirs:.0} ns/parse ({:.2}x)",
            theirs / ours
        );
    }
}
